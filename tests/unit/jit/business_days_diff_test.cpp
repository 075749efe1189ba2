// Business days (`Nbd`) through both engines: on random items (captured over nights, a weekend
// and a holiday), the due instant of `sla Nbd in CAL` is the calendar's add_business_days, and
// the JIT's priority formulas and stage openings on the SLA clock that due instant makes agree
// with the interpreter's at ages before, around and after it; so do `add_business` calls with
// a count of business days.
#include <gtest/gtest.h>

#include <random>

#include "compiler/driver/compilation.h"
#include "compiler/jit/jit.h"
#include "compiler/lower/lower.h"
#include "tests/support/checked_rules.h"
#include "tests/unit/jit/random_env.h"

namespace iwd::compiler {
namespace {

constexpr const char* kRules = R"(ruleset bd version "1"
timezone "UTC"
attributes { kind: string  t: time? }
skills { cases }
calendar office { mon..fri 09:00-17:00  closed 2026-01-06  2026-01-09 09:00-12:00 }
calendar berlin { timezone "Europe/Berlin"  mon..fri 08:00-18:00  sat 09:00-13:00 }
priority rising {
  start 100
  every 1h add 50 from 75% of sla
  boost 25 when age >= 90% of sla
  max 400
  overdue 1000
}
priority open_age {
  age in office
  curve { 0h: 100, 50% of sla: 200, 100% of sla: 600 }
}
targets shares {
  skill cases > 5 for 25% of sla
  skill cases > 2 for 50% of sla
  skill cases > 0
}
department Desk when kind == "desk" {
  sla 2bd in office
  priority rising
  targets shares
  process Late when (add_business(office, t ?? now, 1bd) < now) ?? false { sla 1bd }
  process Curve when has(t) { priority open_age }
  process Standard
}
department Abroad when kind == "abroad" {
  sla 3bd in berlin
  priority rising
  targets shares
  process All
}
default process Always {
  sla 2bd in always
  priority rising
  targets shares
}
)";

TEST(BusinessDaysDiff, DueInstantsAndTheClockAgreeInBothEngines) {
  auto rules = iwd::test::check_text("bd.iwd", kRules);
  ASSERT_TRUE(rules->ok()) << rules->first_problem();
  Program* program = &rules->lower();
  std::string error;
  auto jit = JitProgram::compile(*program, &error);
  ASSERT_NE(jit, nullptr) << error;
  Interpreter interp(*program);
  std::mt19937_64 rng(20261206);
  RandomEnv env(*program, rng);
  const std::int64_t kHour = 3'600'000;
  std::size_t compared = 0, bd_items = 0;
  for (int trial = 0; trial < 1500; ++trial) {
    env.randomize();
    const std::int64_t now = 1767603600000 + static_cast<std::int64_t>(rng() % 200) * 1'800'000;
    const Classification c = interp.classify(env, stdlib::Instant{now});
    if (c.process < 0) continue;
    const ProgramProcess& pp = program->processes[static_cast<std::size_t>(c.process)];
    const runtime::abi::ItemClock clock = interp.clock(c.process, env, stdlib::Instant{now});
    // The due instant is the calendar's business-day count from the start (no item has due_at
    // or activate_at here but by chance: those win or move the start).
    if (pp.sla >= 0 && program->functions[static_cast<std::size_t>(pp.sla)].tag == VTag::BusinessDays &&
        !env.attribute(4).present) {
      const Value n = interp.run(pp.sla, env, TimeInputs{});
      ASSERT_TRUE(n.present);
      const stdlib::Instant want = interp.calendar(pp.sla_calendar).add_business_days(stdlib::Instant{clock.start}, n.i);
      EXPECT_EQ(clock.due, want.ms_since_epoch) << pp.name << " trial " << trial;
      // The clock's process SLA is that span in elapsed time, not the count of days.
      EXPECT_EQ(clock.sla, clock.due - clock.start) << pp.name << " trial " << trial;
      ++bd_items;
    }
    const std::int64_t window = clock.due == runtime::abi::kNone ? 0 : clock.due - clock.start;
    for (const std::int64_t age : {std::int64_t{0}, window / 4, window / 2, window * 3 / 4, window * 9 / 10, window - kHour,
                                   window, window + kHour, static_cast<std::int64_t>(rng() % 200) * kHour}) {
      if (age < 0) continue;
      const TimeInputs in = interp.inputs(c.process, clock, age);
      const auto inputs = input_array(in);
      const JitArgs args = env.args(inputs.data(), interp);
      if (pp.priority >= 0) {
        EXPECT_EQ(jit->priority(pp.priority)(&args), interp.priority(c.process, env, in))
            << pp.name << " priority at age " << age << ", trial " << trial;
        ++compared;
      }
      std::vector<std::int64_t> opens(pp.stages.size());
      jit->stages(c.process)(&args, opens.data());
      EXPECT_EQ(opens, interp.stage_openings(c.process, env, in)) << pp.name << " stages, trial " << trial;
      ++compared;
      // Every function, `add_business(office, t, 1bd)` included.
      for (std::size_t f = 0; f < program->functions.size(); ++f) {
        const Value want = interp.run(static_cast<FunctionRef>(f), env, in);
        std::int64_t gi = 0;
        double gf = 0;
        const bool present = jit->function(static_cast<FunctionRef>(f))(&args, &gi, &gf) != 0;
        EXPECT_EQ(present, want.present) << program->functions[f].name;
        if (present && want.present && program->functions[f].type != VType::F64) {
          EXPECT_EQ(gi, want.i) << program->functions[f].name;
        }
        ++compared;
      }
      if (HasFailure()) return;
    }
  }
  EXPECT_GT(bd_items, 250u);
  EXPECT_GT(compared, 20000u);
}

}  // namespace
}  // namespace iwd::compiler
