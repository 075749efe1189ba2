// The business calendar's open-time table (issue 19): business_time and add_business answered
// from a table of a window's open intervals with their running sums, against the walk over
// local days (business_time_walk, add_business_walk), to the millisecond, on random calendars
// (zones with DST changes, holidays, yearly closings, special days, split days, overnight
// hours) and random instants inside, around and outside the window.
#include <gtest/gtest.h>

#include <chrono>
#include <random>
#include <string>

#include "stdlib/calendar.h"
#include "tests/support/instants.h"

namespace iwd::stdlib {
namespace {

using iwd::test::at;

constexpr int H(int h, int m = 0) { return h * 60 + m; }

// The zones: DST north and south, a change at 00:01 (St Johns until 2011), a skipped day
// (Apia, 2011-12-30), half-hour and 45-minute offsets, a zone whose DST rules changed often,
// and none.
constexpr const char* kZones[] = {"Europe/Berlin",   "America/New_York", "Australia/Sydney", "America/St_Johns", "Pacific/Apia",
                                  "Asia/Kolkata",    "Pacific/Chatham",  "America/Santiago", "Europe/London",    "UTC",
                                  "Africa/Casablanca", "Australia/Lord_Howe"};

// Sorted, non-overlapping ranges of a day: none, whole days, split days, odd minutes.
std::vector<std::pair<int, int>> random_day(std::mt19937_64& rng) {
  switch (rng() % 6) {
    case 0: return {};
    case 1: return {{0, 1440}};
    case 2: return {{H(8), H(18)}};
    case 3: return {{H(8), H(12)}, {H(13), H(17, 30)}};
    default: {
      std::vector<std::pair<int, int>> day;
      int from = static_cast<int>(rng() % 300);
      while (from < 1440 && day.size() < 4) {
        const int to = std::min(1440, from + 1 + static_cast<int>(rng() % 400));
        day.emplace_back(from, to);
        from = to + static_cast<int>(rng() % 200);  // touching ranges too (+0)
      }
      return day;
    }
  }
}

CalendarSpec random_spec(std::mt19937_64& rng, std::int64_t first_day, std::int64_t days) {
  CalendarSpec s;
  s.zone = kZones[rng() % std::size(kZones)];
  for (auto& d : s.weekly) d = random_day(rng);
  // Overnight hours: 22:00-24:00 one day and 00:00-02:00 the next, when both are free.
  const auto night = static_cast<std::size_t>(rng() % 7);
  auto& evening = s.weekly[night];
  auto& morning = s.weekly[(night + 1) % 7];
  if ((evening.empty() || evening.back().second <= H(22)) && (morning.empty() || morning.front().first >= H(2))) {
    evening.emplace_back(H(22), H(24));
    morning.insert(morning.begin(), {0, H(2)});
  }
  const int holidays = static_cast<int>(rng() % 30);
  for (int i = 0; i < holidays; ++i) s.closed_days.push_back(first_day + static_cast<std::int64_t>(rng() % static_cast<std::uint64_t>(days)));
  if (rng() % 2) s.closed_yearly = {{1, 1}, {12, 25}, {static_cast<int>(1 + rng() % 12), static_cast<int>(1 + rng() % 28)}};
  if (rng() % 3 == 0) s.closed_yearly.emplace_back(2, 29);
  const int specials = static_cast<int>(rng() % 20);
  for (int i = 0; i < specials; ++i)
    s.special_days[first_day + static_cast<std::int64_t>(rng() % static_cast<std::uint64_t>(days))] = random_day(rng);
  return s;
}

// One random calendar with its window, and queries inside, across and outside the window.
// Returns the number of comparisons, or -1 when the spec is never open.
int compare_table_and_walk(std::mt19937_64& rng, int queries) {
  // Windows from 1995 to 2035, 1 to 6 years long (the St Johns and Apia changes included).
  const std::int64_t first_day = 9131 + static_cast<std::int64_t>(rng() % (40 * 365));
  const std::int64_t window_days = 365 + static_cast<std::int64_t>(rng() % (5 * 365));
  const std::int64_t from = first_day * kMsPerDay, to = (first_day + window_days) * kMsPerDay;
  const CalendarSpec spec = random_spec(rng, first_day - 400, window_days + 800);
  auto made = BusinessCalendar::make(spec, OpenTimeWindow{Instant{from + static_cast<std::int64_t>(rng() % kMsPerDay)}, Instant{to}});
  if (!made.ok()) {
    EXPECT_EQ(made.error, "the calendar is never open");
    return -1;
  }
  const BusinessCalendar& cal = made.value;
  EXPECT_TRUE(cal.has_open_time_table()) << spec.zone;
  EXPECT_EQ(cal.open_time_window().from.ms_since_epoch, from);  // taken down to a UTC midnight
  EXPECT_EQ(cal.open_time_window().to.ms_since_epoch, to);
  // Instants: anywhere from a year before the window to a year after it, near its ends, on
  // whole minutes (the ranges' edges) and on whole seconds.
  auto instant = [&] {
    std::int64_t t = 0;
    switch (rng() % 4) {
      case 0: t = from - 365 * kMsPerDay + static_cast<std::int64_t>(rng() % static_cast<std::uint64_t>(to - from + 730 * kMsPerDay)); break;
      case 1: t = (rng() % 2 ? from : to) + static_cast<std::int64_t>(rng() % (4 * kMsPerDay)) - 2 * kMsPerDay; break;
      default: t = from + static_cast<std::int64_t>(rng() % static_cast<std::uint64_t>(to - from)); break;
    }
    if (rng() % 3 == 0) t -= floor_mod(t, kMsPerMinute);
    else if (rng() % 3 == 0) t -= floor_mod(t, kMsPerSecond);
    return Instant{t};
  };
  auto duration = [&] {
    std::int64_t d = 0;
    switch (rng() % 4) {
      case 0: d = static_cast<std::int64_t>(rng() % (400 * kMsPerHour)); break;
      case 1: d = static_cast<std::int64_t>(rng() % 400) * kMsPerHour; break;  // whole hours: ends on range edges
      case 2: d = static_cast<std::int64_t>(rng() % (900 * kMsPerDay)) / 24; break;  // up to ~2 years of open time
      default: d = static_cast<std::int64_t>(rng() % 1000); break;
    }
    return Duration{d};
  };
  int compared = 0;
  for (int q = 0; q < queries; ++q) {
    const Instant a = instant();
    const Instant b = rng() % 2 ? instant() : Instant{a.ms_since_epoch + duration().ms};
    EXPECT_EQ(cal.business_time(a, b).ms, cal.business_time_walk(a, b).ms)
        << spec.zone << " business_time(" << format_instant(a) << ", " << format_instant(b) << ")";
    const Duration d = duration();
    EXPECT_EQ(cal.add_business(a, d).ms_since_epoch, cal.add_business_walk(a, d).ms_since_epoch)
        << spec.zone << " add_business(" << format_instant(a) << ", " << d.ms << ")";
    EXPECT_EQ(cal.add_business(a, -d).ms_since_epoch, cal.add_business_walk(a, -d).ms_since_epoch)
        << spec.zone << " add_business(" << format_instant(a) << ", " << -d.ms << ")";
    // The answer's own count back, and the round trip.
    const Instant u = cal.add_business(a, d);
    if (u != kNever) {
      EXPECT_EQ(cal.business_time(a, u).ms, d.ms) << spec.zone << " " << format_instant(a) << " " << d.ms;
    }
    compared += 3;
    if (::testing::Test::HasFailure()) return compared;
  }
  return compared;
}

TEST(OpenTimeTable, AnswersAsTheWalkOnRandomCalendars) {
  std::mt19937_64 rng(20261207);
  int calendars = 0, compared = 0;
  for (int i = 0; i < 60 && !::testing::Test::HasFailure(); ++i) {
    const int n = compare_table_and_walk(rng, 500);
    if (n < 0) continue;
    ++calendars;
    compared += n;
  }
  EXPECT_GE(calendars, 45);
  EXPECT_GE(compared, 45 * 1500);
}

// The table's edges exactly: queries starting, ending and counting to the window's first and
// last instants and a millisecond either side, in a zone with DST.
TEST(OpenTimeTable, AnswersAsTheWalkAtTheWindowsEdges) {
  CalendarSpec s;
  s.zone = "America/New_York";
  for (int d = 0; d < 7; ++d) s.weekly[static_cast<std::size_t>(d)] = {{0, H(2)}, {H(9), H(17)}, {H(22), 1440}};
  const Instant from = at("2026-03-08T00:00:00Z"), to = at("2026-11-01T00:00:00Z");  // DST starts and ends at the edges
  auto made = BusinessCalendar::make(s, OpenTimeWindow{from, to});
  ASSERT_TRUE(made.ok()) << made.error;
  const BusinessCalendar& cal = made.value;
  ASSERT_TRUE(cal.has_open_time_table());
  std::vector<Instant> edges;
  for (const Instant e : {from, to})
    for (const std::int64_t k : {-kMsPerDay, -kMsPerHour, std::int64_t{-1}, std::int64_t{0}, std::int64_t{1}, kMsPerHour, kMsPerDay}) edges.push_back(e + Duration{k});
  int compared = 0;
  for (const Instant a : edges) {
    for (const Instant b : edges) {
      EXPECT_EQ(cal.business_time(a, b).ms, cal.business_time_walk(a, b).ms) << format_instant(a) << " " << format_instant(b);
      const Duration d = cal.business_time_walk(a, b);
      EXPECT_EQ(cal.add_business(a, d).ms_since_epoch, cal.add_business_walk(a, d).ms_since_epoch)
          << format_instant(a) << " " << d.ms;
      for (const std::int64_t k : {std::int64_t{-1}, std::int64_t{1}})
        EXPECT_EQ(cal.add_business(a, d + Duration{k}).ms_since_epoch, cal.add_business_walk(a, d + Duration{k}).ms_since_epoch)
            << format_instant(a) << " " << d.ms + k;
      compared += 4;
    }
  }
  EXPECT_EQ(compared, 14 * 14 * 4);
}

// make(spec) builds the table over the years around the present (what a ruleset's load uses);
// a calendar with more open intervals than the table holds has none, and answers by the walk.
TEST(OpenTimeTable, BuiltAroundThePresentUnlessTooManyIntervals) {
  CalendarSpec office;
  office.zone = "Europe/Berlin";
  for (int d = 0; d < 5; ++d) office.weekly[static_cast<std::size_t>(d)] = {{H(8), H(18)}};
  auto made = BusinessCalendar::make(office);
  ASSERT_TRUE(made.ok()) << made.error;
  ASSERT_TRUE(made.value.has_open_time_table());
  const auto now = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch()).count();
  const OpenTimeWindow w = made.value.open_time_window();
  EXPECT_LE(w.from.ms_since_epoch, now - Duration::days(365).ms);
  EXPECT_GE(w.to.ms_since_epoch, now + Duration::days(3 * 365).ms);
  // A copy shares the table and answers the same.
  const BusinessCalendar copy = made.value;
  const Instant t{now};
  EXPECT_EQ(copy.business_time(t, t + Duration::days(30)), made.value.business_time_walk(t, t + Duration::days(30)));

  // 48 ranges a day over six years: more than kMaxOpenTimeIntervals.
  CalendarSpec dense;
  for (auto& day : dense.weekly)
    for (int m = 0; m < 48; ++m) day.emplace_back(m * 30, m * 30 + 10);
  auto d = BusinessCalendar::make(dense);
  ASSERT_TRUE(d.ok()) << d.error;
  EXPECT_FALSE(d.value.has_open_time_table());
  EXPECT_EQ(d.value.business_time(t, t + Duration::days(3)), Duration::hours(3 * 8));
  EXPECT_EQ(d.value.add_business(t, Duration::hours(8)), d.value.add_business_walk(t, Duration::hours(8)));
  // An empty window builds none either.
  auto none = BusinessCalendar::make(office, OpenTimeWindow{t, t});
  ASSERT_TRUE(none.ok());
  EXPECT_FALSE(none.value.has_open_time_table());
}

}  // namespace
}  // namespace iwd::stdlib
