#include "reports/intervals.h"

#include <gtest/gtest.h>

#include "reports/table.h"
#include "scenario.h"

namespace iwd::reports::test {
namespace {

const stdlib::TimeZone& berlin() {
  const auto* z = stdlib::TimeZone::find("Europe/Berlin");
  EXPECT_NE(z, nullptr);
  return *z;
}

std::int64_t iso(std::string_view text) { return stdlib::parse_instant(text).value.instant.ms_since_epoch; }

TEST(IntervalsTest, FallBackDayHasTwentyFiveHoursAndTwoTwoOClocks) {
  Intervals iv(iso("2026-10-24T22:00:00Z"), iso("2026-10-25T23:00:00Z"), IntervalKind::Hour, berlin());
  ASSERT_EQ(iv.size(), 25u);
  EXPECT_EQ(iv.label(0), "2026-10-25T00:00:00+02:00");
  EXPECT_EQ(iv.label(2), "2026-10-25T02:00:00+02:00");
  EXPECT_EQ(iv.label(3), "2026-10-25T02:00:00+01:00");
  EXPECT_EQ(iv.label(24), "2026-10-25T23:00:00+01:00");
  Intervals day(iso("2026-10-24T22:00:00Z"), iso("2026-10-25T23:00:00Z"), IntervalKind::Day, berlin());
  EXPECT_EQ(day.size(), 1u);
}

TEST(IntervalsTest, SpringForwardSkipsTwoOClock) {
  Intervals iv(iso("2026-03-28T23:00:00Z"), iso("2026-03-29T22:00:00Z"), IntervalKind::Hour, berlin());
  ASSERT_EQ(iv.size(), 23u);
  EXPECT_EQ(iv.label(1), "2026-03-29T01:00:00+01:00");
  EXPECT_EQ(iv.label(2), "2026-03-29T03:00:00+02:00");
}

TEST(IntervalsTest, QuarterHoursFollowTheLocalClockAndAPartialStart) {
  // Asia/Kathmandu is +05:45: the local quarter hours are at :00, :15 ... local time.
  const auto* ktm = stdlib::TimeZone::find("Asia/Kathmandu");
  ASSERT_NE(ktm, nullptr);
  Intervals iv(iso("2026-01-05T03:10:00Z"), iso("2026-01-05T04:00:00Z"), IntervalKind::Minutes15, *ktm);
  // 03:10Z is 08:55 local: a partial first interval to 09:00 (03:15Z); 04:00Z is 09:45.
  ASSERT_EQ(iv.size(), 4u);
  EXPECT_EQ(iv.label(0), "2026-01-05T08:55:00+05:45");
  EXPECT_EQ(iv.label(1), "2026-01-05T09:00:00+05:45");
  EXPECT_EQ(iv.index_of(iso("2026-01-05T03:29:59Z")), 1);
  EXPECT_EQ(iv.index_of(iso("2026-01-05T03:30:00Z")), 2);
  EXPECT_EQ(iv.index_of(iso("2026-01-05T04:00:00Z")), -1);
  EXPECT_EQ(iv.index_of(iso("2026-01-05T03:09:59Z")), -1);
}

TEST(IntervalsTest, WeeksStartOnMondayAndMonthsOnTheFirst) {
  // 2026-01-01 is a Thursday.
  Intervals weeks(iso("2025-12-31T23:00:00Z"), iso("2026-01-31T23:00:00Z"), IntervalKind::Week, berlin());
  ASSERT_GE(weeks.size(), 2u);
  EXPECT_EQ(weeks.label(0), "2026-01-01T00:00:00+01:00");
  EXPECT_EQ(weeks.label(1), "2026-01-05T00:00:00+01:00");
  EXPECT_EQ(weeks.size(), 5u);  // the partial first week, 3 whole ones, the partial last
  Intervals months(iso("2026-01-15T00:00:00Z"), iso("2026-04-01T00:00:00Z"), IntervalKind::Month, berlin());
  ASSERT_EQ(months.size(), 4u);
  EXPECT_EQ(months.label(1), "2026-02-01T00:00:00+01:00");
  EXPECT_EQ(months.label(3), "2026-04-01T00:00:00+02:00");
}

TEST(IntervalsTest, ParseNamesTheAcceptedSpellings) {
  EXPECT_TRUE(parse_interval("15m").ok());
  EXPECT_EQ(parse_interval("30m").error, "unknown interval `30m` (expected 15m, 1h, 1d, 1w or 1mo)");
  EXPECT_EQ(parse_format("xml").error, "unknown format `xml` (expected text, csv or json)");
}

TEST(TableTest, TextIsAlignedCsvQuotedJsonTyped) {
  Table t;
  t.title = "T";
  t.columns = {{"name", CellType::Text}, {"n", CellType::Count}, {"time", CellType::Duration},
               {"level", CellType::Percent}};
  t.rows = {{std::string("a,\"b\""), std::int64_t{12}, 90'500.0, 66.666},
            {std::string("c"), std::int64_t{3}, std::monostate{}, std::monostate{}}};
  EXPECT_EQ(render(t, Format::Text),
            "T\n"
            "name    n   time  level\n"
            "a,\"b\"  12  1m31s   66.7\n"
            "c       3      -      -\n");
  EXPECT_EQ(render(t, Format::Csv), "name,n,time,level\n\"a,\"\"b\"\"\",12,90.5,66.67\nc,3,,\n");
  EXPECT_EQ(render(t, Format::Json),
            R"({"title":"T","columns":[{"name":"name","type":"text"},{"name":"n","type":"count"},)"
            R"({"name":"time","type":"seconds"},{"name":"level","type":"percent"}],"rows":[)"
            R"({"name":"a,\"b\"","n":12,"time":90.5,"level":66.67},{"name":"c","n":3,"time":null,"level":null}]})"
            "\n");
}

}  // namespace
}  // namespace iwd::reports::test
