// The one table of built-in functions (LANGUAGE.md section 4, "Standard library"), shared by
// the checker (names, arity, types), the interpreter and the JIT (dispatch on Builtin).
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "stdlib/types.h"

namespace iwd::stdlib {

// One per built-in, in table order; stable for dispatch.
enum class Builtin : std::uint8_t {
  Min, Max, Clamp, Abs, Round, Floor, Ceil,
  Lower, Upper, Len, StartsWith, EndsWith, Contains, Matches,
  Hour, Minute, Weekday, Date,
  IsOpen, BusinessTime, AddBusiness,
  Has,
};

// How the result type follows from the arguments.
enum class ResultRule : std::uint8_t {
  Fixed,           // always FunctionSig::result
  UnifiedNumeric,  // int when every SameNumeric argument is int, else number
  SameAsFirst,     // the first argument's type (abs)
};

inline constexpr std::uint8_t kVariadic = 0xFF;  // max_args: no upper bound
inline constexpr std::size_t kMaxParams = 3;

struct FunctionSig {
  Builtin id;
  std::string_view name;
  std::uint8_t min_args;
  std::uint8_t max_args;  // kVariadic: any number from min_args on
  std::uint8_t param_count;  // entries used in `params`; a variadic tail repeats the last
  std::array<ParamKind, kMaxParams> params;
  ResultRule result_rule;
  ValueType result;  // the result type for ResultRule::Fixed
  // False for every built-in but `has`: an absent argument makes the result absent.
  bool takes_absent;
  std::string_view signature;  // as shown to users: "clamp(x, lo, hi)"
  std::string_view doc;        // one line

  bool is_variadic() const { return max_args == kVariadic; }
  bool accepts_arity(std::size_t n) const { return n >= min_args && (is_variadic() || n <= max_args); }
  // The kind of the i-th argument (0-based); arguments past param_count take the last kind.
  ParamKind param(std::size_t i) const { return params[i < param_count ? i : param_count - 1u]; }
};

// nullptr when `name` is not a built-in (names are case-sensitive).
const FunctionSig* find_function(std::string_view name);
const FunctionSig& function(Builtin id);
std::span<const FunctionSig> all_functions();
// The names, in table order: candidates for suggest_name().
std::span<const std::string_view> function_names();

// "exactly 3 arguments", "1 or 2 arguments", "at least 2 arguments", "exactly 1 argument".
std::string arity_description(const FunctionSig& fn);

}  // namespace iwd::stdlib
