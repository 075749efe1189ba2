// `iwd test [--format text|json|junit] [--no-jit] PATH...`: runs the rulesets' test blocks.
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <iostream>

#include "compiler/diag/render.h"
#include "compiler/driver/compilation.h"
#include "compiler/interp/rule_tests.h"
#include "compiler/load/loaded_rules.h"
#include "compiler/sema/bound.h"
#include "stdlib/text.h"
#include "tools/iwd/commands.h"

namespace iwd::cli {
namespace {

using namespace iwd::compiler;

struct TestOptions {
  std::vector<std::string> paths;
  std::string format = "text";
  bool no_jit = false;
  bool coverage = false;
  double threshold = -1;  // --coverage-threshold P: fail below P percent
};

// The parts of a ruleset no test reached: departments, processes (table rows included),
// boosts of priority schemes and target stages (counted once per scheme or plan).
struct CoverageReport {
  std::size_t total = 0, reached = 0;
  std::vector<std::string> missed;  // "file:line: process `Sales.Gold`"
};

CoverageReport coverage_report(const SourceManager& sm, const BoundRuleset& rs, const RuleCoverage& c) {
  CoverageReport r;
  auto where = [&](const SourceRange& range) {
    return range.valid() ? fmt::format("{}:{}", sm.file(range.file).path, range.begin.line) : std::string("?");
  };
  auto count = [&](bool hit, const SourceRange& range, std::string what) {
    ++r.total;
    if (hit) ++r.reached;
    else r.missed.push_back(fmt::format("{}: {}", where(range), what));
  };
  for (std::size_t d = 0; d < rs.departments.size(); ++d)
    count(c.departments[d], rs.departments[d].range, fmt::format("department `{}`", rs.departments[d].name));
  for (std::size_t p = 0; p < rs.processes.size(); ++p)
    count(c.processes[p], rs.processes[p].range,
          fmt::format("{} `{}`", rs.processes[p].table_row >= 0 ? "table row" : "process", rs.processes[p].name));
  // Boosts and stages: per scheme and plan, reached when some process using it reached it.
  std::vector<std::vector<bool>> boosts(rs.priorities.size()), stages(rs.targets.size());
  for (std::size_t s = 0; s < rs.priorities.size(); ++s) boosts[s].assign(rs.priorities[s].boosts.size(), false);
  for (std::size_t t = 0; t < rs.targets.size(); ++t) stages[t].assign(rs.targets[t].stages.size(), false);
  std::vector<bool> scheme_used(rs.priorities.size(), false), plan_used(rs.targets.size(), false);
  std::size_t program_priority = 0;
  for (std::size_t p = 0; p < rs.processes.size(); ++p) {
    const auto e = rs.effective(rs.processes[p]);
    if (e.priority >= 0) {
      scheme_used[static_cast<std::size_t>(e.priority)] = true;
      const auto& hit = c.boosts[program_priority++];
      for (std::size_t b = 0; b < hit.size(); ++b)
        if (hit[b]) boosts[static_cast<std::size_t>(e.priority)][b] = true;
    }
    if (e.targets >= 0) {
      plan_used[static_cast<std::size_t>(e.targets)] = true;
      for (std::size_t k = 0; k < c.stages[p].size(); ++k)
        if (c.stages[p][k]) stages[static_cast<std::size_t>(e.targets)][k] = true;
    }
  }
  for (std::size_t s = 0; s < rs.priorities.size(); ++s)
    if (scheme_used[s])
      for (std::size_t b = 0; b < boosts[s].size(); ++b)
        count(boosts[s][b], rs.priorities[s].boosts[b].range, fmt::format("boost {} of priority `{}`", b + 1, rs.priorities[s].name));
  for (std::size_t t = 0; t < rs.targets.size(); ++t)
    if (plan_used[t])
      for (std::size_t k = 0; k < stages[t].size(); ++k)
        count(stages[t][k], rs.targets[t].stages[k].range, fmt::format("stage {} of targets `{}`", k + 1, rs.targets[t].name));
  return r;
}

int run_test(const TestOptions& opts) {
  std::vector<std::string> roots;
  std::string error;
  if (!collect_roots(opts.paths, &roots, &error)) {
    std::cerr << "iwd test: " << error << "\n";
    return kExitUsage;
  }
  std::size_t passed = 0, failed = 0, covered = 0, coverable = 0;
  nlohmann::ordered_json json_missed = nlohmann::ordered_json::array();
  nlohmann::ordered_json json_tests = nlohmann::ordered_json::array();
  std::string junit;
  for (const auto& root : roots) {
    // Loaded as every command that evaluates loads rules: the runtime's table, filled by the JIT
    // (or the interpreter with --no-jit), is what the tests ask.
    runtime::StringPool pool;
    SourceRules source;
    LoadOptions load;
    load.jit = !opts.no_jit;
    LoadResult loaded = load_rules(root, pool, load, &source);
    if (loaded.status == LoadStatus::RuleErrors) {  // a ruleset that does not compile fails as a whole
      render_text(std::cerr, loaded.diagnostics);
      ++failed;
      if (opts.format == "text") std::cout << fmt::format("FAIL {}: the rules have errors\n", root);
      json_tests.push_back({{"file", root}, {"name", "(compile)"}, {"passed", false}});
      junit += fmt::format("  <testsuite name=\"{}\" tests=\"1\" failures=\"1\"><testcase name=\"compile\"><failure message=\"the rules have errors\"/></testcase></testsuite>\n", stdlib::xml_escape(root));
      continue;
    }
    if (!loaded.rules) {
      std::cerr << "iwd test: " << loaded.error << (loaded.error.starts_with("the JIT failed") ? "; use --no-jit" : "") << "\n";
      return kExitUsage;
    }
    const SourceManager& sm = *source.sm;
    const Compilation& comp = *source.comp;
    const LoadedRules& rules = *loaded.rules;
    RuleCoverage reached;
    const auto results =
        run_rule_tests(*comp.bound(), rules.program(), rules.interpreter(), rules.table(), pool, &reached, &sm);
    std::size_t suite_failures = 0;
    std::string cases;
    for (const auto& r : results) {
      const std::string where = fmt::format("{}:{}", sm.file(r.range.file).path, r.range.begin.line);
      (r.passed() ? passed : failed)++;
      if (opts.format == "text") {
        std::cout << fmt::format("{} {} {}\n", r.passed() ? "PASS" : "FAIL", where, r.title);
        for (const auto& f : r.failures)
          std::cout << fmt::format("    {}:{}:{}: {}: got {}\n", sm.file(f.range.file).path, f.range.begin.line,
                                   f.range.begin.col, f.expectation, f.actual);
      }
      nlohmann::ordered_json fails = nlohmann::ordered_json::array();
      for (const auto& f : r.failures)
        fails.push_back({{"line", f.range.begin.line}, {"column", f.range.begin.col}, {"expected", f.expectation}, {"actual", f.actual}});
      json_tests.push_back({{"file", sm.file(r.range.file).path}, {"line", r.range.begin.line}, {"name", r.title},
                            {"passed", r.passed()}, {"failures", fails}});
      cases += fmt::format("    <testcase classname=\"{}\" name=\"{}\">", stdlib::xml_escape(root), stdlib::xml_escape(r.title));
      for (const auto& f : r.failures) {
        ++suite_failures;
        cases += fmt::format("<failure message=\"{}\">{}:{}: {}: got {}</failure>", stdlib::xml_escape(f.expectation),
                             stdlib::xml_escape(sm.file(f.range.file).path), f.range.begin.line, stdlib::xml_escape(f.expectation),
                             stdlib::xml_escape(f.actual));
      }
      cases += "</testcase>\n";
    }
    junit += fmt::format("  <testsuite name=\"{}\" tests=\"{}\" failures=\"{}\">\n{}  </testsuite>\n", stdlib::xml_escape(root),
                         results.size(), suite_failures, cases);
    if (opts.coverage || opts.threshold >= 0) {
      const CoverageReport cov = coverage_report(sm, *comp.bound(), reached);
      covered += cov.reached;
      coverable += cov.total;
      for (const auto& m : cov.missed) json_missed.push_back(m);
      if (opts.format == "text" && opts.coverage) {
        std::cout << fmt::format("coverage of {}: {} of {} reached ({:.0f}%)\n", root, cov.reached, cov.total,
                                 cov.total ? 100.0 * static_cast<double>(cov.reached) / static_cast<double>(cov.total) : 100.0);
        for (const auto& m : cov.missed) std::cout << "  not reached: " << m << "\n";
      }
    }
  }
  const double percent = coverable ? 100.0 * static_cast<double>(covered) / static_cast<double>(coverable) : 100.0;
  const bool below = opts.threshold >= 0 && percent < opts.threshold;
  if (below)
    std::cerr << fmt::format("iwd test: coverage {:.1f}% is below the threshold of {}%\n", percent, opts.threshold);
  if (opts.format == "json") {
    nlohmann::ordered_json out{{"tests", json_tests}, {"passed", passed}, {"failed", failed}};
    if (opts.coverage || opts.threshold >= 0) out["coverage"] = {{"percent", percent}, {"not_reached", json_missed}};
    std::cout << out.dump() << "\n";
  } else if (opts.format == "junit") {
    std::cout << "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites>\n" << junit << "</testsuites>\n";
  } else {
    std::cout << fmt::format("{} passed, {} failed\n", passed, failed);
  }
  return failed || below ? kExitFindings : kExitOk;
}

}  // namespace

void register_test(CLI::App& app) {
  auto opts = std::make_shared<TestOptions>();
  auto* cmd = app.add_subcommand("test", "Run the test blocks of rule files");
  cmd->add_option("paths", opts->paths, "Files or folders")->required();
  cmd->add_option("--format", opts->format, "Output format")->check(CLI::IsMember({"text", "json", "junit"}))->capture_default_str();
  cmd->add_flag("--no-jit", opts->no_jit, "Use the reference interpreter");
  cmd->add_flag("--coverage", opts->coverage,
                "Report the departments, processes, table rows, boosts and target stages no test reached");
  cmd->add_option("--coverage-threshold", opts->threshold, "Fail when coverage is below this percentage")
      ->check(CLI::Range(0.0, 100.0));
  cmd->callback([opts] { set_exit_code(run_test(*opts)); });
}

}  // namespace iwd::cli
