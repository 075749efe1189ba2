// Private to compiler/sema: the parts of check_semantics (check_*.cpp) and the constant
// folding they share. A check only judges what it can know before an item exists: a value
// that depends on the item or on time is left alone.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "compiler/diag/diagnostic.h"
#include "compiler/sema/bound.h"
#include "stdlib/text.h"
#include "stdlib/time.h"

namespace iwd::compiler::checks {

// check_calendar.cpp: E0501 (also the ruleset's zone), W0502, E0503, E0504.
void check_calendars(const BoundRuleset& rs, DiagnosticBag& diags);
// check_priority.cpp: E0505, E0506, E0507, E0508.
void check_priorities(const BoundRuleset& rs, DiagnosticBag& diags);
// check_targets.cpp: E0509, E0510, W0514.
void check_targets(const BoundRuleset& rs, DiagnosticBag& diags);

// An int or number written as a literal, possibly negated (`500`, `-5`, `2.5`).
std::optional<double> constant_number(const BoundExpr* e);
// A duration written as a literal, possibly negated (`72h`, `-5m`), in milliseconds.
std::optional<std::int64_t> constant_duration(const BoundExpr* e);
// A share of the SLA (`75%`, `75% of sla`): the percentage.
std::optional<double> constant_share(const BoundExpr* e);

// `75%` (numbers in messages: stdlib::format_number; durations: stdlib::format_duration).
std::string share_text(double percent);

}  // namespace iwd::compiler::checks
