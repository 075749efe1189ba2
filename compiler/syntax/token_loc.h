// Private to compiler/syntax: where an ANTLR token is, as the AST and the diagnostics locate
// it (code-point offsets, 1-based lines and columns). A token spans one line (comments, which
// may not, never start or end a node or a diagnostic).
#pragma once

#include <antlr4-runtime.h>

#include <cstdint>

#include "compiler/source/source.h"

namespace iwd::compiler {

inline SourceLoc token_begin(const antlr4::Token* t) {
  return SourceLoc{static_cast<std::uint32_t>(t->getStartIndex()), static_cast<std::uint32_t>(t->getLine()),
                   static_cast<std::uint32_t>(t->getCharPositionInLine() + 1)};
}

// Just after the token's last character.
inline SourceLoc token_end(const antlr4::Token* t) {
  const SourceLoc b = token_begin(t);
  const auto len = static_cast<std::uint32_t>(t->getStopIndex() + 1 - t->getStartIndex());
  return SourceLoc{b.offset + len, b.line, b.col + len};
}

inline SourceRange token_range(FileId file, const antlr4::Token* t) { return SourceRange{file, token_begin(t), token_end(t)}; }

}  // namespace iwd::compiler
