// The next priority change under `age in CALENDAR` (iwd_next<k>, codegen_next.cpp, issue 19):
// each question to the calendar's code asked once an item (the calendar resolved once, the
// share of the SLA clock once, one call a candidate, a step's open age known without a call),
// and the answers against the walk, the oracle, where calendars are hard: a change of daylight
// saving time, steps that end at a closing or an opening, holidays, special and split days, and
// the end of the years the calendar counts.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <cstdio>
#include <memory>
#include <random>
#include <string>

#include "compiler/jit/jit.h"
#include "stdlib/time.h"
#include "tests/support/checked_rules.h"
#include "tests/unit/jit/next_change_support.h"
#include "tests/unit/jit/random_env.h"

namespace iwd::compiler {
namespace {

using namespace next_change_test;

// After the JIT's passes, the next change of the benchmark's `age_in` form (bench/next_change_bench)
// calls the calendar's code once per question: the calendar resolved once, the share `75% of
// sla` once (the formula's copies at now, at the candidate and at the steps back, and the
// pieces at the scheme's inputs, each read it: one call), the candidate's wall-clock age once
// (the earliest of the clauses' steps, not one call per clause: in two places, from the last
// age whose open age is known when the step is past it, and from the start when not or when
// the answer is further than add_business searches from there). The open age is asked at the
// entry (now) and, in a branch, only where a candidate's or the first step back's is not known
// from its step, and at the second and third steps back: five places, none of them iwd_jit_*
// calls on the block (a copy of it would then stay in memory). The share is iwd_next0_share's,
// the SLA's own calendar being the age's: taken from the SLA and confirmed by the interpreter's
// share_age in a branch (TheShareOfTheSlaIsTheWalksWhateverTheDueInstant).
TEST(NextChangeCalendar, EachQuestionToTheCalendarIsAskedOnce) {
  auto rules = iwd::test::check_text("t.iwd", R"(ruleset t version "1"
attributes { vip: bool = false }
calendar office { mon..fri 08:00-18:00 }
priority p {
  start 100
  every 1h add 20
  every 15m add 25 from 75% of sla
  boost 200 when vip
  overdue 2000
  age in office
}
department D { sla 48h in office  priority p  process P }
)");
  ASSERT_TRUE(rules->ok()) << rules->first_problem();
  const Program& program = rules->lower();
  for (const bool optimized : {false, true}) {
    SCOPED_TRACE(optimized ? "after the passes" : "as generated");
    const std::string body = next_body(program_ir(program, optimized), 0);
    ASSERT_FALSE(body.empty());
    EXPECT_EQ(calls(body, "iwd_jit_calendar"), 1) << body;
    EXPECT_EQ(calls(body, "iwd_jit_open_add"), 2) << body;
    EXPECT_EQ(calls(body, "iwd_jit_business_time"), 0) << body;
    EXPECT_EQ(calls(body, "iwd_jit_add_business"), 0) << body;
    EXPECT_EQ(calls(body, "iwd_jit_share_age"), 0) << body;
    EXPECT_EQ(calls(body, "iwd_jit_share_age_of_clock"), 0) << body;
    if (optimized) {
      EXPECT_EQ(calls(body, "iwd_next0_share"), 1) << body;
      EXPECT_EQ(calls(body, "iwd_jit_open_time"), 5) << body;
    }
  }
}

// Schemes under `age in` whose steps end at closings (every 2h of a ten-hour day) and
// openings, cross a change of daylight saving time, holidays, a special day and a split day,
// a sloped curve (its whole values between milliseconds), boosts on the age and a share of
// the SLA clock, in New York and in Sydney: every answer of the compiled code is the walk's,
// at random ages over the weeks of both changes of the clocks and along the next ten changes.
TEST(NextChangeCalendar, StepsAtClosingsOpeningsAndClockChangesAnswerAsTheWalk) {
  const char* text = R"(ruleset t version "1"
attributes { n: int = 0  vip: bool = false }
calendar ny {
  timezone "America/New_York"
  mon..fri 08:00-18:00
  sat 09:00-13:00
  sun 22:00-02:00
  closed 2026-03-09, 2026-11-03
  closed every 07-04
  2026-03-11 08:00-12:00, 13:00-17:30
}
calendar sydney {
  timezone "Australia/Sydney"
  mon..fri 07:30-12:00, 12:30-19:00
  closed 2026-04-06
}
priority closings { start 100  every 2h add 10  every 5h add 1 from 3h  boost 7 when vip  age in ny }
priority shares { start 10  every 15m add 25 from 75% of sla  every 1h add 3 until 30h  max 5000  overdue 9000  age in ny }
priority curved { curve { 0m: 0, 600m: 7, 601m: 50, 2000m: 13 }  boost 5 when age >= 7h  age in ny }
priority odd { start 0  every 37m add 1  every 1h add -2 from 10h  boost 40 when age >= 20% of sla and age < 30h  age in sydney }
department A when n == 0 { sla 48h in ny  priority closings  process P }
department B when n == 1 { sla 48h in ny  priority shares  process P }
department C when n == 2 { sla 48h  priority curved  process P }
department E when n == 3 { sla 48h in sydney  priority odd  process P }
)";
  for (const bool lazy : {true, false}) {
    SCOPED_TRACE(lazy ? "lazy parts" : "eager module");
    const Compiled c(text, lazy);
    ASSERT_NE(c.jit, nullptr) << c.error;
    const Program& program = *c.program;
    const JitProgram& jit = *c.jit;
    const Interpreter& interp = *c.interp;
    std::mt19937_64 rng(20261207);
    RandomEnv env(program, rng);
    std::size_t asked = 0, answered = 0;
    // The weeks around New York's changes (2026-03-08, 2026-11-01) and Sydney's (2026-04-05,
    // 2026-10-04), starts on the minute or anywhere.
    const std::int64_t weeks[] = {instant("2026-03-04T00:00:00Z"), instant("2026-10-28T00:00:00Z"),
                                  instant("2026-04-01T00:00:00Z"), instant("2026-09-30T00:00:00Z")};
    for (int trial = 0; trial < 300; ++trial) {
      env.randomize();
      std::int64_t start = weeks[rng() % 4] + static_cast<std::int64_t>(rng() % (9 * 24 * 60)) * kMinute;
      if (trial % 3 == 0) start += static_cast<std::int64_t>(rng() % kMinute);
      for (std::int32_t process = 0; process < static_cast<std::int32_t>(program.processes.size()); ++process) {
        if (program.processes[static_cast<std::size_t>(process)].priority < 0) continue;
        std::int64_t age = static_cast<std::int64_t>(rng() % (120 * 60)) * kMinute;
        for (int change = 0; change < 10; ++change) {
          const TimeInputs in = item(interp, process, start, age);
          const Answers a = both(jit, interp, env, process, in);
          ++asked;
          const std::string where = fmt::format("process {} start {} age {}", program.processes[static_cast<std::size_t>(process)].name,
                                                stdlib::format_instant(stdlib::Instant{start}), age);
          if (a.answered) {
            ++answered;
            ASSERT_EQ(a.got.never, a.want.never) << where;
            ASSERT_EQ(a.got.age, a.want.age) << where;
            ASSERT_EQ(a.got.exact, a.want.exact) << where;
          }
          if (a.want.never || !a.want.exact) break;
          // The next item is at the change, or a millisecond before it.
          age = change % 3 == 2 ? a.want.age - 1 : a.want.age;
        }
      }
    }
    EXPECT_GT(answered, asked * 9 / 10);
    std::printf("next change under age in: %zu of %zu asked answered by the compiled code\n", answered, asked);
  }
}

// `N% of sla` under `age in` the SLA's own calendar (codegen_next.cpp, share_in_the_calendar):
// the generated code takes the share from the SLA and confirms it by the interpreter's share_age
// in a branch; where they differ (the open time to the due instant is not the SLA) it answers
// round(share * open time) computed apart, and where the shortcut does not hold, share_age's.
// The walk asks share_age for every share, so each next change here is held to it: a scheme
// whose only step starts at the share answers the share itself (its wall-clock age) before it.
// Due instants that are the SLA counted in the calendar from the start (the guess holds), a
// millisecond later, three hours earlier, the SLA in elapsed time, a clock past add_business's
// search; an SLA input other than the one counted; shares of 0 to 1.5; the SLA in the age's
// calendar, in another, in elapsed time; starts around the changes of the clocks of 2026, years
// past the calendars' tables, near the ends of the counted years. Breaking the confirmation
// (taking the guess as the share always) fails here. With `tell`, the compiled code is told each
// clock's open time in the SLA's calendar (business_time from the start to the due instant, as
// RulesV1::next_change tells the SLA where that is it): the share from it, no confirmation;
// and it is given the calendar of its `age in`, as the table's entry gives it.
void shares_answer_as_the_walk(bool tell) {
  const char* text = R"(ruleset t version "1"
attributes { n: int = 0 }
calendar office { timezone "UTC"  mon..fri 08:00-18:00 }
calendar ny { timezone "America/New_York"  mon..fri 09:00-12:00, 13:00-17:30  sat 10:00-11:00  closed 2026-01-19 }
calendar berlin { timezone "Europe/Berlin"  mon..sun 01:00-04:00  sun 22:00-02:00 }
priority s0 { start 0  every 1h add 1 from 0% of sla  age in ny }
priority s40 { start 0  every 1h add 1 from 40% of sla  age in ny }
priority s75 { start 0  every 1h add 1 from 75% of sla  every 45m add 2  age in ny }
priority s100 { start 0  every 1h add 1 from 100% of sla  age in ny }
priority s150 { start 0  every 1h add 1 from 150% of sla  age in ny }
priority b75 { start 0  every 1h add 1 from 75% of sla  age in berlin }
priority o75 { start 0  every 1h add 1 from 75% of sla  every 2h add 5  age in office }
department A0 when n == 0 { sla 48h in ny  priority s0  process P }
department A40 when n == 1 { sla 48h in ny  priority s40  process P }
department A75 when n == 2 { sla 48h in ny  priority s75  process P }
department A100 when n == 3 { sla 48h in ny  priority s100  process P }
department A150 when n == 4 { sla 48h in ny  priority s150  process P }
department B when n == 5 { sla 48h in berlin  priority b75  process P }
department O when n == 6 { sla 48h in office  priority o75  process P }
department Other when n == 7 { sla 48h in office  priority s75  process P }
department Elapsed when n == 8 { sla 48h  priority s75  process P }
)";
  for (const bool lazy : {true, false}) {
    SCOPED_TRACE(lazy ? "lazy parts" : "eager module");
    const Compiled c(text, lazy);
    ASSERT_NE(c.jit, nullptr) << c.error;
    const Program& program = *c.program;
    const Interpreter& interp = *c.interp;
    std::mt19937_64 rng(19);
    RandomEnv env(program, rng);
    env.randomize();
    std::vector<std::int64_t> starts;
    for (const char* at : {"2026-03-08T06:59:00Z", "2026-03-29T00:30:00Z", "2026-10-24T23:10:00Z", "2026-11-01T05:30:00Z",
                           "2026-01-16T16:45:30Z", "2041-06-07T12:00:00Z", "9999-12-24T10:00:00Z", "0000-01-01T00:00:00Z"})
      for (int k = 0; k < 3; ++k) starts.push_back(instant(at) + static_cast<std::int64_t>(rng() % (3 * 24 * 60)) * kMinute + k);
    std::size_t asked = 0, answered = 0, guessed = 0;
    for (std::int32_t process = 0; process < static_cast<std::int32_t>(program.processes.size()); ++process) {
      const std::int32_t sla_calendar = interp.sla_clock_calendar(process);
      const std::int32_t age_calendar =
          program.priorities[static_cast<std::size_t>(program.processes[static_cast<std::size_t>(process)].priority)].age_calendar;
      const stdlib::BusinessCalendar* given = tell && age_calendar >= 0 ? &interp.calendar(age_calendar) : nullptr;
      for (const std::int64_t start : starts) {
        const std::int64_t counted = sla_calendar >= 0 ? interp.calendar(sla_calendar)
                                                             .add_business(stdlib::Instant{start}, stdlib::Duration{48 * kHour})
                                                             .ms_since_epoch
                                                       : start + 48 * kHour;
        const std::int64_t dues[] = {counted, counted + 1, counted - 3 * kHour, start + 48 * kHour, start + 101 * 366 * 24 * kHour};
        for (const std::int64_t due : dues) {
          if (due == stdlib::kNever.ms_since_epoch || due <= start) continue;
          for (const std::int64_t sla : {48 * kHour, 30 * kHour}) {
            for (const std::int64_t age : {std::int64_t{0}, 7 * kHour + 1, 40 * kHour}) {
              TimeInputs in;
              in.start = start;
              in.age = age;
              in.now = start + age;
              in.sla_calendar = sla_calendar;
              in.sla = sla;
              in.due = due;
              in.window = due - start;
              in.overdue_by = std::max<std::int64_t>(0, in.now - due);
              const std::int64_t open =
                  tell && sla_calendar >= 0
                      ? interp.calendar(sla_calendar).business_time(stdlib::Instant{start}, stdlib::Instant{due}).ms
                      : runtime::abi::kNone;
              const Answers a = both(*c.jit, interp, env, process, in, open, given);
              ++asked;
              if (due == counted && sla == 48 * kHour && sla_calendar >= 0) ++guessed;
              if (!a.answered) continue;
              ++answered;
              const std::string where = fmt::format("department {} start {} due {} sla {} age {}", program.processes[static_cast<std::size_t>(process)].name,
                                                    stdlib::format_instant(stdlib::Instant{start}), due - start, sla, age);
              ASSERT_EQ(a.got.never, a.want.never) << where;
              ASSERT_EQ(a.got.age, a.want.age) << where;
              ASSERT_EQ(a.got.exact, a.want.exact) << where;
            }
          }
        }
      }
    }
    EXPECT_GT(answered, asked * 3 / 4);
    EXPECT_GT(guessed, asked / 12);  // the SLA counted from the start, in the SLA's calendar
  }
}

TEST(NextChangeCalendar, TheShareOfTheSlaIsTheWalksWhateverTheDueInstant) { shares_answer_as_the_walk(false); }

// The SLA clock's open time told (JitNext's third argument): every answer as the walk's, over
// the same clocks (overnight ranges, a closed day, the changes of the clocks, due instants that
// are not the SLA counted from the start).
TEST(NextChangeCalendar, AToldOpenTimeIsTheClocksWhateverTheDueInstant) { shares_answer_as_the_walk(true); }

// A told open time is taken as it is, without asking the interpreter or the calendar to confirm
// it (what makes it cheap, and why RulesV1::next_change tells it only where it is the SLA): a
// clock whose due instant is 40 open hours from the start, its SLA 48h (a `due_at`), answers as
// the walk told its open time or not told; told 48h, it answers as the walk does for a due
// instant 48 open hours from the start, which is another answer.
TEST(NextChangeCalendar, AToldOpenTimeIsTakenAsItIs) {
  const Compiled c(R"(ruleset t version "1"
attributes { n: int = 0 }
calendar office { timezone "Europe/Paris"  mon..fri 08:00-12:00, 13:00-18:00 }
priority p { start 0  every 15m add 1 from 75% of sla  age in office }
department D { sla 48h in office  priority p  process P }
)", /*lazy=*/true);
  ASSERT_NE(c.jit, nullptr) << c.error;
  const Interpreter& interp = *c.interp;
  std::mt19937_64 rng(3);
  RandomEnv env(*c.program, rng);
  env.randomize();
  const stdlib::BusinessCalendar& office = interp.calendar(interp.sla_clock_calendar(0));
  const std::int64_t start = instant("2026-03-23T10:17:00Z");  // the week before the clocks change in Paris
  auto clock = [&](std::int64_t open, std::int64_t age) {
    TimeInputs in = item(interp, 0, start, age);
    in.due = office.add_business(stdlib::Instant{start}, stdlib::Duration{open}).ms_since_epoch;
    in.window = in.due - start;
    in.overdue_by = std::max<std::int64_t>(0, in.now - in.due);
    return in;
  };
  for (const std::int64_t age : {std::int64_t{0}, 9 * kHour, 30 * kHour + 1}) {
    SCOPED_TRACE(age);
    const TimeInputs in = clock(40 * kHour, age);
    ASSERT_EQ(in.sla, 48 * kHour);
    for (const std::int64_t told : {runtime::abi::kNone, 40 * kHour}) {
      const Answers a = both(*c.jit, interp, env, 0, in, told);
      ASSERT_TRUE(a.answered) << told;
      EXPECT_EQ(a.got.never, a.want.never) << told;
      EXPECT_EQ(a.got.age, a.want.age) << told;
    }
    const Answers wrong = both(*c.jit, interp, env, 0, in, 48 * kHour);
    const Answers other = both(*c.jit, interp, env, 0, clock(48 * kHour, age), runtime::abi::kNone);
    ASSERT_TRUE(wrong.answered);
    EXPECT_EQ(wrong.got.age, other.want.age);
    EXPECT_NE(wrong.got.age, wrong.want.age);
  }
}

// A step whose wall-clock age the calendar gives past the last year it counts (business_time
// counts 0000-9999 only; add_business goes on): its open age is asked, not taken as the step.
// Friday 9999-12-31 17:30 UTC, an hour of open time after it is Monday 10000-01-03 08:30, of
// which 30 minutes are counted: the walk finds no change (the value at the candidate is the
// value now, and the next step is the same instant), and so must the compiled code.
TEST(NextChangeCalendar, AStepPastTheCountedYearsAsksItsOpenAge) {
  const Compiled c(R"(ruleset t version "1"
attributes { n: int = 0 }
calendar office { timezone "UTC"  mon..fri 08:00-18:00 }
priority p { start 100  every 1h add 10  age in office }
department D { sla 4h  priority p  process P }
)", /*lazy=*/true);
  ASSERT_NE(c.jit, nullptr) << c.error;
  const JitProgram& jit = *c.jit;
  const Interpreter& interp = *c.interp;
  std::mt19937_64 rng(1);
  RandomEnv env(*c.program, rng);
  env.randomize();
  const std::int64_t start = instant("9999-12-31T17:30:00Z");
  for (const std::int64_t age : {std::int64_t{0}, 10 * kMinute}) {
    const Answers a = both(jit, interp, env, 0, item(interp, 0, start, age));
    ASSERT_TRUE(a.answered) << age;
    EXPECT_EQ(a.want.never, 1) << age;
    EXPECT_EQ(a.got.never, a.want.never) << age;
    EXPECT_EQ(a.got.age, a.want.age) << age;
  }
  // Two days before, the same step is counted in full: a change in an hour of open time.
  const Answers a = both(jit, interp, env, 0, item(interp, 0, instant("9999-12-29T17:30:00Z"), 0));
  ASSERT_TRUE(a.answered);
  EXPECT_EQ(a.got.never, 0);
  EXPECT_EQ(a.got.age, a.want.age);
  EXPECT_EQ(a.want.age, 15 * kHour);  // 30 minutes on Wednesday, 30 on Thursday from 08:00
}

}  // namespace
}  // namespace iwd::compiler
