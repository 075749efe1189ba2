#include "compiler/syntax/syntax_error.h"

#include <algorithm>
#include <optional>
#include <set>

#include "IwdParser.h"
#include "compiler/syntax/parse.h"
#include "compiler/syntax/token_loc.h"
#include "stdlib/spelling.h"

namespace iwd::compiler {
namespace {

using P = iwd_grammar::IwdParser;
using TokenSet = std::set<std::size_t>;
using Vocab = antlr4::dfa::Vocabulary;

bool is_keyword(std::size_t t) { return t >= P::AND && t <= P::WITHIN; }
bool is_soft_keyword(std::size_t t) { return t >= P::ADD && t <= P::WITHIN; }

std::string keyword_spelling(const Vocab& v, std::size_t t) {
  std::string s = v.getLiteralName(t);
  if (s.size() >= 2 && s.front() == '\'') s = s.substr(1, s.size() - 2);
  return s;
}

// Tokens that can start an expression.
const TokenSet& expression_starts() {
  static const TokenSet s = [] {
    TokenSet t = {P::ID, P::INT, P::FLOAT, P::STRING, P::UNTERMINATED_STRING, P::DURATION, P::BUSINESS_DAYS, P::PERCENT,
                  P::BAD_NUMBER, P::TRUE, P::FALSE, P::INSTANT, P::DATE, P::TIME, P::LPAREN,
                  P::LBRACK, P::MINUS, P::NOT, P::IF};
    for (std::size_t k = P::ADD; k <= P::WITHIN; ++k) t.insert(k);
    return t;
  }();
  return s;
}

struct BlockContext {
  std::size_t rule;
  const char* phrase;
  TokenSet starts;
};

// Blocks whose clauses start with a keyword: when the expected set is (mostly) those
// keywords, we name the kind of clause instead of listing tokens.
const std::vector<BlockContext>& blocks() {
  static const std::vector<BlockContext> b = {
      {P::RulePriorityBody,
       "a priority clause (`start`, `every`, `curve`, `boost`, `min`, `max`, `overdue` or `age in`)",
       {P::START, P::EVERY, P::CURVE, P::BOOST, P::MIN, P::MAX, P::OVERDUE, P::AGE}},
      {P::RuleTargetsBody, "a target stage (`agent`, `group` or `skill`)", {P::AGENT, P::GROUP, P::SKILL}},
      {P::RuleCalendarDecl,
       "a calendar clause (hours like `mon..fri 08:00-18:00`, a date with hours, `closed` or `timezone`)",
       {P::TIMEZONE, P::CLOSED, P::DATE, P::ID}},
      {P::RuleTestDecl, "a test clause (`given`, `at` or `expect`)", {P::GIVEN, P::AT, P::EXPECT}},
      {P::RuleDepartmentDecl,
       "a process, a `table` or a clause (`sla`, `priority`, `targets`, `media`, `offer timeout`, "
       "`complete within`, `complete by`, `expire after`)",
       {P::PROCESS, P::TABLE, P::SLA, P::PRIORITY, P::TARGETS, P::MEDIA, P::OFFER, P::COMPLETE, P::EXPIRE}},
      {P::RuleProcessDecl,
       "a process clause (`sla`, `priority`, `targets`, `media`, `offer timeout`, `complete within`, "
       "`complete by`, `expire after`)",
       {P::SLA, P::PRIORITY, P::TARGETS, P::MEDIA, P::OFFER, P::COMPLETE, P::EXPIRE}},
      {P::RuleDefaultProcessDecl,
       "a process clause (`sla`, `priority`, `targets`, `media`, `offer timeout`, `complete within`, "
       "`complete by`, `expire after`)",
       {P::SLA, P::PRIORITY, P::TARGETS, P::MEDIA, P::OFFER, P::COMPLETE, P::EXPIRE}},
      {P::RuleFile,
       "a declaration (`ruleset`, `import`, `enum`, `attributes`, `skills`, `define`, `calendar`, "
       "`priority`, `targets`, `capacity`, `department`, `default process`, `test`, `report by` or "
       "`outcomes`)",
       {P::RULESET, P::TIMEZONE, P::IMPORT, P::ENUM, P::ATTRIBUTES, P::SKILLS, P::DEFINE, P::CALENDAR,
        P::PRIORITY, P::TARGETS, P::CAPACITY, P::DEPARTMENT, P::DEFAULT, P::TEST, P::REPORT, P::OUTCOMES}},
  };
  return b;
}

std::string quote(std::string_view s) { return fmt::format("`{}`", s); }

std::string describe_found(antlr4::Token* t) {
  if (t == nullptr || t->getType() == antlr4::Token::EOF) return "end of file";
  std::string text = t->getText();
  if (t->getType() == P::STRING || t->getType() == P::UNTERMINATED_STRING) {
    if (utf8_length(text) > 24) text = text.substr(0, utf8_byte_offset(text, 20)) + "...\"";
    return "the string " + text;
  }
  return quote(text);
}

std::string join_and(const std::vector<std::string>& parts) {
  std::string out;
  for (std::size_t i = 0; i < parts.size(); ++i) out += (i == 0 ? "" : i + 1 == parts.size() ? " and " : ", ") + parts[i];
  return out;
}

std::string join_or(const std::vector<std::string>& parts) {
  if (parts.empty()) return "something else";
  if (parts.size() == 1) return parts[0];
  std::string out;
  for (std::size_t i = 0; i < parts.size(); ++i) {
    if (i) out += i + 1 == parts.size() ? " or " : ", ";
    out += parts[i];
  }
  return out;
}

// The innermost block rule on the parser's stack.
const BlockContext* innermost_block(antlr4::Parser* parser) {
  for (auto* ctx = parser->getContext(); ctx != nullptr;
       ctx = dynamic_cast<antlr4::ParserRuleContext*>(ctx->parent)) {
    for (const auto& b : blocks())
      if (b.rule == ctx->getRuleIndex()) return &b;
  }
  return nullptr;
}

std::string describe_expected(const Vocab& v, const TokenSet& expected, const BlockContext* block) {
  // A block's clause keywords (plus `}`/`;`) are named as the kind of clause.
  if (block) {
    std::size_t in_block = 0, others = 0;
    for (auto t : expected) {
      if (block->starts.count(t)) ++in_block;
      else if (t != P::RBRACE && t != P::SEMI && t != antlr4::Token::EOF) ++others;
    }
    if (in_block >= 2 && others == 0) {
      std::string s = block->phrase;
      if (expected.count(P::RBRACE)) s += " or `}`";
      if (expected.count(antlr4::Token::EOF) && block->rule == P::RuleFile) s += " or the end of the file";
      return s;
    }
  }
  std::vector<std::string> parts;
  TokenSet rest = expected;
  // Tokens that exist only to report a mistake well are never "expected".
  rest.erase(P::UNTERMINATED_STRING);
  rest.erase(P::BAD_NUMBER);
  const auto& starts = expression_starts();
  std::size_t expr_tokens = 0;
  for (auto t : starts) expr_tokens += expected.count(t);
  if (expected.count(P::INT) && expected.count(P::LPAREN) && expr_tokens >= 8) {
    parts.push_back("an expression");
    for (auto t : starts) rest.erase(t);
  } else if (expected.count(P::ID)) {
    parts.push_back("a name");
    rest.erase(P::ID);
    for (std::size_t k = P::ADD; k <= P::WITHIN; ++k) rest.erase(k);
  }
  for (auto t : rest) parts.push_back(describe_token_type(v, t));
  if (parts.size() > 8) {
    parts.resize(7);
    parts.push_back("something else that fits here");
  }
  return join_or(parts);
}

}  // namespace

std::string describe_token_type(const antlr4::dfa::Vocabulary& v, std::size_t type) {
  switch (type) {
    case antlr4::Token::EOF: return "the end of the file";
    case P::ID: return "a name";
    case P::INT: return "a whole number";
    case P::FLOAT: return "a number";
    case P::STRING: return "a string";
    case P::DURATION: return "a duration like `72h`";
    case P::BUSINESS_DAYS: return "business days like `5bd`";
    case P::PERCENT: return "a percentage like `10%`";
    case P::INSTANT: return "an instant like `2026-11-23T09:00:00Z`";
    case P::DATE: return "a date like `2026-12-25`";
    case P::TIME: return "a time of day like `08:00`";
    default: break;
  }
  if (is_keyword(type)) return quote(keyword_spelling(v, type));
  std::string lit = v.getLiteralName(type);
  if (lit.size() >= 2 && lit.front() == '\'') return quote(lit.substr(1, lit.size() - 2));
  return v.getDisplayName(type);
}

void SyntaxErrorListener::syntaxError(antlr4::Recognizer* recognizer, antlr4::Token* offending,
                                      size_t line, size_t col, const std::string& /*antlr_msg*/,
                                      std::exception_ptr /*e*/) {
  auto* parser = dynamic_cast<antlr4::Parser*>(recognizer);
  if (parser == nullptr || offending == nullptr) return;
  // Unknown characters (and `&&`, `||`, `!`) were reported by the lexical scan.
  if (offending->getType() == P::UNKNOWN_CHAR || reported_.count(offending->getTokenIndex())) return;
  // One error per token: recovery may report the same place twice.
  if (offending->getTokenIndex() == last_index_) return;
  last_index_ = offending->getTokenIndex();
  // Within a duration already reported as written apart (`1 hour 30 minutes`).
  if (covered_until_ != kNothingCovered && offending->getTokenIndex() <= covered_until_) return;
  // After an error, recovery may leave the parser at another depth of braces than the
  // text: what it reports then only follows from the first error.
  const std::size_t index = offending->getTokenIndex();
  const bool after_error = errors_ > 0 || (!reported_.empty() && *reported_.begin() < index);
  if (after_error && index < braces_.depth.size() && parser_brace_depth(parser) != braces_.depth[index]) return;

  if (errors_ >= kMaxSyntaxErrors) {
    if (!capped_) {
      capped_ = true;
      SourceRange r{file_, {0, static_cast<std::uint32_t>(line), static_cast<std::uint32_t>(col + 1)}, {}};
      r.end = r.begin;
      diags_.report("I0109", r,
                    fmt::format("stopped after {} syntax errors in this file", kMaxSyntaxErrors));
    }
    throw antlr4::ParseCancellationException();
  }
  ++errors_;

  TokenSet expected;
  for (auto t : parser->getExpectedTokens().toList()) expected.insert(t);
  const BlockContext* block = innermost_block(parser);

  // The range: the offending token, or for end of file the point after the last token.
  SourceRange r;
  r.file = file_;
  r.begin = SourceLoc{static_cast<std::uint32_t>(offending->getStartIndex()),
                      static_cast<std::uint32_t>(line), static_cast<std::uint32_t>(col + 1)};
  r.end = r.begin;
  if (offending->getType() != antlr4::Token::EOF) {
    auto len = static_cast<std::uint32_t>(offending->getStopIndex() + 1 - offending->getStartIndex());
    r.end.offset += len;
    r.end.col += len;
  } else if (auto* stream = parser->getTokenStream(); stream && offending->getTokenIndex() > 0) {
    // Point just after the last token that is not hidden.
    for (auto i = static_cast<long>(offending->getTokenIndex()) - 1; i >= 0; --i) {
      auto* prev = stream->get(static_cast<std::size_t>(i));
      if (prev->getChannel() != antlr4::Token::DEFAULT_CHANNEL) continue;
      r.begin = token_end(prev);
      r.end = r.begin;
      break;
    }
  }

  std::string message = fmt::format("expected {}, found {}", describe_expected(parser->getVocabulary(), expected, block),
                                    describe_found(offending));

  // A unit written apart or as a word: `every 1 hour`, `sla 3 days`.
  if (auto spelled = spelled_duration(parser->getTokenStream(), offending)) {
    SourceRange fr = r;
    fr.begin = token_begin(spelled->first);
    fr.end = token_end(spelled->last);
    auto& d = diags_.report("E0101", fr,
                            spelled->business_days
                                ? fmt::format("write `{}`: business days are a whole number glued to `bd`", spelled->text)
                                : fmt::format("write `{}`: a duration is a number glued to its unit", spelled->text));
    d.notes.push_back(spelled->business_days
                          ? "business days count a calendar's open days: `sla 5bd in office`, `add_business(office, t, 2bd)`"
                          : "the units are ms, s, m, h, d and w: `30s`, `15m`, `1h30m`, `3d`, `2w`");
    d.fixits.push_back({fr, spelled->text, fmt::format("write `{}`", spelled->text)});
    covered_until_ = spelled->last->getTokenIndex();
    return;
  }

  // Operators from other languages: where the text before ends a value, `=` and `||` are
  // almost surely a comparison and a disjunction.
  const auto type = offending->getType();
  antlr4::Token* prev = nullptr;
  if (auto* stream = parser->getTokenStream(); stream != nullptr)
    for (auto i = static_cast<long>(offending->getTokenIndex()) - 1; i >= 0 && prev == nullptr; --i) {
      auto* t = stream->get(static_cast<std::size_t>(i));
      if (t->getChannel() == antlr4::Token::DEFAULT_CHANNEL) prev = t;
    }
  const bool after_value =
      prev != nullptr && (prev->getType() == P::ID || is_soft_keyword(prev->getType()) || prev->getType() == P::RPAREN ||
                          prev->getType() == P::RBRACK || (prev->getType() >= P::INSTANT && prev->getType() <= P::STRING) ||
                          prev->getType() == P::TRUE || prev->getType() == P::FALSE);
  std::optional<FixIt> operator_fix;
  if (type == P::ASSIGN && after_value) {
    message = "`=` does not compare: to test equality write `==`";
    operator_fix = FixIt{r, "==", "write `==`"};
  } else if (type >= P::LT_ && type <= P::NEQ && after_value) {
    message = fmt::format("comparisons do not chain: `{}` cannot follow a comparison; join them with `and` "
                          "or group one in parentheses",
                          offending->getText());
  } else if (type == P::PIPE && after_value) {
    auto* stream = parser->getTokenStream();
    auto* next = stream->get(offending->getTokenIndex() + 1);
    const bool doubled = next && next->getType() == P::PIPE && next->getStartIndex() == offending->getStopIndex() + 1;
    if (doubled) {
      r.end.offset += 1;
      r.end.col += 1;
    }
    message = fmt::format("`{}` is not an operator of the language: to join conditions write `or`", doubled ? "||" : "|");
    operator_fix = FixIt{r, "or", "write `or`"};
  }
  Diagnostic& d = diags_.report("E0101", r, std::move(message));
  if (operator_fix) d.fixits.push_back(*operator_fix);

  // Misspelled keyword: suggest the nearest keyword that fits here.
  if (type == P::ID || is_soft_keyword(type)) {
    std::vector<std::string> spellings;
    for (auto t : expected)
      if (is_keyword(t)) spellings.push_back(keyword_spelling(parser->getVocabulary(), t));
    if (block && describe_expected(parser->getVocabulary(), expected, block) == block->phrase)
      for (auto t : block->starts)
        if (is_keyword(t)) spellings.push_back(keyword_spelling(parser->getVocabulary(), t));
    std::vector<std::string_view> views(spellings.begin(), spellings.end());
    std::string hint = std::string(stdlib::suggest_name(offending->getText(), views));
    if (!hint.empty() && hint != offending->getText())
      d.fixits.push_back({r, hint, fmt::format("did you mean `{}`?", hint)});
  }
  if (expected.count(P::RBRACE)) explain_unclosed(parser, offending, r, d);
}

void SyntaxErrorListener::explain_unclosed(antlr4::Parser* parser, antlr4::Token* offending, SourceRange r,
                                           Diagnostic& d) {
  // The `{` whose block should have ended before this token (told by indentation), not
  // named in an error yet: the error is that their `}` is missing.
  const std::size_t index = offending->getTokenIndex();
  std::vector<const BraceMap::Unclosed*> at_fault;
  const antlr4::Token* open = nullptr;  // the last unclosed `{` before this point
  for (const auto& u : braces_.unclosed) {
    if (u.brace->getTokenIndex() >= index) continue;
    open = u.brace;
    if (u.missing_before <= index && !braces_reported_.count(u.brace)) at_fault.push_back(&u);
  }
  auto brace_label = [&](const antlr4::Token* brace) {
    DiagLabel label;
    label.range.file = file_;
    label.range.begin = token_begin(brace);
    label.range.end = token_end(brace);
    label.message = "this `{` is never closed";
    return label;
  };
  if (at_fault.empty()) {
    if (open != nullptr) d.labels.push_back(brace_label(open));
    return;
  }
  // The error goes where the first `}` is missing: after the last token before the line
  // that leaves the block.
  auto* stream = parser->getTokenStream();
  std::size_t missing = at_fault.front()->missing_before;
  for (const auto* u : at_fault) missing = std::min(missing, u->missing_before);
  for (auto i = static_cast<long>(missing) - 1; i >= 0; --i) {
    auto* prev = stream->get(static_cast<std::size_t>(i));
    if (prev->getChannel() != antlr4::Token::DEFAULT_CHANNEL) continue;
    r.begin = token_end(prev);
    r.end = r.begin;
    break;
  }
  std::vector<std::string> which;
  for (const auto* u : at_fault) {
    const std::string opener = block_opener(stream, u->brace);
    which.push_back(opener.empty() ? fmt::format("the `{{` on line {}", u->brace->getLine())
                                   : fmt::format("the `{{` of {} on line {}", opener, u->brace->getLine()));
    braces_reported_.insert(u->brace);
  }
  std::reverse(which.begin(), which.end());  // innermost first, the order of the `}`s
  const std::string parser_view = d.message;
  d.range = r;
  d.message = at_fault.size() == 1
                  ? fmt::format("a `}}` is missing: {} is never closed", which[0])
                  : fmt::format("{} `}}` are missing: {} are never closed", at_fault.size(), join_and(which));
  d.fixits.clear();
  d.notes.push_back(offending->getType() == antlr4::Token::EOF
                        ? std::string("the file ends inside the block")
                        : fmt::format("on line {}: {}", offending->getLine(), parser_view));
  for (auto it = at_fault.rbegin(); it != at_fault.rend(); ++it) d.labels.push_back(brace_label((*it)->brace));
}

}  // namespace iwd::compiler
