// Explanations: a supervisor's priority override on top of the rules' priority, as the runtime
// applies it (runtime/runtime_override.cpp: a fixed value replaces the rules' priority, a boost
// is added to it; it is over once its `until` has come); and the priority over the item's life.
#include <algorithm>

#include "compiler/explain/explain_expr.h"

namespace iwd::compiler {
namespace {

namespace abi = runtime::abi;
using runtime::PriorityOverride;

bool in_force(const PriorityOverride& o, std::int64_t at) { return o.until == abi::kNone || at < o.until; }

std::int64_t overridden(const PriorityOverride& o, std::int64_t rules_value) {
  return o.kind == PriorityOverride::Kind::Fixed ? o.value : rules_value + o.value;
}

// The rules' priority at an age: the table's (the runtime's figure) when given with a record.
std::int64_t rules_priority(const ExplainRules& r, const ExplainRequest& q, std::int32_t process, const EvalEnv& item,
                            const abi::ItemClock& clock, std::int64_t age) {
  if (r.table && q.record) return r.table->priority(r.table->ctx, process, q.record, &clock, age);
  return r.interp.priority(process, item, r.interp.inputs(process, clock, age));
}

abi::NextChange rules_next(const ExplainRules& r, const ExplainRequest& q, std::int32_t process, const EvalEnv& item,
                           const abi::ItemClock& clock, std::int64_t age) {
  abi::NextChange next;
  if (r.table && q.record) r.table->next_change(r.table->ctx, process, q.record, &clock, age, &next);
  else next = r.interp.next_priority_change(process, item, r.interp.inputs(process, clock, age));
  return next;
}

}  // namespace

void explain_override(const ExplainRules& r, const ExplainRequest& q, std::int32_t process, const EvalEnv& item,
                      const abi::ItemClock& clock, ExplainedPriority& p) {
  if (!q.override) return;
  const PriorityOverride& o = *q.override;
  ExplainedOverride x;
  x.fixed = o.kind == PriorityOverride::Kind::Fixed;
  x.amount = o.value;
  if (o.until != abi::kNone) x.until = instant_text(o.until);
  x.until_handled = o.until_handled;
  x.rules_value = p.value;
  x.in_force = in_force(o, clock.start + q.age);
  if (x.in_force) {
    p.value = overridden(o, p.value);
    // The next change: the rules' (moved by a boost; hidden by a fixed value), or the end of
    // the override when that comes first.
    const std::int64_t end_age = o.until == abi::kNone ? abi::kNone : o.until - clock.start;
    const abi::NextChange next = rules_next(r, q, process, item, clock, q.age);
    const bool rules_first = !x.fixed && !next.never && (end_age == abi::kNone || next.age < end_age);
    if (rules_first) {
      p.next_value = overridden(o, p.next_value);
    } else if (end_age != abi::kNone) {
      p.changes = true;
      p.next_age = stdlib::format_duration(stdlib::Duration{end_age});
      p.next_at = x.until;
      p.next_value = rules_priority(r, q, process, item, clock, end_age);
      p.next_exact = true;
    } else {
      p.changes = false;  // a fixed value until the item is handled (or for ever): no change by time
    }
  }
  p.override = std::move(x);
}

PriorityCurve priority_curve(const ExplainRules& r, const EvalEnv& item, const ExplainRequest& q, std::int32_t points) {
  PriorityCurve c;
  Explanation unused;
  const Classification walked = r.interp.classify(item, stdlib::Instant{q.at});
  const Classification k = table_classification(r, q, item, walked, unused);
  if (k.process < 0) return c;
  const abi::ItemClock clock = table_clock(r, q, k.process, item, unused);
  c.classified = true;
  c.start = clock.start;
  c.due = clock.due;
  const std::int64_t due_age = clock.due == abi::kNone ? abi::kNone : clock.due - clock.start;
  const std::int64_t end = due_age != abi::kNone && due_age > q.age
                               ? due_age
                               : q.age + std::max<std::int64_t>(q.age / 4, stdlib::kMsPerHour);
  std::vector<std::int64_t> ages;
  const std::int32_t n = std::clamp(points, 2, kMaxCurvePoints);
  for (std::int32_t i = 0; i < n; ++i) ages.push_back(end / (n - 1) * i + end % (n - 1) * i / (n - 1));
  ages.push_back(q.age);
  if (due_age != abi::kNone && due_age >= 0 && due_age <= end) ages.push_back(due_age);
  std::sort(ages.begin(), ages.end());
  ages.erase(std::unique(ages.begin(), ages.end()), ages.end());
  for (const std::int64_t age : ages) {
    CurvePoint pt;
    pt.age = age;
    pt.rules_value = pt.value = rules_priority(r, q, k.process, item, clock, age);
    // The override is known from now on (its start is not part of the item): the ages before
    // the one asked show the rules' priority.
    if (q.override && age >= q.age && in_force(*q.override, clock.start + age)) {
      pt.value = overridden(*q.override, pt.rules_value);
      pt.overridden = true;
    }
    c.points.push_back(pt);
  }
  return c;
}

}  // namespace iwd::compiler
