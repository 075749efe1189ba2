// Explanations as text, for analysts (docs/explain.md shows the layout).
#include <fmt/format.h>

#include "compiler/explain/explain.h"
#include "compiler/explain/explain_expr.h"

namespace iwd::compiler {
namespace {

std::string join(const std::vector<NamedValue>& values, std::string_view sep = " = ") {
  std::string out;
  for (const auto& v : values) out += fmt::format("{}{}{}{}", out.empty() ? "" : ", ", v.name, sep, v.value);
  return out;
}

std::string at_location(const std::string& location) { return location.empty() ? "" : "  [" + location + "]"; }

// "scheme standard", or for a scheme written inside a department or process "the inline
// scheme of Sales.Gold" (the binder names it "Sales.Gold/priority").
std::string plan_name(const char* what, const std::string& name, bool is_inline) {
  if (!is_inline) return fmt::format("{} {}", what, name);
  return fmt::format("the inline {} of {}", what, name.substr(0, name.rfind('/')));
}

void parts(std::ostream& out, const std::vector<ExplainedExpr>& ps, int indent) {
  for (const auto& p : ps) {
    out << fmt::format("{:{}}{} -> {}\n", "", indent, p.text, p.value);
    parts(out, p.parts, indent + 2);
  }
}

// What an expression read, in parentheses; nothing when it only read itself (`preferred_agent`).
std::string reads(const ExplainedExpr& x) {
  if (x.reads.empty() || (x.reads.size() == 1 && x.reads[0].name == x.text)) return "";
  return "  (" + join(x.reads) + ")";
}

// `-> false (department = "Sales")`, then the parts, one level deeper each.
void outcome(std::ostream& out, const ExplainedExpr& x, int indent) {
  out << fmt::format("{:{}}-> {}{}\n", "", indent, x.value, reads(x));
  parts(out, x.parts, indent + 3);
}

void step(std::ostream& out, const ClassificationStep& s, int indent) {
  const std::string what = s.department ? "department " + s.name : (s.table_row ? "table row " : "process ") + s.name;
  if (!s.when.given()) {
    out << fmt::format("{:{}}{}{}\n{:{}}-> holds: it has no condition\n", "", indent, what, at_location(s.location), "",
                       indent + 2);
    return;
  }
  out << fmt::format("{:{}}{}: when {}{}\n", "", indent, what, s.when.text, at_location(s.location));
  outcome(out, s.when, indent + 2);
}

void classification(std::ostream& out, const Explanation& e) {
  const auto& c = e.classification;
  if (c.rejected) out << "Rejected: " << c.rejection << "\n";
  else out << fmt::format("Process: {}{}\n", c.process, at_location(c.location));
  if (c.source_completes) out << "  complete by source: only the source completes the item; an agent cannot mark it done\n";
  if (!c.missing_required.empty())
    out << fmt::format("  required attributes are checked first: `{}` has no default and the item has no value\n",
                       c.missing_required);
  for (const auto& s : c.steps) step(out, s, s.department ? 2 : 4);
  if (c.by_default) {
    std::string taken_by;  // the department that took the item, if one did
    for (const auto& s : c.steps)
      if (s.department && s.holds) taken_by = s.name;
    out << fmt::format("  default process {}: {}\n", c.process,
                       taken_by.empty() ? "no department takes the item"
                                        : "department " + taken_by + " takes the item but none of its processes does");
  }
  if (e.why_not) {
    out << fmt::format("\nProcess {}: {}\n", e.why_not->process, e.why_not->verdict);
    for (const auto& s : e.why_not->conditions) step(out, s, 2);
  }
}

void due(std::ostream& out, const ExplainedDue& d) {
  out << "\nDue: " << (d.due.empty() ? "none" : d.due) << "\n";
  if (d.source == "due_at") {
    out << "  the item's due_at, which wins over the process SLA\n";
    return;
  }
  if (d.source == "none") {
    out << "  the process has no sla and the item no due_at\n";
    return;
  }
  out << fmt::format("  sla {}{}{}{}{}\n", d.sla.text, d.calendar.empty() ? "" : " in " + d.calendar,
                     d.calendar_from == "department" ? " (the calendar of the department's sla)" : "",
                     d.sla_inherited ? " (the department's clause)" : "", at_location(d.sla.location));
  if (!reads(d.sla).empty()) out << "   " << reads(d.sla) << "\n";
  if (d.start.empty()) {
    out << "  the SLA is absent: no due instant\n";
    return;
  }
  if (d.calendar.empty()) {
    out << fmt::format("  {} ({}) + {} = {}\n", d.start, d.start_from, d.sla.value, d.due);
    return;
  }
  if (d.business_days > 0)
    out << fmt::format("  {} open day{} of calendar {} after {} ({}): due at {} local time on the last of them "
                       "(or its closing), {} of open time, local time in {}:\n",
                       d.business_days, d.business_days == 1 ? "" : "s", d.calendar, d.start, d.start_from, d.time_of_day,
                       d.open_time, d.zone);
  else
    out << fmt::format("  {} of open time in calendar {} from {} ({}), local time in {}:\n", d.open_time, d.calendar, d.start,
                       d.start_from, d.zone);
  for (std::size_t i = 0; i < d.days.size(); ++i) {
    const auto& day = d.days[i];
    if (day.counted.empty()) {
      out << fmt::format("    {} {}  {}\n", day.weekday, day.date, day.closed);
      continue;
    }
    std::string hours;
    for (const auto& [b, e] : day.counted) hours += fmt::format("{}{}-{}", hours.empty() ? "" : ", ", b, e);
    const bool last = i + 1 == d.days.size() && d.days_left_out == 0;
    out << fmt::format("    {} {}  {:<13} {:>6}  total {}{}\n", day.weekday, day.date, hours, day.time, day.total,
                       last ? ": the SLA runs out at " + day.counted.back().second : "");
  }
  if (d.days_left_out) out << fmt::format("    ... {} more days\n", d.days_left_out);
}

void term(std::ostream& out, const std::string& left, const std::string& right) {
  out << fmt::format("    {:<60} {}\n", left, right);
}

std::string signed_number(double v) { return (v >= 0 ? "+" : "") + stdlib::format_number(v); }

// The curve's points, then where the age falls and, on a sloped segment, the interpolation.
void curve(std::ostream& out, const ExplainedPriority::Curve& c, double value) {
  std::string points;
  for (const auto& [age, v] : c.points) points += fmt::format("{}{}: {}", points.empty() ? "" : ", ", age, stdlib::format_number(v));
  out << fmt::format("    curve {{ {} }}{}\n", points, at_location(c.location));
  auto point = [&](std::size_t i) { return fmt::format("{}: {}", c.points[i].first, stdlib::format_number(c.points[i].second)); };
  std::string where;
  if (c.segment < 0) {
    where = "before the first point " + point(0);
  } else if (static_cast<std::size_t>(c.segment) + 1 >= c.points.size()) {
    where = "after the last point " + point(c.points.size() - 1);
  } else {
    const auto i = static_cast<std::size_t>(c.segment);
    const double v0 = c.points[i].second, v1 = c.points[i + 1].second;
    where = fmt::format("from {} to {}: {} + ({} - {}) x {} / {}", point(i), point(i + 1), stdlib::format_number(v0),
                        stdlib::format_number(v1), stdlib::format_number(v0), c.offset, c.span);
  }
  term(out, "  " + where, stdlib::format_number(value));
}

// A supervisor's override: what it is, until when, and the priority it gives (or that it ended).
void override_line(std::ostream& out, const ExplainedOverride& x, std::int64_t value) {
  std::string what = x.fixed ? fmt::format("fixed {}", x.amount) : fmt::format("boost {}", signed_number(static_cast<double>(x.amount)));
  if (!x.until.empty()) what += " until " + x.until;
  if (x.until_handled) what += x.until.empty() ? " until an agent accepts the item" : " or until an agent accepts the item";
  if (!x.in_force) {
    out << fmt::format("  a supervisor's override ({}) is over: the rules' priority\n", what);
    return;
  }
  out << fmt::format("  a supervisor's override: {} (the rules give {})\n", what, x.rules_value);
  term(out, "priority with the override", std::to_string(value));
}

void priority(std::ostream& out, const ExplainedPriority& p) {
  out << fmt::format("\nPriority at age {}: {}\n", p.age, p.value);
  if (!p.scheme) {
    out << "  the process has no priority scheme: every item ranks alike at 0\n";
    if (p.override) override_line(out, *p.override, p.value);
    return;
  }
  out << fmt::format("  {}{}\n", plan_name("scheme", p.name, p.inline_scheme), at_location(p.location));
  if (p.overdue) {
    out << fmt::format("  overdue since {} (by {}): the `overdue` value, not clamped\n", p.due, p.overdue_by);
    term(out, "overdue " + p.overdue_rule.text, p.overdue_rule.value);
    if (!p.overdue_rule.reads.empty()) out << fmt::format("      ({})\n", join(p.overdue_rule.reads));
  } else {
    if (!p.age_calendar.empty())
      out << fmt::format("  age in calendar {}: {} of open time\n", p.age_calendar, p.scheme_age);
    if (p.start.given()) term(out, "start " + p.start.text, p.start.value);
    for (const auto& ev : p.every) {
      std::string steps = ev.from.empty() ? std::string("never starts: its `from` is absent (no SLA clock)")
                                          : fmt::format("starts at age {}", ev.from);
      if (ev.started) {
        steps = fmt::format("{} step{} x {}", ev.steps, ev.steps == 1 ? "" : "s", stdlib::format_number(ev.add));
        // `from` and `until` as ages, unless written so (`from 75% of sla` is shown as an age).
        std::string ages;
        if (ev.from != "0s" && ev.text.find("from " + ev.from) == std::string::npos) ages = "from age " + ev.from;
        if (!ev.until.empty() && ev.text.find("until " + ev.until) == std::string::npos)
          ages += (ages.empty() ? "" : ", ") + ("until age " + ev.until);
        if (!ages.empty()) steps += " (" + ages + ")";
      }
      term(out, fmt::format("{}: {}", ev.text, steps), signed_number(ev.amount));
    }
    if (p.curve) curve(out, *p.curve, p.base);
    for (const auto& b : p.boosts) {
      term(out, fmt::format("{}: {}", b.text, b.holds ? "holds" : "does not hold"), b.holds ? signed_number(b.amount) : "+0");
      outcome(out, b.when, 6);
    }
    term(out, "sum", stdlib::format_number(p.raw));
    for (const auto* bound : {&p.min, &p.max}) {
      if (!bound->expr.given()) continue;
      const bool is_min = bound == &p.min;
      term(out, fmt::format("{} {}{}", is_min ? "min" : "max", bound->expr.text, at_location(bound->expr.location)),
           bound->applied ? fmt::format("{} to {}", is_min ? "raised" : "lowered", stdlib::format_number(bound->value)) : "not reached");
    }
    if (p.overdue_rule.given())
      term(out, "overdue " + p.overdue_rule.text, p.due.empty() ? "never: no due instant" : "not yet: from due " + p.due);
    term(out, "priority (a whole number)", std::to_string(p.override ? p.override->rules_value : p.value));
  }
  if (p.override) override_line(out, *p.override, p.value);
  if (p.changes)
    out << fmt::format("  next change at age {} ({}): {}{}\n", p.next_age, p.next_at, p.next_value,
                       p.next_exact ? "" : " (approximate: look again then)");
  else
    out << "  it never changes again\n";
}

std::string stage_state(const ExplainedStage& s) {
  if (s.skipped) return "skipped at once: " + s.value.text + " is absent";
  if (s.opens.empty()) return "never opens: an earlier stage never expires";
  const std::string for_text = s.duration.empty() ? "" : fmt::format(", for {}", s.duration);
  return fmt::format("{} age {}{}", s.open ? "open since" : "opens at", s.opens, for_text);
}

void targets(std::ostream& out, const Explanation& e) {
  const auto& t = e.targets;
  if (!t.plan) {
    out << fmt::format("\nTargets at age {}: none (the process has no targets)\n", e.priority.age);
    return;
  }
  out << fmt::format("\nTargets at age {}: {}{}\n", e.priority.age, plan_name("targets", t.name, t.inline_plan),
                     at_location(t.location));
  for (std::size_t k = 0; k < t.stages.size(); ++k) {
    const auto& s = t.stages[k];
    out << fmt::format("  {}. {}{}\n       {}\n", k + 1, s.text, at_location(s.location), stage_state(s));
    if (s.value.given() && !s.skipped && s.value.text != s.value.value) out << fmt::format("       {} -> {}\n", s.value.text, s.value.value);
  }
}

void agents(std::ostream& out, const Explanation& e) {
  for (const auto& a : e.agents) {
    std::string who = a.id.empty() ? "" : fmt::format(" id \"{}\"", a.id);
    if (!a.groups.empty()) {
      std::string g;
      for (const auto& x : a.groups) g += (g.empty() ? "" : ", ") + x;
      who += fmt::format(" groups [{}]", g);
    }
    who += a.skills.empty() ? " no skills" : " skills " + join(a.skills, " ");
    out << fmt::format("\nAgent {}:{}\n", a.index + 1, who);
    if (!e.targets.plan) {
      out << "  not eligible: the process has no targets\n";
      continue;
    }
    if (a.eligible) out << fmt::format("  eligible at age {} through stage {}\n", e.priority.age, a.stage + 1);
    else out << fmt::format("  not eligible at age {}\n", e.priority.age);
    for (const auto& c : a.checks) {
      const auto& s = e.targets.stages[static_cast<std::size_t>(c.stage)];
      const std::string state = s.skipped ? "skipped" : c.open ? "open" : s.opens.empty() ? "never opens" : "opens at age " + s.opens;
      out << fmt::format("    stage {} ({}): {} {} -> {}{}: {}\n", c.stage + 1, state, s.kind, c.expr.text, c.expr.value,
                         reads(c.expr), c.takes ? (c.open ? "takes it" : "would take it") : "does not take it");
      parts(out, c.expr.parts, 8);
    }
    if (!a.eligible && !a.later_age.empty())
      out << fmt::format("  eligible from age {} through stage {}\n", a.later_age, a.later_stage + 1);
    else if (!a.eligible)
      out << "  no stage ever takes it\n";
  }
}

}  // namespace

void render_explanation_text(std::ostream& out, const Explanation& e) {
  out << fmt::format("Ruleset {}{} ({})\n", e.ruleset.empty() ? "(unnamed)" : e.ruleset,
                     e.version.empty() ? "" : " version " + e.version, e.file);
  out << fmt::format("Classified at {}", e.at);
  if (!e.now.empty()) out << fmt::format("; age {} (since {}) is {}", e.age, e.age_from, e.now);
  out << "\n\nItem\n";
  for (const auto& v : e.item) out << fmt::format("  {} = {}\n", v.name, v.value);
  out << "\n";
  classification(out, e);
  if (e.classification.rejected) return;
  due(out, e.due);
  priority(out, e.priority);
  targets(out, e);
  agents(out, e);
}

}  // namespace iwd::compiler
