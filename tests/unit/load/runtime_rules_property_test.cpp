// The runtime's property tests over real rules: the example rulesets and the replay
// scenarios' desk, loaded through the JIT (compiler/load), with random items over each
// ruleset's schema (random_items.h), random agents and every operation, seeded (the script of
// tests/support/random_script.h). After every operation and every deadline step: the
// invariants of tests/support/invariants.h
// (capacity, eligibility of offers, no idle agent while an eligible item waits, one state per
// item, none lost, exact priorities), checked against the rules' own `eligible` and
// `priority`. IWD_PROPERTY_SEED=N reruns one seed.
#include <gtest/gtest.h>

#include <sstream>

#include "compiler/diag/render.h"
#include "compiler/load/loaded_rules.h"
#include "runtime/item_json.h"
#include "tests/support/random_script.h"
#include "tests/unit/load/random_items.h"

namespace iwd::runtime::testing {
namespace {

constexpr std::int64_t kStart = 1'795'000'000'000 + 300LL * 3'600'000;  // random_items' instants span this

// Items over the ruleset's schema (random_items.h), agents with its skills, groups named by
// its strings and its capacities.
class RulesScript final : public RandomScript {
 public:
  RulesScript(const std::string& path, std::uint64_t seed) : RandomScript(seed, kOdds, stdlib::Instant{kStart}) {
    std::ostringstream diags;
    compiler::LoadResult r = compiler::load_rules(path, pool_, compiler::LoadOptions{});
    compiler::render_text(diags, r.diagnostics);
    if (!r.rules) {
      problem_ = path + ": " + r.error + diags.str();
      return;
    }
    rules_ = std::move(r.rules);
    items_ = std::make_unique<iwd::test::RandomItems>(*rules_, static_cast<std::uint32_t>(seed));
    start(rules_->table());
  }

 private:
  static constexpr ScriptOdds kOdds{.percent = {25, 10, 12, 4, 7, 4, 3, 2, 2, 2, 2, 2, 2, 3, 1, 2},
                                    .agents = 5,  // a1 and a2 are preferred agents
                                    .due = {72, 3'600'000},
                                    .long_step = {72 * 60, 60'000},
                                    .short_step = {600, 1000}};

  // A random item over the schema, with this id; false when the generator's JSON does not
  // decode (a value the schema refuses: then the line would be an error, nothing to test).
  bool make_item(const std::string& item_id, ItemRecord* out) override {
    nlohmann::json j = nlohmann::json::parse(items_->item());
    j["id"] = item_id;
    DecodeOptions d;
    d.captured_at = clock_.now();
    d.allow_missing_required = true;
    auto r = decode_item(rules_->schema(), pool_, j.dump(), d);
    if (!r.ok()) return false;
    *out = std::move(r.value);
    return true;
  }

  AgentUpdate random_agent() override {
    AgentUpdate u;
    u.id = id(agent_name());
    const abi::RulesV1& t = rules_->table();
    if (chance(60)) {
      u.skills.emplace();
      for (std::int32_t s = 0; s < t.skill_count; ++s) u.skills->push_back(static_cast<std::int8_t>(chance(40) ? -1 : pick(11)));
    }
    if (chance(30)) {
      const auto& strings = rules_->program().strings;
      u.groups.emplace();
      if (!strings.empty()) u.groups->push_back(id(strings[static_cast<std::size_t>(pick(static_cast<int>(strings.size())))]));
    }
    if (chance(20)) {
      if (t.capacity_count > 0 && chance(50)) {
        u.capacity = rt_->capacity_named(t.capacities[pick(t.capacity_count)].name);
      } else {
        CapacitySpec c;
        for (const char* m : {"voice", "chat", "email", "workitem"})
          if (chance(60)) c.media.emplace_back(id(m), pick(3));
        u.capacity = other_limits(c);
      }
    }
    if (chance(70)) u.state = agent_state();
    return u;
  }

  std::unique_ptr<compiler::LoadedRules> rules_;
  std::unique_ptr<iwd::test::RandomItems> items_;
};

class RuntimeOverRules : public ::testing::TestWithParam<const char*> {};

TEST_P(RuntimeOverRules, InvariantsHoldAfterEveryEvent) {
  const auto [first, last] = property_seeds(4);
  std::size_t captured = 0, events = 0;
  for (int seed = first; seed <= last; ++seed) {
    RulesScript script(std::string(IWD_SOURCE_DIR) + "/" + GetParam(), static_cast<std::uint64_t>(seed));
    const std::string problem = script.run(200);
    ASSERT_EQ(problem, "") << GetParam() << ", seed " << seed << " (IWD_PROPERTY_SEED=" << seed << " reproduces it)";
    captured += script.captured();
    events += script.events();
  }
  EXPECT_GT(captured, 20u);
  EXPECT_GT(events, 200u);
}

INSTANTIATE_TEST_SUITE_P(Examples, RuntimeOverRules,
                         ::testing::Values("examples/enterprise.iwd", "examples/leads.iwd", "examples/blended.iwd",
                                           "tests/replay/rules/desk.iwd"));

}  // namespace
}  // namespace iwd::runtime::testing
