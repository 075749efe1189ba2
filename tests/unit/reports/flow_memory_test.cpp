// The item-flow builder's memory is bounded by the open items and one interval's completions,
// not by the items counted (issue 20: `iwd simulate` feeds it a month in memory): an interval's
// completion times are reduced to what the table prints once its end is passed, and the
// average and 90th percentile printed stay the exact ones.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

#include "reports/builders.h"
#include "reports/flow_table.h"
#include "scenario.h"

namespace iwd::reports::test {
namespace {

TEST(ReportFlowMemory, HoldsOneIntervalsCompletionTimesAndPrintsTheExactOnes) {
  Options o;
  o.kind = ReportKind::IntradayProcess;
  o.from = at("00:00");
  o.to = at("00:00", "2026-01-06");
  o.interval = IntervalKind::Hour;
  o.zone = stdlib::TimeZone::find("UTC");
  auto builder = detail::make_flow_builder(o);

  // 24 hours of 50 items each, captured and completed within their hour, times to completion
  // spread over the hour in an order that is not sorted.
  constexpr int kPerHour = 50;
  const ItemInfo info{"P", "D", {}, std::nullopt};
  std::vector<std::vector<std::int64_t>> times(24);
  std::size_t most_held = 0;
  for (int h = 0; h < 24; ++h) {
    History hour;
    const std::int64_t start = o.from + h * minutes(60);
    for (int i = 0; i < kPerHour; ++i) {
      const std::string id = "W" + std::to_string(h) + "_" + std::to_string(i);
      const std::int64_t took = minutes((i * 37 % kPerHour) + 0.5);
      times[static_cast<std::size_t>(h)].push_back(took);
      hour.item("00:00", id, info, "none", "queued", "capture").at = start + i * 1000;
      hour.item("00:00", id, info, "queued", "completed", "complete").at = start + i * 1000 + took;
    }
    std::stable_sort(hour.records.begin(), hour.records.end(), [](auto& a, auto& b) { return a.at < b.at; });
    for (const auto& r : hour.records) builder->add(r);
    most_held = std::max(most_held, detail::completion_times_held(*builder));
  }
  // One hour's values (in a vector's capacity), never the day's 1,200.
  EXPECT_GE(most_held, static_cast<std::size_t>(kPerHour));
  EXPECT_LE(most_held, static_cast<std::size_t>(2 * kPerHour));
  auto table = builder->finish();
  ASSERT_TRUE(table.ok()) << table.error;
  EXPECT_EQ(detail::completion_times_held(*builder), 0u);

  const auto rows = rows_of(table.value);
  ASSERT_EQ(rows.size(), 24u);
  for (std::size_t h = 0; h < 24; ++h) {
    auto v = times[h];
    std::sort(v.begin(), v.end());
    std::int64_t sum = 0;
    for (auto t : v) sum += t;
    const auto rank = static_cast<std::size_t>(std::ceil(0.9 * static_cast<double>(v.size())));
    EXPECT_EQ(std::get<std::int64_t>(rows[h].at("completed")), kPerHour);
    EXPECT_DOUBLE_EQ(std::get<double>(rows[h].at("avg_complete")), static_cast<double>(sum) / kPerHour);
    EXPECT_EQ(std::get<std::int64_t>(rows[h].at("p90_complete")), v[rank - 1]) << "hour " << h;
  }
}

// The store keeps `at` from decreasing as `seq` grows; a history that went back in time into an
// interval already settled still counts its completions there with the exact count and sum,
// and the larger of the two 90th percentiles (the values settled before are gone).
TEST(ReportFlowMemory, ACompletionAfterItsIntervalWasSettledKeepsCountAndSum) {
  Options o;
  o.kind = ReportKind::IntradayProcess;
  o.from = at("09:00");
  o.to = at("12:00");
  o.interval = IntervalKind::Hour;
  o.zone = stdlib::TimeZone::find("UTC");
  const ItemInfo info{"P", "D", {}, std::nullopt};
  History h;
  for (int i = 0; i < 10; ++i) {  // 1 to 10 minutes: p90 9 minutes
    const std::string id = "A" + std::to_string(i);
    h.item("09:00", id, info, "none", "queued", "capture");
    h.item("09:00", id, info, "queued", "completed", "complete").at += minutes(i + 1);
  }
  h.item("11:00", "B", info, "none", "queued", "capture");  // settles 09:00 and 10:00
  h.item("09:30", "C", info, "none", "queued", "capture");
  h.item("09:50", "C", info, "queued", "completed", "complete");  // 20 minutes, back in 09:00
  const auto rows = rows_of(run(o, h.records));
  ASSERT_FALSE(rows.empty());
  EXPECT_EQ(std::get<std::int64_t>(rows[0].at("completed")), 11);
  EXPECT_DOUBLE_EQ(std::get<double>(rows[0].at("avg_complete")), static_cast<double>(minutes(55 + 20)) / 11);
  EXPECT_EQ(std::get<std::int64_t>(rows[0].at("p90_complete")), minutes(20));
}

}  // namespace
}  // namespace iwd::reports::test
