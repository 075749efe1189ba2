// The reference interpreter: the examples' own `test` blocks, and focused semantics.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <random>
#include <type_traits>

#include "compiler/driver/compilation.h"
#include "compiler/interp/interp.h"
#include "compiler/lower/lower.h"
#include "tests/support/checked_rules.h"
#include "tests/support/strings_env.h"

namespace iwd::compiler {
namespace {

// An item, an agent and strings in plain containers.
class TestEnv : public iwd::test::StringsEnv {
 public:
  explicit TestEnv(const Program& p) : StringsEnv(p), attrs_(p.attributes.size()) {}
  Value attribute(std::uint32_t slot) const override { return attrs_[slot]; }
  Value skill(std::uint32_t s) const override {
    auto it = skills_.find(s);
    return it == skills_.end() ? Value::absent() : Value::of_int(it->second);
  }
  Value agent_attribute(std::string_view) const override { return Value::absent(); }

  // Sets an attribute from a bound constant.
  void set(std::int32_t slot, const BoundExpr& v) {
    const auto& a = p_.attributes[static_cast<std::size_t>(slot)];
    if (v.kind == BoundExprKind::List) {
      std::vector<std::int64_t> items;
      for (const auto& c : v.children)
        items.push_back(c->type.kind == TypeKind::String ? intern(c->string_value) : c->kind == BoundExprKind::Literal ? c->int_value : c->index);
      attrs_[static_cast<std::size_t>(slot)] = add_list(std::move(items));
    } else if (a.type == VType::F64) {
      attrs_[static_cast<std::size_t>(slot)] = Value::of_number(v.type.kind == TypeKind::Number ? v.number_value : static_cast<double>(v.int_value));
    } else if (v.type.kind == TypeKind::String) {
      attrs_[static_cast<std::size_t>(slot)] = Value::of_int(intern(v.string_value));
    } else {
      attrs_[static_cast<std::size_t>(slot)] = Value::of_int(v.kind == BoundExprKind::EnumValue || v.kind == BoundExprKind::Weekday ? v.index : v.int_value);
    }
  }
  void set_raw(std::uint32_t slot, Value v) { attrs_[slot] = v; }
  void set_skill(std::uint32_t s, std::int64_t level) { skills_[s] = level; }
  void clear_skills() { skills_.clear(); }

 private:
  std::vector<Value> attrs_;
  std::map<std::uint32_t, std::int64_t> skills_;
};

constexpr std::int64_t kDefaultAt = 1767603600000;  // 2026-01-05T09:00:00Z

// The interpreter's entry points take the instant as stdlib::Instant (issue 14 item 4): a raw
// count of milliseconds does not compile there (TimeInputs and the rules ABI keep raw ms).
static_assert(std::is_invocable_v<decltype(&Interpreter::classify), const Interpreter&, const EvalEnv&, stdlib::Instant,
                                  ClassifyTrace*>);
static_assert(!std::is_invocable_v<decltype(&Interpreter::classify), const Interpreter&, const EvalEnv&, std::int64_t,
                                   ClassifyTrace*>);
static_assert(!std::is_invocable_v<decltype(&Interpreter::classify_code), const Interpreter&, const EvalEnv&, std::int64_t,
                                   std::int32_t*, ClassifyTrace*>);
static_assert(!std::is_invocable_v<decltype(&Interpreter::clock), const Interpreter&, std::int32_t, const EvalEnv&,
                                   std::int64_t>);
static_assert(!std::is_invocable_v<decltype(&Interpreter::due), const Interpreter&, std::int32_t, const EvalEnv&,
                                   std::int64_t, DueTrace*>);

using Checked = std::unique_ptr<iwd::test::CheckedRules>;

// A ruleset checked without errors (a failure otherwise) and lowered.
Checked lowered(Checked c) {
  EXPECT_TRUE(c->ok()) << c->first_problem();
  if (c->ok()) c->lower();
  return c;
}

Checked check_file(const std::string& path) { return lowered(iwd::test::check_file(path)); }
Checked check_text(std::string text) { return lowered(iwd::test::check_text("t.iwd", std::move(text))); }

// Runs a ruleset's test blocks; returns the failures as text.
std::vector<std::string> run_tests(const BoundRuleset& rs, const Program& p) {
  Interpreter interp(p);
  std::vector<std::string> failures;
  for (const auto& t : rs.tests) {
    TestEnv env(p);
    // Defaults, then `id`, `source`, `media`, `captured_at`, then the given values.
    for (std::size_t i = 0; i < rs.attributes.size(); ++i)
      if (rs.attributes[i].default_value) env.set(static_cast<std::int32_t>(i), *rs.attributes[i].default_value);
    env.set_raw(0, Value::of_int(env.intern("test")));
    env.set_raw(1, Value::of_int(env.intern("api")));
    env.set_raw(2, Value::of_int(env.intern("workitem")));
    const std::int64_t at = t.at ? t.at->int_value : kDefaultAt;
    env.set_raw(3, Value::of_int(at));
    for (const auto& [slot, v] : t.given) env.set(slot, *v);
    const Classification c = interp.classify(env, stdlib::Instant{at});
    for (const auto& x : t.expects) {
      const std::string where = "test \"" + t.title + "\"";
      if (x.kind == BoundExpectKind::Rejected) {
        if (c.process >= 0 || c.reason.find(x.text) == std::string::npos)
          failures.push_back(where + ": expected a rejection with \"" + x.text + "\", got " +
                             (c.process >= 0 ? p.processes[static_cast<std::size_t>(c.process)].name : c.reason));
        continue;
      }
      if (c.process < 0) {
        failures.push_back(where + ": rejected: " + c.reason);
        break;
      }
      // The item's clock as the runtime has it (the SLA clock of LANGUAGE.md 1.1 included).
      const runtime::abi::ItemClock clock = interp.clock(c.process, env, stdlib::Instant{at});
      const TimeInputs in = interp.inputs(c.process, clock, x.age ? x.age->int_value : 0);
      const auto& pp = p.processes[static_cast<std::size_t>(c.process)];
      switch (x.kind) {
        case BoundExpectKind::Process:
          if (c.process != x.process)
            failures.push_back(where + ": expected process " + rs.processes[static_cast<std::size_t>(x.process)].name +
                               ", got " + pp.name);
          break;
        case BoundExpectKind::Due:
          if (clock.due != x.value->int_value)
            failures.push_back(where + ": expected due " + std::to_string(x.value->int_value) + ", got " +
                               (clock.due != runtime::abi::kNone ? std::to_string(clock.due) : "none"));
          break;
        case BoundExpectKind::Priority: {
          const auto got = interp.priority(c.process, env, in);
          if (got != x.value->int_value)
            failures.push_back(where + ": expected priority " + std::to_string(x.value->int_value) + " at " +
                               std::to_string(in.age) + "ms, got " + std::to_string(got));
          break;
        }
        case BoundExpectKind::Eligible: {
          env.clear_skills();
          for (const auto& [skill, level] : x.skills) env.set_skill(static_cast<std::uint32_t>(skill), level);
          const bool got = interp.eligible(c.process, env, in);
          if (got == x.negated) failures.push_back(where + ": eligibility is not as expected");
          break;
        }
        default: break;
      }
    }
  }
  return failures;
}

TEST(Interp, TheExamplesPassTheirOwnTests) {
  for (const char* name : {"enterprise.iwd", "leads.iwd", "blended.iwd"}) {
    auto c = check_file(std::string(IWD_SOURCE_DIR) + "/examples/" + name);
    ASSERT_FALSE(c->comp.bound()->tests.empty()) << name;
    for (const auto& f : run_tests(*c->comp.bound(), *c->program)) ADD_FAILURE() << name << ": " << f;
  }
}

TEST(Interp, TheContractsExampleTestPasses) {
  // LANGUAGE.md section 1, verbatim: its SLA of 72 business hours gives 2026-12-01 17:00.
  const std::string path = std::string(IWD_SOURCE_DIR) + "/../shared/LANGUAGE.md";
  if (!std::filesystem::exists(path)) GTEST_SKIP() << "shared/LANGUAGE.md is not beside the repository";
  std::ifstream in(path);
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const auto a = text.find("```iwd\n") + 7;
  const std::string rules = text.substr(a, text.find("```", a) - a);
  auto c = iwd::test::check_text("contract.iwd", rules);
  ASSERT_TRUE(c->ok()) << c->first_problem();
  c->lower();
  for (const auto& f : run_tests(*c->comp.bound(), *c->program)) ADD_FAILURE() << f;
}

std::vector<std::string> run_text(const std::string& rules) {
  auto c = iwd::test::check_text("t.iwd", rules);
  for (const auto& d : c->diags.all())
    if (d.severity == Severity::Error) ADD_FAILURE() << d.message;
  c->lower();
  return run_tests(*c->comp.bound(), *c->program);
}

// Each ruleset states its semantics as test blocks; the interpreter must pass them all.
TEST(Interp, ThreeValuedLogicAndAbsence) {
  const auto failures = run_text(R"(attributes { v: number?  w: int?  tag: string? }
department D {
  process OrTrue when v > 1 or true
  process AndFalse when not (v > 1 and false)
  process Coalesce when (w ?? 5) == 5 and w == 5 or tag == "x"
  process Rest
}
test "absent or true is true" { expect process D.OrTrue }
test "present v" { given { v: 0.5 } expect process D.OrTrue }
)");
  for (const auto& f : failures) ADD_FAILURE() << f;
}

TEST(Interp, FirstMatchThenDefaultThenRejection) {
  auto failures = run_text(R"(attributes { kind: string }
department A when kind == "a" { process One when kind == "b" }
department B when kind != "z" { process Two }
test "department A takes it and has no matching process" { given { kind: "a" } expect rejected "department `A` takes it" }
test "B" { given { kind: "q" } expect process B.Two }
test "nobody" { given { kind: "z" } expect rejected "no department matches" }
test "missing attribute" { expect rejected "missing required attribute `kind`" }
)");
  for (const auto& f : failures) ADD_FAILURE() << f;
  failures = run_text(R"(attributes { kind: string }
department A when kind == "a" { process One when kind == "b" }
default process Other
test "to the default" { given { kind: "a" } expect process Other }
)");
  for (const auto& f : failures) ADD_FAILURE() << f;
}

TEST(Interp, PrioritySchemes) {
  const auto failures = run_text(R"(attributes { vip: bool = false  due_soon: bool = false }
priority steps {
  start 100
  every 1h add 10 until 3h
  every 30m add 1 from 2h
  boost 1000 when vip and age >= 1h
  max 1500
  overdue 9999
}
priority capped { start 100  every 1h add 500  max 1500 }
priority curve { curve { 0h: 800, 2d: 400, 6d: 200, 6d: 900, 8d: 900, 8d: 150 }  min 160 }
department S when not due_soon { sla 10h  priority steps  process P }
department M when due_soon and vip { priority capped  process R }
department C { priority curve  process Q }
test "every, until, from" {
  expect priority 100 at 0h
  expect priority 110 at 1h
  expect priority 121 at 2h30m
  expect priority 133 at 3h30m
  expect priority 9999 at 10h
}
test "boost" { given { vip: true } expect priority 100 at 59m  expect priority 1110 at 1h  expect priority 1144 at 9h }
test "max" { given { due_soon: true, vip: true } expect priority 1100 at 2h  expect priority 1500 at 3h  expect priority 1500 at 30h }
test "curve: linear, steps, clamp" {
  given { due_soon: true }
  expect priority 800 at 0h
  expect priority 600 at 1d
  expect priority 900 at 6d
  expect priority 900 at 7d
  expect priority 160 at 8d
}
)");
  for (const auto& f : failures) ADD_FAILURE() << f;
}

TEST(Interp, StagesOpenInTurnAndSkipAnAbsentAgent) {
  const auto failures = run_text(R"(skills { s }
targets t {
  agent preferred_agent for 1h
  skill s > 7 for 50%
  skill s > 3 for 1h
  skill s > 0
}
department D { sla 4h  targets t  process P }
test "no preferred agent: the skill stages start at once" {
  expect eligible { s: 8 } at 0h
  expect not eligible { s: 5 } at 1h59m
  expect eligible { s: 5 } at 2h
  expect not eligible { s: 1 } at 2h59m
  expect eligible { s: 1 } at 3h
  expect not eligible { } at 10h
}
test "a preferred agent holds the first hour" {
  given { preferred_agent: "someone" }
  expect not eligible { s: 9 } at 59m
  expect eligible { s: 9 } at 1h
}
)");
  for (const auto& f : failures) ADD_FAILURE() << f;
}

// A stage whose opening age is below zero has opened already (it was read as "never" when -1
// meant never): a source due_at before the start makes the SLA clock run backwards, so 25% of
// it is an hour before the start: the second stage is open at once, the third an hour later.
TEST(Interp, AStageThatOpenedBeforeTheStartIsOpen) {
  const auto failures = run_text(R"(skills { s }
targets t {
  skill s > 7 for 25% of sla
  skill s > 3 for 2h
  skill s > 0
}
department D { sla 4h  targets t  process P }
test "due_at four hours before capture" {
  given { due_at: 2026-01-05T05:00:00Z }
  expect eligible { s: 5 } at 0h
  expect not eligible { s: 1 } at 59m
  expect eligible { s: 1 } at 1h
}
test "the SLA: the second stage opens at 1h" {
  expect not eligible { s: 5 } at 59m
  expect eligible { s: 5 } at 1h
}
)");
  for (const auto& f : failures) ADD_FAILURE() << f;
}

TEST(Interp, DueFromTheSlaOrTheSource) {
  const auto failures = run_text(R"(calendar office { timezone "Europe/Berlin"  mon..fri 08:00-18:00 }
department D { sla 12h in office  process P }
test "business hours over a weekend" {
  at 2026-11-27T16:00:00+01:00
  expect due 2026-11-30T18:00:00+01:00
}
test "activate_at starts the clock" {
  given { activate_at: 2026-11-30T08:00:00+01:00 }
  at 2026-11-27T16:00:00+01:00
  expect due 2026-12-01T10:00:00+01:00
}
test "due_at wins" {
  given { due_at: 2030-01-01T00:00:00Z }
  expect due 2030-01-01T00:00:00Z
}
)");
  for (const auto& f : failures) ADD_FAILURE() << f;
}

// LANGUAGE.md 1.1 section 7: a process's `sla` without `in` keeps its department's calendar;
// `in always` (the built-in calendar) counts elapsed time; `is_open(always, t)` always holds.
TEST(Interp, ProcessSlaKeepsTheDepartmentsCalendar) {
  const auto failures = run_text(R"(attributes { k: int = 0 }
calendar office { timezone "Europe/Berlin"  mon..fri 08:00-18:00 }
department D when is_open(always, now) {
  sla 12h in office
  process Inherits when k == 0 { sla 4h }
  process Elapsed when k == 1 { sla 4h in always }
  process Own when k == 2
}
test "a process sla without in: the department's calendar" {
  at 2026-11-27T16:00:00+01:00
  expect process D.Inherits
  expect due 2026-11-30T10:00:00+01:00
}
test "in always: elapsed time" {
  given { k: 1 }
  at 2026-11-27T16:00:00+01:00
  expect due 2026-11-27T20:00:00+01:00
}
test "no sla of its own: the department's clause and calendar" {
  given { k: 2 }
  at 2026-11-27T16:00:00+01:00
  expect due 2026-11-30T18:00:00+01:00
}
)");
  for (const auto& f : failures) ADD_FAILURE() << f;
}

// Next changes with known answers.
TEST(Interp, NextPriorityChangeCases) {
  const Checked c = check_text(R"(attributes { k: int = 0 }
priority boosted { start 100  boost 50 when age >= 90m }
priority late { start 100  overdue 1000 + overdue_by / 1h }
priority flat { start 7 }
department A when k == 0 { priority boosted  process P }
department B when k == 1 { sla 2h  priority late  process Q }
department C { priority flat  process R })");
  ASSERT_TRUE(c->ok());
  Interpreter interp(*c->program);
  TestEnv env(*c->program);
  env.set_raw(3, Value::of_int(kDefaultAt));
  auto at = [](std::int64_t age, std::int64_t due) {
    TimeInputs in;
    in.age = age;
    in.now = kDefaultAt + age;
    in.due = due;
    in.overdue_by = due == TimeInputs::kNone ? 0 : std::max<std::int64_t>(0, in.now - due);
    return in;
  };
  const std::int64_t never_due = TimeInputs::kNone;
  auto n = interp.next_priority_change(0, env, at(0, never_due));
  EXPECT_TRUE(n.exact);
  EXPECT_EQ(n.age, 90 * 60'000);
  EXPECT_TRUE(interp.next_priority_change(0, env, at(90 * 60'000, never_due)).never);
  // Without a due instant, or with one at the end of time (an SLA calendar that never opens),
  // the overdue value never takes over: no change at all.
  EXPECT_TRUE(interp.next_priority_change(1, env, at(0, never_due)).never);
  n = interp.next_priority_change(1, env, at(0, TimeInputs::kDueNever));
  EXPECT_TRUE(n.never) << n.age;
  EXPECT_EQ(interp.priority(1, env, at(400 * 3'600'000, TimeInputs::kDueNever)), 100);
  const std::int64_t due = kDefaultAt + 2 * 3'600'000;
  n = interp.next_priority_change(1, env, at(0, due));
  EXPECT_EQ(n.age, 2 * 3'600'000);  // the due instant
  n = interp.next_priority_change(1, env, at(2 * 3'600'000 + 30 * 60'000, due));
  EXPECT_TRUE(n.exact);
  EXPECT_EQ(n.age, 3 * 3'600'000);  // 1000 + 1h/1h: the next whole number an hour after due
  for (std::int64_t hours = 1; hours < 400; ++hours) {  // exact to the millisecond, however late
    n = interp.next_priority_change(1, env, at((2 + hours) * 3'600'000, due));
    EXPECT_EQ(n.age, (3 + hours) * 3'600'000) << hours << "h overdue";
  }
  EXPECT_TRUE(interp.next_priority_change(2, env, at(0, never_due)).never);
}

// Operands that are not registers (a constant list's index, a slot) are not read as
// registers by the change analysis: `k in [1, 2]` after an age comparison in the same
// function stays exact (list 0 is not register 0, which holds the age).
TEST(Interp, NextPriorityChangeIgnoresNonRegisterOperands) {
  const Checked c = check_text(R"(attributes { k: int = 1 }
priority listed { start 100  boost 50 when age >= 90m and k in [1, 2] }
department A { priority listed  process P })");
  ASSERT_TRUE(c->ok());
  Interpreter interp(*c->program);
  TestEnv env(*c->program);
  env.set_raw(3, Value::of_int(kDefaultAt));
  env.set_raw(9, Value::of_int(1));  // k: the first custom attribute, after the nine core ones
  TimeInputs in;
  in.now = kDefaultAt;
  in.due = TimeInputs::kNone;
  const auto n = interp.next_priority_change(0, env, in);
  EXPECT_TRUE(n.exact);
  EXPECT_EQ(n.age, 90 * 60'000);
}

// Curves and overdue values that slope up or down, through positive and negative values:
// the truncated priority changes at the first millisecond the next change says, not later.
TEST(Interp, NextPriorityChangeOnSlopes) {
  const Checked c = check_text(R"(attributes { k: int = 0 }
priority down { curve { 0h: 800, 2d: 400, 4d: 400, 4d: 900, 6d: 100 } }
priority across { curve { 0h: -300, 10h: 250, 20h: -90 } }
priority falling { start 100  overdue 2000 - overdue_by / 1h }
department A when k == 0 { priority down  process P }
department B when k == 1 { priority across  process Q }
department C { sla 2h  priority falling  process R })");
  ASSERT_TRUE(c->ok());
  Interpreter interp(*c->program);
  for (std::int64_t k = 0; k < 3; ++k) {
    TestEnv env(*c->program);
    env.set_raw(0, Value::of_int(env.intern("test")));
    env.set_raw(3, Value::of_int(kDefaultAt));
    env.set_raw(static_cast<std::uint32_t>(c->comp.bound()->find_attribute("k")), Value::of_int(k));
    const auto process = interp.classify(env, stdlib::Instant{kDefaultAt}).process;
    ASSERT_GE(process, 0) << interp.classify(env, stdlib::Instant{kDefaultAt}).reason;
    const runtime::abi::ItemClock clock = interp.clock(process, env, stdlib::Instant{kDefaultAt});
    auto at = [&](std::int64_t age) { return interp.inputs(process, clock, age); };
    for (std::int64_t age = 0; age < 7LL * 24 * 3'600'000; age += 17 * 60'000 + 7) {
      const auto now = interp.priority(process, env, at(age));
      const auto next = interp.next_priority_change(process, env, at(age));
      ASSERT_TRUE(next.exact);
      if (next.never) continue;
      ASSERT_EQ(interp.priority(process, env, at(next.age - 1)), now) << "k " << k << " at " << age;
      ASSERT_NE(interp.priority(process, env, at(next.age)), now) << "k " << k << " at " << age;
      for (std::int64_t t = age; t < next.age; t += std::max<std::int64_t>(1, (next.age - age) / 50))
        ASSERT_EQ(interp.priority(process, env, at(t)), now) << "k " << k << " changes at " << t << " before " << next.age;
    }
  }
}

// The next change is exact: the priority holds still until then and differs there.
TEST(Interp, NextPriorityChangeIsTheFirstChange) {
  for (const char* name : {"enterprise.iwd", "leads.iwd", "blended.iwd"}) {
    auto c = check_file(std::string(IWD_SOURCE_DIR) + "/examples/" + name);
    const Program& p = *c->program;
    Interpreter interp(p);
    for (std::size_t pi = 0; pi < p.processes.size(); ++pi) {
      for (bool flag : {false, true}) {
        TestEnv env(p);
        const auto& rs = *c->comp.bound();
        for (std::size_t i = 0; i < rs.attributes.size(); ++i)
          if (rs.attributes[i].default_value) env.set(static_cast<std::int32_t>(i), *rs.attributes[i].default_value);
        // Vary the item a little: a big deal or not, a cart value.
        for (std::size_t i = 0; i < p.attributes.size(); ++i) {
          if (p.attributes[i].type == VType::F64) env.set_raw(static_cast<std::uint32_t>(i), Value::of_number(flag ? 20000 : 50));
        }
        const std::int64_t start = kDefaultAt;
        env.set_raw(3, Value::of_int(start));
        const std::optional<stdlib::Instant> due = interp.due(static_cast<std::int32_t>(pi), env, stdlib::Instant{start});
        TimeInputs base;
        base.due = due ? due->ms_since_epoch : TimeInputs::kNone;
        if (p.processes[pi].sla >= 0) base.sla = interp.run(p.processes[pi].sla, env, base).i;
        auto at_age = [&](std::int64_t age) {
          TimeInputs in = base;
          in.age = age;
          in.now = start + age;
          in.overdue_by = due ? std::max<std::int64_t>(0, in.now - due->ms_since_epoch) : 0;
          return in;
        };
        for (std::int64_t age = 0; age < 10LL * 24 * 3600 * 1000; age += 37 * 60 * 1000 + 13) {
          const auto now = interp.priority(static_cast<std::int32_t>(pi), env, at_age(age));
          const auto next = interp.next_priority_change(static_cast<std::int32_t>(pi), env, at_age(age));
          ASSERT_TRUE(next.exact) << name << " " << p.processes[pi].name;
          const std::int64_t until = next.never ? age + 3LL * 24 * 3600 * 1000 : next.age;
          for (std::int64_t t = age; t < until; t += 5 * 60 * 1000) {
            ASSERT_EQ(interp.priority(static_cast<std::int32_t>(pi), env, at_age(t)), now)
                << name << " " << p.processes[pi].name << " changes at " << t << " before " << until;
          }
          ASSERT_EQ(interp.priority(static_cast<std::int32_t>(pi), env, at_age(until - 1)), now);
          if (!next.never) {
            ASSERT_NE(interp.priority(static_cast<std::int32_t>(pi), env, at_age(until)), now);
            age = std::max(age, next.age - 37 * 60 * 1000);  // move on faster
          }
        }
      }
    }
  }
}

// share_age in calendar time is memoized per thread: an answer asked again, or asked of
// another interpreter whose calendar has other hours, or with one part of the clock changed
// (start, window, calendars, share), is the answer of an interpreter that never saw it.
TEST(Interp, ShareAgesInCalendarTimeAreTheSameAskedAgain) {
  auto compile = [](const std::string& hours) {
    return check_text("calendar office { " + hours + " }\ndefault process P { sla 8h in office }\n");
  };
  const auto wide = compile("mon..fri 08:00-18:00"), narrow = compile("mon..fri 09:00-12:00  sat 10:00-11:00");
  Interpreter a(*wide->program), b(*narrow->program);
  std::mt19937_64 rng(20261206);
  const double shares[] = {0.1, 0.25, 0.6, 0.75, 1.0, 1.5};
  std::size_t differ = 0, asked = 0;
  for (int round = 0; round < 120; ++round) {
    TimeInputs q;
    q.start = kDefaultAt + static_cast<std::int64_t>(rng() % (14 * 24 * 4)) * 900'000;
    q.window = static_cast<std::int64_t>(1 + rng() % (12 * 24)) * 3'600'000;
    q.due = q.start + q.window;
    q.sla_calendar = 0;
    q.age_calendar = rng() % 3 == 0 ? 0 : -1;
    const double share = shares[rng() % 6];
    std::vector<std::pair<TimeInputs, double>> asks = {{q, share}, {q, share}};
    TimeInputs later = q;
    later.start += 3'600'000;
    later.due += 3'600'000;
    TimeInputs longer = q;
    longer.window += 3'600'000;
    longer.due += 3'600'000;
    TimeInputs other_age = q;
    other_age.age_calendar = q.age_calendar < 0 ? 0 : -1;
    TimeInputs elapsed = q;
    elapsed.sla_calendar = -1;
    asks.insert(asks.end(), {{later, share}, {longer, share}, {other_age, share}, {elapsed, share}, {q, share + 0.05}, {q, share}});
    for (const auto& [in, s] : asks) {
      for (const Interpreter* interp : {&a, &b}) {
        const Interpreter fresh(interp->program());
        const std::int64_t want = fresh.share_age(in, s);
        EXPECT_EQ(interp->share_age(in, s), want) << "round " << round << ", start " << in.start << ", window "
                                                  << in.window << ", share " << s;
        ++asked;
      }
      differ += a.share_age(in, s) != b.share_age(in, s) ? 1 : 0;
    }
    if (HasFailure()) return;
  }
  EXPECT_GT(differ, asked / 4);  // the two calendars give other answers: a mix-up would show
}

// Under `age in` the SLA's own calendar, a share of the clock before the due instant is that
// part of the clock's open time (clock_share_age answers it without add_business and a second
// business_time, issue 19): each answer is the long way's (the instant the share reaches, then
// the open time up to it), for clocks from a millisecond to a century long, starts in and out
// of open hours, near the ends of the years business_time counts and of add_business's search,
// shares from 0 to 1.5 (past the due instant, the long way).
// One calendar's clocks (CALENDAR: the body of `calendar office { ... }`); `starts`: more
// instants to start clocks at (near its daylight-saving changes, say).
void expect_share_ages_are_the_long_ways(const std::string& calendar, const std::vector<std::int64_t>& starts) {
  SCOPED_TRACE(calendar);
  const auto rules = check_text("calendar office { " + calendar + " }\ndefault process P { sla 8h in office }\n");
  ASSERT_TRUE(rules->ok()) << rules->first_problem();
  const Interpreter interp(*rules->program);
  const stdlib::BusinessCalendar& cal = interp.calendar(0);
  auto long_way = [&](const TimeInputs& in, double share) {
    const std::int64_t start = in.start, due = in.start + in.window;
    const std::int64_t open = cal.business_time(stdlib::Instant{start}, stdlib::Instant{due}).ms;
    const bool before = share < 1.0;
    const auto part = static_cast<std::int64_t>(std::round((before ? share : share - 1.0) * static_cast<double>(open)));
    const std::int64_t at = share == 1.0 ? due
                                         : cal.add_business(stdlib::Instant{before ? start : due}, stdlib::Duration{part}).ms_since_epoch;
    return at <= start ? at - start : cal.business_time(stdlib::Instant{start}, stdlib::Instant{at}).ms;
  };
  constexpr std::int64_t kDay = 86'400'000;
  const std::int64_t first = -719528 * kDay, end = 2932897 * kDay;  // 0000-01-01, 10000-01-01
  const std::int64_t search = stdlib::kMaxSearchDays * kDay;
  std::mt19937_64 rng(20261207);
  struct Clock {
    std::int64_t start, window;
  };
  std::vector<Clock> clocks;
  for (int i = 0; i < 400; ++i) {
    const std::int64_t start = kDefaultAt + static_cast<std::int64_t>(rng() % (60 * kDay));
    const std::int64_t window = 1 + static_cast<std::int64_t>(rng() % (rng() % 2 ? 3 * 3'600'000 : 40 * kDay));
    clocks.push_back({start, window});
  }
  for (const std::int64_t start : starts)
    for (int i = 0; i < 40; ++i) {
      const std::int64_t from = start + static_cast<std::int64_t>(rng() % (2 * kDay)) - kDay;
      clocks.push_back({from, 1 + static_cast<std::int64_t>(rng() % (rng() % 2 ? 6 * 3'600'000 : 5 * kDay))});
    }
  for (const std::int64_t window : {std::int64_t{1}, std::int64_t{8 * 3'600'000}, 30 * kDay}) {
    for (const std::int64_t start : {first, first + 3 * kDay + 17, end - 3 * kDay, end - 40 * kDay + 5}) clocks.push_back({start, window});
    clocks.push_back({first - 2 * kDay, window});  // before the counted years
  }
  for (const std::int64_t window : {search - 400 * kDay, search - 366 * kDay, search - 300 * kDay, search - 2 * kDay, search + 3 * kDay})
    clocks.push_back({kDefaultAt, window});
  const double shares[] = {0.0, 1e-9, 0.1, 0.25, 0.5, 0.75, 0.9, 0.999999, 1.0, 1.25, 1.5};
  for (const Clock& k : clocks) {
    TimeInputs in;
    in.start = k.start;
    in.window = k.window;
    in.due = k.start + k.window;
    in.sla_calendar = 0;
    in.age_calendar = 0;
    for (const double share : shares) {
      ASSERT_EQ(interp.share_age(in, share), long_way(in, share))
          << "start " << in.start << ", window " << in.window << ", share " << share;
    }
  }
}

TEST(Interp, ShareAgesInTheSlaCalendarAreThatPartOfItsOpenTime) {
  // 2026-03-29 01:00 UTC (Berlin springs forward at 02:00 local) and 2026-10-25 01:00 UTC (it
  // falls back at 03:00 local); 2026-03-08 and 2026-11-01 in New York.
  const std::vector<std::int64_t> dst = {1774746000000, 1792890000000, 1772953200000, 1793512800000};
  expect_share_ages_are_the_long_ways(
      "timezone \"America/New_York\"  mon..fri 09:00-12:00, 13:00-17:30  sat 10:00-11:00  closed 2026-01-19", dst);
  if (HasFatalFailure()) return;
  // Open across the night in Berlin, the hours the clocks change in included.
  expect_share_ages_are_the_long_ways("timezone \"Europe/Berlin\"  mon..sun 01:00-04:00  sun 22:00-02:00", dst);
  if (HasFatalFailure()) return;
  // Open an hour a week, the hour that does not exist on the day Berlin springs forward (and
  // happens twice when it falls back), some of those Sundays closed, some special days open:
  // long stretches closed. (A calendar of special days alone is refused: it has no weekly hours.)
  expect_share_ages_are_the_long_ways(
      "timezone \"Europe/Berlin\"  sun 02:00-03:00  closed 2026-01-11, 2026-01-18, 2026-01-25  "
      "2026-01-07 09:00-17:00  2026-02-14 10:00-12:00  2026-10-24 23:00-23:30",
      dst);
}

}  // namespace
}  // namespace iwd::compiler
