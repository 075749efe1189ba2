// The fast parser (fast_parser.h): rule tests (section 10), built as builder_test.cpp builds them.
#include "compiler/syntax/fast_parser.h"

namespace iwd::compiler {

// `{ name: expr, ... }`
std::vector<SyntaxField> FastParser::fields() {
  std::vector<SyntaxField> out;
  expect(P::LBRACE);
  while (type() != P::RBRACE) {
    SyntaxField field;
    field.name = name();
    expect(P::COLON);
    field.value = expr();
    out.push_back(std::move(field));
    if (!accept(P::COMMA)) break;
  }
  expect(P::RBRACE);
  return out;
}

SyntaxDeclPtr FastParser::test() {
  antlr4::Token* first = take();
  auto t = std::make_unique<SyntaxTest>();
  t->title = b_.decode_string(str());
  expect(P::LBRACE);
  while (type() != P::RBRACE) {
    SyntaxTestClause c;
    antlr4::Token* start = tok();
    if (accept(P::GIVEN)) {
      c.kind = SyntaxTestClauseKind::Given;
      c.fields = fields();
    } else if (accept(P::AT)) {
      c.kind = SyntaxTestClauseKind::At;
      c.value = expr();
    } else {
      expect(P::EXPECT);
      switch (type()) {
        case P::PROCESS:
          take();
          c.kind = SyntaxTestClauseKind::ExpectProcess;
          c.process.push_back(name());
          if (accept(P::DOT)) c.process.push_back(name());
          break;
        case P::REJECTED:
          take();
          c.kind = SyntaxTestClauseKind::ExpectRejected;
          c.text = b_.decode_string(str());
          break;
        case P::DUE:
          take();
          c.kind = SyntaxTestClauseKind::ExpectDue;
          c.value = expr();
          break;
        case P::PRIORITY:
          take();
          c.kind = SyntaxTestClauseKind::ExpectPriority;
          c.value = expr();
          expect(P::AT);
          c.age = expr();
          break;
        default:
          c.kind = SyntaxTestClauseKind::ExpectEligible;
          c.negated = accept(P::NOT);
          expect(P::ELIGIBLE);
          c.fields = fields();
          expect(P::AT);
          c.age = expr();
      }
    }
    accept(P::SEMI);
    c.range = range_from(start);
    t->clauses.push_back(std::move(c));
  }
  take();
  t->range = range_from(first);
  return t;
}

}  // namespace iwd::compiler
