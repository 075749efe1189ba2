// Explanations as JSON, for tools (the fields are documented in docs/explain.md).
#include <nlohmann/json.hpp>

#include <cmath>

#include "compiler/explain/explain.h"

namespace iwd::compiler {
namespace {

using json = nlohmann::ordered_json;

json text_or_null(const std::string& s) { return s.empty() ? json(nullptr) : json(s); }

// A priority piece: a whole number as an integer (`40`, not `40.0`).
json num(double v) {
  if (std::isfinite(v) && v == std::trunc(v) && std::fabs(v) < 1e15) return static_cast<std::int64_t>(v);
  return v;
}

json values(const std::vector<NamedValue>& vs) {
  json o = json::object();
  for (const auto& v : vs) o[v.name] = v.value;
  return o;
}

json parts(const std::vector<ExplainedExpr>& ps) {
  json a = json::array();
  for (const auto& p : ps) a.push_back({{"text", p.text}, {"value", p.value}, {"parts", parts(p.parts)}});
  return a;
}

json expr(const ExplainedExpr& x) {
  if (!x.given()) return nullptr;
  return {{"text", x.text}, {"location", text_or_null(x.location)}, {"value", x.value}, {"reads", values(x.reads)},
          {"parts", parts(x.parts)}};
}

json step(const ClassificationStep& s) {
  return {{"kind", s.department ? "department" : "process"}, {"name", s.name}, {"location", text_or_null(s.location)},
          {"table_row", s.table_row}, {"holds", s.holds}, {"when", expr(s.when)}};
}

json classification(const ExplainedClassification& c) {
  json steps = json::array();
  for (const auto& s : c.steps) steps.push_back(step(s));
  json out = {{"result", c.rejected ? "rejected" : "process"},
              {"process", text_or_null(c.process)},
              {"department", text_or_null(c.department)},
              {"location", text_or_null(c.location)},
              {"by_default", c.by_default},
              {"rejection", text_or_null(c.rejection)},
              {"missing_required", text_or_null(c.missing_required)},
              {"steps", steps}};
  // Only when the process says so, so that explanations of other rules read as before.
  if (c.source_completes) out["source_completes"] = true;
  return out;
}

json due(const ExplainedDue& d) {
  json days = json::array();
  for (const auto& day : d.days) {
    json counted = json::array();
    for (const auto& [b, e] : day.counted) counted.push_back({{"from", b}, {"to", e}});
    days.push_back({{"date", day.date}, {"weekday", day.weekday}, {"counted", counted}, {"time", day.time},
                    {"total", day.total}, {"closed", text_or_null(day.closed)}});
  }
  json out = {{"source", d.source},       {"due", text_or_null(d.due)},         {"start", text_or_null(d.start)},
          {"start_from", text_or_null(d.start_from)}, {"sla", expr(d.sla)}, {"sla_inherited", d.sla_inherited}, {"calendar_from", text_or_null(d.calendar_from)}, {"open_time", text_or_null(d.open_time)},
          {"calendar", text_or_null(d.calendar)},     {"zone", text_or_null(d.zone)}, {"days", days},
          {"days_left_out", d.days_left_out}};
  // `sla Nbd in CAL` only, so that other explanations read as before.
  if (d.business_days > 0) {
    out["business_days"] = d.business_days;
    out["time_of_day"] = d.time_of_day;
  }
  return out;
}

json bound(const ExplainedBound& b) {
  if (!b.expr.given()) return nullptr;
  return {{"expr", expr(b.expr)}, {"value", num(b.value)}, {"applied", b.applied}};
}

json priority(const ExplainedPriority& p) {
  json o = {{"age", p.age}, {"value", p.value}, {"scheme", text_or_null(p.name)}, {"inline", p.inline_scheme},
            {"location", text_or_null(p.location)}};
  // Only with a supervisor's override, so that other explanations read as before.
  if (p.override) {
    const ExplainedOverride& x = *p.override;
    o["override"] = {{"kind", x.fixed ? "fixed" : "boost"}, {"value", x.amount}, {"until", text_or_null(x.until)},
                     {"until_handled", x.until_handled}, {"in_force", x.in_force}, {"rules_value", x.rules_value}};
  }
  o["age_calendar"] = text_or_null(p.age_calendar);
  o["scheme_age"] = text_or_null(p.scheme_age);
  o["overdue"] = p.overdue_rule.given() ? json{{"rule", expr(p.overdue_rule)}, {"in_force", p.overdue},
                                                {"due", text_or_null(p.due)}, {"overdue_by", text_or_null(p.overdue_by)}}
                                        : json(nullptr);
  o["start"] = expr(p.start);
  json every = json::array();
  for (const auto& e : p.every)
    every.push_back({{"text", e.text}, {"location", e.location}, {"period", e.period}, {"from", text_or_null(e.from)},
                     {"until", text_or_null(e.until)}, {"add", num(e.add)}, {"started", e.started}, {"steps", e.steps},
                     {"amount", num(e.amount)}});
  o["every"] = every;
  if (p.curve) {
    json points = json::array();
    for (const auto& [age, v] : p.curve->points) points.push_back({{"age", age}, {"value", num(v)}});
    o["curve"] = {{"location", p.curve->location}, {"points", points}, {"segment", p.curve->segment},
                  {"offset", text_or_null(p.curve->offset)}, {"span", text_or_null(p.curve->span)}};
  } else {
    o["curve"] = nullptr;
  }
  o["base"] = num(p.base);
  json boosts = json::array();
  for (const auto& b : p.boosts)
    boosts.push_back({{"text", b.text}, {"location", b.location}, {"amount", num(b.amount)}, {"holds", b.holds}, {"when", expr(b.when)}});
  o["boosts"] = boosts;
  o["sum"] = num(p.raw);
  o["min"] = bound(p.min);
  o["max"] = bound(p.max);
  o["next_change"] = p.changes ? json{{"age", p.next_age}, {"at", p.next_at}, {"value", p.next_value}, {"exact", p.next_exact}}
                               : json(nullptr);
  return o;
}

json targets(const ExplainedTargets& t) {
  if (!t.plan) return nullptr;
  json stages = json::array();
  for (std::size_t k = 0; k < t.stages.size(); ++k) {
    const auto& s = t.stages[k];
    stages.push_back({{"stage", k + 1}, {"kind", s.kind}, {"text", s.text}, {"location", text_or_null(s.location)},
                      {"value", expr(s.value)}, {"for", text_or_null(s.duration)}, {"opens", text_or_null(s.opens)},
                      {"opens_at", text_or_null(s.opens_at)}, {"skipped", s.skipped}, {"open", s.open}});
  }
  return {{"name", t.name}, {"inline", t.inline_plan}, {"location", text_or_null(t.location)}, {"stages", stages}};
}

json agent(const ExplainedAgent& a) {
  json skills = json::object();
  for (const auto& s : a.skills) skills[s.name] = std::stoll(s.value);
  json checks = json::array();
  for (const auto& c : a.checks)
    checks.push_back({{"stage", c.stage + 1}, {"open", c.open}, {"takes", c.takes}, {"expr", expr(c.expr)}});
  return {{"agent", a.index},
          {"id", text_or_null(a.id)},
          {"groups", a.groups},
          {"skills", skills},
          {"eligible", a.eligible},
          {"stage", a.stage >= 0 ? json(a.stage + 1) : json(nullptr)},
          {"checks", checks},
          {"eligible_from", a.later_age.empty() ? json(nullptr) : json{{"age", a.later_age}, {"stage", a.later_stage + 1}}}};
}

}  // namespace

std::string explanation_json(const Explanation& e) {
  json o;
  o["ruleset"] = {{"name", e.ruleset}, {"version", text_or_null(e.version)}, {"file", e.file}};
  o["at"] = e.at;
  o["age"] = e.age;
  o["now"] = text_or_null(e.now);
  o["age_from"] = text_or_null(e.age_from);
  o["item"] = values(e.item);
  o["classification"] = classification(e.classification);
  if (e.why_not) {
    json conditions = json::array();
    for (const auto& s : e.why_not->conditions) conditions.push_back(step(s));
    o["why_not"] = {{"process", e.why_not->process}, {"verdict", e.why_not->verdict}, {"conditions", conditions}};
  } else {
    o["why_not"] = nullptr;
  }
  const bool classified = !e.classification.rejected;
  o["due"] = classified ? due(e.due) : json(nullptr);
  o["priority"] = classified ? priority(e.priority) : json(nullptr);
  o["targets"] = classified ? targets(e.targets) : json(nullptr);
  json agents = json::array();
  for (const auto& a : e.agents) agents.push_back(agent(a));
  o["agents"] = agents;
  return o.dump(2) + "\n";
}

}  // namespace iwd::compiler
