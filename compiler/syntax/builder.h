// Private to compiler/syntax: turns the ANTLR parse tree into the AST. This is the only
// place besides parse.cpp that sees ANTLR types. Split by construct into builder_*.cpp.
#pragma once

#include <antlr4-runtime.h>

#include "IwdParser.h"
#include "compiler/diag/diagnostic.h"
#include "compiler/syntax/syntax_decl.h"

namespace iwd::compiler {

using P = iwd_grammar::IwdParser;

class SyntaxBuilder {
 public:
  SyntaxBuilder(const SourceManager& sm, FileId file, DiagnosticBag& diags)
      : sm_(sm), file_(file), diags_(diags) {}

  std::unique_ptr<SyntaxFile> build_file(P::FileContext* ctx);

  // Ranges.
  SourceRange range(antlr4::ParserRuleContext* ctx) const;
  SourceRange range(antlr4::Token* tok) const;
  SourceRange range(antlr4::tree::TerminalNode* node) const;
  SourceRange range(antlr4::Token* first, antlr4::Token* last) const;
  SyntaxName name(P::NameContext* ctx) const;

  // builder_expr.cpp
  SyntaxExprPtr expr(P::ExprContext* ctx);
  SyntaxExprPtr coalesce(P::CoalesceExprContext* ctx);
  SyntaxExprPtr or_expr(P::OrExprContext* ctx);
  SyntaxExprPtr and_expr(P::AndExprContext* ctx);
  SyntaxExprPtr not_expr(P::NotExprContext* ctx);
  SyntaxExprPtr comparison(P::ComparisonExprContext* ctx);
  SyntaxExprPtr additive(P::AdditiveExprContext* ctx);
  SyntaxExprPtr sla_value(P::SlaValueContext* ctx);
  SyntaxExprPtr multiplicative(P::MultiplicativeExprContext* ctx);
  SyntaxExprPtr unary(P::UnaryExprContext* ctx);
  SyntaxExprPtr postfix(P::PostfixExprContext* ctx);
  SyntaxExprPtr primary(P::PrimaryContext* ctx);

  // builder_literal.cpp
  SyntaxExprPtr literal(P::LiteralContext* ctx);
  SyntaxExprPtr literal_token(antlr4::Token* tok, bool negative = false, antlr4::Token* minus = nullptr);
  std::string decode_string(antlr4::Token* tok);  // reports bad escapes; strips quotes
  bool decode_date(antlr4::Token* tok, std::int64_t* days);
  bool decode_time_of_day(antlr4::Token* tok, int* minutes);

  // builder_decl.cpp
  SyntaxDeclPtr top_decl(P::TopDeclContext* ctx);
  SyntaxType type_ref(P::TypeRefContext* ctx);

  // builder_calendar.cpp
  SyntaxDeclPtr calendar(P::CalendarDeclContext* ctx);

  // builder_scheme.cpp: priority schemes and targets
  SyntaxPriorityBody priority_body(P::PriorityBodyContext* ctx);
  SyntaxTargetsBody targets_body(P::TargetsBodyContext* ctx);

  // builder_process.cpp: departments, processes, clauses, tables
  SyntaxDeclPtr department(P::DepartmentDeclContext* ctx);
  std::unique_ptr<SyntaxProcess> process(P::ProcessDeclContext* ctx);
  std::unique_ptr<SyntaxProcess> default_process(P::DefaultProcessDeclContext* ctx);
  std::optional<SyntaxProcessClause> process_clause(P::ProcessClauseContext* ctx);
  SyntaxDeclPtr table(P::TableDeclContext* ctx);

  // builder_test.cpp
  SyntaxDeclPtr test(P::TestDeclContext* ctx);

  Diagnostic& report(std::string_view code, SourceRange r, std::string message) {
    return diags_.report(code, r, std::move(message));
  }
  DiagnosticBag& diags() { return diags_; }

 private:
  const SourceManager& sm_;
  FileId file_;
  DiagnosticBag& diags_;
};

// A context that error recovery left without its expected content.
inline bool missing(antlr4::ParserRuleContext* ctx) { return ctx == nullptr || ctx->start == nullptr; }
// Error recovery may conjure tokens (`<missing ID>`); they have no place in the source.
inline bool conjured(antlr4::Token* t) { return t == nullptr || t->getStartIndex() > t->getStopIndex() || t->getStartIndex() == INVALID_INDEX; }

}  // namespace iwd::compiler
