#include <cstdint>
#include <limits>
#include <random>

#include <gtest/gtest.h>

#include "stdlib/time.h"

namespace iwd::stdlib {
namespace {

std::int64_t ms_of(std::string_view text) {
  auto r = parse_duration(text);
  EXPECT_TRUE(r.ok()) << text << ": " << r.error;
  return r.value.ms;
}

std::string error_of(std::string_view text) {
  auto r = parse_duration(text);
  EXPECT_FALSE(r.ok()) << text << " parsed as " << r.value.ms << " ms";
  return r.error;
}

TEST(ParseDuration, SingleUnits) {
  EXPECT_EQ(ms_of("250ms"), 250);
  EXPECT_EQ(ms_of("30s"), 30'000);
  EXPECT_EQ(ms_of("15m"), 15 * kMsPerMinute);
  EXPECT_EQ(ms_of("72h"), 72 * kMsPerHour);
  EXPECT_EQ(ms_of("5d"), 5 * kMsPerDay);
  EXPECT_EQ(ms_of("2w"), 14 * kMsPerDay);
  EXPECT_EQ(ms_of("0s"), 0);
  EXPECT_EQ(ms_of("0ms"), 0);
}

TEST(ParseDuration, ChainedParts) {
  EXPECT_EQ(ms_of("1h30m"), 90 * kMsPerMinute);
  EXPECT_EQ(ms_of("1w2d3h4m5s6ms"), kMsPerWeek + 2 * kMsPerDay + 3 * kMsPerHour + 4 * kMsPerMinute + 5006);
  EXPECT_EQ(ms_of("1m5s"), 65'000);
  EXPECT_EQ(ms_of("1s500ms"), 1500);
  EXPECT_EQ(ms_of("2d12h"), 60 * kMsPerHour);
}

TEST(ParseDuration, Fractions) {
  EXPECT_EQ(ms_of("1.5d"), 36 * kMsPerHour);
  EXPECT_EQ(ms_of("0.5h"), 30 * kMsPerMinute);
  EXPECT_EQ(ms_of("1.25s"), 1250);
  EXPECT_EQ(ms_of("1.5h30m"), 2 * kMsPerHour);
  EXPECT_EQ(ms_of("0.000000001w"), 1);  // 0.6048 ms rounds up
}

TEST(ParseDuration, RoundsToNearestMillisecond) {
  EXPECT_EQ(ms_of("0.4ms"), 0);
  EXPECT_EQ(ms_of("0.5ms"), 1);
  EXPECT_EQ(ms_of("1.4999ms"), 1);
  EXPECT_EQ(ms_of("0.0005s"), 1);
  EXPECT_EQ(ms_of("0.0004s"), 0);
  // Rounded once, over the total: 0.3 ms + 0.3 ms = 0.6 ms -> 1 ms.
  EXPECT_EQ(ms_of("0.0003s0.3ms"), 1);
}

TEST(ParseDuration, Underscores) {
  EXPECT_EQ(ms_of("1_000ms"), 1000);
  EXPECT_EQ(ms_of("1_000_000s"), 1'000'000'000);
  EXPECT_EQ(ms_of("1.000_5s"), 1001);  // 1000.5 ms rounds up
  EXPECT_NE(error_of("1__000ms").find("misplaced `_`"), std::string::npos);
  EXPECT_NE(error_of("_1s").find("misplaced `_`"), std::string::npos);
  EXPECT_NE(error_of("1_s").find("misplaced `_`"), std::string::npos);
  EXPECT_NE(error_of("1_.5s").find("misplaced `_`"), std::string::npos);
  EXPECT_NE(error_of("1._5s").find("misplaced `_`"), std::string::npos);
}

TEST(ParseDuration, NegativeForRoundTrips) {
  EXPECT_EQ(ms_of("-30s"), -30'000);
  EXPECT_EQ(ms_of("-1h30m"), -90 * kMsPerMinute);
  EXPECT_EQ(error_of("-"), "`-` must be followed by a duration, e.g. `-30s`");
  EXPECT_EQ(error_of("--1s"), "unexpected `-` in `--1s`; a duration is a number glued to a unit, e.g. `1h30m`");
}

TEST(ParseDuration, ErrorMessages) {
  EXPECT_EQ(error_of(""), "the duration is empty; write a number glued to a unit, e.g. `30s`");
  EXPECT_EQ(error_of("5x"), "unknown unit `x` in `5x`; units are ms, s, m, h, d, w");
  EXPECT_EQ(error_of("5min"), "unknown unit `min` in `5min`; units are ms, s, m, h, d, w");
  EXPECT_EQ(error_of("5H"), "unknown unit `H` in `5H`; units are ms, s, m, h, d, w");
  EXPECT_EQ(error_of("1hh"), "unknown unit `hh` in `1hh`; units are ms, s, m, h, d, w");
  EXPECT_EQ(error_of("30"), "the number `30` at the end of `30` has no unit; units are ms, s, m, h, d, w");
  EXPECT_EQ(error_of("1h30"), "the number `30` at the end of `1h30` has no unit; units are ms, s, m, h, d, w");
  EXPECT_EQ(error_of("h"), "the unit `h` in `h` has no number before it");
  EXPECT_EQ(error_of(".5h"), "a number must start with a digit in `.5h`; write `0.5h`, not `.5h`");
  EXPECT_EQ(error_of("1.h"), "expected digits after `.` in `1.h`");
  EXPECT_EQ(error_of("1.5.5h"), "unexpected `.` after `1.5` in `1.5.5h`; units are ms, s, m, h, d, w");
  EXPECT_EQ(error_of("1h 30m"), "unexpected ` ` in `1h 30m`; a duration is a number glued to a unit, e.g. `1h30m`");
  EXPECT_EQ(error_of("1h,30m"), "unexpected `,` in `1h,30m`; a duration is a number glued to a unit, e.g. `1h30m`");
  EXPECT_EQ(error_of("0.0000000001s"), "too many decimal places in `0.0000000001s`; at most 9");
}

TEST(ParseDuration, UnitOrder) {
  EXPECT_EQ(error_of("30m1h"), "the units in `30m1h` must go from the largest to the smallest; write `1h30m`");
  EXPECT_EQ(error_of("1h2h"), "the unit `h` appears twice in `1h2h`; write `3h`");
  EXPECT_EQ(error_of("500ms1s"), "the units in `500ms1s` must go from the largest to the smallest; write `1s500ms`");
  // A syntax error later in the text wins over the order.
  EXPECT_EQ(error_of("30m1x"), "unknown unit `x` in `30m1x`; units are ms, s, m, h, d, w");
}

TEST(ParseDuration, Overflow) {
  EXPECT_EQ(ms_of("9223372036854775807ms"), std::numeric_limits<std::int64_t>::max());
  EXPECT_EQ(ms_of("-9223372036854775808ms"), std::numeric_limits<std::int64_t>::min());
  EXPECT_EQ(error_of("9223372036854775808ms"), "the duration `9223372036854775808ms` is too large");
  EXPECT_EQ(error_of("99999999999999999999999s"), "the duration `99999999999999999999999s` is too large");
  EXPECT_EQ(ms_of("15250284452w"), 15250284452 * kMsPerWeek);
  EXPECT_EQ(error_of("15250284453w"), "the duration `15250284453w` is too large");
  EXPECT_EQ(error_of("15250284452w4d"), "the duration `15250284452w4d` is too large");
}

// append_duration (the writers of many results) appends what format_duration gives.
TEST(FormatDuration, AppendedAsFormatted) {
  for (const std::int64_t ms : {std::int64_t{0}, std::int64_t{1}, std::int64_t{-30000}, std::int64_t{5400000},
                                std::numeric_limits<std::int64_t>::min(), std::numeric_limits<std::int64_t>::max()}) {
    std::string out = "at ";
    append_duration(out, Duration{ms});
    EXPECT_EQ(out, "at " + format_duration(Duration{ms}));
  }
  std::string out;
  append_duration(out, Duration::hours(6));
  EXPECT_EQ(out, "6h");
}

TEST(FormatDuration, CanonicalForms) {
  EXPECT_EQ(format_duration(Duration{0}), "0s");
  EXPECT_EQ(format_duration(Duration::minutes(90)), "1h30m");
  EXPECT_EQ(format_duration(Duration{1500}), "1s500ms");
  EXPECT_EQ(format_duration(Duration::hours(72)), "3d");
  EXPECT_EQ(format_duration(Duration::days(10)), "1w3d");
  EXPECT_EQ(format_duration(Duration::days(14)), "2w");
  EXPECT_EQ(format_duration(Duration{1}), "1ms");
  EXPECT_EQ(format_duration(Duration::seconds(-30)), "-30s");
  EXPECT_EQ(format_duration(Duration::hours(1) + Duration{1}), "1h1ms");
  EXPECT_EQ(format_duration(Duration{std::numeric_limits<std::int64_t>::min()}),
            "-15250284452w3d7h12m55s808ms");
}

void expect_round_trip(std::int64_t ms) {
  const std::string text = format_duration(Duration{ms});
  auto r = parse_duration(text);
  ASSERT_TRUE(r.ok()) << ms << " -> " << text << ": " << r.error;
  EXPECT_EQ(r.value.ms, ms) << text;
}

TEST(FormatDuration, RoundTrips) {
  const std::int64_t fixed[] = {0, 1, -1, 999, 1000, 1001, 59'999, 60'000, 3'599'999, kMsPerHour, kMsPerDay - 1,
                                kMsPerDay, kMsPerWeek, kMsPerWeek + 1, std::numeric_limits<std::int64_t>::max(),
                                std::numeric_limits<std::int64_t>::min()};
  for (std::int64_t ms : fixed) expect_round_trip(ms);
  std::mt19937_64 rng(20261123);
  for (int i = 0; i < 2000; ++i) {
    // Mix magnitudes so every unit combination shows up.
    const int bits = static_cast<int>(rng() % 63);
    const std::int64_t ms = static_cast<std::int64_t>(rng() >> (64 - bits - 1)) * (rng() % 2 ? 1 : -1);
    expect_round_trip(ms);
  }
}

TEST(DurationArithmetic, Basics) {
  constexpr Duration a = Duration::hours(1);
  constexpr Duration b = Duration::minutes(30);
  static_assert(a + b == Duration::minutes(90));
  static_assert(a - b == b);
  static_assert(-a == Duration::hours(-1));
  static_assert(b * 2 == a && 2 * b == a);
  static_assert(a / 4 == Duration::minutes(15));
  static_assert(b < a && a > b && a >= a && b <= b && a != b);
  EXPECT_DOUBLE_EQ(a / b, 2.0);
  Duration c = a;
  c += b;
  c -= Duration::seconds(1);
  EXPECT_EQ(c, Duration::seconds(5399));
}

}  // namespace
}  // namespace iwd::stdlib

namespace iwd::stdlib {
namespace {

TEST(ParseDuration, GarbageNeverCrashesAndAlwaysExplains) {
  constexpr std::string_view alphabet = "0123456789._-msdhwx ";
  std::mt19937 rng(7);
  for (int i = 0; i < 5000; ++i) {
    std::string text;
    const int n = static_cast<int>(rng() % 12);
    for (int k = 0; k < n; ++k) text.push_back(alphabet[rng() % alphabet.size()]);
    auto r = parse_duration(text);
    if (r.ok()) {
      EXPECT_EQ(parse_duration(format_duration(r.value)).value, r.value) << text;
    } else {
      EXPECT_FALSE(r.error.empty()) << text;
    }
  }
}

}  // namespace
}  // namespace iwd::stdlib
