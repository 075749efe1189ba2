// Civil-calendar arithmetic (proleptic Gregorian). The day-count conversions follow the
// well-known public-domain era/day-of-era method: shift the year to start in March so the
// leap day is last, then count 400-year eras of 146097 days.
#include <array>

#include "stdlib/time.h"

namespace iwd::stdlib {
namespace {

constexpr std::int64_t kDaysPerEra = 146097;         // 400 Gregorian years
constexpr std::int64_t kEpochShift = 719468;         // days from 0000-03-01 to 1970-01-01

constexpr std::array<std::string_view, 12> kMonthNames = {
    "January", "February", "March",     "April",   "May",      "June",
    "July",    "August",   "September", "October", "November", "December"};
constexpr std::array<std::string_view, 7> kWeekdayNames = {"mon", "tue", "wed", "thu",
                                                           "fri", "sat", "sun"};

}  // namespace

int days_in_month(std::int64_t year, int month) {
  switch (month) {
    case 1: case 3: case 5: case 7: case 8: case 10: case 12: return 31;
    case 4: case 6: case 9: case 11: return 30;
    case 2: return is_leap_year(year) ? 29 : 28;
    default: return 0;
  }
}

std::string_view month_name(int month) {
  if (month < 1 || month > 12) return {};
  return kMonthNames[static_cast<std::size_t>(month - 1)];
}

std::int64_t days_from_civil(std::int64_t year, int month, int day) {
  const std::int64_t y = month <= 2 ? year - 1 : year;  // years start on March 1st
  const std::int64_t era = floor_div(y, 400);
  const std::int64_t year_of_era = y - era * 400;                         // 0..399
  const std::int64_t month_from_march = (month + 9) % 12;                 // March = 0
  const std::int64_t day_of_year = (153 * month_from_march + 2) / 5 + day - 1;  // 0..365
  const std::int64_t day_of_era =
      year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;  // 0..146096
  return era * kDaysPerEra + day_of_era - kEpochShift;
}

std::int64_t days_from_civil(const CivilDate& date) {
  return days_from_civil(date.year, date.month, date.day);
}

CivilDate civil_from_days(std::int64_t days_since_epoch) {
  const std::int64_t z = days_since_epoch + kEpochShift;
  const std::int64_t era = floor_div(z, kDaysPerEra);
  const std::int64_t day_of_era = z - era * kDaysPerEra;  // 0..146096
  const std::int64_t year_of_era =
      (day_of_era - day_of_era / 1460 + day_of_era / 36524 - day_of_era / 146096) / 365;
  const std::int64_t day_of_year =
      day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);  // 0..365
  const std::int64_t month_from_march = (5 * day_of_year + 2) / 153;            // 0..11
  const int day = static_cast<int>(day_of_year - (153 * month_from_march + 2) / 5 + 1);
  const int month = static_cast<int>(month_from_march < 10 ? month_from_march + 3 : month_from_march - 9);
  const std::int64_t year = year_of_era + era * 400 + (month <= 2 ? 1 : 0);
  return CivilDate{year, month, day};
}

Weekday weekday_from_days(std::int64_t days_since_epoch) {
  // 1970-01-01 was a Thursday (index 3 with Monday = 0).
  return static_cast<Weekday>(floor_mod(days_since_epoch + 3, 7));
}

std::string_view weekday_name(Weekday day) {
  return kWeekdayNames[static_cast<std::size_t>(day) % kWeekdayNames.size()];
}

std::optional<Weekday> parse_weekday(std::string_view name) {
  for (std::size_t i = 0; i < kWeekdayNames.size(); ++i)
    if (kWeekdayNames[i] == name) return static_cast<Weekday>(i);
  return std::nullopt;
}

CivilDateTime civil_from_instant(Instant t, int utc_offset_minutes) {
  const std::int64_t local_ms = t.ms_since_epoch + std::int64_t{utc_offset_minutes} * kMsPerMinute;
  const std::int64_t days = floor_div(local_ms, kMsPerDay);
  const std::int64_t ms_of_day = local_ms - days * kMsPerDay;
  CivilDateTime out;
  out.date = civil_from_days(days);
  out.hour = static_cast<int>(ms_of_day / kMsPerHour);
  out.minute = static_cast<int>(ms_of_day / kMsPerMinute % 60);
  out.second = static_cast<int>(ms_of_day / kMsPerSecond % 60);
  out.millisecond = static_cast<int>(ms_of_day % kMsPerSecond);
  return out;
}

Instant instant_from_civil(const CivilDateTime& civil, int utc_offset_minutes) {
  const std::int64_t local_ms = days_from_civil(civil.date) * kMsPerDay + civil.hour * kMsPerHour +
                                civil.minute * kMsPerMinute + civil.second * kMsPerSecond +
                                civil.millisecond;
  return Instant{local_ms - std::int64_t{utc_offset_minutes} * kMsPerMinute};
}

}  // namespace iwd::stdlib
