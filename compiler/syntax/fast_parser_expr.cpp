// The fast parser (fast_parser.h): expressions (LANGUAGE.md section 4), one function per rule
// of grammar/IwdParser.g4, each node built as builder_expr.cpp builds it from that rule.
#include <algorithm>

#include "compiler/syntax/expr_height.h"
#include "compiler/syntax/fast_parser.h"
#include "compiler/syntax/token_kinds.h"

namespace iwd::compiler {

void FastParser::enter() {
  if (++depth_ > kMaxDepth) give_up();
}

SyntaxExprPtr FastParser::binary(antlr4::Token* op, SyntaxExprPtr lhs, SyntaxExprPtr rhs) {
  auto e = std::make_unique<SyntaxBinary>();
  e->op = *binary_op(op->getType());  // the callers pass operators only
  e->op_range = b_.range(op);
  e->range = join(lhs->range, rhs->range);
  e->lhs = std::move(lhs);
  e->rhs = std::move(rhs);
  set_height(*e, e->lhs, e->rhs);
  return e;
}

// `a op b op c`, folded to the left; a chain the builder finds too tall (E0114) is given up.
template <class Next>
SyntaxExprPtr FastParser::fold(Next next, std::size_t op1, std::size_t op2) {
  SyntaxExprPtr acc = (this->*next)();
  while (type() == op1 || type() == op2) {
    antlr4::Token* op = take();
    SyntaxExprPtr rhs = (this->*next)();
    acc = binary(op, std::move(acc), std::move(rhs));
    if (acc->height > kMaxNesting) give_up();
  }
  return acc;
}

SyntaxExprPtr FastParser::expr() {
  enter();
  SyntaxExprPtr out;
  if (type() == P::IF) {
    antlr4::Token* first = take();
    auto e = std::make_unique<SyntaxIf>();
    e->cond = expr();
    expect(P::THEN);
    e->then_expr = expr();
    expect(P::ELSE);
    e->else_expr = expr();
    e->range = range_from(first);
    set_height(*e, e->cond, e->then_expr, e->else_expr);
    out = std::move(e);
  } else {
    out = coalesce();
  }
  leave();
  return out;
}

SyntaxExprPtr FastParser::coalesce() { return fold(&FastParser::or_expr, P::QQ, P::QQ); }
SyntaxExprPtr FastParser::or_expr() { return fold(&FastParser::and_expr, P::OR, P::OR); }
SyntaxExprPtr FastParser::and_expr() { return fold(&FastParser::not_expr, P::AND, P::AND); }

// `not x`, `-x`: the operator, then `operand`.
template <class Next>
SyntaxExprPtr FastParser::prefix(SyntaxUnaryOp op, Next operand) {
  enter();
  antlr4::Token* first = take();
  auto e = std::make_unique<SyntaxUnary>();
  e->op = op;
  e->operand = (this->*operand)();
  e->range = range_from(first);
  set_height(*e, e->operand);
  leave();
  return e;
}

SyntaxExprPtr FastParser::not_expr() {
  return type() == P::NOT ? prefix(SyntaxUnaryOp::Not, &FastParser::not_expr) : comparison();
}

SyntaxExprPtr FastParser::comparison() {
  antlr4::Token* first = tok();
  SyntaxExprPtr lhs = additive();
  switch (type()) {
    case P::EQEQ: case P::NEQ: case P::LT_: case P::LE: case P::GT: case P::GE: {
      antlr4::Token* op = take();
      SyntaxExprPtr rhs = additive();
      return binary(op, std::move(lhs), std::move(rhs));
    }
    case P::ASSIGN: give_up();  // E0101: the builder reports it
    case P::NOT:
      if (type(1) != P::IN) return lhs;
      break;
    case P::IN: break;
    default: return lhs;
  }
  auto e = std::make_unique<SyntaxIn>();
  e->negated = accept(P::NOT);
  expect(P::IN);
  e->value = std::move(lhs);
  SyntaxExprPtr target = additive();
  if (accept(P::DOTDOT)) {
    e->lo = std::move(target);
    e->hi = additive();
  } else {
    e->target = std::move(target);
  }
  e->range = range_from(first);
  set_height(*e, e->value, e->lo, e->hi, e->target);
  return e;
}

SyntaxExprPtr FastParser::additive() { return fold(&FastParser::multiplicative, P::PLUS, P::MINUS); }
SyntaxExprPtr FastParser::sla_value() { return fold(&FastParser::additive, P::QQ, P::QQ); }
SyntaxExprPtr FastParser::multiplicative() { return fold(&FastParser::unary, P::STAR, P::SLASH); }

SyntaxExprPtr FastParser::unary() {
  return type() == P::MINUS ? prefix(SyntaxUnaryOp::Negate, &FastParser::unary) : postfix();
}

SyntaxExprPtr FastParser::postfix() {
  SyntaxExprPtr acc = primary();
  while (accept(P::DOT)) {
    auto e = std::make_unique<SyntaxMember>();
    e->member = name();
    e->range = join(acc->range, e->member.range);
    e->base = std::move(acc);
    set_height(*e, e->base);
    acc = std::move(e);
  }
  return acc;
}

// One literal token; those the builder reports (a bad number, an unclosed string) are given up.
SyntaxExprPtr FastParser::literal() {
  switch (type()) {
    case P::INT: case P::FLOAT: case P::STRING: case P::DURATION: case P::BUSINESS_DAYS: case P::PERCENT:
    case P::TRUE: case P::FALSE: case P::INSTANT: case P::DATE: case P::TIME:
      return b_.literal_token(take());
    default: give_up();
  }
}

SyntaxExprPtr FastParser::primary() {
  antlr4::Token* first = tok();
  const std::size_t t = type();
  if (t == P::PERCENT && type(1) == P::OF) {
    take();
    take();
    auto e = std::make_unique<SyntaxPercentOf>();
    auto lit = b_.literal_token(first);
    e->percent = as<SyntaxLiteral>(*lit).number_value;
    e->of = name();
    e->range = range_from(first);
    return e;
  }
  if (is_name(t)) {
    // The grammar's declarationAtLineStart: a declaration's keyword in the first column is
    // never a name inside an expression.
    if (first->getCharPositionInLine() == 0 && starts_declaration(t)) give_up();
    if (type(1) == P::LPAREN) {
      auto e = std::make_unique<SyntaxCall>();
      e->callee = name();
      take();
      if (type() != P::RPAREN) {
        e->args.push_back(expr());
        while (accept(P::COMMA)) e->args.push_back(expr());
      }
      expect(P::RPAREN);
      e->range = range_from(first);
      set_height_list(*e, e->args);
      return e;
    }
    auto e = std::make_unique<SyntaxNameExpr>();
    take();
    e->name = first->getText();
    e->range = b_.range(first);
    return e;
  }
  if (t == P::LPAREN) {
    take();
    SyntaxExprPtr inner = expr();
    expect(P::RPAREN);
    inner->range = range_from(first);  // the parentheses are in the range
    return inner;
  }
  if (t == P::LBRACK) {
    take();
    auto e = std::make_unique<SyntaxList>();
    if (type() != P::RBRACK) {
      e->items.push_back(expr());
      while (accept(P::COMMA) && type() != P::RBRACK) e->items.push_back(expr());
    }
    expect(P::RBRACK);
    e->range = range_from(first);
    set_height_list(*e, e->items);
    return e;
  }
  return literal();
}

}  // namespace iwd::compiler
