// A seeded random script of every runtime operation, shared by the runtime's property tests
// (over FakeRules: tests/unit/runtime/property_test.cpp; over real rulesets:
// tests/unit/load/runtime_rules_property_test.cpp). The script picks an operation and the
// item it acts on, steps the clock through every deadline, and checks the invariants of
// invariants.h after each operation and each deadline, and that a refused operation emits
// nothing. What an item and an agent look like comes from the test (make_item,
// random_agent), and so do the odds (ScriptOdds): each test keeps its own seeds and draws.
#pragma once

#include <algorithm>
#include <array>
#include <cstdlib>
#include <initializer_list>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "runtime/runtime.h"
#include "tests/support/invariants.h"

namespace iwd::runtime::testing {

// Up to `count` steps of `unit_ms`, drawn uniformly.
struct ScriptSteps {
  int count;
  std::int64_t unit_ms;
};

struct ScriptOdds {
  // Percent of the steps for each operation in the order capture, agent, accept, reject,
  // done, complete, park, pull, return, transfer, hold, resume, cancel, update, restart,
  // reschedule, and a supervisor's assign, requeue, priority override (set or clear); the rest
  // of the hundred advance the clock. Those not given are 0 (never drawn: the same events).
  std::array<int, 19> percent;
  int agents;              // agents are named a0, a1, ... below this
  int accept_by_name = 0;  // percent of accepts that name an agent (0: none, and no draw)
  ScriptSteps due;         // how far ahead a reschedule sets the due instant
  ScriptSteps long_step;   // one clock step in twenty
  ScriptSteps short_step;  // the others
};

// A number from the environment (IWD_PROPERTY_SEED, IWD_PROPERTY_OPS), or `otherwise`.
inline int property_env(const char* name, int otherwise) {
  const char* v = std::getenv(name);
  return v ? std::atoi(v) : otherwise;
}

// The seeds a property test runs, first and last: 1 to `count`, or only IWD_PROPERTY_SEED's.
inline std::pair<int, int> property_seeds(int count) {
  const int only = property_env("IWD_PROPERTY_SEED", -1);
  return only >= 0 ? std::pair{only, only} : std::pair{1, count};
}

class RandomScript {
 public:
  virtual ~RandomScript() = default;

  // Runs `ops` operations; "" or the first broken property (or why the script could not
  // start), with the trace's tail.
  std::string run(int ops) {
    if (!problem_.empty()) return problem_;
    for (int n = 0; n < ops && model_->problem.empty(); ++n) {
      step();
      if (std::string p = verify(*rt_, *model_, clock_.now().ms_since_epoch); !p.empty()) model_->fail(p);
    }
    return model_->report();
  }
  const std::vector<std::string>& trace() const { return model_->trace; }
  std::size_t captured() const { return model_ ? model_->captured : 0; }
  std::size_t events() const { return model_ ? model_->events : 0; }

 protected:
  RandomScript(std::uint64_t seed, const ScriptOdds& odds, stdlib::Instant start)
      : rng_(seed), odds_(odds), clock_(start), seed_(seed) {}

  // Creates the runtime over `rules` (an odd seed distributes by proficiency, an even one
  // by idle time); on failure run() returns why.
  void start(const abi::RulesV1& rules) {
    model_ = std::make_unique<EventModel>(pool_, rules);
    std::string error;
    RuntimeOptions options;
    options.policy = seed_ % 2 ? Policy::HighestProficiency : Policy::LongestIdle;
    rt_ = Runtime::create(rules, pool_, clock_, *model_, options, &error);
    if (!rt_) problem_ = error;
    model_->attach(rt_.get());
  }

  // A random item with this id; false when there is none to use (the step is skipped).
  virtual bool make_item(const std::string& item_id, ItemRecord* out) = 0;
  virtual AgentUpdate random_agent() = 0;

  int pick(int n) { return std::uniform_int_distribution<int>(0, n - 1)(rng_); }
  bool chance(int percent) { return pick(100) < percent; }
  std::int64_t steps(const ScriptSteps& s) { return pick(s.count) * s.unit_ms; }
  std::uint32_t id(const std::string& s) { return pool_.intern(s); }
  std::string agent_name() { return "a" + std::to_string(pick(odds_.agents)); }
  // Ready six times in ten, not ready three, logged out once.
  AgentState agent_state() {
    const int s = pick(10);
    return s < 6 ? AgentState::Ready : s < 9 ? AgentState::NotReady : AgentState::LoggedOut;
  }
  // A capacity's other media (none or one) and total (unlimited half the time), after the
  // media the test lists.
  CapacitySpec& other_limits(CapacitySpec& c) {
    c.other_media = pick(2);
    c.total = chance(50) ? kUnlimited : pick(3);
    return c;
  }

  std::mt19937_64 rng_;
  ScriptOdds odds_;
  StringPool pool_;
  SimulatedClock clock_;
  std::unique_ptr<EventModel> model_;
  std::unique_ptr<Runtime> rt_;
  std::string problem_;

 private:
  // A random open item in one of `states` (any open state when empty), else an unknown id.
  std::uint32_t item_in(std::initializer_list<ItemState> states) {
    std::vector<std::uint32_t> found;
    for (const auto& w : rt_->items())
      if (is_open(w.state) && (states.size() == 0 || std::find(states.begin(), states.end(), w.state) != states.end()))
        found.push_back(w.id);
    if (found.empty() || chance(5)) return id("W" + std::to_string(pick(1000)));
    return found[static_cast<std::size_t>(pick(static_cast<int>(found.size())))];
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
    int op = pick(100);
    std::size_t which = 0;
    while (which < odds_.percent.size() && op >= odds_.percent[which]) op -= odds_.percent[which++];
    ItemRecord rec;
    switch (which) {
      case 0: {
        const std::string name = chance(3) ? std::string(pool_.view(item_in({}))) : "W" + std::to_string(next_id_++);
        if (!make_item(name, &rec)) return;
        s = rt_->capture(std::move(rec));
        break;
      }
      case 1: s = rt_->agent(random_agent()); break;
      case 2:
        s = rt_->accept(item_in({ItemState::Offered}),
                        odds_.accept_by_name > 0 && chance(odds_.accept_by_name) ? id(agent_name()) : kNoId);
        break;
      case 3: s = rt_->reject(item_in({ItemState::Offered}), kNoId); break;
      case 4: s = rt_->done(item_in({ItemState::Assigned})); break;
      case 5: s = rt_->complete(item_in({ItemState::DonePending, ItemState::Assigned, ItemState::Parked})); break;
      case 6: s = rt_->park(item_in({ItemState::Assigned})); break;
      case 7: s = rt_->pull(item_in({ItemState::Parked})); break;
      case 8: s = rt_->return_to_queue(item_in({ItemState::Parked})); break;
      case 9: s = rt_->transfer(item_in({ItemState::Assigned, ItemState::Parked}), id(agent_name())); break;
      case 10: s = rt_->hold(item_in({ItemState::Queued, ItemState::Offered, ItemState::Deferred})); break;
      case 11: s = rt_->resume(item_in({ItemState::Held})); break;
      case 12: s = rt_->cancel(item_in({})); break;
      case 13: {
        const std::uint32_t item = item_in({});
        if (!rt_->find_item(item) || !make_item(std::string(pool_.view(item)), &rec)) return;
        s = rt_->update(std::move(rec));
        break;
      }
      case 14: s = rt_->restart(item_in({})); break;
      case 15: {
        std::optional<std::int64_t> activate, due;
        if (chance(70)) activate = chance(20) ? abi::kNone : clock_.now().ms_since_epoch + pick(7200) * 1000LL;
        if (chance(50)) due = clock_.now().ms_since_epoch + steps(odds_.due);
        s = rt_->reschedule(item_in({}), activate, due);
        break;
      }
      case 16: s = rt_->assign(item_in({ItemState::Queued}), id(agent_name())); break;
      case 17: s = rt_->requeue(item_in({ItemState::Offered})); break;
      case 18: {
        const std::uint32_t item = item_in({});
        if (chance(30)) {
          s = rt_->clear_priority_override(item);
          break;
        }
        PriorityOverride o;
        o.kind = chance(50) ? PriorityOverride::Kind::Fixed : PriorityOverride::Kind::Boost;
        o.value = pick(4000) - 1000;
        if (chance(40)) o.until = clock_.now().ms_since_epoch + steps(odds_.due);
        o.until_handled = chance(30);
        s = rt_->override_priority(item, o);
        break;
      }
      default:
        advance(chance(5) ? steps(odds_.long_step) : steps(odds_.short_step));
        return;
    }
    if (!s.ok() && model_->events != before) model_->fail("a refused operation emitted events: " + s.error);
  }

  std::uint64_t seed_;
  int next_id_ = 1;
};

}  // namespace iwd::runtime::testing
