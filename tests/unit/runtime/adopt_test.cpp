// Runtime::adopt (hot reload in the server): an item carried over from a runtime on other
// rules comes back in its state, with its agent, classified under these rules.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/unit/runtime/harness.h"

namespace iwd::runtime::testing {
namespace {

using ::testing::ElementsAre;

TEST(Adopt, PutsItemsBackInTheirStatesWithTheirAgents) {
  Harness h;
  ASSERT_TRUE(h.agent("a1", 5, -1, -1).ok());
  ASSERT_TRUE(h.agent("a2", 5, -1, -1).ok());
  h.sink.take();
  ASSERT_TRUE(h.runtime->adopt(h.item(R"({"id": "C1", "kind": "Call"})"), ItemState::Assigned, h.id("a1"), abi::kNone).ok());
  ASSERT_TRUE(h.runtime->adopt(h.item(R"({"id": "C2", "kind": "Call"})"), ItemState::Offered, h.id("a2"), kStart + 7 * kSecond).ok());
  ASSERT_TRUE(h.runtime->adopt(h.item(R"({"id": "C3", "kind": "Call"})"), ItemState::Held, kNoId, abi::kNone).ok());
  ASSERT_TRUE(h.runtime->adopt(h.item(R"({"id": "C4", "kind": "Call"})"), ItemState::Queued, kNoId, abi::kNone).ok());
  EXPECT_THAT(h.sink.take(), ElementsAre("C1 none>assigned reload a1 p5000", "C2 none>offered reload a2 p5000",
                                         "C3 none>held reload p5000", "C4 none>queued reload p5000"));
  EXPECT_EQ(h.checked(), "");
  // The offer keeps its timeout (7 s from the start, not the Voice offer timeout from now).
  h.advance(7 * kSecond);
  EXPECT_THAT(h.sink.take(), ElementsAre("C2 offered>queued offer_timeout a2 p5000", "a2 ready>not_ready rona"));
  // C1 counts against a1: done frees it, and a1 gets the first queued item (C4 entered first).
  ASSERT_TRUE(h.runtime->done(h.id("C1")).ok());
  EXPECT_THAT(h.sink.take(), ElementsAre("C1 assigned>done_pending done a1 p5000", "C4 queued>offered offer a1 p5000"));
  EXPECT_EQ(h.checked(), "");
}

TEST(Adopt, AnOfferToAnAgentWhoCannotTakeItGoesBackToTheQueue) {
  Harness h;
  ASSERT_TRUE(h.agent("a1", -1, 7, -1).ok());  // no phone skill: not eligible for calls
  h.sink.take();
  ASSERT_TRUE(h.runtime->adopt(h.item(R"({"id": "C1", "kind": "Call"})"), ItemState::Offered, h.id("a1"), abi::kNone).ok());
  EXPECT_THAT(h.sink.take(), ElementsAre("C1 none>queued reload p5000"));
  EXPECT_EQ(h.checked(), "");
}

TEST(Adopt, RefusesWhatItCannotPlace) {
  Harness h;
  EXPECT_EQ(h.runtime->adopt(h.item(R"({"id": "C1", "kind": "Call"})"), ItemState::Assigned, h.id("ghost"), abi::kNone).error,
            "item `C1` is with agent `ghost`, who is unknown here");
  EXPECT_THAT(h.runtime->adopt(h.item(R"({"id": "C1"})"), ItemState::Queued, kNoId, abi::kNone).error,
              ::testing::HasSubstr("the new rules reject it"));
  EXPECT_EQ(h.runtime->adopt(h.item(R"({"id": "C1", "kind": "Call"})"), ItemState::Completed, kNoId, abi::kNone).error,
            "item `C1`: only an open item can be adopted");
  ASSERT_TRUE(h.runtime->adopt(h.item(R"({"id": "C1", "kind": "Call"})"), ItemState::Held, kNoId, abi::kNone).ok());
  EXPECT_EQ(h.runtime->adopt(h.item(R"({"id": "C1", "kind": "Call"})"), ItemState::Held, kNoId, abi::kNone).error,
            "an open item with id `C1` exists");
  EXPECT_EQ(h.runtime->open_items(), 1u);
  EXPECT_EQ(h.checked(), "");
}

}  // namespace
}  // namespace iwd::runtime::testing
