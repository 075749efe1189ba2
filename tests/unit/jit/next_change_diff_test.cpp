// The compiled next priority change (iwd_next<k>, codegen_next.cpp, issue 19) against the
// interpreter's walk, the oracle: on random items of random rulesets, at the item's
// age and along the changes the walk finds (each change, a millisecond before and after it),
// and far past every step (past `until`, saturated). Where the compiled code answers, every
// field of the answer is the walk's; where it does not, the walk answers (RulesV1 does that;
// tests/unit/load/batch_test.cpp compares its answers on the real rulesets).
#include <gtest/gtest.h>

#include <random>

#include "compiler/jit/jit.h"
#include "tests/support/checked_rules.h"
#include "tests/unit/jit/random_env.h"
#include "tests/unit/jit/random_ruleset.h"

namespace iwd::compiler {
namespace {

using runtime::abi::NextChange;

struct Counts {
  std::size_t asked = 0, answered = 0;
};

// The same item at another age: the age, now and overdue_by move together (the walk's inputs_at).
TimeInputs at_age(const TimeInputs& in, std::int64_t age) {
  TimeInputs out = in;
  out.age = age;
  out.now = in.now - in.age + age;
  out.overdue_by = in.has_due() ? std::max<std::int64_t>(0, out.now - in.due) : 0;
  return out;
}

// The compiled answer at `in`, as RulesV1::next_change makes it of the code's; false when
// the code leaves it to the walk.
bool compiled(const JitProgram& jit, std::int32_t scheme, const RandomEnv& env, const Interpreter& interp,
              const TimeInputs& in, NextChange* out) {
  const auto inputs = input_array(in);
  const JitArgs args = env.args(inputs.data(), interp);
  std::int64_t at = 0;
  const std::uint8_t answer = jit.next_change(scheme)(&args, &at, runtime::abi::kNone, nullptr);  // the open time not told, the calendar resolved
  if (answer == kNextAskTheWalk) return false;
  *out = NextChange{};
  if (answer == kNextNever) out->never = 1;
  else out->age = at;
  return true;
}

void compare_next_changes(const Program& program, const JitProgram& jit, std::mt19937_64& rng, int trials,
                          const std::string& label, Counts& counts) {
  if (!program.priorities.empty()) {
    ASSERT_NE(jit.next_change(0), nullptr) << label;
  }
  Interpreter interp(program);
  RandomEnv env(program, rng);
  for (int trial = 0; trial < trials; ++trial) {
    env.randomize();
    const TimeInputs in = random_inputs(program, rng);
    for (std::size_t p = 0; p < program.processes.size(); ++p) {
      const auto process = static_cast<std::int32_t>(p);
      const std::int32_t scheme = program.processes[p].priority;
      if (scheme < 0) continue;
      TimeInputs own = in;
      own.sla_calendar = interp.sla_clock_calendar(process);
      std::vector<std::int64_t> ages = {own.age, 0, std::int64_t{2000} * 3'600'000};
      for (std::size_t i = 0; i < ages.size(); ++i) {
        const TimeInputs at = at_age(own, ages[i]);
        ++counts.asked;
        NextChange got;
        // Left to the walk: nothing to compare (and the walk may be slow there: ages counted
        // in a calendar's open time are worked out day by day).
        if (!compiled(jit, scheme, env, interp, at, &got)) continue;
        ++counts.answered;
        const NextChange want = interp.next_priority_change(process, env, at);
        const std::string where = fmt::format("{} {} trial {} at age {}", label, program.processes[p].name, trial, ages[i]);
        EXPECT_EQ(got.never, want.never) << where;
        EXPECT_EQ(got.exact, want.exact) << where;
        EXPECT_EQ(got.age, want.age) << where;
        if (::testing::Test::HasFailure()) return;
        if (!want.never && ages.size() < 16)
          ages.insert(ages.end(), {want.age, want.age - 1, want.age + 1});
      }
    }
  }
}

// The rulesets `generate` gives for seeds 1..seeds, compiled and compared (`trials` random
// items each) against the walk.
template <typename Generate>
void compare_generated(const char* name, std::uint64_t seeds, std::uint64_t mix, int trials, Generate generate, Counts& counts,
                       const JitOptions& options = {}) {
  for (std::uint64_t seed = 1; seed <= seeds; ++seed) {
    const std::string text = generate(seed);
    auto rules = iwd::test::check_text(fmt::format("{}{}.iwd", name, seed), text);
    ASSERT_TRUE(rules->ok()) << name << " seed " << seed << ": " << rules->first_problem() << "\n" << text;
    const Program& program = rules->lower();
    std::string error;
    auto jit = JitProgram::compile(program, &error, nullptr, options);
    ASSERT_NE(jit, nullptr) << name << " seed " << seed << ": " << error;
    std::mt19937_64 rng(seed * mix);
    compare_next_changes(program, *jit, rng, trials, fmt::format("{} seed {}", name, seed), counts);
    if (::testing::Test::HasFailure()) return;
  }
}

TEST(NextChangeDiff, RandomRulesets) {
  Counts counts;
  compare_generated("random", 60, 104729, 10, [](std::uint64_t seed) { return RandomRuleset(seed).generate(); }, counts);
  EXPECT_GT(counts.answered, 100u);
  std::printf("next change: %zu of %zu asked answered by the compiled code\n", counts.answered, counts.asked);
}

// Draws for a generated ruleset: a number below n, an `add` or boost amount (the item's `n`,
// a negative one, or a positive one up to `top`), a `start` and up to two `every` clauses.
struct Draw {
  explicit Draw(std::uint64_t seed) : rng(seed) {}
  std::mt19937_64 rng;
  int pick(int n) { return static_cast<int>(rng() % static_cast<std::uint64_t>(n)); }
  std::string amount(int top) {
    switch (pick(4)) {
      case 0: return std::string("n");
      case 1: return fmt::format("-{}", 1 + pick(40));
      default: return std::to_string(1 + pick(top));
    }
  }
  std::string steps(int top) {
    std::string s = fmt::format("  start {}\n", pick(3) ? std::to_string(pick(500)) : "x * 10");
    for (int k = pick(3); k > 0; --k)
      s += fmt::format("  every {}m add {}{}{}\n", 1 + pick(120), amount(top), pick(2) ? fmt::format(" from {}h", pick(5)) : "",
                       pick(3) == 0 ? fmt::format(" until {}h", 5 + pick(40)) : "");
    return s;
  }
};

// Schemes whose boosts, curve points and `overdue` value hold one value along the walk (they
// read the item, not the age): random starts and rising and falling steps (from, until), or a
// curve (rising, falling, stepped, in minutes so that its slopes cross whole values between
// milliseconds), boosts on the item's attributes, bounds, an `overdue` constant or read from
// the item. Same seed, same text.
std::string steady_boosts_ruleset(std::uint64_t seed) {
  Draw draw(seed);
  auto pick = [&draw](int n) { return draw.pick(n); };
  auto amount = [&draw] { return draw.amount(60); };
  static constexpr const char* kConditions[] = {"vip", "not vip", "n > 3", "x >= 10", "vip and n < 5"};
  std::string s = "ruleset steady version \"1\"\nattributes {\n  n: int = 0\n  x: number = 0\n  vip: bool = false\n}\n";
  const int schemes = 1 + pick(4);
  for (int d = 0; d < schemes; ++d) {
    s += fmt::format("priority p{} {{\n", d);
    if (pick(3) == 0) {
      s += fmt::format("  curve {{ {}m: {}", pick(60), pick(1000));
      bool stepped = false;  // at most two points share an age (a step)
      for (int k = 1 + pick(4), at = 60; k > 0; --k) {
        s += fmt::format(", {}m: {}", at, pick(4) ? std::to_string(pick(1000)) : "n * 7");
        stepped = !stepped && pick(4) == 0;
        if (!stepped) at += 1 + pick(600);
      }
      s += " }\n";
    } else {
      s += draw.steps(60);
    }
    for (int k = pick(3); k > 0; --k) s += fmt::format("  boost {} when {}\n", amount(), kConditions[pick(5)]);
    if (pick(2)) s += fmt::format("  min {}\n", pick(300));
    if (pick(2)) s += fmt::format("  max {}\n", 300 + pick(1000));
    if (pick(3)) s += pick(2) ? "  overdue 2000\n" : "  overdue 1000 + n\n";
    s += fmt::format("}}\ndepartment D{0} when n >= {0} {{\n  sla {1}h\n  priority p{0}\n  process P\n}}\n", d, 1 + pick(48));
  }
  return s + "default process Rest { sla 1d }\n";
}

TEST(NextChangeDiff, SteadyBoostsAndOverdueValues) {
  Counts counts;
  compare_generated("steady", 80, 7919, 20, steady_boosts_ruleset, counts);
  // Most are answered (the rest: an `add` that needs more than 8 candidates to move the value).
  EXPECT_GT(counts.answered, counts.asked / 2);
  std::printf("next change, steady boosts and overdue: %zu of %zu asked answered by the compiled code\n", counts.answered,
              counts.asked);
}

// The forms whose candidates move with the age (the walk's analysis): boosts comparing the age
// with a duration, a share of the SLA or `sla` itself, a window of ages, through a scaling or
// a division; `age in office`; an `overdue` value reading `overdue_by` (linear: its
// truncation's whole values; a step: its threshold) or the age; and, now and then, a boost
// amount linear in the age (a continuous priority: the walk's, inexact). Same seed, same text.
std::string aging_ruleset(std::uint64_t seed) {
  Draw draw(seed);
  auto pick = [&draw](int n) { return draw.pick(n); };
  auto amount = [&draw] { return draw.amount(600); };
  auto condition = [&pick] {
    switch (pick(9)) {
      case 0: return fmt::format("age >= {}m", pick(600));
      case 1: return fmt::format("age >= {}m and age < {}h", pick(300), 5 + pick(20));
      case 2: return fmt::format("age >= sla - {}h", pick(6));
      case 3: return fmt::format("age > {}% of sla", 10 * (1 + pick(9)));
      case 4: return fmt::format("vip and age > {}m", pick(900));
      case 5: return fmt::format("age * 2 >= {}h", pick(30));
      case 6: return fmt::format("age / 3 < {}m", 1 + pick(300));
      case 7: return fmt::format("not (age <= {}m) or n > 5", pick(700));
      default: return fmt::format("age - {}m >= x * 1m", pick(100));
    }
  };
  std::string s = "ruleset aging version \"1\"\nattributes {\n  n: int = 0\n  x: number = 0\n  vip: bool = false\n}\n";
  s += "calendar office { mon..fri 08:00-18:00  sat 09:00-12:00 }\n";
  const int schemes = 1 + pick(4);
  for (int d = 0; d < schemes; ++d) {
    s += fmt::format("priority p{} {{\n", d);
    if (pick(4) == 0) {
      s += fmt::format("  curve {{ {}m: {}, {}m: {}, {}m: {} }}\n", pick(60), pick(1000), 60 + pick(300), pick(1000),
                       400 + pick(600), pick(1000));
    } else {
      s += draw.steps(600);
    }
    for (int k = 1 + pick(3); k > 0; --k) s += fmt::format("  boost {} when {}\n", amount(), condition());
    if (pick(12) == 0) s += "  boost age / 1h when vip\n";  // continuous: left to the walk
    if (pick(2)) s += fmt::format("  min {}\n", pick(300));
    if (pick(2)) s += fmt::format("  max {}\n", 300 + pick(1000));
    switch (pick(5)) {
      case 0: s += "  overdue 2000 + overdue_by / 1h\n"; break;
      case 1: s += "  overdue if overdue_by > 2h then 3000 else 2000\n"; break;
      case 2: s += "  overdue 500 + age / 30m\n"; break;
      case 3: s += "  overdue 1000 + n\n"; break;
      default: break;
    }
    if (pick(3) == 0) s += "  age in office\n";
    s += fmt::format("}}\ndepartment D{0} when n >= {0} {{\n  sla {1}h{2}\n  priority p{0}\n  process P\n}}\n", d, 1 + pick(48),
                     pick(3) == 0 ? " in office" : "");
  }
  return s + "default process Rest { sla 1d }\n";
}

TEST(NextChangeDiff, BoostsOnTheAgeAgeInAndOverdueBy) {
  Counts counts;
  compare_generated("aging", 80, 6151, 12, aging_ruleset, counts);
  // Most are answered (the rest: continuous, more than 8 candidates without a change).
  EXPECT_GT(counts.answered, counts.asked / 2);
  std::printf("next change, boosts on the age, age in, overdue_by: %zu of %zu asked answered by the compiled code\n",
              counts.answered, counts.asked);
}

// The same in the eager module (the whole program optimized at once, what a bundle holds),
// where the next change's formula and pieces meet the optimizer before its inliner: a step
// back once read the candidate's age there, three milliseconds early (issue 19).
TEST(NextChangeDiff, TheEagerModuleAnswersAsTheWalk) {
  JitOptions eager;
  eager.lazy = false;
  Counts counts;
  compare_generated("aging", 30, 6151, 8, aging_ruleset, counts, eager);
  compare_generated("random", 20, 104729, 6, [](std::uint64_t seed) { return RandomRuleset(seed).generate(); }, counts, eager);
  EXPECT_GT(counts.answered, counts.asked / 2);
  std::printf("next change, eager module: %zu of %zu asked answered by the compiled code\n", counts.answered, counts.asked);
}

// Which schemes the code answers for, and how: a step, saturation at `max` (never), a step
// from a share of the SLA clock, a boost on the item, a boost on the age, the due instant with
// `overdue`, an `overdue` value growing with `overdue_by`; an `add` below one that moves the
// truncated value only every tenth step, and a priority growing with the age continuously, are
// left to the walk.
TEST(NextChangeDiff, EveryClausesAreAnsweredAndTheRestLeftToTheWalk) {
  auto rules = iwd::test::check_text("t.iwd", R"(ruleset t version "1"
attributes { n: int = 0 }
priority steps {
  start 100
  every 1h add 25
  max 300
}
priority share {
  start 10
  every 15m add 5 from 50% of sla until 3h
}
priority slow {
  every 1m add 0.1
}
priority boosted {
  every 1h add 10
  boost 50 when n > 3
}
priority curved {
  curve { 0h: 100, 2h: 103, 2h: 50, 5h: 50 }
}
priority aging {
  every 1h add 10
  boost 50 when age >= 2h
}
priority late {
  start 100
  overdue 1000 + overdue_by / 1h
}
priority rising {
  start 0
  boost age / 1h when n == 12
}
priority overdue {
  start 100
  every 1h add 10
  max 120
  overdue 1000
}
department Steps when n == 1 {
  priority steps
  sla 4h
  process P
}
department Share when n == 2 {
  priority share
  sla 4h
  process P
}
department Slow when n == 3 {
  priority slow
  sla 4h
  process P
}
department Boosted when n > 3 and n < 10 {
  priority boosted
  sla 4h
  process P
}
department Curved when n == 0 {
  priority curved
  sla 4h
  process P
}
department Aging when n == 10 {
  priority aging
  sla 4h
  process P
}
department Late when n == 11 { priority late  sla 4h  process P }
department Rising when n == 12 { priority rising  sla 4h  process P }
department Overdue when n > 10 {
  priority overdue
  sla 4h
  process P
}
)");
  ASSERT_TRUE(rules->ok()) << rules->first_problem();
  const Program& program = rules->lower();
  std::string error;
  auto jit = JitProgram::compile(program, &error);
  ASSERT_NE(jit, nullptr) << error;
  Interpreter interp(program);
  std::mt19937_64 rng(5);
  RandomEnv env(program, rng);
  env.randomize();
  auto scheme_of = [&](const std::string& name) {
    for (const auto& pp : program.processes)
      if (pp.name == name) return pp.priority;
    return -1;
  };
  auto process_of = [&](const std::string& name) {
    for (std::size_t p = 0; p < program.processes.size(); ++p)
      if (program.processes[p].name == name) return static_cast<std::int32_t>(p);
    return -1;
  };
  constexpr std::int64_t kMinute = 60'000, kHour = 60 * kMinute;
  TimeInputs base;
  base.now = 1'795'000'000'000;
  base.sla = 4 * kHour;
  base.start = base.now;
  base.due = base.now + base.sla;
  base.window = base.sla;
  base.age = 0;
  struct Case {
    const char* process;
    std::int64_t age;
    bool answered;
    std::int64_t next;  // -1: never
  };
  for (const Case& c : {Case{"Steps.P", 30 * kMinute, true, kHour}, Case{"Steps.P", kHour - 1, true, kHour},
                        Case{"Steps.P", 8 * kHour, true, -1},  // 100 + 8 x 25 = 300, at max: never
                        Case{"Share.P", 0, true, 2 * kHour + 15 * kMinute},
                        Case{"Share.P", 3 * kHour, true, -1},  // past `until`
                        Case{"Slow.P", 0, false, 10 * kMinute},  // 0.1 a minute: the tenth step
                        Case{"Boosted.P", 0, true, kHour},
                        Case{"Aging.P", 0, true, kHour},
                        Case{"Aging.P", 90 * kMinute, true, 2 * kHour},  // the step and the boost: 10 -> 70
                        Case{"Aging.P", 2 * kHour, true, 3 * kHour},
                        Case{"Late.P", 0, true, 4 * kHour},  // due: 1000
                        Case{"Late.P", 4 * kHour + 30 * kMinute, true, 5 * kHour},  // 1000 + 1h overdue
                        Case{"Rising.P", 0, false, kMinute},  // continuous: the walk looks again in a minute
                        Case{"Curved.P", 0, true, 40 * kMinute},  // 100 -> 103 over 2h: 101 at 40m
                        Case{"Curved.P", 80 * kMinute, true, 2 * kHour},  // the step down at 2h
                        Case{"Curved.P", 5 * kHour, true, -1},  // past the last point
                        Case{"Overdue.P", 0, true, kHour},
                        Case{"Overdue.P", 2 * kHour + 5, true, 4 * kHour},  // held at max 120 until due (1000)
                        Case{"Overdue.P", 4 * kHour, true, -1}}) {  // overdue: 1000 from now on
    SCOPED_TRACE(fmt::format("{} at {}", c.process, c.age));
    const TimeInputs at = at_age(base, c.age);
    NextChange got;
    ASSERT_EQ(compiled(*jit, scheme_of(c.process), env, interp, at, &got), c.answered);
    const NextChange want = interp.next_priority_change(process_of(c.process), env, at);
    EXPECT_EQ(want.never != 0, c.next < 0);
    if (c.next >= 0) {
      EXPECT_EQ(want.age, c.next);
    }
    if (!c.answered) continue;
    EXPECT_EQ(got.never, want.never);
    EXPECT_EQ(got.age, want.age);
    EXPECT_EQ(got.exact, want.exact);
  }
}

// The formula the next change evaluates at each candidate is a private copy inlined into
// iwd_next<k> with its pieces (issue 19), not a call of iwd_priority<k> (through a lazy part's
// stub when the parts compile apart); the public formula keeps its name and stays callable,
// and no private copy is left behind. Under `age in` the calendar is resolved from the
// caller's block and its code called on it, never on a copy of the block (which then stays in
// registers).
TEST(NextChangeDiff, TheFormulaIsInlinedIntoTheNextChange) {
  auto rules = iwd::test::check_text("t.iwd", R"(ruleset t version "1"
attributes { n: int = 0 }
calendar office { mon..fri 08:00-18:00 }
priority steps { start 100  every 1h add 25  max 300 }
priority near_due { start 1000  every 1h add 10  boost 4500 when age >= sla - 2h  overdue 5600 }
priority open_hours { start 100  every 1h add 20  boost 50 when age >= 3h  age in office }
department A when n == 1 { priority steps  sla 4h  process P }
department B when n == 2 { priority near_due  sla 48h  process P }
department C when n == 3 { priority open_hours  sla 48h in office  process P }
)");
  ASSERT_TRUE(rules->ok()) << rules->first_problem();
  const Program& program = rules->lower();
  ASSERT_EQ(program.priorities.size(), 3u);
  const std::string ir = program_ir(program);
  for (std::size_t k = 0; k < program.priorities.size(); ++k) {
    SCOPED_TRACE(fmt::format("scheme {}", k));
    const std::string head = fmt::format("define i8 @iwd_next{}(", k);
    const std::size_t at = ir.find(head);
    ASSERT_NE(at, std::string::npos) << ir;
    const std::string body = ir.substr(at, ir.find("\n}\n", at) - at);
    EXPECT_EQ(body.find("@iwd_priority"), std::string::npos) << body;
    EXPECT_EQ(body.find("@iwd_f"), std::string::npos) << body;  // the pieces, inlined too
    EXPECT_EQ(body.find("_formula("), std::string::npos) << body;
    EXPECT_NE(body.find("@llvm.fptosi.sat.i64.f64(double"), std::string::npos) << body;  // the formula's truncation
    EXPECT_NE(ir.find(fmt::format("define i64 @iwd_priority{}(", k)), std::string::npos) << ir;
    // No call of the calendar's code on a block; the calendar resolved from the function's own.
    EXPECT_EQ(body.find("@iwd_jit_business_time("), std::string::npos) << body;
    EXPECT_EQ(body.find("@iwd_jit_add_business("), std::string::npos) << body;
    for (std::size_t c = body.find("@iwd_jit_calendar("); c != std::string::npos; c = body.find("@iwd_jit_calendar(", c + 1))
      EXPECT_EQ(body.compare(c, 27, "@iwd_jit_calendar(i8* %0, i"), 0) << body.substr(c, 80);
  }
  const std::string open_hours = ir.substr(ir.find("define i8 @iwd_next2("));
  EXPECT_NE(open_hours.find("@iwd_jit_calendar("), std::string::npos);
  EXPECT_NE(open_hours.find("@iwd_jit_open_time("), std::string::npos);
  EXPECT_EQ(ir.find("_formula("), std::string::npos) << ir;  // no private copy left
  // After the JIT's passes the copies of the argument block at the candidates are registers:
  // no stack left in the functions without a calendar.
  const std::string optimized = program_ir(program, /*optimized=*/true);
  for (int k : {0, 1}) {
    const std::size_t at = optimized.find(fmt::format("define i8 @iwd_next{}(", k));
    ASSERT_NE(at, std::string::npos) << optimized;
    const std::string body = optimized.substr(at, optimized.find("\n}\n", at) - at);
    EXPECT_EQ(body.find("alloca"), std::string::npos) << body;
  }
}

}  // namespace
}  // namespace iwd::compiler
