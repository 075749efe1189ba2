// check_semantics: the declarations that make no sense whatever the item: calendars
// (check_calendar.cpp), priority schemes and bounds (check_priority.cpp) and target plans
// (check_targets.cpp). This file ties them together and holds their constant folding.
#include <fmt/format.h>

#include <cmath>

#include "compiler/sema/check_internal.h"
#include "compiler/sema/checks.h"
#include "stdlib/time.h"

namespace iwd::compiler {

void check_semantics(const BoundRuleset& rs, DiagnosticBag& diags) {
  checks::check_calendars(rs, diags);
  checks::check_priorities(rs, diags);
  checks::check_targets(rs, diags);
}

namespace checks {

std::optional<double> constant_number(const BoundExpr* e) {
  if (!e || e->type.is_error() || e->type.optional) return std::nullopt;
  switch (e->kind) {
    case BoundExprKind::Literal:
      if (e->type.kind == TypeKind::Int) return static_cast<double>(e->int_value);
      if (e->type.kind == TypeKind::Number) return e->number_value;
      return std::nullopt;
    case BoundExprKind::Widen: return constant_number(&e->child(0));
    case BoundExprKind::Unary:
      if (e->op != BoundOp::Neg) return std::nullopt;
      if (auto v = constant_number(&e->child(0))) return -*v;
      return std::nullopt;
    default: return std::nullopt;
  }
}

std::optional<std::int64_t> constant_duration(const BoundExpr* e) {
  if (!e || e->type.is_error() || e->type.optional || e->type.kind != TypeKind::Duration) return std::nullopt;
  if (e->kind == BoundExprKind::Literal) return e->int_value;
  if (e->kind == BoundExprKind::Unary && e->op == BoundOp::Neg) {
    if (auto v = constant_duration(&e->child(0))) return -*v;
  }
  return std::nullopt;
}

std::optional<double> constant_share(const BoundExpr* e) {
  if (!e || e->kind != BoundExprKind::ShareOfSla) return std::nullopt;
  return e->number_value;
}

std::string share_text(double percent) { return stdlib::format_number(percent) + "%"; }

}  // namespace checks
}  // namespace iwd::compiler
