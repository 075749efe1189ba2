// Binder: decision tables. Each row becomes a process: its condition is the conjunction of
// its condition cells, its clauses come from its clause cells.
#include <fmt/format.h>

#include <set>

#include "compiler/sema/bind_internal.h"

namespace iwd::compiler {
namespace {

BoundExprPtr binary(BoundOp op, BoundExprPtr a, BoundExprPtr b, SourceRange range) {
  auto e = make_bound(BoundExprKind::Binary, SemaType::of(TypeKind::Bool, a->type.optional || b->type.optional), range);
  e->op = op;
  e->children.push_back(std::move(a));
  e->children.push_back(std::move(b));
  return e;
}

}  // namespace

void Binder::bind_table(const SyntaxDepartment& dep, const SyntaxTable& t, std::int32_t dep_index) {
  static const std::set<std::string> kClauses = {"sla", "priority", "min", "max", "targets", "process"};
  // The table's index among the department's tables.
  std::int32_t table_index = 0;
  for (const auto& m : dep.members) {
    if (m.get() == &t) break;
    if (m->kind == SyntaxDeclKind::Table) ++table_index;
  }
  // Columns: a condition column is an attribute or define; then the clause columns.
  std::vector<BoundExprPtr> column_values(t.columns.size());
  std::set<std::string> seen;
  bool in_clauses = false;
  for (std::size_t col = 0; col < t.columns.size(); ++col) {
    const SyntaxName& c = t.columns[col];
    if (!seen.insert(c.text).second) {
      report("E0111", c.range, fmt::format("column `{}` appears twice in this table", c.text));
      continue;
    }
    if (kClauses.count(c.text)) {
      in_clauses = true;
      continue;
    }
    if (in_clauses) {
      report("E0111", c.range, fmt::format("condition column `{}` comes after a clause column", c.text))
          .notes.push_back("put the condition columns first, then sla, priority, min, max, targets, process");
      continue;
    }
    SyntaxNameExpr ref;
    ref.name = c.text;
    ref.range = c.range;
    if (!attributes_.count(c.text) && !defines_.count(c.text)) {
      std::vector<std::string> names;
      for (const auto& [n, _] : attributes_) names.push_back(n);
      for (const auto& [n, _] : defines_) names.push_back(n);
      undefined(c.text, c.range, names, "attribute", "E0302");
      continue;
    }
    column_values[col] = expr(&ref, NameContext::Condition);
  }

  for (std::size_t r = 0; r < t.rows.size(); ++r) {
    const auto& row = t.rows[r];
    if (row.cells.size() != t.columns.size()) continue;  // reported by the AST builder
    BoundProcess* bp = nullptr;
    for (auto& p : rs_->processes)
      if (p.department == dep_index && p.table == table_index && p.table_row == static_cast<std::int32_t>(r)) bp = &p;
    BoundExprPtr when;
    BoundClauses clauses;
    for (std::size_t col = 0; col < t.columns.size(); ++col) {
      const auto& cell = row.cells[col];
      const std::string& column = t.columns[col].text;
      if (!cell.any && !cell.calendar.text.empty() && column != "sla") {
        report("E0511", cell.calendar.range, fmt::format("only an `sla` cell takes `in CALENDAR`, not a `{}` cell", column))
            .notes.push_back("an `sla` cell is written as the clause's value: `48h`, `5bd in office`, `3d in always`");
        continue;
      }
      if (cell.any) continue;
      if (kClauses.count(column)) {
        if (cell.negated || cell.values.size() != 1 || cell.values[0].hi) {
          report("E0511", cell.range, fmt::format("a `{}` cell holds one value", column));
          continue;
        }
        const SyntaxExpr* v = cell.values[0].lo.get();
        if (column == "process") continue;  // the name, used when collecting
        if (column == "sla") {
          // `D in CAL` (LANGUAGE.md 1.1 section 7); without `in`, the department's calendar.
          if (!cell.calendar.text.empty()) clauses.sla_calendar = calendar_ref(cell.calendar);
          const std::int32_t dep_calendar = rs_->departments[static_cast<std::size_t>(dep_index)].clauses.sla_calendar;
          clauses.sla = sla_value(v, "an `sla` cell", !cell.calendar.text.empty() || dep_calendar >= 0,
                                  cell.calendar.text.empty() ? dep_calendar : clauses.sla_calendar, cell.calendar.text.empty());
        } else if (column == "min" || column == "max") {
          (column == "min" ? clauses.priority_min : clauses.priority_max) =
              numeric(v, NameContext::Condition, column == "min" ? "a `min` cell" : "a `max` cell");
        } else {
          const bool is_priority = column == "priority";
          auto& names = is_priority ? priorities_ : targets_;
          if (!v || v->kind != SyntaxExprKind::Name) {
            report("E0511", cell.range, fmt::format("a `{}` cell names a {}", column, is_priority ? "priority scheme" : "targets plan"));
            continue;
          }
          const std::string& n = as<SyntaxNameExpr>(*v).name;
          if (auto it = names.find(n); it != names.end()) {
            (is_priority ? clauses.priority : clauses.targets) = it->second;
          } else {
            std::vector<std::string> candidates;
            for (const auto& [k, _] : names) candidates.push_back(k);
            undefined(n, v->range, candidates, is_priority ? "priority scheme" : "targets", is_priority ? "E0304" : "E0305");
          }
        }
        continue;
      }
      // A condition cell: column == v, or lo <= column <= hi; several values: any of them.
      const BoundExpr* column_value = column_values[col].get();
      if (!column_value || column_value->type.is_error()) continue;
      BoundExprPtr any_of;
      bool ok = true;
      for (const auto& value : cell.values) {
        auto lo = expr(value.lo.get(), NameContext::Constant);
        auto hi = value.hi ? expr(value.hi.get(), NameContext::Constant) : nullptr;
        BoundExprPtr test;
        for (auto* part : {&lo, &hi}) {
          if (!*part) continue;
          if ((*part)->type.is_error()) { ok = false; continue; }
          if (column_value->type.kind == TypeKind::Number && (*part)->type.kind == TypeKind::Int) {
            (*part)->type = SemaType::of(TypeKind::Number);
            (*part)->number_value = static_cast<double>((*part)->int_value);
          }
          if (!(*part)->type.same_base(column_value->type)) {
            report("E0511", (*part)->range, fmt::format("column `{}` is {}, but this cell holds {}", column,
                                                        type_str(column_value->type.as_optional(false)), type_str((*part)->type)));
            ok = false;
          }
        }
        if (!ok) break;
        if (hi) {
          test = make_bound(BoundExprKind::In, SemaType::of(TypeKind::Bool, column_value->type.optional), cell.range);
          test->children.push_back(clone_bound(*column_value));
          test->children.push_back(std::move(lo));
          test->children.push_back(std::move(hi));
        } else {
          test = binary(BoundOp::Eq, clone_bound(*column_value), std::move(lo), cell.range);
        }
        any_of = any_of ? binary(BoundOp::Or, std::move(any_of), std::move(test), cell.range) : std::move(test);
      }
      if (!ok || !any_of) continue;
      if (cell.negated) {
        auto n = make_bound(BoundExprKind::Unary, any_of->type, cell.range);
        n->op = BoundOp::Not;
        n->children.push_back(std::move(any_of));
        any_of = std::move(n);
      }
      when = when ? binary(BoundOp::And, std::move(when), std::move(any_of), row.range) : std::move(any_of);
    }
    if (bp) {
      bp->when = std::move(when);
      bp->clauses = std::move(clauses);
    }
  }
}

}  // namespace iwd::compiler
