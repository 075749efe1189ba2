// The parser and AST builder: structure, ranges, literals, recovery and error wording.
#include <gtest/gtest.h>

#include <sstream>

#include "compiler/syntax/parse.h"

namespace iwd::compiler {
namespace {

struct Parsed {
  SourceManager sm;
  DiagnosticBag diags;
  std::unique_ptr<SyntaxFile> file;
};

std::unique_ptr<Parsed> parse(const std::string& text) {
  auto p = std::make_unique<Parsed>();
  FileId id = p->sm.add("t.iwd", text);
  p->file = parse_file(p->sm, id, p->diags);
  return p;
}

std::string ast(const std::string& text) {
  auto p = parse(text);
  std::ostringstream out;
  dump_ast(out, p->sm, *p->file);
  return out.str();
}

const SyntaxExpr& define_value(const Parsed& p, std::size_t i = 0) {
  return *as<SyntaxDefine>(*p.file->decls.at(i)).value;
}

TEST(Parse, PrecedenceOfArithmeticAndLogic) {
  auto p = parse("define x = a + b * 2 or not c and d");
  ASSERT_FALSE(p->diags.has_errors());
  const auto& top = as<SyntaxBinary>(define_value(*p));
  EXPECT_EQ(top.op, SyntaxBinaryOp::Or);
  const auto& sum = as<SyntaxBinary>(*top.lhs);
  EXPECT_EQ(sum.op, SyntaxBinaryOp::Add);
  EXPECT_EQ(as<SyntaxBinary>(*sum.rhs).op, SyntaxBinaryOp::Mul);
  const auto& conj = as<SyntaxBinary>(*top.rhs);
  EXPECT_EQ(conj.op, SyntaxBinaryOp::And);
  EXPECT_EQ(as<SyntaxUnary>(*conj.lhs).op, SyntaxUnaryOp::Not);
}

TEST(Parse, CoalesceBindsLooserThanOr) {
  auto p = parse("define x = a ?? b or c");
  const auto& top = as<SyntaxBinary>(define_value(*p));
  EXPECT_EQ(top.op, SyntaxBinaryOp::Coalesce);
  EXPECT_EQ(as<SyntaxBinary>(*top.rhs).op, SyntaxBinaryOp::Or);
}

TEST(Parse, SubtractionIsLeftAssociative) {
  auto p = parse("define x = 10 - 3 - 2");
  const auto& top = as<SyntaxBinary>(define_value(*p));
  EXPECT_EQ(top.op, SyntaxBinaryOp::Sub);
  EXPECT_EQ(top.lhs->kind, SyntaxExprKind::Binary);
  EXPECT_EQ(as<SyntaxLiteral>(*top.rhs).int_value, 2);
}

TEST(Parse, MembershipForms) {
  auto p = parse("define a = s in [X, Y]\ndefine b = n not in 1..5\ndefine c = \"vip\" in tags");
  ASSERT_FALSE(p->diags.has_errors());
  const auto& a = as<SyntaxIn>(define_value(*p, 0));
  EXPECT_FALSE(a.negated);
  EXPECT_EQ(a.target->kind, SyntaxExprKind::List);
  const auto& b = as<SyntaxIn>(define_value(*p, 1));
  EXPECT_TRUE(b.negated);
  EXPECT_EQ(as<SyntaxLiteral>(*b.lo).int_value, 1);
  EXPECT_EQ(as<SyntaxLiteral>(*b.hi).int_value, 5);
}

TEST(Parse, LiteralValues) {
  auto p = parse(
      "define a = 1_000_000\ndefine b = 1h30m\ndefine c = 12.5%\ndefine d = 2026-11-23T09:00:00+01:00\n"
      "define e = \"a\\tb\\u{e9}\"\ndefine f = 1.5d");
  ASSERT_FALSE(p->diags.has_errors());
  EXPECT_EQ(as<SyntaxLiteral>(define_value(*p, 0)).int_value, 1000000);
  EXPECT_EQ(as<SyntaxLiteral>(define_value(*p, 1)).int_value, 90 * 60 * 1000);
  EXPECT_DOUBLE_EQ(as<SyntaxLiteral>(define_value(*p, 2)).number_value, 12.5);
  const auto& inst = as<SyntaxLiteral>(define_value(*p, 3));
  EXPECT_EQ(inst.lit, SyntaxLiteralKind::Instant);
  EXPECT_EQ(inst.int_value, 1795420800000LL);  // 2026-11-23T08:00:00Z
  EXPECT_EQ(inst.utc_offset_minutes, 60);
  EXPECT_EQ(as<SyntaxLiteral>(define_value(*p, 4)).string_value, "a\tb\xc3\xa9");
  EXPECT_EQ(as<SyntaxLiteral>(define_value(*p, 5)).int_value, 36 * 3600 * 1000);
}

// `5bd`: a count of open days, its own literal kind (not a duration); other suffixes stay
// one E0103 token.
TEST(Parse, BusinessDays) {
  auto p = parse("define a = 5bd\ndefine b = 1_0bd\ndefine c = 2bd + 1h");
  ASSERT_FALSE(p->diags.has_errors());
  const auto& a = as<SyntaxLiteral>(define_value(*p, 0));
  EXPECT_EQ(a.lit, SyntaxLiteralKind::BusinessDays);
  EXPECT_EQ(a.int_value, 5);
  EXPECT_EQ(a.spelling, "5bd");
  EXPECT_EQ(as<SyntaxLiteral>(define_value(*p, 1)).int_value, 10);
  EXPECT_NE(ast("define a = 5bd").find("BusinessDays 5 (5bd)"), std::string::npos) << ast("define a = 5bd");
  for (const char* bad : {"define x = 1.5bd", "define x = 5bdx", "define x = 5bds", "define x = 1d2bd"}) {
    auto q = parse(bad);
    ASSERT_EQ(q->diags.all().size(), 1u) << bad;
    EXPECT_EQ(q->diags.all()[0].code, "E0103") << bad;
  }
  EXPECT_NE(parse("define x = 1.5bd")->diags.all()[0].message.find("whole days"), std::string::npos);
  // A table cell with a calendar.
  const std::string t = ast("department D { table {\n  source | sla\n  \"x\" | 5bd in office\n} }");
  EXPECT_NE(t.find("Calendar office"), std::string::npos) << t;
  EXPECT_NE(t.find("BusinessDays 5 (5bd)"), std::string::npos) << t;
}

TEST(Parse, RangesAreOneBasedAndCoverTheNode) {
  auto p = parse("enum Segment { Gold, Silver }\n  define  vip = 1");
  ASSERT_EQ(p->file->decls.size(), 2u);
  const auto& e = *p->file->decls[0];
  EXPECT_EQ(e.range.begin.line, 1u);
  EXPECT_EQ(e.range.begin.col, 1u);
  EXPECT_EQ(e.range.end.col, 30u);
  const auto& values = as<SyntaxEnum>(e).values;
  EXPECT_EQ(values[1].range.begin.col, 22u);
  EXPECT_EQ(values[1].range.end.col, 28u);
  const auto& d = *p->file->decls[1];
  EXPECT_EQ(d.range.begin.line, 2u);
  EXPECT_EQ(d.range.begin.col, 3u);
  EXPECT_EQ(d.name.range.begin.col, 11u);
}

TEST(Parse, ColumnsCountCodePoints) {
  auto p = parse("define s = \"é✓\" + x @");
  ASSERT_EQ(p->diags.all().size(), 1u);
  EXPECT_EQ(p->diags.all()[0].code, "E0105");
  EXPECT_EQ(p->diags.all()[0].range.begin.col, 21u);
}

TEST(Parse, SoftKeywordsAreNames) {
  auto p = parse("attributes { department: string  process: string  min: int = 0 }\n"
                 "department department when department == \"x\" { process process when min > 0 }");
  EXPECT_FALSE(p->diags.has_errors());
  const auto& dep = as<SyntaxDepartment>(*p->file->decls[1]);
  EXPECT_EQ(dep.name.text, "department");
  EXPECT_EQ(dep.members.at(0)->name.text, "process");
}

TEST(Parse, TableRowsSplitWhereNoPipeJoinsCells) {
  auto p = parse(
      "department D {\n  table {\n    a | b | sla\n    X | - | 1h\n    -5..0 | Y, Z | 2h\n    not X | -7 | 3h\n  }\n}");
  ASSERT_FALSE(p->diags.has_errors()) << p->diags.all()[0].message;
  const auto& t = as<SyntaxTable>(*as<SyntaxDepartment>(*p->file->decls[0]).members.at(0));
  ASSERT_EQ(t.columns.size(), 3u);
  ASSERT_EQ(t.rows.size(), 3u);
  EXPECT_TRUE(t.rows[0].cells[1].any);
  EXPECT_EQ(as<SyntaxLiteral>(*t.rows[1].cells[0].values[0].lo).int_value, -5);
  EXPECT_EQ(t.rows[1].cells[1].values.size(), 2u);
  EXPECT_TRUE(t.rows[2].cells[0].negated);
  EXPECT_EQ(as<SyntaxLiteral>(*t.rows[2].cells[1].values[0].lo).int_value, -7);
}

TEST(Parse, RecoversAndReportsEveryError) {
  auto p = parse("priority p {\n  strt 1\n}\ntargets t {\n  skil x > 1\n}\nenum E { A }\n");
  EXPECT_EQ(p->diags.error_count(), 2u);
  // Declarations after the errors are still built.
  EXPECT_EQ(p->file->decls.back()->kind, SyntaxDeclKind::Enum);
}

TEST(Parse, NeverShowsAntlrWording) {
  const char* broken[] = {"department {", "define x = = 1", "priority p { evry 1h add 1 }", "}}}", "enum E { A B }",
                          "test \"t\" { given { a: } }", "calendar c { mon 08:00 }", "define x = (1"};
  for (const char* text : broken) {
    auto p = parse(text);
    ASSERT_TRUE(p->diags.has_errors()) << text;
    for (const auto& d : p->diags.all()) {
      for (const char* antlr : {"mismatched input", "expecting", "extraneous input", "no viable alternative",
                                "missing ", "<EOF>", "token recognition"})
        EXPECT_EQ(d.message.find(antlr), std::string::npos) << text << " -> " << d.message;
    }
  }
}

TEST(Parse, SuggestsTheMisspelledKeyword) {
  auto p = parse("priority p {\n  evry 1h add 1\n}");
  ASSERT_EQ(p->diags.all().size(), 1u);
  const auto& d = p->diags.all()[0];
  EXPECT_EQ(d.code, "E0101");
  ASSERT_EQ(d.fixits.size(), 1u);
  EXPECT_EQ(d.fixits[0].replacement, "every");
  EXPECT_NE(d.message.find("priority clause"), std::string::npos);
}

TEST(Parse, CapsTheNumberOfErrors) {
  std::string text;
  for (int i = 0; i < 200; ++i) text += "define x = = =\n";
  auto p = parse(text);
  EXPECT_LE(p->diags.error_count(), static_cast<std::size_t>(kMaxSyntaxErrors));
  EXPECT_EQ(p->diags.all().back().code, "I0109");
}

TEST(Parse, UnclosedBraceGetsALabel) {
  auto p = parse("department Sales {\n  process Gold {\n    sla 72h\n");
  ASSERT_EQ(p->diags.all().size(), 1u);
  const auto& d = p->diags.all()[0];
  // Both blocks are unclosed: two `}` are missing, innermost first.
  EXPECT_NE(d.message.find("2 `}` are missing"), std::string::npos) << d.message;
  ASSERT_EQ(d.notes.size(), 1u);
  EXPECT_NE(d.notes[0].find("the file ends"), std::string::npos);
  ASSERT_EQ(d.labels.size(), 2u);
  EXPECT_EQ(d.labels[0].range.begin.line, 2u);
  EXPECT_EQ(d.labels[1].range.begin.line, 1u);
}

TEST(Parse, TheUnclosedBraceIsToldByIndentation) {
  // Counting alone would blame the department's `{`; the indentation says it is Gold's.
  auto p = parse("department Sales {\n  process Gold {\n    sla 2h\n  process Silver\n}\n");
  ASSERT_EQ(p->diags.all().size(), 1u);
  const auto& d = p->diags.all()[0];
  EXPECT_NE(d.message.find("`process Gold` on line 2"), std::string::npos) << d.message;
  EXPECT_EQ(d.range.begin.line, 3u);  // where the `}` is missing: after `sla 2h`
  EXPECT_EQ(d.range.begin.col, 11u);
  ASSERT_EQ(d.labels.size(), 1u);
  EXPECT_EQ(d.labels[0].range.begin.line, 2u);
}

TEST(Parse, InvalidUtf8IsReportedNotThrown) {
  auto p = parse(std::string("define s = \"a\xff\xfe\"\ndefine t = 1"));
  EXPECT_TRUE(p->diags.has_errors());
  EXPECT_EQ(p->diags.all()[0].code, "E0113");
  EXPECT_EQ(p->diags.all()[0].range.begin.line, 1u);
}

TEST(Parse, ATableCellBrokenMidRangeIsReportedNotCrashed) {
  // Found by the parser fuzzer: a range whose upper bound is bytes the lexer cannot read left
  // a cell atom with no name, literal or sign, and the builder read its first name anyway.
  auto p = parse(std::string("enum Segment { Gold }\nattributes { segment: Segment = Gold  amount: int = 0 }\n"
                             "department Finance {\n  table {\n    segment | amount | process | sla\n"
                             "    Gold    | 0..\x8a\x8a" "100 | Small | 72h\n  }\n}\n"));
  EXPECT_TRUE(p->diags.has_errors());
  EXPECT_EQ(p->diags.all()[0].range.begin.line, 6u);
}

TEST(Parse, DumpIsStable) {
  EXPECT_EQ(ast("enum E { A }"), "File t.iwd\n  Enum E @1:1-1:13\n    Value A @1:10-1:11\n");
}

}  // namespace
}  // namespace iwd::compiler

namespace iwd::compiler {
namespace {

// Deep nesting is E0114, not a stack overflow: each of these crashed `iwd check` (and an
// upload crashed `iwd serve`) before the bounds (the parser's rule depth, the prefix run before
// parsing, the height of a chain of operators in the builder).
std::string repeat(const std::string& s, int n) {
  std::string out;
  for (int i = 0; i < n; ++i) out += s;
  return out;
}

bool only_e0114(const Parsed& p) {
  if (p.diags.all().empty()) return false;
  for (const auto& d : p.diags.all())
    if (d.code != "E0114") return false;
  return true;
}

TEST(Parse, DeepNestingIsAnErrorNotACrash) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"parentheses", "define x = " + repeat("(", 5000) + "1" + repeat(")", 5000)},
      {"a chain of +", "define x = 1" + repeat(" + 1", 20000)},
      {"a chain of and", "define x = true" + repeat(" and true", 20000)},
      {"not", "define x = " + repeat("not ", 20000) + "true"},
      {"negation", "define x = " + repeat("- ", 20000) + "1"},
      {"else if", "define x = " + repeat("if true then 1 else ", 20000) + "2"},
      {"chains in parentheses", "define x = " + repeat("(1 + ", 90) + "1" + repeat(" + 1", 990) + repeat(")", 90)},
  };
  for (const auto& [what, text] : cases) {
    auto p = parse(text);
    EXPECT_TRUE(only_e0114(*p)) << what << ": " << p->diags.all().size() << " diagnostics";
  }
}

TEST(Parse, OrdinaryNestingIsWithinTheBounds) {
  // 60 parentheses, 500 operators in a row, 50 `not`s: far beyond what rules need, accepted.
  for (const std::string& text : {"define x = " + repeat("(", 60) + "1" + repeat(")", 60),
                                  "define x = 1" + repeat(" + 1", 500), "define x = " + repeat("not ", 50) + "true"}) {
    auto p = parse(text);
    EXPECT_TRUE(p->diags.all().empty()) << text.substr(0, 40);
    ASSERT_EQ(p->file->decls.size(), 1u);
  }
}

}  // namespace
}  // namespace iwd::compiler
