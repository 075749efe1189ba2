#include "history/recorder.h"

#include <string>

namespace iwd::history {

using runtime::Cause;

std::string_view actor_of(const runtime::Event& e, std::string_view requester) {
  switch (e.cause) {
    case Cause::Offer:
    case Cause::Age:
    case Cause::Reload: return "rules";
    case Cause::OfferTimeout:
    case Cause::CompleteTimeout:
    case Cause::Expire:
    case Cause::Activate: return "timer";
    default: return requester.empty() ? std::string_view("timer") : requester;
  }
}

namespace {

// A `report by` value as text, as the attribute's type writes it (replay output's
// "dimensions", docs/replay.md): true/false, the number, the string, the enum value's name.
std::string dimension_text(std::int64_t x, std::uint32_t slot, const runtime::Runtime& rt) {
  const runtime::Schema& schema = rt.schema();
  const runtime::AttributeSpec* a = slot < schema.attributes.size() ? &schema.attributes[slot] : nullptr;
  if (!a) return std::to_string(x);
  switch (a->type) {
    case runtime::SlotType::Bool: return x != 0 ? "true" : "false";
    case runtime::SlotType::String: {
      const auto id = static_cast<std::uint32_t>(x);
      return id < rt.pool().size() ? std::string(rt.pool().view(id)) : std::to_string(x);
    }
    case runtime::SlotType::Enum: {
      const auto& values = schema.enums[static_cast<std::size_t>(a->enum_index)].values;
      if (x >= 0 && static_cast<std::size_t>(x) < values.size()) return values[static_cast<std::size_t>(x)];
      return std::to_string(x);
    }
    default: return std::to_string(x);
  }
}

}  // namespace

Record record_of(const runtime::Event& e, const runtime::Runtime& rt, std::string_view requester) {
  const runtime::abi::RulesV1& rules = rt.rules();
  const runtime::StringPool& pool = rt.pool();
  auto text = [&pool](std::uint32_t id) {
    return id != runtime::kNoId && id < pool.size() ? std::string(pool.view(id)) : std::string();
  };
  Record r;
  r.at = e.at;
  r.actor = std::string(actor_of(e, requester));
  r.agent = text(e.agent);
  if (e.kind == runtime::EventKind::AgentStateChanged) {
    r.kind = RecordKind::Agent;
    r.from = std::string(runtime::agent_state_name(e.from_agent));
    r.to = std::string(runtime::agent_state_name(e.to_agent));
    r.reason = text(e.reason);
    return r;
  }
  r.kind = e.kind == runtime::EventKind::PriorityChanged ? RecordKind::Priority
           : e.kind == runtime::EventKind::TargetWidened ? RecordKind::Widen
                                                          : RecordKind::Item;
  r.item = text(e.item);
  r.reason = std::string(runtime::cause_name(e.cause));
  if (e.kind == runtime::EventKind::ItemStateChanged) {
    r.from = std::string(runtime::item_state_name(e.from_item));
    r.to = std::string(runtime::item_state_name(e.to_item));
  }
  if (e.process >= 0 && e.process < rules.process_count) {
    r.process = rules.process_names[e.process];
    const std::int32_t d = rules.process_departments ? rules.process_departments[e.process] : -1;
    if (d >= 0 && d < rules.department_count) r.department = rules.department_names[d];
  }
  r.priority = e.priority;
  r.previous_priority = e.kind == runtime::EventKind::PriorityChanged ? e.previous_priority : 0;
  r.stage = e.kind == runtime::EventKind::TargetWidened ? e.stage : -1;
  if (const runtime::WorkItem* item = rt.find_item(e.item); item && item->clock.due != runtime::abi::kNone) {
    r.due = item->clock.due;
    r.overdue = e.at > item->clock.due;
  }
  if (e.dimension_count > 0 && runtime::abi::report_dimension_count(rules) == e.dimension_count)
    for (int k = 0; k < e.dimension_count; ++k)
      if ((e.dimensions_present >> k) & 1)
        r.dimensions.emplace_back(rules.report_dimension_names[k],
                                  dimension_text(e.dimensions[k], rules.report_dimension_slots[k], rt));
  r.outcome = text(e.outcome);
  if (e.detail) r.detail = e.detail;
  return r;
}

}  // namespace iwd::history
