#include "stdlib/tz.h"

#include <gtest/gtest.h>

#include <thread>
#include <vector>

#include "tests/support/instants.h"

namespace iwd::stdlib {
namespace {

using iwd::test::at;

const TimeZone& zone(std::string_view name) {
  const TimeZone* z = TimeZone::find(name);
  EXPECT_NE(z, nullptr) << name;
  static const TimeZone* utc = TimeZone::find("UTC");
  return z ? *z : *utc;
}

constexpr Duration kSec = Duration::seconds(1);

TEST(Tz, FindCachesAndRejectsUnknown) {
  EXPECT_NE(TimeZone::find("UTC"), nullptr);
  EXPECT_EQ(TimeZone::find("Europe/Berlin"), TimeZone::find("Europe/Berlin"));
  EXPECT_EQ(TimeZone::find("Europe/Berln"), nullptr);
  EXPECT_EQ(TimeZone::find("../etc/passwd"), nullptr);
  EXPECT_EQ(TimeZone::find(""), nullptr);
  EXPECT_EQ(TimeZone::find("Europe/Berlin")->name(), "Europe/Berlin");
  EXPECT_EQ(zone("UTC").offset_minutes(at("2026-07-01T00:00:00Z")), 0);
}

TEST(Tz, FindIsThreadSafe) {
  std::vector<std::thread> threads;
  std::vector<const TimeZone*> got(8);
  for (std::size_t i = 0; i < got.size(); ++i) {
    threads.emplace_back([&got, i] { got[i] = TimeZone::find("Asia/Tokyo"); });
  }
  for (auto& t : threads) t.join();
  for (const auto* z : got) EXPECT_EQ(z, got[0]);
  ASSERT_NE(got[0], nullptr);
}

TEST(Tz, BerlinDst2026) {
  const auto& z = zone("Europe/Berlin");
  EXPECT_EQ(z.offset_minutes(at("2026-01-15T12:00:00Z")), 60);
  EXPECT_EQ(z.offset_minutes(at("2026-03-29T01:00:00Z") - Duration::millis(1)), 60);
  EXPECT_EQ(z.offset_minutes(at("2026-03-29T01:00:00Z")), 120);
  EXPECT_EQ(z.offset_minutes(at("2026-10-25T01:00:00Z") - kSec), 120);
  EXPECT_EQ(z.offset_minutes(at("2026-10-25T01:00:00Z")), 60);
  const CivilDateTime l = z.to_local(at("2026-11-23T08:00:00Z"));
  EXPECT_EQ(l.date, (CivilDate{2026, 11, 23}));
  EXPECT_EQ(l.hour, 9);
}

TEST(Tz, NewYorkDst2026) {
  const auto& z = zone("America/New_York");
  EXPECT_EQ(z.offset_minutes(at("2026-03-08T07:00:00Z") - kSec), -300);
  EXPECT_EQ(z.offset_minutes(at("2026-03-08T07:00:00Z")), -240);
  EXPECT_EQ(z.offset_minutes(at("2026-11-01T06:00:00Z") - kSec), -240);
  EXPECT_EQ(z.offset_minutes(at("2026-11-01T06:00:00Z")), -300);
}

TEST(Tz, SydneySouthernHemisphere) {
  const auto& z = zone("Australia/Sydney");
  EXPECT_EQ(z.offset_minutes(at("2026-01-15T00:00:00Z")), 660);  // summer: DST
  EXPECT_EQ(z.offset_minutes(at("2026-07-15T00:00:00Z")), 600);
  EXPECT_EQ(z.offset_minutes(at("2026-04-04T16:00:00Z") - kSec), 660);
  EXPECT_EQ(z.offset_minutes(at("2026-04-04T16:00:00Z")), 600);
  EXPECT_EQ(z.offset_minutes(at("2026-10-03T16:00:00Z") - kSec), 600);
  EXPECT_EQ(z.offset_minutes(at("2026-10-03T16:00:00Z")), 660);
  // Far future, from the footer rule; the southern rule wraps the year end.
  EXPECT_EQ(z.offset_minutes(at("2077-01-01T00:00:00Z")), 660);
  EXPECT_EQ(z.offset_minutes(at("2077-06-01T00:00:00Z")), 600);
}

TEST(Tz, KolkataHalfHour) {
  const auto& z = zone("Asia/Kolkata");
  EXPECT_EQ(z.offset_minutes(at("2026-06-01T00:00:00Z")), 330);
  EXPECT_EQ(z.offset_minutes(at("2090-12-01T00:00:00Z")), 330);
  const CivilDateTime l = z.to_local(at("2026-06-01T00:00:00Z"));
  EXPECT_EQ(l.hour, 5);
  EXPECT_EQ(l.minute, 30);
  EXPECT_EQ(z.from_local(CivilDate{2026, 6, 1}, 5 * 60 + 30), at("2026-06-01T00:00:00Z"));
  EXPECT_EQ(hour(at("2026-06-01T20:00:00Z"), z), 1);
  EXPECT_EQ(minute(at("2026-06-01T20:00:00Z"), z), 30);
  EXPECT_EQ(local_date(at("2026-06-01T20:00:00Z"), z), days_from_civil(2026, 6, 2));
  EXPECT_EQ(weekday(at("2026-06-01T20:00:00Z"), z), Weekday::Tue);
}

TEST(Tz, FarFutureFollowsFooterRule) {
  const auto& berlin = zone("Europe/Berlin");
  EXPECT_EQ(berlin.offset_minutes(at("2030-07-01T12:00:00Z")), 120);
  EXPECT_EQ(berlin.offset_minutes(at("2030-12-01T12:00:00Z")), 60);
  EXPECT_EQ(berlin.offset_minutes(at("2090-03-26T01:00:00Z") - kSec), 60);
  EXPECT_EQ(berlin.offset_minutes(at("2090-03-26T01:00:00Z")), 120);
  EXPECT_EQ(berlin.offset_minutes(at("2090-10-29T01:00:00Z") - kSec), 120);
  EXPECT_EQ(berlin.offset_minutes(at("2090-10-29T01:00:00Z")), 60);
  const auto& ny = zone("America/New_York");
  EXPECT_EQ(ny.offset_minutes(at("2100-03-14T07:00:00Z") - kSec), -300);
  EXPECT_EQ(ny.offset_minutes(at("2100-03-14T07:00:00Z")), -240);
}

TEST(Tz, FromLocalGapMovesForward) {
  const auto& z = zone("Europe/Berlin");
  // 02:30 does not exist on 2026-03-29: read with the offset before the gap -> shown as 03:30.
  const Instant t = z.from_local(CivilDate{2026, 3, 29}, 2 * 60 + 30);
  EXPECT_EQ(t, at("2026-03-29T01:30:00Z"));
  EXPECT_EQ(z.to_local(t).hour, 3);
  EXPECT_EQ(z.to_local(t).minute, 30);
  EXPECT_EQ(z.from_local(CivilDate{2026, 3, 29}, 2 * 60), at("2026-03-29T01:00:00Z"));
  EXPECT_EQ(z.from_local(CivilDate{2026, 3, 29}, 3 * 60), at("2026-03-29T01:00:00Z"));
  const auto& ny = zone("America/New_York");
  EXPECT_EQ(ny.from_local(CivilDate{2026, 3, 8}, 2 * 60 + 15), at("2026-03-08T07:15:00Z"));
}

TEST(Tz, FromLocalOverlapTakesEarlier) {
  const auto& z = zone("Europe/Berlin");
  EXPECT_EQ(z.from_local(CivilDate{2026, 10, 25}, 2 * 60 + 30), at("2026-10-25T00:30:00Z"));
  EXPECT_EQ(z.from_local(CivilDate{2026, 10, 25}, 3 * 60), at("2026-10-25T02:00:00Z"));
  EXPECT_EQ(z.from_local(CivilDate{2026, 10, 25}, 1 * 60 + 59), at("2026-10-24T23:59:00Z"));
  const auto& ny = zone("America/New_York");
  EXPECT_EQ(ny.from_local(CivilDate{2026, 11, 1}, 60 + 30), at("2026-11-01T05:30:00Z"));
  const auto& syd = zone("Australia/Sydney");
  EXPECT_EQ(syd.from_local(CivilDate{2026, 4, 5}, 2 * 60 + 30), at("2026-04-04T15:30:00Z"));
  EXPECT_EQ(syd.from_local(CivilDate{2026, 10, 4}, 2 * 60 + 30), at("2026-10-03T16:30:00Z"));  // gap
}

TEST(Tz, FromLocalRoundTripsOrdinaryTimes) {
  const auto& z = zone("Europe/Berlin");
  for (int m = 0; m <= 1440; m += 7) {
    const Instant t = z.from_local(CivilDate{2026, 7, 10}, m);
    const std::int64_t local = z.local_ms(t);
    EXPECT_EQ(local, days_from_civil(2026, 7, 10) * kMsPerDay + m * kMsPerMinute);
  }
  EXPECT_EQ(z.from_local(CivilDate{2026, 7, 10}, 1440), z.from_local(CivilDate{2026, 7, 11}, 0));
}

TEST(Tz, SamoaSkippedDay) {
  // Pacific/Apia jumped from 2011-12-29 24:00 (-10) to 2011-12-31 00:00 (+14).
  const auto& z = zone("Pacific/Apia");
  const Instant jump = at("2011-12-30T10:00:00Z");
  EXPECT_EQ(z.offset_minutes(jump - kSec), -600);
  EXPECT_EQ(z.offset_minutes(jump), 840);
  EXPECT_EQ(z.from_local(CivilDate{2011, 12, 30}, 12 * 60), jump + Duration::hours(12));
}

// A TZif v2 file with no transitions: one local time type (offset `utoff`) and a footer.
std::string synthetic_tzif(std::int32_t utoff, std::string_view footer) {
  std::string out;
  auto be32 = [&out](std::uint32_t v) {
    for (int shift = 24; shift >= 0; shift -= 8) out.push_back(static_cast<char>((v >> shift) & 0xff));
  };
  for (int block = 0; block < 2; ++block) {
    out += "TZif2";
    out.append(15, '\0');
    be32(0);  // isutcnt
    be32(0);  // isstdcnt
    be32(0);  // leapcnt
    be32(0);  // timecnt
    be32(1);  // typecnt
    be32(4);  // charcnt
    be32(static_cast<std::uint32_t>(utoff));
    out.push_back('\0');  // isdst
    out.push_back('\0');  // desigidx
    out.append("XXX", 4);
  }
  out += "\n";
  out += footer;
  out += "\n";
  return out;
}

int footer_offset(std::string_view footer, std::string_view iso) {
  auto z = TimeZone::parse_tzif("test", synthetic_tzif(0, footer));
  EXPECT_TRUE(z.ok()) << footer << ": " << z.error;
  return z.value.offset_minutes(at(iso));
}

TEST(Tz, FooterRules) {
  // POSIX default rule when only names are given.
  EXPECT_EQ(footer_offset("EST5EDT", "2026-03-08T06:59:59Z"), -300);
  EXPECT_EQ(footer_offset("EST5EDT", "2026-03-08T07:00:00Z"), -240);
  EXPECT_EQ(footer_offset("EST5EDT", "2026-11-01T06:00:00Z"), -300);
  // Negative transition times (America/Nuuk).
  const char* nuuk = "<-03>3<-02>,M3.5.0/-2,M10.5.0/-1";
  EXPECT_EQ(footer_offset(nuuk, "2026-03-29T00:59:59Z"), -180);
  EXPECT_EQ(footer_offset(nuuk, "2026-03-29T01:00:00Z"), -120);
  EXPECT_EQ(footer_offset(nuuk, "2026-10-25T00:59:59Z"), -120);
  EXPECT_EQ(footer_offset(nuuk, "2026-10-25T01:00:00Z"), -180);
  // Negative DST (Europe/Dublin): "standard" IST in summer, GMT in winter.
  const char* dublin = "IST-1GMT0,M10.5.0,M3.5.0/1";
  EXPECT_EQ(footer_offset(dublin, "2026-07-01T00:00:00Z"), 60);
  EXPECT_EQ(footer_offset(dublin, "2026-12-01T00:00:00Z"), 0);
  EXPECT_EQ(footer_offset(dublin, "2026-03-29T00:59:59Z"), 0);
  EXPECT_EQ(footer_offset(dublin, "2026-03-29T01:00:00Z"), 60);
  EXPECT_EQ(footer_offset(dublin, "2026-10-25T00:59:59Z"), 60);
  EXPECT_EQ(footer_offset(dublin, "2026-10-25T01:00:00Z"), 0);
  // Hours past 24 (TZif v3, Asia/Jerusalem): Thursday 26:00 is Friday 02:00.
  const char* jerusalem = "IST-2IDT,M3.4.4/26,M10.5.0";
  EXPECT_EQ(footer_offset(jerusalem, "2026-03-26T23:59:59Z"), 120);
  EXPECT_EQ(footer_offset(jerusalem, "2026-03-27T00:00:00Z"), 180);
  EXPECT_EQ(footer_offset(jerusalem, "2026-10-24T22:59:59Z"), 180);
  EXPECT_EQ(footer_offset(jerusalem, "2026-10-24T23:00:00Z"), 120);
  // Fixed offsets with minutes, Julian-day rules (J60 is March 1 even in leap years).
  EXPECT_EQ(footer_offset("<+0330>-3:30", "2090-01-01T00:00:00Z"), 210);
  EXPECT_EQ(footer_offset("AAA-1BBB,J60/0,J300/0", "2028-02-29T22:59:59Z"), 60);
  EXPECT_EQ(footer_offset("AAA-1BBB,J60/0,J300/0", "2028-02-29T23:00:00Z"), 120);
  EXPECT_EQ(footer_offset("AAA-1BBB,59/0,J300/0", "2028-02-28T22:59:59Z"), 60);  // zero-based: Feb 29
  EXPECT_EQ(footer_offset("AAA-1BBB,59/0,J300/0", "2028-02-28T23:00:00Z"), 120);
  EXPECT_FALSE(TimeZone::parse_tzif("x", synthetic_tzif(0, "CET-1CEST,M3.5")).ok());
  EXPECT_FALSE(TimeZone::parse_tzif("x", synthetic_tzif(0, "C-1")).ok());
}

TEST(Tz, ParseTzifRejectsGarbage) {
  EXPECT_FALSE(TimeZone::parse_tzif("x", "").ok());
  EXPECT_FALSE(TimeZone::parse_tzif("x", "TZif2").ok());
  EXPECT_FALSE(TimeZone::parse_tzif("x", std::string(100, 'a')).ok());
}

}  // namespace
}  // namespace iwd::stdlib
