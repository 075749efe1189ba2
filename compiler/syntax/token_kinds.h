// Private to compiler/syntax: kinds of tokens the parsers' own code tells apart.
#pragma once

#include <cstddef>
#include <optional>

#include "IwdParser.h"
#include "compiler/syntax/syntax_expr.h"

namespace iwd::compiler {

// A keyword that starts a top-level declaration (the grammar's declarationAtLineStart).
inline bool starts_declaration(std::size_t type) {
  using P = iwd_grammar::IwdParser;
  switch (type) {
    case P::RULESET: case P::TIMEZONE: case P::IMPORT: case P::ENUM: case P::ATTRIBUTES: case P::SKILLS:
    case P::DEFINE: case P::CALENDAR: case P::PRIORITY: case P::TARGETS: case P::CAPACITY: case P::DEPARTMENT:
    case P::DEFAULT: case P::TEST: case P::REPORT: case P::OUTCOMES:
      return true;
    default:
      return false;
  }
}

// The binary operator a token stands for, if any. `=` is read as `==` (the AST builder reports
// it, E0101).
inline std::optional<SyntaxBinaryOp> binary_op(std::size_t token_type) {
  using P = iwd_grammar::IwdParser;
  switch (token_type) {
    case P::QQ: return SyntaxBinaryOp::Coalesce;
    case P::OR: return SyntaxBinaryOp::Or;
    case P::AND: return SyntaxBinaryOp::And;
    case P::EQEQ:
    case P::ASSIGN: return SyntaxBinaryOp::Eq;
    case P::NEQ: return SyntaxBinaryOp::Ne;
    case P::LT_: return SyntaxBinaryOp::Lt;
    case P::LE: return SyntaxBinaryOp::Le;
    case P::GT: return SyntaxBinaryOp::Gt;
    case P::GE: return SyntaxBinaryOp::Ge;
    case P::PLUS: return SyntaxBinaryOp::Add;
    case P::MINUS: return SyntaxBinaryOp::Sub;
    case P::STAR: return SyntaxBinaryOp::Mul;
    case P::SLASH: return SyntaxBinaryOp::Div;
    default: return std::nullopt;
  }
}

}  // namespace iwd::compiler
