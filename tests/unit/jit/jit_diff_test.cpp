// Differential tests: every function of real rulesets, on seeded random items and agents, run
// by the JIT and by the reference interpreter, must give the same value and presence.
#include <gtest/gtest.h>

#include <filesystem>
#include <map>
#include <cstring>
#include <random>

#include "compiler/driver/compilation.h"
#include "compiler/jit/jit.h"
#include "compiler/lower/lower.h"
#include "tests/unit/jit/random_env.h"
#include "tests/unit/jit/random_ruleset.h"

namespace iwd::compiler {
namespace {

// Runs every function of `program` through both engines on `trials` random items and
// agents; returns how many results it compared (a mismatch fails the test, naming `label`).
std::size_t compare_engines(const Program& program, const JitProgram& jit, std::mt19937_64& rng, int trials,
                            const std::string& label) {
  Interpreter interp(program);
  RandomEnv env(program, rng);
  std::size_t compared = 0;
  for (int trial = 0; trial < trials; ++trial) {
    env.randomize();
    TimeInputs in;
    in.now = 1767603600000 + static_cast<std::int64_t>(rng() % 1000) * 600'000;
    in.age = static_cast<std::int64_t>(rng() % 500) * 600'000;
    in.sla = static_cast<std::int64_t>(rng() % 100) * 3'600'000;
    in.due = in.now - in.age + in.sla;
    in.overdue_by = std::max<std::int64_t>(0, in.now - in.due);
    // The SLA clock (LANGUAGE.md 1.1): sometimes no due instant, sometimes in a calendar.
    in.start = in.now - in.age;
    in.window = rng() % 8 == 0 ? TimeInputs::kNoWindow : in.due - in.start;
    const auto calendars = static_cast<std::int64_t>(program.calendars.size());
    in.sla_calendar = calendars > 0 && rng() % 2 ? static_cast<std::int64_t>(rng() % static_cast<std::uint64_t>(calendars)) : -1;
    const auto inputs = input_array(in);
    const JitArgs args = env.args(inputs.data(), interp);
    for (std::size_t f = 0; f < program.functions.size(); ++f) {
      const Value want = interp.run(static_cast<FunctionRef>(f), env, in);
      std::int64_t gi = 0;
      double gf = 0;
      const bool present = jit.function(static_cast<FunctionRef>(f))(&args, &gi, &gf) != 0;
      ++compared;
      const std::string where = fmt::format("{} f{} ({}) trial {}", label, f, program.functions[f].name, trial);
      EXPECT_EQ(present, want.present) << where;
      if (present != want.present || !want.present) continue;
      if (program.functions[f].type == VType::F64) {
        if (std::isnan(want.f)) EXPECT_TRUE(std::isnan(gf)) << where;
        else EXPECT_EQ(gf, want.f) << where;
      } else {
        EXPECT_EQ(gi, want.i) << where;
      }
      if (::testing::Test::HasFailure()) return compared;
    }
    // The compiled decision walk against the interpreter's.
    std::int32_t detail = 0;
    const std::int32_t native = jit.classify()(&args, &detail);
    const Classification want = interp.classify(env, in.now);
    EXPECT_EQ(native, want.process) << label << " classify, trial " << trial;
    if (native < 0) {
      EXPECT_EQ(interp.rejection(detail), want.reason) << label << " classify, trial " << trial;
    }
    ++compared;
    // The compiled priority formulas and stage openings against the interpreter's.
    for (std::size_t p = 0; p < program.processes.size(); ++p) {
      const auto process = static_cast<std::int32_t>(p);
      const std::int32_t scheme = program.processes[p].priority;
      if (scheme >= 0) {
        EXPECT_EQ(jit.priority(scheme)(&args), interp.priority(process, env, in))
            << label << " priority of " << program.processes[p].name << ", trial " << trial;
        ++compared;
      }
      std::vector<std::int64_t> opens(program.processes[p].stages.size());
      jit.stages(process)(&args, opens.data());
      EXPECT_EQ(opens, interp.stage_openings(process, env, in))
          << label << " stages of " << program.processes[p].name << ", trial " << trial;
      ++compared;
    }
    if (::testing::Test::HasFailure()) return compared;
  }
  return compared;
}

std::vector<std::string> rulesets() {
  std::vector<std::string> files;
  for (const char* dir : {"/examples", "/tests/golden/program", "/tests/golden/types", "/tests/golden/lints", "/tests/golden/lints2", "/tests/golden/semantics", "/tests/stdlib"})
    for (const auto& e : std::filesystem::directory_iterator(std::string(IWD_SOURCE_DIR) + dir))
      if (e.path().extension() == ".iwd" && e.path().filename().string()[0] != '_') files.push_back(e.path().string());
  std::sort(files.begin(), files.end());
  return files;
}

TEST(JitDiff, EveryFunctionMatchesTheInterpreter) {
  std::mt19937_64 rng(20261122);
  std::size_t compared = 0, rulesets_used = 0;
  for (const auto& path : rulesets()) {
    SourceManager sm;
    DiagnosticBag diags;
    Compilation comp(sm, diags);
    std::string error;
    ASSERT_TRUE(comp.load_root(path, &error)) << error;
    comp.check();
    if (diags.has_errors() || !comp.bound()) continue;  // golden files that show mistakes
    auto program = lower_program(*comp.bound());
    auto jit = JitProgram::compile(*program, &error);
    ASSERT_NE(jit, nullptr) << path << ": " << error;
    ++rulesets_used;
    compared += compare_engines(*program, *jit, rng, 150, path);
    if (HasFailure()) return;
  }
  EXPECT_GT(rulesets_used, 40u);
  EXPECT_GT(compared, 50'000u);
  std::printf("compared %zu function results over %zu rulesets\n", compared, rulesets_used);
}

TEST(Jit, IrIsAvailableForDumps) {
  SourceManager sm;
  DiagnosticBag diags;
  Compilation comp(sm, diags);
  comp.load_root_text("t.iwd", "attributes { n: int = 0 }\ndepartment D when n > 3 { process P }");
  comp.check();
  auto program = lower_program(*comp.bound());
  const std::string ir = program_ir(*program);
  EXPECT_NE(ir.find("define i8 @iwd_f0"), std::string::npos) << ir;
}

// Seeded random rulesets: every function, JIT against interpreter. A failure names the seed;
// `IWD_DIFF_SEED=N` runs that seed alone and prints its ruleset.
TEST(JitDiff, RandomRulesetsMatchTheInterpreter) {
  std::uint64_t first = 1, last = 80;
  if (const char* s = std::getenv("IWD_DIFF_SEED")) first = last = std::strtoull(s, nullptr, 10);
  std::size_t compared = 0;
  for (std::uint64_t seed = first; seed <= last; ++seed) {
    const std::string text = RandomRuleset(seed).generate();
    if (first == last) std::printf("%s\n", text.c_str());
    SourceManager sm;
    DiagnosticBag diags;
    Compilation comp(sm, diags);
    comp.load_root_text(fmt::format("random{}.iwd", seed), text);
    comp.check();
    for (const auto& d : diags.all())
      ASSERT_NE(d.severity, Severity::Error) << "seed " << seed << ": the generator wrote an error: " << d.message
                                             << " at line " << d.range.begin.line << "\n" << text;
    auto program = lower_program(*comp.bound());
    std::string error;
    auto jit = JitProgram::compile(*program, &error);
    ASSERT_NE(jit, nullptr) << "seed " << seed << ": " << error;
    std::mt19937_64 rng(seed * 7919);
    compared += compare_engines(*program, *jit, rng, 40, fmt::format("seed {}", seed));
    if (HasFailure()) return;
  }
  std::printf("compared %zu function results over %llu random rulesets\n", compared,
              static_cast<unsigned long long>(last - first + 1));
}

}  // namespace
}  // namespace iwd::compiler
