// stats/min_queue.h against a multiset: random pushes (mostly in order, some early), pops of
// the top, entries going stale and compactions, over tens of thousands of entries so that the
// FIFO's blocks fill, empty at the front, come back from the spares and are cut by compact().
// BlockFifo's positions through pops and filters; the same compactions done a few entries at a
// time (sweep, compact_step) while the queue is pushed and popped.
#include "stats/min_queue.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <random>
#include <set>
#include <utility>
#include <vector>

namespace iwd::stats {
namespace {

struct Timed {
  std::int64_t at;
  std::uint32_t id;
};

TEST(MinQueue, EqualsASortedSetAcrossManyBlocks) {
  for (std::uint64_t seed = 1; seed <= 4; ++seed) {
    std::mt19937_64 rng(seed);
    MinQueue<Timed> q;
    std::set<std::pair<std::int64_t, std::uint32_t>> want;  // the live entries
    std::vector<bool> alive;                                // per id
    const auto live = [&alive](const Timed& t) { return static_cast<bool>(alive[t.id]); };
    std::int64_t clock = 0;
    for (int step = 0; step < 200'000; ++step) {
      const int op = static_cast<int>(rng() % 100);
      // Phases: a long growth, then a drain, then mixed.
      const bool grow = step < 60'000 || (step >= 120'000 && op < 55);
      if (grow) {
        const std::int64_t at = rng() % 20 == 0 ? clock - static_cast<std::int64_t>(rng() % 1000) : (clock += rng() % 3);
        const auto id = static_cast<std::uint32_t>(alive.size());
        alive.push_back(true);
        q.push(Timed{at, id});
        want.insert({at, id});
      } else if (op < 70 || step < 120'000) {
        const Timed* t = q.top(live);
        ASSERT_EQ(t == nullptr, want.empty()) << "step " << step;
        if (!t) continue;
        ASSERT_EQ(t->at, want.begin()->first) << "step " << step;
        alive[t->id] = false;
        want.erase({t->at, t->id});
        q.pop(t);
      } else if (!want.empty()) {
        // An entry gone stale somewhere in the middle, and now and then all of them dropped.
        auto it = want.lower_bound({want.begin()->first + static_cast<std::int64_t>(rng() % 2000), 0});
        if (it == want.end()) --it;
        alive[it->second] = false;
        want.erase(it);
        if (op % 10 == 0) q.compact(live);
      }
      if (step % 997 == 0) {
        const Timed* t = q.top(live);
        ASSERT_EQ(t == nullptr, want.empty()) << "step " << step;
        if (t) {
          ASSERT_EQ(t->at, want.begin()->first) << "step " << step;
        }
      }
    }
    q.compact(live);
    EXPECT_EQ(q.size(), want.size()) << "seed " << seed;
  }
}

// BlockFifo's positions against a vector: they stay with their entries while the front is
// popped, and filter() moves the positions handed to it to the first entry kept at or after
// theirs (stats/queue_stats.h keeps its age cursors that way).
TEST(BlockFifo, PositionsFollowTheirEntriesThroughPopsAndFilters) {
  std::mt19937_64 rng(7);
  BlockFifo<std::uint64_t> q;
  std::vector<std::uint64_t> want;  // the entries, front first
  std::uint64_t next = 0;
  for (int round = 0; round < 40; ++round) {
    for (std::uint64_t n = rng() % 6000; n > 0; --n) {
      q.push_back(next);
      want.push_back(next++);
    }
    for (std::uint64_t n = std::min<std::uint64_t>(rng() % 3000, want.size()); n > 0; --n) {
      q.pop_front();
      want.erase(want.begin());
    }
    ASSERT_EQ(q.end() - q.begin(), want.size());
    for (std::size_t k = 0; k < want.size(); k += 1 + rng() % 500) ASSERT_EQ(q.at(q.begin() + k), want[k]);
    // Positions anywhere, before the front and at the end included; entries dropped at random.
    std::array<std::uint64_t, 4> at{q.begin() - std::min<std::uint64_t>(q.begin(), 3), q.end(), 0, 0};
    at[2] = q.begin() + (want.empty() ? 0 : rng() % want.size());
    at[3] = q.begin() + (want.empty() ? 0 : rng() % want.size());
    std::array<std::uint64_t, 4> first{};  // the entry each should come to (~0: the end)
    const std::uint64_t mod = 2 + rng() % 5;
    const auto keep = [mod](std::uint64_t v) { return v % mod != 0; };
    for (std::size_t i = 0; i < at.size(); ++i) {
      first[i] = ~std::uint64_t{0};
      for (std::uint64_t k = at[i] < q.begin() ? 0 : at[i] - q.begin(); k < want.size(); ++k)
        if (keep(want[k])) {
          first[i] = want[k];
          break;
        }
    }
    q.filter(keep, at);
    std::erase_if(want, [&](std::uint64_t v) { return !keep(v); });
    ASSERT_EQ(q.size(), want.size()) << "round " << round;
    for (std::size_t i = 0; i < at.size(); ++i) {
      if (first[i] == ~std::uint64_t{0}) {
        EXPECT_EQ(at[i], q.end()) << "round " << round << " position " << i;
      } else {
        ASSERT_LT(at[i], q.end());
        EXPECT_EQ(q.at(at[i]), first[i]) << "round " << round << " position " << i;
      }
    }
  }
}

// A sweep a few entries at a time, pushes and pops of dropped fronts between its steps: the
// entries kept in order, the rest gone once it ends, positions moved as filter() would.
TEST(BlockFifo, ASweepInStepsKeepsWhatAFilterKeeps) {
  std::mt19937_64 rng(11);
  BlockFifo<std::uint64_t> q;
  std::vector<std::uint64_t> seq;  // every entry pushed, in order
  std::uint64_t next = 1;          // 0: the killed entry (rejected: 0 % mod == 0)
  for (int round = 0; round < 30; ++round) {
    const std::uint64_t mod = 2 + rng() % 5;
    const auto keep = [mod](std::uint64_t v) { return v % mod != 0; };
    for (std::uint64_t n = rng() % 7000; n > 0; --n) {
      q.push_back(next);
      seq.push_back(next++);
    }
    // The entries in the queue now, front first: seq's tail.
    const std::size_t first = seq.size() - q.size();
    std::array<std::uint64_t, 3> at{q.end(), 0, 0};
    at[1] = q.begin() + (q.size() ? rng() % q.size() : 0);
    at[2] = q.begin() + (q.size() ? rng() % q.size() : 0);
    std::array<std::size_t, 3> index{};  // into seq
    for (std::size_t i = 0; i < at.size(); ++i) index[i] = first + (at[i] - q.begin());
    q.start_sweep();
    std::size_t steps = 0;
    while (q.sweeping()) {
      q.sweep(keep, [](std::uint64_t& v) { v = 0; }, 1 + rng() % 7, at);
      ++steps;
      if (q.sweeping() && rng() % 3 == 0) {  // a push behind the sweep
        q.push_back(next);
        seq.push_back(next++);
      }
      while (!q.empty() && !keep(q.front())) q.pop_front();  // as a read drops stale fronts
    }
    EXPECT_GT(steps, 1u);
    std::vector<std::uint64_t> want;
    for (std::size_t k = first; k < seq.size(); ++k)
      if (keep(seq[k])) want.push_back(seq[k]);
    ASSERT_EQ(q.size(), want.size()) << "round " << round;
    for (std::size_t k = 0; k < want.size(); ++k) ASSERT_EQ(q.at(q.begin() + k), want[k]) << "round " << round;
    for (std::size_t i = 0; i < at.size(); ++i) {
      at[i] = std::max(at[i], q.begin());  // one whose entries were all popped lags (a reader takes it on)
      std::size_t k = index[i];
      while (k < seq.size() && !keep(seq[k])) ++k;
      if (k == seq.size()) {
        EXPECT_EQ(at[i], q.end()) << "round " << round << " position " << i;
      } else {
        ASSERT_LT(at[i], q.end());
        EXPECT_EQ(q.at(at[i]), seq[k]) << "round " << round << " position " << i;
      }
    }
    // What is left goes on as the next round's queue (the seq entries dropped are not in it).
    std::vector<std::uint64_t> rest(want);
    seq.assign(rest.begin(), rest.end());
  }
}

// MinQueue compacted a few entries a push: the top is the set's smallest throughout.
TEST(MinQueue, ACompactionInStepsKeepsTheOrder) {
  std::mt19937_64 rng(5);
  MinQueue<Timed> q;
  std::set<std::pair<std::int64_t, std::uint32_t>> want;
  std::vector<bool> alive{false};  // id 0: the killed entries'
  const auto live = [&alive](const Timed& t) { return static_cast<bool>(alive[t.id]); };
  const auto kill = [](Timed& t) { t.id = 0; };
  std::int64_t clock = 0;
  int compactions = 0;
  for (int step = 0; step < 300'000; ++step) {
    const int op = static_cast<int>(rng() % 100);
    if (op < 50) {
      const std::int64_t at = rng() % 20 == 0 ? clock - static_cast<std::int64_t>(rng() % 1000) : (clock += rng() % 3);
      const auto id = static_cast<std::uint32_t>(alive.size());
      alive.push_back(true);
      q.push(Timed{at, id});
      want.insert({at, id});
      if (q.compacting()) q.compact_step(live, kill, 3);
      else if (q.size() > 2 * want.size() + 64) q.start_compaction(live), ++compactions;
    } else if (op < 60 && !want.empty()) {
      const Timed* t = q.top(live);
      ASSERT_TRUE(t);
      ASSERT_EQ(t->at, want.begin()->first) << "step " << step;
      alive[t->id] = false;
      want.erase({t->at, t->id});
      q.pop(t);
    } else if (!want.empty()) {  // one gone stale in the middle
      auto it = want.lower_bound({want.begin()->first + static_cast<std::int64_t>(rng() % 3000), 0});
      if (it == want.end()) --it;
      alive[it->second] = false;
      want.erase(it);
    }
    if (step % 101 == 0) {
      const Timed* t = q.top(live);
      ASSERT_EQ(t == nullptr, want.empty()) << "step " << step;
      if (t) {
        ASSERT_EQ(t->at, want.begin()->first) << "step " << step;
      }
    }
  }
  EXPECT_GT(compactions, 10);
  EXPECT_LT(q.size(), 3 * want.size() + 1000);
}

}  // namespace
}  // namespace iwd::stats
