// AST builder: literals. Lexical mistakes that the lexer let through as tokens of their
// own (`5x`, an unterminated string, a bad escape, month 13) are reported here, once.
#include <charconv>
#include <cmath>

#include "compiler/syntax/builder.h"
#include "stdlib/calendar.h"
#include "stdlib/time.h"

namespace iwd::compiler {
namespace {

std::string strip_underscores(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (char c : s)
    if (c != '_') out.push_back(c);
  return out;
}

// The range of the code points [from, to) of a one-line token.
SourceRange sub_range(SourceRange r, std::uint32_t from, std::uint32_t to) {
  SourceRange s = r;
  s.begin.offset += from;
  s.begin.col += from;
  s.end = s.begin;
  s.end.offset += to - from;
  s.end.col += to - from;
  return s;
}

}  // namespace

std::string SyntaxBuilder::decode_string(antlr4::Token* tok) {
  const std::string text = tok->getText();
  const bool terminated = tok->getType() == P::STRING;
  if (!terminated) {
    report("E0102", range(tok), "this string is not closed: a `\"` is missing before the end of the line")
        .notes.push_back("strings cannot span lines; write `\\n` for a line break");
  }
  std::string out;
  const std::size_t end = terminated ? text.size() - 1 : text.size();
  std::uint32_t cp_index = 1;  // code-point index within the token, for error ranges
  for (std::size_t i = 1; i < end; ++i, ++cp_index) {
    const unsigned char c = static_cast<unsigned char>(text[i]);
    if ((c & 0xC0) == 0x80) { --cp_index; out.push_back(text[i]); continue; }  // continuation byte
    if (c != '\\') { out.push_back(text[i]); continue; }
    if (i + 1 >= end) break;  // a lone backslash before the end of an unterminated string
    const char e = text[++i];
    const std::uint32_t esc_start = cp_index;
    ++cp_index;
    switch (e) {
      case '"': out.push_back('"'); break;
      case '\\': out.push_back('\\'); break;
      case 'n': out.push_back('\n'); break;
      case 't': out.push_back('\t'); break;
      case 'u': {
        std::size_t close = text.find('}', i);
        std::uint32_t cp = 0;
        bool ok = i + 1 < end && text[i + 1] == '{' && close != std::string::npos && close < end &&
                  close > i + 2 && close - i - 2 <= 6;
        if (ok) {
          auto [p, ec] = std::from_chars(text.data() + i + 2, text.data() + close, cp, 16);
          ok = ec == std::errc() && p == text.data() + close && cp <= 0x10FFFF &&
               !(cp >= 0xD800 && cp <= 0xDFFF);
        }
        if (!ok) {
          const std::uint32_t len = close != std::string::npos && close < end
                                        ? static_cast<std::uint32_t>(close - i + 2) : 2;
          report("E0104", sub_range(range(tok), esc_start, esc_start + len),
                 "invalid unicode escape: write `\\u{HEX}` with 1 to 6 hex digits naming a "
                 "code point");
          break;
        }
        append_utf8(out, cp);
        cp_index += static_cast<std::uint32_t>(close - i);
        i = close;
        break;
      }
      default:
        report("E0104", sub_range(range(tok), esc_start, esc_start + 2),
               fmt::format("unknown escape `\\{}` in a string", e))
            .notes.push_back("the escapes are \\\" \\\\ \\n \\t and \\u{HEX}");
        out.push_back(e);
    }
  }
  return out;
}

bool SyntaxBuilder::decode_date(antlr4::Token* tok, std::int64_t* days) {
  auto r = stdlib::parse_date(tok->getText());
  if (!r.ok()) {
    report("E0107", range(tok), fmt::format("`{}` is not a valid date: {}", tok->getText(), r.error));
    return false;
  }
  *days = r.value;
  return true;
}

bool SyntaxBuilder::decode_time_of_day(antlr4::Token* tok, int* minutes) {
  auto r = stdlib::parse_time_of_day(tok->getText());
  if (!r.ok()) {
    report("E0108", range(tok), fmt::format("`{}` is not a valid time of day: {}", tok->getText(), r.error));
    return false;
  }
  *minutes = r.value;
  return true;
}

SyntaxExprPtr SyntaxBuilder::literal(P::LiteralContext* ctx) {
  if (missing(ctx)) return nullptr;
  return literal_token(ctx->start);
}

SyntaxExprPtr SyntaxBuilder::literal_token(antlr4::Token* tok, bool negative, antlr4::Token* minus) {
  auto e = std::make_unique<SyntaxLiteral>();
  e->range = minus ? range(minus, tok) : range(tok);
  e->spelling = (negative ? "-" : "") + tok->getText();
  const std::string text = tok->getText();
  const double sign = negative ? -1.0 : 1.0;
  switch (tok->getType()) {
    case P::INT: {
      const std::string digits = strip_underscores(text);
      std::int64_t v = 0;
      auto [p, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), v);
      if (ec != std::errc() || p != digits.data() + digits.size()) {
        report("E0103", e->range, fmt::format("the number `{}` is too large for an int (64-bit)", text));
        return e;
      }
      e->lit = SyntaxLiteralKind::Int;
      e->int_value = negative ? -v : v;
      return e;
    }
    case P::FLOAT:
      e->lit = SyntaxLiteralKind::Number;
      e->number_value = sign * std::strtod(strip_underscores(text).c_str(), nullptr);
      return e;
    case P::PERCENT:
      e->lit = SyntaxLiteralKind::Percent;
      e->number_value = sign * std::strtod(strip_underscores(text.substr(0, text.size() - 1)).c_str(), nullptr);
      return e;
    case P::DURATION: {
      auto r = stdlib::parse_duration(text);
      if (!r.ok()) {
        report("E0103", e->range, fmt::format("`{}` is not a valid duration: {}", text, r.error));
        return e;
      }
      e->lit = SyntaxLiteralKind::Duration;
      e->int_value = negative ? -r.value.ms : r.value.ms;
      return e;
    }
    case P::BUSINESS_DAYS: {
      // A count of open days (LANGUAGE.md 1.1 section 6): whole days only.
      const std::string digits = strip_underscores(text.substr(0, text.size() - 2));
      std::int64_t v = 0;
      auto [p, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), v);
      if (digits.find('.') != std::string::npos) {
        report("E0103", e->range, fmt::format("`{}`: business days are whole days", text))
            .notes.push_back("write a whole number of days (`2bd`), or open time in hours (`12h`)");
        return e;
      }
      if (ec != std::errc() || p != digits.data() + digits.size() || v > stdlib::kMaxSearchDays) {
        report("E0103", e->range, fmt::format("`{}` is too many business days (at most {})", text, stdlib::kMaxSearchDays));
        return e;
      }
      e->lit = SyntaxLiteralKind::BusinessDays;
      e->int_value = negative ? -v : v;
      return e;
    }
    case P::BAD_NUMBER: {
      auto r = stdlib::parse_duration(text);
      auto& d = report("E0103", e->range,
                       fmt::format("`{}` is not a number or a duration: {}", text,
                                   r.ok() ? std::string("unexpected letters") : r.error));
      d.notes.push_back("a duration is a number glued to a unit: ms, s, m, h, d or w (`30s`, `1h30m`, `1.5d`); "
                        "business days are written `5bd` (with a calendar)");
      return e;
    }
    case P::STRING:
    case P::UNTERMINATED_STRING:
      e->lit = SyntaxLiteralKind::String;
      e->string_value = decode_string(tok);
      return e;
    case P::TRUE:
    case P::FALSE:
      e->lit = SyntaxLiteralKind::Bool;
      e->int_value = tok->getType() == P::TRUE;
      return e;
    case P::INSTANT: {
      auto r = stdlib::parse_instant(text);
      if (!r.ok()) {
        report("E0107", e->range, fmt::format("`{}` is not a valid instant: {}", text, r.error));
        return e;
      }
      e->lit = SyntaxLiteralKind::Instant;
      e->int_value = r.value.instant.ms_since_epoch;
      e->utc_offset_minutes = r.value.utc_offset_minutes;
      return e;
    }
    case P::DATE: {
      std::int64_t days = 0;
      if (decode_date(tok, &days)) {
        e->lit = SyntaxLiteralKind::Date;
        e->int_value = days;
      }
      return e;
    }
    case P::TIME: {
      int minutes = 0;
      if (decode_time_of_day(tok, &minutes)) {
        e->lit = SyntaxLiteralKind::TimeOfDay;
        e->int_value = minutes;
      }
      return e;
    }
    default:
      return e;  // conjured by error recovery: already reported as a syntax error
  }
}

}  // namespace iwd::compiler
