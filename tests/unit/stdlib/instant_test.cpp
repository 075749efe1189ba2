#include <random>

#include <gtest/gtest.h>

#include "stdlib/time.h"

namespace iwd::stdlib {
namespace {

ParsedInstant instant_of(std::string_view text) {
  auto r = parse_instant(text);
  EXPECT_TRUE(r.ok()) << text << ": " << r.error;
  return r.value;
}

std::string instant_error(std::string_view text) {
  auto r = parse_instant(text);
  EXPECT_FALSE(r.ok()) << text << " parsed as " << format_instant(r.value.instant);
  return r.error;
}

// 2026-11-23T00:00:00Z, checked against `date -u -d 2026-11-23 +%s`.
constexpr std::int64_t k20261123 = 1'795'392'000'000;

TEST(ParseInstant, UtcAndOffsets) {
  EXPECT_EQ(instant_of("1970-01-01T00:00:00Z").instant.ms_since_epoch, 0);
  auto z = instant_of("2026-11-23T09:00:00Z");
  EXPECT_EQ(z.instant.ms_since_epoch, k20261123 + 9 * kMsPerHour);
  EXPECT_EQ(z.utc_offset_minutes, 0);
  auto plus = instant_of("2026-11-23T09:00:00+01:00");
  EXPECT_EQ(plus.instant.ms_since_epoch, k20261123 + 8 * kMsPerHour);
  EXPECT_EQ(plus.utc_offset_minutes, 60);
  auto minus = instant_of("2026-11-23T09:00:00-05:30");
  EXPECT_EQ(minus.instant.ms_since_epoch, k20261123 + 14 * kMsPerHour + 30 * kMsPerMinute);
  EXPECT_EQ(minus.utc_offset_minutes, -330);
  EXPECT_EQ(instant_of("2026-11-23T00:30:00+01:00").instant.ms_since_epoch,
            k20261123 - 30 * kMsPerMinute);  // the day before in UTC
  EXPECT_EQ(instant_of("2026-11-23T09:00:00-00:00").utc_offset_minutes, 0);
}

TEST(ParseInstant, OptionalSecondsAndFractions) {
  EXPECT_EQ(instant_of("2026-11-23T09:00Z").instant, instant_of("2026-11-23T09:00:00Z").instant);
  EXPECT_EQ(instant_of("2026-11-23T09:00+01:00").instant.ms_since_epoch, k20261123 + 8 * kMsPerHour);
  EXPECT_EQ(instant_of("2026-11-23T00:00:00.123Z").instant.ms_since_epoch, k20261123 + 123);
  EXPECT_EQ(instant_of("2026-11-23T00:00:00.5Z").instant.ms_since_epoch, k20261123 + 500);
  EXPECT_EQ(instant_of("2026-11-23T00:00:00.05Z").instant.ms_since_epoch, k20261123 + 50);
  EXPECT_EQ(instant_error("2026-11-23T00:00:00.1234Z"),
            "the fraction `.1234` has more than 3 digits; instants have millisecond precision");
  EXPECT_EQ(instant_error("2026-11-23T00:00:00.Z"), "expected digits after `.` in the seconds");
}

TEST(ParseInstant, LeapYears) {
  EXPECT_TRUE(parse_instant("2028-02-29T12:00:00Z").ok());
  EXPECT_TRUE(parse_instant("2000-02-29T12:00:00Z").ok());
  EXPECT_EQ(instant_error("2027-02-29T12:00:00Z"),
            "day 29 is out of range: February 2027 has 28 days (2027 is not a leap year)");
  EXPECT_EQ(instant_error("1900-02-29T12:00:00Z"),
            "day 29 is out of range: February 1900 has 28 days (1900 is not a leap year)");
  EXPECT_EQ(instant_error("2028-02-30T12:00:00Z"), "day 30 is out of range: February 2028 has 29 days");
}

TEST(ParseInstant, RangeErrorsNameTheField) {
  EXPECT_EQ(instant_error("2026-13-01T09:00:00Z"), "month 13 is out of range (1..12)");
  EXPECT_EQ(instant_error("2026-00-01T09:00:00Z"), "month 0 is out of range (1..12)");
  EXPECT_EQ(instant_error("2026-04-31T09:00:00Z"), "day 31 is out of range: April has 30 days");
  EXPECT_EQ(instant_error("2026-04-00T09:00:00Z"), "day 0 is out of range (1..30)");
  EXPECT_EQ(instant_error("2026-11-23T24:00:00Z"), "hour 24 is out of range (0..23)");
  EXPECT_EQ(instant_error("2026-11-23T09:60:00Z"), "minute 60 is out of range (0..59)");
  EXPECT_EQ(instant_error("2026-11-23T09:00:60Z"),
            "second 60 is out of range (0..59); leap seconds are not supported");
  EXPECT_EQ(instant_error("2026-11-23T09:00:00+24:00"), "offset hour 24 is out of range (0..23)");
  EXPECT_EQ(instant_error("2026-11-23T09:00:00+01:60"), "offset minute 60 is out of range (0..59)");
}

TEST(ParseInstant, ShapeErrors) {
  EXPECT_EQ(instant_error("2026-11-23T09:00:00"),
            "missing the UTC offset; end the instant with `Z` for UTC or an offset such as `+01:00`");
  EXPECT_EQ(instant_error("2026-11-23"), "expected `T` and a time after the date, as in `2026-11-23T09:00:00Z`");
  EXPECT_EQ(instant_error("2026-11-23 09:00:00Z"),
            "expected `T` between the date and the time, as in `2026-11-23T09:00:00Z`");
  EXPECT_EQ(instant_error("2026-11-23t09:00:00Z"),
            "expected `T` between the date and the time, as in `2026-11-23T09:00:00Z`");
  EXPECT_EQ(instant_error("26-11-23T09:00:00Z"), "expected a 4-digit year at the start, as in `2026-12-25`");
  EXPECT_EQ(instant_error("20266-11-23T09:00:00Z"), "expected a 4-digit year at the start, as in `2026-12-25`");
  EXPECT_EQ(instant_error("2026-1-23T09:00:00Z"), "expected a 2-digit month after the year, as in `2026-12-25`");
  EXPECT_EQ(instant_error("2026/11/23T09:00:00Z"), "expected `-` after the year, as in `2026-12-25`");
  EXPECT_EQ(instant_error("2026-11-23T9:00:00Z"), "expected a 2-digit hour after `T`, as in `2026-11-23T09:00:00Z`");
  EXPECT_EQ(instant_error("2026-11-23T09Z"), "expected `:` after the hour, as in `09:00`");
  EXPECT_EQ(instant_error("2026-11-23T09:00:00z"),
            "unexpected `z` after the time; expected `Z` or an offset such as `+01:00`");
  EXPECT_EQ(instant_error("2026-11-23T09:00:00+0100"),
            "expected the UTC offset as `+HH:MM` or `-HH:MM`, e.g. `+01:00`");
  EXPECT_EQ(instant_error("2026-11-23T09:00:00+01"), "expected the UTC offset as `+HH:MM` or `-HH:MM`, e.g. `+01:00`");
  EXPECT_EQ(instant_error("2026-11-23T09:00:00Zx"), "unexpected `x` after the UTC offset");
  EXPECT_EQ(instant_error(""), "expected a 4-digit year at the start, as in `2026-12-25`");
}

TEST(FormatInstant, Utc) {
  EXPECT_EQ(format_instant(Instant{0}), "1970-01-01T00:00:00Z");
  EXPECT_EQ(format_instant(instant_of("2026-12-01T17:00:00+01:00").instant), "2026-12-01T16:00:00Z");
  EXPECT_EQ(format_instant(Instant{k20261123 + 123}), "2026-11-23T00:00:00.123Z");
  EXPECT_EQ(format_instant(Instant{k20261123 + 5}), "2026-11-23T00:00:00.005Z");
  EXPECT_EQ(format_instant(Instant{-1}), "1969-12-31T23:59:59.999Z");
}

// append_instant (the writers of many results, `iwd eval --items`) appends what format_instant gives.
TEST(FormatInstant, AppendedAsFormatted) {
  for (const std::int64_t ms : {std::int64_t{0}, std::int64_t{-1}, k20261123 + 123, k20261123 + 5, std::int64_t{253402300799999}}) {
    std::string out = "due ";
    append_instant(out, Instant{ms});
    EXPECT_EQ(out, "due " + format_instant(Instant{ms}));
  }
  std::string out;
  append_instant(out, Instant{0});
  EXPECT_EQ(out, "1970-01-01T00:00:00Z");
}

TEST(FormatInstant, WithOffset) {
  const Instant t = instant_of("2026-12-01T16:00:00Z").instant;
  EXPECT_EQ(format_instant(t, 60), "2026-12-01T17:00:00+01:00");
  EXPECT_EQ(format_instant(t, -330), "2026-12-01T10:30:00-05:30");
  EXPECT_EQ(format_instant(t, 0), "2026-12-01T16:00:00Z");
  EXPECT_EQ(format_instant(instant_of("2026-12-31T23:30:00Z").instant, 120), "2027-01-01T01:30:00+02:00");
}

TEST(FormatInstant, RoundTrips) {
  std::mt19937_64 rng(42);
  const std::int64_t lo = instant_of("0000-01-01T00:00:00Z").instant.ms_since_epoch;
  const std::int64_t hi = instant_of("9999-12-31T23:59:59.999Z").instant.ms_since_epoch;
  std::uniform_int_distribution<std::int64_t> when(lo + kMsPerDay, hi - kMsPerDay);
  std::uniform_int_distribution<int> offset(-23 * 60 - 59, 23 * 60 + 59);
  for (int i = 0; i < 2000; ++i) {
    const Instant t{when(rng)};
    const int off = offset(rng);
    const std::string text = format_instant(t, off);
    auto r = parse_instant(text);
    ASSERT_TRUE(r.ok()) << text << ": " << r.error;
    EXPECT_EQ(r.value.instant, t) << text;
    EXPECT_EQ(r.value.utc_offset_minutes, off) << text;
    EXPECT_EQ(parse_instant(format_instant(t)).value.instant, t);
  }
}

TEST(InstantArithmetic, Basics) {
  constexpr Instant t{1000};
  static_assert(t + Duration{500} == Instant{1500});
  static_assert(Duration{500} + t == Instant{1500});
  static_assert(t - Duration{500} == Instant{500});
  static_assert(Instant{1500} - t == Duration{500});
  static_assert(t < Instant{1001});
  Instant u = t;
  u += Duration::seconds(1);
  u -= Duration{1};
  EXPECT_EQ(u, Instant{1999});
}

TEST(ParseDate, ValidDates) {
  EXPECT_EQ(parse_date("1970-01-01").value, 0);
  EXPECT_EQ(parse_date("1970-01-02").value, 1);
  EXPECT_EQ(parse_date("1969-12-31").value, -1);
  EXPECT_EQ(parse_date("2026-11-23").value, k20261123 / kMsPerDay);
  EXPECT_EQ(parse_date("2000-03-01").value - parse_date("2000-02-28").value, 2);
  EXPECT_EQ(parse_date("2100-03-01").value - parse_date("2100-02-28").value, 1);
  EXPECT_EQ(format_date(parse_date("2026-12-25").value), "2026-12-25");
}

TEST(ParseDate, Errors) {
  EXPECT_EQ(parse_date("2027-02-29").error,
            "day 29 is out of range: February 2027 has 28 days (2027 is not a leap year)");
  EXPECT_EQ(parse_date("2026-12-32").error, "day 32 is out of range: December has 31 days");
  EXPECT_EQ(parse_date("2026-13-01").error, "month 13 is out of range (1..12)");
  EXPECT_EQ(parse_date("2026-12-25T09:00Z").error,
            "a date has no time of day; write only `YYYY-MM-DD`, as in `2026-12-25`");
  EXPECT_EQ(parse_date("2026-12-25x").error, "unexpected `x` after the date");
  EXPECT_EQ(parse_date("2026-12-5").error, "expected a 2-digit day after the month, as in `2026-12-25`");
  EXPECT_FALSE(parse_date("").ok());
}

TEST(ParseTimeOfDay, Valid) {
  EXPECT_EQ(parse_time_of_day("00:00").value, 0);
  EXPECT_EQ(parse_time_of_day("08:00").value, 480);
  EXPECT_EQ(parse_time_of_day("17:30").value, 17 * 60 + 30);
  EXPECT_EQ(parse_time_of_day("23:59").value, 1439);
  EXPECT_EQ(parse_time_of_day("24:00").value, 1440);
  for (int m = 0; m <= kMinutesPerDay; ++m) EXPECT_EQ(parse_time_of_day(format_time_of_day(m)).value, m);
  EXPECT_EQ(format_time_of_day(1440), "24:00");
}

TEST(ParseTimeOfDay, Errors) {
  EXPECT_EQ(parse_time_of_day("24:01").error, "hour 24 is allowed only in `24:00`, the end of the day");
  EXPECT_EQ(parse_time_of_day("25:00").error, "hour 25 is out of range (0..24)");
  EXPECT_EQ(parse_time_of_day("08:60").error, "minute 60 is out of range (0..59)");
  EXPECT_EQ(parse_time_of_day("8:00").error, "expected a 2-digit hour, as in `08:00`");
  EXPECT_EQ(parse_time_of_day("0800").error, "expected a 2-digit hour, as in `08:00`");
  EXPECT_EQ(parse_time_of_day("08.00").error, "expected `:` between the hour and the minutes, as in `08:00`");
  EXPECT_EQ(parse_time_of_day("08:00:00").error, "a time of day has no seconds; write `HH:MM`, as in `08:00`");
  EXPECT_EQ(parse_time_of_day("08:00x").error, "unexpected `x` after the time of day");
  EXPECT_FALSE(parse_time_of_day("").ok());
}

TEST(ParseMonthDay, EveryYearDates) {
  EXPECT_EQ(parse_month_day("12-25").value, (MonthDay{12, 25}));
  EXPECT_EQ(parse_month_day("02-29").value, (MonthDay{2, 29}));
  EXPECT_EQ(parse_month_day("02-30").error, "day 30 is out of range: February has at most 29 days");
  EXPECT_EQ(parse_month_day("04-31").error, "day 31 is out of range: April has 30 days");
  EXPECT_EQ(parse_month_day("13-01").error, "month 13 is out of range (1..12)");
  EXPECT_EQ(parse_month_day("12-25-").error, "unexpected `-` after the day");
}

TEST(Civil, DayConversionsAgree) {
  EXPECT_EQ(days_from_civil(1970, 1, 1), 0);
  EXPECT_EQ(days_from_civil(2000, 3, 1), 11017);
  EXPECT_EQ(days_from_civil(0, 3, 1), -719468);
  EXPECT_EQ(civil_from_days(-719468), (CivilDate{0, 3, 1}));
  EXPECT_EQ(civil_from_days(-1), (CivilDate{1969, 12, 31}));
  // Walk day by day across 4 centuries, around the epoch and across year 0.
  for (std::int64_t start : {std::int64_t{-800'000}, std::int64_t{-100}, std::int64_t{700'000}}) {
    CivilDate prev = civil_from_days(start - 1);
    for (std::int64_t d = start; d < start + 146'100; ++d) {
      const CivilDate c = civil_from_days(d);
      ASSERT_EQ(days_from_civil(c), d);
      ASSERT_GE(c.day, 1);
      ASSERT_LE(c.day, days_in_month(c.year, c.month));
      if (c.day == 1) {
        ASSERT_EQ(prev.day, days_in_month(prev.year, prev.month));
      } else {
        ASSERT_EQ(c.day, prev.day + 1);
      }
      prev = c;
    }
  }
}

TEST(Civil, LeapYearsAndMonths) {
  EXPECT_TRUE(is_leap_year(2024));
  EXPECT_TRUE(is_leap_year(2000));
  EXPECT_FALSE(is_leap_year(1900));
  EXPECT_FALSE(is_leap_year(2027));
  EXPECT_TRUE(is_leap_year(0));
  EXPECT_TRUE(is_leap_year(-4));
  EXPECT_EQ(days_in_month(2028, 2), 29);
  EXPECT_EQ(days_in_month(2027, 2), 28);
  EXPECT_EQ(days_in_month(2027, 4), 30);
  EXPECT_EQ(days_in_month(2027, 13), 0);
  EXPECT_EQ(month_name(9), "September");
  EXPECT_EQ(month_name(0), "");
}

TEST(Civil, Weekdays) {
  EXPECT_EQ(weekday_from_days(0), Weekday::Thu);  // 1970-01-01
  EXPECT_EQ(weekday_from_days(-1), Weekday::Wed);
  EXPECT_EQ(weekday_from_days(parse_date("2026-11-23").value), Weekday::Mon);
  EXPECT_EQ(weekday_from_days(parse_date("2026-12-25").value), Weekday::Fri);
  EXPECT_EQ(weekday_from_days(parse_date("2000-01-01").value), Weekday::Sat);
  EXPECT_EQ(weekday_name(Weekday::Mon), "mon");
  EXPECT_EQ(weekday_name(Weekday::Sun), "sun");
  EXPECT_EQ(parse_weekday("wed"), Weekday::Wed);
  EXPECT_EQ(parse_weekday("Wed"), std::nullopt);
  EXPECT_EQ(parse_weekday("wednesday"), std::nullopt);
}

TEST(Civil, InstantReadings) {
  const Instant t = parse_instant("2026-11-23T09:05:07.089+01:00").value.instant;
  const CivilDateTime berlin = civil_from_instant(t, 60);
  EXPECT_EQ(berlin, (CivilDateTime{{2026, 11, 23}, 9, 5, 7, 89}));
  const CivilDateTime utc = civil_from_instant(t);
  EXPECT_EQ(utc, (CivilDateTime{{2026, 11, 23}, 8, 5, 7, 89}));
  EXPECT_EQ(instant_from_civil(berlin, 60), t);
  EXPECT_EQ(instant_from_civil(utc), t);
  EXPECT_EQ(civil_from_instant(Instant{-1}), (CivilDateTime{{1969, 12, 31}, 23, 59, 59, 999}));
}

TEST(Civil, FloorDivision) {
  static_assert(floor_div(7, 2) == 3 && floor_div(-7, 2) == -4 && floor_div(-8, 2) == -4);
  static_assert(floor_mod(-7, 7) == 0 && floor_mod(-1, 7) == 6 && floor_mod(8, 7) == 1);
}

}  // namespace
}  // namespace iwd::stdlib

namespace iwd::stdlib {
namespace {

TEST(ParseInstant, GarbageNeverCrashes) {
  const std::string base = "2026-11-23T09:00:00.123+01:00";
  constexpr std::string_view alphabet = "0123456789-:T.Z+x";
  std::mt19937 rng(11);
  for (int i = 0; i < 5000; ++i) {
    std::string text = base.substr(0, rng() % (base.size() + 1));
    const int edits = static_cast<int>(rng() % 3);
    for (int k = 0; k < edits && !text.empty(); ++k) text[rng() % text.size()] = alphabet[rng() % alphabet.size()];
    auto r = parse_instant(text);
    if (r.ok()) {
      EXPECT_EQ(parse_instant(format_instant(r.value.instant, r.value.utc_offset_minutes)).value.instant,
                r.value.instant) << text;
    } else {
      EXPECT_FALSE(r.error.empty()) << text;
    }
    (void)parse_date(text);
    (void)parse_time_of_day(text.substr(0, rng() % 7));
  }
}

}  // namespace
}  // namespace iwd::stdlib
