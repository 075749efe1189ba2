// lint_conditions on several threads (a department's processes linted by whichever thread
// takes it) reports exactly what one thread reports, in the same order.
#include <gtest/gtest.h>

#include <fmt/format.h>

#include <cstdint>
#include <set>

#include "compiler/sema/binder.h"
#include "compiler/sema/checks.h"
#include "compiler/syntax/parse.h"

namespace iwd::compiler {
namespace {

// Departments whose processes give every kind of finding lint_processes makes: unreachable
// processes (W0601) and rows (W0513), overlaps only order settles (I0602), items no process
// takes (W0603), overlapping rows (E0512), conditions beyond the analysis (I0605).
std::string ruleset(int departments) {
  std::string s =
      "ruleset threads\nattributes {\n  department: string\n  segment: string\n  score: int = 0\n  amount: number?\n}\n"
      "define big = (amount ?? 0) >= 1000\n";
  for (int d = 0; d < departments; ++d) {
    s += fmt::format("department D{0} when department == \"D{0}\" {{\n", d);
    s += fmt::format("  process A when score > {}\n", d % 7);
    s += fmt::format("  process B when score > {} and segment == \"s{}\"\n", d % 7 + 3, d % 3);
    if (d % 2 == 0) s += "  process C when big or score in 1..5\n";
    if (d % 3 == 0) s += "  process Late when hour(now) > 3 and score < 0\n";
    if (d % 4 == 0) s += "  table {\n    score | segment\n    -     | \"a\"\n    -     | \"a\", \"b\"\n  }\n";
    if (d % 5 == 0) s += "  process All\n  process Never when score < 0\n";
    s += "}\n";
  }
  return s;
}

// `stats`: also what the solvers did (and whether the pairs were asked in full).
std::string findings(const std::string& text, unsigned threads, unsigned* used, ConditionLintStats* stats = nullptr) {
  SourceManager sm;
  DiagnosticBag diags;
  const FileId id = sm.add("t.iwd", text);
  auto file = parse_file(sm, id, diags);
  auto bound = bind_ruleset(sm, {file.get()}, diags);
  const std::size_t before = diags.all().size();
  *used = lint_conditions(*bound, diags, threads, stats);
  std::string out;
  for (std::size_t i = before; i < diags.all().size(); ++i) {
    const auto& d = diags.all()[i];
    out += fmt::format("{} {}:{} {}\n", d.code, d.range.begin.line, d.range.begin.col, d.message);
    for (const auto& l : d.labels) out += fmt::format("  label {}:{} {}\n", l.range.begin.line, l.range.begin.col, l.message);
    for (const auto& n : d.notes) out += "  note: " + n + "\n";
  }
  return out;
}

TEST(LintConditionsThreads, TwoThreadsReportWhatOneReportsInTheSameOrder) {
  const std::string text = ruleset(40);
  unsigned one = 0, two = 0;
  const std::string sequential = findings(text, 1, &one);
  const std::string parallel = findings(text, 2, &two);
  EXPECT_EQ(one, 1u);
  EXPECT_EQ(two, 2u);
  EXPECT_EQ(parallel, sequential);
  std::set<std::string> codes;
  for (std::size_t at = 0; (at = sequential.find('\n', at)) != std::string::npos; ++at)
    if (at + 6 < sequential.size() && sequential[at + 1] != ' ') codes.insert(sequential.substr(at + 1, 5));
  for (const char* code : {"W0601", "I0602", "W0603", "E0512", "I0605"}) EXPECT_TRUE(codes.count(code)) << code << "\n" << sequential;
}

// The findings and the solvers' work, on one thread; `full`: every pairwise question asked
// in full.
std::string findings_of(const std::string& text, bool full, std::int64_t* nodes) {
  ConditionLintStats stats;
  stats.full_pair_questions = full;
  unsigned used = 0;
  std::string out = findings(text, 1, &used, &stats);
  *nodes = stats.solver_nodes;
  return out;
}

// Processes and table rows on exclusive values: the pairwise questions (I0602, E0512) are
// answered from the pair alone, without a search over every earlier process's condition,
// with the findings the full questions give (no overlap, a gap in each department).
TEST(LintConditionsThreads, ExclusivePairsAreAnsweredWithoutTheFullSearch) {
  std::string text = "ruleset pairs\nattributes {\n  department: string\n  segment: string\n}\n";
  text += "department Plain when department == \"P\" {\n";
  for (int i = 0; i < 40; ++i) text += fmt::format("  process P{0} when segment == \"s{0}\"\n", i);
  text += "}\ndepartment Rows when department == \"R\" {\n  table {\n    segment\n";
  for (int i = 0; i < 40; ++i) text += fmt::format("    \"s{}\"\n", i);
  text += "  }\n}\n";
  std::int64_t pairs = 0, full = 0;
  const std::string by_pairs = findings_of(text, false, &pairs);
  const std::string in_full = findings_of(text, true, &full);
  EXPECT_EQ(by_pairs, in_full);
  EXPECT_EQ(by_pairs.substr(0, 5), "W0603") << by_pairs;
  EXPECT_NE(by_pairs.find("\nW0603", 1), std::string::npos) << by_pairs;
  EXPECT_EQ(by_pairs.find("I0602"), std::string::npos) << by_pairs;
  EXPECT_EQ(by_pairs.find("E0512"), std::string::npos) << by_pairs;
  EXPECT_GT(pairs, 0);
  EXPECT_LT(pairs * 2, full) << "the pairwise questions searched every earlier condition";
}

// Rulesets of every kind of finding (overlaps, opaque conditions, unreachable processes and
// rows): the same findings whether the pairs are asked first or not. (Where most pairs
// overlap, as here, asking them first costs a little more: about 1 % more nodes.)
TEST(LintConditionsThreads, AskingThePairsFirstChangesNoFinding) {
  for (int departments : {10, 40}) {
    std::int64_t pairs = 0, full = 0;
    const std::string text = ruleset(departments);
    EXPECT_EQ(findings_of(text, false, &pairs), findings_of(text, true, &full)) << departments;
    EXPECT_GT(pairs, 0) << departments;
  }
}

TEST(LintConditionsThreads, FewDepartmentsStayOnOneThread) {
  unsigned used = 0;
  findings(ruleset(10), 4, &used);
  EXPECT_EQ(used, 1u);
}

}  // namespace
}  // namespace iwd::compiler
