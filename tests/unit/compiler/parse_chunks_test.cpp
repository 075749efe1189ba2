// parse_file's chunked fast path (ParseOptions): the AST and the diagnostics are exactly
// those of parsing the file at once, whatever the chunks and threads; a file it cannot
// settle (a syntax error, a declaration running past where a chunk was guessed to start)
// is parsed at once.
#include <gtest/gtest.h>

#include <fmt/format.h>

#include <algorithm>
#include <cstdlib>
#include <sstream>

#include "compiler/syntax/parse.h"

namespace iwd::compiler {
namespace {

// What a parse gives, in comparable form.
struct Outcome {
  std::string ast;        // dump_ast
  std::string diag_text;  // every diagnostic: code, place, message, notes
  std::vector<Diagnostic> diags;
  std::size_t decls = 0;
  ParseStats stats;
};

Outcome parse(const std::string& text, std::size_t chunk_tokens, unsigned threads) {
  SourceManager sm;
  DiagnosticBag bag;
  Outcome o;
  const FileId id = sm.add("t.iwd", text);
  // The chunks are the ANTLR path's: the hand-written parser (fast_parser.h) settles a valid
  // file before it, so it is turned off here (FastParser.* compares the two).
  setenv("IWD_PARSER", "antlr", 1);
  auto file = parse_file(sm, id, bag, ParseOptions{chunk_tokens, threads}, &o.stats);
  unsetenv("IWD_PARSER");
  std::ostringstream out;
  dump_ast(out, sm, *file);
  o.ast = out.str();
  o.decls = file->decls.size();
  for (const auto& d : bag.all()) {
    o.diag_text += fmt::format("{} {}:{}-{}:{} {}\n", d.code, d.range.begin.line, d.range.begin.col, d.range.end.line,
                               d.range.end.col, d.message);
    for (const auto& n : d.notes) o.diag_text += "  note: " + n + "\n";
  }
  o.diags = bag.all();
  return o;
}

bool has_errors(const Outcome& o) {
  return std::any_of(o.diags.begin(), o.diags.end(), [](const Diagnostic& d) { return d.severity == Severity::Error; });
}

// Departments with processes, defines and tables, comments (a block comment over lines at
// column 0 among them) and soft keywords used as names.
std::string many_declarations(int departments) {
  std::string s = "ruleset chunks version \"1\"\nattributes {\n  segment: string\n  score: int = 0\n}\n";
  for (int d = 0; d < departments; ++d) {
    s += fmt::format("define big{} = score > {} and segment != \"x{}\"\n", d, d * 7, d);
    if (d % 5 == 0) s += "/* a comment\ndepartment NotOne when true\n*/\n";
    s += fmt::format("// department {}\ndepartment D{} when segment == \"D{}\" {{\n", d, d, d);
    s += fmt::format("  process priority when big{} or score in 1..{}\n", d, d + 3);
    s += "  process P1 when -score < -5 and score * 2 >= (score ?? 1) + 3\n";
    if (d % 3 == 0) s += "  table {\n    score | segment\n    -     | \"a\"\n    -5    | \"b\", \"c\"\n  }\n";
    s += "}\n";
  }
  return s;
}

TEST(ParseChunks, ALargeFileParsedInChunksOnTwoThreadsGivesTheAstOfTheWholeFile) {
  const std::string text = many_declarations(60);
  auto whole = parse(text, 0, 0);
  ASSERT_FALSE(has_errors(whole)) << whole.diag_text;
  EXPECT_EQ(whole.stats.chunks, 0u);
  for (std::size_t chunk_tokens : {1, 60, 500}) {
    SCOPED_TRACE(chunk_tokens);
    auto chunked = parse(text, chunk_tokens, 2);
    EXPECT_GT(chunked.stats.chunks, 5u);
    EXPECT_EQ(chunked.stats.threads, 2u);
    EXPECT_EQ(chunked.ast, whole.ast);
    EXPECT_EQ(chunked.diag_text, whole.diag_text);
  }
}

TEST(ParseChunks, TheBuildersErrorsInALaterChunkKeepTheirPlacesAndOrder) {
  std::string text = many_declarations(20);
  const int first_line = static_cast<int>(std::count(text.begin(), text.end(), '\n')) + 1;
  text += "define when = 2024-02-30\n";
  text += many_declarations(10);
  text += "define late = \"a \\q b\"\ndefine early = 24:61\n";
  const int last_line = static_cast<int>(std::count(text.begin(), text.end(), '\n')) - 1;
  auto whole = parse(text, 0, 0);
  auto chunked = parse(text, 40, 2);
  EXPECT_GT(chunked.stats.chunks, 5u);
  EXPECT_EQ(chunked.diag_text, whole.diag_text);
  EXPECT_EQ(chunked.ast, whole.ast);
  ASSERT_EQ(chunked.diags.size(), 3u) << chunked.diag_text;
  const auto& d = chunked.diags;
  EXPECT_EQ(d[0].code, "E0107");
  EXPECT_EQ(d[0].range.begin.line, static_cast<std::uint32_t>(first_line));
  EXPECT_EQ(d[0].range.begin.col, 15u);
  EXPECT_EQ(d[1].range.begin.line, static_cast<std::uint32_t>(last_line));
  EXPECT_EQ(d[2].code, "E0108");
  EXPECT_EQ(d[2].range.begin.line, static_cast<std::uint32_t>(last_line + 1));
  EXPECT_EQ(d[2].range.begin.col, 16u);
}

TEST(ParseChunks, AFileWithASyntaxErrorIsParsedAtOnceWithTheSameErrors) {
  const std::string head = many_declarations(15);
  const std::string tail = many_declarations(5);
  for (const std::string& bad : {
           std::string("define broken = (score + \n"),                        // in a later chunk
           std::string("department Open when score > 1 {\n  process X when\n"),  // its `}` missing: no chunk after it
           std::string("}\n"),                                                 // a `}` too many
       }) {
    SCOPED_TRACE(bad);
    const std::string text = head + bad + tail;
    auto whole = parse(text, 0, 0);
    auto chunked = parse(text, 30, 2);
    ASSERT_TRUE(has_errors(whole));
    EXPECT_EQ(chunked.stats.chunks, 0u);
    EXPECT_EQ(chunked.diag_text, whole.diag_text);
    EXPECT_EQ(chunked.ast, whole.ast);
  }
}

TEST(ParseChunks, ADeclarationThatRunsPastWhereAChunkWasGuessedToStartIsParsedAtOnce) {
  // `department` at the start of line 2 is the last name of the report, not a declaration; a
  // chunk guessed to start there parses (`department department`), the report's does not
  // end where it was meant to: the file goes the whole-file way and has two declarations.
  const std::string text = "report by region,\ndepartment\ndepartment D when x {\n}\n";
  auto whole = parse(text, 0, 0);
  auto chunked = parse(text, 1, 1);
  ASSERT_FALSE(has_errors(whole)) << whole.diag_text;
  EXPECT_EQ(whole.decls, 2u);
  EXPECT_EQ(chunked.stats.chunks, 0u);
  EXPECT_EQ(chunked.ast, whole.ast);
}

TEST(ParseChunks, NestingTooDeepIsReportedAsForTheWholeFile) {
  // The bound counts the `file` context above each declaration: 89 parentheses and 6 `-`
  // are the deepest the parser follows, one `-` more is E0114.
  for (int minus : {0, 6, 7, 12}) {
    SCOPED_TRACE(minus);
    const std::string text = many_declarations(3) + "define deep = " + std::string(89, '(') +
                             std::string(static_cast<std::size_t>(minus), '-') + "1" + std::string(89, ')') + "\n" +
                             many_declarations(3);
    auto whole = parse(text, 0, 0);
    auto chunked = parse(text, 20, 2);
    EXPECT_EQ(has_errors(whole), minus >= 7) << whole.diag_text;
    EXPECT_EQ(chunked.diag_text, whole.diag_text);
    EXPECT_EQ(chunked.ast, whole.ast);
  }
}

}  // namespace
}  // namespace iwd::compiler
