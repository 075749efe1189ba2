// Replay output: one JSON object per event, fields in a fixed order.
#include <nlohmann/json.hpp>

#include "runtime/replay/replay.h"

namespace iwd::runtime::replay {

namespace {

using ojson = nlohmann::ordered_json;

// An item event's `report by` values as a JSON object (docs/replay.md, `dimensions`), or
// an empty object when it carries none.
ojson dimensions(const Event& e, const abi::RulesV1& rules, const StringPool& pool, const Schema* schema) {
  ojson d = ojson::object();
  if (e.dimension_count == 0 || abi::report_dimension_count(rules) != e.dimension_count) return d;
  auto text = [&pool](std::uint32_t id) { return id < pool.size() ? std::string(pool.view(id)) : std::string("?"); };
  for (int k = 0; k < e.dimension_count; ++k) {
    ojson& v = d[rules.report_dimension_names[k]];
    if (!((e.dimensions_present >> k) & 1)) continue;  // null: absent
    const std::int64_t x = e.dimensions[k];
    const std::uint32_t slot = rules.report_dimension_slots[k];
    const AttributeSpec* a = schema && slot < schema->attributes.size() ? &schema->attributes[slot] : nullptr;
    if (!a) {
      v = x;
      continue;
    }
    switch (a->type) {
      case SlotType::Bool: v = x != 0; break;
      case SlotType::String: v = text(static_cast<std::uint32_t>(x)); break;
      case SlotType::Enum: {
        const auto& values = schema->enums[static_cast<std::size_t>(a->enum_index)].values;
        if (x >= 0 && static_cast<std::size_t>(x) < values.size()) v = values[static_cast<std::size_t>(x)];
        else v = x;
        break;
      }
      default: v = x; break;
    }
  }
  return d;
}

}  // namespace

std::string dimensions_json(const Event& e, const abi::RulesV1& rules, const StringPool& pool, const Schema* schema) {
  ojson d = dimensions(e, rules, pool, schema);
  return d.empty() ? std::string() : d.dump(-1, ' ', false, ojson::error_handler_t::replace);
}

std::string event_json(const Event& e, const abi::RulesV1& rules, const StringPool& pool, const Schema* schema) {
  using json = nlohmann::ordered_json;
  auto text = [&pool](std::uint32_t id) { return id < pool.size() ? std::string(pool.view(id)) : std::string("?"); };
  json j;
  j["at"] = stdlib::format_instant(stdlib::Instant{e.at});
  auto item_fields = [&] {
    j["item"] = text(e.item);
  };
  auto process_fields = [&] {
    if (e.process < 0 || e.process >= rules.process_count) return;
    j["process"] = rules.process_names[e.process];
    j["priority"] = e.priority;
  };
  auto dimension_fields = [&] {
    if (auto d = dimensions(e, rules, pool, schema); !d.empty()) j["dimensions"] = std::move(d);
  };
  switch (e.kind) {
    case EventKind::ItemStateChanged:
      j["event"] = "item";
      item_fields();
      j["from"] = item_state_name(e.from_item);
      j["to"] = item_state_name(e.to_item);
      j["reason"] = cause_name(e.cause);
      if (e.agent != kNoId) j["agent"] = text(e.agent);
      process_fields();
      if (e.detail) j["detail"] = e.detail;
      if (e.outcome != kNoId) j["outcome"] = text(e.outcome);
      dimension_fields();
      break;
    case EventKind::PriorityChanged:
      j["event"] = "priority";
      item_fields();
      process_fields();
      j["previous"] = e.previous_priority;
      if (e.cause == Cause::Override) j["reason"] = "override";  // a supervisor's; the scheme's steps have none
      dimension_fields();
      break;
    case EventKind::TargetWidened:
      j["event"] = "widen";
      item_fields();
      process_fields();
      j["stage"] = e.stage;
      dimension_fields();
      break;
    case EventKind::AgentStateChanged:
      j["event"] = "agent";
      j["agent"] = text(e.agent);
      j["from"] = agent_state_name(e.from_agent);
      j["to"] = agent_state_name(e.to_agent);
      if (e.reason != kNoId) j["reason"] = text(e.reason);
      break;
  }
  return j.dump(-1, ' ', false, json::error_handler_t::replace);
}

}  // namespace iwd::runtime::replay
