// The work item lifecycle (docs/lifecycle.md), one transition at a time, over FakeRules.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/unit/runtime/harness.h"

namespace iwd::runtime::testing {
namespace {

using ::testing::ElementsAre;

TEST(Lifecycle, CaptureRejectsWithTheReason) {
  Harness h;
  ASSERT_TRUE(h.capture(R"({"id": "W1"})").ok());
  EXPECT_THAT(h.sink.take(), ElementsAre("W1 none>rejected capture"));
  EXPECT_STREQ(h.sink.all.back().detail, "missing required attribute `kind`");
  ASSERT_TRUE(h.capture(R"({"id": "W2", "kind": "Lead", "level": -1})").ok());
  EXPECT_THAT(h.sink.all.back().detail, ::testing::HasSubstr("no process"));
  EXPECT_EQ(h.runtime->open_items(), 0u);
  EXPECT_EQ(h.checked(), "");
}

TEST(Lifecycle, CaptureQueuesOffersAcceptsDoneCompletes) {
  Harness h;
  ASSERT_TRUE(h.agent("a1", 3, 7, -1).ok());
  h.sink.take();
  ASSERT_TRUE(h.capture(R"({"id": "W1", "kind": "Case"})").ok());
  // Stage 0 (no preferred agent) admits no one, stage 1 (no team) neither; stage 2 opens at 5m.
  EXPECT_THAT(h.sink.take(), ElementsAre("W1 none>queued capture p1000"));
  h.advance(5 * kMinute);
  EXPECT_THAT(h.sink.take(), ElementsAre("W1 widen 2", "W1 queued>offered offer a1 p1000"));
  ASSERT_TRUE(h.runtime->accept(h.id("W1"), h.id("a1")).ok());
  ASSERT_TRUE(h.runtime->done(h.id("W1")).ok());
  ASSERT_TRUE(h.runtime->complete(h.id("W1")).ok());
  EXPECT_THAT(h.sink.take(), ElementsAre("W1 offered>assigned accept a1 p1000", "W1 assigned>done_pending done a1 p1000",
                                         "W1 done_pending>completed complete p1000"));
  EXPECT_EQ(h.runtime->open_items(), 0u);
  EXPECT_EQ(h.checked(), "");
}

TEST(Lifecycle, DuplicateOpenIdsAreRefused) {
  Harness h;
  ASSERT_TRUE(h.capture(R"({"id": "W1", "kind": "Case"})").ok());
  const Status s = h.capture(R"({"id": "W1", "kind": "Call"})");
  EXPECT_EQ(s.error, "an open item with id `W1` exists");
  ASSERT_TRUE(h.runtime->cancel(h.id("W1")).ok());
  EXPECT_TRUE(h.capture(R"({"id": "W1", "kind": "Call"})").ok()) << "an ended item's id may come back";
}

TEST(Lifecycle, RejectAndOfferTimeoutKeepThePlaceAndMakeTheAgentNotReady) {
  Harness h;
  ASSERT_TRUE(h.agent("a1", 5, -1, -1).ok());
  ASSERT_TRUE(h.agent_state("a1", AgentState::NotReady, "break").ok());
  ASSERT_TRUE(h.capture(R"({"id": "C1", "kind": "Call"})").ok());
  h.advance(kSecond);
  ASSERT_TRUE(h.capture(R"({"id": "C2", "kind": "Call"})").ok());
  ASSERT_TRUE(h.agent("a2", 5, -1, -1).ok());
  h.sink.take();
  ASSERT_TRUE(h.agent_state("a1", AgentState::Ready).ok());
  EXPECT_THAT(h.sink.take(), ElementsAre("a1 not_ready>ready", "C2 queued>offered offer a1 p5000"));
  ASSERT_TRUE(h.runtime->reject(h.id("C2"), kNoId).ok());
  // C2 goes back; a1 not ready (rona). Nobody else is free (a2 holds C1).
  EXPECT_THAT(h.sink.take(), ElementsAre("C2 offered>queued reject a1 p5000", "a1 ready>not_ready rona"));
  ASSERT_TRUE(h.agent_state("a1", AgentState::Ready).ok());
  EXPECT_THAT(h.sink.take(), ElementsAre("a1 not_ready>ready", "C2 queued>offered offer a1 p5000"));
  h.advance(15 * kSecond);  // the Voice offer timeout
  // Both timed out at the same instant: in capture order.
  EXPECT_THAT(h.sink.take(), ElementsAre("C1 offered>queued offer_timeout a2 p5000", "a2 ready>not_ready rona",
                                         "C2 offered>queued offer_timeout a1 p5000", "a1 ready>not_ready rona"));
  // Both kept their places: C1 (captured first) goes first.
  ASSERT_TRUE(h.agent_state("a2", AgentState::Ready).ok());
  EXPECT_THAT(h.sink.take(), ElementsAre("a2 not_ready>ready", "C1 queued>offered offer a2 p5000"));
  EXPECT_EQ(h.checked(), "");
}

TEST(Lifecycle, AnOfferAcceptedAtItsTimeoutIsTooLate) {
  Harness h;
  ASSERT_TRUE(h.agent("a1", 5, -1, -1).ok());
  ASSERT_TRUE(h.capture(R"({"id": "C1", "kind": "Call"})").ok());
  h.advance(15 * kSecond);
  EXPECT_EQ(h.runtime->accept(h.id("C1"), kNoId).error,
            "item `C1` is queued: only an offered item can be accepted");
}

TEST(Lifecycle, AcceptByAnotherAgentIsRefused) {
  Harness h;
  ASSERT_TRUE(h.agent("a1", 5, -1, -1).ok());
  ASSERT_TRUE(h.agent("a2", -1, 1, -1).ok());
  ASSERT_TRUE(h.capture(R"({"id": "C1", "kind": "Call"})").ok());
  EXPECT_EQ(h.runtime->accept(h.id("C1"), h.id("a2")).error, "item `C1` is offered to `a1`, not to `a2`");
  EXPECT_EQ(h.state("C1"), ItemState::Offered);
}

TEST(Lifecycle, DoneWithoutConfirmationGoesBackWithItsPriority) {
  Harness h;
  ASSERT_TRUE(h.agent("a1", -1, 7, -1).ok());
  ASSERT_TRUE(h.take_case("W1", "a1").ok());
  h.advance(2 * kHour);  // two hours in work: priority 1020 from age 2h
  ASSERT_TRUE(h.runtime->done(h.id("W1")).ok());
  h.sink.take();
  ASSERT_TRUE(h.agent_state("a1", AgentState::NotReady).ok());
  h.advance(kHour);  // complete within 1h
  EXPECT_THAT(h.sink.take(), ElementsAre("a1 ready>not_ready", "W1 done_pending>queued complete_timeout p1030"));
  EXPECT_EQ(h.checked(), "");
}

TEST(Lifecycle, TheSourceCompletesAnAssignedItemDirectly) {
  Harness h;
  ASSERT_TRUE(h.agent("a1", 5, -1, -1).ok());
  ASSERT_TRUE(h.capture(R"({"id": "C1", "kind": "Call"})").ok());
  ASSERT_TRUE(h.runtime->accept(h.id("C1"), kNoId).ok());
  ASSERT_TRUE(h.capture(R"({"id": "C2", "kind": "Call"})").ok());
  h.sink.take();
  ASSERT_TRUE(h.runtime->complete(h.id("C1")).ok());
  EXPECT_THAT(h.sink.take(), ElementsAre("C1 assigned>completed complete a1 p5000", "C2 queued>offered offer a1 p5000"));
  EXPECT_EQ(h.runtime->complete(h.id("C2")).error,
            "item `C2` is offered: only an assigned, done or parked item can be completed (cancel withdraws it)");
}

TEST(Lifecycle, ParkPullReturnTransfer) {
  Harness h;
  ASSERT_TRUE(h.agent("a1", -1, 7, -1).ok());
  ASSERT_TRUE(h.agent("a2", -1, 7, -1).ok());
  ASSERT_TRUE(h.agent_state("a2", AgentState::NotReady).ok());
  ASSERT_TRUE(h.take_case("W1", "a1").ok());
  h.sink.take();
  ASSERT_TRUE(h.runtime->park(h.id("W1")).ok());
  ASSERT_TRUE(h.runtime->pull(h.id("W1")).ok());
  ASSERT_TRUE(h.runtime->park(h.id("W1")).ok());
  ASSERT_TRUE(h.runtime->transfer(h.id("W1"), h.id("a2")).ok());  // into a2's workbin
  ASSERT_TRUE(h.runtime->pull(h.id("W1")).ok());                   // a2 pulls it, though not ready
  ASSERT_TRUE(h.runtime->transfer(h.id("W1"), h.id("a1")).ok());  // assigned to a1
  ASSERT_TRUE(h.runtime->park(h.id("W1")).ok());
  ASSERT_TRUE(h.runtime->return_to_queue(h.id("W1")).ok());        // a supervisor returns it
  EXPECT_THAT(h.sink.take(),
              ElementsAre("W1 assigned>parked park a1 p1000", "W1 parked>assigned pull a1 p1000",
                          "W1 assigned>parked park a1 p1000", "W1 parked>parked transfer a2 p1000",
                          "W1 parked>assigned pull a2 p1000", "W1 assigned>assigned transfer a1 p1000",
                          "W1 assigned>parked park a1 p1000", "W1 parked>queued return a1 p1000",
                          "W1 queued>offered offer a1 p1000"));
  EXPECT_EQ(h.runtime->transfer(h.id("W1"), h.id("a9")).error, "no agent `a9`");
  EXPECT_EQ(h.runtime->park(h.id("W1")).error, "item `W1` is offered: only an assigned item can be parked");
  EXPECT_EQ(h.checked(), "");
}

TEST(Lifecycle, PullNeedsRoom) {
  Harness h;
  ASSERT_TRUE(h.agent("a1", 5, 7, -1).ok());
  ASSERT_TRUE(h.take_case("W1", "a1").ok());
  ASSERT_TRUE(h.runtime->park(h.id("W1")).ok());
  ASSERT_TRUE(h.capture(R"({"id": "W2", "kind": "Case", "preferred_agent": "a1"})").ok());
  ASSERT_TRUE(h.capture(R"({"id": "W3", "kind": "Case", "preferred_agent": "a1"})").ok());
  EXPECT_EQ(h.state("W3"), ItemState::Offered);  // standard: workitem 2, total 2
  EXPECT_EQ(h.runtime->pull(h.id("W1")).error, "agent `a1` has no room for another `workitem` item");
}

TEST(Lifecycle, HoldStopsDistributionAndReprioritizationUntilResumed) {
  Harness h;
  ASSERT_TRUE(h.capture(R"({"id": "W1", "kind": "Case"})").ok());
  ASSERT_TRUE(h.runtime->hold(h.id("W1")).ok());
  ASSERT_TRUE(h.agent("a1", -1, 7, -1).ok());
  h.sink.take();
  h.advance(3 * kHour);
  EXPECT_TRUE(h.sink.take().empty()) << "no widening, no priority change, no offer while held";
  ASSERT_TRUE(h.runtime->resume(h.id("W1")).ok());
  EXPECT_THAT(h.sink.take(), ElementsAre("W1 held>queued resume p1030", "W1 queued>offered offer a1 p1030"));
  ASSERT_TRUE(h.runtime->hold(h.id("W1")).ok());  // an offered item can be held: the offer is withdrawn
  EXPECT_THAT(h.sink.take(), ElementsAre("W1 offered>held hold a1 p1030"));
  EXPECT_EQ(h.runtime->find_agent(h.id("a1"))->state, AgentState::Ready);
  EXPECT_EQ(h.runtime->resume(h.id("a1")).error, "no open item `a1`");
  EXPECT_EQ(h.checked(), "");
}

TEST(Lifecycle, CancelFromAnyOpenState) {
  Harness h;
  ASSERT_TRUE(h.agent("a1", 5, -1, -1).ok());
  ASSERT_TRUE(h.capture(R"({"id": "C1", "kind": "Call"})").ok());
  ASSERT_TRUE(h.capture(R"({"id": "C2", "kind": "Call"})").ok());
  h.sink.take();
  ASSERT_TRUE(h.runtime->cancel(h.id("C1")).ok());
  EXPECT_THAT(h.sink.take(), ElementsAre("C1 offered>canceled cancel a1 p5000", "C2 queued>offered offer a1 p5000"));
  EXPECT_EQ(h.runtime->cancel(h.id("C1")).error, "no open item `C1`");
}

TEST(Lifecycle, ExpiresAtExpireAtOrAfterExpireAfterWhicheverIsFirst) {
  Harness h;
  ASSERT_TRUE(h.capture(R"({"id": "L1", "kind": "Lead"})").ok());  // expire after 1h
  ASSERT_TRUE(h.capture(R"({"id": "L2", "kind": "Lead", "expire_at": "2026-01-05T09:30:00Z"})").ok());
  h.sink.take();
  h.advance(30 * kMinute);
  h.advance(30 * kMinute);
  const auto lines = h.sink.take();
  EXPECT_THAT(lines, ::testing::Contains("L2 queued>expired expire p600"));
  EXPECT_EQ(lines.back(), "L1 queued>expired expire p300");
  EXPECT_EQ(h.runtime->open_items(), 0u);
}

TEST(Lifecycle, ActivateAtDefersAndRescheduleMovesIt) {
  Harness h;
  ASSERT_TRUE(h.agent("a1", -1, 7, -1).ok());
  ASSERT_TRUE(h.capture(R"({"id": "W1", "kind": "Case", "preferred_agent": "a1", "activate_at": "2026-01-05T10:00:00Z"})").ok());
  h.sink.take();
  EXPECT_EQ(h.state("W1"), ItemState::Deferred);
  ASSERT_TRUE(h.runtime->reschedule(h.id("W1"), kStart + 2 * kHour, std::nullopt).ok());
  EXPECT_THAT(h.sink.take(), ElementsAre("W1 deferred>deferred reschedule p1000"));
  h.advance(kHour);
  EXPECT_TRUE(h.sink.take().empty());
  h.advance(kHour);
  EXPECT_THAT(h.sink.take(), ElementsAre("W1 deferred>queued activate p1000", "W1 queued>offered offer a1 p1000"));
  ASSERT_TRUE(h.runtime->accept(h.id("W1"), kNoId).ok());
  // The agent reschedules the item for later: it leaves the agent and waits.
  ASSERT_TRUE(h.runtime->reschedule(h.id("W1"), kStart + 5 * kHour, kStart + 6 * kHour).ok());
  EXPECT_THAT(h.sink.take(), ElementsAre("W1 offered>assigned accept a1 p1000", "W1 assigned>deferred reschedule a1 p1000"));
  EXPECT_EQ(h.runtime->find_item(h.id("W1"))->clock.due, kStart + 6 * kHour);
  EXPECT_EQ(h.checked(), "");
}

TEST(Lifecycle, UpdateClassifiesAgain) {
  Harness h;
  ASSERT_TRUE(h.agent("a1", -1, -1, 4).ok());
  ASSERT_TRUE(h.capture(R"({"id": "W1", "kind": "Case"})").ok());
  h.sink.take();
  ASSERT_TRUE(h.runtime->update(h.item(R"({"id": "W1", "kind": "Lead", "level": 3})")).ok());
  EXPECT_THAT(h.sink.take(), ElementsAre("W1 queued>queued update p800", "W1 queued>offered offer a1 p800"));
  EXPECT_EQ(h.runtime->find_item(h.id("W1"))->process, kLeads);
  // Still eligible: the offer stands.
  ASSERT_TRUE(h.runtime->update(h.item(R"({"id": "W1", "kind": "Lead", "level": 4})")).ok());
  EXPECT_THAT(h.sink.take(), ElementsAre("W1 offered>offered update a1 p800"));
  // No longer eligible (sales 4 < 5): back to the queue; the agent stays ready.
  ASSERT_TRUE(h.runtime->update(h.item(R"({"id": "W1", "kind": "Lead", "level": 5})")).ok());
  EXPECT_THAT(h.sink.take(), ElementsAre("W1 offered>queued update a1 p800"));
  // Rejected by the rules: refused, nothing changes.
  EXPECT_THAT(h.runtime->update(h.item(R"({"id": "W1", "kind": "Lead", "level": -2})")).error,
              ::testing::StartsWith("update of `W1` refused, the rules reject the new attributes: no process"));
  EXPECT_EQ(h.runtime->find_item(h.id("W1"))->record.get_int(h.rules.level_slot()), 5);
  EXPECT_EQ(h.checked(), "");
}

TEST(Lifecycle, RestartClassifiesAsNewAndLosesThePlace) {
  Harness h;
  ASSERT_TRUE(h.capture(R"({"id": "C1", "kind": "Call"})").ok());
  h.advance(6 * kMinute);
  ASSERT_TRUE(h.capture(R"({"id": "C2", "kind": "Call"})").ok());
  h.sink.take();
  ASSERT_TRUE(h.runtime->restart(h.id("C1")).ok());
  EXPECT_THAT(h.sink.take(), ElementsAre("C1 queued>queued restart p5000"));
  ASSERT_TRUE(h.agent("a1", 5, -1, -1).ok());
  EXPECT_THAT(h.sink.take(), ElementsAre("a1 logged_out>ready", "C2 queued>offered offer a1 p5000"));
}

TEST(Lifecycle, OperationsInTheWrongStateChangeNothing) {
  Harness h;
  ASSERT_TRUE(h.capture(R"({"id": "W1", "kind": "Case"})").ok());
  h.sink.take();
  EXPECT_EQ(h.runtime->accept(h.id("W1"), kNoId).error, "item `W1` is queued: only an offered item can be accepted");
  EXPECT_EQ(h.runtime->reject(h.id("W1"), kNoId).error, "item `W1` is queued: only an offered item can be rejected");
  EXPECT_EQ(h.runtime->done(h.id("W1")).error, "item `W1` is queued: only an assigned item can be marked done");
  EXPECT_EQ(h.runtime->pull(h.id("W1")).error, "item `W1` is queued: only a parked item can be pulled");
  EXPECT_EQ(h.runtime->return_to_queue(h.id("W1")).error,
            "item `W1` is queued: only a parked item can be returned to the queue");
  EXPECT_EQ(h.runtime->resume(h.id("W1")).error, "item `W1` is queued: only a held item can be resumed");
  EXPECT_EQ(h.runtime->accept(h.id("nope"), kNoId).error, "no open item `nope`");
  EXPECT_TRUE(h.sink.take().empty());
  EXPECT_EQ(h.checked(), "");
}

}  // namespace
}  // namespace iwd::runtime::testing
