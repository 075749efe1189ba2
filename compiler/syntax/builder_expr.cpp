// AST builder: expressions (LANGUAGE.md section 4).
#include <fmt/format.h>

#include <algorithm>

#include "compiler/syntax/builder.h"
#include "compiler/syntax/expr_height.h"
#include "compiler/syntax/parse.h"
#include "compiler/syntax/token_kinds.h"

namespace iwd::compiler {
namespace {

using antlr4::tree::ParseTree;
using antlr4::tree::TerminalNode;

SyntaxExprPtr make_binary(SyntaxBuilder& b, SyntaxBinaryOp op, SyntaxExprPtr lhs, SyntaxExprPtr rhs,
                          antlr4::Token* op_tok) {
  auto e = std::make_unique<SyntaxBinary>();
  e->op = op;
  e->op_range = b.range(op_tok);
  if (lhs && rhs) e->range = join(lhs->range, rhs->range);
  else e->range = e->op_range;
  e->lhs = std::move(lhs);
  e->rhs = std::move(rhs);
  set_height(*e, e->lhs, e->rhs);
  return e;
}

// Folds `a op b op c` (operators as terminal children between operand contexts) to the left.
template <class OperandCtx, class Fn>
SyntaxExprPtr fold_left(SyntaxBuilder& b, antlr4::ParserRuleContext* ctx, Fn&& operand) {
  SyntaxExprPtr acc;
  antlr4::Token* pending_op = nullptr;
  for (ParseTree* child : ctx->children) {
    if (auto* sub = dynamic_cast<OperandCtx*>(child)) {
      auto rhs = operand(sub);
      if (!acc) {
        acc = std::move(rhs);
      } else if (pending_op) {
        acc = make_binary(b, *binary_op(pending_op->getType()), std::move(acc), std::move(rhs), pending_op);
        if (acc->height > kMaxNesting) {
          // A chain of thousands of operators: its left-deep tree would overflow the stack of
          // every stage that walks it.
          report_too_deep(b.diags(), b.range(pending_op), fmt::format("more than {} levels of operators", kMaxNesting));
          return nullptr;
        }
        pending_op = nullptr;
      }
    } else if (auto* term = dynamic_cast<TerminalNode*>(child)) {
      if (binary_op(term->getSymbol()->getType())) pending_op = term->getSymbol();
    }
  }
  return acc;
}

}  // namespace

SyntaxExprPtr SyntaxBuilder::expr(P::ExprContext* ctx) {
  if (missing(ctx)) return nullptr;
  if (auto* c = dynamic_cast<P::IfExprContext*>(ctx)) {
    auto e = std::make_unique<SyntaxIf>();
    e->range = range(c);
    auto parts = c->expr();
    if (parts.size() > 0) e->cond = expr(parts[0]);
    if (parts.size() > 1) e->then_expr = expr(parts[1]);
    if (parts.size() > 2) e->else_expr = expr(parts[2]);
    set_height(*e, e->cond, e->then_expr, e->else_expr);
    return e;
  }
  if (auto* c = dynamic_cast<P::PlainExprContext*>(ctx)) return coalesce(c->coalesceExpr());
  return nullptr;
}

SyntaxExprPtr SyntaxBuilder::coalesce(P::CoalesceExprContext* ctx) {
  if (missing(ctx)) return nullptr;
  return fold_left<P::OrExprContext>(*this, ctx, [this](auto* c) { return or_expr(c); });
}

SyntaxExprPtr SyntaxBuilder::or_expr(P::OrExprContext* ctx) {
  if (missing(ctx)) return nullptr;
  return fold_left<P::AndExprContext>(*this, ctx, [this](auto* c) { return and_expr(c); });
}

SyntaxExprPtr SyntaxBuilder::and_expr(P::AndExprContext* ctx) {
  if (missing(ctx)) return nullptr;
  return fold_left<P::NotExprContext>(*this, ctx, [this](auto* c) { return not_expr(c); });
}

SyntaxExprPtr SyntaxBuilder::not_expr(P::NotExprContext* ctx) {
  if (missing(ctx)) return nullptr;
  if (auto* c = dynamic_cast<P::NotOpContext*>(ctx)) {
    auto e = std::make_unique<SyntaxUnary>();
    e->op = SyntaxUnaryOp::Not;
    e->range = range(c);
    e->operand = not_expr(c->notExpr());
    set_height(*e, e->operand);
    return e;
  }
  if (auto* c = dynamic_cast<P::NotPassContext*>(ctx)) return comparison(c->comparisonExpr());
  return nullptr;
}

SyntaxExprPtr SyntaxBuilder::comparison(P::ComparisonExprContext* ctx) {
  if (missing(ctx)) return nullptr;
  if (auto* c = dynamic_cast<P::CompareContext*>(ctx)) {
    auto sides = c->additiveExpr();
    if (!c->compareOp() || sides.size() < 2) return sides.empty() ? nullptr : additive(sides[0]);
    if (auto* assign = c->compareOp()->ASSIGN()) {
      const SourceRange r = range(assign);
      report("E0101", r, "`=` does not compare: to test equality write `==`").fixits.push_back({r, "==", "write `==`"});
    }
    return make_binary(*this, *binary_op(c->compareOp()->start->getType()), additive(sides[0]),
                       additive(sides[1]), c->compareOp()->start);
  }
  if (auto* c = dynamic_cast<P::MembershipContext*>(ctx)) {
    auto e = std::make_unique<SyntaxIn>();
    e->range = range(c);
    e->negated = c->NOT() != nullptr;
    e->value = additive(c->additiveExpr());
    if (auto* r = dynamic_cast<P::InRangeContext*>(c->inTarget())) {
      auto ends = r->additiveExpr();
      if (ends.size() > 0) e->lo = additive(ends[0]);
      if (ends.size() > 1) e->hi = additive(ends[1]);
    } else if (auto* v = dynamic_cast<P::InValueContext*>(c->inTarget())) {
      e->target = additive(v->additiveExpr());
    }
    set_height(*e, e->value, e->lo, e->hi, e->target);
    return e;
  }
  return nullptr;
}

SyntaxExprPtr SyntaxBuilder::additive(P::AdditiveExprContext* ctx) {
  if (missing(ctx)) return nullptr;
  return fold_left<P::MultiplicativeExprContext>(*this, ctx,
                                                 [this](auto* c) { return multiplicative(c); });
}

SyntaxExprPtr SyntaxBuilder::sla_value(P::SlaValueContext* ctx) {
  if (missing(ctx)) return nullptr;
  return fold_left<P::AdditiveExprContext>(*this, ctx, [this](auto* c) { return additive(c); });
}

SyntaxExprPtr SyntaxBuilder::multiplicative(P::MultiplicativeExprContext* ctx) {
  if (missing(ctx)) return nullptr;
  return fold_left<P::UnaryExprContext>(*this, ctx, [this](auto* c) { return unary(c); });
}

SyntaxExprPtr SyntaxBuilder::unary(P::UnaryExprContext* ctx) {
  if (missing(ctx)) return nullptr;
  if (auto* c = dynamic_cast<P::NegateContext*>(ctx)) {
    auto e = std::make_unique<SyntaxUnary>();
    e->op = SyntaxUnaryOp::Negate;
    e->range = range(c);
    e->operand = unary(c->unaryExpr());
    set_height(*e, e->operand);
    return e;
  }
  if (auto* c = dynamic_cast<P::UnaryPassContext*>(ctx)) return postfix(c->postfixExpr());
  return nullptr;
}

SyntaxExprPtr SyntaxBuilder::postfix(P::PostfixExprContext* ctx) {
  if (missing(ctx)) return nullptr;
  SyntaxExprPtr acc = primary(ctx->primary());
  for (auto* n : ctx->name()) {
    auto e = std::make_unique<SyntaxMember>();
    e->member = name(n);
    e->range = acc ? join(acc->range, e->member.range) : e->member.range;
    e->base = std::move(acc);
    set_height(*e, e->base);
    acc = std::move(e);
  }
  return acc;
}

SyntaxExprPtr SyntaxBuilder::primary(P::PrimaryContext* ctx) {
  if (missing(ctx)) return nullptr;
  if (auto* c = dynamic_cast<P::LiteralExprContext*>(ctx)) return literal(c->literal());
  if (auto* c = dynamic_cast<P::PercentOfExprContext*>(ctx)) {
    auto e = std::make_unique<SyntaxPercentOf>();
    e->range = range(c);
    auto lit = literal_token(c->PERCENT()->getSymbol());
    e->percent = as<SyntaxLiteral>(*lit).number_value;
    e->of = name(c->name());
    return e;
  }
  if (auto* c = dynamic_cast<P::CallExprContext*>(ctx)) {
    auto e = std::make_unique<SyntaxCall>();
    e->range = range(c);
    e->callee = name(c->name());
    for (auto* a : c->expr())
      if (auto arg = expr(a)) e->args.push_back(std::move(arg));
    set_height_list(*e, e->args);
    return e;
  }
  if (auto* c = dynamic_cast<P::NameExprContext*>(ctx)) {
    auto e = std::make_unique<SyntaxNameExpr>();
    auto n = name(c->name());
    if (n.text.empty()) return nullptr;
    e->name = std::move(n.text);
    e->range = n.range;
    return e;
  }
  if (auto* c = dynamic_cast<P::ParenExprContext*>(ctx)) {
    auto inner = expr(c->expr());
    if (inner) inner->range = range(c);  // keep the parentheses in the range
    return inner;
  }
  if (auto* c = dynamic_cast<P::ListExprContext*>(ctx)) {
    auto e = std::make_unique<SyntaxList>();
    e->range = range(c);
    for (auto* item : c->expr())
      if (auto v = expr(item)) e->items.push_back(std::move(v));
    set_height_list(*e, e->items);
    return e;
  }
  return nullptr;
}

}  // namespace iwd::compiler
