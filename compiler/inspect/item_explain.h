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
#include <mutex>
#include <string>
#include <vector>

#include "compiler/load/load.h"
#include "runtime/runtime.h"

namespace iwd::compiler {

// The front end of rules loaded from source (the files, the checked ruleset, the program's
// registers), kept beside the loaded rules so that their items can be explained with the rules
// as written. Either filled by load_rules(..., source()) together with the LoadedRules it
// explains, or made from the sources a bundle kept (LoadedRules::sources()) the first time it
// is asked for: a restart, which loads the store's bundle, pays for it only when an item is
// explained.
class RulesSource {
 public:
  RulesSource();
  explicit RulesSource(std::string sources);  // compiler/load/sources.h
  ~RulesSource();
  RulesSource(const RulesSource&) = delete;
  RulesSource& operator=(const RulesSource&) = delete;
  SourceRules* source() { return source_.get(); }
  // The front end of `rules` (those it was made for). From kept sources, made once (any
  // thread; a second caller waits for the first): null with *why when they do not make
  // `rules` again (other texts, another program), which would explain other rules.
  const SourceRules* front_end(const LoadedRules& rules, std::string* why) const;

 private:
  mutable std::mutex mutex_;
  mutable std::unique_ptr<SourceRules> source_;
  std::string sources_;      // what source_ is made from
  mutable std::string why_;  // they do not make the rules
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
  std::string no_source;  // not explained: why the front end cannot be had (RulesSource::front_end)
};

// `source` is `rules`' front end; `rules`' pool is the record's. Any thread: what it reads of
// the rules is immutable, the pool is thread-safe, the record and agents are the caller's.
ItemExplanation explain_item(const LoadedRules& rules, const RulesSource& source, const ItemExplainRequest& request);

}  // namespace iwd::compiler
