// A Runtime over FakeRules on a simulated clock, recording its events as short strings
// (describe_event in invariants.h):
//   "W1 none>queued capture p5000"      an item's state change (with " a1" when an agent is named)
//   "W1 priority 6000"                 a priority change
//   "W1 widen 2"                       stage 2 opened
//   "a1 ready>not_ready rona"          an agent's state change (with the not-ready reason)
#pragma once

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "runtime/item_json.h"
#include "runtime/runtime.h"
#include "tests/unit/runtime/fake_rules.h"
#include "tests/support/invariants.h"

namespace iwd::runtime::testing {

inline constexpr std::int64_t kStart = 1767603600000;  // 2026-01-05T09:00:00Z

class RecordingSink final : public EventSink {
 public:
  explicit RecordingSink(const StringPool& pool) : pool_(pool) {}
  void on_event(const Event& e) override {
    all.push_back(e);
    lines.push_back(describe(e));
  }
  std::string describe(const Event& e) const { return describe_event(e, pool_); }
  // The lines recorded since the last call.
  std::vector<std::string> take() {
    std::vector<std::string> out(lines.begin() + static_cast<std::ptrdiff_t>(taken_), lines.end());
    taken_ = lines.size();
    return out;
  }

  std::vector<Event> all;
  std::vector<std::string> lines;

 private:
  const StringPool& pool_;
  std::size_t taken_ = 0;
};

class Harness {
 public:
  explicit Harness(RuntimeOptions options = {}) : rules(pool), sink(pool), clock(stdlib::Instant{kStart}) {
    std::string error;
    runtime = Runtime::create(rules.table(), pool, clock, sink, options, &error);
    EXPECT_TRUE(runtime) << error;
  }

  std::uint32_t id(std::string_view s) { return pool.intern(s); }
  // An item from JSON attributes, captured now.
  ItemRecord item(const std::string& json) {
    DecodeOptions d;
    d.captured_at = clock.now();
    d.allow_missing_required = true;
    auto r = decode_item(rules.schema(), pool, json, d);
    EXPECT_TRUE(r.ok()) << r.error;
    return std::move(r.value);
  }
  Status capture(const std::string& json) { return runtime->capture(item(json)); }
  // A case captured for `agent` (its preferred agent: offered to it at once) and accepted.
  Status take_case(std::string_view item_id, std::string_view agent) {
    Status s = capture(fmt::format(R"({{"id": "{}", "kind": "Case", "preferred_agent": "{}"}})", item_id, agent));
    return s.ok() ? runtime->accept(id(item_id), kNoId) : s;
  }
  // An agent with levels for phone, back_office, sales (-1: lacks it).
  Status agent(std::string_view name, std::int8_t phone, std::int8_t back_office, std::int8_t sales,
               std::vector<std::string> groups = {}) {
    AgentUpdate u;
    u.id = id(name);
    u.skills = std::vector<std::int8_t>{phone, back_office, sales};
    u.groups.emplace();
    for (const auto& g : groups) u.groups->push_back(id(g));
    return runtime->agent(u);
  }
  Status agent_state(std::string_view name, AgentState s, std::string_view reason = {}) {
    AgentUpdate u;
    u.id = id(name);
    u.state = s;
    if (!reason.empty()) u.reason = id(reason);
    return runtime->agent(u);
  }
  void advance(std::int64_t ms) { ASSERT_TRUE(run_until(*runtime, clock, clock.now() + stdlib::Duration{ms})); }
  ItemState state(std::string_view item) {
    const WorkItem* w = runtime->find_item(id(item));
    return w ? w->state : ItemState::None;
  }
  std::string checked() { return runtime->check(); }

  StringPool pool;
  FakeRules rules;
  RecordingSink sink;
  SimulatedClock clock;
  std::unique_ptr<Runtime> runtime;
};

}  // namespace iwd::runtime::testing
