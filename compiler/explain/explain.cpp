// Explanations: the item, its classification (each department and process tried), `--process`,
// and the sections of a classified item.
#include "compiler/explain/explain.h"

#include <fmt/format.h>

#include "compiler/explain/explain_expr.h"
#include "runtime/schema.h"

namespace iwd::compiler {
namespace {

bool is_true(const Value& v) { return v.present && v.i != 0; }

// A department's or a process's `when`, explained at the instant of classification.
ClassificationStep step_of(const ExprExplainer& x, bool department, std::int32_t index, const EvalEnv& env,
                           std::int64_t at) {
  const ExplainRules& r = x.rules();
  TimeInputs in;
  in.now = at;
  ClassificationStep step;
  step.department = department;
  const auto i = static_cast<std::size_t>(index);
  const BoundExpr* when = department ? r.rs.departments[i].when.get() : r.rs.processes[i].when.get();
  const FunctionRef f = department ? r.program.departments[i].when : r.program.processes[i].when;
  step.name = department ? r.rs.departments[i].name : r.rs.processes[i].name;
  step.location = x.location(department ? r.rs.departments[i].range : r.rs.processes[i].range);
  step.table_row = !department && r.rs.processes[i].table_row >= 0;
  step.holds = true;
  if (when) {
    step.when = x.explain(f, *when, env, in, step.table_row);
    step.holds = is_true(r.interp.run(f, env, in));
  }
  return step;
}

std::vector<NamedValue> item_values(const ExprExplainer& x, const EvalEnv& env) {
  std::vector<NamedValue> out;
  const Program& p = x.rules().program;
  for (std::uint32_t slot = 0; slot < p.attributes.size(); ++slot) {
    // Core attributes when the item has them; custom ones always (absent ones too).
    if (slot < runtime::kCoreSlotCount && !env.attribute(slot).present) continue;
    out.push_back({p.attributes[slot].name, x.attribute_value(slot, env)});
  }
  return out;
}

std::string why_not_verdict(const ExplainRules& r, const Explanation& e, std::int32_t q, const ClassifyTrace& trace,
                            std::int32_t taken) {
  const BoundProcess& bp = r.rs.processes[static_cast<std::size_t>(q)];
  const auto& c = e.classification;
  if (taken == q)
    return c.by_default ? "the item goes to it: no department and process take it first" : "the item goes to it";
  if (!c.missing_required.empty())
    return fmt::format("the item is rejected before any condition is tried: it has no `{}`", c.missing_required);
  if (q == r.program.default_process)
    return fmt::format("the default process takes only the items no process takes, and process {} takes this one", c.process);
  const WhyNot& w = *e.why_not;
  const auto& dep = r.rs.departments[static_cast<std::size_t>(bp.department)];
  std::int32_t first_department = -1;  // the department that took the item
  for (const auto& s : trace.steps)
    if (s.department && s.holds) {
      first_department = s.index;
      break;
    }
  if (!w.conditions.front().holds) return fmt::format("the condition of its department {} does not hold", dep.name);
  if (first_department != bp.department)
    return fmt::format("department {} comes before department {} and takes the item",
                       r.rs.departments[static_cast<std::size_t>(first_department)].name, dep.name);
  if (!w.conditions.back().holds) return "its condition does not hold";
  return fmt::format("process {} comes before it in department {} and takes the item", c.process, dep.name);
}

}  // namespace

Explanation explain(const ExplainRules& r, const EvalEnv& item, const ExplainRequest& q) {
  ExprExplainer x(r);
  Explanation e;
  e.ruleset = r.rs.name;
  e.version = r.rs.version;
  if (r.sm.size() > 0) e.file = r.sm.file(0).path;
  e.at = instant_text(q.at);
  e.age = stdlib::format_duration(stdlib::Duration{q.age});
  e.item = item_values(x, item);

  // The result is the interpreter's classify(), as `iwd eval` calls it; the steps are the
  // same walk, interpreted and recorded.
  ClassifyTrace trace;
  const Classification walked = r.interp.classify(item, stdlib::Instant{q.at}, &trace);
  const Classification c = table_classification(r, q, item, walked, e);
  auto& cl = e.classification;
  for (const auto& s : trace.steps) {
    cl.steps.push_back(step_of(x, s.department, s.index, item, q.at));
    cl.steps.back().holds = s.holds;
  }
  if (trace.missing_required >= 0)
    cl.missing_required = r.program.attributes[static_cast<std::size_t>(trace.missing_required)].name;
  if (c.process < 0) {
    cl.rejected = true;
    cl.rejection = c.reason;
  } else {
    const ProgramProcess& pp = r.program.processes[static_cast<std::size_t>(c.process)];
    cl.process = pp.name;
    if (pp.department >= 0) cl.department = r.program.departments[static_cast<std::size_t>(pp.department)].name;
    cl.location = x.location(r.rs.processes[static_cast<std::size_t>(c.process)].range);
    cl.by_default = c.process == r.program.default_process;
    cl.source_completes = pp.source_completes;
  }

  if (q.process >= 0) {
    WhyNot w;
    const BoundProcess& bp = r.rs.processes[static_cast<std::size_t>(q.process)];
    w.process = bp.name;
    if (bp.department >= 0) w.conditions.push_back(step_of(x, true, bp.department, item, q.at));
    w.conditions.push_back(step_of(x, false, q.process, item, q.at));
    e.why_not = std::move(w);
    e.why_not->verdict = why_not_verdict(r, e, q.process, trace, c.process);
  }
  if (c.process < 0) return e;

  const runtime::abi::ItemClock clock = table_clock(r, q, c.process, item, e);
  e.now = instant_text(clock.start + q.age);
  e.age_from = item.attribute(runtime::kSlotActivateAt).present ? "activate_at" : "captured_at";
  e.due = explain_due(x, c.process, item, q.at, clock);
  e.priority = explain_priority(x, c.process, item, clock, q.age);
  e.targets = explain_targets(x, c.process, item, clock, q.age);
  for (std::size_t k = 0; k < q.agents.size(); ++k) {
    e.agents.push_back(explain_agent(x, c.process, q.agents[k], clock, q.age));
    e.agents.back().index = k;
  }
  table_figures(r, q, c.process, clock, e);
  explain_override(r, q, c.process, item, clock, e.priority);
  return e;
}

}  // namespace iwd::compiler
