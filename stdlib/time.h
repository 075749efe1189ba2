// Time values shared by the compiler and the runtime: durations, instants (UTC, millisecond
// precision), dates and times of day, with the parsers and formatters for their literal
// syntax (LANGUAGE.md section 2) and the civil-calendar arithmetic they need.
//
// Parsers never throw: they return a ParseResult whose `error` says, in one sentence, what is
// wrong with the text (see stdlib/result.h).
#pragma once

#include <compare>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "stdlib/result.h"
#include "stdlib/time_zone.h"

namespace iwd::stdlib {

inline constexpr std::int64_t kMsPerSecond = 1000;
inline constexpr std::int64_t kMsPerMinute = 60 * kMsPerSecond;
inline constexpr std::int64_t kMsPerHour = 60 * kMsPerMinute;
inline constexpr std::int64_t kMsPerDay = 24 * kMsPerHour;
inline constexpr std::int64_t kMsPerWeek = 7 * kMsPerDay;
inline constexpr int kMinutesPerDay = 24 * 60;

// A signed length of time in milliseconds. A day is always 24 hours; business time is
// counted through calendars, not here. Arithmetic does not check for overflow.
struct Duration {
  std::int64_t ms = 0;

  static constexpr Duration millis(std::int64_t n) { return {n}; }
  static constexpr Duration seconds(std::int64_t n) { return {n * kMsPerSecond}; }
  static constexpr Duration minutes(std::int64_t n) { return {n * kMsPerMinute}; }
  static constexpr Duration hours(std::int64_t n) { return {n * kMsPerHour}; }
  static constexpr Duration days(std::int64_t n) { return {n * kMsPerDay}; }
  static constexpr Duration weeks(std::int64_t n) { return {n * kMsPerWeek}; }

  constexpr auto operator<=>(const Duration&) const = default;
};

constexpr Duration operator+(Duration a, Duration b) { return {a.ms + b.ms}; }
constexpr Duration operator-(Duration a, Duration b) { return {a.ms - b.ms}; }
constexpr Duration operator-(Duration a) { return {-a.ms}; }
constexpr Duration operator*(Duration a, std::int64_t k) { return {a.ms * k}; }
constexpr Duration operator*(std::int64_t k, Duration a) { return {a.ms * k}; }
constexpr Duration operator/(Duration a, std::int64_t k) { return {a.ms / k}; }  // truncates
// `duration / duration` is a number in the language.
constexpr double operator/(Duration a, Duration b) {
  return static_cast<double>(a.ms) / static_cast<double>(b.ms);
}
constexpr Duration& operator+=(Duration& a, Duration b) { a.ms += b.ms; return a; }
constexpr Duration& operator-=(Duration& a, Duration b) { a.ms -= b.ms; return a; }

// A point in time: milliseconds since 1970-01-01T00:00:00Z, leap seconds not counted.
struct Instant {
  std::int64_t ms_since_epoch = 0;

  constexpr auto operator<=>(const Instant&) const = default;
};

constexpr Instant operator+(Instant t, Duration d) { return {t.ms_since_epoch + d.ms}; }
constexpr Instant operator+(Duration d, Instant t) { return {t.ms_since_epoch + d.ms}; }
constexpr Instant operator-(Instant t, Duration d) { return {t.ms_since_epoch - d.ms}; }
constexpr Duration operator-(Instant a, Instant b) { return {a.ms_since_epoch - b.ms_since_epoch}; }
constexpr Instant& operator+=(Instant& t, Duration d) { t.ms_since_epoch += d.ms; return t; }
constexpr Instant& operator-=(Instant& t, Duration d) { t.ms_since_epoch -= d.ms; return t; }

// ---------------------------------------------------------------------------------------
// Durations

// Parses the language's duration syntax: a number glued to a unit, parts chained from the
// largest unit to the smallest, each unit at most once: `30s`, `15m`, `72h`, `1h30m`, `1.5d`,
// `1_000ms`. Units: ms, s, m, h, d (24 h), w (7 d). A number may have a fraction of up to 9
// digits and `_` between digits. The total is rounded to the nearest millisecond (halves
// up). A leading `-` is accepted so that every format_duration() result parses back; the
// language's literals have none (there `-` is the unary minus).
// Errors name the problem, e.g. "unknown unit `x` in `5x`; units are ms, s, m, h, d, w".
ParseResult<Duration> parse_duration(std::string_view text);

// The canonical short form: units from largest to smallest (w d h m s ms), parts that are
// zero left out, no fractions. Zero is "0s"; a negative duration gets a "-" prefix.
// Examples: 90 min -> "1h30m", 1500 ms -> "1s500ms", 72 h -> "3d", 10 d -> "1w3d",
// -30 s -> "-30s". parse_duration(format_duration(d)) == d for every d.
std::string format_duration(Duration d);
// format_duration(d) appended to `out`, without a string of its own (writers of many results).
void append_duration(std::string& out, Duration d);

// ---------------------------------------------------------------------------------------
// Civil calendar (proleptic Gregorian), after the well-known days-from-civil algorithms.

struct CivilDate {
  std::int64_t year = 1970;
  int month = 1;  // 1..12
  int day = 1;    // 1..31
  constexpr bool operator==(const CivilDate&) const = default;
};

// A wall-clock reading: a civil date and a time of day with millisecond precision.
struct CivilDateTime {
  CivilDate date;
  int hour = 0;         // 0..23
  int minute = 0;       // 0..59
  int second = 0;       // 0..59
  int millisecond = 0;  // 0..999
  constexpr bool operator==(const CivilDateTime&) const = default;
};

// Monday first, as in ISO 8601 and in the language's `mon..sun`.
enum class Weekday : std::uint8_t { Mon, Tue, Wed, Thu, Fri, Sat, Sun };

// Division rounding toward negative infinity (b > 0), and its non-negative remainder.
constexpr std::int64_t floor_div(std::int64_t a, std::int64_t b) {
  return a / b - ((a % b != 0) && (a < 0));
}
constexpr std::int64_t floor_mod(std::int64_t a, std::int64_t b) { return a - floor_div(a, b) * b; }

constexpr bool is_leap_year(std::int64_t year) {
  return year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
}
// 28..31; 0 when month is not 1..12.
int days_in_month(std::int64_t year, int month);
// "January" .. "December"; "" when month is not 1..12.
std::string_view month_name(int month);

// Days since 1970-01-01 of a valid civil date, and back.
std::int64_t days_from_civil(std::int64_t year, int month, int day);
std::int64_t days_from_civil(const CivilDate& date);
CivilDate civil_from_days(std::int64_t days_since_epoch);
Weekday weekday_from_days(std::int64_t days_since_epoch);

// "mon" .. "sun", and back (exact lower-case spelling only).
std::string_view weekday_name(Weekday day);
std::optional<Weekday> parse_weekday(std::string_view name);

// The wall-clock reading of `t` at a fixed offset from UTC (east positive), and back.
CivilDateTime civil_from_instant(Instant t, int utc_offset_minutes = 0);
Instant instant_from_civil(const CivilDateTime& civil, int utc_offset_minutes = 0);

// ---------------------------------------------------------------------------------------
// Instants, dates and times of day

struct ParsedInstant {
  Instant instant;             // UTC
  int utc_offset_minutes = 0;  // the offset as written: +01:00 -> 60, Z -> 0
};

// ISO 8601 with an offset or Z: `2026-11-23T09:00:00Z`, `2026-11-23T09:00:00+01:00`,
// `2026-11-23T09:00Z` (seconds optional), `2026-11-23T09:00:00.123Z` (1 to 3 fraction
// digits). Year 0000..9999; month, day (leap years included), hour 0..23, minute 0..59,
// second 0..59 and offset (up to ±23:59) are range-checked, and the error names the bad
// field: "month 13 is out of range (1..12)".
ParseResult<ParsedInstant> parse_instant(std::string_view text);

// `2026-12-01T16:00:00Z`; `.123` is appended only when the milliseconds are not zero.
std::string format_instant(Instant t);
// format_instant(t) appended to `out`, without a string of its own (writers of many results).
void append_instant(std::string& out, Instant t);
// The same instant as a wall-clock reading at the offset: `2026-12-01T17:00:00+01:00`
// (offset 0 gives `Z`). parse_instant() gives back the instant and the offset.
std::string format_instant(Instant t, int utc_offset_minutes);

// `2026-12-25` -> days since 1970-01-01, validated like parse_instant's date.
ParseResult<std::int64_t> parse_date(std::string_view text);
std::string format_date(std::int64_t days_since_epoch);  // `2026-12-25`

// `08:00` -> minutes since midnight (480). `24:00` (1440) is allowed as the end of a day.
ParseResult<int> parse_time_of_day(std::string_view text);
std::string format_time_of_day(int minutes);  // 480 -> `08:00`, 1440 -> `24:00`

// `12-25` (a date every year, as in `closed every 12-25`). February 29 is allowed.
struct MonthDay {
  int month = 1;
  int day = 1;
  constexpr bool operator==(const MonthDay&) const = default;
};
ParseResult<MonthDay> parse_month_day(std::string_view text);

}  // namespace iwd::stdlib
