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
#include "tests/support/checked_rules.h"
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
    const TimeInputs in = random_inputs(program, rng);
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
    const Classification want = interp.classify(env, stdlib::Instant{in.now});
    EXPECT_EQ(native, want.process) << label << " classify, trial " << trial;
    if (native < 0) {
      EXPECT_EQ(interp.rejection(detail), want.reason) << label << " classify, trial " << trial;
    }
    ++compared;
    // The compiled priority formulas and stage openings against the interpreter's, with the
    // SLA clock in the process's own calendar, as the runtime gives it (a process whose clock
    // is elapsed time has its shares compiled as multiplications).
    for (std::size_t p = 0; p < program.processes.size(); ++p) {
      const auto process = static_cast<std::int32_t>(p);
      TimeInputs own = in;
      own.sla_calendar = interp.sla_clock_calendar(process);
      const auto own_inputs = input_array(own);
      const JitArgs own_args = env.args(own_inputs.data(), interp);
      const std::int32_t scheme = program.processes[p].priority;
      if (scheme >= 0) {
        EXPECT_EQ(jit.priority(scheme)(&own_args), interp.priority(process, env, own))
            << label << " priority of " << program.processes[p].name << ", trial " << trial;
        ++compared;
      }
      std::vector<std::int64_t> opens(program.processes[p].stages.size());
      jit.stages(process)(&own_args, opens.data());
      EXPECT_EQ(opens, interp.stage_openings(process, env, own))
          << label << " stages of " << program.processes[p].name << ", trial " << trial;
      ++compared;
    }
    if (::testing::Test::HasFailure()) return compared;
  }
  return compared;
}

std::vector<std::string> rulesets() {
  return iwd::test::iwd_files(IWD_SOURCE_DIR, {"/examples", "/tests/golden/program", "/tests/golden/types", "/tests/golden/lints",
                                               "/tests/golden/lints2", "/tests/golden/semantics", "/tests/stdlib"});
}

TEST(JitDiff, EveryFunctionMatchesTheInterpreter) {
  std::mt19937_64 rng(20261122);
  std::size_t compared = 0, rulesets_used = 0;
  for (const auto& path : rulesets()) {
    auto rules = iwd::test::check_file(path);
    ASSERT_EQ(rules->error, "");
    if (!rules->ok()) continue;  // golden files that show mistakes
    const Program& program = rules->lower();
    std::string error;
    auto jit = JitProgram::compile(program, &error);
    ASSERT_NE(jit, nullptr) << path << ": " << error;
    ++rulesets_used;
    compared += compare_engines(program, *jit, rng, 150, path);
    if (HasFailure()) return;
  }
  EXPECT_GT(rulesets_used, 40u);
  EXPECT_GT(compared, 50'000u);
  std::printf("compared %zu function results over %zu rulesets\n", compared, rulesets_used);
}

TEST(Jit, IrIsAvailableForDumps) {
  auto rules = iwd::test::check_text("t.iwd", "attributes { n: int = 0 }\ndepartment D when n > 3 { process P }");
  const std::string ir = program_ir(rules->lower());
  EXPECT_NE(ir.find("define i8 @iwd_f0"), std::string::npos) << ir;
}

// A process whose SLA clock is elapsed time (no calendar) and whose age is elapsed gets its
// shares of the clock as multiplications: its priority formula calls the elapsed variants of
// the pieces and its stage openings compute `round(shares * window)` inline; a process whose
// SLA runs in a calendar keeps the calendar code. Both agree with the interpreter.
TEST(Jit, SharesOfAnElapsedSlaClockAreMultiplications) {
  auto rules = iwd::test::check_text("t.iwd", R"(ruleset t version "1"
attributes { n: int = 0 }
skills { a }
calendar office { mon..fri 08:00-18:00 }
priority p {
  start 100
  every 1h add 20
  every 15m add 25 from 75% of sla
  boost 50 when age >= 90% of sla
}
targets shares {
  skill a > 5 for 10% of sla
  skill a > 2 for 20% of sla
  skill a > 0
}
department D when n >= 0 {
  priority p
  targets shares
  process Elapsed when n == 1 { sla 5d }
  process Office { sla 40h in office }
}
)");
  ASSERT_TRUE(rules->ok()) << rules->first_problem();
  Program* program = &rules->lower();
  const std::string ir = program_ir(*program);
  auto body = [&](const std::string& head) {
    const auto at = ir.find(head);
    if (at == std::string::npos) return std::string();
    return ir.substr(at, ir.find("\n}\n", at) - at);
  };
  std::int32_t elapsed = -1, office = -1;
  for (std::size_t p = 0; p < program->processes.size(); ++p) {
    if (program->processes[p].name == "D.Elapsed") elapsed = static_cast<std::int32_t>(p);
    if (program->processes[p].name == "D.Office") office = static_cast<std::int32_t>(p);
  }
  ASSERT_GE(elapsed, 0);
  ASSERT_GE(office, 0);
  const auto priority_of = [&](std::int32_t p) {
    return body(fmt::format("define i64 @iwd_priority{}(", program->processes[static_cast<std::size_t>(p)].priority));
  };
  const std::string elapsed_priority = priority_of(elapsed), office_priority = priority_of(office);
  ASSERT_FALSE(elapsed_priority.empty()) << ir;
  ASSERT_FALSE(office_priority.empty()) << ir;
  EXPECT_NE(elapsed_priority.find("_elapsed("), std::string::npos) << elapsed_priority;
  EXPECT_EQ(office_priority.find("_elapsed("), std::string::npos) << office_priority;
  const std::string elapsed_stages = body(fmt::format("define void @iwd_stages{}(", elapsed));
  const std::string office_stages = body(fmt::format("define void @iwd_stages{}(", office));
  ASSERT_FALSE(elapsed_stages.empty()) << ir;
  ASSERT_FALSE(office_stages.empty()) << ir;
  EXPECT_EQ(elapsed_stages.find("iwd_jit_share_age"), std::string::npos) << elapsed_stages;
  EXPECT_NE(office_stages.find("iwd_jit_share_age"), std::string::npos) << office_stages;
  // The variants read no calendar: no branch to the calendar code.
  const std::string variant = body("define internal i8 @iwd_f");
  ASSERT_FALSE(variant.empty()) << ir;
  EXPECT_EQ(variant.find("iwd_jit_share_age"), std::string::npos) << variant;

  std::string error;
  auto jit = JitProgram::compile(*program, &error);
  ASSERT_NE(jit, nullptr) << error;
  std::mt19937_64 rng(20261206);
  EXPECT_GT(compare_engines(*program, *jit, rng, 400, "shares"), 400u);
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
    auto rules = iwd::test::check_text(fmt::format("random{}.iwd", seed), text);
    for (const auto& d : rules->diags.all())
      ASSERT_NE(d.severity, Severity::Error) << "seed " << seed << ": the generator wrote an error: " << d.message
                                             << " at line " << d.range.begin.line << "\n" << text;
    Program* program = &rules->lower();
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
