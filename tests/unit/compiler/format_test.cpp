// The formatter (`iwd fmt`): idempotence and AST equality on every example and golden
// file, comment preservation, specific layouts.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "compiler/format/format.h"
#include "compiler/syntax/lex_comments.h"
#include "compiler/syntax/parse.h"

namespace iwd::compiler {
namespace {

namespace fs = std::filesystem;

std::string read(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string fmt_ok(const std::string& text) {
  DiagnosticBag diags;
  FormatResult r = format_text("t.iwd", text, diags);
  EXPECT_TRUE(r.ok) << "error: " << r.error << "\ninput:\n" << text;
  return r.text;
}

// The AST without ranges; empty when the text has syntax errors.
std::string stripped_ast(const std::string& text, bool* ok) {
  SourceManager sm;
  DiagnosticBag diags;
  FileId id = sm.add("t.iwd", text);
  auto file = parse_file(sm, id, diags);
  *ok = !diags.has_errors();
  std::ostringstream out;
  dump_ast(out, sm, *file);
  return strip_ast_ranges(out.str());
}

std::vector<std::string> comment_texts(const std::string& text) {
  SourceManager sm;
  FileId id = sm.add("t.iwd", text);
  std::vector<std::string> out;
  for (const auto& c : lex_comments(sm, id)) out.push_back(c.text);
  std::sort(out.begin(), out.end());
  return out;
}

// Idempotent, same AST, every comment exactly once.
void check_properties(const std::string& input, const std::string& what) {
  bool ok = false;
  const std::string ast_in = stripped_ast(input, &ok);
  if (!ok) return;  // never formats broken code: tested below
  DiagnosticBag diags;
  FormatResult once = format_text("t.iwd", input, diags);
  ASSERT_TRUE(once.ok) << what << ": " << once.error;
  FormatResult twice = format_text("t.iwd", once.text, diags);
  ASSERT_TRUE(twice.ok) << what << ": " << twice.error;
  EXPECT_EQ(once.text, twice.text) << what << ": not idempotent";
  bool ok_out = false;
  EXPECT_EQ(ast_in, stripped_ast(once.text, &ok_out)) << what << ": the AST changed";
  EXPECT_TRUE(ok_out) << what;
  // Comments: same texts (trailing blanks on a comment's lines aside), each once.
  auto strip = [](std::vector<std::string> v) {
    for (auto& s : v) {
      std::string o, line;
      std::istringstream in(s);
      bool first = true;
      while (std::getline(in, line)) {
        while (!line.empty() && (line.back() == ' ' || line.back() == '\t' || line.back() == '\r')) line.pop_back();
        o += (first ? "" : "\n") + line;
        first = false;
      }
      s = o;
    }
    std::sort(v.begin(), v.end());
    return v;
  };
  EXPECT_EQ(strip(comment_texts(input)), strip(comment_texts(once.text))) << what << ": comments differ";
  // No trailing whitespace; exactly one newline at the end (or an empty file).
  if (!once.text.empty()) {
    EXPECT_EQ(once.text.back(), '\n') << what;
    EXPECT_FALSE(once.text.size() >= 2 && once.text[once.text.size() - 2] == '\n') << what << ": blank line at end";
  }
  EXPECT_EQ(once.text.find(" \n"), std::string::npos) << what << ": trailing whitespace";
}

TEST(Format, EveryExampleAndGoldenFile) {
  std::size_t formatted = 0;
  for (const char* dir : {"examples", "tests/golden", "tests/fmt"}) {
    const fs::path root = fs::path(IWD_SOURCE_DIR) / dir;
    if (!fs::exists(root)) continue;
    for (const auto& e : fs::recursive_directory_iterator(root)) {
      if (!e.is_regular_file() || e.path().extension() != ".iwd") continue;
      const std::string text = read(e.path());
      bool ok = false;
      stripped_ast(text, &ok);
      if (!ok) continue;
      check_properties(text, e.path().string());
      ++formatted;
    }
  }
  EXPECT_GT(formatted, 100u);
}

TEST(Format, RefusesBrokenCode) {
  DiagnosticBag diags;
  FormatResult r = format_text("t.iwd", "define x =\npriority p { start }\n", diags);
  EXPECT_FALSE(r.ok);
  EXPECT_TRUE(r.text.empty());
  EXPECT_TRUE(r.error.empty());
  EXPECT_TRUE(diags.has_errors());
}

TEST(Format, StripAstRanges) {
  EXPECT_EQ(strip_ast_ranges("File t.iwd\n  Define x @1:1-1:13\n    Int 1 @1:12-1:13\n  Bad @?\n"),
            "File t.iwd\n  Define x\n    Int 1\n  Bad\n");
}

TEST(Format, ExpressionSpacingKeepsParenthesesAndSpellings) {
  EXPECT_EQ(fmt_ok("define  x=- 5+-(3)*f( a , b );\n"), "define x = -5 + -(3) * f(a, b)\n");
  EXPECT_EQ(fmt_ok("define x = ((a))or(b??0)>=1_000_000\n"), "define x = ((a)) or (b ?? 0) >= 1_000_000\n");
  EXPECT_EQ(fmt_ok("define x=a not in[1,2,]and b in 1 .. 5 and item . seg==Segment.Gold\n"),
            "define x = a not in [1, 2] and b in 1..5 and item.seg == Segment.Gold\n");
  EXPECT_EQ(fmt_ok("define d = 1h30m + 12.5% of sla\n"), "define d = 1h30m + 12.5% of sla\n");
  EXPECT_EQ(fmt_ok("define m = min(min, max)\n"), "define m = min(min, max)\n");
}

TEST(Format, BusinessDaysAndCalendarCells) {
  EXPECT_EQ(fmt_ok("default process P {sla 5bd   in office}\n"), "default process P { sla 5bd in office }\n");
  EXPECT_EQ(fmt_ok("department D {\n  table {\n    source|sla\n    \"x\"|5bd   in office\n    \"yy\"|48h\n  }\n}\n"),
            "department D {\n  table {\n    source | sla\n    \"x\"    | 5bd in office\n    \"yy\"   | 48h\n  }\n}\n");
}

TEST(Format, StringsReEscapedCanonically) {
  EXPECT_EQ(fmt_ok("define s = \"a\\u{41}\\u{e9}\\u{1}\\\"\\\\\\n\\t\tx\"\n"),
            "define s = \"aA\xC3\xA9\\u{1}\\\"\\\\\\n\\t\\tx\"\n");
  EXPECT_EQ(fmt_ok("timezone \"\\u{45}urope/Berlin\"\n"), "timezone \"Europe/Berlin\"\n");
}

TEST(Format, BlocksOneClausePerLine) {
  EXPECT_EQ(fmt_ok("priority p { start 1; every 1h add 5 max 10 }"),
            "priority p {\n  start 1\n  every 1h add 5\n  max 10\n}\n");
  EXPECT_EQ(fmt_ok("attributes { a: int = 1,\n b: list<string>? = [] }"),
            "attributes {\n  a: int = 1\n  b: list<string>? = []\n}\n");
  EXPECT_EQ(fmt_ok("calendar c { mon .. fri 08:00 - 18:00 , 19:00-20:00 closed 2026-12-24 , every 12-25 }"),
            "calendar c {\n  mon..fri 08:00-18:00, 19:00-20:00\n  closed 2026-12-24, every 12-25\n}\n");
}

TEST(Format, ShortBlocksWrittenOnOneLineStayThere) {
  // One clause or stage (any number of attributes), written on one line, fitting in 100 columns.
  EXPECT_EQ(fmt_ok("default process P {\n sla 2h\n targets {skill a>0}\n priority {start 1;}\n}\n"),
            "default process P {\n  sla 2h\n  targets { skill a > 0 }\n  priority { start 1 }\n}\n");
  EXPECT_EQ(fmt_ok("department D { process Q {sla 2h} process R }\n"),
            "department D {\n  process Q { sla 2h }\n  process R\n}\n");
  EXPECT_EQ(fmt_ok("attributes { id: string  n: int = 0; tags: list<string> = [a, b,] }\n"),
            "attributes { id: string, n: int = 0, tags: list<string> = [a, b] }\n");
  // Written over several lines, two clauses, a nested block, a comment inside, or too wide: a block.
  EXPECT_EQ(fmt_ok("targets t {\n skill a > 0 }\n"), "targets t {\n  skill a > 0\n}\n");
  EXPECT_EQ(fmt_ok("targets t { skill a > 0 for 1h skill b > 0 }\n"),
            "targets t {\n  skill a > 0 for 1h\n  skill b > 0\n}\n");
  EXPECT_EQ(fmt_ok("default process P { targets { skill a > 0 } }\n"),
            "default process P {\n  targets { skill a > 0 }\n}\n");
  EXPECT_EQ(fmt_ok("targets t { skill a > 0 /* c */ }\n"), "targets t {\n  skill a > 0 /* c */\n}\n");
  const std::string wide = "targets t { skill " + std::string(90, 'a') + " > 0 }\n";
  EXPECT_EQ(fmt_ok(wide), "targets t {\n  skill " + std::string(90, 'a') + " > 0\n}\n");
  for (const char* s : {"default process P { sla 2h targets { skill a > 0 } }\n", "attributes { a: int, b: int }\n"})
    check_properties(s, s);
}

TEST(Format, AlignedTrailingCommentsStayAligned) {
  // Consecutive trailing comments in one source column keep it while the code ends before it.
  EXPECT_EQ(fmt_ok("priority p {\n  start   1   // a\n  max 2       // b\n}\n"),
            "priority p {\n  start 1     // a\n  max 2       // b\n}\n");
  // Code that reaches the column: the group moves to one space after the longest line.
  EXPECT_EQ(fmt_ok("priority p {\n  start 1 // a\n  max 2+3 // b\n}\n"),
            "priority p {\n  start 1   // a\n  max 2 + 3 // b\n}\n");
  // A lone trailing comment goes one space after its code.
  EXPECT_EQ(fmt_ok("define a = 1      // a\n\ndefine b = 2   // b\n"), "define a = 1 // a\n\ndefine b = 2 // b\n");
  for (const char* s : {"priority p {\n  start   1   // a\n  max 2       // b\n}\n",
                        "priority p {\n  start 1 // a\n  max 2+3 // b\n  min 0 /* c */ // d\n}\n"})
    check_properties(s, s);
}

TEST(Format, ShortListsOnOneLineLongOnesOnePerLine) {
  EXPECT_EQ(fmt_ok("enum S {A,B,C,}\nskills{x,y}\ncapacity c{voice 1,total 3}\n"),
            "enum S { A, B, C }\nskills { x, y }\ncapacity c { voice 1, total 3 }\n");
  std::string long_enum = "enum E { ";
  for (int i = 0; i < 30; ++i) long_enum += (i ? ", V" : "V") + std::to_string(i);
  long_enum += " }\n";
  const std::string out = fmt_ok(long_enum);
  EXPECT_EQ(out.substr(0, 17), "enum E {\n  V0,\n  ");
  EXPECT_NE(out.find("\n  V29\n}\n"), std::string::npos);
}

TEST(Format, BlankLines) {
  // Blocks are separated by one blank line; single-line declarations keep at most one.
  EXPECT_EQ(fmt_ok("define a = 1\n\n\n\ndefine b = 2\ndefine c = 3\npriority p { start 1 max 2 }\ndefine d = 4\n"),
            "define a = 1\n\ndefine b = 2\ndefine c = 3\n\npriority p {\n  start 1\n  max 2\n}\n\ndefine d = 4\n");
  // A block kept on one line is a single-line declaration.
  EXPECT_EQ(fmt_ok("define a = 1\npriority p { start 1 }\ndefine d = 4\n"),
            "define a = 1\npriority p { start 1 }\ndefine d = 4\n");
  EXPECT_EQ(fmt_ok("\n\n// lead\n\n\ndefine a = 1\n\n\n"), "// lead\n\ndefine a = 1\n");
}

TEST(Format, DecisionTableAligned) {
  const std::string in =
      "department F {\n table first {\n segment|sla|priority\n Gold, Silver|48h|gold\n not Bronze|-|g\n"
      " -|1h|-5\n }\n}\n";
  EXPECT_EQ(fmt_ok(in),
            "department F {\n  table first {\n    segment      | sla | priority\n    Gold, Silver | 48h | gold\n"
            "    not Bronze   | -   | g\n    -            | 1h  | -5\n  }\n}\n");
}

TEST(Format, CommentsStayWhereTheyWere) {
  const std::string in =
      "// file header\n"
      "ruleset r // trailing\n"
      "\n"
      "/* before the scheme */\n"
      "priority p { // after the brace\n"
      "  // before start\n"
      "  start 1 /* after start */\n"
      "\n"
      "  // before max, after a blank line\n"
      "  max 2\n"
      "  // before the closing brace\n"
      "} // after the block\n"
      "// at the end\n";
  EXPECT_EQ(fmt_ok(in), in);  // already formatted: every comment stays, to the letter
  check_properties(in, "comments");
}

TEST(Format, CommentsInsideExpressionsKeepTheConstructAsWritten) {
  EXPECT_EQ(fmt_ok("define a = 1 + // why\n    2\n"), "define a = 1 + // why\n    2\n");
  EXPECT_EQ(fmt_ok("define  b = (1 /* x */)\n"), "define  b = (1 /* x */)\n");
  EXPECT_EQ(fmt_ok("enum S { A, /* odd */ B }\n"), "enum S { A, /* odd */ B }\n");
  // A comment in a block's header: the header as written, the body laid out.
  EXPECT_EQ(fmt_ok("department /* d */ D { sla 1h; media \"x\" }\n"),
            "department /* d */ D {\n  sla 1h\n  media \"x\"\n}\n");
  // A table row with a comment inside is kept as written; the others stay aligned.
  const std::string t = fmt_ok("department D { table {\n a | sla\n 1 /* one */ | 1h\n 22 | 2h\n} }\n");
  EXPECT_NE(t.find("    1 /* one */ | 1h\n"), std::string::npos) << t;
  EXPECT_NE(t.find("    a  | sla\n    "), std::string::npos) << t;
  for (const char* s : {"define a = 1 + // why\n    2\n", "department /* d */ D { sla 1h }\n",
                        "test \"t\" { given { id: \"x\" /* c */ } expect process A.B }\n",
                        "default process P { sla /* c */ 5d targets { skill a > 0 // c\n } }\n",
                        "/* a */ /* b */ define x = 1 /* c */ /* d */\n", "define x = 1; // after a semicolon\n"})
    check_properties(s, s);
}

TEST(Format, DepartmentKeepsClauseAndMemberOrder) {
  const std::string in = "department D {\n process A\n sla 1h\n process B { sla 2h }\n media \"x\"\n}\n";
  EXPECT_EQ(fmt_ok(in), "department D {\n  process A\n  sla 1h\n  process B { sla 2h }\n  media \"x\"\n}\n");
  check_properties(in, "order");
}

TEST(Format, TestBlocks) {
  EXPECT_EQ(fmt_ok("test \"t\" { given {id:\"T1\",segment:Gold} at 2026-11-23T09:00:00+01:00 expect process "
                   "S.G expect not eligible {a:5} at 0h }\n"),
            "test \"t\" {\n  given { id: \"T1\", segment: Gold }\n  at 2026-11-23T09:00:00+01:00\n"
            "  expect process S.G\n  expect not eligible { a: 5 } at 0h\n}\n");
}

TEST(Format, LexComments) {
  SourceManager sm;
  FileId id = sm.add("t.iwd", "define a = 1 // x\n/* y\n z */\n");
  auto cs = lex_comments(sm, id);
  ASSERT_EQ(cs.size(), 2u);
  EXPECT_EQ(cs[0].text, "// x");
  EXPECT_TRUE(cs[0].line_comment);
  EXPECT_EQ(cs[0].line, 1u);
  EXPECT_EQ(cs[0].begin, 13u);
  EXPECT_EQ(cs[1].line, 2u);
  EXPECT_EQ(cs[1].end_line, 3u);
  EXPECT_FALSE(cs[1].line_comment);
}

}  // namespace
}  // namespace iwd::compiler
