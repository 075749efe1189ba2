// The runtime's property tests over real rules: the example rulesets and the replay
// scenarios' desk, loaded through the JIT (compiler/load), with random items over each
// ruleset's schema (random_items.h), random agents and every operation, seeded. After every
// operation and every deadline step: the invariants of tests/unit/runtime/invariants.h
// (capacity, eligibility of offers, no idle agent while an eligible item waits, one state per
// item, none lost, exact priorities), checked against the rules' own `eligible` and
// `priority`. IWD_PROPERTY_SEED=N reruns one seed.
#include <gtest/gtest.h>

#include <cstdlib>
#include <random>
#include <sstream>

#include "compiler/diag/render.h"
#include "compiler/load/loaded_rules.h"
#include "runtime/item_json.h"
#include "tests/unit/load/random_items.h"
#include "tests/unit/runtime/invariants.h"

namespace iwd::runtime::testing {
namespace {

constexpr std::int64_t kStart = 1'795'000'000'000 + 300LL * 3'600'000;  // random_items' instants span this

class RulesScript {
 public:
  RulesScript(const std::string& path, std::uint64_t seed) : rng_(seed) {
    std::ostringstream diags;
    compiler::LoadResult r = compiler::load_rules(path, pool_, compiler::LoadOptions{});
    compiler::render_text(diags, r.diagnostics);
    if (!r.rules) {
      problem_ = path + ": " + r.error + diags.str();
      return;
    }
    rules_ = std::move(r.rules);
    items_ = std::make_unique<iwd::test::RandomItems>(*rules_, static_cast<std::uint32_t>(seed));
    model_ = std::make_unique<EventModel>(pool_, rules_->table());
    std::string error;
    RuntimeOptions options;
    options.policy = seed % 2 ? Policy::HighestProficiency : Policy::LongestIdle;
    rt_ = Runtime::create(rules_->table(), pool_, clock_, *model_, options, &error);
    if (!rt_) problem_ = error;
    model_->attach(rt_.get());
  }

  std::string run(int ops) {
    if (!problem_.empty()) return problem_;
    for (int n = 0; n < ops && model_->problem.empty(); ++n) {
      step();
      if (std::string p = verify(*rt_, *model_, clock_.now().ms_since_epoch); !p.empty()) model_->fail(p);
    }
    return model_->report();
  }
  std::size_t captured() const { return model_ ? model_->captured : 0; }
  std::size_t events() const { return model_ ? model_->events : 0; }

 private:
  int pick(int n) { return std::uniform_int_distribution<int>(0, n - 1)(rng_); }
  bool chance(int percent) { return pick(100) < percent; }
  std::uint32_t id(const std::string& s) { return pool_.intern(s); }
  std::string agent_name() { return "a" + std::to_string(pick(5)); }  // a1 and a2 are preferred agents

  std::uint32_t item_in(std::initializer_list<ItemState> states) {
    std::vector<std::uint32_t> found;
    for (const auto& w : rt_->items())
      if (is_open(w.state) && (states.size() == 0 || std::find(states.begin(), states.end(), w.state) != states.end()))
        found.push_back(w.id);
    if (found.empty() || chance(5)) return id("W" + std::to_string(pick(1000)));
    return found[static_cast<std::size_t>(pick(static_cast<int>(found.size())))];
  }

  // A random item over the schema, with this id; false when the generator's JSON does not
  // decode (a value the schema refuses: then the line would be an error, nothing to test).
  bool record(const std::string& item_id, ItemRecord* out) {
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

  AgentUpdate random_agent() {
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
        c.other_media = pick(2);
        c.total = chance(50) ? kUnlimited : pick(3);
        u.capacity = c;
      }
    }
    if (chance(70)) {
      const int s = pick(10);
      u.state = s < 6 ? AgentState::Ready : s < 9 ? AgentState::NotReady : AgentState::LoggedOut;
    }
    return u;
  }

  void advance(std::int64_t ms) {
    const std::int64_t target = clock_.now().ms_since_epoch + ms;
    for (std::int64_t next = rt_->next_deadline(); next != abi::kNone && next <= target; next = rt_->next_deadline()) {
      clock_.set(stdlib::Instant{next});
      rt_->fire_due();
      if (std::string p = verify(*rt_, *model_, next); !p.empty()) return model_->fail(p);
    }
    clock_.set(stdlib::Instant{target});
  }

  void step() {
    const std::size_t before = model_->events;
    Status s;
    const int op = pick(100);
    ItemRecord rec;
    if (op < 25) {
      const std::string name = chance(3) ? std::string(pool_.view(item_in({}))) : "W" + std::to_string(next_id_++);
      if (!record(name, &rec)) return;
      s = rt_->capture(std::move(rec));
    } else if (op < 35) {
      s = rt_->agent(random_agent());
    } else if (op < 47) {
      s = rt_->accept(item_in({ItemState::Offered}), kNoId);
    } else if (op < 51) {
      s = rt_->reject(item_in({ItemState::Offered}), kNoId);
    } else if (op < 58) {
      s = rt_->done(item_in({ItemState::Assigned}));
    } else if (op < 62) {
      s = rt_->complete(item_in({ItemState::DonePending, ItemState::Assigned, ItemState::Parked}));
    } else if (op < 65) {
      s = rt_->park(item_in({ItemState::Assigned}));
    } else if (op < 67) {
      s = rt_->pull(item_in({ItemState::Parked}));
    } else if (op < 69) {
      s = rt_->return_to_queue(item_in({ItemState::Parked}));
    } else if (op < 71) {
      s = rt_->transfer(item_in({ItemState::Assigned, ItemState::Parked}), id(agent_name()));
    } else if (op < 73) {
      s = rt_->hold(item_in({ItemState::Queued, ItemState::Offered, ItemState::Deferred}));
    } else if (op < 75) {
      s = rt_->resume(item_in({ItemState::Held}));
    } else if (op < 77) {
      s = rt_->cancel(item_in({}));
    } else if (op < 80) {
      const std::uint32_t item = item_in({});
      if (!rt_->find_item(item) || !record(std::string(pool_.view(item)), &rec)) return;
      s = rt_->update(std::move(rec));
    } else if (op < 81) {
      s = rt_->restart(item_in({}));
    } else if (op < 83) {
      std::optional<std::int64_t> activate, due;
      if (chance(70)) activate = chance(20) ? abi::kNone : clock_.now().ms_since_epoch + pick(7200) * 1000LL;
      if (chance(50)) due = clock_.now().ms_since_epoch + pick(72) * 3'600'000LL;
      s = rt_->reschedule(item_in({}), activate, due);
    } else {
      advance(chance(5) ? pick(72 * 60) * 60'000LL : pick(600) * 1000LL);
      return;
    }
    if (!s.ok() && model_->events != before) model_->fail("a refused operation emitted events: " + s.error);
  }

  std::mt19937_64 rng_;
  StringPool pool_;
  std::unique_ptr<compiler::LoadedRules> rules_;
  std::unique_ptr<iwd::test::RandomItems> items_;
  std::unique_ptr<EventModel> model_;
  SimulatedClock clock_{stdlib::Instant{kStart}};
  std::unique_ptr<Runtime> rt_;
  std::string problem_;
  int next_id_ = 1;
};

class RuntimeOverRules : public ::testing::TestWithParam<const char*> {};

TEST_P(RuntimeOverRules, InvariantsHoldAfterEveryEvent) {
  const char* env = std::getenv("IWD_PROPERTY_SEED");
  const int only = env ? std::atoi(env) : -1;
  std::size_t captured = 0, events = 0;
  for (int seed = only >= 0 ? only : 1; seed <= (only >= 0 ? only : 4); ++seed) {
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
