#include "tools/iwd/eval_input.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>

#include "runtime/clock.h"
#include "stdlib/spelling.h"

namespace iwd::cli {

using json = nlohmann::ordered_json;

bool parse_at(const std::string& text, std::int64_t* at, std::string* error) {
  if (text.empty()) {
    *at = runtime::SystemClock().now().ms_since_epoch;
    return true;
  }
  auto r = stdlib::parse_instant(text);
  if (!r.ok()) {
    *error = r.error;
    return false;
  }
  *at = r.value.instant.ms_since_epoch;
  return true;
}

std::string parse_agent(const compiler::Program& program, runtime::StringPool& pool, const std::string& text,
                        compiler::Agent* agent) {
  json j = json::parse(text, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return "an --agent is a JSON object like {\"skills\": {\"sales\": 7}, \"id\": \"a1\"}";
  for (auto it = j.begin(); it != j.end(); ++it) {
    if (it.key() == "skills") {
      if (!it->is_object()) return "`skills` of an --agent is an object of skill names to levels";
      for (auto s = it->begin(); s != it->end(); ++s) {
        auto pos = std::find(program.skills.begin(), program.skills.end(), s.key());
        if (pos == program.skills.end()) {
          std::string hint = stdlib::suggest_name(s.key(), std::span<const std::string>(program.skills));
          return fmt::format("unknown skill `{}` in --agent{}", s.key(), hint.empty() ? "" : fmt::format(" (did you mean `{}`?)", hint));
        }
        if (!s->is_number_integer() || s->get<int>() < 0 || s->get<int>() > 10)
          return fmt::format("skill `{}` of an --agent: a level is a whole number from 0 to 10", s.key());
        agent->skills[static_cast<std::uint32_t>(pos - program.skills.begin())] = s->get<int>();
      }
    } else if (it.key() == "groups") {
      if (!it->is_array()) return "`groups` of an --agent is an array of strings";
      for (const auto& g : *it) {
        if (!g.is_string()) return "`groups` of an --agent is an array of strings";
        agent->groups.push_back(pool.intern(g.get<std::string>()));
      }
    } else if (it.key() == "id") {
      if (!it->is_string()) return "`id` of an --agent is a string";
      agent->id = pool.intern(it->get<std::string>());
    } else if (it.key() == "attributes") {
      if (!it->is_object()) return "`attributes` of an --agent is an object of names to strings";
      for (auto a = it->begin(); a != it->end(); ++a) {
        if (!a->is_string()) return fmt::format("agent attribute `{}`: a string", a.key());
        agent->attributes[a.key()] = pool.intern(a->get<std::string>());
      }
    } else {
      return fmt::format("unknown field `{}` in --agent (skills, groups, id, attributes)", it.key());
    }
  }
  return {};
}

runtime::DecodeOptions eval_decode_options(std::int64_t at) {
  runtime::DecodeOptions decode;
  decode.captured_at = stdlib::Instant{at};
  decode.default_id = "eval";  // what-if evaluation: items need no source key
  return decode;
}

}  // namespace iwd::cli
