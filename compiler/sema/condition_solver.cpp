// The exact condition solver (see condition_solver.h for the fragment and the method): an
// example item as text, and ConditionSolver's public members over its Impl (whose other members
// are in condition_compile.cpp, condition_cells.cpp and condition_search.cpp).
#include "compiler/sema/condition_solver_internal.h"

#include <algorithm>

#include "stdlib/time.h"

namespace iwd::compiler {

std::string ConditionSolver::Impl::value_text(const Var& v, const Value& x) const {
  switch (v.type) {
    case TypeKind::Bool: return x.num != 0 ? "true" : "false";
    case TypeKind::Enum: {
      const auto& en = rs.enums[static_cast<std::size_t>(attribute(v.attr).type.enum_index)];
      const auto i = static_cast<std::size_t>(x.num);
      return i < en.values.size() ? en.values[i] : "?";
    }
    case TypeKind::String: return escape_string(x.str);
    case TypeKind::Int: return fmt::format("{}", static_cast<std::int64_t>(x.num));
    case TypeKind::Number: return stdlib::format_number(static_cast<double>(x.num));
    case TypeKind::Time: return stdlib::format_instant(stdlib::Instant{static_cast<std::int64_t>(x.num)});
    case TypeKind::Duration: return stdlib::format_duration(stdlib::Duration{static_cast<std::int64_t>(x.num)});
    case TypeKind::Date: return stdlib::format_date(static_cast<std::int64_t>(x.num));
    default: return "?";
  }
}

std::string ConditionSolver::Impl::example_text(const std::vector<ExampleValue>& ex) const {
  std::vector<std::string> parts;
  for (std::size_t i = 0; i < ex.size();) {
    const Var& v = vars[static_cast<std::size_t>(ex[i].var)];
    const std::string& name = attribute(v.attr).name;
    if (v.kind == VarKind::Value) {
      const Cell& c = v.cells[static_cast<std::size_t>(ex[i].cell)];
      parts.push_back(c.absent ? "no " + name : name + " = " + value_text(v, c.v));
      ++i;
      continue;
    }
    // A list: its presence and the elements chosen.
    bool absent = false;
    std::vector<std::string> in;
    std::size_t j = i;
    for (; j < ex.size() && vars[static_cast<std::size_t>(ex[j].var)].attr == v.attr; ++j) {
      const Var& w = vars[static_cast<std::size_t>(ex[j].var)];
      const Cell& c = w.cells[static_cast<std::size_t>(ex[j].cell)];
      if (w.kind == VarKind::ListPresence) absent = absent || c.absent;
      else if (c.v.num != 0) in.push_back(w.elem_text);
    }
    if (absent) {
      parts.push_back("no " + name);
    } else {
      std::string list;
      for (const auto& s : in) list += (list.empty() ? "" : ", ") + s;
      parts.push_back(name + " = [" + list + "]");
    }
    i = j;
  }
  std::string out;
  for (std::size_t i = 0; i < parts.size(); ++i) {
    if (i) out += i + 1 == parts.size() ? " and " : ", ";
    out += parts[i];
  }
  return out;
}


ConditionSolver::ConditionSolver(const BoundRuleset& rs, std::int64_t search_cap)
    : impl_(std::make_unique<Impl>(rs, search_cap)) {}
ConditionSolver::ConditionSolver(const ConditionSolver& other, CopyConditions)
    : impl_(std::make_unique<Impl>(*other.impl_, other.impl_->cap)) {}
ConditionSolver::~ConditionSolver() = default;

ConditionSolver::CondId ConditionSolver::add(const BoundExpr* cond) { return impl_->add(cond); }

bool ConditionSolver::exact(CondId c) const { return impl_->conds[static_cast<std::size_t>(c)].opaques.empty(); }

std::string ConditionSolver::beyond_text(CondId c) const {
  for (auto o : impl_->conds[static_cast<std::size_t>(c)].opaques) {
    const auto& op = impl_->opaques[static_cast<std::size_t>(o)];
    if (!op.error) return op.text;
  }
  return "";
}

bool ConditionSolver::has_error(CondId c) const {
  for (auto o : impl_->conds[static_cast<std::size_t>(c)].opaques)
    if (impl_->opaques[static_cast<std::size_t>(o)].error) return true;
  return false;
}

const BoundExpr* ConditionSolver::expr(CondId c) const { return impl_->conds[static_cast<std::size_t>(c)].e; }

ConditionSolver::Result ConditionSolver::solve(std::span<const Literal> query) { return impl_->solve(query); }

std::string ConditionSolver::example_text(const std::vector<ExampleValue>& example) const {
  return impl_->example_text(example);
}

std::int64_t ConditionSolver::nodes_visited() const { return impl_->visited_total; }

}  // namespace iwd::compiler
