// Duration literals: parse_duration and format_duration (LANGUAGE.md section 2).
#include <algorithm>
#include <array>
#include <cstdint>
#include <iterator>
#include <limits>

#include <fmt/compile.h>
#include <fmt/format.h>

#include "stdlib/time.h"

namespace iwd::stdlib {
namespace {

struct Unit {
  std::string_view name;
  std::uint64_t ms;
};

// Largest first: the rank of a unit is its index, and parts must have increasing ranks.
constexpr std::array<Unit, 6> kUnits = {{{"w", kMsPerWeek},
                                         {"d", kMsPerDay},
                                         {"h", kMsPerHour},
                                         {"m", kMsPerMinute},
                                         {"s", kMsPerSecond},
                                         {"ms", 1}}};
constexpr std::string_view kUnitList = "units are ms, s, m, h, d, w";

constexpr int kMaxFractionDigits = 9;
constexpr std::uint64_t kFractionScale = 1'000'000'000;  // 10^kMaxFractionDigits

bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_letter(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }

int unit_rank(std::string_view name) {
  for (std::size_t i = 0; i < kUnits.size(); ++i)
    if (kUnits[i].name == name) return static_cast<int>(i);
  return -1;
}

// Scans digits with single `_` between digits, starting at `i` (which holds a digit).
// Appends the digits to `digits`; returns false on a misplaced `_`.
bool scan_digits(std::string_view text, std::size_t& i, std::string& digits) {
  while (i < text.size()) {
    const char c = text[i];
    if (is_digit(c)) {
      digits.push_back(c);
      ++i;
    } else if (c == '_') {
      if (i + 1 >= text.size() || !is_digit(text[i + 1]) || i == 0 || !is_digit(text[i - 1])) return false;
      ++i;
    } else {
      break;
    }
  }
  return true;
}

std::string misplaced_underscore(std::string_view text) {
  return fmt::format("misplaced `_` in `{}`; `_` may only stand between two digits", text);
}

}  // namespace

ParseResult<Duration> parse_duration(std::string_view text) {
  using R = ParseResult<Duration>;
  if (text.empty()) return R::failure("the duration is empty; write a number glued to a unit, e.g. `30s`");

  std::size_t i = 0;
  const bool negative = text[0] == '-';
  if (negative) {
    i = 1;
    if (i == text.size()) return R::failure("`-` must be followed by a duration, e.g. `-30s`");
  }

  const std::uint64_t limit =
      static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()) + (negative ? 1 : 0);
  const auto too_large = [&] {
    return R::failure(fmt::format("the duration `{}` is too large", text));
  };

  std::uint64_t whole_ms = 0;
  std::uint64_t sub_ms = 0;  // fractions of a millisecond, in units of 1/kFractionScale ms
  int last_rank = -1;
  std::string order_problem;  // reported after the whole text parsed, with the canonical form

  while (i < text.size()) {
    // The number.
    const std::size_t part_start = i;
    const char first = text[i];
    if (!is_digit(first)) {
      if (first == '.')
        return R::failure(fmt::format("a number must start with a digit in `{}`; write `0.5h`, not `.5h`", text));
      if (is_letter(first)) {
        std::size_t end = i;
        while (end < text.size() && is_letter(text[end])) ++end;
        return R::failure(fmt::format("the unit `{}` in `{}` has no number before it",
                                      text.substr(i, end - i), text));
      }
      if (first == '_') return R::failure(misplaced_underscore(text));
      return R::failure(fmt::format("unexpected `{}` in `{}`; a duration is a number glued to a unit, e.g. "
                                    "`1h30m`", first, text));
    }
    std::string int_digits;
    if (!scan_digits(text, i, int_digits)) return R::failure(misplaced_underscore(text));
    std::string frac_digits;
    if (i < text.size() && text[i] == '.') {
      ++i;
      if (i >= text.size() || !is_digit(text[i])) {
        if (i < text.size() && text[i] == '_') return R::failure(misplaced_underscore(text));
        return R::failure(fmt::format("expected digits after `.` in `{}`", text));
      }
      if (!scan_digits(text, i, frac_digits)) return R::failure(misplaced_underscore(text));
      if (frac_digits.size() > kMaxFractionDigits)
        return R::failure(fmt::format("too many decimal places in `{}`; at most {}", text, kMaxFractionDigits));
    }

    // The unit.
    const std::size_t unit_start = i;
    while (i < text.size() && is_letter(text[i])) ++i;
    const std::string_view unit = text.substr(unit_start, i - unit_start);
    const std::string_view number = text.substr(part_start, unit_start - part_start);
    if (unit.empty()) {
      if (i == text.size())
        return R::failure(fmt::format("the number `{}` at the end of `{}` has no unit; {}", number, text, kUnitList));
      return R::failure(fmt::format("unexpected `{}` after `{}` in `{}`; {}", text[i], number, text, kUnitList));
    }
    const int rank = unit_rank(unit);
    if (rank < 0) return R::failure(fmt::format("unknown unit `{}` in `{}`; {}", unit, text, kUnitList));
    if (order_problem.empty()) {
      if (rank == last_rank)
        order_problem = fmt::format("the unit `{}` appears twice in `{}`", unit, text);
      else if (rank < last_rank)
        order_problem = fmt::format("the units in `{}` must go from the largest to the smallest", text);
    }
    last_rank = std::max(last_rank, rank);

    // Accumulate exactly: whole milliseconds plus a sub-millisecond remainder.
    const std::uint64_t unit_ms = kUnits[static_cast<std::size_t>(rank)].ms;
    std::uint64_t count = 0;
    for (char c : int_digits) {
      if (__builtin_mul_overflow(count, 10u, &count) ||
          __builtin_add_overflow(count, static_cast<std::uint64_t>(c - '0'), &count))
        return too_large();
    }
    std::uint64_t part_ms = 0;
    if (__builtin_mul_overflow(count, unit_ms, &part_ms) || __builtin_add_overflow(whole_ms, part_ms, &whole_ms))
      return too_large();
    if (!frac_digits.empty()) {
      std::uint64_t fraction = 0;  // the fraction scaled to kFractionScale
      for (std::size_t k = 0; k < kMaxFractionDigits; ++k)
        fraction = fraction * 10 + (k < frac_digits.size() ? static_cast<std::uint64_t>(frac_digits[k] - '0') : 0);
      const std::uint64_t scaled = fraction * unit_ms;  // < 10^9 * 6.048 * 10^8: fits
      if (__builtin_add_overflow(whole_ms, scaled / kFractionScale, &whole_ms)) return too_large();
      sub_ms += scaled % kFractionScale;
    }
  }

  // Round the sub-millisecond remainder to the nearest millisecond, halves up.
  std::uint64_t rounding = sub_ms / kFractionScale + (sub_ms % kFractionScale * 2 >= kFractionScale ? 1 : 0);
  if (__builtin_add_overflow(whole_ms, rounding, &whole_ms) || whole_ms > limit) return too_large();

  const std::int64_t ms = negative ? static_cast<std::int64_t>(0 - whole_ms) : static_cast<std::int64_t>(whole_ms);
  if (!order_problem.empty())
    return R::failure(fmt::format("{}; write `{}`", order_problem, format_duration(Duration{ms})));
  return R::success(Duration{ms});
}

std::string format_duration(Duration d) {
  std::string out;
  append_duration(out, d);
  return out;
}

void append_duration(std::string& out, Duration d) {
  if (d.ms == 0) {
    out += "0s";
    return;
  }
  std::uint64_t magnitude = static_cast<std::uint64_t>(d.ms);
  if (d.ms < 0) {
    out.push_back('-');
    magnitude = 0 - magnitude;
  }
  for (const Unit& unit : kUnits) {
    const std::uint64_t count = magnitude / unit.ms;
    if (count == 0) continue;
    char digits[24];
    out.append(digits, fmt::format_to(digits, FMT_COMPILE("{}"), count));
    out += unit.name;
    magnitude %= unit.ms;
  }
}

}  // namespace iwd::stdlib
