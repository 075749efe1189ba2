// AST builder: rule tests (section 10).
#include "compiler/syntax/builder.h"

namespace iwd::compiler {
namespace {

std::vector<SyntaxField> fields(SyntaxBuilder& b, const std::vector<P::FieldInitContext*>& inits) {
  std::vector<SyntaxField> out;
  for (auto* f : inits) {
    SyntaxField field;
    field.name = b.name(f->name());
    field.value = b.expr(f->expr());
    out.push_back(std::move(field));
  }
  return out;
}

}  // namespace

SyntaxDeclPtr SyntaxBuilder::test(P::TestDeclContext* ctx) {
  auto t = std::make_unique<SyntaxTest>();
  t->range = range(ctx);
  if (ctx->str()) t->title = decode_string(ctx->str()->start);
  for (auto* clause : ctx->testClause()) {
    SyntaxTestClause c;
    c.range = range(clause);
    if (auto* x = dynamic_cast<P::TestGivenContext*>(clause)) {
      c.kind = SyntaxTestClauseKind::Given;
      c.fields = fields(*this, x->fieldInit());
    } else if (auto* x = dynamic_cast<P::TestAtContext*>(clause)) {
      c.kind = SyntaxTestClauseKind::At;
      c.value = expr(x->expr());
    } else if (auto* x = dynamic_cast<P::ExpectProcessContext*>(clause)) {
      c.kind = SyntaxTestClauseKind::ExpectProcess;
      for (auto* n : x->name()) c.process.push_back(name(n));
    } else if (auto* x = dynamic_cast<P::ExpectRejectedContext*>(clause)) {
      c.kind = SyntaxTestClauseKind::ExpectRejected;
      if (x->str()) c.text = decode_string(x->str()->start);
    } else if (auto* x = dynamic_cast<P::ExpectDueContext*>(clause)) {
      c.kind = SyntaxTestClauseKind::ExpectDue;
      c.value = expr(x->expr());
    } else if (auto* x = dynamic_cast<P::ExpectPriorityContext*>(clause)) {
      c.kind = SyntaxTestClauseKind::ExpectPriority;
      auto parts = x->expr();
      if (parts.size() > 0) c.value = expr(parts[0]);
      if (parts.size() > 1) c.age = expr(parts[1]);
    } else if (auto* x = dynamic_cast<P::ExpectEligibleContext*>(clause)) {
      c.kind = SyntaxTestClauseKind::ExpectEligible;
      c.negated = x->NOT() != nullptr;
      c.fields = fields(*this, x->fieldInit());
      c.age = expr(x->expr());
    } else {
      continue;
    }
    t->clauses.push_back(std::move(c));
  }
  return t;
}

}  // namespace iwd::compiler
