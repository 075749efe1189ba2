// `iwd test [--format text|json|junit] [--no-jit] PATH...`: runs the rulesets' test blocks.
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <iostream>

#include "compiler/diag/render.h"
#include "compiler/driver/compilation.h"
#include "compiler/interp/rule_tests.h"
#include "compiler/jit/jit.h"
#include "compiler/jit/jit_runner.h"
#include "compiler/lower/lower.h"
#include "tools/iwd/commands.h"

namespace iwd::cli {
namespace {

using namespace iwd::compiler;

struct TestOptions {
  std::vector<std::string> paths;
  std::string format = "text";
  bool no_jit = false;
};

std::string xml_escape(const std::string& s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '&': out += "&amp;"; break;
      case '"': out += "&quot;"; break;
      default: out += c;
    }
  }
  return out;
}

int run_test(const TestOptions& opts) {
  std::vector<std::string> roots;
  std::string error;
  if (!collect_roots(opts.paths, &roots, &error)) {
    std::cerr << "iwd test: " << error << "\n";
    return kExitUsage;
  }
  std::size_t passed = 0, failed = 0;
  nlohmann::ordered_json json_tests = nlohmann::ordered_json::array();
  std::string junit;
  for (const auto& root : roots) {
    SourceManager sm;
    DiagnosticBag diags;
    Compilation comp(sm, diags);
    if (!comp.load_root(root, &error)) {
      std::cerr << "iwd test: " << error << "\n";
      return kExitUsage;
    }
    comp.check();
    if (diags.has_errors()) {  // a ruleset that does not compile fails as a whole
      diags.sort();
      render_text(std::cerr, sm, diags.all());
      ++failed;
      if (opts.format == "text") std::cout << fmt::format("FAIL {}: the rules have errors\n", root);
      json_tests.push_back({{"file", root}, {"name", "(compile)"}, {"passed", false}});
      junit += fmt::format("  <testsuite name=\"{}\" tests=\"1\" failures=\"1\"><testcase name=\"compile\"><failure message=\"the rules have errors\"/></testcase></testsuite>\n", xml_escape(root));
      continue;
    }
    auto program = lower_program(*comp.bound());
    Interpreter interp(*program);
    runtime::StringPool pool;
    std::unique_ptr<JitProgram> jit;
    std::unique_ptr<JitRunner> runner;
    if (!opts.no_jit) {
      jit = JitProgram::compile(*program, &error);
      if (!jit) {
        std::cerr << "iwd test: the JIT failed (" << error << "); use --no-jit\n";
        return kExitUsage;
      }
      std::vector<std::int64_t> ids;
      for (const auto& s : program->strings) ids.push_back(pool.intern(s));
      runner = std::make_unique<JitRunner>(*jit, interp, std::move(ids));
      interp.set_native(runner.get());
    }
    const auto results = run_rule_tests(*comp.bound(), *program, interp, pool);
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
      cases += fmt::format("    <testcase classname=\"{}\" name=\"{}\">", xml_escape(root), xml_escape(r.title));
      for (const auto& f : r.failures) {
        ++suite_failures;
        cases += fmt::format("<failure message=\"{}\">{}:{}: {}: got {}</failure>", xml_escape(f.expectation),
                             xml_escape(sm.file(f.range.file).path), f.range.begin.line, xml_escape(f.expectation),
                             xml_escape(f.actual));
      }
      cases += "</testcase>\n";
    }
    junit += fmt::format("  <testsuite name=\"{}\" tests=\"{}\" failures=\"{}\">\n{}  </testsuite>\n", xml_escape(root),
                         results.size(), suite_failures, cases);
  }
  if (opts.format == "json") {
    std::cout << nlohmann::ordered_json{{"tests", json_tests}, {"passed", passed}, {"failed", failed}}.dump() << "\n";
  } else if (opts.format == "junit") {
    std::cout << "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites>\n" << junit << "</testsuites>\n";
  } else {
    std::cout << fmt::format("{} passed, {} failed\n", passed, failed);
  }
  return failed ? kExitFindings : kExitOk;
}

}  // namespace

void register_test(CLI::App& app) {
  auto opts = std::make_shared<TestOptions>();
  auto* cmd = app.add_subcommand("test", "Run the test blocks of rule files");
  cmd->add_option("paths", opts->paths, "Files or folders")->required();
  cmd->add_option("--format", opts->format, "Output format")->check(CLI::IsMember({"text", "json", "junit"}))->capture_default_str();
  cmd->add_flag("--no-jit", opts->no_jit, "Use the reference interpreter");
  cmd->callback([opts] { set_exit_code(run_test(*opts)); });
}

}  // namespace iwd::cli
