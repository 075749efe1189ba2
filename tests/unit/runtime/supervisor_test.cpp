// A supervisor's operations on an item (docs/lifecycle.md, "Supervisors"): assign a queued
// item to a named agent (an offer, even outside the item's targets) and pull an offered item
// back to the queue; each refusal with its code and nothing changed.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/unit/runtime/harness.h"

namespace iwd::runtime::testing {
namespace {

using ::testing::ElementsAre;

TEST(Supervisor, AssignOffersAQueuedItemOutsideItsTargets) {
  Harness h;
  ASSERT_TRUE(h.agent("s1", -1, -1, 3).ok());  // sales only: not in a case's targets
  ASSERT_TRUE(h.capture(R"({"id": "W1", "kind": "Case"})").ok());
  ASSERT_EQ(h.state("W1"), ItemState::Queued);
  h.sink.take();
  ASSERT_TRUE(h.runtime->assign(h.id("W1"), h.id("s1")).ok());
  EXPECT_THAT(h.sink.take(), ElementsAre("W1 queued>offered assign s1 p1000"));
  EXPECT_EQ(h.sink.all.back().cause, Cause::Assign);
  // An offer like any other: the agent accepts it.
  ASSERT_TRUE(h.runtime->accept(h.id("W1"), h.id("s1")).ok());
  EXPECT_EQ(h.state("W1"), ItemState::Assigned);
  EXPECT_EQ(h.checked(), "");
}

TEST(Supervisor, AssignedOfferTimesOutLikeAnyOther) {
  Harness h;
  ASSERT_TRUE(h.agent("s1", -1, -1, 3).ok());
  ASSERT_TRUE(h.capture(R"({"id": "C1", "kind": "Call"})").ok());  // offer timeout 15s
  ASSERT_TRUE(h.runtime->assign(h.id("C1"), h.id("s1")).ok());
  h.sink.take();
  h.advance(15 * kSecond);
  EXPECT_THAT(h.sink.take(), ElementsAre("C1 offered>queued offer_timeout s1 p5000", "s1 ready>not_ready rona"));
  EXPECT_EQ(h.checked(), "");
}

TEST(Supervisor, RequeueLeavesTheAgentReady) {
  Harness h;
  ASSERT_TRUE(h.agent("s1", -1, -1, 3).ok());
  ASSERT_TRUE(h.capture(R"({"id": "W1", "kind": "Case"})").ok());
  ASSERT_TRUE(h.runtime->assign(h.id("W1"), h.id("s1")).ok());
  h.sink.take();
  ASSERT_TRUE(h.runtime->requeue(h.id("W1")).ok());
  // Back in the queue; s1 is not in its targets, so it waits there.
  EXPECT_THAT(h.sink.take(), ElementsAre("W1 offered>queued requeue s1 p1000"));
  EXPECT_EQ(h.state("W1"), ItemState::Queued);
  EXPECT_EQ(h.runtime->find_agent(h.id("s1"))->state, AgentState::Ready);
  EXPECT_EQ(h.runtime->find_agent(h.id("s1"))->load_total, 0u);
  EXPECT_EQ(h.checked(), "");
}

TEST(Supervisor, RequeuedItemGoesToTheBestAvailableAgent) {
  Harness h;
  ASSERT_TRUE(h.agent("p1", 5, -1, -1).ok());
  ASSERT_TRUE(h.capture(R"({"id": "C1", "kind": "Call"})").ok());
  ASSERT_EQ(h.state("C1"), ItemState::Offered);  // to p1, the only phone agent
  h.sink.take();
  h.advance(kSecond);
  ASSERT_TRUE(h.runtime->requeue(h.id("C1")).ok());
  // The queue's policy decides again, and p1 is still the best (and only) available member.
  EXPECT_THAT(h.sink.take(), ElementsAre("C1 offered>queued requeue p1 p5000", "C1 queued>offered offer p1 p5000"));
  EXPECT_EQ(h.checked(), "");
}

TEST(Supervisor, AssignRefusals) {
  Harness h;
  ASSERT_TRUE(h.agent("s1", -1, -1, 3).ok());
  ASSERT_TRUE(h.agent("s2", -1, -1, 3).ok());
  ASSERT_TRUE(h.agent_state("s2", AgentState::NotReady, "lunch").ok());
  ASSERT_TRUE(h.agent("s3", -1, -1, 3).ok());
  ASSERT_TRUE(h.agent_state("s3", AgentState::LoggedOut).ok());
  ASSERT_TRUE(h.capture(R"({"id": "W1", "kind": "Case"})").ok());
  ASSERT_TRUE(h.capture(R"({"id": "W2", "kind": "Case"})").ok());
  ASSERT_TRUE(h.capture(R"({"id": "W3", "kind": "Case"})").ok());
  h.sink.take();
  EXPECT_EQ(h.runtime->assign(h.id("W9"), h.id("s1")).code, Refusal::NotFound);
  EXPECT_EQ(h.runtime->assign(h.id("W1"), h.id("nobody")).code, Refusal::NotFound);
  const Status not_ready = h.runtime->assign(h.id("W1"), h.id("s2"));
  EXPECT_EQ(not_ready.code, Refusal::AgentUnavailable);
  EXPECT_EQ(not_ready.error, "agent `s2` is not_ready: only a ready agent can be assigned an item");
  EXPECT_EQ(h.runtime->assign(h.id("W1"), h.id("s3")).code, Refusal::AgentUnavailable);
  // Full: the standard capacity takes two workitems.
  ASSERT_TRUE(h.runtime->assign(h.id("W1"), h.id("s1")).ok());
  ASSERT_TRUE(h.runtime->assign(h.id("W2"), h.id("s1")).ok());
  h.sink.take();
  const Status full = h.runtime->assign(h.id("W3"), h.id("s1"));
  EXPECT_EQ(full.code, Refusal::AgentUnavailable);
  EXPECT_EQ(full.error, "agent `s1` has no room for another `workitem` item");
  // Not queued.
  const Status offered = h.runtime->assign(h.id("W1"), h.id("s1"));
  EXPECT_EQ(offered.code, Refusal::IllegalTransition);
  EXPECT_EQ(offered.state, ItemState::Offered);
  EXPECT_TRUE(h.sink.take().empty());  // nothing changed
  EXPECT_EQ(h.state("W3"), ItemState::Queued);
  EXPECT_EQ(h.checked(), "");
}

TEST(Supervisor, RequeueRefusals) {
  Harness h;
  ASSERT_TRUE(h.agent("a1", -1, 7, -1).ok());
  ASSERT_TRUE(h.take_case("W1", "a1").ok());
  ASSERT_TRUE(h.capture(R"({"id": "L1", "kind": "Lead"})").ok());  // no sales agent: queued
  h.sink.take();
  EXPECT_EQ(h.runtime->requeue(h.id("W9")).code, Refusal::NotFound);
  const Status assigned = h.runtime->requeue(h.id("W1"));
  EXPECT_EQ(assigned.code, Refusal::IllegalTransition);
  EXPECT_EQ(assigned.error, "item `W1` is assigned: only an offered item can be pulled back to the queue");
  EXPECT_EQ(h.runtime->requeue(h.id("L1")).code, Refusal::IllegalTransition);
  EXPECT_TRUE(h.sink.take().empty());
  EXPECT_EQ(h.checked(), "");
}

}  // namespace
}  // namespace iwd::runtime::testing
