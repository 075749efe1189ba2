// Interpreter: the decision tables: classification, due instants, priorities and target
// stages, as LANGUAGE.md sections 7 to 9 say.
#include <fmt/format.h>
#include <re2/re2.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cassert>
#include <cmath>
#include <cstring>
#include <limits>

#include "compiler/interp/interp.h"
#include "stdlib/arith.h"
#include "stdlib/calendar_years.h"

namespace iwd::compiler {
namespace {

constexpr std::uint32_t kDueAt = 4, kActivateAt = 5, kCapturedAt = 3;  // core attribute slots
// The years business_time counts open time in (0000-01-01 to 10000-01-01), and a clock short
// enough for add_business's search from its start (clock_share_age): stdlib/calendar_years.h.
using stdlib::kEndCountedMs, stdlib::kFirstCountedMs, stdlib::kWithinSearchMs;

// Whether `share` of a clock in a calendar's open time (window > 0), the age counted in the
// same calendar's open time, is that part of the clock's open time (clock_share_age): a share
// before the due instant, the clock within the years business_time counts (0000-9999;
// add_business counts open time outside them too) and shorter than add_business's search
// (kMaxSearchDays local days; a year under it here), so that the instant the part reaches,
// at or before the due instant, is found.
bool share_is_part_of_open_time(const TimeInputs& in, double share) {
  return in.age_calendar == in.sla_calendar && in.window > 0 && share >= 0.0 && share < 1.0 && in.start >= kFirstCountedMs &&
         in.window <= kWithinSearchMs && in.start <= kEndCountedMs - in.window;
}

// std::round of a share of a clock's open time, in [0, 2^53) (share_is_part_of_open_time: a share
// in [0, 1) of at most kWithinSearchMs): its whole part and its fraction are exact, so this is
// std::round to the bit without libm's call (issue 19: the generated next change confirms
// every item's share by share_age, off its critical path, where each instruction counts).
std::int64_t round_part(double x) {
  const auto whole = static_cast<std::int64_t>(x);
  return whole + (x - static_cast<double>(whole) >= 0.5 ? 1 : 0);
}

double number_of(const Value& v, VType t) { return t == VType::F64 ? v.f : static_cast<double>(v.i); }

// Tells interpreters (and so their calendars) apart in the memo of share_age below, even when
// one is made where another was.
std::atomic<std::uint64_t> next_serial{1};

// The last answers of share_age in calendar time on this thread. Everything it reads is in the
// key: the interpreter (its calendars), the clock (start, window, SLA calendar), the age
// calendar and the share; so a hit is the answer itself. The runtime asks one item's points
// again and again (its priority, each step of its next change, its stages), and each answer
// walks the calendar's days.
struct ShareMemo {
  struct Entry {
    std::uint64_t serial = 0;  // 0: empty
    std::int64_t start = 0, window = 0, sla_calendar = 0, age_calendar = 0;
    std::uint64_t share = 0;  // the double's bits
    std::int64_t age = 0;
  };
  std::array<Entry, 16> entries;
};
thread_local ShareMemo share_memo;

}  // namespace

Interpreter::Interpreter(const Program& program) : p_(program), serial_(next_serial.fetch_add(1)) {
  for (const auto& spec : p_.calendars) {
    auto cal = stdlib::BusinessCalendar::make(spec);
    assert(cal.ok() && "calendars were checked before lowering");
    calendars_.push_back(std::move(cal.value));
  }
  for (const auto& z : p_.zones) zones_.push_back(stdlib::TimeZone::find(z));
  RE2::Options opts;
  opts.set_log_errors(false);
  for (const auto& re : p_.regexes) regexes_.push_back(std::make_unique<RE2>(re, opts));
}

Interpreter::~Interpreter() = default;

const stdlib::BusinessCalendar& Interpreter::calendar(std::int64_t index) const {
  return calendars_.at(static_cast<std::size_t>(index));
}

std::string Interpreter::rejection(std::int32_t detail) const {
  if (detail >= 0 && detail < kDepartmentBase)
    return fmt::format("missing required attribute `{}`", p_.attributes[static_cast<std::size_t>(detail)].name);
  if (detail >= kDepartmentBase)
    return fmt::format("no process takes the item: department `{}` takes it, but none of its processes "
                       "matches, and there is no default process",
                       p_.departments[static_cast<std::size_t>(detail - kDepartmentBase)].name);
  return "no process takes the item: no department matches it and there is no default process";
}

Classification Interpreter::classify(const EvalEnv& env, stdlib::Instant now, ClassifyTrace* trace) const {
  std::int32_t detail = kNoDepartment;
  const std::int32_t process = classify_code(env, now, &detail, trace);
  return process >= 0 ? Classification{process, {}} : Classification{-1, rejection(detail)};
}

std::int32_t Interpreter::classify_code(const EvalEnv& env, stdlib::Instant now, std::int32_t* detail,
                                        ClassifyTrace* trace) const {
  std::int32_t process = -1;
  *detail = kNoDepartment;
  if (!trace && native_ && native_->classify(env, now.ms_since_epoch, &process, detail)) return process;
  for (std::size_t i = 0; i < p_.attributes.size(); ++i)
    if (p_.attributes[i].required && !env.attribute(static_cast<std::uint32_t>(i)).present) {
      *detail = static_cast<std::int32_t>(i);
      if (trace) trace->missing_required = *detail;
      return -1;
    }
  TimeInputs in;
  in.now = now.ms_since_epoch;
  auto tried = [&](bool department, std::size_t index, FunctionRef when) {
    const bool h = holds(when, env, in);
    if (trace) trace->steps.push_back({department, static_cast<std::int32_t>(index), h});
    return h;
  };
  auto by_default = [&] {
    if (trace) trace->by_default = true;
    return p_.default_process;
  };
  for (std::size_t d = 0; d < p_.departments.size(); ++d) {
    const auto& dep = p_.departments[d];
    if (!tried(true, d, dep.when)) continue;
    for (auto pi : dep.processes)
      if (tried(false, static_cast<std::size_t>(pi), p_.processes[static_cast<std::size_t>(pi)].when)) return pi;
    if (p_.default_process >= 0) return by_default();
    *detail = kDepartmentBase + static_cast<std::int32_t>(d);
    return -1;
  }
  if (p_.default_process >= 0) return by_default();
  *detail = kNoDepartment;
  return -1;
}

std::optional<stdlib::Instant> Interpreter::due(std::int32_t process, const EvalEnv& env, stdlib::Instant now,
                                               DueTrace* trace) const {
  DueTrace local;
  DueTrace& t = trace ? *trace : local;
  const Value due_at = env.attribute(kDueAt);
  t.from_due_at = due_at.present;
  if (due_at.present) return stdlib::Instant{due_at.i};
  const auto& pp = p_.processes.at(static_cast<std::size_t>(process));
  t.has_sla = pp.sla >= 0;
  if (pp.sla < 0) return std::nullopt;
  TimeInputs in;
  in.now = now.ms_since_epoch;
  const Value sla = run(pp.sla, env, in);
  t.sla = sla;
  if (!sla.present) return std::nullopt;
  const Value activate = env.attribute(kActivateAt);
  const std::int64_t start = activate.present ? activate.i : env.attribute(kCapturedAt).i;
  t.start = start;
  t.from_activation = activate.present;
  if (pp.sla_calendar < 0) return stdlib::Instant{start + sla.i};
  if (p_.functions[static_cast<std::size_t>(pp.sla)].tag == VTag::BusinessDays) {
    // `sla 5bd in CAL`: the same local time on the 5th open day (docs/language.md, "Business days").
    const stdlib::BusinessCalendar& cal = calendar(pp.sla_calendar);
    const stdlib::Instant at = cal.add_business_days(stdlib::Instant{start}, sla.i);
    if (trace && at != stdlib::kNever) {
      // The open time the count spans, for explanations.
      const stdlib::Duration open = cal.business_time(stdlib::Instant{start}, at);
      if (open.ms > 0) cal.add_business(stdlib::Instant{start}, open, &t.counted);
      // A due instant at its day's opening (the start's time of day is before it) ends no
      // open interval: the count still ends on that day, at that instant.
      if (t.counted.empty() || t.counted.back().second != at) t.counted.emplace_back(at, at);
    }
    return at;
  }
  return calendar(pp.sla_calendar).add_business(stdlib::Instant{start}, stdlib::Duration{sla.i}, trace ? &t.counted : nullptr);
}

runtime::abi::ItemClock Interpreter::clock(std::int32_t process, const EvalEnv& env, stdlib::Instant now) const {
  runtime::abi::ItemClock c;
  c.classified_at = now.ms_since_epoch;
  const std::optional<stdlib::Instant> due_at = due(process, env, now);
  c.due = due_at ? due_at->ms_since_epoch : runtime::abi::kNone;
  const auto& pp = p_.processes.at(static_cast<std::size_t>(process));
  if (pp.sla >= 0) {
    TimeInputs in;
    in.now = now.ms_since_epoch;
    in.due = c.due;
    const Value sla = run(pp.sla, env, in);
    c.sla = sla.present ? sla.i : 0;
  }
  const Value activate = env.attribute(kActivateAt);
  c.start = activate.present ? activate.i : env.attribute(kCapturedAt).i;
  if (pp.sla >= 0 && p_.functions[static_cast<std::size_t>(pp.sla)].tag == VTag::BusinessDays && c.sla > 0) {
    // `sla Nbd in CAL`: the process SLA as elapsed time to the N-th open day, not the count
    // (the due instant itself unless a source `due_at` set it).
    const stdlib::Instant at = !env.attribute(kDueAt).present && c.due != runtime::abi::kNone
                                   ? stdlib::Instant{c.due}
                                   : calendar(pp.sla_calendar).add_business_days(stdlib::Instant{c.start}, c.sla);
    c.sla = at == stdlib::kNever ? 0 : at.ms_since_epoch - c.start;
  }
  return c;
}

TimeInputs Interpreter::inputs(std::int32_t process, const runtime::abi::ItemClock& c, std::int64_t age) const {
  return inputs_in(sla_clock_calendar(process), c, age);
}

std::int32_t Interpreter::sla_clock_calendar(std::int32_t process) const {
  const auto& pp = p_.processes.at(static_cast<std::size_t>(process));
  return pp.sla >= 0 ? pp.sla_calendar : -1;
}

// docs/language.md, "The SLA clock". The clock runs from the start to the due instant, in the
// open time of the SLA's calendar (elapsed time without one). A share below 1 is the instant
// that share of the clock's open time has run; 1 is the due instant itself (a `due_at` outside
// open hours included); past 1, the clock goes on counting from the due instant at the same
// rate. The age is measured from the start: elapsed, or in the age calendar's open time
// under `age in CAL`.
std::int64_t Interpreter::share_age(const TimeInputs& in, double share) const {
  // In elapsed time both ways (or without a due instant): a multiplication, not worth a memo.
  if (in.window == TimeInputs::kNone || ((in.sla_calendar < 0 || in.window <= 0) && in.age_calendar < 0))
    return clock_share_age(in, share);
  std::uint64_t bits = 0;
  std::memcpy(&bits, &share, sizeof bits);
  const std::uint64_t h = static_cast<std::uint64_t>(in.start) * 0x9E3779B97F4A7C15ULL ^
                          static_cast<std::uint64_t>(in.window) * 0xC2B2AE3D27D4EB4FULL ^ bits * 0x165667B19E3779F9ULL;
  ShareMemo::Entry& e = share_memo.entries[h >> 60];
  if (e.serial == serial_ && e.start == in.start && e.window == in.window && e.sla_calendar == in.sla_calendar &&
      e.age_calendar == in.age_calendar && e.share == bits)
    return e.age;
  const std::int64_t age = clock_share_age(in, share);
  e = ShareMemo::Entry{serial_, in.start, in.window, in.sla_calendar, in.age_calendar, bits, age};
  return age;
}

std::int64_t Interpreter::clock_share_age(const TimeInputs& in, double share) const {
  if (in.window == TimeInputs::kNone) return TimeInputs::kNone;
  const std::int64_t start = in.start, due = start + in.window;
  std::int64_t at = 0;  // the instant
  if (in.sla_calendar < 0 || in.window <= 0) {
    at = start + static_cast<std::int64_t>(std::round(share * static_cast<double>(in.window)));
  } else if (share == 1.0) {
    at = due;
  } else {
    const stdlib::BusinessCalendar& cal = calendar(static_cast<std::int32_t>(in.sla_calendar));
    const std::int64_t open = cal.business_time(stdlib::Instant{start}, stdlib::Instant{due}).ms;
    // Under `age in` the SLA's own calendar, a share before the due instant is that part of the
    // clock's open time itself: add_business gives the earliest instant that much open time
    // after the start (`part` of it), and the age is the open time up to it, `part` again (the
    // round trip of stdlib/calendar.h), without those two calls (issue 19: items with their own
    // starts ask share_age's memo in vain; share_is_part_of_open_time says where the round
    // trip holds).
    if (share_is_part_of_open_time(in, share)) return round_part(share * static_cast<double>(open));
    const bool before = share < 1.0;
    const auto part = static_cast<std::int64_t>(std::round((before ? share : share - 1.0) * static_cast<double>(open)));
    at = cal.add_business(stdlib::Instant{before ? start : due}, stdlib::Duration{part}).ms_since_epoch;
  }
  if (in.age_calendar < 0) return at - start;
  const stdlib::BusinessCalendar& age_cal = calendar(static_cast<std::int32_t>(in.age_calendar));
  return at <= start ? at - start : age_cal.business_time(stdlib::Instant{start}, stdlib::Instant{at}).ms;
}

std::int64_t Interpreter::priority(std::int32_t process, const EvalEnv& env, const TimeInputs& at, double* raw,
                                  PriorityTrace* trace) const {
  const auto& pp = p_.processes.at(static_cast<std::size_t>(process));
  if (pp.priority < 0) return 0;  // no scheme: every item ranks alike
  if (std::int64_t v = 0; !raw && !trace && native_ && native_->priority(pp.priority, env, at, &v)) return v;
  const ProgramPriority& s = p_.priorities[static_cast<std::size_t>(pp.priority)];
  if (trace) trace->scheme = true;
  auto number = [&](FunctionRef f, const TimeInputs& in, double absent = 0.0) {
    const Value v = run(f, env, in);
    return v.present ? number_of(v, p_.functions[static_cast<std::size_t>(f)].type) : absent;
  };
  // From due on, the `overdue` value, not clamped.
  if (s.overdue >= 0 && at.has_due() && at.now >= at.due) {
    const auto v = stdlib::saturating_truncate(number(s.overdue, at));
    if (trace) {
      trace->overdue = true;
      trace->inputs = at;
      trace->value = v;
    }
    return v;
  }

  // Age in open time when the scheme says `age in CALENDAR`.
  TimeInputs in = at;
  if (s.age_calendar >= 0) {
    const std::int64_t start = at.now - at.age;
    in.age = calendar(s.age_calendar).business_time(stdlib::Instant{start}, stdlib::Instant{at.now}).ms;
    in.age_calendar = s.age_calendar;
  }
  if (trace) trace->inputs = in;
  const double age = static_cast<double>(in.age);
  double base = 0;
  if (!s.curve.empty()) {
    std::vector<std::pair<double, double>> points;
    for (const auto& pt : s.curve) points.emplace_back(number(pt.at, in), number(pt.value, in));
    std::int32_t segment = -1;
    if (age < points.front().first) {
      base = points.front().second;
    } else {
      base = points.back().second;
      segment = static_cast<std::int32_t>(points.size() - 1);
      for (std::size_t i = 0; i + 1 < points.size(); ++i) {
        const auto [x0, v0] = points[i];
        const auto [x1, v1] = points[i + 1];
        if (age >= x0 && age < x1) {
          base = std::trunc(v0 + (v1 - v0) * (age - x0) / (x1 - x0));
          segment = static_cast<std::int32_t>(i);
          break;
        }
      }
    }
    if (trace) {
      trace->curve = points;
      trace->curve_segment = segment;
    }
  } else {
    if (s.start >= 0) base = number(s.start, in);
    if (trace) trace->start = base;
    for (const auto& e : s.every) {
      const double period = number(e.period, in);
      // An absent `from` never starts the clause; an absent `until` never ends it (LANGUAGE.md 5).
      constexpr double kInf = std::numeric_limits<double>::infinity();
      const double from = e.from >= 0 ? number(e.from, in, kInf) : 0;
      const double until = e.until >= 0 ? number(e.until, in, kInf) : kInf;
      PriorityTrace::Every step{period, from, until, 0, false, 0, 0};
      if (age >= from && period > 0) {
        step.started = true;
        step.add = number(e.add, in);
        step.steps = std::floor((std::min(age, until) - from) / period);
        step.amount = step.add * step.steps;
        base += step.amount;
      } else if (trace) {
        step.add = number(e.add, in);
      }
      if (trace) trace->every.push_back(step);
    }
  }
  if (trace) trace->base = base;
  for (const auto& b : s.boosts) {
    const bool h = holds(b.when, env, in);
    if (h) base += number(b.amount, in);
    if (trace) trace->boosts.push_back({h, number(b.amount, in)});
  }
  if (raw) *raw = base;
  if (trace) trace->raw = base;
  if (s.min >= 0) {
    const double m = number(s.min, in);
    base = std::max(base, m);
    if (trace) trace->has_min = true, trace->min = m;
  }
  if (s.max >= 0) {
    const double m = number(s.max, in);
    base = std::min(base, m);
    if (trace) trace->has_max = true, trace->max = m;
  }
  const auto value = stdlib::saturating_truncate(base);  // toward zero, held at the 64-bit limits
  if (trace) trace->value = value;
  return value;
}

std::vector<std::int64_t> Interpreter::stage_openings(std::int32_t process, const EvalEnv& env, const TimeInputs& in,
                                                      std::vector<StageTrace>* trace) const {
  const auto& pp = p_.processes.at(static_cast<std::size_t>(process));
  std::vector<std::int64_t> opens;
  if (native_ && !trace) {
    opens.resize(pp.stages.size());
    if (native_->stage_openings(process, env, in, opens.data())) return opens;
    opens.clear();
  }
  std::int64_t t = 0;
  double shares = 0;   // the clock's share run when the stage opens, while every `for` so far is one
  bool on_clock = true;
  for (const auto& st : pp.stages) {
    opens.push_back(t);
    if (trace) trace->push_back({t, false, Value::absent()});
    // A stage whose agent is absent is skipped at once: it does not hold the next one back.
    if (st.kind == ProgramStage::Agent && !run(st.value, env, in).present) {
      if (trace) trace->back().skipped = true;
      continue;
    }
    if (st.duration < 0) break;  // the last stage never expires
    const Value d = run(st.duration, env, in);
    if (trace) trace->back().duration = d;
    on_clock = on_clock && st.share >= 0;
    if (on_clock && d.present) {  // shares add up on the SLA clock
      shares += st.share;
      t = share_age(in, shares);
    } else {
      t = stdlib::saturating_add(t, d.present ? d.i : 0);
    }
  }
  while (opens.size() < pp.stages.size()) {  // after a final stage: never
    opens.push_back(runtime::abi::kNone);
    if (trace) trace->push_back({runtime::abi::kNone, false, Value::absent()});
  }
  return opens;
}

bool Interpreter::admits(std::int32_t process, std::size_t stage, const EvalEnv& env, const TimeInputs& at) const {
  const auto& st = p_.processes.at(static_cast<std::size_t>(process)).stages.at(stage);
  const Value v = run(st.value, env, at);
  if (!v.present) return false;
  const runtime::abi::Agent* agent = env.agent();
  switch (st.kind) {
    case ProgramStage::Agent: return agent && v.i == static_cast<std::int64_t>(agent->id);
    case ProgramStage::Group:
      return agent && std::find(agent->groups, agent->groups + agent->group_count, v.i) != agent->groups + agent->group_count;
    case ProgramStage::Skill: return v.i != 0;
  }
  return false;
}

std::int32_t Interpreter::eligible_stage(std::int32_t process, const EvalEnv& env, const TimeInputs& at) const {
  const auto& pp = p_.processes.at(static_cast<std::size_t>(process));
  const auto opens = stage_openings(process, env, at);
  for (std::size_t k = 0; k < pp.stages.size(); ++k) {
    if (opens[k] == runtime::abi::kNone || opens[k] > at.age) continue;
    if (admits(process, k, env, at)) return static_cast<std::int32_t>(k);
  }
  return -1;
}

bool Interpreter::eligible(std::int32_t process, const EvalEnv& env, const TimeInputs& at) const {
  return eligible_stage(process, env, at) >= 0;
}

}  // namespace iwd::compiler
