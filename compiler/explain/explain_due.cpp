// Explanations: the due instant, and under a calendar the open time counted day by day.
#include <fmt/format.h>

#include "compiler/explain/explain_expr.h"

namespace iwd::compiler {
namespace {

constexpr std::size_t kMaxDays = 400;  // days listed before the list is cut

std::string time_of_day(std::int64_t ms_of_day) {
  const std::int64_t minutes = ms_of_day / stdlib::kMsPerMinute, seconds = ms_of_day / 1000 % 60;
  std::string t = fmt::format("{:02}:{:02}", minutes / 60, minutes % 60);
  if (ms_of_day % stdlib::kMsPerMinute != 0) t += fmt::format(":{:02}", seconds);
  return t;
}

std::string hours_text(std::span<const std::pair<int, int>> hours) {
  std::string out;
  for (const auto& [from, to] : hours)
    out += fmt::format("{}{:02}:{:02}-{:02}:{:02}", out.empty() ? "" : ", ", from / 60, from % 60, to / 60, to % 60);
  return out;
}

// Why nothing was counted on a local day.
std::string closed_reason(const stdlib::BusinessCalendar& cal, std::int64_t day) {
  using Rule = stdlib::BusinessCalendar::DayRule;
  const auto hours = cal.hours_on(day);
  switch (cal.day_rule(day)) {
    case Rule::ClosedDate: return fmt::format("closed: `closed {}`", stdlib::format_date(day));
    case Rule::ClosedYearly: {
      const auto d = stdlib::civil_from_days(day);
      return fmt::format("closed: `closed every {:02}-{:02}`", d.month, d.day);
    }
    case Rule::Special:
      if (hours.empty()) return "closed: special hours";
      return fmt::format("special hours {}, none after the start", hours_text(hours));
    case Rule::Weekly: break;
  }
  const std::string_view wd = stdlib::weekday_name(stdlib::weekday_from_days(day));
  if (hours.empty()) return fmt::format("no open hours on {}", wd);
  return fmt::format("open {}, none after the start", hours_text(hours));
}

// The counted intervals, local day by local day, with the days between them that counted nothing.
void calendar_days(const stdlib::BusinessCalendar& cal, std::int64_t start,
                   const std::vector<std::pair<stdlib::Instant, stdlib::Instant>>& counted, ExplainedDue& d) {
  auto local_day = [&](std::int64_t t) { return stdlib::floor_div(cal.zone().local_ms(stdlib::Instant{t}), stdlib::kMsPerDay); };
  auto local_time = [&](std::int64_t t, std::int64_t day) {
    return time_of_day(cal.zone().local_ms(stdlib::Instant{t}) - day * stdlib::kMsPerDay);  // 24:00 at the day's end
  };
  if (counted.empty()) return;  // a zero SLA: due at the start
  std::int64_t total = 0;
  std::int64_t day = local_day(start);
  std::size_t next = 0;
  const std::int64_t last = local_day(counted.back().first.ms_since_epoch);
  for (; day <= last; ++day) {
    CalendarDay cd;
    cd.date = stdlib::format_date(day);
    cd.weekday = std::string(stdlib::weekday_name(stdlib::weekday_from_days(day)));
    std::int64_t time = 0;
    for (; next < counted.size() && local_day(counted[next].first.ms_since_epoch) == day; ++next) {
      const std::int64_t b = counted[next].first.ms_since_epoch, e = counted[next].second.ms_since_epoch;
      cd.counted.emplace_back(local_time(b, day), local_time(e, day));
      time += e - b;
    }
    total += time;
    if (cd.counted.empty()) cd.closed = closed_reason(cal, day);
    cd.time = open_hours_text(time);
    cd.total = open_hours_text(total);
    if (d.days.size() < kMaxDays) d.days.push_back(std::move(cd));
    else ++d.days_left_out;
  }
}

}  // namespace

ExplainedDue explain_due(const ExprExplainer& x, std::int32_t process, const EvalEnv& env, std::int64_t at,
                         const runtime::abi::ItemClock& clock) {
  const ExplainRules& r = x.rules();
  ExplainedDue d;
  if (clock.due != runtime::abi::kNone) d.due = instant_text(clock.due);
  DueTrace t;
  r.interp.due(process, env, stdlib::Instant{at}, &t);
  if (t.from_due_at) {
    d.source = "due_at";
    return d;
  }
  if (!t.has_sla) {
    d.source = "none";
    return d;
  }
  d.source = "sla";
  const BoundProcess& bp = r.rs.processes[static_cast<std::size_t>(process)];
  const ProgramProcess& pp = r.program.processes[static_cast<std::size_t>(process)];
  const EffectiveClauses e = r.rs.effective(bp);
  d.sla_inherited = e.sla != bp.clauses.sla.get();
  TimeInputs in;  // as Interpreter::due runs the SLA
  in.now = at;
  d.sla = x.explain(pp.sla, *e.sla, env, in);
  if (!t.sla.present) return d;
  d.start = instant_text(t.start);
  d.start_from = t.from_activation ? "activate_at" : "captured_at";
  if (pp.sla_calendar < 0) return d;
  const auto& cal = r.interp.calendar(pp.sla_calendar);
  d.calendar = r.program.calendar_names[static_cast<std::size_t>(pp.sla_calendar)];
  // Where the calendar comes from: the clause itself, or (LANGUAGE.md 1.1 section 7) the
  // department's `sla` for a process's own `sla` written without `in`.
  d.calendar_from = d.sla_inherited || bp.clauses.sla_calendar >= 0 ? "clause" : "department";
  d.zone = cal.zone().name();
  if (r.program.functions[static_cast<std::size_t>(pp.sla)].tag == VTag::BusinessDays) {
    // Business days (docs/language.md, "Business days"): the count as written, the local time
    // of day the due instant keeps (the start's, or its next opening's), and the open time it spans.
    d.business_days = t.sla.i;
    const stdlib::Instant from = cal.next_open(stdlib::Instant{t.start});
    if (from != stdlib::kNever) {
      const std::int64_t local = cal.zone().local_ms(from);
      d.time_of_day = time_of_day(local - stdlib::floor_div(local, stdlib::kMsPerDay) * stdlib::kMsPerDay);
    }
    std::int64_t open = 0;
    for (const auto& [b, e] : t.counted) open += e.ms_since_epoch - b.ms_since_epoch;
    d.open_time = open_hours_text(open);
  } else {
    d.open_time = open_hours_text(t.sla.i);
  }
  calendar_days(cal, t.start, t.counted, d);
  return d;
}

}  // namespace iwd::compiler
