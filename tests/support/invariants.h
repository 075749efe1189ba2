// What the runtime's property tests check after every event, over any rules table:
//   - every internal index consistent and no agent beyond its capacity (Runtime::check);
//   - no offer to an ineligible agent (RulesV1::eligible at the offer's instant);
//   - no ready agent with room for a media idle while a queued item of that media it is
//     eligible for waits;
//   - every item in exactly the state its events say; no item lost (captured = open + ended);
//   - every queued item's priority exactly the rules' priority at its age.
// EventModel follows the events; verify() compares it and the rules with the runtime.
#pragma once

#include <fmt/format.h>

#include <map>
#include <string>
#include <vector>

#include "runtime/runtime.h"

namespace iwd::runtime::testing {

// An event as a short line: "W1 queued>offered offer a1 p5000", "W1 priority 6000",
// "W1 widen 2", "a1 ready>not_ready rona".
inline std::string describe_event(const Event& e, const StringPool& pool) {
  auto s = [&pool](std::uint32_t id) { return std::string(pool.view(id)); };
  switch (e.kind) {
    case EventKind::ItemStateChanged:
      return fmt::format("{} {}>{} {}{}{}", s(e.item), item_state_name(e.from_item), item_state_name(e.to_item),
                         cause_name(e.cause), e.agent != kNoId ? " " + s(e.agent) : "",
                         e.process >= 0 ? fmt::format(" p{}", e.priority) : "");
    case EventKind::PriorityChanged:
      return fmt::format("{} priority {}", s(e.item), e.priority);
    case EventKind::TargetWidened:
      return fmt::format("{} widen {}", s(e.item), e.stage);
    case EventKind::AgentStateChanged:
      return fmt::format("{} {}>{}{}", s(e.agent), agent_state_name(e.from_agent), agent_state_name(e.to_agent),
                         e.reason != kNoId ? " " + s(e.reason) : "");
  }
  return "?";
}

class EventModel final : public EventSink {
 public:
  EventModel(const StringPool& pool, const abi::RulesV1& rules) : pool_(pool), rules_(rules) {}
  void attach(const Runtime* rt) { rt_ = rt; }

  void on_event(const Event& e) override {
    ++events;
    trace.push_back(describe_event(e, pool_));
    if (e.kind != EventKind::ItemStateChanged) return;
    auto it = state.find(e.item);
    const bool open_before = it != state.end() && is_open(it->second);
    if (e.from_item == ItemState::None) {
      if (open_before) fail("captured an item that is open: " + trace.back());
      if (e.to_item == ItemState::Rejected) return;
      ++captured;
    } else if (!open_before || it->second != e.from_item) {
      fail("event from a state the item is not in: " + trace.back());
    }
    state[e.item] = e.to_item;
    if (!is_open(e.to_item)) ++ended;
    if (e.to_item == ItemState::Offered && e.cause != Cause::Assign) {  // a supervisor's assign overrides the targets
      const WorkItem* w = rt_->find_item(e.item);
      const abi::Agent view = rt_->find_agent(e.agent)->view();
      if (!rules_.eligible(rules_.ctx, w->process, &w->record, &w->clock, w->age(e.at), &view))
        fail("offer to an ineligible agent: " + trace.back());
    }
  }
  void fail(const std::string& what) {
    if (problem.empty()) problem = what;
  }
  // The problem and the last events, or "".
  std::string report() const {
    if (problem.empty()) return {};
    std::string out = problem + "\nlast events:";
    for (std::size_t k = trace.size() > 12 ? trace.size() - 12 : 0; k < trace.size(); ++k) out += "\n  " + trace[k];
    return out;
  }

  std::map<std::uint32_t, ItemState> state;
  std::size_t captured = 0, ended = 0, events = 0;
  std::vector<std::string> trace;
  std::string problem;

 private:
  const StringPool& pool_;
  const abi::RulesV1& rules_;
  const Runtime* rt_ = nullptr;
};

// "" or the first broken property.
inline std::string verify(const Runtime& rt, const EventModel& model, std::int64_t now) {
  if (std::string p = rt.check(); !p.empty()) return "check: " + p;
  const StringPool& pool = rt.pool();
  for (const auto& [item, st] : model.state) {
    const WorkItem* w = rt.find_item(item);
    if (is_open(st) != (w != nullptr) || (w && w->state != st))
      return fmt::format("item {}: the events say {}, the runtime {}", pool.view(item), item_state_name(st),
                         item_state_name(w ? w->state : ItemState::None));
  }
  if (model.captured != model.ended + rt.open_items()) return "an item was lost";
  const abi::RulesV1& t = rt.rules();
  for (const auto& w : rt.items()) {
    if (w.state != ItemState::Queued) continue;
    // The rules' priority, with a supervisor's override in force on top (runtime_override.cpp).
    std::int64_t want = t.priority(t.ctx, w.process, &w.record, &w.clock, w.age(now));
    if (const PriorityOverride* o = rt.priority_override(w))
      want = o->kind == PriorityOverride::Kind::Fixed ? o->value : want + o->value;
    if (w.priority != want)
      return fmt::format("queued item {} has priority {}; the rules (and its override) say {}", pool.view(w.id), w.priority, want);
    for (const Agent& a : rt.agents()) {
      if (a.state != AgentState::Ready || !a.has_room(w.media)) continue;
      const abi::Agent view = a.view();
      if (t.eligible(t.ctx, w.process, &w.record, &w.clock, w.age(now), &view))
        return fmt::format("agent {} is ready with room while {}, eligible for it, waits", pool.view(a.id), pool.view(w.id));
    }
  }
  return {};
}

}  // namespace iwd::runtime::testing
