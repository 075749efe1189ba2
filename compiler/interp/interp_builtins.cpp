// Interpreter: calls of built-in functions (the same stdlib code the JIT calls).
#include <re2/re2.h>

#include <algorithm>
#include <cassert>
#include <cmath>

#include "compiler/interp/interp.h"
#include "compiler/source/source.h"

namespace iwd::compiler {
namespace {

std::string ascii_case(std::string_view s, bool upper) {
  std::string out(s);
  for (char& c : out)
    if (upper ? (c >= 'a' && c <= 'z') : (c >= 'A' && c <= 'Z')) c = static_cast<char>(c ^ 0x20);
  return out;
}

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
  auto result_number = [&](double v) { return in.type == VType::F64 ? Value::of_number(v) : Value::of_int(static_cast<std::int64_t>(v)); };
  // Time functions: the second argument is a calendar or a zone; without one, the ruleset's zone.
  auto zone_of = [&](std::size_t i) -> const stdlib::TimeZone* {
    if (args.size() <= i) return stdlib::TimeZone::find(p_.timezone);
    if (tags[i] == VTag::Zone) return zones_[static_cast<std::size_t>(args[i].i)];
    return nullptr;  // a calendar
  };
  const stdlib::Instant t{args.empty() ? 0 : args[0].i};

  switch (in.builtin) {
    case Builtin::Min:
    case Builtin::Max: {
      double best = num(0);
      for (std::size_t i = 1; i < args.size(); ++i)
        best = in.builtin == Builtin::Min ? std::min(best, num(i)) : std::max(best, num(i));
      return result_number(best);
    }
    case Builtin::Clamp: return result_number(std::max(num(1), std::min(num(0), num(2))));
    case Builtin::Abs: return result_number(std::fabs(num(0)));
    case Builtin::Round: return Value::of_int(static_cast<std::int64_t>(std::round(num(0))));
    case Builtin::Floor: return Value::of_int(static_cast<std::int64_t>(std::floor(num(0))));
    case Builtin::Ceil: return Value::of_int(static_cast<std::int64_t>(std::ceil(num(0))));
    case Builtin::Lower: return Value::of_int(env.intern(ascii_case(text(0), false)));
    case Builtin::Upper: return Value::of_int(env.intern(ascii_case(text(0), true)));
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
    case Builtin::AddBusiness:
      return Value::of_int(
          calendar(args[0].i).add_business(stdlib::Instant{args[1].i}, stdlib::Duration{args[2].i}).ms_since_epoch);
    case Builtin::Has: break;
  }
  assert(false && "builtin not interpreted");
  return Value::absent();
}

}  // namespace iwd::compiler
