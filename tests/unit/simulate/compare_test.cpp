// Comparison mode's parts: --agents changes a group's count (or says what is wrong), the same
// scenario under other staffing sees the same arrivals (common random numbers), and compare()
// pairs the replications, scope by scope.
#include <gtest/gtest.h>

#include "simulate/compare.h"
#include "tests/unit/simulate/queueing.h"

namespace iwd::simulate {
namespace {

constexpr const char* kRules = R"(ruleset two version "1.0"

enum Kind { Call, Case }

attributes {
  kind: Kind
}

skills { s }

department Voice when kind == Call { // iwd:allow(W0618): the simulation completes every item
  media "voice"
  sla 20s
  targets { skill s > 0 }
  process Inbound
}

department Office when kind == Case { // iwd:allow(W0618): the simulation completes every item
  media "voice"
  sla 1h
  targets { skill s > 0 }
  process Cases
}
)";

std::string scenario(int agents) {
  return fmt::format(R"({{
  "streams": [{{"name": "x", "attributes": {{"kind": {{"choices": {{"Call": 2, "Case": 1}}}}}},
               "rates": [100], "handle": {{"exponential": "5m"}}}}],
  "agents": [{{"group": "g", "count": {}, "skills": {{"s": 1}}}}, {{"group": "h", "count": 1, "skills": {{"s": 1}}}}],
  "run": {{"length": "3h", "warmup": "30m", "replications": 4, "seed": 5}}
}})",
                     agents);
}

TEST(Agents, ASpecChangesTheGroupsCount) {
  Scenario s;
  s.agents = {AgentGroup{"phone", 5, {}, {}, {}}, AgentGroup{"blend", 3, {}, {}, {}}};
  EXPECT_EQ(adjust_agents(&s, "+2@phone"), "");
  EXPECT_EQ(s.agents[0].count, 7);
  EXPECT_EQ(adjust_agents(&s, "-3@blend"), "");
  EXPECT_EQ(s.agents[1].count, 0);
  EXPECT_EQ(adjust_agents(&s, "+1@phnoe"), "`+1@phnoe`: the scenario has no agent group `phnoe` (did you mean `phone`?)");
  EXPECT_EQ(adjust_agents(&s, "-1@blend"), "`-1@blend`: the group `blend` has 0 agents");
  for (const char* bad : {"2@phone", "+@phone", "+2phone", "+2@", "+-2@phone", "+2x@phone"})
    EXPECT_EQ(adjust_agents(&s, bad), fmt::format("`{}`: expected +N@GROUP or -N@GROUP (agents added to or taken from a group)", bad));
  EXPECT_EQ(s.agents[0].count, 7);
}

TEST(CommonRandomNumbers, OtherStaffingSeesTheSameArrivals) {
  auto l = testing::load(kRules);
  ASSERT_TRUE(l);
  const auto few = l->run_scenario(scenario(9)), many = l->run_scenario(scenario(12));
  ASSERT_EQ(few.size(), 4u);
  ASSERT_EQ(many.size(), 4u);
  for (std::size_t r = 0; r < few.size(); ++r) {
    EXPECT_EQ(few[r].arrivals, many[r].arrivals);
    for (std::size_t p = 0; p < 2; ++p) EXPECT_EQ(few[r].by_process[p].arrivals, many[r].by_process[p].arrivals);
    EXPECT_GT(few[r].mean_wait_s, many[r].mean_wait_s);  // 9 + 1 agents at rho 0.83, 12 + 1 at 0.64
  }
  EXPECT_NE(few[0].arrivals, few[1].arrivals);  // but each replication its own
}

Replication replication(double wait, std::vector<double> by_process) {
  Replication r;
  r.mean_wait_s = wait;
  for (double w : by_process) {
    Measures m;
    m.arrivals = 1;
    m.mean_wait_s = w;
    r.by_process.push_back(m);
  }
  return r;
}

TEST(Compare, PairsTheReplicationsScopeByScope) {
  // B's waits are A's minus 1 +- 0.5 by replication: a paired difference of -1 with a narrow
  // interval, though each side's own values spread from 10 to 30.
  Side a{{replication(10, {10, 5}), replication(20, {20, 5}), replication(30, {30, 5})}, {"P", "Q"}};
  Side b{{replication(9.5, {9, 0}), replication(19, {19, 0}), replication(28.5, {29, 0})}, {"R", "P"}};
  b.reps[0].by_process[0].arrivals = b.reps[2].by_process[0].arrivals = 0;  // R: items in one replication, still a scope
  const auto rows = compare(a, b, [](const Measures& m) { return m.mean_wait_s; });
  ASSERT_EQ(rows.size(), 4u);  // all, A's P and Q, then B's R
  EXPECT_EQ(rows[0].scope, "all");
  EXPECT_DOUBLE_EQ(*rows[0].a, 20);
  EXPECT_DOUBLE_EQ(*rows[0].b, 19);
  EXPECT_DOUBLE_EQ(rows[0].difference->mean, -1);
  EXPECT_NEAR(rows[0].difference->half_width, 4.303 * 0.5 / std::sqrt(3.0), 1e-9);  // sd of (-0.5, -1, -1.5): 0.5
  EXPECT_EQ(rows[1].scope, "P");  // B's P is its second process
  EXPECT_DOUBLE_EQ(*rows[1].b, 0);
  EXPECT_EQ(rows[2].scope, "Q");
  EXPECT_FALSE(rows[2].b);
  EXPECT_FALSE(rows[2].difference);
  EXPECT_EQ(rows[3].scope, "R");
  EXPECT_FALSE(rows[3].a);
  EXPECT_DOUBLE_EQ(*rows[3].b, 19);
}

TEST(SimulateCompareKeyed, RowsByKeyAsOnlyOneSideOrBothHaveThem) {
  // Occupancy by group: A has `phone` and `blend`, B `phone` and `chat`; two replications.
  const Keyed a{{"phone", {60, 70}}, {"blend", {90, 95}}}, b{{"phone", {50, 54}}, {"chat", {30, 40}}};
  const auto rows = compare_keyed(a, b);
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_EQ(rows[0].scope, "phone");
  EXPECT_DOUBLE_EQ(*rows[0].a, 65);
  EXPECT_DOUBLE_EQ(*rows[0].b, 52);
  // Paired differences -10 and -16: mean -13, sd sqrt(18), t(0.975, 1) = 12.706.
  EXPECT_DOUBLE_EQ(rows[0].difference->mean, -13);
  EXPECT_NEAR(rows[0].difference->half_width, 12.706 * std::sqrt(18.0) / std::sqrt(2.0), 1e-9);
  EXPECT_EQ(rows[1].scope, "blend");
  EXPECT_FALSE(rows[1].b);
  EXPECT_FALSE(rows[1].difference);
  EXPECT_EQ(rows[2].scope, "chat");
  EXPECT_FALSE(rows[2].a);
  EXPECT_DOUBLE_EQ(*rows[2].b, 35);
}

}  // namespace
}  // namespace iwd::simulate
