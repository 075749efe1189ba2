// Replay: an `agent` line's value, {"id": ..., "skills": ..., "groups": ..., "attributes": ...,
// "capacity": ..., "state": ..., "reason": ...}, as an AgentUpdate (docs/replay.md).
#include "runtime/replay/agent_line.h"

#include <fmt/format.h>

#include <algorithm>

#include "stdlib/spelling.h"

namespace iwd::runtime::replay {
namespace {

using json = nlohmann::json;

std::string skills(const json& v, const abi::RulesV1& rules, AgentUpdate* u) {
  if (!v.is_object()) return "`skills` is an object of skill names to levels";
  std::vector<std::string_view> names(rules.skill_names, rules.skill_names + rules.skill_count);
  u->skills.emplace(names.size(), std::int8_t{-1});
  for (auto it = v.begin(); it != v.end(); ++it) {
    auto pos = std::find(names.begin(), names.end(), it.key());
    if (pos == names.end()) {
      std::string hint = stdlib::suggest_name(it.key(), std::span<const std::string_view>(names));
      return fmt::format("unknown skill `{}`{}", it.key(), hint.empty() ? "" : fmt::format(" (did you mean `{}`?)", hint));
    }
    if (!it->is_number_integer() || it->get<std::int64_t>() < 0 || it->get<std::int64_t>() > 10)
      return fmt::format("skill `{}`: a level is a whole number from 0 to 10", it.key());
    (*u->skills)[static_cast<std::size_t>(pos - names.begin())] = static_cast<std::int8_t>(it->get<int>());
  }
  return {};
}

// A capacity declaration's name, or {"MEDIA": N, ..., "total": N}.
std::string capacity(const json& v, const abi::RulesV1& rules, StringPool& pool, const Runtime& runtime, AgentUpdate* u) {
  if (v.is_string()) {
    auto spec = runtime.capacity_named(v.get<std::string>());
    if (!spec) {
      std::vector<std::string_view> names;
      for (std::int32_t c = 0; c < rules.capacity_count; ++c) names.emplace_back(rules.capacities[c].name);
      std::string hint = stdlib::suggest_name(v.get<std::string>(), std::span<const std::string_view>(names));
      return fmt::format("no capacity `{}` in the rules{}", v.get<std::string>(),
                         hint.empty() ? "" : fmt::format(" (did you mean `{}`?)", hint));
    }
    u->capacity = *spec;
    return {};
  }
  if (!v.is_object()) return "`capacity` is a capacity's name or an object like {\"voice\": 1, \"total\": 2}";
  CapacitySpec spec;
  for (auto it = v.begin(); it != v.end(); ++it) {
    if (!it->is_number_integer() || it->get<std::int64_t>() < 0 || it->get<std::int64_t>() > 1000000)
      return fmt::format("capacity `{}`: a whole number from 0", it.key());
    const auto n = static_cast<std::int32_t>(it->get<std::int64_t>());
    if (it.key() == "total")
      spec.total = n;
    else
      spec.media.emplace_back(pool.intern(it.key()), n);
  }
  u->capacity = spec;
  return {};
}

}  // namespace

std::string parse_agent(const nlohmann::json& v, const abi::RulesV1& rules, StringPool& pool, const Runtime& runtime,
                        AgentUpdate* out) {
  if (!v.is_object()) return "an agent is a JSON object like {\"id\": \"a1\", \"skills\": {\"phone\": 5}}";
  AgentUpdate u;
  std::string reason;
  for (auto it = v.begin(); it != v.end(); ++it) {
    const std::string& key = it.key();
    if (key == "id") {
      if (!it->is_string()) return "`id` is a string";
      u.id = pool.intern(it->get<std::string>());
    } else if (key == "skills") {
      if (std::string e = skills(*it, rules, &u); !e.empty()) return e;
    } else if (key == "groups") {
      if (!it->is_array()) return "`groups` is an array of strings";
      u.groups.emplace();
      for (const auto& g : *it) {
        if (!g.is_string()) return "`groups` is an array of strings";
        u.groups->push_back(pool.intern(g.get<std::string>()));
      }
    } else if (key == "attributes") {
      if (!it->is_object()) return "`attributes` is an object of names to strings";
      u.attributes.emplace();
      for (auto a = it->begin(); a != it->end(); ++a) {
        if (!a->is_string()) return fmt::format("attribute `{}`: a string", a.key());
        u.attributes->emplace_back(pool.intern(a.key()), pool.intern(a->get<std::string>()));
      }
    } else if (key == "capacity") {
      if (std::string e = capacity(*it, rules, pool, runtime, &u); !e.empty()) return e;
    } else if (key == "state") {
      const std::string s = it->is_string() ? it->get<std::string>() : "";
      if (s == "ready") u.state = AgentState::Ready;
      else if (s == "not_ready") u.state = AgentState::NotReady;
      else if (s == "logged_out") u.state = AgentState::LoggedOut;
      else return "`state` is \"ready\", \"not_ready\" or \"logged_out\"";
    } else if (key == "reason") {
      if (!it->is_string()) return "`reason` is a string";
      reason = it->get<std::string>();
    } else {
      static constexpr std::string_view kFields[] = {"id", "skills", "groups", "attributes", "capacity", "state", "reason"};
      std::string hint = stdlib::suggest_name(key, std::span<const std::string_view>(kFields));
      return fmt::format("unknown field `{}`{}", key, hint.empty() ? "" : fmt::format(" (did you mean `{}`?)", hint));
    }
  }
  if (u.id == kNoId) return "an agent needs an `id`";
  if (!reason.empty()) {
    if (u.state != AgentState::NotReady && u.state != AgentState::LoggedOut)
      return "`reason` goes with \"state\": \"not_ready\" or \"logged_out\"";
    u.reason = pool.intern(reason);
  }
  *out = std::move(u);
  return {};
}

}  // namespace iwd::runtime::replay
