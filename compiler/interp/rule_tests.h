// Running a ruleset's `test` blocks (LANGUAGE.md section 10) through the rules' table
// (runtime/abi.h: the interpreter, or compiled code when the JIT filled it).
#pragma once

#include <string>
#include <vector>

#include "compiler/interp/interp.h"
#include "compiler/sema/bound.h"
#include "runtime/intern.h"

namespace iwd::compiler {

struct RuleTestFailure {
  SourceRange range;        // the expectation
  std::string expectation;  // "expect priority 500 at 0h"
  std::string actual;       // "got 499"
};

struct RuleTestResult {
  std::string title;
  SourceRange range;
  std::vector<RuleTestFailure> failures;
  bool passed() const { return failures.empty(); }
};

// The default capture instant of a test without `at`: 2026-01-05T09:00:00Z.
inline constexpr std::int64_t kDefaultTestAt = 1767603600000;

// What the tests reached: per department, process, boost (per priority scheme and
// boost index) and target stage (per process and stage), whether some test got there.
struct RuleCoverage {
  std::vector<bool> departments, processes;
  std::vector<std::vector<bool>> boosts;  // by Program::priorities index
  std::vector<std::vector<bool>> stages;  // by process
};

// The answers (process or rejection, due instant, priority, eligibility) come from `table`, the
// rules' table as the runtime is handed it (runtime/abi.h), filled over `program` and `interp`
// and interning into `pool`; `interp` also finds the boosts that hold, for coverage. With `sm`
// (the rules' source), a failure repeats an expectation's age as the test writes it.
std::vector<RuleTestResult> run_rule_tests(const BoundRuleset& rs, const Program& program, const Interpreter& interp,
                                           const runtime::abi::RulesV1& table, runtime::StringPool& pool,
                                           RuleCoverage* coverage = nullptr, const SourceManager* sm = nullptr);

}  // namespace iwd::compiler
