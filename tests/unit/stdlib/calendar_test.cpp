#include "stdlib/calendar.h"

#include <gtest/gtest.h>

#include <chrono>
#include <random>

#include "tests/support/instants.h"

namespace iwd::stdlib {
namespace {

using iwd::test::at;

std::int64_t date(std::string_view iso) {
  auto r = parse_date(iso);
  EXPECT_TRUE(r.ok()) << iso;
  return r.value;
}

constexpr int H(int h, int m = 0) { return h * 60 + m; }

BusinessCalendar build(const CalendarSpec& spec) {
  auto r = BusinessCalendar::make(spec);
  EXPECT_TRUE(r.ok()) << r.error;
  return std::move(r.value);
}

// The contract's own example calendar (LANGUAGE.md section 1).
CalendarSpec office_spec() {
  CalendarSpec s;
  s.zone = "Europe/Berlin";
  for (int d = 0; d < 5; ++d) s.weekly[static_cast<std::size_t>(d)] = {{H(8), H(18)}};
  s.weekly[5] = {{H(9), H(13)}};
  s.closed_days = {date("2026-12-24"), date("2026-12-25"), date("2026-12-26")};
  return s;
}

CalendarSpec always_spec(std::string zone) {
  CalendarSpec s;
  s.zone = std::move(zone);
  for (auto& d : s.weekly) d = {{0, 1440}};
  return s;
}

TEST(Calendar, ContractSlaExample) {
  const auto office = build(office_spec());
  EXPECT_EQ(office.add_business(at("2026-11-23T09:00:00+01:00"), Duration::hours(72)),
            at("2026-12-01T17:00:00+01:00"));
  EXPECT_EQ(office.business_time(at("2026-11-23T09:00:00+01:00"), at("2026-12-01T17:00:00+01:00")),
            Duration::hours(72));
}

TEST(Calendar, IsOpenEdges) {
  const auto office = build(office_spec());
  EXPECT_TRUE(office.is_open(at("2026-11-23T08:00:00+01:00")));
  EXPECT_FALSE(office.is_open(at("2026-11-23T08:00:00+01:00") - Duration::millis(1)));
  EXPECT_TRUE(office.is_open(at("2026-11-23T18:00:00+01:00") - Duration::millis(1)));
  EXPECT_FALSE(office.is_open(at("2026-11-23T18:00:00+01:00")));
  EXPECT_TRUE(office.is_open(at("2026-11-28T12:59:59+01:00")));   // Saturday
  EXPECT_FALSE(office.is_open(at("2026-11-28T13:00:00+01:00")));
  EXPECT_FALSE(office.is_open(at("2026-11-29T12:00:00+01:00")));  // Sunday
  EXPECT_FALSE(office.is_open(at("2026-12-24T10:00:00+01:00")));  // closed day
  EXPECT_TRUE(office.is_open(at("2026-07-01T08:00:00+02:00")));   // summer time
  EXPECT_FALSE(office.is_open(at("2026-07-01T07:59:00+02:00")));
}

TEST(Calendar, BusinessTimeAcrossWeekend) {
  const auto office = build(office_spec());
  const Instant fri = at("2026-11-27T17:00:00+01:00");
  const Instant mon = at("2026-11-30T09:00:00+01:00");
  EXPECT_EQ(office.business_time(fri, mon), Duration::hours(6));  // 1h + Sat 4h + 1h
  EXPECT_EQ(office.business_time(mon, fri), -Duration::hours(6));
  EXPECT_EQ(office.business_time(fri, fri), Duration{});
  EXPECT_EQ(office.business_time(at("2026-11-28T20:00:00+01:00"), at("2026-11-29T20:00:00+01:00")), Duration{});
  EXPECT_EQ(office.business_time(at("2026-11-23T00:00:00+01:00"), at("2026-11-30T00:00:00+01:00")),
            Duration::hours(54));
}

TEST(Calendar, Holidays) {
  const auto office = build(office_spec());
  EXPECT_EQ(office.business_time(at("2026-12-23T17:00:00+01:00"), at("2026-12-28T09:00:00+01:00")),
            Duration::hours(2));
  EXPECT_EQ(office.add_business(at("2026-12-23T17:00:00+01:00"), Duration::hours(2)),
            at("2026-12-28T09:00:00+01:00"));
  CalendarSpec yearly = office_spec();
  yearly.closed_days.clear();
  yearly.closed_yearly = {{12, 25}, {2, 29}};
  const auto cal = build(yearly);
  EXPECT_FALSE(cal.is_open(at("2026-12-25T10:00:00+01:00")));
  EXPECT_FALSE(cal.is_open(at("2027-12-25T10:00:00+01:00")));  // a Saturday
  EXPECT_FALSE(cal.is_open(at("2030-12-25T10:00:00+01:00")));
  EXPECT_TRUE(cal.is_open(at("2026-12-24T10:00:00+01:00")));
  EXPECT_FALSE(cal.is_open(at("2028-02-29T10:00:00+01:00")));  // a Tuesday in a leap year
  EXPECT_TRUE(cal.is_open(at("2028-03-01T10:00:00+01:00")));
  EXPECT_TRUE(cal.is_open(at("2027-02-26T10:00:00+01:00")));
}

TEST(Calendar, ClosedDayIsAWholeLocalDay) {
  CalendarSpec s = always_spec("America/New_York");
  s.closed_days = {date("2026-07-04")};
  const auto cal = build(s);
  EXPECT_TRUE(cal.is_open(at("2026-07-03T23:59:59-04:00")));
  EXPECT_FALSE(cal.is_open(at("2026-07-04T00:00:00-04:00")));
  EXPECT_FALSE(cal.is_open(at("2026-07-04T23:59:59-04:00")));
  EXPECT_TRUE(cal.is_open(at("2026-07-05T00:00:00-04:00")));
  EXPECT_EQ(cal.business_time(at("2026-07-03T00:00:00-04:00"), at("2026-07-06T00:00:00-04:00")),
            Duration::hours(48));
}

TEST(Calendar, DstDaysHave23And25Hours) {
  const auto cal = build(always_spec("Europe/Berlin"));
  EXPECT_EQ(cal.business_time(at("2026-03-29T00:00:00+01:00"), at("2026-03-30T00:00:00+02:00")), Duration::hours(23));
  EXPECT_EQ(cal.business_time(at("2026-10-25T00:00:00+02:00"), at("2026-10-26T00:00:00+01:00")), Duration::hours(25));
  // Hours that fall in the gap do not exist; hours in the overlap happen twice.
  CalendarSpec night;
  night.zone = "Europe/Berlin";
  night.weekly[6] = {{H(1), H(4)}};  // Sundays 01:00-04:00
  const auto n = build(night);
  EXPECT_EQ(n.business_time(at("2026-03-28T12:00:00Z"), at("2026-03-29T12:00:00Z")), Duration::hours(2));
  EXPECT_EQ(n.business_time(at("2026-10-24T12:00:00Z"), at("2026-10-25T12:00:00Z")), Duration::hours(4));
  EXPECT_EQ(n.add_business(at("2026-03-29T01:30:00+01:00"), Duration::hours(1)), at("2026-03-29T03:30:00+02:00"));
  EXPECT_EQ(n.add_business(at("2026-10-25T01:30:00+02:00"), Duration::hours(2)), at("2026-10-25T02:30:00+01:00"));
  EXPECT_TRUE(n.is_open(at("2026-10-25T02:30:00+01:00")));
  EXPECT_TRUE(n.is_open(at("2026-10-25T02:30:00+02:00")));
  // A range starting in the gap opens when the clock first shows a time inside it.
  CalendarSpec gap = night;
  gap.special_days[date("2026-03-29")] = {{H(2, 30), H(10)}};
  const auto g = build(gap);
  EXPECT_EQ(g.next_open(at("2026-03-28T23:00:00Z")), at("2026-03-29T03:00:00+02:00"));
  EXPECT_EQ(g.business_time(at("2026-03-28T12:00:00Z"), at("2026-03-29T12:00:00Z")), Duration::hours(7));
  // Business hours across the DST weekend of the office calendar.
  const auto office = build(office_spec());
  EXPECT_EQ(office.business_time(at("2026-03-27T17:00:00+01:00"), at("2026-03-30T09:00:00+02:00")),
            Duration::hours(6));
  EXPECT_EQ(office.add_business(at("2026-03-27T17:00:00+01:00"), Duration::hours(6)),
            at("2026-03-30T09:00:00+02:00"));
}

TEST(Calendar, PastMidnightHours) {
  // `sun 22:00-02:00`, as the compiler splits it: sun 22:00-24:00 and mon 00:00-02:00.
  CalendarSpec s;
  s.zone = "UTC";
  s.weekly[6] = {{H(22), H(24)}};
  s.weekly[0] = {{H(0), H(2)}};
  const auto cal = build(s);
  EXPECT_FALSE(cal.is_open(at("2026-11-22T21:59:59Z")));
  EXPECT_TRUE(cal.is_open(at("2026-11-22T22:00:00Z")));
  EXPECT_TRUE(cal.is_open(at("2026-11-22T23:59:59Z")));
  EXPECT_TRUE(cal.is_open(at("2026-11-23T00:00:00Z")));
  EXPECT_TRUE(cal.is_open(at("2026-11-23T01:59:59Z")));
  EXPECT_FALSE(cal.is_open(at("2026-11-23T02:00:00Z")));
  EXPECT_EQ(cal.business_time(at("2026-11-22T21:00:00Z"), at("2026-11-23T03:00:00Z")), Duration::hours(4));
  EXPECT_EQ(cal.add_business(at("2026-11-22T23:00:00Z"), Duration::hours(2)), at("2026-11-23T01:00:00Z"));
  EXPECT_EQ(cal.add_business(at("2026-11-23T01:00:00Z"), Duration::hours(2)), at("2026-11-29T23:00:00Z"));
  EXPECT_EQ(cal.add_business(at("2026-11-23T01:00:00Z"), -Duration::hours(2)), at("2026-11-22T23:00:00Z"));
}

TEST(Calendar, SpecialDays) {
  CalendarSpec s = office_spec();
  s.special_days[date("2026-12-31")] = {{H(8), H(12)}};  // Thursday: short day
  s.special_days[date("2026-12-30")] = {};                // Wednesday: closed
  s.special_days[date("2026-12-27")] = {{H(10), H(11)}};  // Sunday: open
  s.special_days[date("2026-12-24")] = {{H(8), H(12)}};   // also a closed day: closed wins
  const auto cal = build(s);
  EXPECT_TRUE(cal.is_open(at("2026-12-31T11:59:00+01:00")));
  EXPECT_FALSE(cal.is_open(at("2026-12-31T12:00:00+01:00")));
  EXPECT_FALSE(cal.is_open(at("2026-12-30T10:00:00+01:00")));
  EXPECT_TRUE(cal.is_open(at("2026-12-27T10:30:00+01:00")));
  EXPECT_FALSE(cal.is_open(at("2026-12-24T10:00:00+01:00")));
  EXPECT_TRUE(cal.hours_on(date("2026-12-24")).empty());
  EXPECT_EQ(cal.business_time(at("2026-12-23T00:00:00+01:00"), at("2027-01-01T00:00:00+01:00")),
            Duration::hours(10 + 1 + 10 + 10 + 4));  // Wed 23, Sun 27, Mon 28, Tue 29, Thu 31
}

TEST(Calendar, AddBusinessAtClosedInstants) {
  const auto office = build(office_spec());
  const Instant sat_evening = at("2026-11-28T14:00:00+01:00");
  EXPECT_EQ(office.add_business(sat_evening, Duration{}), sat_evening);  // d = 0: t itself
  EXPECT_EQ(office.add_business(sat_evening, Duration::hours(1)), at("2026-11-30T09:00:00+01:00"));
  EXPECT_EQ(office.add_business(sat_evening, -Duration::hours(1)), at("2026-11-28T12:00:00+01:00"));
  // Ending exactly at closing time gives the closing time, not the next opening.
  EXPECT_EQ(office.add_business(at("2026-11-23T08:00:00+01:00"), Duration::hours(10)), at("2026-11-23T18:00:00+01:00"));
  EXPECT_EQ(office.add_business(at("2026-11-30T08:00:00+01:00"), -Duration::hours(4)), at("2026-11-28T09:00:00+01:00"));
  EXPECT_EQ(office.add_business(at("2026-11-23T10:00:00+01:00"), Duration::millis(1)),
            at("2026-11-23T10:00:00+01:00") + Duration::millis(1));
  EXPECT_EQ(office.next_open(sat_evening), at("2026-11-30T08:00:00+01:00"));
  EXPECT_EQ(office.next_open(at("2026-11-23T10:00:00+01:00")), at("2026-11-23T10:00:00+01:00"));
  EXPECT_EQ(office.next_open(at("2026-12-23T18:00:00+01:00")), at("2026-12-28T08:00:00+01:00"));
}

TEST(Calendar, LongSlas) {
  const auto office = build(office_spec());
  const Instant t = at("2026-11-23T09:00:00+01:00");
  // 30 business days of 10 hours (Saturdays count 4 hours).
  const Instant due = office.add_business(t, Duration::hours(300));
  EXPECT_EQ(office.business_time(t, due), Duration::hours(300));
  // A year and more of business time, quickly.
  const auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < 200; ++i) {
    const Instant u = office.add_business(t + Duration::minutes(i * 37), Duration::hours(3000));
    ASSERT_EQ(office.business_time(t + Duration::minutes(i * 37), u), Duration::hours(3000));
  }
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));
}

TEST(Calendar, SearchLimit) {
  CalendarSpec s;
  s.zone = "UTC";
  s.special_days[date("2026-12-24")] = {{H(8), H(12)}};  // open once, ever
  const auto cal = build(s);
  EXPECT_EQ(cal.add_business(at("2026-12-01T00:00:00Z"), Duration::hours(2)), at("2026-12-24T10:00:00Z"));
  EXPECT_EQ(cal.add_business(at("2026-12-01T00:00:00Z"), Duration::hours(5)), kNever);
  EXPECT_EQ(cal.add_business(at("2027-12-01T00:00:00Z"), -Duration::hours(5)), kNeverBefore);
  EXPECT_EQ(cal.next_open(at("2027-01-01T00:00:00Z")), kNever);
  EXPECT_EQ(cal.business_time(at("2020-01-01T00:00:00Z"), at("2030-01-01T00:00:00Z")), Duration::hours(4));
}

TEST(Calendar, ExtremeArgumentsStayBounded) {
  const auto office = build(office_spec());
  const Instant t = at("2026-11-23T09:00:00+01:00");
  const auto start = std::chrono::steady_clock::now();
  const Duration to_end = office.business_time(t, kNever);  // counted up to year 10000
  EXPECT_GT(to_end, Duration::hours(54 * 52 * 7900));
  EXPECT_EQ(office.business_time(kNever, t), -to_end);
  EXPECT_GT(office.business_time(kNeverBefore, t), Duration::hours(54 * 52 * 2000));
  EXPECT_EQ(office.add_business(t, Duration{std::numeric_limits<std::int64_t>::max()}), kNever);
  EXPECT_EQ(office.add_business(t, Duration{-std::numeric_limits<std::int64_t>::max()}), kNeverBefore);
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(10));
}

TEST(Calendar, MakeErrors) {
  CalendarSpec s = office_spec();
  s.zone = "Mars/Olympus";
  EXPECT_EQ(BusinessCalendar::make(s).error, "unknown time zone `Mars/Olympus`");
  EXPECT_EQ(BusinessCalendar::make(CalendarSpec{}).error, "the calendar is never open");
  CalendarSpec only_closed_special;
  only_closed_special.special_days[date("2026-12-24")] = {{H(8), H(12)}};
  only_closed_special.closed_days = {date("2026-12-24")};
  EXPECT_EQ(BusinessCalendar::make(only_closed_special).error, "the calendar is never open");
  CalendarSpec bad = office_spec();
  bad.weekly[0] = {{H(18), H(8)}};
  EXPECT_FALSE(BusinessCalendar::make(bad).ok());
  bad.weekly[0] = {{H(8), H(12)}, {H(11), H(13)}};
  EXPECT_FALSE(BusinessCalendar::make(bad).ok());
  bad.weekly[0] = {{H(8), H(12)}, {H(12), H(13)}};
  EXPECT_TRUE(BusinessCalendar::make(bad).ok());
  bad.closed_yearly = {{2, 30}};
  EXPECT_FALSE(BusinessCalendar::make(bad).ok());
}

TEST(Calendar, TimeFunctionsUseTheCalendarZone) {
  const auto office = build(office_spec());
  const Instant t = at("2026-11-22T23:30:00Z");  // Monday 00:30 in Berlin
  EXPECT_EQ(hour(t, office), 0);
  EXPECT_EQ(minute(t, office), 30);
  EXPECT_EQ(weekday(t, office), Weekday::Mon);
  EXPECT_EQ(local_date(t, office), date("2026-11-23"));
}

// business_time(t, add_business(t, d)) == d for every t, open or closed, and every d.
TEST(Calendar, RoundTripProperty) {
  std::mt19937_64 rng(20261122);
  std::vector<BusinessCalendar> cals;
  cals.push_back(build(office_spec()));
  CalendarSpec night = office_spec();
  night.zone = "Australia/Sydney";
  night.weekly[6] = {{H(22), H(24)}};
  night.weekly[0] = {{H(0), H(3)}, {H(8), H(18)}};
  night.weekly[3] = {{H(1), H(3)}, {H(9), H(17)}};
  cals.push_back(build(night));
  CalendarSpec ny = office_spec();
  ny.zone = "America/New_York";
  ny.closed_yearly = {{7, 4}, {12, 25}};
  ny.special_days[date("2026-11-01")] = {{H(0), H(24)}};
  cals.push_back(build(ny));
  const std::int64_t lo = at("2026-01-01T00:00:00Z").ms_since_epoch;
  const std::int64_t span = Duration::days(3 * 365).ms;
  int checked = 0;
  for (const auto& cal : cals) {
    for (int i = 0; i < 3000; ++i) {
      Instant t{lo + static_cast<std::int64_t>(rng() % static_cast<std::uint64_t>(span))};
      if (i % 3 == 0) t = Instant{t.ms_since_epoch - t.ms_since_epoch % kMsPerMinute};
      std::int64_t dms = static_cast<std::int64_t>(rng() % static_cast<std::uint64_t>(Duration::hours(200).ms));
      if (i % 4 == 0) dms -= dms % kMsPerHour;
      const Duration d{i % 2 == 0 ? dms : -dms};
      const Instant u = cal.add_business(t, d);
      ASSERT_EQ(cal.business_time(t, u), d) << cal.zone().name() << " " << format_instant(t) << " " << d.ms;
      // Earliest (latest for d < 0): just before u less business time has passed.
      if (d.ms > 0) {
        EXPECT_TRUE(cal.is_open(u - Duration::millis(1)));
      }
      if (d.ms < 0) {
        EXPECT_TRUE(cal.is_open(u));
      }
      // From any u, add_business(t, business_time(t, u)) never overshoots u and ends at the same count.
      const Instant v{t.ms_since_epoch + static_cast<std::int64_t>(rng() % static_cast<std::uint64_t>(Duration::days(20).ms))};
      const Instant w = cal.add_business(t, cal.business_time(t, v));
      EXPECT_LE(w, v);
      EXPECT_EQ(cal.business_time(w, v), Duration{});
      // next_open agrees with is_open.
      const Instant o = cal.next_open(t);
      EXPECT_TRUE(cal.is_open(o));
      EXPECT_EQ(cal.business_time(t, o), Duration{});
      ++checked;
    }
  }
  EXPECT_EQ(checked, 9000);
}

}  // namespace
}  // namespace iwd::stdlib

namespace iwd::stdlib {
namespace {

// The intervals an SLA count went through (for explanations): in time order, each open,
// adding up to the duration, the last ending at add_business's answer.
TEST(Calendar, CountedIntervalsOfAnSla) {
  const auto office = build(office_spec());
  std::mt19937_64 rng(7);
  for (int n = 0; n < 300; ++n) {
    const Instant t{at("2026-11-20T00:00:00Z").ms_since_epoch + static_cast<std::int64_t>(rng() % (40 * 24)) * 1'800'000};
    const Duration d{static_cast<std::int64_t>(1 + rng() % 200) * 900'000};
    std::vector<std::pair<Instant, Instant>> counted;
    const Instant due = office.add_business(t, d, &counted);
    ASSERT_EQ(due, office.add_business(t, d));
    ASSERT_FALSE(counted.empty());
    std::int64_t total = 0;
    Instant last = t;
    for (const auto& [b, e] : counted) {
      EXPECT_LE(last.ms_since_epoch, b.ms_since_epoch);
      EXPECT_LT(b.ms_since_epoch, e.ms_since_epoch);
      EXPECT_TRUE(office.is_open(b));
      EXPECT_EQ(office.business_time(b, e).ms, e.ms_since_epoch - b.ms_since_epoch);  // open all along
      total += e.ms_since_epoch - b.ms_since_epoch;
      last = e;
    }
    EXPECT_EQ(total, d.ms);
    EXPECT_EQ(counted.back().second, due);
  }
  std::vector<std::pair<Instant, Instant>> none;
  EXPECT_EQ(office.add_business(at("2026-11-23T09:00:00Z"), Duration{}, &none), at("2026-11-23T09:00:00Z"));
  EXPECT_TRUE(none.empty());
}

TEST(Calendar, DayRules) {
  CalendarSpec s = office_spec();
  s.closed_yearly = {{1, 1}};
  s.special_days[date("2026-12-31")] = {{H(8), H(12)}};
  const auto office = build(s);
  using Rule = BusinessCalendar::DayRule;
  EXPECT_EQ(office.day_rule(date("2026-12-24")), Rule::ClosedDate);
  EXPECT_EQ(office.day_rule(date("2027-01-01")), Rule::ClosedYearly);
  EXPECT_EQ(office.day_rule(date("2026-12-31")), Rule::Special);
  EXPECT_EQ(office.day_rule(date("2026-12-30")), Rule::Weekly);
  EXPECT_EQ(office.day_rule(date("2026-12-27")), Rule::Weekly);  // a sunday: weekly hours, none
}

// Business days (`Nbd`): the same local time of day on the n-th open day after the start
// (docs/language.md, "Business days").
CalendarSpec weekdays_spec() {
  CalendarSpec s;
  s.zone = "Europe/Berlin";
  for (int d = 0; d < 5; ++d) s.weekly[static_cast<std::size_t>(d)] = {{H(8), H(18)}};
  s.closed_days = {date("2026-12-25")};
  return s;
}

TEST(CalendarBusinessDays, InsideOpenHoursTheStartDayIsDayZero) {
  const auto cal = build(weekdays_spec());
  EXPECT_EQ(cal.add_business_days(at("2026-11-26T10:00:00+01:00"), 1), at("2026-11-27T10:00:00+01:00"));
  EXPECT_EQ(cal.add_business_days(at("2026-11-23T08:00:00+01:00"), 5), at("2026-11-30T08:00:00+01:00"));
  EXPECT_EQ(cal.add_business_days(at("2026-11-23T17:59:59.999+01:00"), 1), at("2026-11-24T17:59:59.999+01:00"));
}

TEST(CalendarBusinessDays, NightsAndWeekends) {
  const auto cal = build(weekdays_spec());
  // Over a weekend: thursday 10:00 + 2bd is monday 10:00.
  EXPECT_EQ(cal.add_business_days(at("2026-11-26T10:00:00+01:00"), 2), at("2026-11-30T10:00:00+01:00"));
  // A start outside open hours counts from the next opening (its time of day: 08:00).
  EXPECT_EQ(cal.add_business_days(at("2026-11-27T19:00:00+01:00"), 1), at("2026-12-01T08:00:00+01:00"));
  EXPECT_EQ(cal.add_business_days(at("2026-11-28T12:00:00+01:00"), 2), at("2026-12-02T08:00:00+01:00"));
  EXPECT_EQ(cal.add_business_days(at("2026-11-24T06:00:00+01:00"), 1), at("2026-11-25T08:00:00+01:00"));
  // At closing time the office is closed: the count starts at the next opening.
  EXPECT_EQ(cal.add_business_days(at("2026-11-24T18:00:00+01:00"), 1), at("2026-11-26T08:00:00+01:00"));
  // 0bd: the start, or the next opening.
  EXPECT_EQ(cal.add_business_days(at("2026-11-24T10:00:00+01:00"), 0), at("2026-11-24T10:00:00+01:00"));
  EXPECT_EQ(cal.add_business_days(at("2026-11-28T10:00:00+01:00"), 0), at("2026-11-30T08:00:00+01:00"));
}

TEST(CalendarBusinessDays, HolidaysAreNotOpenDays) {
  const auto cal = build(weekdays_spec());
  EXPECT_EQ(cal.add_business_days(at("2026-12-24T10:00:00+01:00"), 1), at("2026-12-28T10:00:00+01:00"));
  const auto office = build(office_spec());  // closed 24-26, open saturdays 09:00-13:00
  EXPECT_EQ(office.add_business_days(at("2026-12-23T10:00:00+01:00"), 1), at("2026-12-28T10:00:00+01:00"));
}

TEST(CalendarBusinessDays, ADayThatClosesEarlierOrOpensLater) {
  CalendarSpec s = office_spec();                                  // saturday 09:00-13:00
  s.special_days[date("2026-11-30")] = {{H(10), H(12)}};           // a monday, late and short
  s.special_days[date("2026-12-01")] = {{H(8), H(10)}, {H(15), H(17)}};  // a tuesday with a break
  const auto office = build(s);
  // Friday 15:00 + 1bd: saturday closes at 13:00.
  EXPECT_EQ(office.add_business_days(at("2026-11-27T15:00:00+01:00"), 1), at("2026-11-28T13:00:00+01:00"));
  // Saturday 09:30 + 1bd: monday opens at 10:00.
  EXPECT_EQ(office.add_business_days(at("2026-11-28T09:30:00+01:00"), 1), at("2026-11-30T10:00:00+01:00"));
  // Monday 11:00 + 1bd: tuesday is closed at 11:00 (a break): the closing before it, 10:00.
  EXPECT_EQ(office.add_business_days(at("2026-11-30T11:00:00+01:00"), 1), at("2026-12-01T10:00:00+01:00"));
  // ... and at 15:30 it is open again.
  EXPECT_EQ(office.add_business_days(at("2026-11-27T15:30:00+01:00"), 2), at("2026-11-30T12:00:00+01:00"));
}

TEST(CalendarBusinessDays, OvernightHoursMakeTwoOpenDates) {
  CalendarSpec s;
  s.zone = "UTC";
  s.weekly[6] = {{H(22), H(24)}};  // sun 22:00-02:00
  s.weekly[0] = {{H(0), H(2)}};
  const auto night = build(s);
  // Sunday 23:00: day 0 is sunday; monday (00:00-02:00) is the next open date, and it closes
  // before 23:00.
  EXPECT_EQ(night.add_business_days(at("2026-11-29T23:00:00Z"), 1), at("2026-11-30T02:00:00Z"));
  EXPECT_EQ(night.add_business_days(at("2026-11-29T23:00:00Z"), 2), at("2026-12-06T23:00:00Z"));
  // Monday 01:00: the next open date is sunday, which opens after 01:00.
  EXPECT_EQ(night.add_business_days(at("2026-11-30T01:00:00Z"), 1), at("2026-12-06T22:00:00Z"));
}

TEST(CalendarBusinessDays, DaylightSavingKeepsTheLocalTime) {
  const auto cal = build(weekdays_spec());
  EXPECT_EQ(cal.add_business_days(at("2026-03-27T10:00:00+01:00"), 1), at("2026-03-30T10:00:00+02:00"));
  EXPECT_EQ(cal.add_business_days(at("2026-10-23T10:00:00+02:00"), 1), at("2026-10-26T10:00:00+01:00"));
  const auto berlin = build(always_spec("Europe/Berlin"));
  // A time of day the clock skips gives the instant of the change; a repeated one, the first.
  EXPECT_EQ(berlin.add_business_days(at("2026-03-28T02:30:00+01:00"), 1), at("2026-03-29T03:00:00+02:00"));
  EXPECT_EQ(berlin.add_business_days(at("2026-10-24T02:30:00+02:00"), 1), at("2026-10-25T02:30:00+02:00"));
  EXPECT_EQ(berlin.add_business_days(at("2026-03-28T12:00:00+01:00"), 1), at("2026-03-29T12:00:00+02:00"));
}

TEST(CalendarBusinessDays, AlwaysOpenInUtcIsWholeDays) {
  const auto always = build(always_spec("UTC"));
  std::mt19937_64 rng(11);
  for (int i = 0; i < 200; ++i) {
    const Instant t{at("2026-01-01T00:00:00Z").ms_since_epoch + static_cast<std::int64_t>(rng() % (400LL * kMsPerDay))};
    const std::int64_t n = static_cast<std::int64_t>(rng() % 30);
    EXPECT_EQ(always.add_business_days(t, n), t + Duration::days(n));
  }
}

TEST(CalendarBusinessDays, ResultIsOnTheNthOpenDayAtOrBeforeItsTimeOfDay) {
  const auto office = build(office_spec());
  std::mt19937_64 rng(5);
  for (int i = 0; i < 300; ++i) {
    const Instant t{at("2026-11-15T00:00:00Z").ms_since_epoch + static_cast<std::int64_t>(rng() % (60 * 24)) * 1'800'000};
    const std::int64_t n = 1 + static_cast<std::int64_t>(rng() % 12);
    const Instant s = office.next_open(t);
    const Instant due = office.add_business_days(t, n);
    // n open dates lie after s's date up to due's date, the last of them due's own.
    std::int64_t open_days = 0;
    for (std::int64_t d = local_date(s, office) + 1; d <= local_date(due, office); ++d)
      if (!office.hours_on(d).empty()) ++open_days;
    EXPECT_EQ(open_days, n) << t.ms_since_epoch;
    EXPECT_FALSE(office.hours_on(local_date(due, office)).empty());
    // Open at due, or due is a closing (the instant before it open), or the day's opening.
    EXPECT_TRUE(office.is_open(due) || office.is_open(due - Duration::millis(1))) << due.ms_since_epoch;
    // Never later than s's time of day on that date.
    const auto tod = [&](Instant x) { return hour(x, office) * 60 + minute(x, office); };
    const bool day_opening = office.is_open(due) && !office.is_open(due - Duration::millis(1));
    if (!day_opening) {
      EXPECT_LE(tod(due), tod(s));
    }
  }
}

TEST(CalendarBusinessDays, SearchLimit) {
  CalendarSpec s;
  s.zone = "UTC";
  s.special_days[date("2026-12-01")] = {{H(10), H(12)}};
  auto r = BusinessCalendar::make(s);
  if (!r.ok()) GTEST_SKIP() << r.error;
  EXPECT_EQ(r.value.add_business_days(at("2026-11-01T00:00:00Z"), 0), at("2026-12-01T10:00:00Z"));
  EXPECT_EQ(r.value.add_business_days(at("2026-11-01T00:00:00Z"), 1), kNever);
}

}  // namespace
}  // namespace iwd::stdlib
