// The scenario's parts beyond arrivals and staffing (docs/simulate.md): bursts, due and
// activate offsets, late or missing completions, parked items, other not-ready time. Each
// expectation is worked out by hand (in the comments) or is a closed form, not the run's output.
#include <map>

#include "tests/unit/simulate/queueing.h"

namespace iwd::simulate {
namespace {

using runtime::EventKind;
using runtime::ItemState;

// A run with the events observed; the scenario must parse.
struct Observed {
  std::vector<Replication> reps;
  std::vector<runtime::Event> events;  // (item and agent ids are the pool's while the run lasts)
  std::vector<std::string> items;      // the item's id of each event, as text
};
Observed observe(testing::Loaded& l, const std::string& scenario) {
  Observed out;
  auto s = parse_scenario(scenario, l.result.rules->table(), l.schema);
  EXPECT_TRUE(s.ok()) << s.error;
  if (!s.ok()) return out;
  Options o;
  o.observe = [&](int, const runtime::Event& e, const runtime::Runtime&) {
    out.events.push_back(e);
    out.items.emplace_back(e.kind == EventKind::ItemStateChanged ? l.pool.view(e.item) : "");
  };
  std::string error;
  EXPECT_TRUE(run(l.result.rules->table(), l.pool, s.value, o, &out.reps, &error)) << error;
  return out;
}

// The instant (ms from 2026-01-05T09:00:00Z, the default start) of each item's changes to `to`.
std::map<std::string, std::vector<std::int64_t>> changes(const Observed& o, ItemState to) {
  std::map<std::string, std::vector<std::int64_t>> out;
  for (std::size_t k = 0; k < o.events.size(); ++k)
    if (o.events[k].kind == EventKind::ItemStateChanged && o.events[k].to_item == to)
      out[o.items[k]].push_back(o.events[k].at - 1767603600000);
  return out;
}
constexpr std::int64_t kMinute = 60'000;

TEST(SimulateBursts, FiftyItemsAtOnceWaitTheirTurnForOneAgent) {
  auto l = testing::load(testing::one_queue_rules());
  ASSERT_TRUE(l);
  // No other arrivals; 50 items at 1h, one agent, 1 minute each: the k-th (from 0) waits k
  // minutes. Mean 24.5 min; 49 waited; 1 within 20 s; p50 the 25th smallest, 24 min.
  const auto reps = l->run_scenario(R"({
  "streams": [{"name": "x", "rates": [0], "handle": {"fixed": "1m"}, "bursts": [{"at": "1h", "items": 50}]}],
  "agents": [{"group": "a", "count": 1, "skills": {"s": 1}}],
  "run": {"length": "2h"}
})");
  ASSERT_EQ(reps.size(), 1u);
  EXPECT_EQ(reps[0].arrivals, 50);
  EXPECT_EQ(reps[0].waited, 49);
  EXPECT_EQ(reps[0].answered_within, 1);
  EXPECT_NEAR(reps[0].mean_wait_s, 24.5 * 60, 1e-6);
  EXPECT_NEAR(reps[0].p50_s, 24 * 60, 24 * 60 * 0.001);  // (the histogram's buckets: within 0.1%)
  // Backlog from 1h to 1h15: 49 waiting in the first minute, 48 in the next ... 35 in the
  // fifteenth: a mean of 42. Nothing before.
  ASSERT_EQ(reps[0].backlog_by_interval.size(), 8u);
  EXPECT_EQ(reps[0].backlog_by_interval[3], 0);
  EXPECT_NEAR(reps[0].backlog_by_interval[4], 42, 1e-9);
  // Service level over time: the 50 captured at 1h, in the fifth 15 minutes; one taken within 20 s.
  EXPECT_EQ(reps[0].captured_by_interval, (std::vector<std::int64_t>{0, 0, 0, 0, 50, 0, 0, 0}));
  EXPECT_EQ(reps[0].answered_within_by_interval, (std::vector<std::int64_t>{0, 0, 0, 0, 1, 0, 0, 0}));
}

TEST(SimulateBursts, AddToTheStreamsOtherArrivalsWithoutChangingThem) {
  auto l = testing::load(testing::one_queue_rules());
  ASSERT_TRUE(l);
  auto scenario = [](const std::string& bursts) {
    return fmt::format(R"({{
  "streams": [{{"name": "x", "rates": [30], "handle": {{"fixed": "1m"}}{}}}],
  "agents": [{{"group": "a", "count": 3, "skills": {{"s": 1}}}}],
  "run": {{"length": "4h", "seed": 9}}
}})", bursts);
  };
  const auto plain = l->run_scenario(scenario(""));
  const auto burst = l->run_scenario(scenario(R"(, "bursts": [{"at": "1h", "items": 20}, {"at": "3h", "items": 7}])"));
  ASSERT_EQ(plain.size(), 1u);
  ASSERT_EQ(burst.size(), 1u);
  EXPECT_EQ(burst[0].arrivals, plain[0].arrivals + 27);
  EXPECT_GT(burst[0].mean_wait_s, plain[0].mean_wait_s);
}

TEST(SimulateOffsets, ItemsAreDeferredUntilActivateAfterAndDueAfterTheirCapture) {
  auto l = testing::load(testing::one_queue_rules());
  ASSERT_TRUE(l);
  std::vector<std::pair<std::int64_t, std::int64_t>> clocks;  // (start - captured, due - captured)
  auto s = parse_scenario(R"({
  "streams": [{"name": "x", "rates": [4], "handle": {"fixed": "1m"}, "activate_after": "30m", "due_after": "4h"}],
  "agents": [{"group": "a", "count": 2, "skills": {"s": 1}}],
  "run": {"length": "10h", "seed": 4}
})", l->result.rules->table(), l->schema);
  ASSERT_TRUE(s.ok()) << s.error;
  std::map<std::uint32_t, std::int64_t> captured;
  std::vector<std::int64_t> waits_to_queue;  // capture to the end of the deferral
  Options o;
  o.observe = [&](int, const runtime::Event& e, const runtime::Runtime& rt) {
    if (e.kind != EventKind::ItemStateChanged) return;
    if (e.to_item == ItemState::Deferred) {
      captured[e.item] = e.at;
      const runtime::WorkItem* w = rt.find_item(e.item);
      ASSERT_NE(w, nullptr);
      clocks.emplace_back(w->clock.start - e.at, w->clock.due - e.at);
    } else if (e.to_item == ItemState::Queued && e.from_item == ItemState::Deferred) {
      waits_to_queue.push_back(e.at - captured[e.item]);
    }
  };
  std::vector<Replication> reps;
  std::string error;
  ASSERT_TRUE(run(l->result.rules->table(), l->pool, s.value, o, &reps, &error)) << error;
  ASSERT_GT(clocks.size(), 20u);
  ASSERT_EQ(waits_to_queue.size(), clocks.size());
  for (const auto& [start, due] : clocks) {
    EXPECT_EQ(start, 30 * kMinute);
    EXPECT_EQ(due, 240 * kMinute);
  }
  for (std::int64_t w : waits_to_queue) EXPECT_EQ(w, 30 * kMinute);
  // A wait runs from the capture: at least the deferral.
  EXPECT_GE(reps[0].p50_s, 30 * 60 * 0.999);  // (the histogram's buckets: within 0.1%)
}

TEST(SimulateCompletion, LateCompletionsComeLateByAfterTheDone) {
  auto l = testing::load(testing::one_queue_rules());
  ASSERT_TRUE(l);
  const Observed o = observe(*l, R"({
  "streams": [{"name": "x", "rates": [6], "handle": {"fixed": "2m"}, "completion": {"late": 1, "late_by": "20m"}}],
  "agents": [{"group": "a", "count": 2, "skills": {"s": 1}}],
  "run": {"length": "10h", "seed": 6}
})");
  const auto done = changes(o, ItemState::DonePending), completed = changes(o, ItemState::Completed);
  ASSERT_GT(done.size(), 30u);
  std::size_t checked = 0;
  for (const auto& [item, at] : completed) {  // (the last ones may end after the run stops)
    ASSERT_EQ(at.size(), 1u);
    ASSERT_EQ(done.at(item).size(), 1u);
    EXPECT_EQ(at[0] - done.at(item)[0], 20 * kMinute) << item;
    ++checked;
  }
  EXPECT_GE(checked + 2, done.size());
}

TEST(SimulateCompletion, ItemsNeverCompletedGoBackToWorkAfterCompleteWithin) {
  auto l = testing::load(testing::one_queue_rules("complete within 1h"));
  ASSERT_TRUE(l);
  const Observed o = observe(*l, R"({
  "streams": [{"name": "x", "rates": [2], "handle": {"fixed": "5m"}, "completion": {"never": 1}}],
  "agents": [{"group": "a", "count": 3, "skills": {"s": 1}}],
  "run": {"length": "6h", "seed": 7}
})");
  EXPECT_TRUE(changes(o, ItemState::Completed).empty());
  // Done, then an hour later the rules put it back in the queue (complete_timeout), taken at
  // once (three agents, an item every 30 minutes or so), done 5 minutes later, and so on.
  const auto done = changes(o, ItemState::DonePending);
  std::size_t checked = 0;
  for (std::size_t k = 0; k < o.events.size(); ++k) {
    const runtime::Event& e = o.events[k];
    if (e.kind != EventKind::ItemStateChanged || e.from_item != ItemState::DonePending) continue;
    EXPECT_EQ(e.to_item, ItemState::Queued);
    const auto& dones = done.at(o.items[k]);
    const std::int64_t at = e.at - 1767603600000;
    EXPECT_NE(std::find(dones.begin(), dones.end(), at - 60 * kMinute), dones.end())
        << o.items[k] << " at " << at << ", done at " << ::testing::PrintToString(dones);
    ++checked;
  }
  EXPECT_GT(checked, 10u);
}

TEST(SimulateCompletion, SharesOfLateAndNeverAreDrawnPerItem) {
  auto l = testing::load(testing::one_queue_rules());
  ASSERT_TRUE(l);
  const Observed o = observe(*l, R"({
  "streams": [{"name": "x", "rates": [120], "handle": {"fixed": "1m"}, "completion": {"late": 0.3, "late_by": "1m", "never": 0.2}}],
  "agents": [{"group": "a", "count": 5, "skills": {"s": 1}}],
  "run": {"length": "20h", "seed": 8}
})");
  const auto done = changes(o, ItemState::DonePending), completed = changes(o, ItemState::Completed);
  double at_once = 0, late = 0;
  for (const auto& [item, at] : completed) (at[0] == done.at(item)[0] ? at_once : late) += 1;
  const double n = static_cast<double>(done.size()), never = n - at_once - late;
  ASSERT_GT(n, 2000);
  // Binomial shares: within four standard deviations, sqrt(p (1 - p) / n).
  EXPECT_NEAR(late / n, 0.3, 4 * std::sqrt(0.3 * 0.7 / n));
  EXPECT_NEAR(never / n, 0.2, 4 * std::sqrt(0.2 * 0.8 / n) + 2 / n);  // (the last items' completions may be after the stop)
}

TEST(SimulatePark, AParkedItemComesBackAfterItsTimeOrOnceTheAgentHasRoom) {
  auto l = testing::load(testing::one_queue_rules());
  ASSERT_TRUE(l);
  // One agent, one item at 0 and one at 3m, both parked for 10m, each 5m of work:
  // x-1: taken 0, parked 0, pulled 10m, done 15m;
  // x-2: taken 3m, parked 3m, its time up at 13m while x-1 is in hand (capacity one), pulled at
  // 15m when x-1 is done, done 20m. Busy [10m, 20m) of the hour: occupancy 1/6.
  const Observed o = observe(*l, R"({
  "streams": [{"name": "x", "rates": [0], "handle": {"fixed": "5m"}, "park": {"share": 1, "for": "10m"},
               "bursts": [{"at": "0s", "items": 1}, {"at": "3m", "items": 1}]}],
  "agents": [{"group": "a", "count": 1, "skills": {"s": 1}}],
  "run": {"length": "1h"}
})");
  const auto parked = changes(o, ItemState::Parked), assigned = changes(o, ItemState::Assigned), done = changes(o, ItemState::DonePending);
  using V = std::vector<std::int64_t>;
  EXPECT_EQ(parked.at("x-1"), V{0});
  EXPECT_EQ(parked.at("x-2"), V{3 * kMinute});
  EXPECT_EQ(assigned.at("x-1"), (V{0, 10 * kMinute}));
  EXPECT_EQ(assigned.at("x-2"), (V{3 * kMinute, 15 * kMinute}));
  EXPECT_EQ(done.at("x-1"), V{15 * kMinute});
  EXPECT_EQ(done.at("x-2"), V{20 * kMinute});
  ASSERT_EQ(o.reps.size(), 1u);
  EXPECT_NEAR(o.reps[0].occupancy_by_group[0], 100.0 / 6, 1e-9);
}

TEST(SimulateNotReady, TheShareOfTimeNotReadyIsForOverEveryPlusFor) {
  auto l = testing::load(testing::one_queue_rules());
  ASSERT_TRUE(l);
  // Ready for an exponential time of mean 50m, then not ready for 10m, and again: an
  // alternating renewal process, not ready 10 / (50 + 10) = 1/6 of the time in the long run.
  const Observed o = observe(*l, R"({
  "streams": [{"name": "x", "rates": [0], "handle": {"fixed": "1m"}}],
  "agents": [{"group": "a", "count": 5, "skills": {"s": 1}, "not_ready": {"every": "50m", "for": "10m", "reason": "admin"}}],
  "run": {"length": "500h", "seed": 3}
})");
  const std::int64_t end = 500 * 60 * kMinute;
  std::map<std::uint32_t, std::int64_t> since;  // agent -> not ready since
  double not_ready = 0;
  std::size_t spells = 0;
  for (const runtime::Event& e : o.events) {
    if (e.kind != EventKind::AgentStateChanged) continue;
    const std::int64_t at = std::min(end, e.at - 1767603600000);
    if (e.to_agent == runtime::AgentState::NotReady) {
      EXPECT_EQ(l->pool.view(e.reason), "admin");
      since[e.agent] = at;
    } else if (e.to_agent == runtime::AgentState::Ready && since.count(e.agent)) {
      if (at < end) {
        EXPECT_EQ(at - since[e.agent], 10 * kMinute);  // each spell as long as `for`
      }
      not_ready += static_cast<double>(at - since[e.agent]);
      since.erase(e.agent);
      ++spells;
    }
  }
  for (const auto& [agent, from] : since) not_ready += static_cast<double>(end - from);
  ASSERT_GT(spells, 2000u);  // 5 agents x 500 h / 1 h
  // About 2,500 cycles: the share's standard deviation is near 0.003.
  EXPECT_NEAR(not_ready / (5.0 * static_cast<double>(end)), 1.0 / 6, 0.012);
}

TEST(SimulateScenarioParts, BadValuesAreRefusedWithTheirLine) {
  auto l = testing::load(testing::one_queue_rules());
  ASSERT_TRUE(l);
  auto error = [&](const std::string& stream, const std::string& group = "") {
    return parse_scenario(fmt::format(R"({{
  "streams": [{{"name": "x", "rates": [1], "handle": {{"fixed": "1m"}}{}}}],
  "agents": [{{"group": "a", "count": 1, "skills": {{"s": 1}}{}}}]
}})", stream, group), l->result.rules->table(), l->schema).error;
  };
  EXPECT_EQ(error(R"(, "completion": {"late": 0.7, "late_by": "1h", "never": 0.5})"),
            "line 2: `completion`: `late` and `never` add up to more than 1");
  EXPECT_EQ(error(R"(, "completion": {"late": 0.5})"), "line 2: `completion`: `late` needs `late_by`");
  EXPECT_EQ(error(R"(, "park": {"share": 2, "for": "1m"})"), "line 2: `park`: `share` is a number from 0 to 1 (a share of the items)");
  EXPECT_EQ(error(R"(, "bursts": [{"at": "1h", "itmes": 5}])"), "line 2: unknown field `itmes` in `bursts` (did you mean `items`?)");
  EXPECT_EQ(error(R"(, "due_after": "soon")").substr(0, 21), "line 2: `due_after`: ");
  EXPECT_EQ(error("", R"(, "not_ready": {"every": "1h"})"), "line 3: `not_ready` needs `every` and `for`");
}

TEST(SimulateProgress, EachHundredthOfTheRunThenItsEnd) {
  auto l = testing::load(testing::one_queue_rules());
  ASSERT_TRUE(l);
  auto s = parse_scenario(R"({
  "streams": [{"name": "x", "rates": [60], "handle": {"fixed": "1m"}}],
  "agents": [{"group": "a", "count": 2, "skills": {"s": 1}}],
  "run": {"length": "10h", "replications": 2}
})", l->result.rules->table(), l->schema);
  ASSERT_TRUE(s.ok()) << s.error;
  std::vector<std::vector<std::int64_t>> seen(2);
  Options o;
  o.progress = [&](int rep, std::int64_t at) { seen.at(static_cast<std::size_t>(rep)).push_back(at); };
  std::vector<Replication> reps;
  std::string error;
  ASSERT_TRUE(run(l->result.rules->table(), l->pool, s.value, o, &reps, &error)) << error;
  const std::int64_t length = 10 * 60 * kMinute;
  for (const auto& at : seen) {
    // An arrival a minute: an event in nearly every hundredth (6 minutes), none reported twice.
    ASSERT_GE(at.size(), 80u);
    ASSERT_LE(at.size(), 101u);
    EXPECT_EQ(at.back(), length);
    for (std::size_t k = 1; k < at.size(); ++k) EXPECT_GT(at[k] / (length / 100), at[k - 1] / (length / 100));
  }
}

}  // namespace
}  // namespace iwd::simulate
