// lint_due: what the due instant cuts off. From the due instant on, a scheme with `overdue`
// has the `overdue` value, so a clause that can only start then never applies (W0616); a
// target stage whose earlier stages last 100% of the SLA or more opens only when the item
// is due (W0617: consecutive shares add up on the SLA clock, in a calendar or not).
//
// Both speak only of ages tied to the item's SLA clock (LANGUAGE.md sections 4 and 5): a
// share `N% of sla` with N >= 100 and `sla` itself reach the due instant for every item
// that has one, whatever its calendar or its source's `due_at`. A plain duration (`72h`)
// is never judged here: a source `due_at` may put the due instant later.
#include <fmt/format.h>

#include <optional>
#include <utility>

#include "compiler/sema/lint_ruleset_internal.h"

namespace iwd::compiler::lints {
namespace {

bool is_time(const BoundExpr* e, TimeName t) {
  return e && e->kind == BoundExprKind::Time && static_cast<TimeName>(e->index) == t;
}

// True when the duration `e`, read as an age, is at or past the due instant for every item
// with a due instant: `100% of sla`, `sla`, `sla + 1h`, `max(sla, 2h)`, `2 * sla`...
bool at_or_after_due(const BoundExpr* e) {
  if (!e || e->type.is_error()) return false;
  auto nonnegative = [](const BoundExpr* d) {
    auto ms = const_duration(d, std::nullopt);
    return ms && *ms >= 0;
  };
  switch (e->kind) {
    case BoundExprKind::ShareOfSla: return e->number_value >= 100;
    case BoundExprKind::Time: return is_time(e, TimeName::Sla);
    case BoundExprKind::Binary: {
      if (e->children.size() != 2) return false;
      const BoundExpr* l = e->children[0].get();
      const BoundExpr* r = e->children[1].get();
      switch (e->op) {
        case BoundOp::Add:
          return (at_or_after_due(l) && nonnegative(r)) || (at_or_after_due(r) && nonnegative(l));
        case BoundOp::Sub: {
          auto ms = const_duration(r, std::nullopt);
          return at_or_after_due(l) && ms && *ms <= 0;
        }
        case BoundOp::Mul: {
          const bool left = l->type.kind == TypeKind::Duration;
          auto n = const_number(left ? r : l);
          return at_or_after_due(left ? l : r) && n && *n >= 1;
        }
        case BoundOp::Coalesce: return at_or_after_due(l) && at_or_after_due(r);
        default: return false;
      }
    }
    case BoundExprKind::If:
      return e->children.size() == 3 && at_or_after_due(e->children[1].get()) && at_or_after_due(e->children[2].get());
    case BoundExprKind::Call: {
      if (e->builtin != stdlib::Builtin::Max && e->builtin != stdlib::Builtin::Min) return false;
      bool any = false, all = !e->children.empty();
      for (const auto& c : e->children) {
        const bool after = at_or_after_due(c.get());
        any = any || after;
        all = all && after;
      }
      return e->builtin == stdlib::Builtin::Max ? any : all;
    }
    default: return false;
  }
}

// The comparison in `cond` that holds only from the due instant on, if any: `age >= sla`,
// `age > 100% of sla`, `age in sla..sla + 1d`, `overdue_by > 0h` (alone or in an `and`).
const BoundExpr* after_due_condition(const BoundExpr* cond) {
  if (!cond || cond->type.is_error()) return nullptr;
  if (cond->kind == BoundExprKind::In && !cond->negated && cond->children.size() == 3 &&
      is_time(cond->children[0].get(), TimeName::Age) && at_or_after_due(cond->children[1].get()))
    return cond;
  if (cond->kind != BoundExprKind::Binary || cond->children.size() != 2) return nullptr;
  const BoundExpr* l = cond->children[0].get();
  const BoundExpr* r = cond->children[1].get();
  if (cond->op == BoundOp::And) {
    if (const BoundExpr* found = after_due_condition(l)) return found;
    return after_due_condition(r);
  }
  // Put the time name on the left: `X <= age` is `age >= X`.
  BoundOp op = cond->op;
  if (is_time(r, TimeName::Age) || is_time(r, TimeName::OverdueBy)) {
    std::swap(l, r);
    op = op == BoundOp::Le ? BoundOp::Ge : op == BoundOp::Lt ? BoundOp::Gt : op == BoundOp::Ge ? BoundOp::Le
       : op == BoundOp::Gt ? BoundOp::Lt : op;
  }
  if (op != BoundOp::Ge && op != BoundOp::Gt) return nullptr;
  if (is_time(l, TimeName::Age) && at_or_after_due(r)) return cond;
  if (is_time(l, TimeName::OverdueBy)) {
    // overdue_by is zero before the due instant.
    auto ms = const_duration(r, std::nullopt);
    if (ms && (*ms > 0 || (*ms == 0 && op == BoundOp::Gt))) return cond;
  }
  return nullptr;
}

// ---- W0616 ----------------------------------------------------------------------------
void lint_scheme(const BoundPriority& s, DiagnosticBag& diags) {
  if (!s.overdue) return;
  auto report = [&](const SourceRange& at, const std::string& what) {
    auto& d = diags.report("W0616", at,
                           fmt::format("{} only at or after the due instant, where `overdue` replaces the "
                                       "priority of {}: it never applies",
                                       what, scheme_text(s)));
    d.labels.push_back({s.overdue->range, "from the due instant on, the priority is this `overdue` value"});
    d.notes.push_back("make it start before the due instant (like `75% of sla`), or remove it");
  };
  for (const auto& e : s.every)
    if (at_or_after_due(e.from.get())) report(e.from->range, "this `every` starts");
  for (const auto& b : s.boosts)
    if (const BoundExpr* c = after_due_condition(b.when.get()))
      report(c->range, "this boost holds");
  // A curve point after another at or past the due instant shapes only ages past it.
  for (std::size_t i = 1; i < s.curve.size(); ++i)
    if (at_or_after_due(s.curve[i - 1].at.get()) && at_or_after_due(s.curve[i].at.get())) {
      report(s.curve[i].at->range, "this curve point, after one at or past the due instant, shapes the priority");
      break;
    }
}

// ---- W0617 ----------------------------------------------------------------------------
// The share of the SLA that the duration `e` stands for, when it is one: `30% of sla`,
// `sla` (100%), `2 * sla`.
std::optional<double> sla_share(const BoundExpr* e) {
  if (!e || e->type.is_error()) return std::nullopt;
  if (e->kind == BoundExprKind::ShareOfSla) return e->number_value;
  if (is_time(e, TimeName::Sla)) return 100.0;
  if (e->kind == BoundExprKind::Binary && e->op == BoundOp::Mul && e->children.size() == 2) {
    const bool left = e->children[0]->type.kind == TypeKind::Duration;
    auto share = sla_share(e->children[left ? 0 : 1].get());
    auto n = const_number(e->children[left ? 1 : 0].get());
    if (share && n && *n >= 0) return *share * *n;
  }
  return std::nullopt;
}

// The same for a duration that is that share of `sla` as a value (due - start, elapsed time):
// `sla`, `2 * sla`; not a share of the clock (`2 * 50% of sla`), whose age follows open hours.
std::optional<double> window_share(const BoundExpr* e) {
  if (!e || e->type.is_error() || e->kind == BoundExprKind::ShareOfSla) return std::nullopt;
  if (is_time(e, TimeName::Sla)) return 100.0;
  if (e->kind == BoundExprKind::Binary && e->op == BoundOp::Mul && e->children.size() == 2) {
    const bool left = e->children[0]->type.kind == TypeKind::Duration;
    auto share = window_share(e->children[left ? 0 : 1].get());
    auto n = const_number(e->children[left ? 1 : 0].get());
    if (share && n && *n >= 0) return *share * *n;
  }
  return std::nullopt;
}

void lint_plan(const LintContext& ctx, std::size_t index, DiagnosticBag& diags) {
  const BoundTargets& t = ctx.rs.targets[index];
  // Ages on the SLA clock (docs/language.md, "The SLA clock"): consecutive `for N% of sla`
  // add up on the item's clock, so the stage after shares that reach 100% opens at the due
  // instant itself, whether the clock runs in a calendar's open time or in elapsed time and
  // whatever set the due instant; a stage after one that lasts the whole SLA or more (`for
  // sla`, `for 2 * sla`, `for 100% of sla`) opens at or after it too. In elapsed time every
  // such age is in proportion to its share, so any mix of them adds up. In a calendar's open
  // time a duration off the clock (`for 0.5 * sla`) ends the run of shares on the clock, and
  // a share after it is an age of its own: there only the run on the clock and a single
  // stage that lasts the whole SLA or more are judged. A plan is judged when a process uses it, by the rule of
  // a calendar when one of them has an SLA calendar.
  bool used = false, calendar = false;
  for (auto p : ctx.by_targets[index]) {
    used = true;
    calendar = calendar || ctx.processes[p].clauses.sla_calendar >= 0;
  }
  if (!used) return;

  // Shares above 100% in all are an error of their own (E0510).
  double written = 0;
  for (const auto& s : t.stages)
    if (s.duration && s.duration->kind == BoundExprKind::ShareOfSla) written += s.duration->number_value;
  if (written > 100 + 1e-9) return;

  double before = 0;     // the least share of the SLA that has passed when the next stage opens
  double clock = 0;      // the same, of the run of shares on the clock
  bool on_clock = true;  // every stage so far that may count is a share on the clock
  bool due = false;      // in a calendar: the next stage opens at or after the due instant
  for (std::size_t i = 0; i < t.stages.size(); ++i) {
    const BoundStage& s = t.stages[i];
    if (i > 0 && (calendar ? due : before >= 100 - 1e-9)) {
      auto& d = diags.report("W0617", s.range,
                             fmt::format("this stage of {} opens only when the item is due or later: the stages "
                                         "before it last {}% of the SLA",
                                         plan_text(t), stdlib::format_number(before)));
      d.notes.push_back("until the due instant only the earlier stages reach agents; this one widens the set for "
                        "overdue items only. Shorten the earlier stages' shares, or allow this lint where an "
                        "escalation of overdue items is meant");
      return;
    }
    if (!s.duration) return;  // never ends: the stages after it never open (E0509)
    auto share = sla_share(s.duration.get());
    if (!share) return;  // an elapsed duration: not on the SLA clock
    const bool on_the_clock = s.duration->kind == BoundExprKind::ShareOfSla;
    // An `agent` stage whose agent may be absent is skipped at once: its `for` may not count
    // (and, when it does, it may end the run on the clock).
    const bool may_skip = s.kind == BoundStageKind::Agent && s.expr && s.expr->type.optional;
    if (may_skip) {
      on_clock = on_clock && on_the_clock;
      continue;
    }
    before += *share;
    if (on_clock && on_the_clock) {
      clock += *share;
      due = due || clock >= 100 - 1e-9;
    } else {
      // Off the clock: the stage lasts at least the whole SLA when it is a share of 100% or
      // more (its age is at or after the due instant) or `sla` times 1 or more.
      on_clock = false;
      const auto window = window_share(s.duration.get());
      due = due || (on_the_clock && *share >= 100 - 1e-9) || (window && *window >= 100 - 1e-9);
    }
  }
}

}  // namespace

void lint_due(const LintContext& ctx, DiagnosticBag& diags) {
  for (const auto& s : ctx.rs.priorities) lint_scheme(s, diags);
  for (std::size_t i = 0; i < ctx.rs.targets.size(); ++i) lint_plan(ctx, i, diags);
}

}  // namespace iwd::compiler::lints
