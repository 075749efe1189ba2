// Explanations: the priority at an age, piece by piece, from the trace Interpreter::priority
// fills as it computes; and the next change.
#include <cmath>

#include "compiler/explain/explain_expr.h"

namespace iwd::compiler {
namespace {

std::string ms_text(double ms) { return stdlib::format_duration(stdlib::Duration{static_cast<std::int64_t>(ms)}); }

}  // namespace

ExplainedPriority explain_priority(const ExprExplainer& x, std::int32_t process, const EvalEnv& env,
                                   const runtime::abi::ItemClock& clock, std::int64_t age) {
  const ExplainRules& r = x.rules();
  const TimeInputs at = r.interp.inputs(process, clock, age);
  ExplainedPriority p;
  p.age = stdlib::format_duration(stdlib::Duration{age});
  // The value as `iwd eval` gets it (compiled when the JIT is on); the pieces from the same
  // formula run with a trace (the oracle test checks that they add up to this value).
  p.value = r.interp.priority(process, env, at);
  PriorityTrace t;
  r.interp.priority(process, env, at, nullptr, &t);

  const runtime::abi::NextChange next = r.interp.next_priority_change(process, env, at);
  if (!next.never) {
    p.changes = true;
    p.next_age = stdlib::format_duration(stdlib::Duration{next.age});
    p.next_at = instant_text(clock.start + next.age);
    p.next_value = r.interp.priority(process, env, r.interp.inputs(process, clock, next.age));
    p.next_exact = next.exact;
  }
  if (!t.scheme) return p;

  const BoundProcess& bp = r.rs.processes[static_cast<std::size_t>(process)];
  const ProgramProcess& pp = r.program.processes[static_cast<std::size_t>(process)];
  const EffectiveClauses e = r.rs.effective(bp);
  const BoundPriority& s = r.rs.priorities[static_cast<std::size_t>(e.priority)];
  const ProgramPriority& ps = r.program.priorities[static_cast<std::size_t>(pp.priority)];
  p.scheme = true;
  p.name = s.name;
  p.inline_scheme = s.is_inline;
  p.location = x.location(s.range);
  if (clock.due != runtime::abi::kNone) p.due = instant_text(clock.due);
  if (s.overdue) p.overdue_rule = x.explain(ps.overdue, *s.overdue, env, at);
  if (t.overdue) {
    p.overdue = true;
    p.overdue_by = stdlib::format_duration(stdlib::Duration{at.overdue_by});
    return p;
  }
  const TimeInputs& in = t.inputs;  // what the scheme's functions saw
  if (s.age_calendar >= 0) {
    p.age_calendar = r.program.calendar_names[static_cast<std::size_t>(s.age_calendar)];
    p.scheme_age = stdlib::format_duration(stdlib::Duration{in.age});
  }
  if (s.start) p.start = x.explain(ps.start, *s.start, env, in);
  for (std::size_t k = 0; k < t.every.size(); ++k) {
    const auto& te = t.every[k];
    ExplainedEvery ev;
    ev.text = x.source_text(s.every[k].range);
    ev.location = x.location(s.every[k].range);
    ev.period = ms_text(te.period);
    if (std::isfinite(te.from)) ev.from = ms_text(te.from);  // empty: absent, the clause never starts
    if (std::isfinite(te.until)) ev.until = ms_text(te.until);
    ev.add = te.add;
    ev.started = te.started;
    ev.steps = static_cast<std::int64_t>(te.steps);
    ev.amount = te.amount;
    p.every.push_back(std::move(ev));
  }
  if (!t.curve.empty()) {
    ExplainedPriority::Curve c;
    c.location = x.location(s.curve.front().range);
    for (const auto& [ms, v] : t.curve) c.points.emplace_back(ms_text(ms), v);
    c.segment = t.curve_segment;
    if (c.segment >= 0 && static_cast<std::size_t>(c.segment) + 1 < t.curve.size()) {
      const auto i = static_cast<std::size_t>(c.segment);
      c.offset = ms_text(static_cast<double>(in.age) - t.curve[i].first);
      c.span = ms_text(t.curve[i + 1].first - t.curve[i].first);
    }
    p.curve = std::move(c);
  }
  p.base = t.base;
  for (std::size_t k = 0; k < t.boosts.size(); ++k) {
    ExplainedBoost b;
    b.text = x.source_text(s.boosts[k].range);
    b.location = x.location(s.boosts[k].range);
    b.amount = t.boosts[k].amount;
    b.holds = t.boosts[k].holds;
    b.when = x.explain(ps.boosts[k].when, *s.boosts[k].when, env, in);
    p.boosts.push_back(std::move(b));
  }
  p.raw = t.raw;
  double v = t.raw;
  if (t.has_min) {
    p.min.expr = x.explain(ps.min, e.priority_min ? *e.priority_min : *s.min, env, in);
    p.min.value = t.min;
    p.min.applied = v < t.min;
    v = std::max(v, t.min);
  }
  if (t.has_max) {
    p.max.expr = x.explain(ps.max, e.priority_max ? *e.priority_max : *s.max, env, in);
    p.max.value = t.max;
    p.max.applied = v > t.max;
  }
  return p;
}

}  // namespace iwd::compiler
