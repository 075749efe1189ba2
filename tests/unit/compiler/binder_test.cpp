// The binder: what the bound ruleset holds (indices, types, inheritance, tables).
#include <gtest/gtest.h>

#include <algorithm>

#include "compiler/driver/compilation.h"
#include "compiler/sema/bound_dump.h"

namespace iwd::compiler {
namespace {

struct Bound {
  SourceManager sm;
  DiagnosticBag diags;
  std::unique_ptr<Compilation> comp;
  const BoundRuleset& rs() const { return *comp->bound(); }
};

std::unique_ptr<Bound> bind(const std::string& text) {
  auto b = std::make_unique<Bound>();
  b->comp = std::make_unique<Compilation>(b->sm, b->diags);
  b->comp->load_root_text("t.iwd", text);
  b->comp->check();
  return b;
}

TEST(Binder, CoreAttributesComeFirstInRecordOrder) {
  auto b = bind("attributes { region: string  score: int? }");
  const auto& attrs = b->rs().attributes;
  ASSERT_EQ(attrs.size(), 11u);
  EXPECT_EQ(attrs[0].name, "id");
  EXPECT_TRUE(attrs[0].required);
  EXPECT_EQ(attrs[7].name, "preferred_agent");
  EXPECT_TRUE(attrs[7].type.optional);
  EXPECT_EQ(attrs[8].name, "last_agent");  // set by the runtime (LANGUAGE.md 1.1 section 3)
  EXPECT_TRUE(attrs[8].core);
  EXPECT_EQ(attrs[8].type.kind, TypeKind::String);
  EXPECT_TRUE(attrs[8].type.optional);
  EXPECT_FALSE(attrs[8].required);
  EXPECT_EQ(attrs[9].name, "region");
  EXPECT_TRUE(attrs[9].required);
  EXPECT_EQ(attrs[10].type.kind, TypeKind::Int);
  EXPECT_TRUE(attrs[10].type.optional);
  EXPECT_FALSE(attrs[10].required);
}

TEST(Binder, ProcessesInheritDepartmentClauses) {
  auto b = bind(R"(priority p { start 1 }
priority q { start 2 }
calendar office { mon..fri 08:00-18:00 }
department D {
  sla 72h in office
  priority p min 5 max 50
  offer timeout 45s
  process A
  process B { sla 5d  priority q }
  process C { priority p max 10 }
})");
  ASSERT_FALSE(b->diags.has_errors());
  const auto& rs = b->rs();
  auto a = rs.effective(rs.processes[0]);
  EXPECT_EQ(a.sla->int_value, 72 * 3600 * 1000);
  EXPECT_EQ(a.sla_calendar, 0);
  EXPECT_EQ(a.priority, 0);
  EXPECT_EQ(a.priority_min->int_value, 5);
  EXPECT_EQ(a.offer_timeout->int_value, 45000);
  auto bb = rs.effective(rs.processes[1]);
  EXPECT_EQ(bb.sla->int_value, 5 * 24 * 3600 * 1000);
  EXPECT_EQ(bb.sla_calendar, 0);  // LANGUAGE.md 1.1: its own sla without `in` keeps the department's calendar
  EXPECT_EQ(bb.priority, 1);
  EXPECT_EQ(bb.priority_min, nullptr);  // its own priority clause: its own (absent) bounds
  auto c = rs.effective(rs.processes[2]);
  EXPECT_EQ(c.priority_max->int_value, 10);
  EXPECT_EQ(c.priority_min, nullptr);
}

TEST(Binder, TableRowsBecomeProcesses) {
  auto b = bind(R"(enum Segment { Gold, Silver, Bronze }
attributes { segment: Segment = Bronze  amount: int = 0 }
priority p { start 1 }
department Finance {
  table {
    segment        | amount  | sla | priority | min
    Gold           | -       | 48h | p        | 400
    Silver, Bronze | 1..1000 | 72h | p        | 200
  }
})");
  ASSERT_FALSE(b->diags.has_errors()) << b->diags.all()[0].message;
  const auto& rs = b->rs();
  ASSERT_EQ(rs.processes.size(), 2u);
  EXPECT_EQ(rs.processes[0].name, "Finance.Gold");
  EXPECT_EQ(rs.processes[0].table_row, 0);
  EXPECT_EQ(rs.processes[1].name, "Finance.row2");
  EXPECT_EQ(bound_expr_text(rs, rs.processes[0].when.get()), "(== segment:Segment Segment.Gold):bool");
  EXPECT_EQ(bound_expr_text(rs, rs.processes[1].when.get()),
            "(and (or (== segment:Segment Segment.Silver):bool (== segment:Segment Segment.Bronze):bool):bool "
            "(in amount:int 1 1000):bool):bool");
  EXPECT_EQ(rs.effective(rs.processes[1]).priority_min->int_value, 200);
}

TEST(Binder, DefinesAreOrderedByDependency) {
  auto b = bind("define a = b and c\ndefine b = c\ndefine c = true");
  ASSERT_FALSE(b->diags.has_errors());
  const auto& order = b->rs().define_order;
  ASSERT_EQ(order.size(), 3u);
  EXPECT_EQ(order[0], 2);  // c
  EXPECT_EQ(order[1], 1);  // b
  EXPECT_EQ(order[2], 0);  // a
}

TEST(Binder, HasNarrowsTheRightSideOfAnd) {
  // (The processes have no targets: W0615 is not what this test counts.)
  auto optional_warnings = [](const auto& bound) {
    return std::count_if(bound->diags.all().begin(), bound->diags.all().end(),
                         [](const Diagnostic& d) { return d.code == "W0405"; });
  };
  auto b = bind("attributes { v: number? }\ndepartment D when has(v) and v > 1 { process P }");
  EXPECT_EQ(optional_warnings(b), 0);
  auto c = bind("attributes { v: number? }\ndepartment D when v > 1 or has(v) { process P }");
  EXPECT_EQ(optional_warnings(c), 1);
}

TEST(Binder, NumbersWidenAndDivisionGivesANumber) {
  auto b = bind("attributes { n: int = 0 }\ndefine x = n / 2\ndefine y = n + 1.5\ndefine z = n * 2");
  ASSERT_FALSE(b->diags.has_errors());
  const auto& d = b->rs().defines;
  EXPECT_EQ(d[0].value->type.kind, TypeKind::Number);
  EXPECT_EQ(d[1].value->type.kind, TypeKind::Number);
  EXPECT_EQ(d[1].value->child(0).kind, BoundExprKind::Widen);
  EXPECT_EQ(d[2].value->type.kind, TypeKind::Int);
}

TEST(Binder, PercentagesBecomeSharesOfTheSla) {
  auto b = bind("skills { s }\ntargets t { skill s > 1 for 10%  skill s > 0 for 25% of sla  skill s >= 0 }");
  ASSERT_FALSE(b->diags.has_errors());
  const auto& stages = b->rs().targets[0].stages;
  EXPECT_EQ(stages[0].duration->kind, BoundExprKind::ShareOfSla);
  EXPECT_DOUBLE_EQ(stages[0].duration->number_value, 10);
  EXPECT_DOUBLE_EQ(stages[1].duration->number_value, 25);
  EXPECT_EQ(stages[2].duration, nullptr);
}

TEST(Binder, CalendarsMergeHoursAndSplitPastMidnight) {
  auto b = bind("calendar c { mon..fri 08:00-12:00, 11:00-18:00  sun 22:00-02:00  closed 2026-12-24..2026-12-26 }");
  ASSERT_FALSE(b->diags.has_errors());
  const auto& cal = b->rs().calendars[0];
  ASSERT_EQ(cal.weekly[0].size(), 2u);  // mon: 00:00-02:00 (from sun) and 08:00-18:00
  EXPECT_EQ(cal.weekly[0][0], (std::pair<int, int>{0, 120}));
  EXPECT_EQ(cal.weekly[0][1], (std::pair<int, int>{480, 1080}));
  EXPECT_EQ(cal.weekly[6][0], (std::pair<int, int>{1320, 1440}));
  EXPECT_EQ(cal.closed_days.size(), 3u);
  EXPECT_EQ(cal.zone, "UTC");
}

TEST(Binder, TestsBindGivenValuesAndExpectations) {
  auto b = bind(R"(enum Segment { Gold }
attributes { segment: Segment = Gold  amount: number = 0 }
skills { s }
department D { process P }
test "t" {
  given { segment: Gold, amount: 3 }
  at 2026-11-23T09:00:00+01:00
  expect process D.P
  expect priority 5 at 1h
  expect not eligible { s: 3 } at 0h
})");
  ASSERT_FALSE(b->diags.has_errors()) << b->diags.all()[0].message;
  const auto& t = b->rs().tests.at(0);
  ASSERT_EQ(t.given.size(), 2u);
  EXPECT_EQ(t.given[1].second->type.kind, TypeKind::Number);  // 3 as a number
  EXPECT_EQ(t.expects[0].process, 0);
  EXPECT_EQ(t.expects[1].age->int_value, 3600000);
  EXPECT_TRUE(t.expects[2].negated);
  EXPECT_EQ(t.expects[2].skills[0].second, 3);
}

// Business days (`Nbd`, LANGUAGE.md 1.1 section 6): only where a calendar counts them.
std::vector<std::string> codes_of(const Bound& b) {
  std::vector<std::string> out;
  for (const auto& d : b.diags.all()) out.push_back(d.code);
  return out;
}

TEST(Binder, BusinessDaysInSlaClausesAndCells) {
  auto b = bind(R"(calendar office { mon..fri 08:00-18:00 }
attributes { kind: string = "" }
department D {
  sla 72h in office
  process A when kind == "a" { sla 5bd }
  process B when kind == "b" { sla 3bd in always }
  table {
    kind | sla
    "c"  | 2bd in office
    "d"  | 4bd
    "e"  | 1d in always
  }
  process F when kind == "f" { sla (if kind == "g" then 2bd else 3bd) }
}
default process Other { sla 1bd in office })");
  ASSERT_FALSE(b->diags.has_errors()) << b->diags.all()[0].message;
  const auto& rs = b->rs();
  auto check = [&](std::size_t i, TypeKind kind, const std::string& calendar) {
    const auto e = rs.effective(rs.processes[i]);
    ASSERT_NE(e.sla, nullptr) << i;
    EXPECT_EQ(e.sla->type.kind, kind) << rs.processes[i].name;
    ASSERT_GE(e.sla_calendar, 0) << i;
    EXPECT_EQ(rs.calendars[static_cast<std::size_t>(e.sla_calendar)].name, calendar) << rs.processes[i].name;
  };
  check(0, TypeKind::BusinessDays, "office");  // keeps the department's calendar
  EXPECT_EQ(rs.effective(rs.processes[0]).sla->int_value, 5);
  EXPECT_EQ(bound_expr_text(rs, rs.effective(rs.processes[0]).sla), "5bd");  // --emit=bound
  check(1, TypeKind::BusinessDays, "always");
  check(2, TypeKind::BusinessDays, "office");
  check(3, TypeKind::BusinessDays, "office");  // a cell without `in`: the department's calendar
  check(4, TypeKind::Duration, "always");
  check(5, TypeKind::BusinessDays, "office");
  check(6, TypeKind::BusinessDays, "office");
}

TEST(Binder, BusinessDaysWithoutACalendarAreE0518) {
  for (const char* text : {
           "department D { sla 5bd }",
           "department D { sla 72h  process P { sla 5bd } }",
           "default process O { sla 2bd }",
           "department D { table {\n  source | sla\n  \"x\" | 2bd\n} }",
           "default process O { expire after 1bd }",
           "default process O { offer timeout 1bd }",
           "priority p { start 1 every 2bd add 1 }",
           "priority p { start 1 boost 5 when age >= 2bd }",
           "skills { s }\ntargets t { skill s > 0 for 1bd }",
           "calendar c { mon 08:00-18:00 }\ndefine x = add_business(c, now, 1h) < now + 2bd",
       }) {
    auto b = bind(text);
    const auto codes = codes_of(*b);
    EXPECT_TRUE(std::count(codes.begin(), codes.end(), "E0518") == 1) << text;
    EXPECT_TRUE(std::all_of(codes.begin(), codes.end(), [](const std::string& c) { return c == "E0518" || c[0] != 'E'; }))
        << text;
  }
}

TEST(Binder, AddBusinessTakesBusinessDays) {
  auto b = bind(R"(calendar office { mon..fri 08:00-18:00 }
attributes { t: time }
define due_soon = add_business(office, t, 2bd) < now
define later = add_business(office, t, 2h) < now
default process O { sla 1h  media if due_soon or later then "a" else "b" })");
  ASSERT_FALSE(b->diags.has_errors()) << b->diags.all()[0].message;
  const auto& call = b->rs().defines[0].value->child(0);
  ASSERT_EQ(call.kind, BoundExprKind::Call);
  EXPECT_EQ(call.child(2).type.kind, TypeKind::BusinessDays);
  EXPECT_EQ(call.type.kind, TypeKind::Time);
  // Not as the instant, nor in another function.
  for (const char* text : {"calendar c { mon 08:00-18:00 }\ndefine x = add_business(c, 2bd, 1h) < now",
                           "calendar c { mon 08:00-18:00 }\ndefine x = business_time(c, now, now) < 2bd"}) {
    auto bad = bind(text);
    const auto codes = codes_of(*bad);
    EXPECT_TRUE(std::count(codes.begin(), codes.end(), "E0518") == 1) << text;
  }
}

TEST(Binder, CalendarOnlyInSlaCells) {
  auto b = bind("calendar c { mon 08:00-18:00 }\npriority p { start 1 }\ndepartment D { table {\n  source | priority\n  \"x\" | p in c\n} }");
  const auto codes = codes_of(*b);
  EXPECT_TRUE(std::count(codes.begin(), codes.end(), "E0511") == 1);
}

TEST(Binder, DaysOfOpenTimeWarnW0622) {
  auto b = bind(R"(calendar office { mon..fri 08:00-18:00 }
department D {
  sla 5d in office
  process A { sla 1w }
  process B { sla 120h }
  process C { sla 5bd }
  process E { sla 3d in always }
}
default process O { sla 2d })");
  std::vector<const Diagnostic*> w;
  for (const auto& d : b->diags.all())
    if (d.code == "W0622") w.push_back(&d);
  ASSERT_EQ(w.size(), 2u);
  EXPECT_EQ(w[0]->message, "`5d in office` is 120 open hours: about 12 open days of office's 10-hour days");
  ASSERT_EQ(w[0]->fixits.size(), 2u);
  EXPECT_EQ(w[0]->fixits[0].replacement, "5bd");
  EXPECT_EQ(w[0]->fixits[1].replacement, "120h");
  EXPECT_EQ(w[1]->message,
            "`1w` (in office, the department's calendar) is 168 open hours: about 17 open days of office's 10-hour days");
  EXPECT_EQ(w[1]->fixits[0].replacement, "5bd");  // a week of office's open days
}

}  // namespace
}  // namespace iwd::compiler
