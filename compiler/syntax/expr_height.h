// Private to compiler/syntax: an expression's height (SyntaxExpr::height) from its children's,
// as both builders of the AST (the ANTLR tree's, builder_expr.cpp, and the fast parser's) set it.
#pragma once

#include <algorithm>
#include <cstdint>
#include <vector>

#include "compiler/syntax/syntax_expr.h"

namespace iwd::compiler {

inline std::uint32_t height_of(const SyntaxExprPtr& e) { return e ? e->height : 0; }

// Sets e's height from its children's.
template <class... Children>
void set_height(SyntaxExpr& e, const Children&... children) {
  std::uint32_t h = 0;
  ((h = std::max(h, height_of(children))), ...);
  e.height = h + 1;
}

inline void set_height_list(SyntaxExpr& e, const std::vector<SyntaxExprPtr>& children) {
  std::uint32_t h = 0;
  for (const auto& c : children) h = std::max(h, height_of(c));
  e.height = h + 1;
}

}  // namespace iwd::compiler
