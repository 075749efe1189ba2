// The tokens parse_file reads, printed (for tests of its hand-written lexer, fast_lexer.h).
#pragma once

#include <string>

namespace iwd::compiler {

// The tokens of `text` (its invalid UTF-8 replaced as parse_file does), one a line: type,
// channel, code-point start..stop, line:column (from 0), index, text; as parse_file's
// hand-written lexer makes them, or with `antlr` as ANTLR's generated IwdLexer does. The
// tests hold the first to the second.
std::string dump_tokens(const std::string& text, bool antlr);
// The same for the tokens of parse_file's hand-written parser (FastTokens).
std::string dump_fast_tokens(const std::string& text);

}  // namespace iwd::compiler
