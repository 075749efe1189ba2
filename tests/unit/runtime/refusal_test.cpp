// Every refusal of the runtime carries a code (runtime::Refusal) that says what the caller can
// do about it; the server answers by the code, never by the wording (server/reply.cpp). Each
// kind of refusal is driven through the runtime (and the replay session) here and its code
// checked; a code no case produces fails the last test.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <set>
#include <stdexcept>

#include "runtime/replay/replay.h"
#include "tests/unit/runtime/harness.h"

namespace iwd::runtime::testing {
namespace {

std::set<Refusal>& seen() {
  static std::set<Refusal> codes;
  return codes;
}

// The status is a refusal with `code` (its message not empty).
::testing::AssertionResult refused(const Status& s, Refusal code) {
  if (s.ok()) return ::testing::AssertionFailure() << "done, expected " << refusal_name(code);
  if (s.error.empty()) return ::testing::AssertionFailure() << refusal_name(s.code) << " without a message";
  if (s.code != code)
    return ::testing::AssertionFailure() << refusal_name(s.code) << " (" << s.error << "), expected " << refusal_name(code);
  seen().insert(code);
  return ::testing::AssertionSuccess();
}

TEST(Refusal, StatusFailRequiresACode) {
  EXPECT_TRUE(Status::done().ok());
  EXPECT_EQ(Status::done().code, Refusal::None);
  const Status s = Status::fail(Refusal::NotFound, "no open item `W1`");
  EXPECT_FALSE(s.ok());
  EXPECT_EQ(s.code, Refusal::NotFound);
  EXPECT_EQ(s.error, "no open item `W1`");
  EXPECT_THROW(Status::fail(Refusal::None, "why not"), std::logic_error);
}

TEST(Refusal, EveryCodeHasAName) {
  std::set<std::string_view> names;
  for (auto k = static_cast<int>(Refusal::None); k <= static_cast<int>(kLastRefusal); ++k) {
    const std::string_view name = refusal_name(static_cast<Refusal>(k));
    EXPECT_NE(name, "?") << k;
    EXPECT_TRUE(names.insert(name).second) << name;
  }
}

void NotFoundCases() {
  Harness h;
  ASSERT_TRUE(h.agent("a1", -1, 7, -1).ok());
  EXPECT_TRUE(refused(h.runtime->cancel(h.id("nope")), Refusal::NotFound));
  EXPECT_TRUE(refused(h.runtime->accept(h.id("nope"), kNoId), Refusal::NotFound));
  ASSERT_TRUE(h.take_case("W1", "a1").ok());
  EXPECT_TRUE(refused(h.runtime->transfer(h.id("W1"), h.id("a9")), Refusal::NotFound));
}

void IllegalTransitionCases() {
  Harness h;
  ASSERT_TRUE(h.capture(R"({"id": "W1", "kind": "Case"})").ok());
  const Status queued = h.runtime->accept(h.id("W1"), kNoId);
  EXPECT_TRUE(refused(queued, Refusal::IllegalTransition));
  EXPECT_EQ(queued.state, ItemState::Queued);  // the state that does not allow it
  EXPECT_TRUE(refused(h.runtime->resume(h.id("W1")), Refusal::IllegalTransition));
  EXPECT_TRUE(refused(h.runtime->complete(h.id("W1")), Refusal::IllegalTransition));
  // Offered to another agent.
  ASSERT_TRUE(h.agent("a1", 5, -1, -1).ok());
  ASSERT_TRUE(h.agent("a2", -1, 1, -1).ok());
  ASSERT_TRUE(h.capture(R"({"id": "C1", "kind": "Call"})").ok());
  const Status elsewhere = h.runtime->accept(h.id("C1"), h.id("a2"));
  EXPECT_TRUE(refused(elsewhere, Refusal::IllegalTransition));
  EXPECT_EQ(elsewhere.state, ItemState::Offered);
  // Done, waiting for the source: no reschedule.
  ASSERT_TRUE(h.runtime->accept(h.id("C1"), kNoId).ok());
  ASSERT_TRUE(h.runtime->done(h.id("C1")).ok());
  const Status waiting = h.runtime->reschedule(h.id("C1"), std::nullopt, kStart + kHour);
  EXPECT_TRUE(refused(waiting, Refusal::IllegalTransition));
  EXPECT_EQ(waiting.state, ItemState::DonePending);
  EXPECT_EQ(h.checked(), "");
}

void RefusedByRulesCases() {
  Harness h;
  ASSERT_TRUE(h.capture(R"({"id": "W1", "kind": "Lead", "level": 3})").ok());
  EXPECT_TRUE(refused(h.runtime->update(h.item(R"({"id": "W1", "kind": "Lead", "level": -2})")), Refusal::RefusedByRules));
  EXPECT_EQ(h.state("W1"), ItemState::Queued);
}

void ConflictCases() {
  Harness h;
  ASSERT_TRUE(h.capture(R"({"id": "W1", "kind": "Case", "preferred_agent": "a1"})").ok());
  EXPECT_TRUE(refused(h.capture(R"({"id": "W1", "kind": "Call"})"), Refusal::Conflict));
  ASSERT_TRUE(h.agent("a1", -1, 7, -1).ok());
  ASSERT_TRUE(h.runtime->accept(h.id("W1"), kNoId).ok());
  EXPECT_TRUE(refused(h.runtime->transfer(h.id("W1"), h.id("a1")), Refusal::Conflict));
  AgentUpdate u;
  u.id = h.id("a1");
  u.capacity = CapacitySpec{};
  u.capacity->total = 0;
  EXPECT_TRUE(refused(h.runtime->agent(u), Refusal::Conflict));  // holds W1
}

void BadInputCases() {
  Harness h;
  EXPECT_TRUE(refused(h.runtime->agent(AgentUpdate{}), Refusal::BadInput));
  EXPECT_TRUE(refused(h.agent("a1", 11, -1, -1), Refusal::BadInput));
  AgentUpdate u;
  u.id = h.id("a1");
  u.skills = std::vector<std::int8_t>{1};
  EXPECT_TRUE(refused(h.runtime->agent(u), Refusal::BadInput));
}

void AgentUnavailableCases() {
  Harness h;
  ASSERT_TRUE(h.agent("a1", 5, 7, -1).ok());
  ASSERT_TRUE(h.agent("a2", -1, 7, -1).ok());
  ASSERT_TRUE(h.take_case("W1", "a1").ok());
  ASSERT_TRUE(h.runtime->park(h.id("W1")).ok());
  ASSERT_TRUE(h.capture(R"({"id": "W2", "kind": "Case", "preferred_agent": "a1"})").ok());
  ASSERT_TRUE(h.capture(R"({"id": "W3", "kind": "Case", "preferred_agent": "a1"})").ok());
  EXPECT_TRUE(refused(h.runtime->pull(h.id("W1")), Refusal::AgentUnavailable));  // no room
  Harness g;
  ASSERT_TRUE(g.agent("a1", -1, 7, -1).ok());
  ASSERT_TRUE(g.agent("a2", -1, 7, -1).ok());
  ASSERT_TRUE(g.agent_state("a2", AgentState::LoggedOut).ok());
  ASSERT_TRUE(g.take_case("W1", "a1").ok());
  EXPECT_TRUE(refused(g.runtime->transfer(g.id("W1"), g.id("a2")), Refusal::AgentUnavailable));  // logged out
}

void StateUnusableCases() {
  Harness h;
  ASSERT_TRUE(h.capture(R"({"id": "W1", "kind": "Case"})").ok());
  const std::vector<std::uint32_t> ids;
  FrameReader in("", ids);
  EXPECT_TRUE(refused(h.runtime->load_state(in), Refusal::StateUnusable));  // not a fresh runtime
  Harness fresh;
  FrameReader empty("", ids);
  EXPECT_TRUE(refused(fresh.runtime->load_state(empty), Refusal::StateUnusable));  // damaged: it ends early
}

// The replay session (what the server applies changes through): its own refusals have codes
// too, and the runtime's keep theirs behind the operation's name.
void ThroughTheReplaySessionCases() {
  StringPool pool;
  FakeRules rules(pool);
  replay::Session session(rules.table(), pool, replay::ReplayOptions{}, nullptr);
  std::string error;
  ASSERT_TRUE(session.init(&error)) << error;
  const auto line = [&](const std::string& text) { return session.apply_text(text); };
  EXPECT_TRUE(line(R"({"at": "0s", "capture": {"id": "W1", "kind": "Case"}})").ok());
  const Status unknown = line(R"({"at": "1s", "cancel": "W9"})");
  EXPECT_TRUE(refused(unknown, Refusal::NotFound));
  EXPECT_EQ(unknown.error, "cancel: no open item `W9`");  // never interned: the driver's own refusal
  EXPECT_TRUE(refused(line(R"({"at": "1s", "update": {"id": "W9", "kind": "Case"}})"), Refusal::NotFound));
  const Status resumed = line(R"({"at": "1s", "resume": "W1"})");
  EXPECT_TRUE(refused(resumed, Refusal::IllegalTransition));
  EXPECT_EQ(resumed.state, ItemState::Queued);  // kept behind the operation's name
  EXPECT_EQ(resumed.error, "resume: item `W1` is queued: only a held item can be resumed");
  EXPECT_TRUE(refused(line(R"({"at": "1s", "capture": {"id": "W1", "kind": "Case"}})"), Refusal::Conflict));
  EXPECT_TRUE(refused(line(R"({"at": "1s", "update": {"id": "W1", "kind": "Lead", "level": -2}})"), Refusal::RefusedByRules));
  // Malformed lines and values, whatever their wording (a message with "only " or "no open
  // item" in a value it quotes is still bad input).
  EXPECT_TRUE(refused(line(R"({"at": "1s", "cancle": "W1"})"), Refusal::BadInput));
  EXPECT_TRUE(refused(line(R"({"at": "0s"})"), Refusal::BadInput));  // time goes back
  EXPECT_TRUE(refused(line(R"({"at": "1s", "capture": {"id": "W2", "kind": "Case", "only x": 1}})"), Refusal::BadInput));
  EXPECT_TRUE(refused(line(R"({"at": "1s", "capture": {"id": "W3", "kind": "no open item"}})"), Refusal::BadInput));
  EXPECT_TRUE(refused(line(R"({"at": "1s", "reschedule": {"item": "W1"}})"), Refusal::BadInput));
  EXPECT_TRUE(refused(line(R"({"at": "1s", "agent": {"id": "a1", "skills": {"phone": 11}}})"), Refusal::BadInput));
  EXPECT_TRUE(refused(line(R"({"at": "1s", "accept": {"item": "W1", "agent": 5}})"), Refusal::BadInput));
  EXPECT_EQ(session.runtime().check(), "");
}

TEST(Refusal, NotFound) { NotFoundCases(); }
TEST(Refusal, IllegalTransition) { IllegalTransitionCases(); }
TEST(Refusal, RefusedByRules) { RefusedByRulesCases(); }
TEST(Refusal, Conflict) { ConflictCases(); }
TEST(Refusal, BadInput) { BadInputCases(); }
TEST(Refusal, AgentUnavailable) { AgentUnavailableCases(); }
TEST(Refusal, StateUnusable) { StateUnusableCases(); }
TEST(Refusal, ThroughTheReplaySession) { ThroughTheReplaySessionCases(); }

// Every case above, then: each code was produced by one (a new code needs a case).
TEST(Refusal, EveryCodeIsProducedByACase) {
  seen().clear();
  NotFoundCases();
  IllegalTransitionCases();
  RefusedByRulesCases();
  ConflictCases();
  BadInputCases();
  AgentUnavailableCases();
  StateUnusableCases();
  ThroughTheReplaySessionCases();
  for (auto k = static_cast<int>(Refusal::NotFound); k <= static_cast<int>(kLastRefusal); ++k)
    EXPECT_TRUE(seen().count(static_cast<Refusal>(k))) << refusal_name(static_cast<Refusal>(k)) << " has no case";
}

}  // namespace
}  // namespace iwd::runtime::testing
