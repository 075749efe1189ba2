// Goldens for the text renderer and the shape of the JSON Lines output.
#include <set>
#include <sstream>
#include <string>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "compiler/diag/render.h"
#include "compiler/diag/render_json_reference.h"
#include "tests/support/diagnostics.h"

namespace iwd::compiler {
namespace {

using iwd::test::diag;
using iwd::test::range_of;

std::string text(const SourceManager& sm, const std::vector<Diagnostic>& diags, TextRenderOptions opts = {}) {
  std::ostringstream out;
  render_text(out, sm, diags, opts);
  return out.str();
}

// One diagnostic on a one-line file, rendered without anything else.
std::string one_line(std::string line, std::uint32_t c1, std::uint32_t c2) {
  SourceManager sm;
  const FileId f = sm.add("t.iwd", std::move(line) + "\n");
  return text(sm, {diag("E0302", Severity::Error, range_of(f, 1, c1, 1, c2), "m")});
}

TEST(RenderText, ErrorWithCaretsNotesAndFixIt) {
  SourceManager sm;
  const FileId f = sm.add("rules/sales.iwd", "department Sales {\n  process Gold when segment == Gld\n}\n");
  Diagnostic d = diag("E0302", Severity::Error, range_of(f, 2, 32, 2, 35), "unknown name `Gld`");
  d.notes.push_back("names are case-sensitive");
  d.fixits.push_back({range_of(f, 2, 32, 2, 35), "Gold", "did you mean `Gold`?"});
  EXPECT_EQ(text(sm, {d}),
            "rules/sales.iwd:2:32: error[E0302]: unknown name `Gld`\n"
            "    2 |   process Gold when segment == Gld\n"
            "      |                                ^~~\n"
            "      = note: names are case-sensitive\n"
            "      = help: did you mean `Gold`?\n");
}

TEST(RenderText, WarningAndNoteSeverities) {
  SourceManager sm;
  const FileId f = sm.add("a.iwd", "import \"b.iwd\"\n");
  EXPECT_EQ(text(sm, {diag("W0203", Severity::Warning, range_of(f, 1, 8, 1, 15), "imported twice"),
                      diag("I0109", Severity::Note, range_of(f, 1, 1, 1, 7), "too many errors")}),
            "a.iwd:1:8: warning[W0203]: imported twice\n"
            "    1 | import \"b.iwd\"\n"
            "      |        ^~~~~~~\n"
            "a.iwd:1:1: note[I0109]: too many errors\n"
            "    1 | import \"b.iwd\"\n"
            "      | ^~~~~~\n");
}

TEST(RenderText, MultibyteCharactersKeepCaretsAligned) {
  // `naïve` starts at code point 14: é and ï are two bytes each but one column.
  EXPECT_EQ(one_line("  \"h\xC3\xA9llo\" == na\xC3\xAFve", 14, 19),
            "t.iwd:1:14: error[E0302]: m\n"
            "    1 |   \"h\xC3\xA9llo\" == na\xC3\xAFve\n"
            "      |              ^~~~~\n");
  // A range that covers a multibyte character.
  EXPECT_EQ(one_line("x = \"\xE2\x82\xAC\"", 5, 8),
            "t.iwd:1:5: error[E0302]: m\n"
            "    1 | x = \"\xE2\x82\xAC\"\n"
            "      |     ^~~\n");
}

TEST(RenderText, WideCharactersTakeTwoColumns) {
  // 名前 == x: each CJK character is two columns wide on a terminal.
  EXPECT_EQ(one_line("\xE5\x90\x8D\xE5\x89\x8D == x", 7, 8),
            "t.iwd:1:7: error[E0302]: m\n"
            "    1 | \xE5\x90\x8D\xE5\x89\x8D == x\n"
            "      |         ^\n");
  EXPECT_EQ(one_line("\xE5\x90\x8D = 1", 1, 2),
            "t.iwd:1:1: error[E0302]: m\n"
            "    1 | \xE5\x90\x8D = 1\n"
            "      | ^~\n");
}

TEST(RenderText, TabsAreExpandedInTheLineAndUnderIt) {
  // Tab stops of 4: the first tab takes 4 columns, the second (at column 11) takes 1.
  EXPECT_EQ(one_line("\tprocess\tGold when segmnt == Gold", 20, 26),
            "t.iwd:1:20: error[E0302]: m\n"
            "    1 |     process Gold when segmnt == Gold\n"
            "      |                       ^~~~~~\n");
  // A range on a tab underlines all of its columns.
  EXPECT_EQ(one_line("a\tb", 2, 3),
            "t.iwd:1:2: error[E0302]: m\n"
            "    1 | a   b\n"
            "      |  ^~~\n");
}

TEST(RenderText, RangeSpanningLinesIsUnderlinedToTheEndOfTheFirstLine) {
  SourceManager sm;
  const FileId f = sm.add("a.iwd", "department Sales {\n  process X\n}\n");
  EXPECT_EQ(text(sm, {diag("E0301", Severity::Error, range_of(f, 1, 12, 3, 2), "twice")}),
            "a.iwd:1:12: error[E0301]: twice\n"
            "    1 | department Sales {\n"
            "      |            ^~~~~~~\n");
}

TEST(RenderText, EmptyRangesAndRangesPastTheLineGetOneCaret) {
  EXPECT_EQ(one_line("abc", 2, 2),
            "t.iwd:1:2: error[E0302]: m\n"
            "    1 | abc\n"
            "      |  ^\n");
  EXPECT_EQ(one_line("abc", 4, 4),  // end of the line
            "t.iwd:1:4: error[E0302]: m\n"
            "    1 | abc\n"
            "      |    ^\n");
  EXPECT_EQ(one_line("abc", 90, 99),  // bad columns stay next to the line
            "t.iwd:1:90: error[E0302]: m\n"
            "    1 | abc\n"
            "      |    ^\n");
  EXPECT_EQ(one_line("abc", 2, 99),
            "t.iwd:1:2: error[E0302]: m\n"
            "    1 | abc\n"
            "      |  ^~\n");
  SourceManager sm;  // end of file after a final newline: an empty line
  const FileId f = sm.add("a.iwd", "department Sales {\n");
  EXPECT_EQ(text(sm, {diag("E0101", Severity::Error, range_of(f, 2, 1, 2, 1), "expected `}`, found end of file")}),
            "a.iwd:2:1: error[E0101]: expected `}`, found end of file\n"
            "    2 |\n"
            "      | ^\n");
}

TEST(RenderText, InvalidBytesAndControlCharactersAreShownAsReplacementCharacters) {
  // `caf\xE9` saved as Latin-1; an escape character must not reach the terminal.
  EXPECT_EQ(one_line("ruleset caf\xE9 \x1b[2J x", 14, 15),
            "t.iwd:1:14: error[E0302]: m\n"
            "    1 | ruleset caf\xEF\xBF\xBD \xEF\xBF\xBD[2J x\n"
            "      |              ^\n");
}

TEST(RenderText, CarriageReturnsAreNotShown) {
  SourceManager sm;
  const FileId f = sm.add("w.iwd", "a == b\r\nc\r\n");
  EXPECT_EQ(text(sm, {diag("E0302", Severity::Error, range_of(f, 1, 6, 1, 7), "m")}),
            "w.iwd:1:6: error[E0302]: m\n"
            "    1 | a == b\n"
            "      |      ^\n");
}

TEST(RenderText, SecondaryLabelsShowTheirOwnLines) {
  SourceManager sm;
  const FileId a = sm.add("a.iwd", "enum Segment { Gold }\n");
  const FileId b = sm.add("sub/b.iwd", "// two\n\nenum Segment { A }\n");
  Diagnostic d = diag("E0301", Severity::Error, range_of(b, 3, 6, 3, 13), "enum `Segment` is declared twice");
  d.labels.push_back({range_of(a, 1, 6, 1, 13), "first declared here"});
  d.labels.push_back({range_of(b, 1, 1, 1, 3), ""});
  EXPECT_EQ(text(sm, {d}),
            "sub/b.iwd:3:6: error[E0301]: enum `Segment` is declared twice\n"
            "    3 | enum Segment { A }\n"
            "      |      ^~~~~~~\n"
            "a.iwd:1:6: note: first declared here\n"
            "    1 | enum Segment { Gold }\n"
            "      |      ^~~~~~~\n"
            "sub/b.iwd:1:1: note\n"
            "    1 | // two\n"
            "      | ^~\n");
}

TEST(RenderText, DiagnosticsWithoutARange) {
  SourceManager sm;
  Diagnostic d = diag("E0201", Severity::Error, SourceRange{}, "cannot import `x.iwd`");
  d.notes.push_back("cannot read 'x.iwd': No such file or directory");
  d.labels.push_back({SourceRange{}, "imported from here"});
  EXPECT_EQ(text(sm, {d}),
            "iwd: error[E0201]: cannot import `x.iwd`\n"
            "      = note: cannot read 'x.iwd': No such file or directory\n"
            "iwd: note: imported from here\n");
  // A range into a file that the manager does not have is treated as no range.
  EXPECT_EQ(text(sm, {diag("E0201", Severity::Error, range_of(3, 1, 1, 1, 2), "gone")}), "iwd: error[E0201]: gone\n");
}

TEST(RenderText, FixItsAlwaysShowTheReplacement) {
  SourceManager sm;
  const FileId f = sm.add("a.iwd", "x = 1\n");
  Diagnostic d = diag("E0101", Severity::Error, range_of(f, 1, 3, 1, 4), "m");
  d.fixits.push_back({range_of(f, 1, 3, 1, 4), "==", "to compare, write `==`"});  // already shown
  d.fixits.push_back({range_of(f, 1, 3, 1, 4), "==", "to compare"});
  d.fixits.push_back({range_of(f, 1, 3, 1, 4), "==", ""});
  d.fixits.push_back({range_of(f, 1, 6, 1, 6), " }", ""});
  d.fixits.push_back({range_of(f, 1, 1, 1, 3), "", ""});
  d.fixits.push_back({range_of(f, 1, 1, 1, 3), "", "remove `x `"});
  EXPECT_EQ(text(sm, {d}, {.color = false, .show_source = false}),
            "a.iwd:1:3: error[E0101]: m\n"
            "      = help: to compare, write `==`\n"
            "      = help: to compare: `==`\n"
            "      = help: replace with `==`\n"
            "      = help: insert ` }`\n"
            "      = help: remove this\n"
            "      = help: remove `x `\n");
}

TEST(RenderText, GutterGrowsWithLargeLineNumbers) {
  std::string src;
  for (int i = 1; i < 123456; ++i) src += "\n";
  src += "bad\n";
  SourceManager sm;
  const FileId f = sm.add("big.iwd", src);
  Diagnostic d = diag("E0105", Severity::Error, range_of(f, 123456, 1, 123456, 2), "m");
  d.notes.push_back("n");
  EXPECT_EQ(text(sm, {d}),
            "big.iwd:123456:1: error[E0105]: m\n"
            "123456 | bad\n"
            "       | ^\n"
            "       = note: n\n");
}

TEST(RenderText, Color) {
  SourceManager sm;
  const FileId f = sm.add("a.iwd", "abc\n");
  Diagnostic d = diag("W0203", Severity::Warning, range_of(f, 1, 1, 1, 3), "w");
  d.notes.push_back("n");
  d.labels.push_back({range_of(f, 1, 3, 1, 4), "here"});
  EXPECT_EQ(text(sm, {d, diag("E0101", Severity::Error, SourceRange{}, "e")}, {.color = true}),
            "\x1b[1ma.iwd:1:1:\x1b[0m \x1b[1;35mwarning[W0203]\x1b[0m\x1b[1m: w\x1b[0m\n"
            "    1 | abc\n"
            "      | \x1b[1;32m^~\x1b[0m\n"
            "      = \x1b[1mnote\x1b[0m: n\n"
            "\x1b[1ma.iwd:1:3:\x1b[0m \x1b[1;36mnote\x1b[0m\x1b[1m: here\x1b[0m\n"
            "    1 | abc\n"
            "      |   \x1b[1;32m^\x1b[0m\n"
            "\x1b[1miwd:\x1b[0m \x1b[1;31merror[E0101]\x1b[0m\x1b[1m: e\x1b[0m\n");
}

TEST(RenderText, NothingForNoDiagnostics) {
  SourceManager sm;
  EXPECT_EQ(text(sm, {}), "");
}

std::vector<nlohmann::json> json_lines(const SourceManager& sm, const std::vector<Diagnostic>& diags) {
  std::ostringstream out;
  render_json(out, sm, diags);
  std::vector<nlohmann::json> lines;
  std::istringstream in(out.str());
  std::string line;
  while (std::getline(in, line)) lines.push_back(nlohmann::json::parse(line));
  return lines;
}

TEST(RenderJson, OneObjectPerLineWithEveryField) {
  SourceManager sm;
  const FileId a = sm.add("a.iwd", "enum E { X }\n");
  const FileId b = sm.add("b.iwd", "enum E { Y }\n");
  Diagnostic d = diag("E0301", Severity::Error, range_of(b, 1, 6, 1, 7), "enum `E` is declared twice");
  d.labels.push_back({range_of(a, 1, 6, 1, 7), "first declared here"});
  d.notes.push_back("rename one of them");
  d.fixits.push_back({range_of(b, 1, 6, 1, 7), "E2", "rename to `E2`"});
  const auto lines = json_lines(sm, {d, diag("W0203", Severity::Warning, range_of(a, 1, 1, 1, 1), "w")});
  ASSERT_EQ(lines.size(), 2u);
  const nlohmann::json expected = nlohmann::json::parse(R"({
    "code": "E0301", "severity": "error", "message": "enum `E` is declared twice", "file": "b.iwd",
    "range": {"start": {"line": 1, "column": 6}, "end": {"line": 1, "column": 7}},
    "labels": [{"file": "a.iwd",
                "range": {"start": {"line": 1, "column": 6}, "end": {"line": 1, "column": 7}},
                "message": "first declared here"}],
    "notes": ["rename one of them"],
    "fixits": [{"file": "b.iwd",
                "range": {"start": {"line": 1, "column": 6}, "end": {"line": 1, "column": 7}},
                "replacement": "E2", "message": "rename to `E2`"}]
  })");
  EXPECT_EQ(lines[0], expected);
  EXPECT_EQ(lines[1]["severity"], "warning");
  EXPECT_EQ(lines[1]["labels"], nlohmann::json::array());
  EXPECT_EQ(lines[1]["notes"], nlohmann::json::array());
  EXPECT_EQ(lines[1]["fixits"], nlohmann::json::array());
}

TEST(RenderJson, KeysInDocumentedOrderAndNullsWithoutRange) {
  SourceManager sm;
  std::ostringstream out;
  render_json(out, sm, {diag("E0201", Severity::Error, SourceRange{}, "cannot import `x.iwd`")});
  EXPECT_EQ(out.str(),
            R"({"code":"E0201","severity":"error","message":"cannot import `x.iwd`","file":null,)"
            R"("range":null,"labels":[],"notes":[],"fixits":[]})"
            "\n");
}

TEST(RenderJson, InvalidUtf8InMessagesIsReplaced) {
  SourceManager sm;
  const FileId f = sm.add("a.iwd", "\xFF\n");
  const auto lines = json_lines(sm, {diag("E0105", Severity::Error, range_of(f, 1, 1, 1, 2), "unexpected `\xFF`")});
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_EQ(lines[0]["message"], "unexpected `\xEF\xBF\xBD`");
}

// render_json writes its JSON directly; nlohmann's dump of the same objects is the reference,
// byte for byte: escapes, control characters, quotes, non-ASCII text, invalid UTF-8 (which
// goes through nlohmann's replacement), missing ranges, empty and long lists.
TEST(RenderJson, SameBytesAsTheLibrarysDump) {
  static const std::vector<std::string> kPieces = {
      "a", "Z", " ", "`", "\"", "\\", "/", "\b", "\f", "\n", "\r", "\t", std::string(1, '\0'), "\x01", "\x1b",
      "\x1f", "\x7f", "\xC3\xA9", "\xE2\x82\xAC", "\xF0\x9F\x98\x80", "\xEF\xBF\xBD", "\xFF", "\xC3",
      "\xC0\x80", "\xED\xA0\x80", "\xF4\x90\x80\x80", "\xE2\x82", "\x80", "\u00e9t\u00e9", "{}[],:"};
  std::uint32_t state = 12345;
  auto next = [&state](std::uint32_t n) {
    state = state * 1664525u + 1013904223u;
    return (state >> 8) % n;
  };
  static const std::set<std::string> kInvalid = {"\xFF", "\xC3", "\xC0\x80", "\xED\xA0\x80", "\xF4\x90\x80\x80",
                                                "\xE2\x82", "\x80"};
  auto text_of = [&](bool valid_only) {
    std::string t;
    for (std::uint32_t i = 0, n = next(8); i < n; ++i) {
      const std::string& p = kPieces[next(static_cast<std::uint32_t>(kPieces.size()))];
      if (!valid_only || !kInvalid.count(p)) t += p;
    }
    return t;
  };
  SourceManager sm;
  std::vector<FileId> files = {sm.add("a.iwd", "x\n"), sm.add("dir/b \"q\".iwd", "y\n"), sm.add("\xC3\xA9.iwd", "z\n"),
                               sm.add("bad\xFF.iwd", "w\n")};
  auto range = [&] {
    if (next(5) == 0) return SourceRange{};
    const auto l = next(100000) + 1, c = next(300) + 1;
    return range_of(files[next(static_cast<std::uint32_t>(files.size()))], l, c, l + next(3), c + next(40));
  };
  std::vector<Diagnostic> diags;
  std::size_t direct = 0;
  for (int i = 0; i < 3000; ++i) {
    const bool valid_only = next(3) != 0;
    Diagnostic d = diag(next(2) ? "E0302" : "W0601", static_cast<Severity>(next(3)), range(), text_of(valid_only));
    for (std::uint32_t k = 0, n = next(3); k < n; ++k) d.labels.push_back({range(), text_of(valid_only)});
    for (std::uint32_t k = 0, n = next(3); k < n; ++k) d.notes.push_back(text_of(valid_only));
    for (std::uint32_t k = 0, n = next(3); k < n; ++k) d.fixits.push_back({range(), text_of(valid_only), text_of(valid_only)});
    direct += valid_only;
    diags.push_back(std::move(d));
  }
  std::ostringstream ours, library;
  render_json(ours, sm, diags);
  render_json_via_library(library, sm, diags);
  ASSERT_GT(direct, 1000u);
  EXPECT_EQ(ours.str(), library.str());
  // Line by line, to show the first that differs.
  std::istringstream a(ours.str()), b(library.str());
  std::string la, lb;
  for (int n = 1; std::getline(b, lb); ++n) {
    ASSERT_TRUE(std::getline(a, la)) << "line " << n << " missing";
    ASSERT_EQ(la, lb) << "line " << n;
  }
}

}  // namespace
}  // namespace iwd::compiler
