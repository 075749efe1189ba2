// The queue statistics' compactions spread over events (stats/queue_stats.h): a group of
// thousands of items of which most end, so that its refs and the due crossings outnumber the
// live ones twice over, with reads at instants that move the age cursors while a sweep is
// half done. The figures equal a scan of the runtime throughout, and no event looks at more
// than a few refs for a compaction (it looked at every ref of the group at once before).
#include <gtest/gtest.h>

#include <random>

#include "stats/tracker.h"
#include "tests/unit/runtime/harness.h"
#include "tests/unit/stats/scan.h"

namespace iwd::stats {
namespace {

using namespace runtime;
namespace t = runtime::testing;

TEST(QueueStatsSweep, ACompactionIsSpreadOverTheGroupsEvents) {
  StringPool pool;
  t::FakeRules rules(pool);
  static const std::uint32_t slots[] = {rules.team_slot(), rules.kind_slot()};
  static const char* const names[] = {"team", "kind"};
  rules.mutable_table().report_dimension_count = 2;
  rules.mutable_table().report_dimension_slots = slots;
  rules.mutable_table().report_dimension_names = names;
  SimulatedClock clock{stdlib::Instant{t::kStart}};
  t::RecordingSink feed(pool);
  std::string error;
  auto rt = Runtime::create(rules.table(), pool, clock, feed, {}, &error);
  ASSERT_TRUE(rt) << error;
  QueueStats stats;
  std::mt19937_64 rng(3);
  std::vector<std::uint32_t> open;
  int next = 0;
  const auto fed = [&] {
    for (const Event& e : feed.all) stats.on_event(e, *rt);
    feed.all.clear();
  };
  const auto capture = [&] {
    const std::string id = "W" + std::to_string(next++);
    std::string j = R"({"id": ")" + id + R"(", "kind": "Case", "team": ")" + (rng() % 4 == 0 ? "red" : "blue") + "\"";
    if (rng() % 2) j += R"(, "due_at": ")" + stdlib::format_instant(clock.now() + stdlib::Duration{static_cast<std::int64_t>(rng() % (3 * t::kHour))}) + "\"";
    DecodeOptions d;
    d.captured_at = clock.now();
    d.allow_missing_required = true;
    auto r = decode_item(rt->schema(), pool, j + "}", d);
    ASSERT_TRUE(r.ok()) << r.error;
    ASSERT_TRUE(rt->capture(std::move(r.value)).ok());
    open.push_back(pool.intern(id));
    fed();
  };
  const auto compare = [&](int step) {
    for (const std::string& by : QueueStats::groupings(*rt)) {
      const auto got = stats.figures(*rt, by, clock.now().ms_since_epoch);
      ASSERT_TRUE(got);
      ASSERT_EQ(*got, scan(*rt, by, clock.now().ms_since_epoch)) << "by " << by << " at step " << step;
    }
  };
  for (int k = 0; k < 3000; ++k) {
    capture();
    if (k % 100 == 99) {
      ASSERT_TRUE(run_until(*rt, clock, clock.now() + stdlib::Duration{t::kMinute}));
    }
  }
  fed();
  compare(0);
  // Most end (canceled at random), a few more come; the clock moves on by minutes, and by an
  // hour now and then (items cross the first age bound and their due instants).
  for (int step = 1; step <= 6000; ++step) {
    if (rng() % 3 == 0) capture();
    if (open.size() > 100) {
      const std::size_t k = rng() % open.size();
      ASSERT_TRUE(rt->cancel(open[k]).ok());
      open[k] = open.back();
      open.pop_back();
      fed();
    }
    if (step % 150 == 0) {
      ASSERT_TRUE(run_until(*rt, clock, clock.now() + stdlib::Duration{step % 1500 == 0 ? t::kHour : 7 * t::kMinute}));
      fed();
      compare(step);
    }
  }
  compare(6001);
  // Swept at all (the groups' refs and the crossings went past twice the live ones), and by a
  // few a group an event: 3 groups an item (process, team, kind) and the crossings, 4 each.
  EXPECT_GT(stats.most_swept(), 0u);
  EXPECT_LE(stats.most_swept(), 16u);
}

}  // namespace
}  // namespace iwd::stats
