// Distribution: the universal queue's order, targets and their widening, capacity per media,
// the policies, and agents' membership in targets. Over FakeRules.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/unit/runtime/harness.h"

namespace iwd::runtime::testing {
namespace {

using ::testing::ElementsAre;

TEST(Distribution, HighestPriorityFirstThenLongestWaiting) {
  Harness h;
  ASSERT_TRUE(h.capture(R"({"id": "K1", "kind": "Case"})").ok());  // 1000
  h.advance(kMinute);
  ASSERT_TRUE(h.capture(R"({"id": "L1", "kind": "Lead"})").ok());  // 800
  ASSERT_TRUE(h.capture(R"({"id": "K2", "kind": "Case"})").ok());  // 1000, later
  h.advance(20 * kMinute);                                             // every Case stage open
  AgentUpdate u;
  u.id = h.id("a1");
  u.skills = std::vector<std::int8_t>{-1, 1, 1};
  u.capacity = CapacitySpec{{}, 1, 1};  // one item at a time
  u.state = AgentState::NotReady;
  ASSERT_TRUE(h.runtime->agent(u).ok());
  h.sink.take();
  ASSERT_TRUE(h.agent_state("a1", AgentState::Ready).ok());
  ASSERT_TRUE(h.runtime->cancel(h.id("K1")).ok());
  ASSERT_TRUE(h.runtime->cancel(h.id("K2")).ok());
  EXPECT_THAT(h.sink.take(), ElementsAre("a1 not_ready>ready", "K1 queued>offered offer a1 p1000",
                                         "K1 offered>canceled cancel a1 p1000", "K2 queued>offered offer a1 p1000",
                                         "K2 offered>canceled cancel a1 p1000", "L1 queued>offered offer a1 p600"));
  EXPECT_EQ(h.checked(), "");
}

TEST(Distribution, PriorityChangesAtItsExactInstants) {
  Harness h;
  ASSERT_TRUE(h.capture(R"({"id": "C1", "kind": "Call"})").ok());
  h.sink.take();
  h.advance(5 * kMinute - 1);
  EXPECT_TRUE(h.sink.take().empty());
  h.advance(1);
  EXPECT_THAT(h.sink.take(), ElementsAre("C1 priority 6000"));
  h.advance(kMinute - 1);
  EXPECT_TRUE(h.sink.take().empty());
  h.advance(kMinute + 1);
  EXPECT_THAT(h.sink.take(), ElementsAre("C1 priority 6010", "C1 priority 6020"));
  EXPECT_EQ(h.sink.all.back().at, kStart + 7 * kMinute);
  EXPECT_EQ(h.checked(), "");
}

TEST(Distribution, PreferredAgentUntilItsTimeoutThenWiderTargets) {
  Harness h;
  ASSERT_TRUE(h.agent("pref", -1, 9, -1).ok());
  ASSERT_TRUE(h.agent_state("pref", AgentState::NotReady, "meeting").ok());
  ASSERT_TRUE(h.agent("teammate", -1, -1, -1, {"blue"}).ok());
  ASSERT_TRUE(h.agent_state("teammate", AgentState::NotReady).ok());
  ASSERT_TRUE(h.agent("expert", -1, 8, -1).ok());
  ASSERT_TRUE(h.agent("novice", -1, 1, -1).ok());
  h.sink.take();
  ASSERT_TRUE(h.capture(R"({"id": "W1", "kind": "Case", "preferred_agent": "pref", "team": "blue"})").ok());
  EXPECT_THAT(h.sink.take(), ElementsAre("W1 none>queued capture p1000"));
  h.advance(2 * kMinute);  // the group stage opens; the teammate is not ready
  EXPECT_THAT(h.sink.take(), ElementsAre("W1 widen 1"));
  h.advance(5 * kMinute);  // back_office > 5
  EXPECT_THAT(h.sink.take(), ElementsAre("W1 widen 2", "W1 queued>offered offer expert p1000"));
  ASSERT_TRUE(h.runtime->reject(h.id("W1"), kNoId).ok());
  h.sink.take();
  h.advance(10 * kMinute);  // anyone with back_office
  EXPECT_THAT(h.sink.take(), ElementsAre("W1 widen 3", "W1 queued>offered offer novice p1000"));
  EXPECT_EQ(h.checked(), "");
}

TEST(Distribution, ThePreferredAgentGetsItFirstWhenReady) {
  Harness h;
  ASSERT_TRUE(h.agent("expert", -1, 8, -1).ok());
  ASSERT_TRUE(h.agent("pref", -1, -1, -1).ok());
  ASSERT_TRUE(h.capture(R"({"id": "W1", "kind": "Case", "preferred_agent": "pref"})").ok());
  EXPECT_EQ(h.sink.lines.back(), "W1 queued>offered offer pref p1000");
}

TEST(Distribution, LongestIdleAgentFirst) {
  Harness h;
  ASSERT_TRUE(h.agent("a1", 5, -1, -1).ok());
  h.advance(kSecond);
  ASSERT_TRUE(h.agent("a2", 5, -1, -1).ok());
  ASSERT_TRUE(h.capture(R"({"id": "C1", "kind": "Call"})").ok());
  EXPECT_EQ(h.sink.lines.back(), "C1 queued>offered offer a1 p5000");
  ASSERT_TRUE(h.runtime->accept(h.id("C1"), kNoId).ok());
  h.advance(kSecond);
  ASSERT_TRUE(h.runtime->done(h.id("C1")).ok());  // a1 just finished: a2 has been idle longer
  ASSERT_TRUE(h.capture(R"({"id": "C2", "kind": "Call"})").ok());
  EXPECT_EQ(h.sink.lines.back(), "C2 queued>offered offer a2 p5000");
}

TEST(Distribution, HighestProficiencyPolicy) {
  RuntimeOptions options;
  options.policy = Policy::HighestProficiency;
  Harness h(options);
  ASSERT_TRUE(h.agent("low", -1, 1, -1).ok());
  ASSERT_TRUE(h.agent("high", -1, 4, -1).ok());
  ASSERT_TRUE(h.agent("phoney", 9, -1, -1).ok());  // phone > 8: admitted by stage 3 with proficiency 9
  ASSERT_TRUE(h.capture(R"({"id": "W1", "kind": "Case"})").ok());
  h.advance(15 * kMinute);
  EXPECT_EQ(h.sink.lines.back(), "W1 queued>offered offer phoney p1000");
  ASSERT_TRUE(h.agent_state("phoney", AgentState::LoggedOut).ok());
  EXPECT_EQ(h.sink.lines.back(), "W1 queued>offered offer high p1000") << "back_office 4 beats 1";
  ASSERT_TRUE(h.capture(R"({"id": "W2", "kind": "Case", "activate_at": "2026-01-05T08:00:00Z"})").ok());
  EXPECT_EQ(h.sink.lines.back(), "W2 queued>offered offer high p1010") << "activated an hour ago: every stage open";
}

TEST(Distribution, CapacityPerMediaBlendsVoiceAndWorkItems) {
  Harness h;
  ASSERT_TRUE(h.agent("a1", 5, 7, -1).ok());  // standard: voice 1, workitem 2, total 2
  ASSERT_TRUE(h.capture(R"({"id": "W1", "kind": "Case", "preferred_agent": "a1"})").ok());
  ASSERT_TRUE(h.capture(R"({"id": "C1", "kind": "Call"})").ok());
  ASSERT_TRUE(h.capture(R"({"id": "C2", "kind": "Call"})").ok());
  ASSERT_TRUE(h.capture(R"({"id": "W2", "kind": "Case", "preferred_agent": "a1"})").ok());
  EXPECT_EQ(h.state("W1"), ItemState::Offered);
  EXPECT_EQ(h.state("C1"), ItemState::Offered);
  EXPECT_EQ(h.state("C2"), ItemState::Queued);  // voice 1
  EXPECT_EQ(h.state("W2"), ItemState::Queued);  // total 2
  h.sink.take();
  ASSERT_TRUE(h.runtime->accept(h.id("C1"), kNoId).ok());
  ASSERT_TRUE(h.runtime->done(h.id("C1")).ok());
  // The voice call waiting (5000) outranks the work item (1000).
  EXPECT_THAT(h.sink.take(), ElementsAre("C1 offered>assigned accept a1 p5000", "C1 assigned>done_pending done a1 p5000",
                                         "C2 queued>offered offer a1 p5000"));
  AgentUpdate u;
  u.id = h.id("a1");
  u.capacity = CapacitySpec{{{h.rules.voice(), 0}}, 0, 1};
  EXPECT_EQ(h.runtime->agent(u).error, "agent `a1` holds 1 `voice` items; a capacity of 0 is below that");
  EXPECT_EQ(h.checked(), "");
}

TEST(Distribution, WithoutDeclarationsAnAgentTakesOneItemOfAnyMedia) {
  Harness h;
  h.rules.mutable_table().capacity_count = 0;
  ASSERT_TRUE(h.agent("a1", 5, 7, -1).ok());
  ASSERT_TRUE(h.capture(R"({"id": "C1", "kind": "Call"})").ok());
  ASSERT_TRUE(h.capture(R"({"id": "W1", "kind": "Case", "preferred_agent": "a1", "media": "email"})").ok());
  EXPECT_EQ(h.state("C1"), ItemState::Offered);
  EXPECT_EQ(h.state("W1"), ItemState::Queued);
  ASSERT_TRUE(h.runtime->cancel(h.id("C1")).ok());
  EXPECT_EQ(h.state("W1"), ItemState::Offered) << "a media first seen after login counts as any other";
  EXPECT_EQ(h.checked(), "");
}

TEST(Distribution, ItemsShareTargetsByExpressionAndTheValuesItReads) {
  Harness h;
  ASSERT_TRUE(h.capture(R"({"id": "L1", "kind": "Lead", "level": 3})").ok());
  ASSERT_TRUE(h.capture(R"({"id": "L2", "kind": "Lead", "level": 3})").ok());
  EXPECT_EQ(h.runtime->target_count(), 2u);  // sales >= 3, sales > 0
  ASSERT_TRUE(h.capture(R"({"id": "L3", "kind": "Lead", "level": 5})").ok());
  EXPECT_EQ(h.runtime->target_count(), 3u);  // sales >= 5
  ASSERT_TRUE(h.agent("a4", -1, -1, 4).ok());
  EXPECT_EQ(h.state("L1"), ItemState::Offered);
  EXPECT_EQ(h.state("L2"), ItemState::Offered);
  EXPECT_EQ(h.state("L3"), ItemState::Queued);
  ASSERT_TRUE(h.runtime->cancel(h.id("L3")).ok());
  EXPECT_EQ(h.runtime->target_count(), 2u) << "a target goes with its last item";
  EXPECT_EQ(h.checked(), "");
}

TEST(Distribution, WithoutExpressionReadsEachItemReadingStageIsItsOwnTarget) {
  Harness h;
  h.rules.mutable_table().expression_reads = nullptr;
  ASSERT_TRUE(h.capture(R"({"id": "L1", "kind": "Lead", "level": 3})").ok());
  ASSERT_TRUE(h.capture(R"({"id": "L2", "kind": "Lead", "level": 3})").ok());
  EXPECT_EQ(h.runtime->target_count(), 3u);
  ASSERT_TRUE(h.agent("a4", -1, -1, 4).ok());
  EXPECT_EQ(h.state("L2"), ItemState::Offered);
  EXPECT_EQ(h.checked(), "");
}

TEST(Distribution, ChangingSkillsChangesMembership) {
  Harness h;
  ASSERT_TRUE(h.agent("a1", -1, -1, -1).ok());
  ASSERT_TRUE(h.capture(R"({"id": "C1", "kind": "Call"})").ok());
  EXPECT_EQ(h.state("C1"), ItemState::Queued);
  ASSERT_TRUE(h.agent("a1", 2, -1, -1).ok());
  EXPECT_EQ(h.state("C1"), ItemState::Offered);
  EXPECT_EQ(h.checked(), "");
}

TEST(Distribution, LogoutReturnsOffersAndAssignmentsAndKeepsTheWorkbin) {
  Harness h;
  ASSERT_TRUE(h.agent("a1", 5, 7, -1).ok());
  ASSERT_TRUE(h.take_case("W1", "a1").ok());
  ASSERT_TRUE(h.runtime->park(h.id("W1")).ok());
  ASSERT_TRUE(h.take_case("W2", "a1").ok());
  ASSERT_TRUE(h.capture(R"({"id": "C1", "kind": "Call"})").ok());
  ASSERT_TRUE(h.agent("a2", 5, -1, -1).ok());
  h.sink.take();
  ASSERT_TRUE(h.agent_state("a1", AgentState::LoggedOut).ok());
  EXPECT_THAT(h.sink.take(), ElementsAre("a1 ready>logged_out", "W2 assigned>queued logout a1 p1000",
                                         "C1 offered>queued logout a1 p5000", "C1 queued>offered offer a2 p5000"));
  EXPECT_EQ(h.state("W1"), ItemState::Parked);
  EXPECT_EQ(h.runtime->pull(h.id("W1")).error, "agent `a1` is logged out");
  EXPECT_EQ(h.checked(), "");
}

}  // namespace
}  // namespace iwd::runtime::testing
