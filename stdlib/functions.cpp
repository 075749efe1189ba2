// The built-in function table. Keep it in Builtin order: function(id) indexes it.
#include "stdlib/functions.h"

#include <fmt/format.h>

namespace iwd::stdlib {
namespace {

using P = ParamKind;
using T = ValueType;
using R = ResultRule;

constexpr std::array<FunctionSig, 22> kFunctions = {{
    // numbers
    {Builtin::Min, "min", 2, kVariadic, 1, {P::SameNumeric}, R::UnifiedNumeric, T::Number, false,
     "min(a, b, ...)", "the smallest argument; int when every argument is an int, else number"},
    {Builtin::Max, "max", 2, kVariadic, 1, {P::SameNumeric}, R::UnifiedNumeric, T::Number, false,
     "max(a, b, ...)", "the largest argument; int when every argument is an int, else number"},
    {Builtin::Clamp, "clamp", 3, 3, 3, {P::SameNumeric, P::SameNumeric, P::SameNumeric}, R::UnifiedNumeric,
     T::Number, false, "clamp(x, lo, hi)", "x limited to lo..hi, that is max(lo, min(x, hi))"},
    {Builtin::Abs, "abs", 1, 1, 1, {P::Numeric}, R::SameAsFirst, T::Number, false, "abs(x)",
     "the absolute value of x, of x's type"},
    {Builtin::Round, "round", 1, 1, 1, {P::Numeric}, R::Fixed, T::Int, false, "round(x)",
     "x rounded to the nearest int, halves away from zero"},
    {Builtin::Floor, "floor", 1, 1, 1, {P::Numeric}, R::Fixed, T::Int, false, "floor(x)",
     "the largest int not greater than x"},
    {Builtin::Ceil, "ceil", 1, 1, 1, {P::Numeric}, R::Fixed, T::Int, false, "ceil(x)",
     "the smallest int not less than x"},
    // strings
    {Builtin::Lower, "lower", 1, 1, 1, {P::String}, R::Fixed, T::String, false, "lower(s)", "s in lower case"},
    {Builtin::Upper, "upper", 1, 1, 1, {P::String}, R::Fixed, T::String, false, "upper(s)", "s in upper case"},
    {Builtin::Len, "len", 1, 1, 1, {P::String}, R::Fixed, T::Int, false, "len(s)",
     "the number of characters (Unicode code points) in s"},
    {Builtin::StartsWith, "starts_with", 2, 2, 2, {P::String, P::String}, R::Fixed, T::Bool, false,
     "starts_with(s, p)", "whether s begins with p"},
    {Builtin::EndsWith, "ends_with", 2, 2, 2, {P::String, P::String}, R::Fixed, T::Bool, false,
     "ends_with(s, p)", "whether s ends with p"},
    {Builtin::Contains, "contains", 2, 2, 2, {P::String, P::String}, R::Fixed, T::Bool, false,
     "contains(s, p)", "whether p occurs in s"},
    {Builtin::Matches, "matches", 2, 2, 2, {P::String, P::StringLiteral}, R::Fixed, T::Bool, false,
     "matches(s, \"pattern\")",
     "whether the RE2 pattern (a literal, checked at compile time) matches somewhere in s; anchor with ^ and $"},
    // time
    {Builtin::Hour, "hour", 1, 2, 2, {P::Time, P::CalendarOrZone}, R::Fixed, T::Int, false,
     "hour(t [, calendar or zone])",
     "the hour 0..23 of t in the calendar's zone, the given zone, or else the ruleset's timezone"},
    {Builtin::Minute, "minute", 1, 2, 2, {P::Time, P::CalendarOrZone}, R::Fixed, T::Int, false,
     "minute(t [, calendar or zone])",
     "the minute 0..59 of t in the calendar's zone, the given zone, or else the ruleset's timezone"},
    {Builtin::Weekday, "weekday", 1, 2, 2, {P::Time, P::CalendarOrZone}, R::Fixed, T::Weekday, false,
     "weekday(t [, calendar or zone])",
     "the day of the week (mon..sun) of t in the calendar's zone, the given zone, or else the ruleset's timezone"},
    {Builtin::Date, "date", 1, 2, 2, {P::Time, P::CalendarOrZone}, R::Fixed, T::Date, false,
     "date(t [, calendar or zone])",
     "the calendar date of t in the calendar's zone, the given zone, or else the ruleset's timezone"},
    // calendars
    {Builtin::IsOpen, "is_open", 2, 2, 2, {P::Calendar, P::Time}, R::Fixed, T::Bool, false,
     "is_open(calendar, t)", "whether the calendar is open at t"},
    {Builtin::BusinessTime, "business_time", 3, 3, 3, {P::Calendar, P::Time, P::Time}, R::Fixed, T::Duration,
     false, "business_time(calendar, from, to)",
     "the calendar's open time between from and to; negative when to is before from"},
    {Builtin::AddBusiness, "add_business", 3, 3, 3, {P::Calendar, P::Time, P::Duration}, R::Fixed, T::Time,
     false, "add_business(calendar, t, d)", "the time at which d of the calendar's open time has passed since t"},
    // presence
    {Builtin::Has, "has", 1, 1, 1, {P::Any}, R::Fixed, T::Bool, true, "has(x)",
     "whether x is present (not absent)"},
}};

constexpr std::array<std::string_view, kFunctions.size()> make_names() {
  std::array<std::string_view, kFunctions.size()> names{};
  for (std::size_t i = 0; i < kFunctions.size(); ++i) names[i] = kFunctions[i].name;
  return names;
}
constexpr std::array<std::string_view, kFunctions.size()> kNames = make_names();

constexpr bool table_in_builtin_order() {
  for (std::size_t i = 0; i < kFunctions.size(); ++i)
    if (static_cast<std::size_t>(kFunctions[i].id) != i) return false;
  return true;
}
static_assert(table_in_builtin_order(), "kFunctions must list the built-ins in Builtin order");
static_assert(static_cast<std::size_t>(Builtin::Has) + 1 == kFunctions.size());

}  // namespace

const FunctionSig* find_function(std::string_view name) {
  for (const FunctionSig& fn : kFunctions)
    if (fn.name == name) return &fn;
  return nullptr;
}

const FunctionSig& function(Builtin id) { return kFunctions[static_cast<std::size_t>(id)]; }

std::span<const FunctionSig> all_functions() { return kFunctions; }

std::span<const std::string_view> function_names() { return kNames; }

std::string arity_description(const FunctionSig& fn) {
  const auto args = [](unsigned n) { return n == 1 ? "argument" : "arguments"; };
  if (fn.is_variadic()) return fmt::format("at least {} {}", fn.min_args, args(fn.min_args));
  if (fn.min_args == fn.max_args) return fmt::format("exactly {} {}", fn.min_args, args(fn.min_args));
  if (fn.max_args == fn.min_args + 1) return fmt::format("{} or {} arguments", fn.min_args, fn.max_args);
  return fmt::format("{} to {} arguments", fn.min_args, fn.max_args);
}

}  // namespace iwd::stdlib
