#include "compiler/sema/bound.h"

#include <fmt/format.h>

namespace iwd::compiler {

const char* time_name_spelling(TimeName t) {
  switch (t) {
    case TimeName::Now: return "now";
    case TimeName::Age: return "age";
    case TimeName::Sla: return "sla";
    case TimeName::Due: return "due";
    case TimeName::OverdueBy: return "overdue_by";
  }
  return "?";
}

const char* bound_op_spelling(BoundOp op) {
  switch (op) {
    case BoundOp::Neg: return "-";
    case BoundOp::Not: return "not";
    case BoundOp::Coalesce: return "??";
    case BoundOp::Or: return "or";
    case BoundOp::And: return "and";
    case BoundOp::Eq: return "==";
    case BoundOp::Ne: return "!=";
    case BoundOp::Lt: return "<";
    case BoundOp::Le: return "<=";
    case BoundOp::Gt: return ">";
    case BoundOp::Ge: return ">=";
    case BoundOp::Add: return "+";
    case BoundOp::Sub: return "-";
    case BoundOp::Mul: return "*";
    case BoundOp::Div: return "/";
  }
  return "?";
}

std::string type_name(const BoundRuleset& rs, const SemaType& t) {
  auto base = [&rs](TypeKind k, std::int32_t enum_index) -> std::string {
    switch (k) {
      case TypeKind::Error: return "?";
      case TypeKind::Bool: return "bool";
      case TypeKind::Int: return "int";
      case TypeKind::Number: return "number";
      case TypeKind::String: return "string";
      case TypeKind::Time: return "time";
      case TypeKind::Duration: return "duration";
      case TypeKind::Weekday: return "weekday";
      case TypeKind::Date: return "date";
      case TypeKind::TimeOfDay: return "time of day";
      case TypeKind::Percent: return "percentage";
      case TypeKind::Enum:
        return enum_index >= 0 && static_cast<std::size_t>(enum_index) < rs.enums.size()
                   ? rs.enums[static_cast<std::size_t>(enum_index)].name
                   : "enum";
      case TypeKind::List: return "list";
      case TypeKind::Calendar: return "calendar";
      case TypeKind::Absent: return "absent";
      case TypeKind::BusinessDays: return "business days";
    }
    return "?";
  };
  std::string s = t.kind == TypeKind::List ? fmt::format("list<{}>", base(t.elem, t.enum_index)) : base(t.kind, t.enum_index);
  return t.optional ? s + "?" : s;
}

BoundExprPtr make_bound(BoundExprKind kind, SemaType type, SourceRange range) {
  auto e = std::make_unique<BoundExpr>();
  e->kind = kind;
  e->type = type;
  e->range = range;
  return e;
}

BoundExprPtr clone_bound(const BoundExpr& e) {
  auto c = std::make_unique<BoundExpr>();
  c->kind = e.kind;
  c->type = e.type;
  c->range = e.range;
  c->int_value = e.int_value;
  c->number_value = e.number_value;
  c->string_value = e.string_value;
  c->index = e.index;
  c->name = e.name;
  c->builtin = e.builtin;
  c->op = e.op;
  c->negated = e.negated;
  for (const auto& ch : e.children) c->children.push_back(clone_bound(*ch));
  return c;
}

EffectiveClauses BoundRuleset::effective(const BoundProcess& p) const {
  EffectiveClauses e;
  const BoundClauses* dep = p.department >= 0 ? &departments[static_cast<std::size_t>(p.department)].clauses : nullptr;
  const BoundClauses& own = p.clauses;
  auto pick = [&](const BoundExprPtr BoundClauses::*member) -> const BoundExpr* {
    if ((own.*member)) return (own.*member).get();
    return dep ? (dep->*member).get() : nullptr;
  };
  e.sla = pick(&BoundClauses::sla);
  // A process's `sla` without `in` keeps its department's calendar (LANGUAGE.md 1.1 section 7);
  // `in always` counts elapsed time.
  const std::int32_t dep_calendar = dep ? dep->sla_calendar : -1;
  e.sla_calendar = own.sla ? (own.sla_calendar >= 0 ? own.sla_calendar : dep_calendar) : dep_calendar;
  e.priority = own.priority >= 0 ? own.priority : dep ? dep->priority : -1;
  // `priority NAME min .. max ..` is one clause: a process that names its own scheme
  // takes its own bounds (or none); otherwise its own bounds win over the department's.
  if (own.priority >= 0) {
    e.priority_min = own.priority_min.get();
    e.priority_max = own.priority_max.get();
  } else {
    e.priority_min = pick(&BoundClauses::priority_min);
    e.priority_max = pick(&BoundClauses::priority_max);
  }
  e.targets = own.targets >= 0 ? own.targets : dep ? dep->targets : -1;
  e.media = pick(&BoundClauses::media);
  e.offer_timeout = pick(&BoundClauses::offer_timeout);
  e.complete_within = pick(&BoundClauses::complete_within);
  e.expire_after = pick(&BoundClauses::expire_after);
  const CompleteBy by = own.complete_by != CompleteBy::Unset ? own.complete_by : dep ? dep->complete_by : CompleteBy::Unset;
  e.source_completes = by == CompleteBy::Source;
  return e;
}

std::int32_t BoundRuleset::find_attribute(std::string_view name) const {
  for (std::size_t i = 0; i < attributes.size(); ++i)
    if (attributes[i].name == name) return static_cast<std::int32_t>(i);
  return -1;
}

std::int32_t BoundRuleset::find_process(std::string_view full_name) const {
  for (std::size_t i = 0; i < processes.size(); ++i)
    if (processes[i].name == full_name) return static_cast<std::int32_t>(i);
  return -1;
}

}  // namespace iwd::compiler
