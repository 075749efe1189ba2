// Private to compiler/sema: the binder's state, split by construct into bind_*.cpp.
#pragma once

#include <map>
#include <set>
#include <string>
#include <vector>

#include "compiler/sema/binder.h"

namespace iwd::compiler {

// Where an expression stands decides what a bare name means (LANGUAGE.md section 4).
enum class NameContext {
  Condition,  // when, define, clause values: attributes, defines, enum values, weekdays, `now`
  Scheme,     // priority schemes and target durations: + age, sla, due, overdue_by; no `now`
  Skill,      // skill stages: bare names are skills; item.X and agent.X
  Constant,   // attribute defaults and test values: literals and enum values only
};

// What the surrounding construct wants, so that a percentage can become a share of the SLA
// where a duration is expected.
enum class Want { Any, Duration, Bool };

class Binder {
 public:
  Binder(const SourceManager& sm, DiagnosticBag& diags) : sm_(sm), diags_(diags) {}
  std::unique_ptr<BoundRuleset> run(const std::vector<const SyntaxFile*>& files);

  // bind_collect.cpp
  void collect(const SyntaxDecl& d);
  void collect_department(const SyntaxDepartment& dep);
  // Registers a process (from a `process`, a table row, or the default process).
  void collect_process(const SourceRange& where, std::int32_t department, const std::string& full,
                       std::int32_t table = -1, std::int32_t row = -1, bool table_first = false);
  void duplicate(const SyntaxName& name, const SourceRange& first, const std::string& what);
  SemaType bind_type(const SyntaxType& t, bool element);
  void order_defines();
  void bind_reporting();  // bind_report.cpp: `report by` and `outcomes`, once attributes are known

  // bind_expr.cpp
  BoundExprPtr expr(const SyntaxExpr* e, NameContext ctx, Want want = Want::Any);
  BoundExprPtr bind_name(const SyntaxExpr* e, NameContext ctx, Want want);    // bind_names.cpp
  BoundExprPtr bind_member(const SyntaxExpr* e, NameContext ctx, Want want);  // bind_names.cpp
  BoundExprPtr bind_binary(const SyntaxExpr* e, NameContext ctx, Want want);  // bind_operators.cpp
  BoundExprPtr bind_in(const SyntaxExpr* e, NameContext ctx, Want want);      // bind_operators.cpp
  BoundExprPtr bind_call(const SyntaxExpr* e, NameContext ctx, Want want);    // bind_call.cpp
  BoundExprPtr condition(const SyntaxExpr* e, NameContext ctx);  // a bool; warns on optional
  BoundExprPtr duration(const SyntaxExpr* e, NameContext ctx, const char* what);
  // An `sla` value (a clause or a table cell): a duration, or business days (`5bd`) when the
  // SLA has a calendar, its own or its department's (`has_calendar`); else E0518. `calendar`:
  // that calendar's index when known, for W0622 (`sla 5d in office`: days of open time).
  // `inherited`: `calendar` is the department's (the value has no `in` of its own).
  BoundExprPtr sla_value(const SyntaxExpr* e, const char* what, bool has_calendar, std::int32_t calendar, bool inherited);
  void warn_days_of_open_time(const SyntaxLiteral& l, std::int32_t calendar, bool inherited);
  std::string example_calendar() const;  // a declared calendar's name for messages, else "office"
  BoundExprPtr numeric(const SyntaxExpr* e, NameContext ctx, const char* what);
  BoundExprPtr string_value(const SyntaxExpr* e, NameContext ctx, const char* what);
  void undefined(const std::string& name, const SourceRange& r, const std::vector<std::string>& candidates,
                 const std::string& what, const char* code);

  // bind_decls.cpp
  void bind_bodies(const std::vector<const SyntaxFile*>& files);
  void bind_priority(BoundPriority& out, const SyntaxPriorityBody& body);
  void bind_targets(BoundTargets& out, const SyntaxTargetsBody& body);
  // `inherited_calendar`: the calendar of the department's `sla`, for a process (-1: none).
  CompleteBy complete_by(const SyntaxProcessClause& c);
  void bind_clauses(BoundClauses& out, const std::vector<SyntaxProcessClause>& clauses, const std::string& owner,
                    std::int32_t inherited_calendar = -1);
  void bind_table(const SyntaxDepartment& dep, const SyntaxTable& t, std::int32_t dep_index);
  void bind_calendar(BoundCalendar& out, const SyntaxCalendar& c);
  void bind_test(const SyntaxTest& t);
  std::int32_t calendar_ref(const SyntaxName& n);
  // The calendar named `name`, or -1. `always` (LANGUAGE.md 1.1 section 6: open at every
  // instant) is built in: it is added to the ruleset the first time it is named.
  std::int32_t find_calendar(const std::string& name);

  Diagnostic& report(std::string_view code, SourceRange r, std::string message) {
    return diags_.report(code, r, std::move(message));
  }
  std::string type_str(const SemaType& t) const { return type_name(*rs_, t); }

  const SourceManager& sm_;
  DiagnosticBag& diags_;
  std::unique_ptr<BoundRuleset> rs_ = std::make_unique<BoundRuleset>();

  // Name -> index maps (indices into rs_'s vectors) and the syntax behind each entry.
  std::map<std::string, std::int32_t> enums_, attributes_, skills_, defines_, calendars_, priorities_, targets_,
      capacities_, departments_, processes_;
  std::map<std::string, std::vector<std::pair<std::int32_t, std::int32_t>>> enum_values_;  // value -> (enum, index)
  std::vector<const SyntaxDefine*> define_syntax_;
  std::vector<const SyntaxCalendar*> calendar_syntax_;
  std::vector<const SyntaxPriority*> priority_syntax_;
  std::vector<const SyntaxTargets*> targets_syntax_;
  std::vector<const SyntaxAttribute*> attribute_syntax_;  // null for core attributes
  const SyntaxDecl* ruleset_decl_ = nullptr;
  const SyntaxDecl* timezone_decl_ = nullptr;
  const SyntaxProcess* default_syntax_ = nullptr;
  const SyntaxSkills* skills_decl_ = nullptr;  // the first `skills { }`, where a new skill is suggested
  const SyntaxReportBy* report_decl_ = nullptr;   // the first `report by`
  const SyntaxOutcomes* outcomes_decl_ = nullptr;  // the first `outcomes { }`

  // Defines being bound (for cycles) and done (their types).
  std::vector<int> define_state_;  // 0 not yet, 1 in progress, 2 done
  std::vector<std::string> define_stack_;
  // Attributes tested with has(x) on the path to this point: treated as present.
  std::set<std::int32_t> narrowed_;
  // The process whose clauses are being bound (for messages), if any.
  std::string owner_;
  // Set by the one place that accepts business days (`sla`, add_business's count) for the
  // expression bound next; expr() takes it and passes it on only to `if` branches.
  bool allow_business_days_ = false;
};

}  // namespace iwd::compiler
