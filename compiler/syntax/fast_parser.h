// Private to compiler/syntax: the fast path of parse_file, a recursive-descent parser of
// grammar/IwdParser.g4 that builds the AST straight from the hand-written lexer's tokens, with
// no parse tree. The ANTLR parser stays the contract and the fallback: the fast parser gives up
// (returns nothing) at the first token it does not expect, at anything the AST builder would
// report (an unclosed string, a bad date, a table with a missing cell, `=` for `==`...) and
// at nesting deeper than it can be sure ANTLR follows; the file then goes to the ANTLR path,
// which reports exactly what it always has. So only files without errors take this path, and
// for them it builds the AST the ANTLR path builds (FastParser.* holds it to that on every
// .iwd file of the tree, generated rulesets and mutated files). Split by construct into
// fast_parser_*.cpp; the literals, strings, dates and ranges are the AST builder's own
// functions, called on the same tokens.
#pragma once

#include <antlr4-runtime.h>

#include <cstddef>
#include <memory>
#include <vector>

#include "compiler/syntax/builder.h"
#include "compiler/syntax/fast_parser_count.h"
#include "compiler/syntax/parse.h"

namespace iwd::compiler {

// The AST of the file whose tokens (every channel, the last one EOF, as lex_iwd makes them)
// are `tokens`, or null when the fast parser gives up. Reports nothing.
std::unique_ptr<SyntaxFile> fast_parse_file(const SourceManager& sm, FileId file,
                                            const std::vector<antlr4::Token*>& tokens);

class FastParser {
 public:
  FastParser(const SourceManager& sm, FileId file, const std::vector<antlr4::Token*>& tokens);
  // Throws GiveUp when the file is not one the fast parser settles.
  std::unique_ptr<SyntaxFile> parse_file();

  struct GiveUp {};

 private:
  // ---- tokens (fast_parser_decl.cpp) ----
  std::size_t type(std::size_t k = 0) const { return types_[pos_ + k]; }
  antlr4::Token* tok(std::size_t k = 0) const { return toks_[pos_ + k]; }
  antlr4::Token* take() {
    antlr4::Token* t = toks_[pos_];
    if (pos_ + 1 < end_) ++pos_;
    else give_up();  // nothing is ever taken past EOF
    return t;
  }
  antlr4::Token* expect(std::size_t t) {
    if (type() != t) give_up();
    return take();
  }
  bool accept(std::size_t t) {
    if (type() != t) return false;
    take();
    return true;
  }
  antlr4::Token* prev() const { return toks_[pos_ - 1]; }
  [[noreturn]] static void give_up() { throw GiveUp{}; }
  // From `first` to the last token taken, as the builder's range of a rule context.
  SourceRange range_from(antlr4::Token* first) const { return b_.range(first, prev()); }
  static bool is_name(std::size_t t);
  SyntaxName name();
  antlr4::Token* str();  // a closed string (an unclosed one is reported by the builder)
  bool glued_minus() const;  // `-5` in a table cell (the grammar's minusGluedToNumber)

  // ---- declarations (fast_parser_decl.cpp) ----
  SyntaxDeclPtr top_decl();
  SyntaxType type_ref();
  std::vector<SyntaxName> name_list();  // `{ a, b, }`

  // ---- expressions (fast_parser_expr.cpp) ----
  SyntaxExprPtr expr();
  SyntaxExprPtr coalesce();
  SyntaxExprPtr or_expr();
  SyntaxExprPtr and_expr();
  SyntaxExprPtr not_expr();
  SyntaxExprPtr comparison();
  SyntaxExprPtr additive();
  SyntaxExprPtr sla_value();
  SyntaxExprPtr multiplicative();
  SyntaxExprPtr unary();
  SyntaxExprPtr postfix();
  SyntaxExprPtr primary();
  SyntaxExprPtr literal();
  SyntaxExprPtr binary(antlr4::Token* op, SyntaxExprPtr lhs, SyntaxExprPtr rhs);
  template <class Next>
  SyntaxExprPtr fold(Next next, std::size_t op1, std::size_t op2);
  template <class Next>
  SyntaxExprPtr prefix(SyntaxUnaryOp op, Next operand);
  void enter();  // one level deeper; gives up past kMaxDepth
  void leave() { --depth_; }

  // ---- calendars, priority schemes, targets (fast_parser_scheme.cpp) ----
  SyntaxDeclPtr calendar();
  SyntaxTimeRange time_range();
  SyntaxPriorityBody priority_body();
  SyntaxTargetsBody targets_body();

  // ---- departments, processes, tables (fast_parser_process.cpp) ----
  SyntaxDeclPtr department();
  // After the keywords (`process`, `default process`), which start at `first`.
  std::unique_ptr<SyntaxProcess> process(SyntaxDeclKind kind, antlr4::Token* first);
  SyntaxProcessClause process_clause();
  SyntaxDeclPtr table();
  SyntaxTableCell table_cell();
  SyntaxExprPtr cell_atom();

  // ---- rule tests (fast_parser_rule_test.cpp) ----
  SyntaxDeclPtr test();
  std::vector<SyntaxField> fields();

  // Nesting (expressions, `not` and `-`) the fast parser follows: well under what ANTLR's
  // bound (kMaxNesting rule contexts, about 12 a level) lets through, so that every file it
  // settles is one ANTLR parses too.
  static constexpr unsigned kMaxDepth = 40;

  FileId file_;
  DiagnosticBag scratch_;  // what the builder's functions report: anything there, and we give up
  SyntaxBuilder b_;
  std::vector<antlr4::Token*> toks_;  // the default channel's tokens, EOF repeated after the end
  std::vector<std::size_t> types_;
  std::size_t pos_ = 0, end_ = 0;     // end_: one past the (first) EOF
  unsigned depth_ = 0;
};

}  // namespace iwd::compiler
