// Business calendars (see calendar.h for the definition of open time).
#include "stdlib/calendar.h"

#include <algorithm>
#include <bit>
#include <chrono>
#include <type_traits>

#include <fmt/format.h>

#include "stdlib/calendar_years.h"

namespace iwd::stdlib {
namespace {

constexpr std::int64_t kSecondsPerDay = 86400;

std::string check_ranges(const std::vector<std::pair<int, int>>& ranges, const std::string& where) {
  int last_end = -1;
  for (const auto& [from, to] : ranges) {
    if (from < 0 || to > kMinutesPerDay || from >= to) {
      return fmt::format("{}: hours {}-{} are not a range within a day", where, format_time_of_day(std::clamp(from, 0, kMinutesPerDay)),
                         format_time_of_day(std::clamp(to, 0, kMinutesPerDay)));
    }
    if (from < last_end) return fmt::format("{}: hour ranges overlap or are not sorted", where);
    last_end = to;
  }
  return {};
}

// std::partition_point for a point expected near `first`: strides of 1, 2, 4, ... while the
// predicate holds at a stride's last element, then a binary search within the stride where it
// fails (or the rest).
template <typename It, typename Pred>
It gallop_partition_point(It first, It last, Pred pred) {
  std::ptrdiff_t n = 1;
  while (n < last - first && pred(first[n - 1])) {
    first += n;
    n *= 2;
  }
  return std::partition_point(first, first + std::min(n, last - first), pred);
}

}  // namespace

// The open-time table: the open intervals of a window in time order, touching ones joined,
// in seconds from the window's start (every boundary the walk gives is a whole second: a
// range's minute or a UTC offset change), each with the open seconds before it; and per UTC
// day of the window the first interval ending after that day's start, so that finding an
// instant's interval is an index and a step or two. After the intervals, two sentinels that
// end after the window, with all its open time before them: the steps need no bounds test.
struct BusinessCalendar::OpenTimes {
  struct Interval {
    std::int32_t begin, end;  // seconds from `from`
    std::int32_t before;      // open seconds of the window before `begin`
  };
  std::int64_t from = 0, to = 0;  // ms, UTC midnights
  std::vector<Interval> intervals;          // `count` of them, then the sentinels
  std::size_t count = 0;
  std::vector<std::uint32_t> first_of_day;  // per day of the window, and one past the last
  std::int64_t total = 0;                   // open ms of the window

  // Open ms in [from, x), x in [from, to]; *at: the index of the first interval ending after x
  // (`count`: none). From the day's first interval, up to two steps without a branch, both
  // read at once (most days have one or two ranges, and which of them holds an item's instant
  // is a coin's toss that a branch would mispredict half the time: issue 19), then a loop for
  // the days with more.
  // `end * 1000 <= rel` is `end <= floor(rel / 1000)` for a whole number of seconds `end`.
  std::int64_t before(std::int64_t x, std::size_t* at) const {
    const auto rel = static_cast<std::uint64_t>(x - from);
    const std::uint64_t rel_s = rel / kMsPerSecond;
    auto ends_by = [&](std::size_t k) { return static_cast<std::uint64_t>(intervals[k].end) <= rel_s; };
    std::size_t i = first_of_day[rel / kMsPerDay];
    i += (ends_by(i) ? 1 : 0) + (ends_by(i + 1) ? 1 : 0);  // the second ends by rel: so does the first
    while (ends_by(i)) ++i;
    *at = i;
    const Interval& v = intervals[i];
    return std::int64_t{v.before} * kMsPerSecond + std::max<std::int64_t>(0, static_cast<std::int64_t>(rel) - std::int64_t{v.begin} * kMsPerSecond);
  }
};

OpenTimeWindow OpenTimeWindow::around(Instant now) {
  return OpenTimeWindow{now - Duration::days(2 * 365), now + Duration::days(4 * 365 + 1)};
}

OpenTimeWindow BusinessCalendar::open_time_window() const {
  if (!open_times_) return OpenTimeWindow{};
  return OpenTimeWindow{Instant{open_times_->from}, Instant{open_times_->to}};
}

ParseResult<BusinessCalendar> BusinessCalendar::make(const CalendarSpec& spec) {
  const auto now = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch());
  return make(spec, OpenTimeWindow::around(Instant{now.count()}));
}

ParseResult<BusinessCalendar> BusinessCalendar::make(const CalendarSpec& spec, OpenTimeWindow window) {
  using R = ParseResult<BusinessCalendar>;
  BusinessCalendar cal;
  cal.zone_ = TimeZone::find(spec.zone);
  if (cal.zone_ == nullptr) return R::failure(fmt::format("unknown time zone `{}`", spec.zone));
  for (std::size_t d = 0; d < 7; ++d) {
    if (auto e = check_ranges(spec.weekly[d], std::string(weekday_name(static_cast<Weekday>(d)))); !e.empty()) {
      return R::failure(e);
    }
  }
  for (const auto& [day, ranges] : spec.special_days) {
    if (auto e = check_ranges(ranges, format_date(day)); !e.empty()) return R::failure(e);
  }
  for (const auto& [month, day] : spec.closed_yearly) {
    if (month < 1 || month > 12 || day < 1 || day > days_in_month(2000, month)) {
      return R::failure(fmt::format("closed every {:02}-{:02}: not a day of the year", month, day));
    }
    cal.closed_yearly_[static_cast<std::size_t>(month)] |= std::uint32_t{1} << day;
  }
  cal.weekly_ = spec.weekly;
  cal.closed_days_ = spec.closed_days;
  std::sort(cal.closed_days_.begin(), cal.closed_days_.end());
  cal.closed_days_.erase(std::unique(cal.closed_days_.begin(), cal.closed_days_.end()), cal.closed_days_.end());
  cal.special_days_ = spec.special_days;

  int yearly_closed = 0;
  for (const auto bits : cal.closed_yearly_) yearly_closed += std::popcount(bits);
  bool open = yearly_closed < 366 &&
              std::any_of(cal.weekly_.begin(), cal.weekly_.end(), [](const auto& r) { return !r.empty(); });
  for (const auto& [day, ranges] : cal.special_days_) {
    if (!open && !ranges.empty() && !cal.hours_on(day).empty()) open = true;
  }
  if (!open) return R::failure("the calendar is never open");

  // The table, from the walk itself. Its offsets are int32 seconds: at most 60 years.
  const std::int64_t from = floor_div(std::clamp(window.from.ms_since_epoch, kFirstCountedMs, kEndCountedMs), kMsPerDay) * kMsPerDay;
  const std::int64_t to = floor_div(std::clamp(window.to.ms_since_epoch, kFirstCountedMs, kEndCountedMs), kMsPerDay) * kMsPerDay;
  if (to > from && to - from <= 60 * 366 * kMsPerDay) {
    auto t = std::make_shared<OpenTimes>();
    t->from = from;
    t->to = to;
    bool fits = true;
    std::int64_t open_s = 0, last_end = std::numeric_limits<std::int64_t>::min();
    cal.walk_forward(from, to, std::numeric_limits<std::int64_t>::max(), [&](std::int64_t b, std::int64_t e) {
      b = std::max(b, from);
      e = std::min(e, to);
      if (b >= e) return true;
      if (b < last_end) {  // the walk gives disjoint intervals in time order; never rely on it otherwise
        fits = false;
        return false;
      }
      const auto rb = static_cast<std::int32_t>((b - from) / kMsPerSecond), re = static_cast<std::int32_t>((e - from) / kMsPerSecond);
      if (b == last_end) {
        t->intervals.back().end = re;  // touching: one stretch of open time
      } else {
        if (t->intervals.size() == kMaxOpenTimeIntervals) {
          fits = false;
          return false;
        }
        t->intervals.push_back({rb, re, static_cast<std::int32_t>(open_s)});
      }
      open_s += re - rb;
      last_end = e;
      return true;
    });
    if (fits) {
      t->total = open_s * kMsPerSecond;
      const auto days = static_cast<std::size_t>((to - from) / kMsPerDay);
      t->first_of_day.resize(days + 1);
      std::size_t i = 0;
      for (std::size_t d = 0; d <= days; ++d) {
        const std::int64_t day_start = static_cast<std::int64_t>(d) * (kMsPerDay / kMsPerSecond);
        while (i < t->intervals.size() && t->intervals[i].end <= day_start) ++i;
        t->first_of_day[d] = static_cast<std::uint32_t>(i);
      }
      // The sentinels: they end after the window (at most 60 years of seconds, under 2^31 - 1).
      t->count = t->intervals.size();
      constexpr std::int32_t kAfter = std::numeric_limits<std::int32_t>::max();
      t->intervals.insert(t->intervals.end(), 2, {kAfter, kAfter, static_cast<std::int32_t>(open_s)});
      t->intervals.shrink_to_fit();
      cal.open_times_ = std::move(t);
    }
  }
  return R::success(std::move(cal));
}

std::span<const std::pair<int, int>> BusinessCalendar::hours_on(std::int64_t day) const {
  if (std::binary_search(closed_days_.begin(), closed_days_.end(), day)) return {};
  const CivilDate date = civil_from_days(day);
  if ((closed_yearly_[static_cast<std::size_t>(date.month)] >> date.day) & 1U) return {};
  if (!special_days_.empty()) {
    if (auto it = special_days_.find(day); it != special_days_.end()) return it->second;
  }
  return weekly_[static_cast<std::size_t>(weekday_from_days(day))];
}

// The walkers visit open intervals [b, e) (ms) strictly in time order. They go through the
// zone's spans of constant UTC offset, and through the local days within each span: inside a
// span local time is UTC plus a constant, so days, and ranges within a day, come in time order
// even where a zone's clock jumps back across midnight (America/St_Johns until 2011).
template <typename F>
bool BusinessCalendar::walk_forward(std::int64_t from_ms, std::int64_t until_ms, std::int64_t max_days, F&& f) const {
  std::int64_t t = floor_div(from_ms, kMsPerSecond);
  const std::int64_t until = floor_div(until_ms, kMsPerSecond) + 1;
  std::int64_t days_left = max_days;
  while (t < until) {
    const OffsetSpan s = zone_->span_at(t);
    const std::int64_t o = s.offset_seconds;
    const std::int64_t stop = std::min(s.end, until);
    const std::int64_t last_day = floor_div(stop - 1 + o, kSecondsPerDay);
    for (std::int64_t day = floor_div(t + o, kSecondsPerDay); day <= last_day; ++day) {
      if (--days_left < 0) return true;
      const std::int64_t day_start = day * kSecondsPerDay - o;
      for (const auto& [from, to] : hours_on(day)) {
        const std::int64_t b = std::max(day_start + from * 60, s.begin);
        const std::int64_t e = std::min(day_start + to * 60, s.end);
        if constexpr (std::is_invocable_v<F, std::int64_t, std::int64_t, std::int64_t, std::int64_t>) {
          // Also the local date and the span's UTC offset (seconds): within one call local
          // time is the instant plus that offset.
          if (b < e && !f(b * kMsPerSecond, e * kMsPerSecond, day, o)) return false;
        } else {
          if (b < e && !f(b * kMsPerSecond, e * kMsPerSecond)) return false;
        }
      }
    }
    t = s.end;
  }
  return true;
}

template <typename F>
bool BusinessCalendar::walk_backward(std::int64_t from_ms, std::int64_t max_days, F&& f) const {
  std::int64_t t = floor_div(from_ms - 1, kMsPerSecond);
  std::int64_t days_left = max_days;
  while (true) {
    const OffsetSpan s = zone_->span_at(t);
    const std::int64_t o = s.offset_seconds;
    const std::int64_t first_day = floor_div(s.begin + o, kSecondsPerDay);
    for (std::int64_t day = floor_div(t + o, kSecondsPerDay); day >= first_day; --day) {
      if (--days_left < 0) return true;
      const std::int64_t day_start = day * kSecondsPerDay - o;
      const auto hours = hours_on(day);
      for (auto it = hours.rbegin(); it != hours.rend(); ++it) {
        const std::int64_t b = std::max(day_start + it->first * 60, s.begin);
        const std::int64_t e = std::min(day_start + it->second * 60, s.end);
        if (b < e && !f(b * kMsPerSecond, e * kMsPerSecond)) return false;
      }
    }
    if (s.begin <= kSpanMin) return true;
    t = s.begin - 1;
  }
}

bool BusinessCalendar::is_open(Instant t) const {
  const std::int64_t local = zone_->local_ms(t);
  const std::int64_t day = floor_div(local, kMsPerDay);
  const std::int64_t ms_of_day = local - day * kMsPerDay;
  for (const auto& [from, to] : hours_on(day)) {
    if (ms_of_day >= from * kMsPerMinute && ms_of_day < to * kMsPerMinute) return true;
  }
  return false;
}

Duration BusinessCalendar::business_time(Instant from, Instant to) const {
  // Both instants within the table's window, in order (an item's open age, its SLA clock's
  // open time: issue 19): two lookups and a subtraction, before the general case's tests.
  if (const OpenTimes* t = open_times_.get();
      t != nullptr && from.ms_since_epoch >= t->from && to.ms_since_epoch <= t->to && from <= to) {
    std::size_t i = 0, j = 0;
    return Duration{t->before(to.ms_since_epoch, &j) - t->before(from.ms_since_epoch, &i)};
  }
  if (to < from) return -business_time(to, from);
  if (!open_times_) return business_time_walk(from, to);
  // The part within the table's window from the table, the parts before and after it (if any)
  // by the walk: open time adds up.
  const OpenTimes& t = *open_times_;
  const std::int64_t a = from.ms_since_epoch, z = to.ms_since_epoch;
  if (z <= t.from || a >= t.to) return business_time_walk(from, to);
  const std::int64_t lo = std::max(a, t.from), hi = std::min(z, t.to);
  std::size_t i = 0, j = 0;
  std::int64_t total = t.before(hi, &j) - t.before(lo, &i);
  if (a < lo) total += business_time_walk(from, Instant{lo}).ms;
  if (hi < z) total += business_time_walk(Instant{hi}, to).ms;
  return Duration{total};
}

Duration BusinessCalendar::business_time_walk(Instant from, Instant to) const {
  if (to < from) return -business_time_walk(to, from);
  // The work is linear in the days between the instants: bound it to the language's years.
  const std::int64_t a = std::clamp(from.ms_since_epoch, kFirstCountedMs, kEndCountedMs);
  const std::int64_t z = std::clamp(to.ms_since_epoch, kFirstCountedMs, kEndCountedMs);
  if (a == z) return {};
  std::int64_t total = 0;
  walk_forward(a, z, std::numeric_limits<std::int64_t>::max(), [&](std::int64_t b, std::int64_t e) {
    b = std::max(b, a);
    e = std::min(e, z);
    if (b < e) total += e - b;
    return true;
  });
  return Duration{total};
}

Instant BusinessCalendar::add_business(Instant t, Duration d) const {
  if (d.ms == 0) return t;
  const std::int64_t at = t.ms_since_epoch;
  if (open_times_ && at >= open_times_->from && at <= open_times_->to) {
    // The open ms of the window before the answer: the earliest instant reaching it counting
    // forward, the latest counting back. Past the window's ends, the walk.
    const OpenTimes& w = *open_times_;
    std::size_t i = 0;
    const std::int64_t here = w.before(at, &i);
    const auto& v = w.intervals;
    const auto last = v.begin() + static_cast<std::ptrdiff_t>(w.count);  // the sentinels not counted
    if (d.ms > 0 && d.ms <= w.total - here) {
      const std::int64_t target = here + d.ms;
      // The interval whose end reaches target: the last one starting with less open time
      // before it (every interval is at least a second long). It is most often the one that
      // holds `at` or the next (the next step of a priority from an item's age): that step is
      // taken without a branch (i < count here, so i + 2 is at most the second sentinel, which
      // starts with all the open time before it); else one of the next few (an SLA's share): a
      // galloping search from there (1, 2, 4, ... intervals ahead), then a binary search within
      // the last stride, instead of a binary search over the rest of the window (issue 19).
      auto short_of = [&](const OpenTimes::Interval& x) { return std::int64_t{x.before} * kMsPerSecond < target; };
      const std::size_t k = i + (short_of(v[i + 1]) ? 1 : 0);
      const auto it = short_of(v[k + 1]) ? gallop_partition_point(v.begin() + static_cast<std::ptrdiff_t>(k), last, short_of)
                                         : v.begin() + static_cast<std::ptrdiff_t>(k + 1);
      const OpenTimes::Interval& x = *(it - 1);
      return Instant{w.from + std::int64_t{x.begin} * kMsPerSecond + (target - std::int64_t{x.before} * kMsPerSecond)};
    }
    if (d.ms < 0 && -d.ms <= here) {
      const std::int64_t target = here + d.ms;
      // The last interval with no more open time before it than target (the latest instant).
      const auto it = std::partition_point(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(std::min(i + 1, w.count)),
                                           [&](const OpenTimes::Interval& x) { return std::int64_t{x.before} * kMsPerSecond <= target; });
      const OpenTimes::Interval& x = *(it - 1);
      return Instant{w.from + std::int64_t{x.begin} * kMsPerSecond + (target - std::int64_t{x.before} * kMsPerSecond)};
    }
  }
  return add_business_walk(t, d);
}

Instant BusinessCalendar::add_business_walk(Instant t, Duration d) const {
  if (d.ms > 0) return add_business(t, d, nullptr);
  if (d.ms == 0) return t;
  const std::int64_t at = t.ms_since_epoch;
  std::int64_t remaining = -d.ms;
  std::int64_t result = 0;
  bool found = false;
  walk_backward(at, kMaxSearchDays, [&](std::int64_t b, std::int64_t e) {
    e = std::min(e, at);
    if (b >= e) return true;
    if (remaining <= e - b) {
      result = e - remaining;
      found = true;
      return false;
    }
    remaining -= e - b;
    return true;
  });
  return found ? Instant{result} : kNeverBefore;
}

Instant BusinessCalendar::add_business(Instant t, Duration d, std::vector<std::pair<Instant, Instant>>* counted) const {
  if (d.ms <= 0) return add_business_walk(t, d);
  const std::int64_t at = t.ms_since_epoch;
  std::int64_t remaining = d.ms;
  std::int64_t result = 0;
  bool found = false;
  walk_forward(at, kNever.ms_since_epoch, kMaxSearchDays, [&](std::int64_t b, std::int64_t e) {
    b = std::max(b, at);
    if (b >= e) return true;
    if (remaining <= e - b) {
      result = b + remaining;
      found = true;
      if (counted) counted->emplace_back(Instant{b}, Instant{result});
      return false;
    }
    if (counted) counted->emplace_back(Instant{b}, Instant{e});
    remaining -= e - b;
    return true;
  });
  return found ? Instant{result} : kNever;
}

BusinessCalendar::DayRule BusinessCalendar::day_rule(std::int64_t day) const {
  if (std::binary_search(closed_days_.begin(), closed_days_.end(), day)) return DayRule::ClosedDate;
  const CivilDate date = civil_from_days(day);
  if ((closed_yearly_[static_cast<std::size_t>(date.month)] >> date.day) & 1U) return DayRule::ClosedYearly;
  if (special_days_.count(day)) return DayRule::Special;
  return DayRule::Weekly;
}

Instant BusinessCalendar::next_open(Instant t) const {
  const std::int64_t at = t.ms_since_epoch;
  std::int64_t result = 0;
  bool found = false;
  walk_forward(at, kNever.ms_since_epoch, kMaxSearchDays, [&](std::int64_t b, std::int64_t e) {
    if (e <= at) return true;
    result = std::max(b, at);
    found = true;
    return false;
  });
  return found ? Instant{result} : kNever;
}

Instant BusinessCalendar::add_business_days(Instant t, std::int64_t n) const {
  const std::int64_t at = t.ms_since_epoch;
  bool started = false;
  std::int64_t start = 0, day0 = 0, tod = 0;  // s, its local date, its local time of day (ms)
  std::int64_t counted = 0;                   // open days after day 0 seen so far
  std::int64_t target = std::numeric_limits<std::int64_t>::min();  // the last of them (the n-th in the end)
  // The target day's open intervals as (begin, end, local ms of day at begin), in time order.
  std::vector<std::array<std::int64_t, 3>> hours;
  walk_forward(at, kNever.ms_since_epoch, kMaxSearchDays,
               [&](std::int64_t b, std::int64_t e, std::int64_t day, std::int64_t offset) {
                 if (!started) {
                   if (e <= at) return true;
                   started = true;
                   start = std::max(b, at);
                   day0 = day;
                   tod = start + offset * kMsPerSecond - day * kMsPerDay;
                   return n > 0;
                 }
                 if (day == day0) return true;
                 if (counted < n && day != target) {
                   ++counted;
                   target = day;
                 }
                 if (counted < n) return true;
                 if (day != target) return false;  // the target day is complete
                 hours.push_back({b, e, b + offset * kMsPerSecond - day * kMsPerDay});
                 return true;
               });
  if (!started) return kNever;
  if (n <= 0) return Instant{start};
  if (hours.empty()) return kNever;
  std::int64_t closing = -1;  // the latest closing at or before T
  for (const auto& [b, e, local_b] : hours) {
    const std::int64_t local_e = local_b + (e - b);
    if (tod >= local_b && tod < local_e) return Instant{b + (tod - local_b)};
    if (local_e <= tod) closing = e;
  }
  return Instant{closing >= 0 ? closing : hours.front()[0]};
}

int hour(Instant t, const BusinessCalendar& cal) { return hour(t, cal.zone()); }
int minute(Instant t, const BusinessCalendar& cal) { return minute(t, cal.zone()); }
Weekday weekday(Instant t, const BusinessCalendar& cal) { return weekday(t, cal.zone()); }
std::int64_t local_date(Instant t, const BusinessCalendar& cal) { return local_date(t, cal.zone()); }

}  // namespace iwd::stdlib
