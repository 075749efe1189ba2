// Field mapping per source (docs/sources.md): a source system posts its own payload as it is
// (a CRM's lead, a case system's incident) and the source's mapping, from the server's
// configuration, turns it into the item the rules expect: fields renamed or read by path
// (`case.priority`), constants set, values mapped (`"P1"` -> `"Gold"`), timestamps read in a
// named format into instants. Checked whole at start; applied to each capture of the source
// before anything else sees its body. No dependency on the server: a body in, a body out.
#pragma once

#include <nlohmann/json.hpp>

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "mapping/timestamp.h"

namespace iwd::mapping {

// One field of the mapped body, `to`, from the source's field at `from` or a constant.
struct Rule {
  std::string to;
  std::string from;                // the path as written ("case.priority"); empty with `set`
  std::vector<std::string> path;   // `from` split at its dots
  std::optional<nlohmann::json> set;
  bool optional = false;           // a missing (or null) source field leaves `to` out
  std::optional<nlohmann::json> fallback;  // `default`: for a missing field, and for a value `map` lacks
  std::optional<std::map<std::string, nlohmann::json>> values;  // `map`: the source's value (as text) -> ours
  std::optional<TimeFormat> time;  // `time` (with `zone`): the value read as an instant
  enum class As { Same, Number, String } as = As::Same;
};

struct Mapping {
  std::vector<Rule> rules;
  // `others`: "drop" (the default: the body is the rules' fields only, so a payload's own
  // bookkeeping never reaches the rules) or "keep" (top-level fields no rule reads pass as they are).
  bool keep_others = false;
};

// Source `source`'s mapping from its configuration object {"rules": [RULE, ...], "others"}.
// nullopt and *error naming the key, the source and the rule:
// "`mappings.crm.rules[2].time` (source `crm`, the rule giving `due_at`): ...".
std::optional<Mapping> parse_mapping(const std::string& source, const nlohmann::json& j, std::string* error);

// `body` as the rules expect it, or nullopt and *error naming the source's field and the
// problem: `field "opened": "31/12/2026 25:00" does not match format "%d/%m/%Y %H:%M": ...`.
std::optional<nlohmann::json> apply(const Mapping& m, const nlohmann::json& body, std::string* error);

}  // namespace iwd::mapping
