// parse_file's hand-written lexer against ANTLR's generated IwdLexer: the same tokens (type,
// channel, start, stop, line, column, index, text), both as lex_iwd's CommonTokens and as the
// fast parser's FastTokens (no UTF-32 copy of an ASCII text), on every .iwd file of the tree
// and on generated text made of the pieces where the lexer's rules compete.
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "bench/ruleset_gen.h"
#include "compiler/syntax/token_dump.h"

namespace iwd::compiler {
namespace {

// The first line where two dumps differ, or "".
std::string first_difference(const std::string& ours, const std::string& antlr) {
  if (ours == antlr) return "";
  std::istringstream a(ours), b(antlr);
  std::string la, lb;
  while (true) {
    const bool ga = static_cast<bool>(std::getline(a, la)), gb = static_cast<bool>(std::getline(b, lb));
    if (!ga || !gb || la != lb) return "ours:  " + (ga ? la : "(end)") + "\nANTLR: " + (gb ? lb : "(end)");
  }
}

// The first line where either of the hand-written lexer's forms (lex_iwd's CommonTokens, the
// fast parser's FastTokens) differs from ANTLR's lexer, or "".
std::string first_difference(const std::string& text) {
  const std::string antlr = dump_tokens(text, true);
  const std::string common = first_difference(dump_tokens(text, false), antlr);
  if (!common.empty()) return "lex_iwd\n" + common;
  const std::string fast = first_difference(dump_fast_tokens(text), antlr);
  return fast.empty() ? "" : "FastTokens\n" + fast;
}

TEST(FastLexer, SameTokensAsAntlrOnEveryIwdFileOfTheTree) {
  std::size_t files = 0;
  for (const char* dir : {"examples", "tests", "stdlib", "docs", "bench"}) {
    const std::filesystem::path root = std::filesystem::path(IWD_SOURCE_DIR) / dir;
    if (!std::filesystem::exists(root)) continue;
    for (const auto& e : std::filesystem::recursive_directory_iterator(root)) {
      if (!e.is_regular_file() || e.path().extension() != ".iwd") continue;
      std::ifstream in(e.path(), std::ios::binary);
      std::stringstream ss;
      ss << in.rdbuf();
      EXPECT_EQ(first_difference(ss.str()), "") << e.path();
      ++files;
    }
  }
  EXPECT_GT(files, 200u);
}

TEST(FastLexer, SameTokensAsAntlrOnAGeneratedRuleset) {
  EXPECT_EQ(first_difference(iwd::bench::generate_ruleset(20, 10)), "");
}

// Random text from pieces where rules compete: numbers, dates, instants, durations, units,
// `bd`, `%`, `_`, dots, strings and escapes, comments (closed or not), operators, keywords,
// non-ASCII, line ends.
TEST(FastLexer, SameTokensAsAntlrOnGeneratedText) {
  static const std::vector<std::string> kPieces = {
      "0", "1", "7", "12", "2024", "2024-01-31", "T", "Z", "10:30", ":", "05", "-", "+", ".", "..", "5", "_", "__",
      "ms", "m", "s", "h", "d", "w", "bd", "b", "%", "x", "e", "min", "and", "or", "not", "in", "department", "process",
      "priority", "every", "sla", "ID9", "\"", "\\", "\"ab\"", "\"a\\\"b\"", "\\n", "\n", "\r", "\r\n", "\t", " ", "  ",
      "\f", "\xEF\xBB\xBF", "/", "*", "//", "/*", "*/", "/**/", "{", "}", "(", ")", "[", "]", "<", "<=", ">", ">=", "=",
      "==", "!", "!=", "?", "??", ",", ";", "|", "||", "&", "&&", "#", "'", "\xC3\xA9", "\xE2\x82\xAC", "\xF0\x9F\x98\x80",
      "1.5", "3_000", "1h30m", "2024-01-31T10:00:00.250+01:00", "2024-01-31T10:00Z", "12:00:00", "1e5", "0x1F"};
  std::uint32_t state = 7;
  auto next = [&state](std::uint32_t n) {
    state = state * 1664525u + 1013904223u;
    return (state >> 8) % n;
  };
  int compared = 0;
  for (int round = 0; round < 4000; ++round) {
    std::string text;
    for (std::uint32_t i = 0, n = 1 + next(12); i < n; ++i) text += kPieces[next(static_cast<std::uint32_t>(kPieces.size()))];
    const std::string diff = first_difference(text);
    ASSERT_EQ(diff, "") << "text: [" << text << "]";
    ++compared;
  }
  EXPECT_EQ(compared, 4000);
}

TEST(FastLexer, EdgeCases) {
  for (const std::string text :
       {"", "\n", "/*", "/* x", "/* x *", "/*/", "/* * / */", "\"", "\"abc", "\"abc\\", "\"a\\\nb\"", "1.", "1..5", "1._5",
        "1_", "1__0", "1_2.3_4x", "1.5x", "1_2x", "5bdx", "5bd", "5ms5", "5m5", "1h30", "2024-01-01T10:00:00.5",
        "2024-01-01T10:00+01:0", "2024-01-01T10:00:00Z", "99:99", "9:30", "12%x", "1.5%", "a\rb\nc", "x\xEF\xBB\xBFy",
        "\xEF\xBB\xBF", "\xEF\xBB\xBFx y", "\xEF\xBB\xBF\xEF\xBB\xBFx", "\xEF\xBB\xBF\"\xC3\xA9\" x", "\"\xE2\x82\xAC\xF0\x9F\x98\x80\"",
        "a\xFF\xC3" "b", "\xC3\xA9\n  \xE2\x82\xAC"})
    EXPECT_EQ(first_difference(text), "") << "text: [" << text << "]";
}

}  // namespace
}  // namespace iwd::compiler
