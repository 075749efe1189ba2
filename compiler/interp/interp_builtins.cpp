// Interpreter: calls of built-in functions (the same stdlib code the JIT calls).
#include <re2/re2.h>

#include <algorithm>
#include <cassert>
#include <cmath>

#include "compiler/interp/interp.h"
#include "compiler/source/source.h"
#include "stdlib/arith.h"
#include "stdlib/text.h"

namespace iwd::compiler {
namespace {

Value of_int(std::optional<std::int64_t> v) { return v ? Value::of_int(*v) : Value::absent(); }

}  // namespace

Value Interpreter::call(const Instr& in, const std::vector<Value>& r, const std::vector<VTag>& reg_tags,
                        const ProgramFunction& f, const EvalEnv& env) const {
  using stdlib::Builtin;
  std::vector<Value> args;
  std::vector<VType> types;
  std::vector<VTag> tags;
  for (auto reg : in.args) {
    args.push_back(r[reg]);
    types.push_back(f.reg_types[reg]);
    tags.push_back(reg_tags[reg]);
  }
  if (in.builtin == Builtin::Has) return Value::of_int(args[0].present ? 1 : 0);
  for (const auto& a : args)
    if (!a.present) return Value::absent();  // an absent argument makes the call absent

  auto num = [&](std::size_t i) { return types[i] == VType::F64 ? args[i].f : static_cast<double>(args[i].i); };
  auto text = [&](std::size_t i) { return env.string_text(args[i].i); };
  // Time functions: the second argument is a calendar or a zone; without one, the ruleset's zone.
  auto zone_of = [&](std::size_t i) -> const stdlib::TimeZone* {
    if (args.size() <= i) return stdlib::TimeZone::find(p_.timezone);
    if (tags[i] == VTag::Zone) return zones_[static_cast<std::size_t>(args[i].i)];
    return nullptr;  // a calendar
  };
  const stdlib::Instant t{args.empty() ? 0 : args[0].i};

  // Numbers: ints stay ints, all 64 bits of them (never through a double); an int result
  // outside 64 bits is absent (docs/language.md, "Evaluation").
  const bool ints = in.type == VType::I64;
  switch (in.builtin) {
    case Builtin::Min:
    case Builtin::Max: {
      const bool lowest = in.builtin == Builtin::Min;
      if (ints) {
        std::int64_t best = args[0].i;
        for (std::size_t i = 1; i < args.size(); ++i) best = lowest ? std::min(best, args[i].i) : std::max(best, args[i].i);
        return Value::of_int(best);
      }
      double best = num(0);
      for (std::size_t i = 1; i < args.size(); ++i) best = lowest ? std::min(best, num(i)) : std::max(best, num(i));
      return Value::of_number(best);
    }
    case Builtin::Clamp:  // max(lo, min(x, hi)): with lo > hi, lo
      if (ints) return Value::of_int(std::max(args[1].i, std::min(args[0].i, args[2].i)));
      return Value::of_number(std::max(num(1), std::min(num(0), num(2))));
    case Builtin::Abs:
      if (ints) return args[0].i < 0 ? of_int(stdlib::checked_neg(args[0].i)) : Value::of_int(args[0].i);
      return Value::of_number(std::fabs(num(0)));
    case Builtin::Round:  // halves away from zero
    case Builtin::Floor:
    case Builtin::Ceil: {
      if (types[0] == VType::I64) return Value::of_int(args[0].i);
      const double x = num(0);
      return of_int(stdlib::whole_to_int(in.builtin == Builtin::Round   ? std::round(x)
                                         : in.builtin == Builtin::Floor ? std::floor(x)
                                                                        : std::ceil(x)));
    }
    case Builtin::Lower: return Value::of_int(env.intern(stdlib::to_lower(text(0))));
    case Builtin::Upper: return Value::of_int(env.intern(stdlib::to_upper(text(0))));
    case Builtin::Len: return Value::of_int(utf8_length(text(0)));
    case Builtin::StartsWith: return Value::of_int(text(0).substr(0, text(1).size()) == text(1));
    case Builtin::EndsWith: {
      const auto s = text(0), x = text(1);
      return Value::of_int(s.size() >= x.size() && s.substr(s.size() - x.size()) == x);
    }
    case Builtin::Contains: return Value::of_int(text(0).find(text(1)) != std::string_view::npos);
    case Builtin::Matches: {
      const auto s = text(0);
      return Value::of_int(RE2::PartialMatch(re2::StringPiece(s.data(), s.size()), *regexes_[static_cast<std::size_t>(args[1].i)]));
    }
    case Builtin::Hour:
    case Builtin::Minute:
    case Builtin::Weekday:
    case Builtin::Date: {
      const stdlib::TimeZone* z = zone_of(1);
      if (z == nullptr) {
        const auto& cal = calendar(args[1].i);
        switch (in.builtin) {
          case Builtin::Hour: return Value::of_int(stdlib::hour(t, cal));
          case Builtin::Minute: return Value::of_int(stdlib::minute(t, cal));
          case Builtin::Weekday: return Value::of_int(static_cast<std::int64_t>(stdlib::weekday(t, cal)));
          default: return Value::of_int(stdlib::local_date(t, cal));
        }
      }
      switch (in.builtin) {
        case Builtin::Hour: return Value::of_int(stdlib::hour(t, *z));
        case Builtin::Minute: return Value::of_int(stdlib::minute(t, *z));
        case Builtin::Weekday: return Value::of_int(static_cast<std::int64_t>(stdlib::weekday(t, *z)));
        default: return Value::of_int(stdlib::local_date(t, *z));
      }
    }
    case Builtin::IsOpen: return Value::of_int(calendar(args[0].i).is_open(stdlib::Instant{args[1].i}));
    case Builtin::BusinessTime:
      return Value::of_int(calendar(args[0].i).business_time(stdlib::Instant{args[1].i}, stdlib::Instant{args[2].i}).ms);
    case Builtin::AddBusiness: {
      // A count that does not end within the calendar's search (100 years) has no answer: absent.
      // The count is open time, or business days (`2bd`: docs/language.md, "Business days").
      const stdlib::Instant at =
          tags[2] == VTag::BusinessDays
              ? calendar(args[0].i).add_business_days(stdlib::Instant{args[1].i}, args[2].i)
              : calendar(args[0].i).add_business(stdlib::Instant{args[1].i}, stdlib::Duration{args[2].i});
      if (at == stdlib::kNever || at == stdlib::kNeverBefore) return Value::absent();
      return Value::of_int(at.ms_since_epoch);
    }
    case Builtin::Has: break;
  }
  assert(false && "builtin not interpreted");
  return Value::absent();
}

}  // namespace iwd::compiler
