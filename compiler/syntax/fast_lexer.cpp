// The lexer of fast_lexer.h. ANTLR's lexer takes, at each position, the longest text any rule
// of IwdLexer.g4 matches, and among rules matching that much the one listed first; so does
// this, rule by rule where rules compete (numbers), directly where they cannot (the rest).
#include "compiler/syntax/fast_lexer.h"

#include <algorithm>
#include <array>
#include <string_view>
#include <unordered_map>

#include "IwdLexer.h"
#include "compiler/source/source.h"

namespace iwd::compiler {
namespace {

using L = iwd_grammar::IwdLexer;

bool is_digit(char32_t c) { return c >= U'0' && c <= U'9'; }
bool is_letter(char32_t c) { return (c >= U'a' && c <= U'z') || (c >= U'A' && c <= U'Z') || c == U'_'; }
bool is_word(char32_t c) { return is_letter(c) || is_digit(c); }
bool is_space(char32_t c) {
  return c == U' ' || c == U'\t' || c == U'\r' || c == U'\n' || c == U'\f' || c == U'\uFEFF';
}

// The keywords (every literal of the lexer's vocabulary that is a word), read from the
// generated lexer so that they follow the grammar.
const std::unordered_map<std::string, std::size_t>& keywords() {
  static const auto* map = [] {
    auto* m = new std::unordered_map<std::string, std::size_t>();
    antlr4::ANTLRInputStream nothing("");
    L lexer(&nothing);
    const antlr4::dfa::Vocabulary& v = lexer.getVocabulary();
    for (std::size_t t = 1; t <= v.getMaxTokenType(); ++t) {
      const std::string lit = v.getLiteralName(t);  // 'and', with the quotes
      if (lit.size() < 3 || lit.front() != '\'' || lit.back() != '\'') continue;
      const std::string word = lit.substr(1, lit.size() - 2);
      bool all_letters = true;
      for (char c : word) all_letters = all_letters && is_letter(static_cast<unsigned char>(c));
      if (all_letters) m->emplace(word, t);
    }
    return m;
  }();
  return *map;
}

// Over code points (C = char32_t) or over the bytes of an ASCII text (C = char), which are
// its code points.
template <class C>
class Scanner {
 public:
  explicit Scanner(std::basic_string_view<C> d) : d_(d), n_(d.size()) {}

  // Code point at i (< n_).
  char32_t cp(std::size_t i) const { return static_cast<char32_t>(static_cast<std::make_unsigned_t<C>>(d_[i])); }
  // Code point at i, or a value no rule matches past the end.
  char32_t at(std::size_t i) const { return i < n_ ? cp(i) : kEnd; }

  // DIGITS_ from j (a digit): DIGIT ('_'? DIGIT)*, as long as it goes.
  std::size_t digits_end(std::size_t j) const {
    std::size_t k = j + 1;
    for (;;) {
      if (is_digit(at(k))) ++k;
      else if (at(k) == U'_' && is_digit(at(k + 1))) k += 2;
      else return k;
    }
  }
  std::size_t word_end(std::size_t i) const {
    while (is_word(at(i))) ++i;
    return i;
  }
  bool two_digits(std::size_t i) const { return is_digit(at(i)) && is_digit(at(i + 1)); }

  // The longest NUM_ from j (a digit): DIGITS_ ('.' DIGITS_)?; *frac_start is where the
  // fraction's digits start (0 when there is none).
  std::size_t num_end(std::size_t j, std::size_t* int_end, std::size_t* frac_start) const {
    const std::size_t k = digits_end(j);
    *int_end = k;
    *frac_start = 0;
    if (at(k) == U'.' && is_digit(at(k + 1))) {
      *frac_start = k + 1;
      return digits_end(k + 1);
    }
    return k;
  }

  // A number-like token from j (a digit): the rule that takes the longest text, the first
  // listed among those. Returns its type and sets *end.
  std::size_t number(std::size_t j, std::size_t* end) const {
    // In the order of IwdLexer.g4; 0: no match.
    enum { kInstant, kDate, kTime, kDuration, kPercent, kBusinessDays, kFloat, kInt, kBadNumber, kRules };
    static constexpr std::array<std::size_t, kRules> kTypes = {L::INSTANT, L::DATE,  L::TIME, L::DURATION,  L::PERCENT,
                                                               L::BUSINESS_DAYS, L::FLOAT, L::INT, L::BAD_NUMBER};
    std::array<std::size_t, kRules> ends{};

    // DATE_ and INSTANT.
    const bool date = is_digit(at(j)) && is_digit(at(j + 1)) && is_digit(at(j + 2)) && is_digit(at(j + 3)) &&
                      at(j + 4) == U'-' && two_digits(j + 5) && at(j + 7) == U'-' && two_digits(j + 8);
    if (date) {
      ends[kDate] = j + 10;
      const std::size_t p = j + 10;
      if (at(p) == U'T' && two_digits(p + 1) && at(p + 3) == U':' && two_digits(p + 4)) {
        // Where the zone may start: after the minutes, the seconds, or the seconds' fraction.
        std::array<std::size_t, 3> zone_at{p + 6, 0, 0};
        if (at(p + 6) == U':' && two_digits(p + 7)) {
          zone_at[1] = p + 9;
          if (at(p + 9) == U'.' && is_digit(at(p + 10))) {
            std::size_t q = p + 10;
            while (is_digit(at(q))) ++q;
            zone_at[2] = q;
          }
        }
        for (std::size_t z : zone_at) {
          if (z == 0) continue;
          std::size_t e = 0;
          if (at(z) == U'Z') e = z + 1;
          else if ((at(z) == U'+' || at(z) == U'-') && two_digits(z + 1) && at(z + 3) == U':' && two_digits(z + 4))
            e = z + 6;
          if (e > ends[kInstant]) ends[kInstant] = e;
        }
      }
    }
    if (two_digits(j) && at(j + 2) == U':' && two_digits(j + 3)) ends[kTime] = j + 5;

    std::size_t int_end = 0, frac_start = 0;
    const std::size_t num = num_end(j, &int_end, &frac_start);

    // DURATION: (NUM_ UNIT_)+. After a NUM_ only its longest form can be followed by a unit
    // letter (a shorter one is followed by a digit, `_` or `.`), and of `m` and `ms` only the
    // longer can go on (a next NUM_ starts with a digit).
    for (std::size_t s = j, e = num;;) {
      std::size_t unit = 0;
      if (at(e) == U'm' && at(e + 1) == U's') unit = 2;
      else if (at(e) == U'm' || at(e) == U's' || at(e) == U'h' || at(e) == U'd' || at(e) == U'w') unit = 1;
      if (unit == 0) break;
      ends[kDuration] = e + unit;
      s = e + unit;
      if (!is_digit(at(s))) break;
      std::size_t ie = 0, fs = 0;
      e = num_end(s, &ie, &fs);
    }
    if (at(num) == U'%') ends[kPercent] = num + 1;
    if (at(num) == U'b' && at(num + 1) == U'd') ends[kBusinessDays] = num + 2;
    if (frac_start != 0) ends[kFloat] = num;
    ends[kInt] = int_end;
    // BAD_NUMBER: NUM_ [A-Za-z_] [A-Za-z0-9_]*. The letter (or `_`) follows the digits' end,
    // or a `_` inside them (`1_2`): then it goes on to the digits' end, no longer than INT or
    // FLOAT there unless a letter follows, so only the ends count.
    if (is_letter(at(int_end))) ends[kBadNumber] = word_end(int_end);
    if (frac_start != 0 && is_letter(at(num))) ends[kBadNumber] = std::max(ends[kBadNumber], word_end(num));

    std::size_t best = kRules;
    for (std::size_t r = 0; r < kRules; ++r)
      if (ends[r] != 0 && (best == kRules || ends[r] > ends[best])) best = r;
    *end = ends[best];  // INT always matches
    return kTypes[best];
  }

  // The token at i: its type and channel; sets *end.
  std::size_t token(std::size_t i, std::size_t* end, std::size_t* channel) const {
    *channel = antlr4::Token::DEFAULT_CHANNEL;
    const char32_t c = cp(i);
    auto one = [&](std::size_t type, std::size_t len = 1) {
      *end = i + len;
      return type;
    };
    if (is_space(c)) {
      std::size_t k = i + 1;
      while (is_space(at(k))) ++k;
      *channel = antlr4::Token::HIDDEN_CHANNEL;
      return one(L::WS, k - i);
    }
    if (is_letter(c)) {
      const std::size_t k = word_end(i);
      const auto& kw = keywords();
      if (k - i <= 10) {
        std::string word(k - i, ' ');
        for (std::size_t p = i; p < k; ++p) word[p - i] = static_cast<char>(cp(p));
        if (auto it = kw.find(word); it != kw.end()) return one(it->second, k - i);
      }
      return one(L::ID, k - i);
    }
    if (is_digit(c)) return number(i, end);
    switch (c) {
      case U'"': {
        // STRING, or UNTERMINATED_STRING at a line's end or the file's.
        std::size_t k = i + 1;
        for (;;) {
          const char32_t s = at(k);
          if (s == U'\\') {
            if (k + 1 >= n_) return one(L::UNTERMINATED_STRING, k + 1 - i);
            k += 2;
          } else if (s == U'"') {
            return one(L::STRING, k + 1 - i);
          } else if (s == U'\r' || s == U'\n' || s == kEnd) {
            return one(L::UNTERMINATED_STRING, k - i);
          } else {
            ++k;
          }
        }
      }
      case U'/':
        if (at(i + 1) == U'/') {
          std::size_t k = i + 2;
          while (k < n_ && cp(k) != U'\r' && cp(k) != U'\n') ++k;
          *channel = antlr4::Token::HIDDEN_CHANNEL;
          return one(L::LINE_COMMENT, k - i);
        }
        if (at(i + 1) == U'*') {
          *channel = antlr4::Token::HIDDEN_CHANNEL;
          for (std::size_t k = i + 2; k + 1 < n_; ++k)
            if (cp(k) == U'*' && cp(k + 1) == U'/') return one(L::BLOCK_COMMENT, k + 2 - i);
          return one(L::UNTERMINATED_COMMENT, n_ - i);
        }
        return one(L::SLASH);
      default: {
        // Punctuation: the token of the character, or of it and the next where the grammar
        // has a longer one (`<=`, `!=`, `..`); `!` alone is no token of the grammar.
        struct Punct {
          char32_t c;
          std::size_t one;
          char32_t second;
          std::size_t two;
        };
        static constexpr Punct kPunct[] = {
            {U'{', L::LBRACE, 0, 0}, {U'}', L::RBRACE, 0, 0}, {U'(', L::LPAREN, 0, 0}, {U')', L::RPAREN, 0, 0},
            {U'[', L::LBRACK, 0, 0}, {U']', L::RBRACK, 0, 0}, {U',', L::COMMA, 0, 0}, {U':', L::COLON, 0, 0},
            {U';', L::SEMI, 0, 0}, {U'|', L::PIPE, 0, 0}, {U'+', L::PLUS, 0, 0}, {U'-', L::MINUS, 0, 0},
            {U'*', L::STAR, 0, 0}, {U'<', L::LT_, U'=', L::LE}, {U'>', L::GT, U'=', L::GE},
            {U'=', L::ASSIGN, U'=', L::EQEQ}, {U'!', L::UNKNOWN_CHAR, U'=', L::NEQ},
            {U'?', L::QUESTION, U'?', L::QQ}, {U'.', L::DOT, U'.', L::DOTDOT}};
        for (const Punct& p : kPunct)
          if (p.c == c) return p.second != 0 && at(i + 1) == p.second ? one(p.two, 2) : one(p.one);
        return one(L::UNKNOWN_CHAR);
      }
    }
  }

 private:
  static constexpr char32_t kEnd = 0x110000;  // past every code point
  std::basic_string_view<C> d_;
  std::size_t n_;
};

// Scans `data`, calling emit(type, channel, start, stop, line, column) for each token and then
// for EOF, with ANTLR's lines (from 1) and columns (from 0; a line ends at '\n' only).
template <class C, class Emit>
void scan(std::basic_string_view<C> data, Emit&& emit) {
  Scanner<C> scanner(data);
  std::size_t line = 1, col = 0;
  for (std::size_t i = 0; i < data.size();) {
    std::size_t end = 0, channel = 0;
    const std::size_t type = scanner.token(i, &end, &channel);
    emit(type, channel, i, end - 1, line, col);
    switch (type) {
      case L::WS: case L::BLOCK_COMMENT: case L::UNTERMINATED_COMMENT: case L::STRING: case L::UNTERMINATED_STRING:
        for (std::size_t k = i; k < end; ++k) {
          if (scanner.cp(k) == U'\n') ++line, col = 0;
          else ++col;
        }
        break;
      default:
        col += end - i;  // no newline in these
    }
    i = end;
  }
  emit(antlr4::Token::EOF, antlr4::Token::DEFAULT_CHANNEL, data.size(), data.size() - 1, line, col);
}

// The code points of valid UTF-8.
std::u32string decode_utf8(std::string_view s) {
  std::u32string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size();) {
    const auto c = static_cast<unsigned char>(s[i]);
    const std::size_t len = c < 0x80 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
    char32_t cp = len == 1 ? c : c & (0xFF >> (len + 1));
    for (std::size_t k = 1; k < len && i + k < s.size(); ++k) cp = (cp << 6) | (static_cast<unsigned char>(s[i + k]) & 0x3F);
    out.push_back(cp);
    i += len;
  }
  return out;
}

}  // namespace

std::vector<std::unique_ptr<antlr4::Token>> lex_iwd(const std::u32string& data, antlr4::TokenSource* source,
                                                    antlr4::CharStream* input) {
  std::vector<std::unique_ptr<antlr4::Token>> tokens;
  tokens.reserve(data.size() / 3 + 1);
  auto& factory = *antlr4::CommonTokenFactory::DEFAULT;
  const std::pair<antlr4::TokenSource*, antlr4::CharStream*> pair{source, input};
  scan(std::u32string_view(data), [&](std::size_t type, std::size_t channel, std::size_t start, std::size_t stop,
                                      std::size_t line, std::size_t col) {
    auto t = factory.create(pair, type, "", channel, start, stop, line, col);
    t->setTokenIndex(tokens.size());
    tokens.push_back(std::move(t));
  });
  return tokens;
}

FastTokens::FastTokens(std::string_view text) : bytes_(text) {
  if (bytes_.substr(0, 3) == "\xEF\xBB\xBF") bytes_.remove_prefix(3);  // as ANTLRInputStream
  const bool ascii = std::all_of(bytes_.begin(), bytes_.end(), [](char c) { return static_cast<unsigned char>(c) < 0x80; });
  if (!ascii) code_points_ = decode_utf8(bytes_);
  store_.reserve(size() / 3 + 1);
  auto emit = [&](std::size_t type, std::size_t channel, std::size_t start, std::size_t stop, std::size_t line,
                  std::size_t col) { store_.emplace_back(this, type, channel, start, stop, line, col, store_.size()); };
  if (ascii) scan(bytes_, emit);
  else scan(std::u32string_view(code_points_), emit);
  pointers_.reserve(store_.size());
  for (auto& t : store_) pointers_.push_back(&t);
}

std::string FastTokens::text(std::size_t start, std::size_t stop) const {
  if (code_points_.empty()) return std::string(bytes_.substr(start, stop - start + 1));
  std::string out;
  for (std::size_t i = start; i <= stop; ++i) append_utf8(out, code_points_[i]);
  return out;
}

std::string FastToken::getText() const {
  const std::size_t n = file_->size();
  if (start_ < n && stop_ < n) return file_->text(start_, stop_);
  return "<EOF>";
}

std::string FastToken::toString() const {
  return "[@" + std::to_string(index_) + "," + std::to_string(start_) + ":" + std::to_string(stop_) + "='" +
         getText() + "',<" + std::to_string(type_) + ">," + std::to_string(line_) + ":" + std::to_string(col_) + "]";
}

}  // namespace iwd::compiler
