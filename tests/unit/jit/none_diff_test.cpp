// "None" through both engines (runtime::abi::kNone, TimeInputs::kNone): an item with no due
// instant, a target stage that never opens and a share of an absent SLA clock. The JIT's
// generated code compares against these constants, so it must agree with the interpreter on
// each: the priority (no `overdue`, `due` read as the end of time, a condition on an absent
// share does not hold), the stage openings (kNone for never, an absent share adds nothing)
// and every function's value and presence.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "compiler/driver/compilation.h"
#include "compiler/jit/jit.h"
#include "compiler/lower/lower.h"
#include "tests/support/checked_rules.h"
#include "tests/unit/jit/random_env.h"

namespace iwd::compiler {
namespace {

// The default process has no SLA: an item has a due instant only when its source sets due_at.
constexpr const char* kRules = R"(ruleset none version "1"
timezone "UTC"
attributes { n: int = 0 }
skills { a }
priority p {
  start 100
  every 1h add 10
  boost 500 when due < captured_at + 1000d
  boost 3 when age >= 90% of sla
  overdue 2000
}
targets t {
  skill a > 5 for 10% of sla
  skill a > 2 for 1h
  skill a > 0
}
default process Always { priority p  targets t }
)";

TEST(NoneDiff, NoDueInstantNeverOpeningStageAndAbsentShareAgreeInBothEngines) {
  auto rules = iwd::test::check_text("none.iwd", kRules);
  ASSERT_TRUE(rules->ok()) << rules->first_problem();
  Program* program = &rules->lower();
  ASSERT_EQ(program->processes.size(), 1u);
  ProgramProcess& pp = program->processes[0];
  ASSERT_EQ(pp.stages.size(), 3u);
  // A stage after the final one never opens. The checker refuses it in source (E0509), but a
  // program (a program file, a bundle) can hold one, and both engines must say "never" alike.
  pp.stages.push_back(pp.stages[1]);
  std::string error;
  auto jit = JitProgram::compile(*program, &error);
  ASSERT_NE(jit, nullptr) << error;
  Interpreter interp(*program);  // no native runner: the reference walk
  std::mt19937_64 rng(20261206);
  RandomEnv env(*program, rng);
  constexpr std::int64_t kHour = 3'600'000;
  std::size_t no_due = 0, with_due = 0, compared = 0;
  for (int trial = 0; trial < 400; ++trial) {
    env.randomize();
    const std::int64_t now = 1767603600000 + static_cast<std::int64_t>(rng() % 200) * 1'800'000;
    const Classification c = interp.classify(env, stdlib::Instant{now});
    ASSERT_EQ(c.process, 0) << c.reason;
    const runtime::abi::ItemClock clock = interp.clock(c.process, env, stdlib::Instant{now});
    const bool has_due = clock.due != runtime::abi::kNone;
    ++(has_due ? with_due : no_due);
    for (const std::int64_t age : {std::int64_t{0}, kHour / 2 + 7, 2 * kHour, 5 * kHour + 1, 30 * kHour, 900 * kHour}) {
      const TimeInputs in = interp.inputs(c.process, clock, age);
      ASSERT_EQ(in.has_due(), has_due);
      const auto inputs = input_array(in);
      const JitArgs args = env.args(inputs.data(), interp);
      const std::string what = fmt::format("trial {} age {} ({})", trial, age, has_due ? "due" : "no due instant");

      const std::int64_t want_priority = interp.priority(c.process, env, in);
      EXPECT_EQ(jit->priority(pp.priority)(&args), want_priority) << what;
      if (!has_due) {  // no overdue value, `due` is the end of time, the share condition does not hold
        EXPECT_EQ(want_priority, 100 + 10 * (age / kHour)) << what;
      }
      std::vector<std::int64_t> opens(pp.stages.size());
      jit->stages(c.process)(&args, opens.data());
      const std::vector<std::int64_t> want_opens = interp.stage_openings(c.process, env, in);
      EXPECT_EQ(opens, want_opens) << what;
      EXPECT_EQ(want_opens.back(), TimeInputs::kNone) << what << ": the stage after the final one never opens";
      if (!has_due) {  // the absent share adds nothing: the second stage opens at once
        EXPECT_EQ(want_opens[1], 0) << what;
        EXPECT_EQ(want_opens[2], kHour) << what;
      }
      for (std::size_t f = 0; f < program->functions.size(); ++f) {
        const Value want = interp.run(static_cast<FunctionRef>(f), env, in);
        std::int64_t gi = 0;
        double gf = 0;
        const bool present = jit->function(static_cast<FunctionRef>(f))(&args, &gi, &gf) != 0;
        EXPECT_EQ(present, want.present) << what << " " << program->functions[f].name;
        if (present && want.present && program->functions[f].type != VType::F64) {
          EXPECT_EQ(gi, want.i) << what << " " << program->functions[f].name;
        }
        ++compared;
      }
      if (HasFailure()) return;
    }
  }
  EXPECT_GT(no_due, 40u);
  EXPECT_GT(with_due, 40u);
  EXPECT_GT(compared, 5000u);
}

}  // namespace
}  // namespace iwd::compiler
