// The checks that run on a bound ruleset, after binding. Each reads the ruleset and adds
// diagnostics; none changes the ruleset. Declared here so that the driver calls them all.
#pragma once

#include <cstdint>

#include "compiler/diag/diagnostic.h"
#include "compiler/sema/bound.h"

namespace iwd::compiler {

// check_*.cpp: calendars (zones, hours, open time), priority schemes (start vs curve,
// min/max, curve order, periods) and targets (final stages, shares, stages past the SLA).
void check_semantics(const BoundRuleset& rs, DiagnosticBag& diags);

// lint_conditions*.cpp: exact analysis of department/process/table conditions:
// unreachable rules, order-dependent overlaps, gaps, constant conditions, table overlaps.
// The departments' processes are linted on up to `threads` threads (0: the machine's cores,
// at most 4; a thread for every 8 departments at most); the diagnostics are the same.
// Returns how many threads linted processes.
// The work done by the lints' solvers (every thread's), for tests and benchmarks.
struct ConditionLintStats {
  // In: ask every pairwise question (I0602, E0512) in full, without first asking whether any
  // item matches both conditions; for tests holding the two ways to the same findings.
  bool full_pair_questions = false;
  // Out: condition nodes the searches evaluated (ConditionSolver::nodes_visited).
  std::int64_t solver_nodes = 0;
};
unsigned lint_conditions(const BoundRuleset& rs, DiagnosticBag& diags, unsigned threads = 0,
                         ConditionLintStats* stats = nullptr);

// lint_*.cpp: priority and target lints, unused declarations.
void lint_ruleset(const BoundRuleset& rs, DiagnosticBag& diags);

}  // namespace iwd::compiler
