// Hints for syntax errors: brace matching by indentation, brace depth per token, and
// units written out in words. See syntax_hints.h.
#include "compiler/syntax/syntax_hints.h"

#include "IwdParser.h"
#include "stdlib/time.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <map>
#include <utility>

namespace iwd::compiler {
namespace {

bool visible(const antlr4::Token* t) {
  return t->getChannel() == antlr4::Token::DEFAULT_CHANNEL && t->getType() != antlr4::Token::EOF;
}

// The visible token before (step -1) or after (step +1) index `from` in the stream.
antlr4::Token* neighbour(antlr4::TokenStream* stream, std::size_t from, int step) {
  const auto size = static_cast<long>(stream->size());
  for (long i = static_cast<long>(from) + step; i >= 0 && i < size; i += step) {
    auto* t = stream->get(static_cast<std::size_t>(i));
    if (t->getChannel() == antlr4::Token::DEFAULT_CHANNEL) return t;
  }
  return nullptr;
}

bool is_number(const antlr4::Token* t) {
  using P = iwd_grammar::IwdParser;
  return t != nullptr && (t->getType() == P::INT || t->getType() == P::FLOAT);
}

// A name or a soft keyword (`min` is one).
bool is_word(const antlr4::Token* t) {
  using P = iwd_grammar::IwdParser;
  return t != nullptr && (t->getType() == P::ID || (t->getType() >= P::ADD && t->getType() <= P::WITHIN));
}

}  // namespace

int parser_brace_depth(antlr4::Parser* parser) {
  using P = iwd_grammar::IwdParser;
  int depth = 0;
  for (auto* ctx = parser->getContext(); ctx != nullptr; ctx = dynamic_cast<antlr4::ParserRuleContext*>(ctx->parent))
    for (auto* child : ctx->children) {
      auto* term = dynamic_cast<antlr4::tree::TerminalNode*>(child);
      if (term == nullptr || dynamic_cast<antlr4::tree::ErrorNode*>(child) != nullptr) continue;
      const auto type = term->getSymbol()->getType();
      if (type == P::LBRACE) ++depth;
      else if (type == P::RBRACE) --depth;
    }
  return depth;
}

std::string block_opener(antlr4::TokenStream* stream, antlr4::Token* brace) {
  std::vector<std::string> words;
  for (long i = static_cast<long>(brace->getTokenIndex()) - 1; i >= 0; --i) {
    auto* t = stream->get(static_cast<std::size_t>(i));
    if (t->getLine() != brace->getLine()) break;
    if (t->getChannel() == antlr4::Token::DEFAULT_CHANNEL) words.insert(words.begin(), t->getText());
  }
  if (words.empty()) return "";
  // `process Gold`, `default process Other`, `targets`: the keyword(s) and the name.
  const std::size_t keep = std::min<std::size_t>(words.size(), words[0] == "default" ? 3 : 2);
  std::string out;
  for (std::size_t i = 0; i < keep; ++i) {
    if (words[i] == "when" || words[i] == "{" || words[i] == "}") break;
    out += (out.empty() ? "" : " ") + words[i];
  }
  return "`" + out + "`";
}

std::optional<SpelledDuration> spelled_duration(antlr4::TokenStream* stream, antlr4::Token* unit_word) {
  if (!is_word(unit_word) || unit_word->getTokenIndex() == 0) return std::nullopt;
  auto* number = neighbour(stream, unit_word->getTokenIndex(), -1);
  // Business days (LANGUAGE.md 1.1 section 6): `5 bd`, `5 workdays`, `5 business days`,
  // `5 working days`: a whole number.
  if (is_number(number) && number->getLine() == unit_word->getLine() &&
      number->getText().find('.') == std::string::npos) {
    std::string w = unit_word->getText();
    for (auto& c : w) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    antlr4::Token* last = nullptr;
    if (w == "bd" || w == "workday" || w == "workdays" || w == "businessday" || w == "businessdays") {
      last = unit_word;
    } else if (w == "business" || w == "working" || w == "work") {
      auto* day = neighbour(stream, unit_word->getTokenIndex(), +1);
      if (is_word(day) && day->getLine() == unit_word->getLine() && (day->getText() == "day" || day->getText() == "days"))
        last = day;
    }
    if (last) return SpelledDuration{number, last, number->getText() + "bd", true};
  }
  auto unit = spelled_unit(unit_word->getText());
  if (!is_number(number) || !unit || number->getLine() != unit_word->getLine()) return std::nullopt;
  SpelledDuration out{number, unit_word, number->getText() + *unit};
  // Later parts on the same line: `1 hour 30 minutes`, `1h 30m` is not one of them.
  for (;;) {
    auto* n = neighbour(stream, out.last->getTokenIndex(), +1);
    auto* w = n ? neighbour(stream, n->getTokenIndex(), +1) : nullptr;
    auto more = w ? spelled_unit(w->getText()) : std::nullopt;
    if (!is_number(n) || !is_word(w) || !more || w->getLine() != unit_word->getLine()) break;
    const std::string longer = out.text + n->getText() + *more;
    if (!stdlib::parse_duration(longer).ok()) break;
    out.text = longer;
    out.last = w;
  }
  return out;
}

BraceMap match_braces(const std::vector<antlr4::Token*>& tokens, std::size_t lbrace, std::size_t rbrace) {
  BraceMap out;
  out.depth.assign(tokens.size() + 1, 0);

  // The indentation of each line: the column of its first visible token.
  std::map<std::size_t, std::size_t> indent;
  std::vector<bool> starts_line(tokens.size(), false);
  for (std::size_t i = 0; i < tokens.size(); ++i) {
    const auto* t = tokens[i];
    if (!visible(t)) continue;
    if (indent.emplace(t->getLine(), t->getCharPositionInLine()).second) starts_line[i] = true;
  }
  auto indent_of = [&](const antlr4::Token* t) { return indent[t->getLine()]; };

  // Plain counting, and matching by indentation, side by side.
  std::vector<std::size_t> counted;                       // indices of open `{`
  std::vector<std::size_t> by_indent;                     // indices of open `{`
  std::vector<std::size_t> indent_unclosed;               // indices, as found
  for (std::size_t i = 0; i < tokens.size(); ++i) {
    out.depth[i] = static_cast<int>(counted.size());
    const auto* t = tokens[i];
    if (!visible(t)) continue;
    if (t->getType() == lbrace) {
      counted.push_back(i);
      by_indent.push_back(i);
    } else if (t->getType() == rbrace) {
      if (!counted.empty()) counted.pop_back();
      if (starts_line[i]) {
        // A `}` left of the innermost open block's line closes an outer block, if one
        // starts at its indentation or less.
        const std::size_t col = t->getCharPositionInLine();
        while (by_indent.size() > 1 && tokens[by_indent.back()]->getLine() != t->getLine() &&
               indent_of(tokens[by_indent.back()]) > col) {
          bool outer_fits = false;
          for (std::size_t k = 0; k + 1 < by_indent.size() && !outer_fits; ++k)
            outer_fits = indent_of(tokens[by_indent[k]]) <= col;
          if (!outer_fits) break;
          indent_unclosed.push_back(by_indent.back());
          by_indent.pop_back();
        }
      }
      if (!by_indent.empty()) by_indent.pop_back();
    }
  }
  out.depth[tokens.size()] = static_cast<int>(counted.size());
  indent_unclosed.insert(indent_unclosed.end(), by_indent.begin(), by_indent.end());

  const std::vector<std::size_t>& chosen = indent_unclosed.size() == counted.size() ? indent_unclosed : counted;
  std::vector<std::size_t> sorted(chosen.begin(), chosen.end());
  std::sort(sorted.begin(), sorted.end());
  for (std::size_t b : sorted) {
    BraceMap::Unclosed u;
    u.brace = tokens[b];
    u.missing_before = tokens.empty() ? 0 : tokens.size() - 1;  // the EOF token
    const std::size_t line = u.brace->getLine();
    const std::size_t col = indent_of(u.brace);
    for (std::size_t i = b + 1; i < tokens.size(); ++i)
      if (starts_line[i] && tokens[i]->getLine() > line && tokens[i]->getCharPositionInLine() <= col) {
        u.missing_before = i;
        break;
      }
    out.unclosed.push_back(u);
  }
  return out;
}

std::optional<std::string> spelled_unit(std::string_view word) {
  static const std::array<std::pair<const char*, const char*>, 28> kWords = {{
      {"ms", "ms"},  {"msec", "ms"}, {"msecs", "ms"}, {"millisecond", "ms"}, {"milliseconds", "ms"},
      {"s", "s"},    {"sec", "s"},   {"secs", "s"},   {"second", "s"},       {"seconds", "s"},
      {"m", "m"},    {"min", "m"},   {"mins", "m"},   {"minute", "m"},       {"minutes", "m"},
      {"h", "h"},    {"hr", "h"},    {"hrs", "h"},    {"hour", "h"},         {"hours", "h"},
      {"d", "d"},    {"day", "d"},   {"days", "d"},   {"w", "w"},            {"wk", "w"},
      {"wks", "w"},  {"week", "w"},  {"weeks", "w"},
  }};
  std::string lower(word);
  for (auto& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  for (const auto& [w, unit] : kWords)
    if (lower == w) return std::string(unit);
  return std::nullopt;
}

}  // namespace iwd::compiler
