// Re-lexing a source file for the formatter: the code tokens and the comments (which the
// parser keeps on the hidden channel and the AST does not hold), with their positions.
// No ANTLR type appears here.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "compiler/source/source.h"

namespace iwd::compiler {

// A token or a comment. Offsets are code-point indexes into the file, [begin, end).
struct LexedToken {
  std::string text;  // UTF-8
  std::uint32_t begin = 0, end = 0;
  std::uint32_t line = 0, end_line = 0;  // 1-based; end_line differs for multi-line block comments
  std::uint32_t col = 0;                 // 1-based, code points
  bool line_comment = false;             // `// ...` (comments only)
};

struct LexedSource {
  std::vector<LexedToken> tokens;    // default-channel tokens in order, without EOF
  std::vector<LexedToken> comments;  // `//` and `/* */` comments in order
};

// Lexes the file again with the language's lexer.
LexedSource lex_source(const SourceManager& sm, FileId file);

// Just the comments of a file, in order.
std::vector<LexedToken> lex_comments(const SourceManager& sm, FileId file);

}  // namespace iwd::compiler
