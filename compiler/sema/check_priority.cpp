// check_semantics, priorities: `start`/`every` with a `curve` (E0505), a `min` above a `max`
// (E0506: in a scheme, a process, a department, a table row, and as the process's bounds
// combine with its scheme's), curve points out of order (E0507) and `every` periods that
// are not positive (E0508). Only constants are judged.
#include <fmt/format.h>

#include <set>
#include <utility>

#include "compiler/sema/check_internal.h"

namespace iwd::compiler::checks {
namespace {

std::string scheme_text(const BoundPriority& s) {
  if (!s.is_inline) return fmt::format("priority scheme `{}`", s.name);
  return fmt::format("the priority scheme of `{}`", s.name.substr(0, s.name.rfind('/')));
}

// ---- E0505 ----------------------------------------------------------------------------
void check_start_and_curve(const BoundPriority& s, DiagnosticBag& diags) {
  if (s.curve.empty() || (!s.start && s.every.empty())) return;
  const std::string what = s.start && !s.every.empty() ? "`start` and `every`" : s.start ? "`start`" : "`every`";
  auto& d = diags.report("E0505", s.start ? s.start->range : s.every.front().range,
                         fmt::format("{} has a `curve` as well as {}; a curve gives the priority at every age by itself",
                                     scheme_text(s), what));
  d.labels.push_back({s.curve.front().range, "the curve starts here"});
  d.notes.push_back(fmt::format("remove {}, or remove the `curve`", what));
}

// ---- E0507 ----------------------------------------------------------------------------
// A curve point's age as far as it is known: a duration, a share of the SLA, or zero (which
// is both: 0h is 0% of any SLA).
struct Age {
  enum Kind { Unknown, Zero, Duration, Share } kind = Unknown;
  double value = 0;  // ms or percent
  std::string text;
};
Age age_of(const BoundExpr* e) {
  if (auto ms = constant_duration(e)) {
    if (*ms == 0) return {Age::Zero, 0, stdlib::format_duration(stdlib::Duration{0})};
    return {Age::Duration, static_cast<double>(*ms), stdlib::format_duration(stdlib::Duration{*ms})};
  }
  if (auto pct = constant_share(e)) {
    if (*pct == 0) return {Age::Zero, 0, share_text(0)};
    return {Age::Share, *pct, share_text(*pct)};
  }
  return {};
}

void check_curve(const BoundPriority& s, DiagnosticBag& diags) {
  std::vector<Age> ages;
  for (const auto& p : s.curve) ages.push_back(age_of(p.at.get()));
  // Durations and shares compare only once the SLA is known.
  std::size_t first_duration = ages.size(), first_share = ages.size();
  for (std::size_t i = 0; i < ages.size(); ++i) {
    if (ages[i].kind == Age::Duration && first_duration == ages.size()) first_duration = i;
    if (ages[i].kind == Age::Share && first_share == ages.size()) first_share = i;
  }
  if (first_duration < ages.size() && first_share < ages.size()) {
    const std::size_t second = std::max(first_duration, first_share), first = std::min(first_duration, first_share);
    auto& d = diags.report(
        "E0507", s.curve[second].at->range,
        fmt::format("this curve gives ages both as durations ({}) and as shares of the SLA ({}), so the order of its "
                    "points depends on each item's SLA",
                    ages[first_duration].text, ages[first_share].text));
    d.labels.push_back({s.curve[first].at->range, fmt::format("{} is {}", ages[first].text,
                                                              ages[first].kind == Age::Duration ? "a duration"
                                                                                                : "a share of the SLA")});
    d.notes.push_back("write every age as a duration, or every age as a share of the SLA (0h fits either)");
    return;
  }
  std::size_t prev = ages.size(), run_start = 0;
  int run = 0;
  for (std::size_t i = 0; i < ages.size(); ++i) {
    if (ages[i].kind == Age::Unknown) continue;
    if (prev < ages.size() && ages[i].value < ages[prev].value) {
      auto& d = diags.report("E0507", s.curve[i].at->range,
                             fmt::format("the curve point at {} comes after the point at {}; curve points go in order "
                                         "of age",
                                         ages[i].text, ages[prev].text));
      d.labels.push_back({s.curve[prev].at->range, fmt::format("{} is given here", ages[prev].text)});
      d.notes.push_back("order the points from the youngest age to the oldest; two points at the same age make a step");
    } else if (prev < ages.size() && ages[i].value == ages[prev].value) {
      if (++run == 3) {
        auto& d = diags.report("E0507", s.curve[i].at->range,
                               fmt::format("a third curve point at {}; at most two points may share an age (they "
                                           "make a step from the first value to the second)",
                                           ages[i].text));
        d.labels.push_back({s.curve[run_start].at->range, fmt::format("the step at {} starts here", ages[i].text)});
      }
      prev = i;
      continue;
    }
    prev = i;
    run_start = i;
    run = 1;
  }
}

// ---- E0508 ----------------------------------------------------------------------------
void check_periods(const BoundPriority& s, DiagnosticBag& diags) {
  for (const auto& e : s.every) {
    std::string text;
    bool negative = false;
    if (auto ms = constant_duration(e.period.get()); ms && *ms <= 0) text = stdlib::format_duration(stdlib::Duration{*ms}), negative = *ms < 0;
    else if (auto pct = constant_share(e.period.get()); pct && *pct <= 0) text = share_text(*pct);
    else continue;
    auto& d = diags.report("E0508", e.period->range,
                           fmt::format("the period of `every` is {}; it must be longer than zero", text));
    d.notes.push_back(negative ? "to lower the priority with age, keep the period positive and add a negative amount, "
                                 "like `every 1h add -10`"
                               : "with a period of zero the amount would be added over and over at one age; write "
                                 "a period like `every 15m add 10`");
  }
}

// ---- E0506 ----------------------------------------------------------------------------
struct Bound {
  const BoundExpr* expr = nullptr;
  double value = 0;
  std::string owner;  // "process `Sales.Gold`", "priority scheme `gold`"
  int rank = 0;       // who sets it: 0 scheme, 1 department, 2 process
};

void report_own(const BoundExpr* min, const BoundExpr* max, const std::string& owner, DiagnosticBag& diags) {
  auto lo = constant_number(min), hi = constant_number(max);
  if (!lo || !hi || *lo <= *hi) return;
  auto& d = diags.report("E0506", min->range,
                         fmt::format("`min {}` is above `max {}` for {}", stdlib::format_number(*lo), stdlib::format_number(*hi), owner));
  d.labels.push_back({max->range, fmt::format("`max {}` is set here", stdlib::format_number(*hi))});
  d.notes.push_back("the priority is kept between `min` and `max`, and no value is both; swap the two values or "
                    "correct one of them");
}

void check_effective_bounds(const BoundRuleset& rs, const BoundProcess& p,
                            std::set<std::pair<const BoundExpr*, const BoundExpr*>>& seen, DiagnosticBag& diags) {
  const EffectiveClauses e = rs.effective(p);
  const BoundPriority* scheme = e.priority >= 0 ? &rs.priorities[static_cast<std::size_t>(e.priority)] : nullptr;
  const BoundDepartment* dep = p.department >= 0 ? &rs.departments[static_cast<std::size_t>(p.department)] : nullptr;
  auto bound = [&](const BoundExpr* own, const BoundExpr* from_scheme) -> std::optional<Bound> {
    const BoundExpr* x = own ? own : from_scheme;
    auto v = constant_number(x);
    if (!v) return std::nullopt;
    if (!own) return Bound{x, *v, scheme_text(*scheme), 0};
    if (dep && (dep->clauses.priority_min.get() == x || dep->clauses.priority_max.get() == x))
      return Bound{x, *v, fmt::format("department `{}`", dep->name), 1};
    return Bound{x, *v, fmt::format("process `{}`", p.name), 2};
  };
  auto lo = bound(e.priority_min, scheme ? scheme->min.get() : nullptr);
  auto hi = bound(e.priority_max, scheme ? scheme->max.get() : nullptr);
  if (!lo || !hi || lo->value <= hi->value || lo->owner == hi->owner) return;  // same owner: reported as its own
  if (!seen.insert({lo->expr, hi->expr}).second) return;
  const bool min_first = lo->rank >= hi->rank;
  const Bound& mine = min_first ? *lo : *hi;
  const Bound& other = min_first ? *hi : *lo;
  const char* mine_kw = min_first ? "min" : "max";
  const char* other_kw = min_first ? "max" : "min";
  auto& d = diags.report("E0506", mine.expr->range,
                         fmt::format("{} sets `{} {}`, {} the `{} {}` of {}", mine.owner, mine_kw, stdlib::format_number(mine.value),
                                     min_first ? "above" : "below", other_kw, stdlib::format_number(other.value), other.owner));
  d.labels.push_back({other.expr->range, fmt::format("`{} {}` is set here", other_kw, stdlib::format_number(other.value))});
  d.notes.push_back(fmt::format("{} gives only `{}`; `{}` still comes from {}, so the priority would have to be at "
                                "least {} and at most {}",
                                mine.owner, mine_kw, other_kw, other.owner, stdlib::format_number(lo->value),
                                stdlib::format_number(hi->value)));
}

}  // namespace

void check_priorities(const BoundRuleset& rs, DiagnosticBag& diags) {
  for (const auto& s : rs.priorities) {
    check_start_and_curve(s, diags);
    check_curve(s, diags);
    check_periods(s, diags);
    report_own(s.min.get(), s.max.get(), scheme_text(s), diags);
  }
  for (const auto& dep : rs.departments)
    report_own(dep.clauses.priority_min.get(), dep.clauses.priority_max.get(), fmt::format("department `{}`", dep.name),
               diags);
  for (const auto& p : rs.processes)
    report_own(p.clauses.priority_min.get(), p.clauses.priority_max.get(), fmt::format("process `{}`", p.name), diags);
  std::set<std::pair<const BoundExpr*, const BoundExpr*>> seen;
  for (const auto& p : rs.processes) check_effective_bounds(rs, p, seen, diags);
}

}  // namespace iwd::compiler::checks
