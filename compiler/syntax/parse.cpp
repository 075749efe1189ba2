// Source text to AST: lexical scan, ANTLR parse with analyst-worded errors, AST build.
#include "compiler/syntax/parse.h"

#include <algorithm>

#include "IwdLexer.h"
#include "compiler/syntax/bounded_parser.h"
#include "compiler/syntax/builder.h"
#include "compiler/syntax/fast_lexer.h"
#include "compiler/syntax/fast_parser.h"
#include "compiler/syntax/parse_chunks.h"
#include "compiler/syntax/syntax_error.h"
#include "compiler/syntax/syntax_hints.h"
#include "compiler/syntax/token_loc.h"
#include "compiler/syntax/token_dump.h"

namespace iwd::compiler {
namespace {

using L = iwd_grammar::IwdLexer;

// Reports what the lexer let through as tokens of their own (unknown characters, an
// unclosed comment) and matches the braces. `&&`, `&` and `||` are reported here and then
// read as `and` and `or`, so that the rest of the condition parses without follow-on
// errors; the indices of the tokens reported here go to *reported_tokens.
BraceMap lexical_scan(FileId file, antlr4::CommonTokenStream& tokens, DiagnosticBag& diags,
                      std::set<std::size_t>* reported_tokens) {
  int reported = 0;
  bool skip_next = false;
  const auto& all = tokens.getTokens();
  // The second of two glued tokens (`&&`, `||`), or nothing.
  auto glued_next = [&](antlr4::Token* t, std::size_t type) -> antlr4::Token* {
    const std::size_t next = t->getTokenIndex() + 1;
    if (next < all.size() && all[next]->getType() == type && all[next]->getStartIndex() == t->getStopIndex() + 1)
      return all[next];
    return nullptr;
  };
  // Reads `first` (and `second`, hidden) as the keyword `type`.
  auto read_as = [&](antlr4::Token* first, antlr4::Token* second, std::size_t type) {
    if (auto* w = dynamic_cast<antlr4::WritableToken*>(first)) w->setType(type);
    if (auto* w = dynamic_cast<antlr4::WritableToken*>(second)) w->setChannel(antlr4::Token::HIDDEN_CHANNEL);
    reported_tokens->insert(first->getTokenIndex());
  };
  for (auto* t : all) {
    if (skip_next) {
      skip_next = false;
      continue;
    }
    switch (t->getType()) {
      case L::UNKNOWN_CHAR: {
        if (++reported > kMaxSyntaxErrors) break;
        const std::string text = t->getText();
        SourceRange r = token_range(file, t);
        if (text == "&") {
          // `&&` is one mistake, not two.
          antlr4::Token* second = glued_next(t, L::UNKNOWN_CHAR);
          if (second && second->getText() != "&") second = nullptr;
          if (second) {
            skip_next = true;
            r.end.offset += 1;
            r.end.col += 1;
          }
          auto& d = diags.report("E0105", r,
                                 fmt::format("`{}` is not an operator of the language: to join conditions write `and`",
                                             second ? "&&" : "&"));
          d.fixits.push_back({r, "and", "write `and`"});
          read_as(t, second, L::AND);
          break;
        }
        reported_tokens->insert(t->getTokenIndex());
        auto& d = diags.report("E0105", r, fmt::format("unexpected character `{}`", text == "\t" ? "\\t" : text));
        if (static_cast<unsigned char>(text[0]) >= 0x80)
          d.notes.push_back("names are made of ASCII letters, digits and `_`; other characters may appear in strings and comments");
        else if (text == "!") {
          d.notes.push_back("write `not` to negate a condition and `!=` for 'not equal'");
          read_as(t, nullptr, L::NOT);
        }
        else if (text == "'") d.notes.push_back("strings are written in double quotes: \"text\"");
        else if (text == "#") d.notes.push_back("comments start with `//` or are written /* like this */");
        break;
      }
      case L::PIPE: {
        // `||` never fits the grammar (a table has no empty cell): it is meant as `or`.
        antlr4::Token* second = glued_next(t, L::PIPE);
        if (second == nullptr) break;
        skip_next = true;
        SourceRange r = token_range(file, t);
        r.end.offset += 1;
        r.end.col += 1;
        diags.report("E0101", r, "`||` is not an operator of the language: to join conditions write `or`")
            .fixits.push_back({r, "or", "write `or`"});
        read_as(t, second, L::OR);
        break;
      }
      case L::UNTERMINATED_COMMENT: {
        SourceRange r = token_range(file, t);
        r.end = r.begin;
        r.end.offset += 2;
        r.end.col += 2;
        diags.report("E0106", r, "this comment is never closed: `*/` is missing");
        break;
      }
      default: break;
    }
  }
  return match_braces(all, L::LBRACE, L::RBRACE);
}

// Whether lexical_scan would report something on these tokens (then the file is ANTLR's).
bool lexical_scan_reports(const std::vector<antlr4::Token*>& all) {
  for (std::size_t i = 0; i < all.size(); ++i) {
    const std::size_t type = all[i]->getType();
    if (type == L::UNKNOWN_CHAR || type == L::UNTERMINATED_COMMENT) return true;
    if (type == L::PIPE && i + 1 < all.size() && all[i + 1]->getType() == L::PIPE) return true;  // `||`
  }
  return false;
}

// A run of prefix operators (`- - - x`, `not not x`) makes ANTLR's prediction recurse once
// per operator before any rule is entered (where BoundedParser counts): refused first.
bool prefix_run_too_long(FileId file, const std::vector<antlr4::Token*>& all, DiagnosticBag& diags) {
  std::size_t run = 0;
  for (auto* t : all) {
    if (t->getChannel() != antlr4::Token::DEFAULT_CHANNEL) continue;
    run = t->getType() == L::MINUS || t->getType() == L::NOT ? run + 1 : 0;
    if (run > kMaxPrefixRun) {
      report_too_deep(diags, token_range(file, t), fmt::format("more than {} `-` or `not` in a row", kMaxPrefixRun));
      return true;
    }
  }
  return false;
}

// Replaces each byte that is not part of a valid UTF-8 sequence by U+FFFD (so code-point
// positions stay those of SourceManager's count) and reports the first one.
std::string valid_utf8(FileId file, const std::string& text, DiagnosticBag& diags) {
  // An ASCII text (the usual one) is valid as it is: copied at once, not a character at a time.
  if (std::all_of(text.begin(), text.end(), [](char c) { return static_cast<unsigned char>(c) < 0x80; })) return text;
  std::string out;
  out.reserve(text.size());
  bool reported = false;
  std::uint32_t line = 1, col = 1, offset = 0;
  for (std::size_t i = 0; i < text.size();) {
    const auto c = static_cast<unsigned char>(text[i]);
    std::size_t len = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xE ? 3 : (c >> 3) == 0x1E ? 4 : 0;
    bool ok = len != 0 && i + len <= text.size();
    for (std::size_t k = 1; ok && k < len; ++k) ok = (static_cast<unsigned char>(text[i + k]) & 0xC0) == 0x80;
    if (ok && len > 1) {
      // Reject overlong forms, surrogates and code points past U+10FFFF.
      std::uint32_t cp = c & (0xFF >> (len + 1));
      for (std::size_t k = 1; k < len; ++k) cp = (cp << 6) | (static_cast<unsigned char>(text[i + k]) & 0x3F);
      static constexpr std::uint32_t kMin[] = {0, 0, 0x80, 0x800, 0x10000};
      ok = cp >= kMin[len] && cp <= 0x10FFFF && !(cp >= 0xD800 && cp <= 0xDFFF);
    }
    if (!ok) {
      if (!reported) {
        reported = true;
        SourceRange r{file, {offset, line, col}, {offset + 1, line, col + 1}};
        diags.report("E0113", r, "this file is not valid UTF-8: a byte here is not part of any character")
            .notes.push_back("save the file as UTF-8");
      }
      out += "\xEF\xBF\xBD";
      len = 1;
    } else {
      out.append(text, i, len);
    }
    if (c == '\n') ++line, col = 1;
    else ++col;
    ++offset;
    i += len;
  }
  return out;
}

}  // namespace

void report_too_deep(DiagnosticBag& diags, SourceRange range, std::string_view why) {
  diags.report("E0114", range, fmt::format("this expression nests too deeply: {}", why))
      .notes.push_back("split it into defines (`define part = ...`) and combine those");
}

std::unique_ptr<SyntaxFile> parse_file(const SourceManager& sm, FileId file, DiagnosticBag& diags) {
  return parse_file(sm, file, diags, ParseOptions{});
}

std::unique_ptr<SyntaxFile> parse_file(const SourceManager& sm, FileId file, DiagnosticBag& diags,
                                       const ParseOptions& options, ParseStats* stats) {
  if (stats) *stats = ParseStats{};
  const std::size_t diags_before = diags.all().size();
  const SourceFile& src = sm.file(file);
  std::string text = valid_utf8(file, src.text, diags);
  // The hand-written parser first (fast_parser.h), for a file with nothing to report so far
  // (no invalid UTF-8, nothing lexical_scan reports); it gives up on anything it does not
  // expect, and the file goes on to ANTLR. Its tokens are FastTokens: no UTF-32 copy of an
  // ASCII file, no ANTLR token objects; the ANTLR path below makes its own.
  if (diags.all().size() == diags_before && fast_parser_allowed()) {
    const FastTokens fast(text);
    if (prefix_run_too_long(file, fast.tokens(), diags)) return std::make_unique<SyntaxFile>(SyntaxFile{file, {}});
    if (!lexical_scan_reports(fast.tokens()))
      if (auto ast = fast_parse_file(sm, file, fast.tokens())) return ast;
  }
  CodePointStream input(text);
  L lexer(&input);  // the tokens' source, as if it had made them
  lexer.removeErrorListeners();
  LexedTokenStream tokens(&lexer, lex_iwd(input.code_points(), &lexer, &input));
  if (prefix_run_too_long(file, tokens.getTokens(), diags)) return std::make_unique<SyntaxFile>(SyntaxFile{file, {}});
  std::set<std::size_t> reported_tokens;
  BraceMap braces = lexical_scan(file, tokens, diags, &reported_tokens);
  if (options.chunk_tokens != 0) {
    if (auto decls = parse_in_chunks(sm, file, tokens.getTokens(), &lexer, diags, options, stats))
      return std::make_unique<SyntaxFile>(SyntaxFile{file, std::move(*decls)});
  }
  SyntaxErrorListener listener(file, diags, std::move(braces), std::move(reported_tokens));
  BoundedParser parser(&tokens);
  parser.removeErrorListeners();

  // Two stages, the usual way to make ANTLR fast: SLL prediction with no recovery first,
  // which settles almost every valid file (parse_in_chunks does the same a declaration at a
  // time); then, only if that fails, full LL with error recovery and our worded errors.
  P::FileContext* tree = nullptr;
  parser.getInterpreter<antlr4::atn::ParserATNSimulator>()->setPredictionMode(antlr4::atn::PredictionMode::SLL);
  parser.setErrorHandler(std::make_shared<antlr4::BailErrorStrategy>());
  auto stop_too_deep = [&] {
    report_too_deep(diags, token_range(file, parser.too_deep),
                    fmt::format("the parser follows at most {} levels (about {} nested parentheses or `if`s)",
                                kMaxNesting, kMaxNesting / 11));
    return std::make_unique<SyntaxFile>(SyntaxFile{file, {}});
  };
  try {
    tree = parser.file();
  } catch (const antlr4::ParseCancellationException&) {
    if (parser.too_deep != nullptr) return stop_too_deep();
    tree = nullptr;
  }
  if (tree == nullptr) {
    tokens.seek(0);
    parser.reset();
    parser.restart();
    parser.getInterpreter<antlr4::atn::ParserATNSimulator>()->setPredictionMode(antlr4::atn::PredictionMode::LL);
    parser.setErrorHandler(std::make_shared<antlr4::DefaultErrorStrategy>());
    parser.addErrorListener(&listener);
    try {
      tree = parser.file();
    } catch (const antlr4::ParseCancellationException&) {
      if (parser.too_deep != nullptr) return stop_too_deep();
      return std::make_unique<SyntaxFile>(SyntaxFile{file, {}});  // too many errors to go on
    }
  }
  SyntaxBuilder builder(sm, file, diags);
  return builder.build_file(tree);
}

namespace {

std::string dump_token(const antlr4::Token* t) {
  return fmt::format("{} {} {}..{} {}:{} #{} {}\n", static_cast<long long>(t->getType()), t->getChannel(),
                     t->getStartIndex(), static_cast<long long>(t->getStopIndex()), t->getLine(),
                     t->getCharPositionInLine(), t->getTokenIndex(), t->getText());
}

}  // namespace

std::string dump_tokens(const std::string& text, bool antlr) {
  DiagnosticBag ignored;
  CodePointStream input(valid_utf8(FileId{0}, text, ignored));  // as parse_file does
  L lexer(&input);
  lexer.removeErrorListeners();
  std::vector<std::unique_ptr<antlr4::Token>> made;
  std::vector<antlr4::Token*> tokens;
  antlr4::CommonTokenStream stream(&lexer);
  if (antlr) {
    stream.fill();
    tokens = stream.getTokens();
  } else {
    made = lex_iwd(input.code_points(), &lexer, &input);
    for (auto& t : made) tokens.push_back(t.get());
  }
  std::string out;
  for (auto* t : tokens) {
    out += dump_token(t);
    if (t->getTokenSource() != &lexer || t->getInputStream() != &input) out += "(another source)\n";
  }
  return out;
}

std::string dump_fast_tokens(const std::string& text) {
  DiagnosticBag ignored;
  const std::string valid = valid_utf8(FileId{0}, text, ignored);  // as parse_file does
  const FastTokens fast(valid);
  std::string out;
  for (auto* t : fast.tokens()) out += dump_token(t);
  return out;
}

}  // namespace iwd::compiler
