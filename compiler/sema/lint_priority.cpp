// Priority lints, judged per process (its scheme with the bounds, SLA and `expire after` in
// force for it), only where constants decide:
//   W0606 max-unreachable: the highest value before clamping stays below `max`.
//   W0607 overdue-below-max: `overdue` is below what an item that is not yet due can reach.
//   W0608 boost-beyond-life: a boost needs an age that no open item of any process using
//         the scheme reaches.
#include <fmt/format.h>

#include <cmath>
#include <cstdint>
#include <limits>
#include <tuple>

#include "compiler/sema/lint_ruleset_internal.h"

namespace iwd::compiler::lints {
namespace {

// The highest value a scheme gives before clamping, over every age an open item of one
// process can have (all ages, or up to its `expire after`).
struct Peak {
  bool unbounded = false;  // grows without limit: every max is reached
  double value = 0;
  std::string how;  // "start 100 + 260 from `every` + 50 from boosts"
};

std::optional<Peak> base_peak_of_curve(const BoundPriority& s, const ProcessFacts& p) {
  std::vector<std::pair<std::int64_t, double>> points;
  for (const auto& pt : s.curve) {
    auto x = const_duration(pt.at.get(), p.sla_ms);
    auto v = const_number(pt.value.get());
    if (!x || !v) return std::nullopt;
    if (!points.empty() && *x < points.back().first) return std::nullopt;  // E0507
    points.emplace_back(*x, *v);
  }
  double best = points.front().second;  // held before the first point
  for (std::size_t i = 0; i < points.size(); ++i) {
    const auto [x, v] = points[i];
    if (!p.expire_ms || x <= *p.expire_ms) best = std::max(best, v);
    if (p.expire_ms && i + 1 < points.size() && x < *p.expire_ms && *p.expire_ms < points[i + 1].first) {
      const auto [x2, v2] = points[i + 1];
      const double t = (static_cast<double>(*p.expire_ms) - static_cast<double>(x)) / (static_cast<double>(x2) - static_cast<double>(x));
      best = std::max(best, v + (v2 - v) * t);
    }
  }
  return Peak{false, best, fmt::format("the curve's highest point {}", stdlib::format_number(std::trunc(best)))};
}

std::optional<Peak> base_peak_of_steps(const BoundPriority& s, const ProcessFacts& p) {
  double start = 0;
  if (s.start) {
    auto v = const_number(s.start.get());
    if (!v) return std::nullopt;
    start = *v;
  }
  double steps = 0;
  for (const auto& e : s.every) {
    auto period = const_duration(e.period.get(), p.sla_ms);
    auto add = const_number(e.add.get());
    if (!period || *period <= 0 || !add) return std::nullopt;
    std::int64_t from = 0;
    std::optional<std::int64_t> until;
    if (e.from) {
      auto v = const_duration(e.from.get(), p.sla_ms);
      if (!v) return std::nullopt;
      from = *v;
    }
    if (e.until) {
      until = const_duration(e.until.get(), p.sla_ms);
      if (!until) return std::nullopt;
    }
    if (*add <= 0) continue;  // the highest value of a falling step is its start
    std::optional<std::int64_t> top = until;
    if (p.expire_ms) top = top ? std::min(*top, *p.expire_ms) : *p.expire_ms;
    if (!top) return Peak{true, 0, ""};
    if (*top >= from) {
      auto span = from == INT64_MIN ? std::nullopt : add_ms(*top, -from);
      if (!span) return std::nullopt;
      steps += *add * static_cast<double>(*span / *period);
    }
  }
  std::string how = fmt::format("start {}", stdlib::format_number(start));
  if (!s.every.empty()) how += fmt::format(" + {} from `every`", stdlib::format_number(steps));
  return Peak{false, start + steps, how};
}

std::optional<Peak> peak(const BoundPriority& s, const ProcessFacts& p) {
  std::optional<Peak> base;
  if (!s.curve.empty()) {
    if (s.start || !s.every.empty()) return std::nullopt;  // E0505
    base = base_peak_of_curve(s, p);
  } else {
    base = base_peak_of_steps(s, p);
  }
  if (!base || base->unbounded) return base;
  // Boosts: any number may hold at once, so each adds its amount unless its condition is
  // constant false or needs an age the item never reaches.
  double boosts = 0;
  for (const auto& b : s.boosts) {
    auto amount = const_number(b.amount.get());
    if (!amount) return std::nullopt;
    auto holds = const_bool(b.when.get());
    if (holds && !*holds) continue;
    if (auto floor = age_floor(b.when.get(), p.sla_ms); floor && beyond_life(*floor, p)) continue;
    boosts += holds ? *amount : std::max(0.0, *amount);
  }
  base->value = std::trunc(base->value + boosts);
  if (!s.boosts.empty()) base->how += fmt::format(" + {} from boosts", stdlib::format_number(boosts));
  else if (!s.curve.empty()) base->how = "the curve's highest point";
  return base;
}

const BoundExpr* max_of(const ProcessFacts& p, const BoundPriority& s) {
  return p.clauses.priority_max ? p.clauses.priority_max : s.max.get();
}
const BoundExpr* min_of(const ProcessFacts& p, const BoundPriority& s) {
  return p.clauses.priority_min ? p.clauses.priority_min : s.min.get();
}

// ---- W0606, W0607 ---------------------------------------------------------------------

struct Finding {
  std::vector<std::string> processes;
  std::string how;
  const BoundPriority* scheme = nullptr;
  const BoundExpr* max = nullptr;
};

// Findings grouped by what they say, in the order of the first process: processes that share
// a scheme and bounds get one diagnostic.
template <typename Key>
using Findings = std::vector<std::pair<Key, Finding>>;

template <typename Key>
Finding& group(Findings<Key>& all, const Key& key) {
  for (auto& [k, f] : all)
    if (k == key) return f;
  return all.emplace_back(key, Finding{}).second;
}

using MaxKey = std::tuple<const BoundExpr*, double, double, std::int64_t>;
using OverdueKey = std::tuple<const BoundExpr*, double, double, bool>;

void report_unreachable_max(const Findings<MaxKey>& found,
                            DiagnosticBag& diags) {
  for (const auto& [key, f] : found) {
    const auto& [max_expr, peak_value, max_value, expire] = key;
    const bool many = f.processes.size() > 1;
    const std::string life = expire >= 0 ? fmt::format(" ({} after {})", many ? "they expire" : "it expires",
                                                       stdlib::format_duration(stdlib::Duration{expire}))
                                         : "";
    auto& d = diags.report("W0606", max_expr->range,
                           fmt::format("{} {} at {}{} but {} max is {}", name_list(f.processes), many ? "peak" : "peaks",
                                       stdlib::format_number(peak_value), life, many ? "their" : "its", stdlib::format_number(max_value)));
    if (f.scheme->max.get() != max_expr && f.scheme->range.valid())
      d.labels.push_back({f.scheme->range, fmt::format("{} is declared here", scheme_text(*f.scheme))});
    d.notes.push_back(fmt::format("the highest value before clamping is {} = {}", stdlib::format_number(peak_value), f.how));
    d.notes.push_back(fmt::format("so this `max` never takes effect: lower it to {} or remove it, or let the priority "
                                  "climb higher",
                                  stdlib::format_number(peak_value)));
  }
}

void report_low_overdue(const Findings<OverdueKey>& found,
                        DiagnosticBag& diags) {
  for (const auto& [key, f] : found) {
    const auto& [overdue_expr, overdue_value, threshold, is_peak] = key;
    const bool many = f.processes.size() > 1;
    const std::string reach =
        is_peak ? fmt::format("the {} that {} {} before {} due", stdlib::format_number(threshold), name_list(f.processes),
                              many ? "reach" : "reaches", many ? "they are" : "it is")
                : fmt::format("the max of {} of {}", stdlib::format_number(threshold), name_list(f.processes));
    auto& d = diags.report("W0607", overdue_expr->range,
                           fmt::format("`overdue {}` is below {}: an overdue item would rank below one that is not "
                                       "yet due",
                                       stdlib::format_number(overdue_value), reach));
    if (!is_peak && f.max && f.max->range.valid() && f.max->range != overdue_expr->range)
      d.labels.push_back({f.max->range, fmt::format("the max of {} is set here", stdlib::format_number(threshold))});
    d.notes.push_back(fmt::format("from its due time on, an item's priority is the `overdue` value, which is not "
                                  "clamped; set `overdue` to at least {} so that overdue items go first",
                                  stdlib::format_number(threshold)));
  }
}

// ---- W0608 ----------------------------------------------------------------------------

void lint_boosts(const LintContext& ctx, const BoundPriority& s, const std::vector<std::size_t>& users,
                 DiagnosticBag& diags) {
  if (users.empty()) return;
  for (const auto& b : s.boosts) {
    std::vector<std::pair<const ProcessFacts*, AgeFloor>> all;
    for (auto i : users) {
      const ProcessFacts& p = ctx.processes[i];
      auto floor = age_floor(b.when.get(), p.sla_ms);
      if (!floor || !beyond_life(*floor, p)) {
        all.clear();
        break;
      }
      all.emplace_back(&p, *floor);
    }
    if (all.empty()) continue;
    auto need = [](const AgeFloor& f) {
      return fmt::format("{} {}", f.strict ? "an age above" : "an age of at least", stdlib::format_duration(stdlib::Duration{f.ms}));
    };
    bool same_need = true, same_life = true;
    std::vector<std::string> names;
    for (const auto& [p, f] : all) {
      same_need = same_need && f.ms == all.front().second.ms && f.strict == all.front().second.strict;
      same_life = same_life && *p->expire_ms == *all.front().first->expire_ms;
      names.push_back(p->process->name);
    }
    std::string message;
    if (same_need && same_life) {
      message = fmt::format("this boost needs {}, but {} {} after {}", need(all.front().second), name_list(names),
                            names.size() == 1 ? "expires" : "expire", stdlib::format_duration(stdlib::Duration{*all.front().first->expire_ms}));
    } else {
      std::string list;
      for (const auto& [p, f] : all)
        list += fmt::format("{}`{}` after {}", list.empty() ? "" : ", ", p->process->name, stdlib::format_duration(stdlib::Duration{*p->expire_ms})) +
                (same_need ? "" : fmt::format(" (the boost needs {})", stdlib::format_duration(stdlib::Duration{f.ms})));
      message = same_need ? fmt::format("this boost needs {}, but every process using {} expires sooner: {}",
                                        need(all.front().second), scheme_text(s), list)
                          : fmt::format("this boost needs an age that no item reaches: every process using {} expires "
                                        "sooner: {}",
                                        scheme_text(s), list);
    }
    const BoundExpr* where = all.front().second.comparison;
    auto& d = diags.report("W0608", where && where->range.valid() ? where->range : b.range, std::move(message));
    if (const BoundExpr* expire = all.front().first->expire_expr; expire && expire->range.valid())
      d.labels.push_back({expire->range, "items expire here"});
    d.notes.push_back("open items older than `expire after` end as expired, so this boost never applies; lower the "
                      "age it needs, or let items live longer");
  }
}

}  // namespace

void lint_priorities(const LintContext& ctx, DiagnosticBag& diags) {
  Findings<MaxKey> unreachable;
  Findings<OverdueKey> low_overdue;
  for (const auto& p : ctx.processes) {
    if (p.clauses.priority < 0) continue;
    const BoundPriority& s = ctx.rs.priorities[static_cast<std::size_t>(p.clauses.priority)];
    const BoundExpr* max_expr = max_of(p, s);
    const auto max_value = const_number(max_expr);
    if (!max_value) continue;
    const BoundExpr* min_expr = min_of(p, s);
    const auto min_value = const_number(min_expr);
    if (min_expr && (!min_value || *min_value >= *max_value)) continue;  // unknown, or E0506
    const auto top = peak(s, p);
    // W0606
    if (top && !top->unbounded && top->value < *max_value) {
      auto& f = group(unreachable, MaxKey{max_expr, top->value, *max_value, p.expire_ms.value_or(-1)});
      f.processes.push_back(p.process->name);
      f.how = top->how;
      f.scheme = &s;
      f.max = max_expr;
    }
    // W0607: compared with the highest value an item that is not yet due can have.
    const auto overdue = const_number(s.overdue.get());
    if (!overdue) continue;
    double threshold = *max_value;
    bool is_peak = false;
    if (top && !top->unbounded && top->value < *max_value) {
      threshold = min_value ? std::max(top->value, *min_value) : top->value;
      is_peak = threshold < *max_value;
    }
    if (*overdue < threshold) {
      auto& f = group(low_overdue, OverdueKey{s.overdue.get(), *overdue, threshold, is_peak});
      f.processes.push_back(p.process->name);
      f.scheme = &s;
      f.max = max_expr;
    }
  }
  report_unreachable_max(unreachable, diags);
  report_low_overdue(low_overdue, diags);
  for (std::size_t i = 0; i < ctx.rs.priorities.size(); ++i)
    lint_boosts(ctx, ctx.rs.priorities[i], ctx.by_priority[i], diags);
}

}  // namespace iwd::compiler::lints
