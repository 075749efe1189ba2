// Arithmetic at the limits (docs/language.md, "Evaluation"): an int, duration or time result
// that does not fit in 64 bits is absent (std::nullopt), like a division by zero; a number
// result that is not finite is absent; a duration scaled by a number is rounded to the
// millisecond, halves away from zero; a priority beyond the 64-bit range is held at its
// limit. The interpreter calls these; the JIT emits the same operations in LLVM IR
// (llvm.s*.with.overflow, llvm.fptosi.sat), and the differential tests hold the two together.
#pragma once

#include <cmath>
#include <cstdint>
#include <limits>
#include <optional>

namespace iwd::stdlib {

inline std::optional<std::int64_t> checked_add(std::int64_t a, std::int64_t b) {
  std::int64_t out = 0;
  if (__builtin_add_overflow(a, b, &out)) return std::nullopt;
  return out;
}

inline std::optional<std::int64_t> checked_sub(std::int64_t a, std::int64_t b) {
  std::int64_t out = 0;
  if (__builtin_sub_overflow(a, b, &out)) return std::nullopt;
  return out;
}

inline std::optional<std::int64_t> checked_mul(std::int64_t a, std::int64_t b) {
  std::int64_t out = 0;
  if (__builtin_mul_overflow(a, b, &out)) return std::nullopt;
  return out;
}

inline std::optional<std::int64_t> checked_neg(std::int64_t a) { return checked_sub(0, a); }

// a / b rounded to the nearest integer, halves away from zero (as llround(a / (double)b)
// would be, without its loss of precision); absent when b is 0 or the quotient does not fit
// (the smallest int divided by -1).
inline std::optional<std::int64_t> divide_rounded(std::int64_t a, std::int64_t b) {
  if (b == 0 || (a == std::numeric_limits<std::int64_t>::min() && b == -1)) return std::nullopt;
  const std::int64_t q = a / b, r = a % b;
  // |r| >= |b| - |r| says the remainder is at least half of b; unsigned, since |b| may be 2^63.
  const std::uint64_t ur = r < 0 ? 0 - static_cast<std::uint64_t>(r) : static_cast<std::uint64_t>(r);
  const std::uint64_t ub = b < 0 ? 0 - static_cast<std::uint64_t>(b) : static_cast<std::uint64_t>(b);
  if (r == 0 || ur < ub - ur) return q;
  return (a < 0) != (b < 0) ? q - 1 : q + 1;  // |q| < 2^63 - 1 here: no overflow
}

// -2^63 and 2^63 as doubles: a double d converts to int64 exactly when kMinInt <= d < kEndInt
// (and it is whole).
inline constexpr double kMinIntAsDouble = -9223372036854775808.0;
inline constexpr double kEndIntAsDouble = 9223372036854775808.0;

// A whole double (the result of round, floor or ceil) as an int; absent outside 64 bits
// (and for NaN).
inline std::optional<std::int64_t> whole_to_int(double whole) {
  if (!(whole >= kMinIntAsDouble && whole < kEndIntAsDouble)) return std::nullopt;
  return static_cast<std::int64_t>(whole);
}

// A duration (or other int) scaled by a number: rounded to the nearest integer, halves away
// from zero; absent outside 64 bits.
inline std::optional<std::int64_t> round_to_int(double v) { return whole_to_int(std::round(v)); }

// A number result: absent when it is not finite (an overflow to infinity).
inline std::optional<double> finite(double v) {
  if (!std::isfinite(v)) return std::nullopt;
  return v;
}

// A priority computed as a number, truncated toward zero and held at the 64-bit limits (NaN,
// which no rule can produce, gives 0): what llvm.fptosi.sat does.
inline std::int64_t saturating_truncate(double v) {
  if (std::isnan(v)) return 0;
  if (v <= kMinIntAsDouble) return std::numeric_limits<std::int64_t>::min();
  if (v >= kEndIntAsDouble) return std::numeric_limits<std::int64_t>::max();
  return static_cast<std::int64_t>(v);
}

// The sum of two stage durations or ages, held at the 64-bit limits (a stage that would open
// past them never opens in practice): what llvm.sadd.sat does.
inline std::int64_t saturating_add(std::int64_t a, std::int64_t b) {
  std::int64_t out = 0;
  if (!__builtin_add_overflow(a, b, &out)) return out;
  return b > 0 ? std::numeric_limits<std::int64_t>::max() : std::numeric_limits<std::int64_t>::min();
}

}  // namespace iwd::stdlib
