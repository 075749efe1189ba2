// Property tests: random scripts of every operation over FakeRules, seeded and reproducible
// (IWD_PROPERTY_SEED=N runs one seed; IWD_PROPERTY_OPS=N sets the operations per seed).
// After every operation and every deadline step they check the invariants of invariants.h,
// and that an operation that is refused emits nothing (the script: tests/support/
// random_script.h, shared with tests/unit/load/runtime_rules_property_test.cpp, which runs it
// over the example rulesets). The same seed gives the same events.
#include <gtest/gtest.h>

#include "tests/support/random_script.h"
#include "tests/unit/runtime/harness.h"

namespace iwd::runtime::testing {
namespace {

// Items of the three kinds FakeRules knows (and some it rejects), agents with its three skills.
class FakeRulesScript final : public RandomScript {
 public:
  explicit FakeRulesScript(std::uint64_t seed) : RandomScript(seed, kOdds, stdlib::Instant{kStart}), rules_(pool_) {
    start(rules_.table());
  }

 private:
  static constexpr ScriptOdds kOdds{.percent = {25, 10, 10, 5, 7, 4, 3, 2, 2, 2, 2, 2, 2, 3, 1, 2, 2, 2, 3},
                                    .agents = 6,
                                    .accept_by_name = 10,
                                    .due = {7200, 1000},
                                    .long_step = {6 * 3600, 1000},
                                    .short_step = {90, 1000}};

  std::string instant_in(std::int64_t max_ms) {
    return stdlib::format_instant(clock_.now() + stdlib::Duration{pick(static_cast<int>(max_ms / 1000)) * 1000LL});
  }

  std::string item_json(const std::string& item_id) {
    std::string j = "{\"id\": \"" + item_id + "\"";
    const int k = pick(10);
    if (k < 3) j += ", \"kind\": \"Call\"";
    else if (k < 6) j += ", \"kind\": \"Case\"";
    else if (k < 9) j += ", \"kind\": \"Lead\"";  // k == 9: no kind, rejected
    j += ", \"level\": " + std::to_string(pick(8) - 1);  // -1: a lead is rejected
    if (chance(30)) j += ", \"preferred_agent\": \"" + agent_name() + "\"";
    if (chance(50)) j += chance(50) ? ", \"team\": \"red\"" : ", \"team\": \"blue\"";
    if (chance(10)) j += ", \"activate_at\": \"" + instant_in(2 * kHour) + "\"";
    if (chance(10)) j += ", \"expire_at\": \"" + instant_in(3 * kHour) + "\"";
    if (chance(5)) j += ", \"media\": \"email\"";
    return j + "}";
  }

  // Every item the generator makes decodes: one that does not is a broken property.
  bool make_item(const std::string& item_id, ItemRecord* out) override {
    DecodeOptions d;
    d.captured_at = clock_.now();
    d.allow_missing_required = true;
    auto r = decode_item(rules_.schema(), pool_, item_json(item_id), d);
    if (!r.ok()) model_->fail("the generator made a bad item: " + r.error);
    *out = std::move(r.value);
    return r.ok();
  }

  AgentUpdate random_agent() override {
    AgentUpdate u;
    u.id = id(agent_name());
    if (chance(60)) {
      u.skills.emplace();
      for (int s = 0; s < 3; ++s) u.skills->push_back(static_cast<std::int8_t>(chance(40) ? -1 : pick(11)));
    }
    if (chance(30)) {
      u.groups.emplace();
      if (chance(50)) u.groups->push_back(id("red"));
      if (chance(50)) u.groups->push_back(id("blue"));
    }
    if (chance(20)) {
      CapacitySpec c;
      if (chance(70)) c.media.emplace_back(rules_.voice(), pick(2));
      if (chance(70)) c.media.emplace_back(rules_.workitem(), pick(3));
      u.capacity = other_limits(c);
    }
    if (chance(70)) {
      u.state = agent_state();
      if (u.state == AgentState::NotReady && chance(50)) u.reason = id("break");
    }
    return u;
  }

  FakeRules rules_;
};

TEST(RuntimeProperties, HoldAfterEveryEventOfRandomScripts) {
  const int ops = property_env("IWD_PROPERTY_OPS", 250);
  const auto [first, last] = property_seeds(24);
  std::size_t captured = 0;
  for (int seed = first; seed <= last; ++seed) {
    FakeRulesScript script(static_cast<std::uint64_t>(seed));
    const std::string problem = script.run(ops);
    ASSERT_EQ(problem, "") << "seed " << seed << " (IWD_PROPERTY_SEED=" << seed << " reproduces it)";
    captured += script.captured();
  }
  // About 50 items a seed: the floor scales with the seeds run (IWD_PROPERTY_SEED runs one).
  EXPECT_GT(captured, 4u * static_cast<std::size_t>(last - first + 1)) << "the scripts should capture items";
}

TEST(RuntimeProperties, TheSameScriptGivesTheSameEvents) {
  FakeRulesScript a(7), b(7);
  ASSERT_EQ(a.run(200), "");
  ASSERT_EQ(b.run(200), "");
  EXPECT_EQ(a.trace(), b.trace());
  EXPECT_GT(a.trace().size(), 100u);
}

}  // namespace
}  // namespace iwd::runtime::testing
