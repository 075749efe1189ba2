// Private to compiler/sema: the parts of lint_ruleset (lint_*.cpp) and what they share:
// constant folding with a process's SLA, who uses which scheme and plan, and message text.
// Every lint here is conservative: it speaks only when constants prove the finding.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "compiler/diag/diagnostic.h"
#include "compiler/sema/bound.h"
#include "stdlib/text.h"
#include "stdlib/time.h"

namespace iwd::compiler::lints {

// One process as the lints see it: its clauses after inheritance and the constants among them.
struct ProcessFacts {
  const BoundProcess* process = nullptr;
  EffectiveClauses clauses;
  std::optional<std::int64_t> sla_ms;     // the SLA when it is a constant duration
  std::optional<std::int64_t> expire_ms;  // `expire after` when it is a constant duration
  const BoundExpr* expire_expr = nullptr;
};

struct LintContext {
  explicit LintContext(const BoundRuleset& r);

  const BoundRuleset& rs;
  std::vector<ProcessFacts> processes;                // in ruleset order
  std::vector<std::vector<std::size_t>> by_priority;  // scheme -> indices into `processes`
  std::vector<std::vector<std::size_t>> by_targets;   // plan -> indices into `processes`
};

// Constant folding. `sla_ms` is the process's SLA, needed for `sla` and shares of it.
// Numbers: int and number literals, `-`, `+ - * /`, min/max/abs/floor/ceil/round/clamp.
std::optional<double> const_number(const BoundExpr* e);
// Durations (ms): literals, shares of the SLA, `sla`, `+ -`, and `* /` by a number.
std::optional<std::int64_t> const_duration(const BoundExpr* e, std::optional<std::int64_t> sla_ms);
// a + b, or nothing when it overflows.
std::optional<std::int64_t> add_ms(std::int64_t a, std::int64_t b);
// Bools: `true`, `false`, `not`, `and`, `or` over constants.
std::optional<bool> const_bool(const BoundExpr* e);

// The smallest age (ms) that `cond` needs, when it is provably `age >= X` or `age > X`
// (alone or as a conjunct of `and`): X, and whether the comparison is strict.
struct AgeFloor {
  std::int64_t ms = 0;
  bool strict = false;
  const BoundExpr* comparison = nullptr;
};
std::optional<AgeFloor> age_floor(const BoundExpr* cond, std::optional<std::int64_t> sla_ms);
// True when an item of this process can never be old enough for `floor`: it expires first.
bool beyond_life(const AgeFloor& floor, const ProcessFacts& p);

// Text for messages (numbers: stdlib::format_number, durations: stdlib::format_duration):
// "`A`", "`A` and `B`", "`A`, `B` and `C`".
std::string name_list(const std::vector<std::string>& names);
// "priority scheme `gold`" or "the inline priority of `Sales.Gold`".
std::string scheme_text(const BoundPriority& s);
std::string plan_text(const BoundTargets& t);

// lint_priority.cpp: W0606, W0607, W0608.
void lint_priorities(const LintContext& ctx, DiagnosticBag& diags);
// lint_targets.cpp: W0609.
void lint_targets(const LintContext& ctx, DiagnosticBag& diags);
// lint_unused.cpp: W0610 to W0614.
void lint_unused(const LintContext& ctx, DiagnosticBag& diags);
// lint_unused.cpp: W0624, an enum with no values.
void lint_empty_enums(const LintContext& ctx, DiagnosticBag& diags);
// True when binding reported an error (about names or types) in one of the ruleset's files.
bool binding_failed(const BoundRuleset& rs, const DiagnosticBag& diags);
// lint_process.cpp: W0615, W0618.
void lint_processes(const LintContext& ctx, DiagnosticBag& diags);
// lint_due.cpp: W0616, W0617.
void lint_due(const LintContext& ctx, DiagnosticBag& diags);
// lint_no_sla.cpp: W0621.
void lint_no_sla(const LintContext& ctx, DiagnosticBag& diags);

}  // namespace iwd::compiler::lints
