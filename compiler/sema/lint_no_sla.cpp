// lint_no_sla: shares of an SLA that a process does not have (W0621). A percentage of `sla`
// (and `sla` itself) is measured on the item's SLA clock, which runs from its start to its
// due instant (LANGUAGE.md 1.1 sections 4 and 5). A process with no `sla`, its own or its
// department's, gives its items a due instant only when the source sets `due_at`; for the
// others the share is absent: an `every` from it never starts, an `until` at it never ends,
// a stage `for` it is skipped at once, a condition on it does not hold.
//
// Reported once per scheme or plan, at the first use of the SLA in it, naming the processes
// without an SLA that use it.
#include <fmt/format.h>

#include <vector>

#include "compiler/sema/lint_ruleset_internal.h"

namespace iwd::compiler::lints {
namespace {

// The first node of `e` (in source order) that reads the SLA: a share of it or `sla`.
const BoundExpr* first_sla_use(const BoundExpr* e) {
  if (!e || e->type.is_error()) return nullptr;
  if (e->kind == BoundExprKind::ShareOfSla) return e;
  if (e->kind == BoundExprKind::Time && static_cast<TimeName>(e->index) == TimeName::Sla) return e;
  for (const auto& c : e->children)
    if (const BoundExpr* found = first_sla_use(c.get())) return found;
  return nullptr;
}

const BoundExpr* first_in(const std::vector<const BoundExpr*>& exprs) {
  for (const BoundExpr* e : exprs)
    if (const BoundExpr* found = first_sla_use(e)) return found;
  return nullptr;
}

const BoundExpr* first_in_scheme(const BoundPriority& s) {
  std::vector<const BoundExpr*> in_order{s.start.get()};
  for (const auto& e : s.every) in_order.insert(in_order.end(), {e.period.get(), e.add.get(), e.from.get(), e.until.get()});
  for (const auto& p : s.curve) in_order.insert(in_order.end(), {p.at.get(), p.value.get()});
  for (const auto& b : s.boosts) in_order.insert(in_order.end(), {b.amount.get(), b.when.get()});
  // `overdue` applies from the due instant on, so an item without one never reaches it.
  in_order.insert(in_order.end(), {s.min.get(), s.max.get()});
  return first_in(in_order);
}

const BoundExpr* first_in_plan(const BoundTargets& t) {
  std::vector<const BoundExpr*> in_order;
  for (const auto& s : t.stages) in_order.insert(in_order.end(), {s.expr.get(), s.duration.get()});
  return first_in(in_order);
}

std::string what_it_is(const BoundExpr& use) {
  return use.kind == BoundExprKind::ShareOfSla ? "a share of the SLA" : "`sla`";
}

void report(DiagnosticBag& diags, const BoundExpr& use, const std::vector<const ProcessFacts*>& without,
            const std::string& where) {
  std::vector<std::string> names;
  for (const ProcessFacts* p : without) names.push_back(p->process->name);
  auto& d = diags.report(
      "W0621", use.range,
      fmt::format("{} {} {} no `sla`, so for {} items {} here is absent unless the source sets `due_at`",
                  names.size() == 1 ? "process" : "processes", name_list(names), names.size() == 1 ? "has" : "have",
                  names.size() == 1 ? "its" : "their", what_it_is(use)));
  if (!where.empty()) d.notes.push_back(fmt::format("in {}", where));
  d.notes.push_back("an item without a due instant has no SLA clock: an `every` from a share never starts, an "
                    "`until` at one never ends, a stage `for` one is skipped at once, a condition on one does "
                    "not hold");
  for (const ProcessFacts* p : without)
    d.labels.push_back({p->process->range, fmt::format("`{}` has no `sla`", p->process->name)});
  d.notes.push_back("give the process (or its department) an `sla`, like `sla 8h`, or write a plain duration here");
}

}  // namespace

void lint_no_sla(const LintContext& ctx, DiagnosticBag& diags) {
  // An `sla` that failed to bind leaves its process without one: no second finding about it.
  if (binding_failed(ctx.rs, diags)) return;
  const BoundRuleset& rs = ctx.rs;
  auto without_sla = [&ctx](const std::vector<std::size_t>& users) {
    std::vector<const ProcessFacts*> out;
    for (auto i : users)
      if (ctx.processes[i].clauses.sla == nullptr) out.push_back(&ctx.processes[i]);
    return out;
  };
  for (std::size_t s = 0; s < rs.priorities.size(); ++s) {
    const auto without = without_sla(ctx.by_priority[s]);
    if (without.empty()) continue;
    if (const BoundExpr* use = first_in_scheme(rs.priorities[s]))
      report(diags, *use, without, rs.priorities[s].is_inline ? "" : scheme_text(rs.priorities[s]));
  }
  for (std::size_t t = 0; t < rs.targets.size(); ++t) {
    const auto without = without_sla(ctx.by_targets[t]);
    if (without.empty()) continue;
    if (const BoundExpr* use = first_in_plan(rs.targets[t]))
      report(diags, *use, without, rs.targets[t].is_inline ? "" : plan_text(rs.targets[t]));
  }
}

}  // namespace iwd::compiler::lints
