// Explanations for the service (`iwd serve`'s GET /v1/items/{id}/explain, docs/api.md): the
// server sees the compiler only through the loader's interface (compiler/load/load.h,
// tests/cli/server_includes_test.py), so this stage keeps the rules' front end for it and hands
// back `iwd explain`'s JSON, made by compiler/explain (no second implementation), for an item
// as the runtime holds it: its record, its age now, the agents asked about, the supervisor's
// priority override in force; and the priority over the item's life (a chart's points).
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "compiler/load/load.h"
#include "runtime/runtime.h"

namespace iwd::compiler {

// The front end of rules loaded from source (the files, the checked ruleset, the program's
// registers), kept beside the loaded rules so that their items can be explained with the rules
// as written. Filled by load_rules(..., source()) together with the LoadedRules it explains.
class RulesSource {
 public:
  RulesSource();
  ~RulesSource();
  RulesSource(const RulesSource&) = delete;
  RulesSource& operator=(const RulesSource&) = delete;
  SourceRules* source() { return source_.get(); }
  const SourceRules& rules() const { return *source_; }

 private:
  std::unique_ptr<SourceRules> source_;
};

struct ItemExplainRequest {
  const runtime::ItemRecord* record = nullptr;  // the item as the runtime holds it
  std::int64_t at = 0;   // the instant of classification (its captured_at)
  std::int64_t age = 0;  // ms: the age explained (its age now)
  std::vector<runtime::abi::Agent> agents;  // explained each: eligible or from when
  const runtime::PriorityOverride* override = nullptr;  // the supervisor's in force, or none
  std::int32_t curve_points = 0;  // > 0: the priority curve with about this many points
};

struct ItemExplanation {
  nlohmann::ordered_json explanation;  // `iwd explain --format json`'s object
  nlohmann::ordered_json curve;        // null without curve_points (or for a rejected item)
  // Where the interpreter's trace and the rules' table disagree: a bug (the figures shown are
  // the table's); the caller reports it.
  std::vector<std::string> disagreements;
};

// `rules` and `source` from one load_rules() call; `rules`' pool is the record's.
ItemExplanation explain_item(const LoadedRules& rules, const RulesSource& source, const ItemExplainRequest& request);

}  // namespace iwd::compiler
