// RONA in scenarios: the share of items whose first offer rings out unanswered. The rules'
// offer timeout takes it back, the agent is not ready (`rona`) until `back_after`, and the
// item's wait runs until an agent takes it.
#include "tests/unit/simulate/queueing.h"

namespace iwd::simulate {
namespace {

const std::string kRules = testing::one_queue_rules("offer timeout 15s");

// Two agents, an item every 10 minutes or so, each 1 minute: agents are nearly always free.
std::string scenario(const std::string& rona) {
  return fmt::format(R"({{
  "streams": [{{"name": "x", "rates": [6], "handle": {{"fixed": "1m"}}{}}}],
  "agents": [{{"group": "a", "count": 2, "skills": {{"s": 1}}}}],
  "run": {{"length": "10h", "replications": 1, "seed": 2}}
}})",
                     rona);
}

TEST(Rona, AFirstOfferRingsOutAndTheAgentComesBackLater) {
  auto l = testing::load(kRules);
  ASSERT_TRUE(l);
  auto s = parse_scenario(scenario(R"(, "rona": {"share": 1, "back_after": "2m"})"), l->result.rules->table(), l->schema);
  ASSERT_TRUE(s.ok()) << s.error;
  std::vector<std::int64_t> not_ready, ready;  // instants of agent `a-1`'s changes
  Options o;
  o.observe = [&](int, const runtime::Event& e, const runtime::Runtime&) {
    if (e.kind != runtime::EventKind::AgentStateChanged || l->pool.view(e.agent) != "a-1") return;
    if (e.to_agent == runtime::AgentState::NotReady) {
      EXPECT_EQ(l->pool.view(e.reason), "rona");
      not_ready.push_back(e.at);
    } else if (e.to_agent == runtime::AgentState::Ready) {
      ready.push_back(e.at);
    }
  };
  std::vector<Replication> reps;
  std::string error;
  ASSERT_TRUE(run(l->result.rules->table(), l->pool, s.value, o, &reps, &error)) << error;
  ASSERT_GT(reps[0].arrivals, 30);
  // Every item rang 15 s at one agent first, then went to the other (or back to the first).
  EXPECT_EQ(reps[0].waited, reps[0].arrivals);
  EXPECT_GE(reps[0].p50_s, 15);
  EXPECT_GE(reps[0].mean_wait_s, 15);
  ASSERT_FALSE(not_ready.empty());
  ASSERT_EQ(ready.size(), not_ready.size() + 1);  // logged in ready, then back after each RONA
  for (std::size_t k = 0; k < not_ready.size(); ++k) EXPECT_EQ(ready[k + 1] - not_ready[k], 120'000);

  // Without RONA the same items are taken at once.
  auto none = l->run_scenario(scenario(""));
  ASSERT_EQ(none.size(), 1u);
  EXPECT_EQ(none[0].arrivals, reps[0].arrivals);
  EXPECT_LT(none[0].mean_wait_s, 1);
}

TEST(Rona, AShareOutsideZeroToOneIsRefusedWithItsLine) {
  auto l = testing::load(kRules);
  ASSERT_TRUE(l);
  EXPECT_EQ(parse_scenario(scenario(R"(, "rona": {"share": 1.5})"), l->result.rules->table(), l->schema).error,
            "line 2: `rona`: `share` is a number from 0 to 1 (the share of items whose first offer is not answered)");
  EXPECT_EQ(parse_scenario(scenario(R"(, "rona": {"share": 0.5, "back_afer": "1m"})"), l->result.rules->table(), l->schema).error,
            "line 2: unknown field `back_afer` in `rona` (did you mean `back_after`?)");
}

}  // namespace
}  // namespace iwd::simulate
