// The lazy compile (jit_lazy.cpp): parts compiled at their first call give the answers of the
// same program compiled eagerly in one module (which jit_diff_test and the load tests hold to
// the interpreter), for every entry point, with the walk split by department; and a part is
// compiled only when first called, once.
#include <gtest/gtest.h>

#include <array>
#include <cstring>
#include <random>

#include "compiler/jit/jit.h"
#include "tests/support/checked_rules.h"
#include "tests/unit/jit/compare_programs.h"
#include "tests/unit/jit/random_env.h"
#include "tests/unit/jit/random_ruleset.h"

namespace iwd::compiler {
namespace {

constexpr JitOptions kEager{.lazy = false};
constexpr JitOptions kLazySplit{.lazy = true, .whole_walk_processes = 0};  // every department a part

TEST(LazyJit, PartsGiveTheEagerAnswersOnRealRulesets) {
  std::mt19937_64 rng(20261206);
  std::size_t compared = 0, used = 0;
  for (const auto& path : iwd::test::iwd_files(IWD_SOURCE_DIR, {"/examples", "/tests/golden/program", "/tests/stdlib"})) {
    auto rules = iwd::test::check_file(path);
    ASSERT_EQ(rules->error, "");
    if (!rules->ok()) continue;
    const Program& program = rules->lower();
    std::string error;
    auto eager = JitProgram::compile(program, &error, nullptr, kEager);
    ASSERT_NE(eager, nullptr) << path << ": " << error;
    for (const JitOptions& options : {kLazySplit, JitOptions{}}) {
      auto lazy = JitProgram::compile(program, &error, nullptr, options);
      ASSERT_NE(lazy, nullptr) << path << ": " << error;
      compared += compare_programs(program, *lazy, *eager, rng, 40, path);
      if (HasFailure()) return;
    }
    ++used;
  }
  EXPECT_GT(used, 10u);
  std::printf("compared %zu answers over %zu rulesets\n", compared, used);
}

TEST(LazyJit, PartsGiveTheEagerAnswersOnRandomRulesets) {
  std::size_t compared = 0;
  for (std::uint64_t seed = 1; seed <= 40; ++seed) {
    auto rules = iwd::test::check_text(fmt::format("random{}.iwd", seed), RandomRuleset(seed).generate());
    ASSERT_FALSE(rules->diags.has_errors()) << "seed " << seed;
    const Program& program = rules->lower();
    std::string error;
    auto eager = JitProgram::compile(program, &error, nullptr, kEager);
    auto lazy = JitProgram::compile(program, &error, nullptr, kLazySplit);
    ASSERT_NE(eager, nullptr) << error;
    ASSERT_NE(lazy, nullptr) << error;
    std::mt19937_64 rng(seed * 104729);
    compared += compare_programs(program, *lazy, *eager, rng, 30, fmt::format("seed {}", seed));
    if (HasFailure()) return;
  }
  std::printf("compared %zu answers over 40 random rulesets\n", compared);
}

// Nothing but the walk is compiled at load; a part is compiled at its first call, once; and
// compile_lazy_parts compiles the rest.
TEST(LazyJit, APartIsCompiledAtItsFirstCallOnly) {
  auto rules = iwd::test::check_text("t.iwd", R"(attributes { n: int = 0 }
priority a { start 10  every 1h add n }
priority b { start 20 }
department D when n > 3 {
  priority a
  process P when n > 5
  process Q when n > 4 { priority b }
}
department E when n > 0 {
  priority b
  process R when n > 1
  process S
}
)");
  ASSERT_FALSE(rules->diags.has_errors());
  const Program& program = rules->lower();
  std::string error;
  auto jit = JitProgram::compile(program, &error, nullptr, kLazySplit);
  ASSERT_NE(jit, nullptr) << error;
  // The group of functions, the two formulas (b's shared by Q, R and S), their next changes,
  // the stage openings (all the same), the batch and the two departments' walks.
  EXPECT_EQ(jit->lazy_parts(), 1 + 2 + 2 + 1 + 1 + 2u);
  EXPECT_EQ(jit->lazy_parts_compiled(), 0u);

  std::mt19937_64 rng(7);
  Interpreter interp(program);
  RandomEnv env(program, rng);
  env.randomize();
  const std::int64_t inputs[kInputCount] = {1767603600000};
  const JitArgs args = env.args(inputs, interp);
  std::int32_t detail = 0;
  const std::int32_t process = jit->classify()(&args, &detail);  // one department's part, or none
  const std::size_t after_walk = jit->lazy_parts_compiled();
  EXPECT_LE(after_walk, 1u);
  EXPECT_EQ(process, interp.classify(env, stdlib::Instant{inputs[0]}).process);
  jit->classify()(&args, &detail);
  EXPECT_EQ(jit->lazy_parts_compiled(), after_walk);

  const std::int32_t r = program.processes[2].priority, s = program.processes[3].priority;
  ASSERT_NE(r, s);
  EXPECT_EQ(jit->priority(r)(&args), 20);
  EXPECT_EQ(jit->lazy_parts_compiled(), after_walk + 1);
  EXPECT_EQ(jit->priority(s)(&args), 20);  // the same formula: already compiled
  EXPECT_EQ(jit->lazy_parts_compiled(), after_walk + 1);

  ASSERT_TRUE(jit->compile_lazy_parts(&error)) << error;
  EXPECT_EQ(jit->lazy_parts_compiled(), jit->lazy_parts());
  EXPECT_EQ(jit->priority(s)(&args), 20);

  auto eager = JitProgram::compile(program, &error, nullptr, kEager);
  ASSERT_NE(eager, nullptr) << error;
  EXPECT_EQ(eager->lazy_parts(), 0u);
}

// Many parts: `departments` departments of three processes, each its own scheme (a step, a
// boost on the age) and SLA.
std::string many_parts(int departments) {
  std::string s = "attributes { n: int = 0  m: int = 0 }\n";
  for (int d = 0; d < departments; ++d)
    s += fmt::format("priority p{0} {{ start {0}  every {1}m add {2}  boost 5 when age >= {3}h }}\n"
                     "department D{0} when n == {0} {{\n  priority p{0}\n  sla {3}h\n"
                     "  process A when m == 0\n  process B when m == 1\n  process C\n}}\n",
                     d, d + 1, d % 7 + 1, d % 9 + 1);
  return s + "default process Rest { sla 1d }\n";
}

// The background compile (JitProgram::start_background_compile) over many_parts(30): its
// program, a lazy compile without it to compare with (its parts compiled by their callers:
// the tests above hold those to the eager compile), and lazy ones with it.
class LazyJitBackground : public ::testing::Test {
 protected:
  void SetUp() override {
    rules_ = iwd::test::check_text("many.iwd", many_parts(30));
    ASSERT_TRUE(rules_->ok()) << rules_->first_problem();
    program_ = &rules_->lower();
    plain_ = JitProgram::compile(*program_, &error_, nullptr, kLazySplit);
    ASSERT_NE(plain_, nullptr) << error_;
  }
  std::unique_ptr<JitProgram> lazy() {
    auto jit = JitProgram::compile(*program_, &error_, nullptr, kLazySplit);
    EXPECT_NE(jit, nullptr) << error_;
    return jit;
  }

  std::unique_ptr<iwd::test::CheckedRules> rules_;
  const Program* program_ = nullptr;
  std::unique_ptr<JitProgram> plain_;
  std::string error_;
};

// After load, the background compile leaves no part to the callers: every part compiled once
// it ends, and every entry point then gives the answers of parts compiled by their callers.
TEST_F(LazyJitBackground, LeavesNoPartToTheCallers) {
  auto jit = lazy();
  ASSERT_NE(jit, nullptr);
  ASSERT_GT(jit->lazy_parts(), 90u);  // 30 departments, formulas, next changes; stages; batch; functions
  EXPECT_EQ(jit->lazy_parts_compiled(), 0u);
  jit->start_background_compile();
  jit->start_background_compile();  // started already: nothing more
  ASSERT_TRUE(jit->wait_background_compile(&error_)) << error_;
  EXPECT_EQ(jit->lazy_parts_compiled(), jit->lazy_parts());
  std::mt19937_64 rng(11);
  EXPECT_GT(compare_programs(*program_, *jit, *plain_, rng, 30, "background"), 0u);
  EXPECT_EQ(jit->lazy_parts_compiled(), jit->lazy_parts());  // nothing compiled twice
  EXPECT_TRUE(jit->wait_background_compile(&error_));  // ended: returns at once
}

// Items evaluated while the background compile runs: the callers and the background thread
// compile parts side by side (each part once), with the same answers.
TEST_F(LazyJitBackground, ItemsEvaluatedMeanwhileGiveTheSameAnswers) {
  for (int round = 0; round < 3; ++round) {
    auto jit = lazy();
    ASSERT_NE(jit, nullptr);
    jit->start_background_compile();
    std::mt19937_64 rng(round + 1);
    EXPECT_GT(compare_programs(*program_, *jit, *plain_, rng, 10, fmt::format("round {}", round)), 0u);
    ASSERT_TRUE(jit->wait_background_compile(&error_)) << error_;
    EXPECT_EQ(jit->lazy_parts_compiled(), jit->lazy_parts());
  }
}

// A reload during the background compile: the old program destroyed while its thread compiles
// (the destructor stops it between two parts and waits for the part under way), at once or
// after a first item; a stopped program still compiles what its callers reach.
TEST_F(LazyJitBackground, AProgramDestroyedMeanwhileStopsIt) {
  Interpreter interp(*program_);
  std::mt19937_64 rng(3);
  RandomEnv env(*program_, rng);
  env.randomize();
  const std::int64_t inputs[kInputCount] = {1767603600000};
  const JitArgs args = env.args(inputs, interp);
  for (int reload = 0; reload < 6; ++reload) {
    auto jit = lazy();
    ASSERT_NE(jit, nullptr);
    jit->start_background_compile();
    if (reload % 2) {
      std::int32_t detail = 0;
      EXPECT_EQ(jit->classify()(&args, &detail), interp.classify(env, stdlib::Instant{inputs[0]}).process);
    }
    if (reload == 5) {  // stopped, then used: its callers compile what is left
      jit->stop_background_compile();
      const std::size_t stopped = jit->lazy_parts_compiled();
      EXPECT_GT(compare_programs(*program_, *jit, *plain_, rng, 5, "stopped"), 0u);
      EXPECT_GE(jit->lazy_parts_compiled(), stopped);
      EXPECT_TRUE(jit->wait_background_compile(&error_));  // stopped: nothing to wait for
    }
    jit.reset();  // the reload: stops and joins the thread before the code goes
  }
}

}  // namespace
}  // namespace iwd::compiler
