// lint_ruleset: the priority, target, unused-declaration, process and due-instant lints
// (W0606 to W0618), and what they share: constant folding with a process's SLA, who uses
// which scheme and plan, and the text of numbers, durations and name lists in messages.
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstdint>

#include "compiler/sema/checks.h"
#include "compiler/sema/lint_ruleset_internal.h"

namespace iwd::compiler {
namespace lints {

LintContext::LintContext(const BoundRuleset& r)
    : rs(r), by_priority(r.priorities.size()), by_targets(r.targets.size()) {
  for (const auto& p : rs.processes) {
    ProcessFacts f;
    f.process = &p;
    f.clauses = rs.effective(p);
    f.sla_ms = const_duration(f.clauses.sla, std::nullopt);
    if (f.sla_ms && *f.sla_ms <= 0) f.sla_ms.reset();
    f.expire_expr = f.clauses.expire_after;
    f.expire_ms = const_duration(f.clauses.expire_after, std::nullopt);
    if (f.expire_ms && *f.expire_ms <= 0) f.expire_ms.reset();
    const std::size_t index = processes.size();
    if (f.clauses.priority >= 0 && static_cast<std::size_t>(f.clauses.priority) < by_priority.size())
      by_priority[static_cast<std::size_t>(f.clauses.priority)].push_back(index);
    if (f.clauses.targets >= 0 && static_cast<std::size_t>(f.clauses.targets) < by_targets.size())
      by_targets[static_cast<std::size_t>(f.clauses.targets)].push_back(index);
    processes.push_back(f);
  }
}

namespace {

bool is_number_type(const BoundExpr& e) { return !e.type.optional && e.type.is_numeric(); }
bool is_duration_type(const BoundExpr& e) { return !e.type.optional && e.type.kind == TypeKind::Duration; }

// Arguments of a call as constants, or nothing when one is not.
template <typename T, typename F>
std::optional<std::vector<T>> const_args(const BoundExpr& e, F&& fold) {
  std::vector<T> out;
  for (const auto& c : e.children) {
    auto v = fold(c.get());
    if (!v) return std::nullopt;
    out.push_back(*v);
  }
  return out;
}

// A double as milliseconds, when it fits.
std::optional<std::int64_t> to_ms(double v) {
  if (!std::isfinite(v) || std::fabs(v) > 9.0e18) return std::nullopt;
  return static_cast<std::int64_t>(std::llround(v));
}

}  // namespace

std::optional<std::int64_t> add_ms(std::int64_t a, std::int64_t b) {
  std::int64_t out = 0;
  if (__builtin_add_overflow(a, b, &out)) return std::nullopt;
  return out;
}

std::optional<double> const_number(const BoundExpr* e) {
  if (!e || e->type.is_error()) return std::nullopt;
  switch (e->kind) {
    case BoundExprKind::Literal:
      if (e->type.kind == TypeKind::Int) return static_cast<double>(e->int_value);
      if (e->type.kind == TypeKind::Number) return e->number_value;
      return std::nullopt;
    case BoundExprKind::Widen: return e->children.size() == 1 ? const_number(e->children[0].get()) : std::nullopt;
    case BoundExprKind::Unary:
      if (e->op != BoundOp::Neg || e->children.size() != 1) return std::nullopt;
      if (auto v = const_number(e->children[0].get())) return -*v;
      return std::nullopt;
    case BoundExprKind::Binary: {
      if (e->children.size() != 2 || !is_number_type(*e)) return std::nullopt;
      if (e->op == BoundOp::Coalesce) return const_number(e->children[0].get());
      auto a = const_number(e->children[0].get()), b = const_number(e->children[1].get());
      if (!a || !b) return std::nullopt;
      switch (e->op) {
        case BoundOp::Add: return *a + *b;
        case BoundOp::Sub: return *a - *b;
        case BoundOp::Mul: return *a * *b;
        case BoundOp::Div:
          if (*b == 0) return std::nullopt;
          return e->type.kind == TypeKind::Int ? std::trunc(*a / *b) : *a / *b;
        default: return std::nullopt;
      }
    }
    case BoundExprKind::If: {
      if (e->children.size() != 3) return std::nullopt;
      auto c = const_bool(e->children[0].get());
      if (!c) return std::nullopt;
      return const_number(e->children[*c ? 1 : 2].get());
    }
    case BoundExprKind::Call: {
      if (!is_number_type(*e)) return std::nullopt;
      auto args = const_args<double>(*e, [](const BoundExpr* c) { return const_number(c); });
      if (!args || args->empty()) return std::nullopt;
      const auto& a = *args;
      switch (e->builtin) {
        case stdlib::Builtin::Min: return *std::min_element(a.begin(), a.end());
        case stdlib::Builtin::Max: return *std::max_element(a.begin(), a.end());
        case stdlib::Builtin::Abs: return std::fabs(a[0]);
        case stdlib::Builtin::Floor: return std::floor(a[0]);
        case stdlib::Builtin::Ceil: return std::ceil(a[0]);
        case stdlib::Builtin::Round: return std::round(a[0]);
        case stdlib::Builtin::Clamp:
          if (a.size() != 3 || a[1] > a[2]) return std::nullopt;
          return std::clamp(a[0], a[1], a[2]);
        default: return std::nullopt;
      }
    }
    default: return std::nullopt;
  }
}

std::optional<std::int64_t> const_duration(const BoundExpr* e, std::optional<std::int64_t> sla_ms) {
  if (!e || e->type.is_error()) return std::nullopt;
  switch (e->kind) {
    case BoundExprKind::Literal:
      if (e->type.kind == TypeKind::Duration) return e->int_value;
      return std::nullopt;
    case BoundExprKind::ShareOfSla:
      if (!sla_ms) return std::nullopt;
      return to_ms(static_cast<double>(*sla_ms) * e->number_value / 100.0);
    case BoundExprKind::Time:
      if (static_cast<TimeName>(e->index) == TimeName::Sla) return sla_ms;
      return std::nullopt;
    case BoundExprKind::Unary:
      if (e->op != BoundOp::Neg || e->children.size() != 1) return std::nullopt;
      if (auto v = const_duration(e->children[0].get(), sla_ms); v && *v != INT64_MIN) return -*v;
      return std::nullopt;
    case BoundExprKind::Binary: {
      if (e->children.size() != 2 || !is_duration_type(*e)) return std::nullopt;
      const BoundExpr* l = e->children[0].get();
      const BoundExpr* r = e->children[1].get();
      if (e->op == BoundOp::Coalesce) return const_duration(l, sla_ms);
      if (e->op == BoundOp::Add || e->op == BoundOp::Sub) {
        auto a = const_duration(l, sla_ms), b = const_duration(r, sla_ms);
        if (!a || !b || *b == INT64_MIN) return std::nullopt;
        return add_ms(*a, e->op == BoundOp::Add ? *b : -*b);
      }
      if (e->op == BoundOp::Mul || e->op == BoundOp::Div) {
        const bool left_duration = l->type.kind == TypeKind::Duration;
        auto d = const_duration(left_duration ? l : r, sla_ms);
        auto n = const_number(left_duration ? r : l);
        if (!d || !n) return std::nullopt;
        if (e->op == BoundOp::Mul) return to_ms(static_cast<double>(*d) * *n);
        if (!left_duration || *n == 0) return std::nullopt;
        return to_ms(static_cast<double>(*d) / *n);
      }
      return std::nullopt;
    }
    case BoundExprKind::If: {
      if (e->children.size() != 3) return std::nullopt;
      auto c = const_bool(e->children[0].get());
      if (!c) return std::nullopt;
      return const_duration(e->children[*c ? 1 : 2].get(), sla_ms);
    }
    case BoundExprKind::Call: {
      if (!is_duration_type(*e) || (e->builtin != stdlib::Builtin::Min && e->builtin != stdlib::Builtin::Max))
        return std::nullopt;
      auto args = const_args<std::int64_t>(*e, [&](const BoundExpr* c) { return const_duration(c, sla_ms); });
      if (!args || args->empty()) return std::nullopt;
      return e->builtin == stdlib::Builtin::Min ? *std::min_element(args->begin(), args->end())
                                                : *std::max_element(args->begin(), args->end());
    }
    default: return std::nullopt;
  }
}

std::optional<bool> const_bool(const BoundExpr* e) {
  if (!e || e->type.is_error()) return std::nullopt;
  switch (e->kind) {
    case BoundExprKind::Literal:
      if (e->type.kind == TypeKind::Bool) return e->int_value != 0;
      return std::nullopt;
    case BoundExprKind::Unary:
      if (e->op != BoundOp::Not || e->children.size() != 1) return std::nullopt;
      if (auto v = const_bool(e->children[0].get())) return !*v;
      return std::nullopt;
    case BoundExprKind::Binary: {
      if (e->children.size() != 2) return std::nullopt;
      const BoundExpr* l = e->children[0].get();
      const BoundExpr* r = e->children[1].get();
      if (e->op == BoundOp::And || e->op == BoundOp::Or) {
        // Three-valued: `false and x` is false and `true or x` is true, whatever x is.
        const bool absorbing = e->op == BoundOp::Or;
        auto a = const_bool(l), b = const_bool(r);
        if ((a && *a == absorbing) || (b && *b == absorbing)) return absorbing;
        if (a && b) return !absorbing;
        return std::nullopt;
      }
      if (e->op == BoundOp::Eq || e->op == BoundOp::Ne || e->op == BoundOp::Lt || e->op == BoundOp::Le ||
          e->op == BoundOp::Gt || e->op == BoundOp::Ge) {
        auto a = const_number(l), b = const_number(r);
        if (!a || !b) return std::nullopt;
        switch (e->op) {
          case BoundOp::Eq: return *a == *b;
          case BoundOp::Ne: return *a != *b;
          case BoundOp::Lt: return *a < *b;
          case BoundOp::Le: return *a <= *b;
          case BoundOp::Gt: return *a > *b;
          default: return *a >= *b;
        }
      }
      return std::nullopt;
    }
    default: return std::nullopt;
  }
}

namespace {

bool is_age(const BoundExpr* e) {
  return e && e->kind == BoundExprKind::Time && static_cast<TimeName>(e->index) == TimeName::Age;
}

}  // namespace

std::optional<AgeFloor> age_floor(const BoundExpr* cond, std::optional<std::int64_t> sla_ms) {
  if (!cond || cond->type.is_error()) return std::nullopt;
  if (cond->kind == BoundExprKind::Binary && cond->children.size() == 2) {
    const BoundExpr* l = cond->children[0].get();
    const BoundExpr* r = cond->children[1].get();
    switch (cond->op) {
      case BoundOp::And: {
        auto a = age_floor(l, sla_ms), b = age_floor(r, sla_ms);
        if (a && b) return (b->ms > a->ms || (b->ms == a->ms && b->strict)) ? b : a;
        return a ? a : b;
      }
      case BoundOp::Ge:
      case BoundOp::Gt:
        if (!is_age(l)) return std::nullopt;
        if (auto x = const_duration(r, sla_ms)) return AgeFloor{*x, cond->op == BoundOp::Gt, cond};
        return std::nullopt;
      case BoundOp::Le:
      case BoundOp::Lt:
        if (!is_age(r)) return std::nullopt;
        if (auto x = const_duration(l, sla_ms)) return AgeFloor{*x, cond->op == BoundOp::Lt, cond};
        return std::nullopt;
      default: return std::nullopt;
    }
  }
  // `age in lo..hi` needs at least lo.
  if (cond->kind == BoundExprKind::In && !cond->negated && cond->children.size() == 3 &&
      is_age(cond->children[0].get()))
    if (auto x = const_duration(cond->children[1].get(), sla_ms)) return AgeFloor{*x, false, cond};
  return std::nullopt;
}

bool beyond_life(const AgeFloor& floor, const ProcessFacts& p) {
  // Open items are at most `expire after` old (in wall time; an age counted in a calendar's
  // open time is never more), so an age above it never comes.
  if (!p.expire_ms) return false;
  return floor.ms > *p.expire_ms || (floor.strict && floor.ms >= *p.expire_ms);
}

std::string name_list(const std::vector<std::string>& names) {
  std::string out;
  for (std::size_t i = 0; i < names.size(); ++i) {
    if (i > 0) out += i + 1 == names.size() ? " and " : ", ";
    out += "`" + names[i] + "`";
  }
  return out;
}

std::string scheme_text(const BoundPriority& s) {
  if (!s.is_inline) return fmt::format("priority scheme `{}`", s.name);
  return fmt::format("the priority of `{}`", s.name.substr(0, s.name.rfind('/')));
}

std::string plan_text(const BoundTargets& t) {
  if (!t.is_inline) return fmt::format("targets `{}`", t.name);
  return fmt::format("the targets of `{}`", t.name.substr(0, t.name.rfind('/')));
}

}  // namespace lints

void lint_ruleset(const BoundRuleset& rs, DiagnosticBag& diags) {
  const lints::LintContext ctx(rs);
  lints::lint_priorities(ctx, diags);
  lints::lint_targets(ctx, diags);
  lints::lint_unused(ctx, diags);
  lints::lint_empty_enums(ctx, diags);
  lints::lint_processes(ctx, diags);
  lints::lint_due(ctx, diags);
  lints::lint_no_sla(ctx, diags);
}

}  // namespace iwd::compiler
