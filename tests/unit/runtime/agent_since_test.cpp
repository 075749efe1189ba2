// Agent::state_since: the instant an agent entered its state (and not-ready reason), what
// GET /v1/agents counts the time in state from. Set by the event that brings a state or
// reason (a change, a logout, a RONA), kept by a saved and loaded state (a restart from a
// snapshot), and carried over by set_state_since (a hot reload); a state saved before it
// existed loads with the state's instant.
#include <gtest/gtest.h>

#include <numeric>

#include "runtime/state_frame.h"
#include "tests/unit/runtime/harness.h"

namespace iwd::runtime {
namespace {

using testing::Harness;
using testing::kMinute;
using testing::kStart;
using testing::RecordingSink;

std::int64_t since(Harness& h, const char* agent) { return h.runtime->find_agent(h.id(agent))->state_since; }

TEST(AgentSince, StartsAtAChangeOfStateOrReason) {
  Harness h;
  ASSERT_TRUE(h.agent("a1", 5, -1, -1).ok());
  EXPECT_EQ(since(h, "a1"), kStart);
  h.advance(5 * kMinute);
  ASSERT_TRUE(h.agent_state("a1", AgentState::NotReady, "lunch").ok());
  EXPECT_EQ(since(h, "a1"), kStart + 5 * kMinute);
  h.advance(kMinute);
  ASSERT_TRUE(h.agent_state("a1", AgentState::NotReady, "lunch").ok());  // the same: no change
  EXPECT_EQ(since(h, "a1"), kStart + 5 * kMinute);
  ASSERT_TRUE(h.agent_state("a1", AgentState::NotReady, "training").ok());  // another reason
  EXPECT_EQ(since(h, "a1"), kStart + 6 * kMinute);
  h.advance(kMinute);
  ASSERT_TRUE(h.agent_state("a1", AgentState::LoggedOut).ok());
  EXPECT_EQ(since(h, "a1"), kStart + 7 * kMinute);
}

TEST(AgentSince, ARonaStartsNotReady) {
  Harness h;
  ASSERT_TRUE(h.agent("a1", 5, -1, -1).ok());
  ASSERT_TRUE(h.capture(R"({"id": "C1", "kind": "Call"})").ok());  // offered to a1, 15 s to accept
  h.advance(kMinute);
  ASSERT_EQ(h.runtime->find_agent(h.id("a1"))->state, AgentState::NotReady);
  EXPECT_EQ(since(h, "a1"), kStart + 15'000);
}

std::string saved(const Runtime& rt) {
  FrameWriter out(static_cast<std::uint32_t>(rt.pool().size()));
  rt.save_state(out);
  return std::string(out.bytes().view());
}

TEST(AgentSince, KeptByASavedStateAndAHotReload) {
  Harness h;
  ASSERT_TRUE(h.agent("a1", 5, -1, -1).ok());
  ASSERT_TRUE(h.agent("a2", -1, 3, -1).ok());
  h.advance(5 * kMinute);
  ASSERT_TRUE(h.agent_state("a2", AgentState::NotReady, "lunch").ok());
  h.advance(20 * kMinute);
  const std::string bytes = saved(*h.runtime);

  RecordingSink sink(h.pool);
  SimulatedClock clock(h.clock.now());
  std::string error;
  auto loaded = Runtime::create(h.rules.table(), h.pool, clock, sink, {}, &error);
  ASSERT_TRUE(loaded) << error;
  std::vector<std::uint32_t> ids(h.pool.size());
  std::iota(ids.begin(), ids.end(), 0u);
  FrameReader in(bytes, ids);
  ASSERT_TRUE(loaded->load_state(in).ok());
  EXPECT_EQ(loaded->find_agent(h.id("a1"))->state_since, kStart);
  EXPECT_EQ(loaded->find_agent(h.id("a2"))->state_since, kStart + 5 * kMinute);
  EXPECT_EQ(saved(*loaded), bytes);

  // A state of version 2 (before state_since): the agents count from the state's instant.
  std::string v2 = bytes.substr(0, bytes.size() - 2 * sizeof(std::int64_t));
  const std::uint32_t two = 2;
  v2.replace(0, sizeof two, reinterpret_cast<const char*>(&two), sizeof two);
  auto old = Runtime::create(h.rules.table(), h.pool, clock, sink, {}, &error);
  ASSERT_TRUE(old) << error;
  FrameReader in2(v2, ids);
  ASSERT_TRUE(old->load_state(in2).ok());
  EXPECT_EQ(old->find_agent(h.id("a2"))->state_since, kStart + 25 * kMinute);

  // A hot reload: the agents restored into a new runtime, their instants carried over.
  auto next = Runtime::create(h.rules.table(), h.pool, clock, sink, {}, &error);
  ASSERT_TRUE(next) << error;
  AgentUpdate u;
  u.id = h.id("a2");
  u.skills = std::vector<std::int8_t>{-1, 3, -1};
  u.state = AgentState::NotReady;
  u.reason = h.id("lunch");
  ASSERT_TRUE(next->agent(u).ok());
  EXPECT_EQ(next->find_agent(u.id)->state_since, kStart + 25 * kMinute);
  next->set_state_since(u.id, kStart + 5 * kMinute);
  EXPECT_EQ(next->find_agent(u.id)->state_since, kStart + 5 * kMinute);
}

}  // namespace
}  // namespace iwd::runtime
