// A supervisor's priority override (docs/lifecycle.md, "Priority overrides"): applied after the
// rules' priority, it decides the queue's order; it ends at its `until`, when the item is next
// accepted, or when cleared; it is kept in a saved state (version 2) and a version 1 state,
// from before overrides, still loads.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstring>
#include <numeric>

#include "tests/unit/runtime/harness.h"

namespace iwd::runtime::testing {
namespace {

using ::testing::ElementsAre;

// The priority events since the last call (stage openings aside).
std::vector<std::string> priority_events(Harness& h) {
  std::vector<std::string> out;
  for (std::string& line : h.sink.take())
    if (line.find(" priority ") != std::string::npos) out.push_back(std::move(line));
  return out;
}

PriorityOverride fixed(std::int64_t value, std::int64_t until = abi::kNone) {
  PriorityOverride o;
  o.value = value;
  o.until = until;
  return o;
}

PriorityOverride boost_until_handled(std::int64_t value) {
  PriorityOverride o;
  o.kind = PriorityOverride::Kind::Boost;
  o.value = value;
  o.until_handled = true;
  return o;
}

TEST(PriorityOverride, AFixedValueDecidesTheOrderUntilItsInstant) {
  Harness h;
  ASSERT_TRUE(h.capture(R"({"id": "W1", "kind": "Case"})").ok());
  ASSERT_TRUE(h.capture(R"({"id": "W2", "kind": "Case"})").ok());
  h.sink.take();
  ASSERT_TRUE(h.runtime->override_priority(h.id("W2"), fixed(1400, kStart + 2 * kHour)).ok());
  EXPECT_THAT(h.sink.take(), ElementsAre("W2 priority 1400"));
  EXPECT_EQ(h.sink.all.back().cause, Cause::Override);
  EXPECT_EQ(h.sink.all.back().previous_priority, 1000);
  ASSERT_NE(h.runtime->priority_override(*h.runtime->find_item(h.id("W2"))), nullptr);
  // The scheme steps (1000 + 10 an hour): W1 moves, W2 keeps 1400 until its instant.
  h.advance(kHour);
  EXPECT_THAT(priority_events(h), ElementsAre("W1 priority 1010"));
  h.advance(kHour);
  EXPECT_THAT(priority_events(h), ElementsAre("W1 priority 1020", "W2 priority 1020"));
  EXPECT_EQ(h.sink.all.back().cause, Cause::Age);
  EXPECT_EQ(h.runtime->priority_override(*h.runtime->find_item(h.id("W2"))), nullptr);
  EXPECT_EQ(h.checked(), "");
}

TEST(PriorityOverride, TheOverriddenItemIsOfferedFirst) {
  Harness h;
  ASSERT_TRUE(h.capture(R"({"id": "W1", "kind": "Case"})").ok());
  ASSERT_TRUE(h.capture(R"({"id": "W2", "kind": "Case"})").ok());
  ASSERT_TRUE(h.runtime->override_priority(h.id("W2"), fixed(1200)).ok());
  h.advance(10 * kMinute);  // the stage `skill back_office > 5` is open
  h.sink.take();
  ASSERT_TRUE(h.agent("a1", -1, 7, -1).ok());  // room for both: the order of the offers shows the queue's
  std::vector<std::string> offers;
  for (const std::string& line : h.sink.take())
    if (line.find("offer a1") != std::string::npos) offers.push_back(line);
  EXPECT_THAT(offers, ElementsAre("W2 queued>offered offer a1 p1200", "W1 queued>offered offer a1 p1000"));
}

TEST(PriorityOverride, ABoostUntilHandledEndsAtAccept) {
  Harness h;
  ASSERT_TRUE(h.capture(R"({"id": "W1", "kind": "Case", "preferred_agent": "a1"})").ok());
  ASSERT_TRUE(h.runtime->override_priority(h.id("W1"), boost_until_handled(300)).ok());
  EXPECT_EQ(h.runtime->find_item(h.id("W1"))->priority, 1300);
  h.advance(kHour);
  EXPECT_EQ(h.runtime->find_item(h.id("W1"))->priority, 1310);  // added to each step of the scheme
  ASSERT_TRUE(h.agent("a1", -1, 7, -1).ok());
  h.sink.take();
  ASSERT_TRUE(h.runtime->accept(h.id("W1"), kNoId).ok());
  EXPECT_THAT(h.sink.take(), ElementsAre("W1 offered>assigned accept a1 p1310", "W1 priority 1010"));
  EXPECT_EQ(h.runtime->priority_override(*h.runtime->find_item(h.id("W1"))), nullptr);
  ASSERT_TRUE(h.runtime->park(h.id("W1")).ok());
  ASSERT_TRUE(h.runtime->return_to_queue(h.id("W1")).ok());
  EXPECT_EQ(h.runtime->find_item(h.id("W1"))->priority, 1010);  // the rules' priority again
  EXPECT_EQ(h.checked(), "");
}

TEST(PriorityOverride, ClearedOnlyWhenThere) {
  Harness h;
  ASSERT_TRUE(h.capture(R"({"id": "W1", "kind": "Case"})").ok());
  ASSERT_TRUE(h.runtime->override_priority(h.id("W1"), fixed(5)).ok());
  h.sink.take();
  ASSERT_TRUE(h.runtime->clear_priority_override(h.id("W1")).ok());
  EXPECT_THAT(h.sink.take(), ElementsAre("W1 priority 1000"));
  EXPECT_EQ(h.runtime->clear_priority_override(h.id("W1")).code, Refusal::Conflict);
  EXPECT_EQ(h.runtime->clear_priority_override(h.id("W9")).code, Refusal::NotFound);
  EXPECT_EQ(h.runtime->override_priority(h.id("W9"), fixed(5)).code, Refusal::NotFound);
  EXPECT_EQ(h.runtime->override_priority(h.id("W1"), fixed(5, kStart)).code, Refusal::BadInput);  // not after now
  EXPECT_EQ(h.runtime->override_priority(h.id("W1"), fixed(PriorityOverride::kLimit + 1)).code, Refusal::BadInput);
  EXPECT_TRUE(h.sink.take().empty());  // refused: nothing changed
  EXPECT_EQ(h.checked(), "");
}

TEST(PriorityOverride, EndsWithItsItem) {
  Harness h;
  ASSERT_TRUE(h.capture(R"({"id": "W1", "kind": "Case"})").ok());
  ASSERT_TRUE(h.runtime->override_priority(h.id("W1"), fixed(5)).ok());
  ASSERT_TRUE(h.runtime->cancel(h.id("W1")).ok());
  ASSERT_TRUE(h.capture(R"({"id": "W2", "kind": "Case"})").ok());  // reuses the slot
  EXPECT_EQ(h.runtime->find_item(h.id("W2"))->priority, 1000);
  EXPECT_EQ(h.checked(), "");
}

std::string saved(const Runtime& rt) {
  FrameWriter out(static_cast<std::uint32_t>(rt.pool().size()));
  rt.save_state(out);
  return std::string(out.bytes().view());
}

// The state loaded into a fresh runtime on the same rules and pool, at the same instant.
struct Loaded {
  explicit Loaded(Harness& h) : sink(h.pool), clock(h.clock.now()) {
    std::string error;
    runtime = Runtime::create(h.rules.table(), h.pool, clock, sink, {}, &error);
    ids.resize(h.pool.size());
    std::iota(ids.begin(), ids.end(), 0u);
  }
  Status load(std::string_view bytes) {
    FrameReader in(bytes, ids);
    return runtime->load_state(in);
  }
  RecordingSink sink;
  SimulatedClock clock;
  std::unique_ptr<Runtime> runtime;
  std::vector<std::uint32_t> ids;
};

TEST(PriorityOverride, KeptInASavedState) {
  Harness h;
  ASSERT_TRUE(h.capture(R"({"id": "W1", "kind": "Case"})").ok());
  ASSERT_TRUE(h.runtime->override_priority(h.id("W1"), fixed(1400, kStart + 2 * kHour)).ok());
  Loaded l(h);
  ASSERT_TRUE(l.load(saved(*h.runtime)).ok());
  const PriorityOverride* o = l.runtime->priority_override(*l.runtime->find_item(h.id("W1")));
  ASSERT_NE(o, nullptr);
  EXPECT_EQ(o->value, 1400);
  EXPECT_EQ(o->until, kStart + 2 * kHour);
  EXPECT_EQ(saved(*l.runtime), saved(*h.runtime));
  ASSERT_TRUE(run_until(*l.runtime, l.clock, l.clock.now() + stdlib::Duration{2 * kHour}));
  EXPECT_EQ(l.runtime->find_item(h.id("W1"))->priority, 1020);  // it ended at its instant
}

TEST(PriorityOverride, AVersionOneStateStillLoads) {
  Harness h;
  ASSERT_TRUE(h.capture(R"({"id": "W1", "kind": "Case"})").ok());
  std::string v2 = saved(*h.runtime);
  // Version 1 is version 2 without the overrides' count at the end (none here).
  ASSERT_EQ(v2.substr(v2.size() - 4), std::string(4, '\0'));
  std::string v1 = v2.substr(0, v2.size() - 4);
  const std::uint32_t one = 1;
  std::memcpy(v1.data(), &one, 4);
  Loaded l(h);
  ASSERT_TRUE(l.load(v1).ok());
  EXPECT_EQ(l.runtime->find_item(h.id("W1"))->priority, 1000);
  Loaded future(h);
  std::string v4 = v2;  // (version 3 adds the agents' state_since: none here)
  const std::uint32_t four = 4;
  std::memcpy(v4.data(), &four, 4);
  EXPECT_EQ(future.load(v4).code, Refusal::StateUnusable);
}

}  // namespace
}  // namespace iwd::runtime::testing
