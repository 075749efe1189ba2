// Business calendars (LANGUAGE.md section 6): open hours in a time zone, closed days and
// special days, and the business-time arithmetic behind `sla 72h in office`, `is_open`,
// `business_time` and `add_business`.
//
// Definition. An instant t is OPEN when, reading t on the calendar zone's wall clock as local
// date D and time of day m, m lies in one of D's hour ranges [from, to). D's hour ranges are:
//   - none, when D is a closed day (closed_days) or its (month, day) is in closed_yearly
//     (February 29 matches only in leap years) -- CLOSED WINS over special hours;
//   - else special_days[D] when D has special hours (an empty vector closes the day);
//   - else weekly[weekday(D)].
// Consequences of reading the wall clock: hours that fall in a spring-forward gap do not exist
// (a 00:00-24:00 day lasts 23 h), hours repeated by a fall-back overlap are open twice (the
// same day lasts 25 h), and a range's time of day never shifts with DST. A range that starts
// inside a gap opens when the clock first shows a time in it: Europe/Berlin 2026-03-29
// 02:30-10:00 opens at 03:00 CEST (unlike TimeZone::from_local, which reads 02:30 as 03:30).
// Business time between two instants is the measure of the open instants between them, to
// the millisecond.
//
// A range past midnight (`sun 22:00-02:00`) is given as two ranges, 22:00-24:00 on one day and
// 00:00-02:00 on the next weekday; the two join into one open stretch.
//
// Every query method is allocation-free and lock-free after make(); the work is bounded by the
// number of local days between the instants involved: the walk goes through the zone's spans
// of constant UTC offset and the local days within each, a day's ranges at a time (never
// minute by minute), so open intervals come in time order even where a zone's clock jumps
// back across midnight (America/St_Johns until 2011, whose change was at 00:01). Searches
// forward or backward give up after kMaxSearchDays local days (100 years) and return kNever /
// kNeverBefore; this happens only for calendars that are open on a few special days and not
// weekly, or for absurd durations.
#pragma once

#include <array>
#include <cstdint>
#include <limits>
#include <map>
#include <memory>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "stdlib/result.h"
#include "stdlib/time.h"
#include "stdlib/tz.h"

namespace iwd::stdlib {

struct CalendarSpec {
  std::string zone = "UTC";  // IANA name
  // Indexed by Weekday (0 = mon). [from, to) in minutes of the local day, sorted, not
  // overlapping, 0 <= from < to <= 1440.
  std::array<std::vector<std::pair<int, int>>, 7> weekly;
  std::vector<std::int64_t> closed_days;            // local dates, days since 1970-01-01
  std::vector<std::pair<int, int>> closed_yearly;   // (month, day), every year
  // A date's own hours, replacing its weekday's; an empty vector closes the day.
  std::map<std::int64_t, std::vector<std::pair<int, int>>> special_days;
};

inline constexpr Instant kNever{std::numeric_limits<std::int64_t>::max()};
inline constexpr Instant kNeverBefore{std::numeric_limits<std::int64_t>::min()};
inline constexpr std::int64_t kMaxSearchDays = 36525;  // 100 years

// The stretch of time a calendar's open-time table covers (BusinessCalendar::make): from and to
// are taken down to a UTC midnight; an empty window (to <= from) builds no table.
struct OpenTimeWindow {
  Instant from, to;
  // The default of make(spec): from two years before `now` to four years after it.
  static OpenTimeWindow around(Instant now);
};

class BusinessCalendar {
 public:
  // Validates `spec`: the zone must be known (TimeZone::find), ranges well-formed, sorted and
  // not overlapping (touching is fine), (month, day) pairs real dates, and the calendar must be
  // open at some instant. closed_days need not be sorted; duplicates are fine.
  //
  // The open-time table. make() also lists the open intervals of `window` (by default the
  // years around the present) with the running sums of their open time, so that
  // business_time within the window is two lookups and a subtraction and add_business one
  // lookup and a binary search, instead of a walk over local days. Outside the window (the
  // part of a query that falls outside it), and for a calendar with more open intervals than
  // the table holds (kMaxOpenTimeIntervals), the walk answers; so does add_business when
  // asked for the counted intervals. The table is the walk's own output: every answer is the
  // walk's to the millisecond (business_time_walk / add_business_walk are the oracle).
  // Copies of a calendar share one table.
  static ParseResult<BusinessCalendar> make(const CalendarSpec& spec);
  static ParseResult<BusinessCalendar> make(const CalendarSpec& spec, OpenTimeWindow window);
  static constexpr std::size_t kMaxOpenTimeIntervals = 1u << 16;
  // Whether the table was built, and the window it covers (empty without one).
  bool has_open_time_table() const { return open_times_ != nullptr; }
  OpenTimeWindow open_time_window() const;

  const TimeZone& zone() const { return *zone_; }

  bool is_open(Instant t) const;

  // Open time in [from, to); negative (minus the open time in [to, from)) when to < from.
  // Only open time within the years 0000..9999 (those parse_instant accepts) is counted, so
  // kNever as an argument is safe; the work is linear in the number of days in between.
  Duration business_time(Instant from, Instant to) const;

  // d >= 0: the EARLIEST instant u >= t with business_time(t, u) == d. So d = 0 gives t itself,
  // open or closed; from a closed t the count starts at the next opening; when the count ends
  // exactly at a closing time the result is that closing time (18:00), not the next opening.
  // d < 0: the LATEST instant u <= t with business_time(u, t) == -d (counting backwards).
  // Round trip: business_time(t, add_business(t, d)) == d for every t and d (open or closed).
  // kNever / kNeverBefore when not reached within kMaxSearchDays.
  Instant add_business(Instant t, Duration d) const;
  // The same for d > 0, also giving the open intervals the count went through, in time order:
  // the first starts at t or later, the last ends where the count ends (for explanations).
  Instant add_business(Instant t, Duration d, std::vector<std::pair<Instant, Instant>>* counted) const;
  // The same answers computed by the walk over local days alone, never the table (the oracle
  // of the table's differential tests).
  Duration business_time_walk(Instant from, Instant to) const;
  Instant add_business_walk(Instant t, Duration d) const;

  // t when open; else the start of the next open stretch; kNever if none within the limit.
  Instant next_open(Instant t) const;

  // Business days (`Nbd`, LANGUAGE.md 1.1 section 6; docs/language.md, "Business days").
  // An OPEN DAY is a local date (in the calendar's zone) with some open time. The count starts
  // at s = next_open(t) (t itself when open): day 0 is s's local date and the time of day T is
  // s's local time of day. The result is the instant of local time T on the n-th open day after
  // day 0, D: when D is open at T, that instant; when D is closed at T, the latest closing time
  // of D before T (the day closes earlier, or T falls in a break); when D opens after T, D's
  // first opening. T is a wall-clock time: across a DST change it keeps its local time (a T the
  // clock skips gives the instant of the change). n <= 0 gives s. kNever when s or D is not
  // found within kMaxSearchDays.
  Instant add_business_days(Instant t, std::int64_t n) const;

  // The hour ranges of local date `day` after closed days and special days (see above).
  std::span<const std::pair<int, int>> hours_on(std::int64_t day) const;
  // Which rule gives local date `day` its hours, in the order hours_on() applies them.
  enum class DayRule : std::uint8_t { ClosedDate, ClosedYearly, Special, Weekly };
  DayRule day_rule(std::int64_t day) const;

 private:
  // Call f(begin_ms, end_ms) for each open interval, in time order (walk_forward: intervals
  // ending after from_ms and starting before until_ms; walk_backward: intervals starting
  // before from_ms, latest first), looking at no more than max_days local days. They stop and
  // return false as soon as f returns false.
  template <typename F>
  bool walk_forward(std::int64_t from_ms, std::int64_t until_ms, std::int64_t max_days, F&& f) const;
  template <typename F>
  bool walk_backward(std::int64_t from_ms, std::int64_t max_days, F&& f) const;

  const TimeZone* zone_ = nullptr;
  std::array<std::vector<std::pair<int, int>>, 7> weekly_;
  std::vector<std::int64_t> closed_days_;      // sorted, unique
  std::array<std::uint32_t, 13> closed_yearly_{};  // bit d of [month] set when closed
  std::map<std::int64_t, std::vector<std::pair<int, int>>> special_days_;
  struct OpenTimes;  // calendar.cpp
  std::shared_ptr<const OpenTimes> open_times_;  // null: no table, the walk answers
};

// The time functions of LANGUAGE.md section 4 with a calendar: in the calendar's zone.
int hour(Instant t, const BusinessCalendar& cal);
int minute(Instant t, const BusinessCalendar& cal);
Weekday weekday(Instant t, const BusinessCalendar& cal);
std::int64_t local_date(Instant t, const BusinessCalendar& cal);

}  // namespace iwd::stdlib
