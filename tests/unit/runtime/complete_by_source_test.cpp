// `complete by source` (docs/language.md): the rules table says, per process, that only the
// source completes its items; an agent's `done` is refused, nothing changes, and the source's
// `complete` and a supervisor's `cancel` still end the item.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstddef>

#include "tests/unit/runtime/harness.h"

namespace iwd::runtime::testing {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

// BackOffice.Cases is the source's alone to complete; the other processes are not.
constexpr std::uint8_t kCasesBySource[] = {0, 1, 0};

TEST(CompleteBySource, AnAgentsDoneIsRefusedAndChangesNothing) {
  Harness h;
  h.rules.mutable_table().process_source_completes = kCasesBySource;
  ASSERT_TRUE(h.agent("a1", -1, 7, -1).ok());
  ASSERT_TRUE(h.take_case("W1", "a1").ok());
  h.sink.take();
  const Status s = h.runtime->done(h.id("W1"));
  EXPECT_EQ(s.code, Refusal::RefusedByRules);
  EXPECT_EQ(s.error,
            "item `W1` cannot be marked done by an agent: only the source completes the items of process "
            "`BackOffice.Cases` (`complete by source`); the source completes it, or a supervisor cancels it");
  EXPECT_THAT(h.sink.take(), ElementsAre()) << "a refusal has no event";
  ASSERT_NE(h.runtime->find_item(h.id("W1")), nullptr);
  EXPECT_EQ(h.runtime->find_item(h.id("W1"))->state, ItemState::Assigned);
  EXPECT_EQ(h.checked(), "");
  // The source completes it, with the agent freed as for any assigned item.
  ASSERT_TRUE(h.runtime->complete(h.id("W1")).ok());
  EXPECT_THAT(h.sink.take(), ElementsAre("W1 assigned>completed complete a1 p1000"));
  EXPECT_EQ(h.runtime->open_items(), 0u);
  EXPECT_EQ(h.checked(), "");
}

// The refusal does not depend on the item's state: the rules, not the moment, forbid it.
TEST(CompleteBySource, RefusedInEveryStateAndCancelStillEndsIt) {
  Harness h;
  h.rules.mutable_table().process_source_completes = kCasesBySource;
  ASSERT_TRUE(h.capture(R"({"id": "W1", "kind": "Case"})").ok());
  const Status queued = h.runtime->done(h.id("W1"));
  EXPECT_EQ(queued.code, Refusal::RefusedByRules);
  EXPECT_THAT(queued.error, HasSubstr("only the source completes"));
  ASSERT_TRUE(h.agent("a1", -1, 7, -1).ok());
  ASSERT_TRUE(h.take_case("W2", "a1").ok());
  ASSERT_TRUE(h.runtime->park(h.id("W2")).ok()) << "an agent may still put it aside";
  EXPECT_EQ(h.runtime->done(h.id("W2")).code, Refusal::RefusedByRules);
  h.sink.take();
  ASSERT_TRUE(h.runtime->cancel(h.id("W2")).ok());
  ASSERT_TRUE(h.runtime->cancel(h.id("W1")).ok());
  EXPECT_THAT(h.sink.take(), ElementsAre("W2 parked>canceled cancel a1 p1000", "W1 queued>canceled cancel p1000"));
  EXPECT_EQ(h.runtime->open_items(), 0u);
  // An unknown id is still not found first.
  EXPECT_EQ(h.runtime->done(h.id("W9")).code, Refusal::NotFound);
}

TEST(CompleteBySource, OtherProcessesKeepTheAgentsDone) {
  Harness h;
  h.rules.mutable_table().process_source_completes = kCasesBySource;
  ASSERT_TRUE(h.agent("a1", 5, -1, -1).ok());
  ASSERT_TRUE(h.capture(R"({"id": "C1", "kind": "Call"})").ok());
  ASSERT_TRUE(h.runtime->accept(h.id("C1"), h.id("a1")).ok());
  h.sink.take();
  ASSERT_TRUE(h.runtime->done(h.id("C1")).ok());
  EXPECT_THAT(h.sink.take(), ElementsAre("C1 assigned>done_pending done a1 p5000"));
}

// A table that ends before the field (built before the clause existed) lets agents mark done,
// whatever lies past its end.
TEST(CompleteBySource, ATableWithoutTheFieldLetsAgentsMarkDone) {
  Harness h;
  abi::RulesV1& t = h.rules.mutable_table();
  t.process_source_completes = kCasesBySource;
  t.table_size = static_cast<std::uint32_t>(offsetof(abi::RulesV1, process_source_completes));
  EXPECT_FALSE(abi::source_completes(t, kCases));
  t.table_size = sizeof(abi::RulesV1);
  EXPECT_TRUE(abi::source_completes(t, kCases));
  EXPECT_FALSE(abi::source_completes(t, kVoice));
  EXPECT_FALSE(abi::source_completes(t, -1));
  EXPECT_FALSE(abi::source_completes(t, 3)) << "a process out of range";
  t.process_source_completes = nullptr;
  EXPECT_FALSE(abi::source_completes(t, kCases));
  t.table_size = static_cast<std::uint32_t>(offsetof(abi::RulesV1, process_source_completes));
  t.process_source_completes = kCasesBySource;
  ASSERT_TRUE(h.agent("a1", -1, 7, -1).ok());
  ASSERT_TRUE(h.take_case("W1", "a1").ok());
  EXPECT_TRUE(h.runtime->done(h.id("W1")).ok());
}

}  // namespace
}  // namespace iwd::runtime::testing
