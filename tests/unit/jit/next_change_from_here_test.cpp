// The next priority change under `age in CALENDAR` takes a step back to the wall clock from the
// last age whose open age it knows, not from the start (codegen_next.cpp, issue 19): the same
// instant by the calendar's open time, unless the open time there is not add_business's (past
// the years business_time counts) or the answer lies further from the start than add_business
// searches (kMaxSearchDays), where it asks from the start as the walk does. Every answer here is
// checked against the walk: schemes with and without steps, closed days and weeks, shares of
// the SLA clock, items near the end of the counted years and near the search's limit.
#include <gtest/gtest.h>

#include <cstdio>
#include <random>
#include <string>

#include "tests/unit/jit/next_change_support.h"

namespace iwd::compiler {
namespace {

using namespace next_change_test;

constexpr std::int64_t kDay = 24 * kHour;

// The items of `process` at `ages` from `start`, each against the walk (lazy parts and the
// eager module); returns how many the compiled code answered.
std::size_t expect_the_walk(const char* text, std::int32_t process, std::int64_t start, const std::vector<std::int64_t>& ages) {
  std::size_t answered = 0;
  for (const bool lazy : {true, false}) {
    SCOPED_TRACE(lazy ? "lazy parts" : "eager module");
    const Compiled c(text, lazy);
    EXPECT_NE(c.jit, nullptr) << c.error;
    if (!c.jit) return 0;
    std::mt19937_64 rng(7);
    RandomEnv env(*c.program, rng);
    env.randomize();
    for (const std::int64_t age : ages) {
      const Answers a = both(*c.jit, *c.interp, env, process, item(*c.interp, process, start, age));
      if (!a.answered) continue;
      ++answered;
      EXPECT_EQ(a.got.never, a.want.never) << "age " << age;
      EXPECT_EQ(a.got.age, a.want.age) << "age " << age;
      EXPECT_EQ(a.got.exact, a.want.exact) << "age " << age;
    }
  }
  return answered;
}

// Steps of about eleven years of open time: for an item some ninety years old the next step
// lies past the hundred years add_business searches from the start (the walk: no change), but
// within those it would search from the item's age. The compiled code must ask from the start
// there, and may ask from the item's age where the answer is nearer.
TEST(NextChangeFromHere, AStepPastTheSearchFromTheStartAnswersAsTheWalk) {
  const char* text = R"(ruleset t version "1"
attributes { n: int = 0 }
calendar office { timezone "UTC"  mon..fri 08:00-18:00 }
priority p { start 0  every 30000h add 1  age in office }
department D { sla 4h  priority p  process P }
)";
  std::vector<std::int64_t> ages;
  for (std::int64_t days = 88 * 365; days <= stdlib::kMaxSearchDays + 30; days += 331) ages.push_back(days * kDay + 9 * kHour);
  for (const std::int64_t days : {stdlib::kMaxSearchDays - 365, stdlib::kMaxSearchDays - 1, stdlib::kMaxSearchDays})
    for (const std::int64_t at : {-kHour, std::int64_t{0}, kHour}) ages.push_back(days * kDay + at);
  const std::size_t answered = expect_the_walk(text, 0, instant("2026-01-05T09:00:00Z"), ages);
  EXPECT_GT(answered, ages.size());  // most of them, in both modules
}

// A step the calendar does not reach within add_business's search (kNever) is the latest age,
// also for an item started before 1970: kNever less such a start overflowed and wrapped below
// 0, which the walk and the compiled code took as the earliest candidate, dropping the due
// instant (a fixed breakpoint, `overdue`) before it: the item answered "never". 1900 and 2300
// are 400 years apart (a whole number of weeks): one UTC calendar, the same answers.
TEST(NextChangeFromHere, AStepBeyondTheSearchLeavesTheDueInstantForAStartBefore1970) {
  const char* text = R"(ruleset t version "1"
attributes { n: int = 0 }
calendar office { timezone "UTC"  mon..fri 08:00-18:00 }
priority p { start 0  every 30000h add 1  overdue 5000  age in office }
department D { sla 832770h  priority p  process P }
)";
  const std::int64_t age = 93 * 365 * kDay + 9 * kHour;  // past the 8th step; the 9th about 103 years from the start
  for (const bool lazy : {true, false}) {
    SCOPED_TRACE(lazy ? "lazy parts" : "eager module");
    const Compiled c(text, lazy);
    ASSERT_NE(c.jit, nullptr) << c.error;
    std::mt19937_64 rng(7);
    RandomEnv env(*c.program, rng);
    env.randomize();
    auto at = [&](const char* start) {  // due 832,770 h (about 95 years) after the start
      TimeInputs in = item(*c.interp, 0, instant(start), age);
      in.sla = 832770 * kHour;
      in.due = in.start + in.sla;
      in.window = in.sla;
      in.overdue_by = 0;
      return both(*c.jit, *c.interp, env, 0, in);
    };
    const Answers early = at("1900-01-01T09:00:00Z"), late = at("2300-01-01T09:00:00Z");
    ASSERT_TRUE(early.answered && late.answered);
    EXPECT_FALSE(late.want.never);
    EXPECT_EQ(late.want.age, 832770 * kHour);  // the due instant
    for (const auto* a : {&early.want, &early.got, &late.got}) {
      EXPECT_EQ(a->never, late.want.never);
      EXPECT_EQ(a->age, late.want.age);
    }
  }
}

// An item started on Friday 9999-12-31 17:30 UTC and aged into the year 10000: business_time
// counts none of the open time after 9999, add_business counts it all, so the open age at the
// item's age is not add_business's and the step is asked from the start.
TEST(NextChangeFromHere, AnAgePastTheCountedYearsAsksFromTheStart) {
  const char* text = R"(ruleset t version "1"
attributes { n: int = 0 }
calendar office { timezone "UTC"  mon..fri 08:00-18:00 }
priority p { start 100  every 1h add 10  every 25m add 1 from 3h  age in office }
department D { sla 4h  priority p  process P }
)";
  std::vector<std::int64_t> ages;
  for (std::int64_t age = 0; age <= 6 * kDay; age += 37 * kMinute) ages.push_back(age);
  expect_the_walk(text, 0, instant("9999-12-31T17:30:00Z"), ages);
  expect_the_walk(text, 0, instant("9999-12-27T11:10:00Z"), ages);
}

// Closed days and a closed week, shares of the SLA clock, a scheme without steps (no call of the
// calendar for them) and one whose steps start at a share: at every age over three weeks.
TEST(NextChangeFromHere, ClosedDaysSharesAndSchemesWithoutStepsAnswerAsTheWalk) {
  const char* text = R"(ruleset t version "1"
attributes { n: int = 0  vip: bool = false }
calendar office {
  timezone "Europe/Paris"
  mon..fri 09:00-12:00, 14:00-18:00
  sat 10:00-12:00
  closed 2026-01-07, 2026-01-12, 2026-01-13, 2026-01-14, 2026-01-15, 2026-01-16
}
priority steps { start 10  every 45m add 3  every 10m add 7 from 75% of sla  max 900  overdue 5000  age in office }
priority none { start 20  boost 30 when age >= 50% of sla  boost 5 when vip  boost 9 when age >= 11h and age < 14h  age in office }
priority shares { start 0  every 1h add 1 from 25% of sla until 90% of sla  age in office }
department A when n == 0 { sla 30h in office  priority steps  process P }
department B when n == 1 { sla 30h in office  priority none  process P }
department C when n == 2 { sla 30h in office  priority shares  process P }
)";
  std::vector<std::int64_t> ages;
  for (std::int64_t age = 0; age <= 21 * kDay; age += 23 * kMinute + 17) ages.push_back(age);
  for (std::int32_t process = 0; process < 3; ++process) {
    SCOPED_TRACE(process);
    for (const char* start : {"2026-01-05T10:17:00Z", "2026-01-06T17:59:59Z", "2026-01-10T08:00:00Z"})
      EXPECT_GT(expect_the_walk(text, process, instant(start), ages), ages.size()) << start;
  }
}

// A step past the 64-bit range (`every 2000000000000h ... from 2000000000000h`: its first step at
// about 1.44e19 ms) or a threshold at the largest duration (2^63 ms once a double) is never
// reached. The walk converted such a scheme age to an int64 (undefined: on x86 the smallest
// int64, an age below 0, which as the earliest step dropped the hourly step and answered
// "never"; under `age in`, add_business asked for minus 2^63 ms of open time). Now the latest
// age, as a step the calendar does not reach. The compiled code leaves such a step to the walk
// (it tests that each candidate fits), so the walk's answer is the runtime's.
TEST(NextChangeFromHere, AStepOrAThresholdPastThe64BitRangeIsNeverReached) {
  const char* kSchemes[] = {
      "start 0  every 1h add 20  every 2000000000000h add 1 from 2000000000000h",
      "start 0  every 1h add 20  every 2000000000000h add 1 from 2000000000000h  age in office",
      "start 0  every 1h add 20  boost 1 when age >= 9223372036854775807ms  age in office",
  };
  for (const char* scheme : kSchemes) {
    SCOPED_TRACE(scheme);
    const std::string text = fmt::format(R"(ruleset t version "1"
attributes {{ n: int = 0 }}
calendar office {{ timezone "UTC"  mon..fri 08:00-18:00 }}
priority p {{ {} }}
department D {{ sla 4h  priority p  process P }}
)",
                                         scheme);
    for (const bool lazy : {true, false}) {
      SCOPED_TRACE(lazy ? "lazy parts" : "eager module");
      const Compiled c(text.c_str(), lazy);
      ASSERT_NE(c.jit, nullptr) << c.error;
      std::mt19937_64 rng(7);
      RandomEnv env(*c.program, rng);
      env.randomize();
      // Monday 09:00 UTC, open: the open age is the elapsed one; the next hourly step at 1h.
      for (const std::int64_t age : {std::int64_t{0}, 30 * kMinute, 59 * kMinute}) {
        const Answers a = both(*c.jit, *c.interp, env, 0, item(*c.interp, 0, instant("2026-01-05T09:00:00Z"), age));
        EXPECT_FALSE(a.want.never) << "age " << age;
        EXPECT_EQ(a.want.age, kHour) << "age " << age;
        EXPECT_TRUE(a.want.exact) << "age " << age;
        if (a.answered) {
          EXPECT_EQ(a.got.never, a.want.never) << "age " << age;
          EXPECT_EQ(a.got.age, a.want.age) << "age " << age;
        }
      }
    }
  }
}

}  // namespace
}  // namespace iwd::compiler
