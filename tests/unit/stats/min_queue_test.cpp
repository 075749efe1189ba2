// stats/min_queue.h against a multiset: random pushes (mostly in order, some early), pops of
// the top, entries going stale and compactions, over tens of thousands of entries so that the
// FIFO's blocks fill, empty at the front, come back from the spares and are cut by compact().
#include "stats/min_queue.h"

#include <gtest/gtest.h>

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

}  // namespace
}  // namespace iwd::stats
