// Lowering: the program's decision tables and its straight-line functions.
#include <gtest/gtest.h>

#include "compiler/driver/compilation.h"
#include "compiler/lower/lower.h"

namespace iwd::compiler {
namespace {

std::unique_ptr<Program> lower(const std::string& text) {
  SourceManager sm;
  DiagnosticBag diags;
  Compilation comp(sm, diags);
  comp.load_root_text("t.iwd", text);
  comp.check();
  EXPECT_FALSE(diags.has_errors()) << (diags.all().empty() ? "" : diags.all()[0].message);
  return lower_program(*comp.bound());
}

TEST(Lower, DecisionTablesFollowRulesetOrder) {
  auto p = lower(R"(attributes { kind: string }
department A when kind == "a" { process One when kind != "x"  process Two }
department B { process Three }
default process Other)");
  ASSERT_EQ(p->departments.size(), 2u);
  EXPECT_GE(p->departments[0].when, 0);
  EXPECT_EQ(p->departments[1].when, -1);  // no `when`: always holds
  EXPECT_EQ(p->departments[0].processes, (std::vector<std::int32_t>{0, 1}));
  EXPECT_EQ(p->processes[1].when, -1);
  EXPECT_EQ(p->default_process, 3);
  EXPECT_EQ(p->processes[3].name, "Other");
}

TEST(Lower, InheritedClausesShareOneFunction) {
  auto p = lower(R"(priority s { start 10  max 100 }
department D { sla 72h  priority s  process A  process B { priority s max 50 } })");
  const auto& a = p->processes[0];
  const auto& b = p->processes[1];
  EXPECT_EQ(a.sla, b.sla);  // the department's sla, one function
  const auto& pa = p->priorities[static_cast<std::size_t>(a.priority)];
  const auto& pb = p->priorities[static_cast<std::size_t>(b.priority)];
  EXPECT_EQ(pa.start, pb.start);  // the scheme's start, one function
  EXPECT_NE(pa.max, pb.max);      // B's own bound
  const auto& max_b = p->functions[static_cast<std::size_t>(pb.max)];
  ASSERT_EQ(max_b.code.size(), 1u);
  EXPECT_EQ(max_b.code[0].imm, 50);
}

TEST(Lower, DefinesAreInlinedOncePerFunction) {
  auto p = lower(R"(attributes { n: int = 0 }
define big = n > 10
department D when big and not big { process P })");
  const auto& f = p->functions[static_cast<std::size_t>(p->departments[0].when)];
  int loads = 0;
  for (const auto& in : f.code) loads += in.op == Op::LoadAttr;
  EXPECT_EQ(loads, 1);
  EXPECT_EQ(f.type, VType::Bool);
}

TEST(Lower, ConstantListsAndStringsAreTabled) {
  auto p = lower(R"(enum E { A, B, C }
attributes { e: E = A  s: string = "" }
department D when e in [A, C] and s in ["x", "y"] and s == "x" { process P })");
  ASSERT_EQ(p->lists.size(), 2u);
  EXPECT_EQ(p->lists[0].values, (std::vector<std::int64_t>{0, 2}));
  EXPECT_EQ(p->strings, (std::vector<std::string>{"x", "y"}));  // "x" once
}

// LANGUAGE.md 1.1: a share of the SLA is a point on the item's SLA clock (ShareOfSla), and a
// stage's `for N% of sla` records its share; `sla` as a value is the window due - start.
TEST(Lower, SharesOfTheSlaAreOnTheSlaClock) {
  auto p = lower(R"(skills { s }
targets t { skill s > 1 for 25%  skill s > 0 }
priority q { start 1  boost 5 when age >= sla - 1h }
department D { sla 8h  targets t  priority q  process P })");
  const auto& stage = p->processes[0].stages[0];
  const auto& f = p->functions[static_cast<std::size_t>(stage.duration)];
  ASSERT_EQ(f.code.size(), 1u);
  EXPECT_EQ(f.code[0].op, Op::ShareOfSla);
  EXPECT_DOUBLE_EQ(f.code[0].fimm, 0.25);
  EXPECT_EQ(f.tag, VTag::Duration);
  EXPECT_DOUBLE_EQ(stage.share, 0.25);
  EXPECT_EQ(p->processes[0].stages[1].duration, -1);
  EXPECT_DOUBLE_EQ(p->processes[0].stages[1].share, -1);
  bool window = false;
  for (const auto& fn : p->functions)
    for (const auto& in : fn.code)
      window = window || (in.op == Op::LoadInput && in.a == static_cast<std::uint32_t>(Input::Window));
  EXPECT_TRUE(window);
}

TEST(Lower, CalendarsCarryTheirSpec) {
  auto p = lower(R"(calendar office { timezone "Europe/Berlin"  mon..fri 08:00-18:00  closed every 12-25 }
department D { sla 72h in office  process P })");
  ASSERT_EQ(p->calendars.size(), 1u);
  EXPECT_EQ(p->calendars[0].zone, "Europe/Berlin");
  EXPECT_EQ(p->calendars[0].weekly[0], (std::vector<std::pair<int, int>>{{480, 1080}}));
  EXPECT_EQ(p->processes[0].sla_calendar, 0);
  auto spec = stdlib::BusinessCalendar::make(p->calendars[0]);
  EXPECT_TRUE(spec.ok()) << spec.error;
}

}  // namespace
}  // namespace iwd::compiler
