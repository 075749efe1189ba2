// Replay output: one JSON object per event, fields in a fixed order.
#include <nlohmann/json.hpp>

#include "runtime/replay/replay.h"

namespace iwd::runtime::replay {

std::string event_json(const Event& e, const abi::RulesV1& rules, const StringPool& pool) {
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
      break;
    case EventKind::PriorityChanged:
      j["event"] = "priority";
      item_fields();
      process_fields();
      j["previous"] = e.previous_priority;
      break;
    case EventKind::TargetWidened:
      j["event"] = "widen";
      item_fields();
      process_fields();
      j["stage"] = e.stage;
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
