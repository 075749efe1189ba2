// Interpreter: the next age at which an item's priority changes. The priority is a step
// function of the age between "breakpoints": the steps of `every` clauses, the points of a
// curve and the integer crossings of its slopes, the ages at which a comparison with the age
// flips (boosts), and the due instant. We list candidate breakpoints (a superset of the true
// changes), walk them in order and return the first where the priority really differs, so
// the answer is exact whenever the age is only compared, added, scaled and divided.
#include <algorithm>
#include <cmath>
#include <limits>

#include "compiler/interp/interp.h"
#include "stdlib/arith.h"

namespace iwd::compiler {
namespace {

// No next candidate: larger than any age, so std::min keeps any real one (not abi::kNone,
// which means absent).
constexpr std::int64_t kNoCandidate = std::numeric_limits<std::int64_t>::max();
constexpr std::int64_t kRecheck = 60'000;  // when the analysis cannot follow the age: look again in a minute
constexpr int kMaxSteps = 100'000;

// How a register depends on the age: not at all, as m * age + c, or in a way not followed.
struct Dep {
  enum Kind { Fixed, Linear, Opaque } kind = Fixed;
  double m = 0, c = 0;
};

double number(const Value& v, VType t) { return t == VType::F64 ? v.f : static_cast<double>(v.i); }

// The first whole millisecond after `age` at which trunc(v0 + slope * (t - x0)) differs from
// its value at `age` (slope != 0). The truncation keeps k on [k, k+1) for k > 0, on (-1, 1)
// for k = 0 and on (k-1, k] for k < 0, so the value leaves by reaching the far bound or by
// passing the near one. Rounding may put the answer a millisecond early (then it is `age`
// plus one, and the walk looks again from there) or late (the walk steps back).
double next_truncation_change(double x0, double v0, double slope, double age) {
  const double k = std::trunc(v0 + slope * (age - x0));
  const bool up = slope > 0;
  const bool reach = up ? k >= 0 : k <= 0;
  const double bound = up ? (k >= 0 ? k + 1 : k) : (k <= 0 ? k - 1 : k);
  const double at = x0 + (bound - v0) / slope;
  return std::max(reach ? std::ceil(at) : std::floor(at) + 1, std::floor(age) + 1);
}

struct AgeUse {
  std::vector<double> thresholds;  // ages (in the scheme's age) at which something may flip
  bool continuous = false;         // the result varies continuously with the age
  bool opaque = false;             // the age is used in a way not followed
  double m = 0, c = 0;             // when continuous: the result is m * age + c
};

// Follows the age through one function, with its registers' values at the current inputs.
void analyse(const ProgramFunction& f, const std::vector<Value>& regs, double due_age, AgeUse& use) {
  std::vector<Dep> dep(f.reg_types.size());
  auto value = [&](std::uint32_t r) { return number(regs[r], f.reg_types[r]); };
  auto threshold = [&](const Dep& lin, double k) {
    if (lin.m == 0) return;
    const double age = (k - lin.c) / lin.m;
    if (std::isfinite(age)) use.thresholds.push_back(age);
  };
  // Operands a, b and c are registers only for the instructions that read them as registers;
  // elsewhere they are a slot, an input, a list or a constant index, or unused: Fixed.
  const Dep fixed;
  for (const Instr& in : f.code) {
    Dep& d = dep[in.dst];
    std::uint8_t regs_used = 0;  // bit 0: a, 1: b, 2: c
    switch (in.op) {
      case Op::ConstI: case Op::ConstF: case Op::Absent: case Op::LoadAttr: case Op::LoadInput:
      case Op::LoadSkill: case Op::LoadAgent: case Op::Call: break;
      case Op::Neg: case Op::IntToNumber: case Op::Not: case Op::Present: case Op::InList: regs_used = 1; break;
      case Op::Select: case Op::InRange: regs_used = 7; break;
      default: regs_used = 3; break;  // binary operations, Coalesce, InAttrList
    }
    auto operand = [&](std::uint32_t r, int bit) -> const Dep& {
      return (regs_used >> bit) & 1 && r < dep.size() ? dep[r] : fixed;
    };
    const Dep& a = operand(in.a, 0);
    const Dep& b = operand(in.b, 1);
    const bool any_opaque = a.kind == Dep::Opaque || b.kind == Dep::Opaque;
    switch (in.op) {
      case Op::LoadInput:
        if (in.a == static_cast<std::uint32_t>(Input::Age)) d = {Dep::Linear, 1, 0};
        else if (in.a == static_cast<std::uint32_t>(Input::OverdueBy)) {
          d = {Dep::Linear, 1, -due_age};  // from due on; before, 0: due_age is a breakpoint anyway
          use.thresholds.push_back(due_age);
        }
        break;
      case Op::Neg:
        d = a.kind == Dep::Linear ? Dep{Dep::Linear, -a.m, -a.c} : a;
        break;
      case Op::IntToNumber: d = a; break;
      case Op::Add:
      case Op::Sub: {
        if (any_opaque) { d.kind = Dep::Opaque; break; }
        if (a.kind == Dep::Fixed && b.kind == Dep::Fixed) break;
        const double sign = in.op == Op::Add ? 1 : -1;
        const Dep x = a.kind == Dep::Linear ? a : Dep{Dep::Linear, 0, value(in.a)};
        const Dep y = b.kind == Dep::Linear ? b : Dep{Dep::Linear, 0, value(in.b)};
        d = {Dep::Linear, x.m + sign * y.m, x.c + sign * y.c};
        break;
      }
      case Op::Mul:
        if (any_opaque || (a.kind == Dep::Linear && b.kind == Dep::Linear)) d.kind = Dep::Opaque;
        else if (a.kind == Dep::Linear) d = {Dep::Linear, a.m * value(in.b), a.c * value(in.b)};
        else if (b.kind == Dep::Linear) d = {Dep::Linear, b.m * value(in.a), b.c * value(in.a)};
        break;
      case Op::Div:
        if (any_opaque || b.kind == Dep::Linear || (a.kind == Dep::Linear && value(in.b) == 0)) d.kind = Dep::Opaque;
        else if (a.kind == Dep::Linear) d = {Dep::Linear, a.m / value(in.b), a.c / value(in.b)};
        break;
      case Op::Eq: case Op::Ne: case Op::Lt: case Op::Le: case Op::Gt: case Op::Ge:
        if (any_opaque || (a.kind == Dep::Linear && b.kind == Dep::Linear)) d.kind = Dep::Opaque;
        else if (a.kind == Dep::Linear) threshold(a, value(in.b));
        else if (b.kind == Dep::Linear) threshold(b, value(in.a));
        break;  // a comparison is a step function of the age: Fixed between thresholds
      case Op::InRange: {
        const Dep& c = operand(in.c, 2);
        if (any_opaque || c.kind != Dep::Fixed || b.kind != Dep::Fixed) { d.kind = a.kind == Dep::Fixed && b.kind == Dep::Fixed && c.kind == Dep::Fixed ? Dep::Fixed : Dep::Opaque; break; }
        if (a.kind == Dep::Linear) {
          threshold(a, value(in.b));
          threshold(a, value(in.c));
        }
        break;
      }
      case Op::And: case Op::Or: case Op::Not: case Op::Present:
        if (any_opaque) d.kind = Dep::Opaque;
        break;
      case Op::Coalesce: case Op::Select: case Op::InList: case Op::InAttrList: {
        const Dep& c = operand(in.c, 2);
        const bool moving = a.kind != Dep::Fixed || b.kind != Dep::Fixed || (in.op == Op::Select && c.kind != Dep::Fixed);
        if (moving) d.kind = Dep::Opaque;
        break;
      }
      case Op::Call:
        for (auto r : in.args)
          if (dep[r].kind != Dep::Fixed) d.kind = Dep::Opaque;
        break;
      default: break;  // constants and loads of the item, skills and agent
    }
  }
  const Dep& result = dep[f.result];
  if (result.kind == Dep::Opaque) use.opaque = true;
  if (result.kind == Dep::Linear && result.m != 0) {
    use.continuous = true;
    use.m = result.m;
    use.c = result.c;
  }
}

}  // namespace

runtime::abi::NextChange Interpreter::next_priority_change(std::int32_t process, const EvalEnv& env,
                                                            const TimeInputs& at) const {
  runtime::abi::NextChange out;
  const auto& pp = p_.processes.at(static_cast<std::size_t>(process));
  if (pp.priority < 0) {
    out.never = true;
    return out;
  }
  const ProgramPriority& s = p_.priorities[static_cast<std::size_t>(pp.priority)];
  const std::int64_t start = at.now - at.age;
  // A due instant at the end of time (an SLA calendar that never opens: stdlib::kNever) is
  // never reached: no breakpoint at it, as without a due instant.
  const bool has_due = at.has_due() && at.due != TimeInputs::kDueNever;
  const double due_age = has_due ? static_cast<double>(at.due - start) : std::numeric_limits<double>::infinity();
  const stdlib::BusinessCalendar* cal = s.age_calendar >= 0 ? &calendar(s.age_calendar) : nullptr;

  // The scheme's age (open time under `age in CALENDAR`) and back to the wall clock.
  auto scheme_age = [&](std::int64_t wall) -> double {
    if (!cal) return static_cast<double>(wall);
    return static_cast<double>(cal->business_time(stdlib::Instant{start}, stdlib::Instant{start + wall}).ms);
  };
  auto wall_age = [&](double scheme) -> std::int64_t {
    // A scheme age past the 64-bit range (a step of `every` whose `from` and period add up
    // beyond it, a threshold at the largest duration) is never reached: the latest age, as
    // kNever below; below the range, the earliest. Converted as it was, it was undefined (on
    // x86 the smallest int64, an age below 0 taken as the earliest candidate, which dropped
    // every other and answered "never"). The compiled code leaves such a step to the walk.
    constexpr double kTwo63 = 9223372036854775808.0;
    const double up = std::ceil(scheme);
    if (!(up < kTwo63)) return std::numeric_limits<std::int64_t>::max();  // NaN included
    if (!(up > -kTwo63)) return std::numeric_limits<std::int64_t>::min();
    const auto ms = static_cast<std::int64_t>(up);
    if (!cal) return ms;
    // Not reached within add_business's search (kNever): the latest age, never less a start
    // before 1970 (a signed overflow, wrapping to an age below 0 that would be taken first);
    // kNeverBefore (counting back) the earliest, never less a start after 1970.
    const stdlib::Instant to = cal->add_business(stdlib::Instant{start}, stdlib::Duration{ms});
    if (to == stdlib::kNever) return std::numeric_limits<std::int64_t>::max();
    if (to == stdlib::kNeverBefore) return std::numeric_limits<std::int64_t>::min();
    return to.ms_since_epoch - start;
  };
  auto inputs_at = [&](std::int64_t wall) {
    TimeInputs in = at;
    in.age = wall;
    in.now = start + wall;
    in.overdue_by = has_due ? std::max<std::int64_t>(0, in.now - at.due) : 0;
    return in;
  };

  // Breakpoints that do not move with the age: comparisons with it, curve points, the due instant.
  AgeUse use, overdue_use;
  std::vector<FunctionRef> fns = {s.start, s.min, s.max};
  for (const auto& e : s.every) fns.insert(fns.end(), {e.period, e.add, e.from, e.until});
  for (const auto& pt : s.curve) fns.insert(fns.end(), {pt.at, pt.value});
  for (const auto& b : s.boosts) fns.insert(fns.end(), {b.amount, b.when});
  TimeInputs scheme_in = at;
  scheme_in.age = static_cast<std::int64_t>(scheme_age(at.age));
  scheme_in.age_calendar = s.age_calendar;
  for (auto f : fns)
    if (f >= 0) analyse(p_.functions[static_cast<std::size_t>(f)], run_registers(f, env, scheme_in), due_age, use);
  const bool overdue_rule = has_due && s.overdue >= 0;
  if (overdue_rule)
    analyse(p_.functions[static_cast<std::size_t>(s.overdue)], run_registers(s.overdue, env, inputs_at(at.due - start)),
            due_age, overdue_use);
  // From due on only the `overdue` value counts: its own breakpoints, in wall-clock age.
  std::vector<std::int64_t> after_due;
  for (double t : overdue_use.thresholds)
    for (double x : {std::floor(t), std::ceil(t), std::ceil(t) + 1})
      if (x >= due_age) after_due.push_back(static_cast<std::int64_t>(x));
  std::sort(after_due.begin(), after_due.end());
  use.opaque = use.opaque || overdue_use.opaque;
  // An overdue value that grows with overdue_by (`1000 + overdue_by / 1h`) changes where its
  // truncation crosses an integer: exact, since it is not clamped.
  const bool overdue_linear = overdue_use.continuous && !overdue_use.opaque;
  std::vector<std::int64_t> fixed;  // wall-clock ages
  for (double t : use.thresholds)
    for (double x : {std::floor(t), std::ceil(t), std::ceil(t) + 1})
      if (x >= 0) fixed.push_back(wall_age(x));
  if (has_due && s.overdue >= 0) fixed.push_back(at.due - start);
  auto value_of = [&](FunctionRef f, const TimeInputs& in, double absent = 0.0) {
    const Value v = run(f, env, in);
    return v.present ? number(v, p_.functions[static_cast<std::size_t>(f)].type) : absent;
  };
  std::vector<std::pair<double, double>> curve;  // scheme age, value
  for (const auto& pt : s.curve) curve.emplace_back(value_of(pt.at, scheme_in), value_of(pt.value, scheme_in));
  for (const auto& [x, _] : curve) fixed.push_back(wall_age(x));
  std::sort(fixed.begin(), fixed.end());

  // The next candidate after a wall-clock age.
  auto next_after = [&](std::int64_t wall) -> std::int64_t {
    std::int64_t best = kNoCandidate;
    if (overdue_rule && static_cast<double>(wall) >= due_age) {
      auto it = std::upper_bound(after_due.begin(), after_due.end(), wall);
      std::int64_t next = it == after_due.end() ? kNoCandidate : *it;
      if (overdue_linear) {
        const double x = next_truncation_change(0, overdue_use.c, overdue_use.m, static_cast<double>(wall));
        next = std::min(next, static_cast<std::int64_t>(x));
      }
      return next;
    }
    auto it = std::upper_bound(fixed.begin(), fixed.end(), wall);
    if (it != fixed.end()) best = *it;
    const double b = scheme_age(wall);
    for (const auto& e : s.every) {  // the next step of each `every`
      const double period = value_of(e.period, scheme_in);
      // An absent `from` never starts the clause; an absent `until` never ends it.
      constexpr double kInf = std::numeric_limits<double>::infinity();
      const double from = e.from >= 0 ? value_of(e.from, scheme_in, kInf) : 0;
      const double until = e.until >= 0 ? value_of(e.until, scheme_in, kInf) : kInf;
      if (period <= 0 || std::isinf(from)) continue;
      const double k = b < from ? 1 : std::floor((b - from) / period) + 1;
      const double step = from + k * period;
      if (step <= until) best = std::min(best, wall_age(step));
    }
    for (std::size_t i = 0; i + 1 < curve.size(); ++i) {  // the next whole number on a sloped segment
      const auto [x0, v0] = curve[i];
      const auto [x1, v1] = curve[i + 1];
      if (b < x0 || b >= x1 || x1 == x0 || v1 == v0) continue;
      const double x = next_truncation_change(x0, v0, (v1 - v0) / (x1 - x0), b);
      if (x < x1) best = std::min(best, wall_age(x));
    }
    return best > wall ? best : kNoCandidate;
  };

  // Settled: past every fixed breakpoint and the last curve point, clamped at `max` while
  // every `add` only raises the value (or at `min` while every `add` lowers it), the value
  // never changes again (until the due instant, which is a fixed breakpoint).
  bool adds_up = true, adds_down = true;
  for (const auto& e : s.every) {
    const double add = value_of(e.add, scheme_in);
    adds_up = adds_up && add >= 0;
    adds_down = adds_down && add <= 0;
  }
  // Saturated: clamped at `max` while every `add` only raises the value (or at `min` while
  // every `add` lowers it), past any sloped curve segment: then nothing changes before the
  // next fixed breakpoint (a boost condition flipping, the due instant).
  const double last_point = curve.empty() ? -1 : curve.back().first;
  auto saturated = [&](std::int64_t wall, std::int64_t value, double raw_value) {
    if (use.continuous || use.opaque || scheme_age(wall) < last_point) return false;
    const TimeInputs in = inputs_at(wall);
    if (s.every.empty()) return true;  // only fixed breakpoints move it
    if (s.max >= 0 && adds_up && raw_value >= value_of(s.max, in) &&
        value == stdlib::saturating_truncate(value_of(s.max, in)))
      return true;
    return s.min >= 0 && adds_down && raw_value <= value_of(s.min, in) &&
           value == stdlib::saturating_truncate(value_of(s.min, in));
  };
  double raw = 0;
  const std::int64_t now_value = priority(process, env, at, &raw);
  std::int64_t wall = at.age;
  bool found = false, exhausted = true;
  for (int step = 0; step < kMaxSteps; ++step) {
    std::int64_t c = next_after(wall);
    if (c != kNoCandidate && !(overdue_rule && static_cast<double>(wall) >= due_age) && saturated(wall, now_value, raw)) {
      auto it = std::upper_bound(fixed.begin(), fixed.end(), wall);  // skip to the next fixed breakpoint
      c = it == fixed.end() ? kNoCandidate : *it;
    }
    if (c == kNoCandidate) {
      exhausted = false;
      break;
    }
    if (priority(process, env, inputs_at(c), &raw) != now_value) {
      // A breakpoint computed in floating point (the crossing of a sloped value) may land a
      // millisecond or two after the change: step back to its first millisecond.
      for (int back = 0; back < 3 && c - 1 > wall && priority(process, env, inputs_at(c - 1)) != now_value; ++back) --c;
      out.age = c;
      found = true;
      exhausted = false;
      break;
    }
    wall = c;
  }
  if (exhausted) {  // so many breakpoints without a change: look again from the last one
    out.age = wall;
    out.exact = false;
  } else if (!found) {
    out.never = true;
  }
  if (use.opaque || use.continuous) {
    out.exact = false;
    if (out.never || out.age > at.age + kRecheck) {
      out.never = false;
      out.age = at.age + kRecheck;
    }
  }
  return out;
}

}  // namespace iwd::compiler
