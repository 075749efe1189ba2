// The ELF loader against LLVM's (issue 19): the object files `iwd build` puts in a bundle
// (JitProgram::compile with objects), loaded by RuntimeDyld (JitProgram::load, the oracle) and by
// iwd's own loader (JitProgram::load_native), run on the same seeded random items and agents:
// every function, the decision walk, the priority formulas and their bounded groups, the next
// changes, the stage openings, the compiled clocks and the batch entry point give the same
// answers. Over every ruleset of the tree and seeded random rulesets; each one's objects load.
#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <stdexcept>

#include "compiler/jit/jit.h"
#include "tests/support/checked_rules.h"
#include "tests/unit/jit/compare_programs.h"
#include "tests/unit/jit/random_env.h"
#include "tests/unit/jit/random_ruleset.h"

namespace iwd::compiler {
namespace {

// compare_programs (the entry points), and the formulas of the batch plan's groups with bounds
// given, which the batch inlines.
std::size_t compare_loaders(const Program& program, const JitProgram& llvm, const JitProgram& own, std::mt19937_64& rng,
                            int trials, const std::string& label) {
  std::size_t compared = compare_programs(program, own, llvm, rng, trials, label);
  EXPECT_EQ(own.plan().bounded.size(), llvm.plan().bounded.size()) << label;
  Interpreter interp(program);
  RandomEnv env(program, rng);
  for (int trial = 0; trial < trials && !::testing::Test::HasFailure(); ++trial) {
    env.randomize();
    const auto inputs = input_array(random_inputs(program, rng));
    const JitArgs args = env.args(inputs.data(), interp);
    for (std::size_t g = 0; g < llvm.plan().bounded.size(); ++g) {
      const auto group = static_cast<std::int32_t>(g);
      if ((llvm.bounded_priority(group) == nullptr) != (own.bounded_priority(group) == nullptr)) {
        ADD_FAILURE() << label << " group " << g << ": one loader has its formula, the other not";
        return compared;
      }
      if (!llvm.bounded_priority(group)) continue;
      EXPECT_EQ(llvm.bounded_priority(group)(&args, 10, 500), own.bounded_priority(group)(&args, 10, 500))
          << label << " trial " << trial << " group " << g;
      ++compared;
    }
  }
  return compared;
}

// The program's bundle objects, loaded both ways and compared; false on a failure.
std::size_t both_ways(const Program& program, std::mt19937_64& rng, int trials, const std::string& label) {
  std::string error;
  std::vector<std::string> objects;
  auto llvm = JitProgram::compile(program, &error, &objects);  // eager, linked by RuntimeDyld
  EXPECT_NE(llvm, nullptr) << label << ": " << error;
  if (!llvm) return 0;
  auto own = JitProgram::load_native(program, objects, &error);
  EXPECT_NE(own, nullptr) << label << ": " << error;
  if (!own) return 0;
  return compare_loaders(program, *llvm, *own, rng, trials, label);
}

TEST(NativeLoaderDiff, EveryRulesetOfTheTreeLoadsAndAnswersAsWithRuntimeDyld) {
  std::mt19937_64 rng(20261207);
  std::size_t compared = 0, used = 0;
  for (const auto& path : iwd::test::iwd_files(IWD_SOURCE_DIR, {"/examples", "/tests/golden/program", "/tests/golden/types",
                                                               "/tests/golden/lints", "/tests/golden/lints2",
                                                               "/tests/golden/semantics", "/tests/stdlib"})) {
    auto rules = iwd::test::check_file(path);
    ASSERT_EQ(rules->error, "");
    if (!rules->ok()) continue;  // golden files that show mistakes
    ++used;
    compared += both_ways(rules->lower(), rng, 60, path);
    if (HasFailure()) return;
  }
  EXPECT_GT(used, 40u);
  EXPECT_GT(compared, 20'000u);
}

TEST(NativeLoaderDiff, RandomRulesetsAnswerAsWithRuntimeDyld) {
  std::size_t compared = 0;
  for (std::uint64_t seed = 1; seed <= 60; ++seed) {
    auto rules = iwd::test::check_text(fmt::format("random{}.iwd", seed), RandomRuleset(seed).generate());
    ASSERT_TRUE(rules->ok()) << "seed " << seed << ": " << rules->first_problem();
    std::mt19937_64 rng(seed * 104729);
    compared += both_ways(rules->lower(), rng, 30, fmt::format("seed {}", seed));
    if (HasFailure()) return;
  }
  EXPECT_GT(compared, 20'000u);
}

// Generated code does unwind: an exception a helper throws (an environment's skill read here;
// the slow path's allocations could) passes through the generated frames to the caller, as
// RuntimeDyld allowed: the ELF loader registers the objects' .eh_frame with the unwinder. Without
// it the unwinder finds no frame description for the generated code and std::terminate ends the
// test.
class ThrowingEnv : public RandomEnv {
 public:
  using RandomEnv::RandomEnv;
  Value skill(std::uint32_t) const override { throw std::runtime_error("no skills here"); }
};

TEST(NativeLoaderDiff, AnExceptionPassesThroughTheLoadedCode) {
  auto rules = iwd::test::check_text("t.iwd", R"(ruleset t version "1"
attributes { n: int = 0 }
skills { a }
targets by_skill {
  skill a > 5 for 1h
  skill a > 0
}
department D when n >= 0 {
  targets by_skill
  process P
}
)");
  ASSERT_TRUE(rules->ok()) << rules->first_problem();
  const Program& program = rules->lower();
  std::string error;
  std::vector<std::string> objects;
  auto llvm = JitProgram::compile(program, &error, &objects);
  ASSERT_NE(llvm, nullptr) << error;
  auto own = JitProgram::load_native(program, objects, &error);
  ASSERT_NE(own, nullptr) << error;
  Interpreter interp(program);
  std::mt19937_64 rng(19);
  ThrowingEnv env(program, rng);
  env.randomize();
  const auto inputs = input_array(random_inputs(program, rng));
  const JitArgs args = env.args(inputs.data(), interp);
  int reading = 0;
  for (std::size_t f = 0; f < program.functions.size(); ++f) {
    const auto& code = program.functions[f].code;
    if (std::none_of(code.begin(), code.end(), [](const Instr& in) { return in.op == Op::LoadSkill; })) continue;
    ++reading;
    for (const JitProgram* p : {llvm.get(), own.get()}) {
      std::int64_t i = 0;
      double d = 0;
      std::string caught;
      try {
        p->function(static_cast<FunctionRef>(f))(&args, &i, &d);
      } catch (const std::runtime_error& e) {
        caught = e.what();
      }
      EXPECT_EQ(caught, "no skills here") << "f" << f << (p == own.get() ? " (ELF loader)" : " (RuntimeDyld)");
    }
  }
  EXPECT_GT(reading, 0);
}

}  // namespace
}  // namespace iwd::compiler
