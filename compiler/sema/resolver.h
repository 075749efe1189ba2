// Name resolution and declaration checks (stage: sema): duplicate declarations, undefined
// names with "did you mean" suggestions, unknown calendars, schemes, targets, skills,
// functions and types, define cycles. Type checking and lints build on the symbol table.
#pragma once

#include <string>
#include <vector>

#include "compiler/diag/diagnostic.h"
#include "compiler/sema/symbols.h"

namespace iwd::compiler {

// Where an expression stands decides what a bare name means (LANGUAGE.md section 4).
enum class NameContext {
  Condition,  // when, define, process clause values: attributes, defines, enum values, `now`
  Scheme,     // priority schemes and target durations: + age, sla, due, overdue_by; no `now`
  Skill,      // skill expressions: bare names are skills; item.X and agent.X
  Test,       // test values: literals and enum values
};

class Resolver {
 public:
  Resolver(const SourceManager& sm, DiagnosticBag& diags) : sm_(sm), diags_(diags) {}
  void run(const std::vector<const SyntaxFile*>& files);
  const SymbolTable& symbols() const { return symbols_; }

 private:
  // resolve_decls.cpp
  void collect(const SyntaxDecl& d);
  void collect_department(const SyntaxDepartment& d);
  void duplicate(const SyntaxName& name, const SourceRange& first, const char* what);
  void check_type(const SyntaxType& t, bool element);
  void check_define_cycles();

  // resolve_expr.cpp
  void expr(const SyntaxExpr* e, NameContext ctx);
  void name_expr(const SyntaxNameExpr& n, NameContext ctx);
  void member_expr(const SyntaxMember& m, NameContext ctx);
  void call_expr(const SyntaxCall& c, NameContext ctx);
  void undefined(const std::string& name, const SourceRange& r, std::vector<std::string> candidates,
                 std::string what);
  std::vector<std::string> value_names(NameContext ctx) const;

  // resolve_clauses.cpp
  void decl(const SyntaxDecl& d);
  void priority_body(const SyntaxPriorityBody& b);
  void targets_body(const SyntaxTargetsBody& b);
  void process_clauses(const std::vector<SyntaxProcessClause>& clauses);
  void table(const SyntaxDepartment& dep, const SyntaxTable& t);
  void calendar_ref(const SyntaxName& n);
  void test(const SyntaxTest& t);

  const SourceManager& sm_;
  DiagnosticBag& diags_;
  SymbolTable symbols_;
  const SyntaxDecl* ruleset_ = nullptr;
  const SyntaxDecl* timezone_ = nullptr;
};

}  // namespace iwd::compiler
