// parse_file's hand-written parser (compiler/syntax/fast_parser.h) against the ANTLR path
// (IWD_PARSER=antlr), which is its oracle: the same AST (dumped with every range) and the same
// diagnostics on every .iwd file of the tree, on generated rulesets, on hand-picked shapes where
// the grammar's choices are close, and on files mutated by deleting, doubling or swapping
// tokens; a file the fast parser cannot settle goes to ANTLR, so the diagnostics of a file with
// errors are ANTLR's. The tests also check that the fast parser does settle the valid files,
// so that they do not compare ANTLR with itself.
#include <gtest/gtest.h>

#include <fmt/format.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "bench/ruleset_gen.h"
#include "compiler/syntax/fast_parser_count.h"
#include "compiler/syntax/lex_comments.h"
#include "compiler/syntax/parse.h"

namespace iwd::compiler {
namespace {

struct Outcome {
  std::string ast;   // dump_ast
  std::string diag;  // every diagnostic: code, range, message, notes, fix-its
  bool fast = false; // the fast parser settled it
};

// Sets IWD_PARSER for one parse and puts back what was there.
class ParserChoice {
 public:
  explicit ParserChoice(bool antlr) {
    if (const char* v = std::getenv("IWD_PARSER")) saved_ = v, had_ = true;
    if (antlr) setenv("IWD_PARSER", "antlr", 1);
    else unsetenv("IWD_PARSER");
  }
  ~ParserChoice() {
    if (had_) setenv("IWD_PARSER", saved_.c_str(), 1);
    else unsetenv("IWD_PARSER");
  }
  ParserChoice(const ParserChoice&) = delete;
  ParserChoice& operator=(const ParserChoice&) = delete;

 private:
  std::string saved_;
  bool had_ = false;
};

// What dump_ast leaves out: every expression's height (which later stages bound their
// recursion by) and code-point offsets, in the order of a walk of the file.
class ExprShape {
 public:
  std::string of(const SyntaxFile& f) {
    for (const auto& d : f.decls) decl(*d);
    std::replace(out_.begin(), out_.end(), ';', '\n');  // a node a line
    return out_;
  }

 private:
  std::string out_;

  void e(const SyntaxExprPtr& p) {
    if (!p) {
      out_ += "-;";
      return;
    }
    const SyntaxExpr& x = *p;
    out_ += fmt::format("{}:{}:{}-{};", static_cast<int>(x.kind), x.height, x.range.begin.offset, x.range.end.offset);
    switch (x.kind) {
      case SyntaxExprKind::Member: e(static_cast<const SyntaxMember&>(x).base); break;
      case SyntaxExprKind::Call:
        for (const auto& a : static_cast<const SyntaxCall&>(x).args) e(a);
        break;
      case SyntaxExprKind::Unary: e(static_cast<const SyntaxUnary&>(x).operand); break;
      case SyntaxExprKind::Binary: {
        const auto& b = static_cast<const SyntaxBinary&>(x);
        out_ += fmt::format("op{};", b.op_range.begin.offset);
        e(b.lhs);
        e(b.rhs);
        break;
      }
      case SyntaxExprKind::In: {
        const auto& i = static_cast<const SyntaxIn&>(x);
        e(i.value), e(i.target), e(i.lo), e(i.hi);
        break;
      }
      case SyntaxExprKind::List:
        for (const auto& a : static_cast<const SyntaxList&>(x).items) e(a);
        break;
      case SyntaxExprKind::If: {
        const auto& i = static_cast<const SyntaxIf&>(x);
        e(i.cond), e(i.then_expr), e(i.else_expr);
        break;
      }
      default: break;
    }
  }
  void priority(const SyntaxPriorityBody& b) {
    for (const auto& c : b.clauses) {
      e(c.value), e(c.period), e(c.from), e(c.until), e(c.condition);
      for (const auto& p : c.points) e(p.at), e(p.value);
    }
  }
  void targets(const SyntaxTargetsBody& b) {
    for (const auto& s : b.stages) e(s.expr), e(s.duration);
  }
  void clauses(const std::vector<SyntaxProcessClause>& cs) {
    for (const auto& c : cs) {
      e(c.value), e(c.min), e(c.max);
      if (c.priority) priority(*c.priority);
      if (c.targets) targets(*c.targets);
    }
  }
  void decl(const SyntaxDecl& d) {
    switch (d.kind) {
      case SyntaxDeclKind::Define: e(as<SyntaxDefine>(d).value); break;
      case SyntaxDeclKind::Attributes:
        for (const auto& a : as<SyntaxAttributes>(d).attributes) e(a.default_value);
        break;
      case SyntaxDeclKind::Priority: priority(as<SyntaxPriority>(d).body); break;
      case SyntaxDeclKind::Targets: targets(as<SyntaxTargets>(d).body); break;
      case SyntaxDeclKind::Department: {
        const auto& dep = as<SyntaxDepartment>(d);
        e(dep.when);
        clauses(dep.clauses);
        for (const auto& m : dep.members) decl(*m);
        break;
      }
      case SyntaxDeclKind::Process:
      case SyntaxDeclKind::DefaultProcess:
        e(as<SyntaxProcess>(d).when);
        clauses(as<SyntaxProcess>(d).clauses);
        break;
      case SyntaxDeclKind::Table:
        for (const auto& r : as<SyntaxTable>(d).rows)
          for (const auto& c : r.cells)
            for (const auto& v : c.values) e(v.lo), e(v.hi);
        break;
      case SyntaxDeclKind::Test:
        for (const auto& c : as<SyntaxTest>(d).clauses) {
          for (const auto& f : c.fields) e(f.value);
          e(c.value), e(c.age);
        }
        break;
      default: break;
    }
  }
};

Outcome parse(const std::string& text, bool antlr) {
  ParserChoice choice(antlr);
  SourceManager sm;
  DiagnosticBag bag;
  const FileId id = sm.add("t.iwd", text);
  const std::size_t before = fast_parser_files();
  auto file = parse_file(sm, id, bag);
  Outcome o;
  o.fast = fast_parser_files() != before;
  std::ostringstream out;
  dump_ast(out, sm, *file);
  o.ast = out.str() + ExprShape().of(*file);
  for (const auto& d : bag.all()) {
    o.diag += fmt::format("{} {}@{}:{}-{}:{} {}\n", d.code, d.range.begin.offset, d.range.begin.line, d.range.begin.col,
                          d.range.end.line, d.range.end.col, d.message);
    for (const auto& n : d.notes) o.diag += "  note: " + n + "\n";
    for (const auto& f : d.fixits)
      o.diag += fmt::format("  fix {}:{}-{}:{} {}\n", f.range.begin.line, f.range.begin.col, f.range.end.line,
                            f.range.end.col, f.replacement);
  }
  return o;
}

// The first line where two dumps differ, or "" (gtest's diff of two whole dumps of a large
// file would take more memory than the machine has).
std::string first_difference(const std::string& ours, const std::string& antlr) {
  if (ours == antlr) return "";
  std::istringstream a(ours), b(antlr);
  std::string la, lb;
  for (int line = 1;; ++line) {
    const bool ga = static_cast<bool>(std::getline(a, la)), gb = static_cast<bool>(std::getline(b, lb));
    if (!ga || !gb || la != lb)
      return fmt::format("line {}\nfast:  {}\nANTLR: {}", line, ga ? la.substr(0, 300) : "(end)",
                         gb ? lb.substr(0, 300) : "(end)");
  }
}

// Parses `text` both ways; the outcome of the default (fast-first) way.
Outcome compare(const std::string& text) {
  const Outcome antlr = parse(text, true);
  const Outcome ours = parse(text, false);
  EXPECT_FALSE(antlr.fast);
  const std::string shown = text.size() < 2000 ? text : text.substr(0, 2000) + "...";
  EXPECT_EQ(first_difference(ours.ast, antlr.ast), "") << "text:\n" << shown;
  EXPECT_EQ(first_difference(ours.diag, antlr.diag), "") << "text:\n" << shown;
  return ours;
}

std::vector<std::filesystem::path> tree_files() {
  std::vector<std::filesystem::path> files;
  for (const char* dir : {"examples", "tests", "stdlib", "docs", "bench"}) {
    const std::filesystem::path root = std::filesystem::path(IWD_SOURCE_DIR) / dir;
    if (!std::filesystem::exists(root)) continue;
    for (const auto& e : std::filesystem::recursive_directory_iterator(root))
      if (e.is_regular_file() && e.path().extension() == ".iwd") files.push_back(e.path());
  }
  std::sort(files.begin(), files.end());
  return files;
}

std::string read(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

TEST(FastParser, SameAstAndDiagnosticsAsAntlrOnEveryIwdFileOfTheTree) {
  std::size_t files = 0, settled = 0;
  for (const auto& path : tree_files()) {
    SCOPED_TRACE(path.string());
    const std::string text = read(path);
    const Outcome ours = compare(text);
    ++files;
    if (ours.fast) {
      ++settled;
      EXPECT_EQ(ours.diag, "");  // only files with nothing to report take the fast path
    } else {
      // A file without diagnostics that the fast parser did not settle would be one it parses
      // wrongly or not at all.
      EXPECT_NE(ours.diag, "");
    }
  }
  EXPECT_GT(files, 200u);
  EXPECT_GT(settled, 100u);
}

TEST(FastParser, SameAstAsAntlrOnGeneratedRulesets) {
  for (std::uint32_t seed : {1u, 2u, 3u}) {
    SCOPED_TRACE(seed);
    const Outcome ours = compare(iwd::bench::generate_ruleset(12, 8, seed));
    EXPECT_TRUE(ours.fast);
    EXPECT_EQ(ours.diag, "");
  }
  // The 10K-line file of the benchmarks (bench/RESULTS.md, "The checker at 10K lines").
  const Outcome big = compare(iwd::bench::generate_ruleset(160, 20));
  EXPECT_TRUE(big.fast);
}

// Shapes where the grammar's choices are close: soft keywords as names, declarations at the
// start of a line, `-` in table cells glued to a number or not, `list` as a name, optional
// parts and separators, every clause, literal and operator.
TEST(FastParser, SameAstAsAntlrWhereTheGrammarsChoicesAreClose) {
  const std::vector<std::string> settled = {
      "ruleset r version \"2\";\ntimezone \"UTC\";\nimport \"a.iwd\"\n;;\n",
      "enum E { a, b, }\nenum F {}\nskills { x }\noutcomes { won, lost, }\nreport by region, segment\n",
      "attributes {\n  a: int = 1, b: list<list<string>>? ; list: list\n  c: E? = -(1 + 2) * 3 / 4 - -5\n  priority: int\n}\n",
      "define x = if a then b else if c then d else e ?? f ?? g\n"
      "define y = not not a and b or c and not d in [1, 2,] and e not in 1..5\n",
      "define z = f() + g(1, h(2)) + x.y.z + (a).b + 50% of sla + 2bd + 1.5 + 1_000 + 12.5% + \"s\\n\\u{e9}\"\n"
      "define w = 2024-01-31 < 2024-01-31T10:00:00Z and 10:30 >= 09:00 and true != false and a <= b and a > b\n",
      "define start = min + max + every + add + of + in_x\ndefine q = [] == [[]]\n",
      "calendar c {\n  timezone \"Europe/Paris\";\n  mon..fri, sat 08:00-12:00, 13:00-18:00;\n  sun 10:00-11:00\n"
      "  closed 2024-12-25, 2024-12-31..2025-01-02, every 05-01\n  2024-12-24 09:00-12:00\n}\n",
      "priority p {\n  start 100;\n  every 1h add 5 from 10m until 2h\n  every 1h add 5 until 2h;\n  curve { 0m: 1, 1h: 2, }\n"
      "  curve {}\n  boost 10 when x; min 0 max 9\n  overdue 100\n  age in office\n}\n",
      "targets t {\n  agent preferred for 5m;\n  group \"g\"\n  skill s > 1 and s < 9 for 10% of sla\n}\n"
      "capacity c { voice 2, chat 3, }\ncapacity d {}\n",
      "department D when a == 1 {\n  sla 4h ?? 2h + 1h in office;\n  priority p min 1 max 9\n  priority { start 1 }\n"
      "  targets t; targets { agent a }\n  media voice\n  offer timeout 30s\n  complete within 2d\n  complete by agent\n"
      "  expire after 7d\n  process P when x { sla 1h priority p min 2 }\n  process Q;\n  process R when y\n"
      "  table first {\n    amount | segment | sla\n    -      | Gold, Silver | 4h in office\n"
      "    -5..10 | not E.a | -2h\n    1..-1.5 | - | 5bd\n    y | z | \"s\"\n  };\n}\n"
      "department E\ndepartment F when true\n",
      "default process fallback { sla 8h }\ndefault process other\n",
      "test \"t\" {\n  given { a: 1, b: \"x\", }\n  given {}\n  at 2024-01-01T00:00:00Z;\n  expect process D.P\n"
      "  expect process D; expect rejected \"no\"\n  expect due 2024-01-02T00:00:00Z\n  expect priority 5 at 1h\n"
      "  expect eligible { skill: 1 } at 5m\n  expect not eligible {} at 1h;\n}\n",
      "define a = b +\n  department\ndefine c = d\n",  // `department` not in column 0: a name
      "define deep = " + std::string(30, '(') + "not - - 1" + std::string(30, ')') + "\n",
      // Not ASCII (FastTokens reads code points then) and a byte-order mark (skipped as
      // ANTLRInputStream skips it: the offsets after it are the stream's).
      "// caf\xC3\xA9\ndefine a = \"\xE2\x82\xAC \xF0\x9F\x98\x80\" + b /* \xC3\xA9 */ + \"\\u{e9}\xC3\xA9\"\ndefine c = d\n",
      "\xEF\xBB\xBF" "define a = b + c\ndefine d = \"e\"\n",
      "\xEF\xBB\xBF" "define a = \"\xC3\xA9\" /* \xE2\x82\xAC */ + b\n",
  };
  for (const auto& text : settled) {
    SCOPED_TRACE(text);
    const Outcome ours = compare(text);
    EXPECT_EQ(ours.diag, "");
    EXPECT_TRUE(ours.fast);
  }
  // What the fast parser gives up on (ANTLR reports each); the outcome is ANTLR's.
  const std::vector<std::string> given_up = {
      "define a = 1 +\ndepartment D\n",         // a declaration's keyword in column 0 is no name
      "define a = b\ndepartment\n",             // ...nor here: `department` without its name
      "define a = x = 1\n",                     // `=` for `==` (E0101)
      "define a = \"open\n",                    // an unclosed string (E0102)
      "define a = 2024-02-30\n",                // not a date (E0107)
      "define a = 5x\n",                        // E0103
      "define a = 99999999999999999999\n",      // too large an int
      "calendar c { mon..fryday 08:00-12:00 }\n",  // not a weekday (E0110)
      "calendar c { closed every 13-01 }\n",
      "calendar c { mon 25:00-26:00 }\n",
      "calendar c { closed, timezone 01:00-02:00 }\n",  // days named `closed` and `timezone` (E0110)
      "department D { table { a | b\n - 5 | x } }\n",  // `- 5`: an any cell, then a row `5 | x`
      "department D { table { } }\n",           // an empty table (E0111)
      "department D { table { 1 | a\n - | b } }\n",  // a header cell that is no name
      "department D { table { a | b\n 1 } }\n",  // a row short of a cell
      "define a = a < b < c\n",
      "define a = x.\n",
      "department D { process }\n",
      "priority p { start }\n",
      "define a = (1\n",
      "}\n",
      "define a = 1 && 2\n",                    // read as `and` and reported
      "define a = 1 || 2\n",                    // read as `or` and reported (E0101)
      "define a = b /* never closed\n",         // E0106
      "define a = \xC3\xA9\n",                   // a character that is no token (E0105)
      "define a = b\xFF\n",                     // not UTF-8 (E0113)
      "define a = " + std::string(101, '-') + "1\n",  // a prefix run past kMaxPrefixRun (E0114)
      "define a = " + std::string(60, '(') + "1" + std::string(60, ')') + "\n",  // deeper than the fast parser goes
  };
  for (const auto& text : given_up) {
    SCOPED_TRACE(text);
    EXPECT_FALSE(compare(text).fast);
  }
}

// Nesting at and past ANTLR's bound (kMaxNesting rule contexts) and chains of thousands of
// operators: the fast parser leaves them to ANTLR, which reports E0114 as always.
TEST(FastParser, NestingAndLongChainsAreAntlrsOutcome) {
  for (int parens : {39, 89, 95}) {
    SCOPED_TRACE(parens);
    compare("define deep = " + std::string(static_cast<std::size_t>(parens), '(') + "1" +
            std::string(static_cast<std::size_t>(parens), ')') + "\n");
  }
  std::string chain = "define long = 1";
  for (int i = 0; i < 1100; ++i) chain += " + 1";
  const Outcome o = compare(chain + "\n");
  EXPECT_NE(o.diag.find("E0114"), std::string::npos) << o.diag;
  std::string ok = "define long = 1";
  for (int i = 0; i < 900; ++i) ok += " * 2";
  EXPECT_TRUE(compare(ok + "\n").fast);
}

// Every file of the tree and a generated ruleset, each mutated at many places by deleting a
// token, doubling it, replacing it with another of the file's, or swapping it with the next: each mutant gives the same AST and
// diagnostics both ways (the fast parser settles it the same or gives up).
TEST(FastParser, MutatedFilesGiveAntlrsOutcome) {
  std::vector<std::string> sources;
  for (const auto& path : tree_files()) {
    std::string text = read(path);
    if (std::all_of(text.begin(), text.end(), [](char c) { return static_cast<unsigned char>(c) < 0x80; }) &&
        text.size() < 6000)
      sources.push_back(std::move(text));
  }
  sources.push_back(iwd::bench::generate_ruleset(2, 6, 9));
  ASSERT_GT(sources.size(), 50u);
  std::uint32_t state = 12345;
  auto next = [&state](std::uint32_t n) {
    state = state * 1664525u + 1013904223u;
    return (state >> 8) % n;
  };
  std::size_t mutants = 0, settled = 0;
  for (std::size_t round = 0; round < 3000; ++round) {
    const std::string& text = sources[next(static_cast<std::uint32_t>(sources.size()))];
    SourceManager sm;
    const FileId id = sm.add("m.iwd", text);
    const auto tokens = lex_source(sm, id).tokens;
    if (tokens.size() < 2) continue;
    const std::size_t i = next(static_cast<std::uint32_t>(tokens.size() - 1));
    const LexedToken& a = tokens[i];
    const LexedToken& b = tokens[i + 1];
    const LexedToken& c = tokens[next(static_cast<std::uint32_t>(tokens.size()))];
    std::string mutant;
    switch (next(4)) {
      case 0: mutant = text.substr(0, a.begin) + text.substr(a.end); break;                        // delete
      case 1: mutant = text.substr(0, a.end) + " " + text.substr(a.begin); break;                  // double
      case 2: mutant = text.substr(0, a.begin) + c.text + text.substr(a.end); break;               // replace
      default:                                                                                      // swap
        mutant = text.substr(0, a.begin) + b.text + text.substr(a.end, b.begin - a.end) + a.text + text.substr(b.end);
    }
    SCOPED_TRACE(fmt::format("round {}, token {} `{}`", round, i, a.text));
    if (compare(mutant).fast) ++settled;
    ++mutants;
  }
  EXPECT_GT(mutants, 2500u);
  // Some mutants are still valid (a name replaced by another, a doubled `;`, a swapped pair of
  // clauses): the fast parser settles those, so this compares it with ANTLR and not only ANTLR
  // with itself.
  EXPECT_GT(settled, 60u);
}

}  // namespace
}  // namespace iwd::compiler
