#include "server/views.h"

#include "runtime/item_json.h"
#include "stdlib/time.h"

namespace iwd::server {

using ojson = nlohmann::ordered_json;

namespace {
// A supervisor's priority override in force: {"kind": "fixed"|"boost", "value", "until"
// (an instant or null), "until_handled"}.
ojson override_view(const runtime::PriorityOverride& o) {
  ojson j{{"kind", o.kind == runtime::PriorityOverride::Kind::Fixed ? "fixed" : "boost"}, {"value", o.value}};
  j["until"] = o.until == runtime::abi::kNone ? ojson(nullptr) : ojson(stdlib::format_instant(stdlib::Instant{o.until}));
  j["until_handled"] = o.until_handled;
  return j;
}
}  // namespace

ojson item_view(const runtime::Runtime& rt, const runtime::WorkItem& item, std::int64_t now) {
  ojson j{{"id", std::string(rt.pool().view(item.id))},
          {"state", std::string(runtime::item_state_name(item.state))},
          {"process", item.process >= 0 ? rt.rules().process_names[item.process] : ""},
          {"priority", item.priority}};
  if (const runtime::PriorityOverride* o = rt.priority_override(item)) j["priority_override"] = override_view(*o);
  if (item.clock.due != runtime::abi::kNone) {
    j["due"] = stdlib::format_instant(stdlib::Instant{item.clock.due});
    j["overdue"] = now > item.clock.due;
  }
  if (item.agent != runtime::kNoIndex) j["agent"] = std::string(rt.pool().view(rt.agents()[item.agent].id));
  j["attributes"] = ojson::parse(runtime::encode_item(rt.schema(), rt.pool(), item.record));
  return j;
}

// Written directly (a create's answer): the same bytes as item_view(...).dump().
std::string item_view_text(const runtime::Runtime& rt, const runtime::WorkItem& item, std::int64_t now) {
  std::string out = "{\"id\":";
  out.reserve(256);
  runtime::append_json_string(&out, rt.pool().view(item.id));
  out += ",\"state\":\"";
  out += runtime::item_state_name(item.state);
  out += "\",\"process\":";
  runtime::append_json_string(&out, item.process >= 0 ? std::string_view(rt.rules().process_names[item.process]) : "");
  out += ",\"priority\":";
  out += std::to_string(item.priority);
  if (const runtime::PriorityOverride* o = rt.priority_override(item)) out += ",\"priority_override\":" + override_view(*o).dump();
  if (item.clock.due != runtime::abi::kNone) {
    out += ",\"due\":\"";
    out += stdlib::format_instant(stdlib::Instant{item.clock.due});
    out += "\",\"overdue\":";
    out += now > item.clock.due ? "true" : "false";
  }
  if (item.agent != runtime::kNoIndex) {
    out += ",\"agent\":";
    runtime::append_json_string(&out, rt.pool().view(rt.agents()[item.agent].id));
  }
  out += ",\"attributes\":";
  runtime::append_item(&out, rt.schema(), rt.pool(), item.record);
  out += '}';
  return out;
}

ojson agent_view(const runtime::Runtime& rt, const runtime::Agent& a) {
  ojson j{{"id", std::string(rt.pool().view(a.id))}, {"state", std::string(runtime::agent_state_name(a.state))}};
  if (a.reason != runtime::kNoId) j["reason"] = std::string(rt.pool().view(a.reason));
  ojson skills = ojson::object();
  for (std::size_t s = 0; s < a.skills.size() && s < static_cast<std::size_t>(rt.rules().skill_count); ++s)
    if (a.skills[s] >= 0) skills[rt.rules().skill_names[s]] = a.skills[s];
  j["skills"] = skills;
  ojson groups = ojson::array();
  for (std::uint32_t g : a.groups) groups.push_back(std::string(rt.pool().view(g)));
  j["groups"] = groups;
  j["load"] = a.load_total;
  return j;
}

}  // namespace iwd::server
