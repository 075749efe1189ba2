// Private to compiler/syntax: what the lexical scan learns for better syntax errors:
// which `{` is really unclosed (told by indentation, as a reader tells it), how deep in
// braces each token stands (to recognise errors that only follow an earlier one), and
// units written out in words (`1 hour`).
#pragma once

#include <antlr4-runtime.h>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace iwd::compiler {

struct BraceMap {
  struct Unclosed {
    antlr4::Token* brace = nullptr;  // the `{` that is never closed
    // Token index before which its `}` is missing: the first token that starts a line at
    // the brace line's indentation or less (or end of file).
    std::size_t missing_before = 0;
  };
  std::vector<Unclosed> unclosed;  // in source order
  // By token index: how many `{` are open before the token (counting `{` and `}`).
  std::vector<int> depth;
};

// Matches the braces of a token stream. A `}` that starts a line left of the line of the
// innermost open `{` closes an outer block, so the inner `{` is the unclosed one; when
// indentation and plain counting disagree on how many are unclosed, counting wins.
BraceMap match_braces(const std::vector<antlr4::Token*>& tokens, std::size_t lbrace, std::size_t rbrace);

// How many `{` the rules on the parser's stack have matched and not yet closed. Where it
// differs from BraceMap::depth, recovery from an earlier error has lost the structure.
int parser_brace_depth(antlr4::Parser* parser);

// "`process Gold`": the words before `brace` on its line that say what it opens (up to
// two), or "" when the line starts with the brace.
std::string block_opener(antlr4::TokenStream* stream, antlr4::Token* brace);

// A duration written with a space or a word for its unit: `1 hour`, `3 days`, `1 h 30 m`.
// `unit_word` is the token where the parser stopped; the number is the visible token before
// it, on the same line.
struct SpelledDuration {
  antlr4::Token* first = nullptr;  // the number
  antlr4::Token* last = nullptr;   // the last unit word
  std::string text;                // as it should be written: `1h`, `1h30m`, `5bd`
  bool business_days = false;      // `5 business days`, `5 working days`, `5 bd`: `5bd`
};
std::optional<SpelledDuration> spelled_duration(antlr4::TokenStream* stream, antlr4::Token* unit_word);

// The unit for a unit written as a word or apart from its number: "hours" -> "h",
// "min" -> "m", "h" -> "h". Nothing for other words.
std::optional<std::string> spelled_unit(std::string_view word);

}  // namespace iwd::compiler
