// Explanations (compiler/explain) and the interpreter's traces behind them: conditions as
// written with the values of their parts, table rows written out from their cells, the
// `--process` verdicts, calendar days, priority pieces and stage openings. The agreement with
// the interpreter on random items is tests/unit/jit/explain_oracle_test.cpp.
#include <gtest/gtest.h>

#include <deque>
#include <sstream>

#include "compiler/driver/compilation.h"
#include "compiler/explain/explain.h"
#include "compiler/interp/record_env.h"
#include "compiler/lower/schema_of.h"
#include "runtime/agent.h"
#include "runtime/item_json.h"

namespace iwd::compiler {
namespace {

constexpr std::int64_t kAt = 1795424400000;  // 2026-11-23T08:00:00Z, a monday
constexpr std::int64_t kHour = 3'600'000;

struct Loaded {
  SourceManager sm;
  DiagnosticBag diags;
  std::unique_ptr<Compilation> comp;
  NodeRegisters registers;
  std::unique_ptr<Program> program;
  runtime::Schema schema;
  runtime::StringPool pool;
  std::unique_ptr<Interpreter> interp;
  std::vector<runtime::ItemRecord> items;  // kept alive for the environments
  std::deque<std::vector<runtime::abi::Agent>> agents;  // likewise
};

std::unique_ptr<Loaded> load(const std::string& text) {
  auto l = std::make_unique<Loaded>();
  l->comp = std::make_unique<Compilation>(l->sm, l->diags);
  l->comp->load_root_text("t.iwd", text);
  l->comp->check();
  EXPECT_FALSE(l->diags.has_errors());
  l->program = lower_program(*l->comp->bound(), &l->registers);
  l->schema = schema_of(*l->comp->bound());
  for (auto& a : l->schema.attributes) a.required = false;  // as iwd explain decodes
  l->interp = std::make_unique<Interpreter>(*l->program);
  return l;
}

Explanation explain_json(Loaded& l, const std::string& item, std::int64_t age = 0, const std::string& process = "",
                         const std::vector<runtime::Agent>& agents = {}) {
  runtime::DecodeOptions opts;
  opts.captured_at = stdlib::Instant{kAt};
  opts.default_id = "eval";
  auto rec = runtime::decode_item(l.schema, l.pool, item, opts);
  EXPECT_TRUE(rec.ok()) << rec.error;
  l.items.push_back(std::move(rec.value));
  const runtime::ItemRecord& r = l.items.back();
  RecordEnv env(*l.program, l.pool, r, nullptr);
  std::vector<std::unique_ptr<RecordEnv>> envs;
  ExplainRequest q;
  q.at = kAt;
  q.age = age;
  q.process = process.empty() ? -1 : l.comp->bound()->find_process(process);
  l.agents.emplace_back();
  for (const auto& a : agents) l.agents.back().push_back(a.view());
  for (const auto& a : l.agents.back()) {
    envs.push_back(std::make_unique<RecordEnv>(*l.program, l.pool, r, &a));
    q.agents.push_back({envs.back().get()});
  }
  return explain({l.sm, *l.comp->bound(), *l.program, l.registers, *l.interp}, env, q);
}

TEST(Explain, ConditionsShowTheirTextTheirPartsAndWhatTheyRead) {
  auto l = load(R"(
attributes { tier: string  spend: number? }
define big = (spend ?? 0) >= 1000
department Shop when tier == "gold" or big {
  process Vip when big and not (tier == "gold")
  process Other
}
)");
  const Explanation x = explain_json(*l, R"({"tier": "silver", "spend": 1500})");
  ASSERT_EQ(x.classification.steps.size(), 2u);
  const auto& dep = x.classification.steps[0];
  EXPECT_EQ(dep.when.text, "tier == \"gold\" or big");
  EXPECT_EQ(dep.when.value, "true");
  EXPECT_EQ(dep.location, "t.iwd:4");
  ASSERT_EQ(dep.when.parts.size(), 2u);
  EXPECT_EQ(dep.when.parts[0].text, "tier == \"gold\"");
  EXPECT_EQ(dep.when.parts[0].value, "false");
  EXPECT_EQ(dep.when.parts[1].text, "big");
  EXPECT_EQ(dep.when.parts[1].value, "true");
  ASSERT_EQ(dep.when.parts[1].parts.size(), 1u);  // the define's body
  EXPECT_EQ(dep.when.parts[1].parts[0].text, "(spend ?? 0) >= 1000");
  ASSERT_EQ(dep.when.reads.size(), 2u);
  EXPECT_EQ(dep.when.reads[0].name, "tier");
  EXPECT_EQ(dep.when.reads[0].value, "\"silver\"");
  EXPECT_EQ(dep.when.reads[1].name, "spend");
  EXPECT_EQ(dep.when.reads[1].value, "1500");
  const auto& vip = x.classification.steps[1];
  EXPECT_EQ(vip.name, "Shop.Vip");
  EXPECT_TRUE(vip.holds);
  ASSERT_EQ(vip.when.parts.size(), 2u);
  EXPECT_EQ(vip.when.parts[1].text, "not (tier == \"gold\")");
  EXPECT_EQ(vip.when.parts[1].value, "true");
  EXPECT_EQ(x.classification.process, "Shop.Vip");

  // An absent value is `absent`, and three-valued logic shows in the parts.
  const Explanation y = explain_json(*l, R"({"tier": "silver"})");
  EXPECT_EQ(y.classification.steps[0].when.reads[1].value, "absent");
  EXPECT_EQ(y.classification.steps[0].when.value, "false");
}

TEST(Explain, TableRowsAreWrittenOutFromTheirCells) {
  auto l = load(R"(
enum Sev { Low, High, Critical }
attributes { sev: Sev = Low  amount: int = 0 }
department D {
  table first {
    sev            | amount   | process
    High, Critical | 10..100  | Big
    not Low        | -        | Any
  }
}
default process Rest {}
)");
  const Explanation x = explain_json(*l, R"({"sev": "Critical", "amount": 5})");
  ASSERT_EQ(x.classification.steps.size(), 3u);
  const auto& big = x.classification.steps[1];
  EXPECT_TRUE(big.table_row);
  EXPECT_EQ(big.when.text, "(sev == High or sev == Critical) and amount in 10..100");
  EXPECT_EQ(big.when.value, "false");
  ASSERT_EQ(big.when.parts.size(), 2u);
  EXPECT_EQ(big.when.parts[0].value, "true");
  EXPECT_EQ(big.when.parts[1].text, "amount in 10..100");
  EXPECT_EQ(big.when.parts[1].value, "false");
  EXPECT_EQ(x.classification.steps[2].when.text, "not (sev == Low)");
  EXPECT_EQ(x.classification.process, "D.Any");
}

TEST(Explain, WhyNotVerdicts) {
  auto l = load(R"(
attributes { a: int  b: int = 0 }
department First when a > 0 { process P when b > 0  process Q }
department Second when a > 1 { process R }
default process Z {}
)");
  auto verdict = [&](const std::string& item, const std::string& process) {
    const Explanation x = explain_json(*l, item, 0, process);
    EXPECT_TRUE(x.why_not.has_value());
    return x.why_not ? x.why_not->verdict : "";
  };
  EXPECT_EQ(verdict(R"({"a": 2})", "First.Q"), "the item goes to it");
  EXPECT_EQ(verdict(R"({"a": 2})", "First.P"), "its condition does not hold");
  EXPECT_EQ(verdict(R"({"a": 2, "b": 1})", "First.Q"), "process First.P comes before it in department First and takes the item");
  EXPECT_EQ(verdict(R"({"a": 2})", "Second.R"), "department First comes before department Second and takes the item");
  EXPECT_EQ(verdict(R"({"a": 0})", "Second.R"), "the condition of its department Second does not hold");
  EXPECT_EQ(verdict(R"({"a": 0})", "Z"), "the item goes to it: no department and process take it first");
  EXPECT_EQ(verdict(R"({"a": 2})", "Z"), "the default process takes only the items no process takes, and process First.Q takes this one");
  EXPECT_EQ(verdict(R"({})", "First.Q"), "the item is rejected before any condition is tried: it has no `a`");
  const Explanation x = explain_json(*l, R"({"b": 1})");
  EXPECT_TRUE(x.classification.rejected);
  EXPECT_EQ(x.classification.missing_required, "a");
  EXPECT_TRUE(x.classification.steps.empty());
}

TEST(Explain, CalendarDaysAndTheirReasons) {
  auto l = load(R"(
attributes { k: int = 0 }
calendar office {
  mon..fri 09:00-17:00
  closed 2026-11-25
  closed every 11-26
  2026-11-27 09:00-10:00
}
department D { sla 20h in office  process P }
)");
  // Captured monday 2026-11-23 at 08:00 UTC = 08:00 local (UTC calendar): 8h monday, 8h
  // tuesday, wednesday closed, thursday closed every year, 1h on friday's special hours,
  // nothing at the weekend, 3h monday.
  const Explanation x = explain_json(*l, R"({})");
  EXPECT_EQ(x.due.source, "sla");
  EXPECT_EQ(x.due.due, "2026-11-30T12:00:00Z");
  EXPECT_EQ(x.due.calendar, "office");
  EXPECT_EQ(x.due.zone, "UTC");
  ASSERT_EQ(x.due.days.size(), 8u);
  EXPECT_EQ(x.due.days[0].counted, (std::vector<std::pair<std::string, std::string>>{{"09:00", "17:00"}}));
  EXPECT_EQ(x.due.days[1].total, "16h");
  EXPECT_EQ(x.due.days[2].closed, "closed: `closed 2026-11-25`");
  EXPECT_EQ(x.due.days[3].closed, "closed: `closed every 11-26`");
  EXPECT_EQ(x.due.days[4].counted, (std::vector<std::pair<std::string, std::string>>{{"09:00", "10:00"}}));
  EXPECT_EQ(x.due.days[5].closed, "no open hours on sat");
  EXPECT_EQ(x.due.days[7].weekday, "mon");
  EXPECT_EQ(x.due.days[7].counted.back().second, "12:00");
  EXPECT_EQ(x.due.days[7].total, x.due.sla.value);

  const Explanation y = explain_json(*l, R"({"due_at": "2026-12-01T00:00:00Z"})");
  EXPECT_EQ(y.due.source, "due_at");
  EXPECT_EQ(y.due.due, "2026-12-01T00:00:00Z");
  EXPECT_TRUE(y.due.days.empty());
  const Explanation z = explain_json(*l, R"({"activate_at": "2026-11-24T16:00:00Z"})");
  EXPECT_EQ(z.due.start_from, "activate_at");
  EXPECT_EQ(z.due.days[0].counted, (std::vector<std::pair<std::string, std::string>>{{"16:00", "17:00"}}));
}

TEST(Explain, PriorityPiecesAndTheNextChange) {
  auto l = load(R"(
attributes { vip: bool = false }
priority p {
  start 100
  every 1h add 10 from 2h until 5h
  boost 50 when vip
  boost 7 when age >= 1d
  max 140
}
priority c {
  curve { 0h: 100, 10h: 200, 10h: 50 }
}
department D when not vip { sla 2d  priority p  process P }
department E { sla 2d  priority c  process Q }
)");
  const Explanation x = explain_json(*l, R"({})", 4 * kHour + 1800'000);
  const auto& p = x.priority;
  EXPECT_TRUE(p.scheme);
  EXPECT_EQ(p.start.value, "100");
  ASSERT_EQ(p.every.size(), 1u);
  EXPECT_TRUE(p.every[0].started);
  EXPECT_EQ(p.every[0].steps, 2);
  EXPECT_EQ(p.every[0].amount, 20);
  EXPECT_EQ(p.every[0].until, "5h");
  ASSERT_EQ(p.boosts.size(), 2u);
  EXPECT_FALSE(p.boosts[0].holds);
  EXPECT_EQ(p.boosts[0].amount, 50);  // shown even when it does not hold
  EXPECT_EQ(p.value, 120);
  EXPECT_EQ(p.next_age, "5h");
  EXPECT_EQ(p.next_value, 130);
  const Explanation y = explain_json(*l, R"({})", 30 * kHour);
  EXPECT_EQ(y.priority.every[0].steps, 3);  // until 5h
  EXPECT_TRUE(y.priority.boosts[1].holds);
  EXPECT_EQ(y.priority.raw, 137);
  EXPECT_EQ(y.priority.value, 137);  // 100 + 30 + 7 is under max 140: not clamped
  EXPECT_FALSE(y.priority.max.applied);
  const Explanation late = explain_json(*l, R"({})", 49 * kHour);  // past due, but the scheme has no `overdue`
  EXPECT_FALSE(late.priority.overdue);
  EXPECT_FALSE(late.priority.overdue_rule.given());
  EXPECT_EQ(late.priority.value, 137);

  const Explanation c = explain_json(*l, R"({"vip": true})", 5 * kHour);
  ASSERT_TRUE(c.priority.curve.has_value());
  EXPECT_EQ(c.priority.curve->segment, 0);
  EXPECT_EQ(c.priority.curve->offset, "5h");
  EXPECT_EQ(c.priority.curve->span, "10h");
  EXPECT_EQ(c.priority.value, 150);
  const Explanation after = explain_json(*l, R"({"vip": true})", 11 * kHour);
  EXPECT_EQ(after.priority.curve->segment, 2);  // after the last point
  EXPECT_EQ(after.priority.value, 50);
  EXPECT_FALSE(after.priority.changes);
}

TEST(Explain, StagesAndAgents) {
  auto l = load(R"(
attributes { k: int = 0 }
skills { s }
targets t {
  agent preferred_agent for 1h
  group "tier1" for 2h
  skill s > 5
}
department D { sla 1d  targets t  process P }
)");
  runtime::Agent member;
  member.skills.assign(1, -1);
  member.groups.push_back(l->pool.intern("tier1"));
  runtime::Agent expert;
  expert.skills.assign(1, 7);
  const Explanation x = explain_json(*l, R"({})", kHour, "", {member, expert});
  ASSERT_EQ(x.targets.stages.size(), 3u);
  EXPECT_TRUE(x.targets.stages[0].skipped);
  EXPECT_EQ(x.targets.stages[1].opens, "0s");
  EXPECT_TRUE(x.targets.stages[1].open);
  EXPECT_EQ(x.targets.stages[2].opens, "2h");
  EXPECT_FALSE(x.targets.stages[2].open);
  EXPECT_TRUE(x.agents[0].eligible);
  EXPECT_EQ(x.agents[0].stage, 1);
  EXPECT_EQ(x.agents[0].groups, std::vector<std::string>{"tier1"});
  EXPECT_FALSE(x.agents[1].eligible);
  EXPECT_EQ(x.agents[1].later_age, "2h");
  EXPECT_EQ(x.agents[1].later_stage, 2);
  EXPECT_EQ(x.agents[1].checks[2].expr.reads[0].value, "7");
  EXPECT_TRUE(x.agents[1].checks[2].takes);
  EXPECT_FALSE(x.agents[1].checks[2].open);

  std::ostringstream text;
  render_explanation_text(text, x);
  EXPECT_NE(text.str().find("eligible from age 2h through stage 3"), std::string::npos) << text.str();
  const std::string json = explanation_json(x);
  EXPECT_NE(json.find("\"eligible_from\": {\n        \"age\": \"2h\",\n        \"stage\": 3"), std::string::npos) << json;
}

}  // namespace
}  // namespace iwd::compiler
