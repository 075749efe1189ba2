// A day written for the purpose (captures, an offer timeout (RONA), a rejection, park and
// pull, a transfer, a cancel, an expiry on hold, an overdue completion, a rejected capture),
// and every report over it checked against hand-computed numbers (in the comments).
#include <gtest/gtest.h>

#include "scenario.h"

namespace iwd::reports::test {
namespace {

const ItemInfo W1{"Sales", "Retail", {{"segment", "Gold"}}, at("10:00")};
const ItemInfo W2{"Sales", "Retail", {{"segment", "Silver"}}, at("09:30")};
const ItemInfo W3{"Claims", "Insurance", {}, std::nullopt};
const ItemInfo W4{"Claims", "Insurance", {}, at("09:45")};
const ItemInfo X1{};  // rejected: no process
const ItemInfo W6{"Sales", "Retail", {{"segment", "Gold"}}, at("11:30")};

std::vector<history::Record> day() {
  History h;
  h.agent("09:00", "a1", "logged_out", "ready");
  h.agent("09:00", "a2", "logged_out", "ready");
  h.item("09:00", "W1", W1, "none", "queued", "capture");
  h.item("09:00", "W1", W1, "queued", "offered", "offer", "a1");
  h.item("09:01", "W1", W1, "offered", "assigned", "accept", "a1");
  h.item("09:05", "W2", W2, "none", "queued", "capture");
  h.item("09:05", "W2", W2, "queued", "offered", "offer", "a2");
  h.item("09:05:30", "W2", W2, "offered", "queued", "offer_timeout", "a2");
  h.agent("09:05:30", "a2", "ready", "not_ready", "rona");
  h.item("09:10", "W3", W3, "none", "queued", "capture");
  h.item("09:15", "W4", W4, "none", "queued", "capture");
  h.item("09:16", "W4", W4, "queued", "held", "hold");
  h.item("09:20", "X1", X1, "none", "rejected", "capture").detail = "missing required attribute `kind`";
  h.item("09:31", "W1", W1, "assigned", "done_pending", "done", "a1").outcome = "won";
  h.item("09:31", "W2", W2, "queued", "offered", "offer", "a1");
  h.item("09:32", "W1", W1, "done_pending", "completed", "complete");
  h.item("09:32", "W2", W2, "offered", "assigned", "accept", "a1");
  h.agent("09:35", "a2", "not_ready", "ready");
  h.item("09:40", "W2", W2, "assigned", "parked", "park", "a1");
  h.item("09:50", "W3", W3, "queued", "canceled", "cancel");
  h.item("10:10", "W2", W2, "parked", "assigned", "pull", "a1");
  h.item("10:20", "W2", W2, "assigned", "assigned", "transfer", "a2");
  h.item("10:30", "W4", W4, "held", "expired", "expire");
  h.item("10:40", "W6", W6, "none", "queued", "capture");
  h.item("10:40", "W6", W6, "queued", "offered", "offer", "a1");
  h.item("10:41", "W6", W6, "offered", "queued", "reject", "a1");
  h.agent("10:41", "a1", "ready", "not_ready", "rona");
  h.item("10:50", "W2", W2, "assigned", "completed", "complete", "a2").outcome = "lost";
  h.agent("11:00", "a1", "not_ready", "ready");
  h.agent("11:30", "a2", "ready", "logged_out");
  h.agent("12:00", "a1", "ready", "not_ready", "lunch");  // at `to`: only ends the history
  return h.records;
}

Options options(ReportKind kind, IntervalKind interval = IntervalKind::Hour) {
  Options o;
  o.kind = kind;
  o.from = at("09:00");
  o.to = at("12:00");
  o.interval = interval;
  o.zone = stdlib::TimeZone::find("UTC");
  return o;
}

std::string csv(const Options& o) { return render(run(o, day()), Format::Csv); }

TEST(ScenarioTest, IntradayProcessByHour) {
  // Sales 09-10: W1 and W2 new; W1 completed (32m from capture, 30m assigned, offered at
  // once); W2 parked at 10:00 and overdue (due 09:30). Claims 09-10: W3 canceled, W4 held
  // and overdue (due 09:45). 10-11: W2 completed overdue (1h45m, 8m + 40m assigned), W4
  // expired, W6 new and queued (due 11:30: overdue at 12:00 only).
  EXPECT_EQ(csv(options(ReportKind::IntradayProcess)),
            "interval,process,new,completed,canceled,expired,rejected,backlog,overdue,completed_overdue,"
            "avg_complete,p90_complete,avg_handle,avg_first_offer\n"
            "2026-01-05T09:00:00Z,(none),0,0,0,0,1,0,0,0,,,,\n"
            "2026-01-05T09:00:00Z,Claims,2,0,1,0,0,1,1,0,,,,\n"
            "2026-01-05T09:00:00Z,Sales,2,1,0,0,0,1,1,0,1920,1920,1800,0\n"
            "2026-01-05T10:00:00Z,Claims,0,0,0,1,0,0,0,0,,,,\n"
            "2026-01-05T10:00:00Z,Sales,1,1,0,0,0,1,0,1,6300,6300,2880,0\n"
            "2026-01-05T11:00:00Z,Sales,0,0,0,0,0,1,1,0,,,,\n");
}

TEST(ScenarioTest, IntradayByDepartmentOverTheDay) {
  // Retail: 3 new, W1 and W2 completed: average (32m + 1h45m) / 2 = 1h8m30s, 90th percentile
  // by nearest rank (the 2nd of 2) 1h45m, handle (30m + 48m) / 2 = 39m.
  auto o = options(ReportKind::IntradayProcess, IntervalKind::Day);
  o.by = "department";
  EXPECT_EQ(csv(o),
            "interval,department,new,completed,canceled,expired,rejected,backlog,overdue,completed_overdue,"
            "avg_complete,p90_complete,avg_handle,avg_first_offer\n"
            "2026-01-05T09:00:00Z,(none),0,0,0,0,1,0,0,0,,,,\n"
            "2026-01-05T09:00:00Z,Insurance,2,0,1,1,0,0,0,0,,,,\n"
            "2026-01-05T09:00:00Z,Retail,3,2,0,0,0,1,1,1,4110,6300,2340,0\n");
}

TEST(ScenarioTest, SegmentServiceLevel) {
  // Gold: W1 completed by its due (100%), W6 open and overdue at 12:00; Silver: W2 late (0%).
  auto o = options(ReportKind::SegmentServiceLevel, IntervalKind::Day);
  o.by = "segment";
  EXPECT_EQ(csv(o),
            "interval,segment,new,completed,completed_in_sla,service_level,backlog,backlog_overdue\n"
            "2026-01-05T09:00:00Z,(none),2,0,0,,0,0\n"
            "2026-01-05T09:00:00Z,Gold,2,1,1,100,1,1\n"
            "2026-01-05T09:00:00Z,Silver,1,1,0,0,0,0\n");
}

TEST(ScenarioTest, ResourcePerformance) {
  // a1 09-10: offered W1 and W2, accepted both, W1 done (30m); assigned 30m + 8m (busy the
  // same), ready all hour: occupancy 38/60. a2 09-10: W2 timed out (RONA), not ready
  // 09:05:30-09:35. a1 10-11: pulled W2 for 10m, rejected W6 at 10:41, not ready (rona) 19m.
  // a2 10-11: W2 from the transfer to completion, 30m. 11-12: ready until 12:00 (a1) and
  // the logout at 11:30 (a2).
  EXPECT_EQ(csv(options(ReportKind::ResourcePerformance)),
            "interval,agent,offered,accepted,rejected,rona,completed,handle,avg_handle,ready,not_ready,busy,"
            "occupancy,not_ready_rona\n"
            "2026-01-05T09:00:00Z,a1,2,2,0,0,1,2280,1800,3600,0,2280,63.33,0\n"
            "2026-01-05T09:00:00Z,a2,1,0,0,1,0,0,,1830,1770,0,0,1770\n"
            "2026-01-05T10:00:00Z,a1,1,0,1,0,0,600,,2460,1140,600,16.67,1140\n"
            "2026-01-05T10:00:00Z,a2,0,0,0,0,1,1800,1800,3600,0,1800,50,0\n"
            "2026-01-05T11:00:00Z,a1,0,0,0,0,0,0,,3600,0,0,0,0\n"
            "2026-01-05T11:00:00Z,a2,0,0,0,0,0,0,,1800,0,0,0,0\n");
}

TEST(ScenarioTest, OutcomeFromDoneOrComplete) {
  // W1's outcome came with `done`, W2's with `complete`.
  EXPECT_EQ(csv(options(ReportKind::Outcome, IntervalKind::Day)),
            "interval,process,outcome,items\n"
            "2026-01-05T09:00:00Z,Sales,lost,1\n"
            "2026-01-05T09:00:00Z,Sales,won,1\n");
}

TEST(ScenarioTest, TaskWorkDetailShowsItemsWithTwoAgents) {
  // Only W2 had two agents: a1 (accept to park, pull to transfer), then a2.
  EXPECT_EQ(csv(options(ReportKind::TaskWorkDetail)),
            "item,process,agent,start,end,duration,began_by,ended_by\n"
            "W2,Sales,a1,2026-01-05T09:32:00Z,2026-01-05T09:40:00Z,480,accept,park\n"
            "W2,Sales,a1,2026-01-05T10:10:00Z,2026-01-05T10:20:00Z,600,pull,transfer\n"
            "W2,Sales,a2,2026-01-05T10:20:00Z,2026-01-05T10:50:00Z,1800,transfer,complete\n");
}

TEST(ScenarioTest, TaskDetailIsTheItemsTimeline) {
  auto o = options(ReportKind::TaskDetail);
  o.item = "W2";
  const Table t = run(o, day());
  const auto rows = rows_of(t);
  ASSERT_EQ(rows.size(), 9u);
  EXPECT_EQ(std::get<std::string>(rows[2].at("reason")), "offer_timeout");
  EXPECT_EQ(std::get<std::string>(rows[2].at("agent")), "a2");
  EXPECT_EQ(std::get<std::string>(rows[7].at("reason")), "transfer");
  EXPECT_EQ(std::get<std::string>(rows[8].at("to")), "completed");
  EXPECT_EQ(std::get<std::string>(rows[8].at("overdue")), "yes");
  EXPECT_EQ(std::get<std::string>(rows[8].at("outcome")), "lost");
  EXPECT_EQ(std::get<std::string>(rows[0].at("due")), "2026-01-05T09:30:00Z");
}

TEST(ScenarioTest, RecordsBeforeTheRangeMakeTheOpeningBacklog) {
  // From 10:00: W2 (parked) and W4 (held) are open at the start; they are not new.
  auto o = options(ReportKind::IntradayProcess, IntervalKind::Day);
  o.from = at("10:00");
  EXPECT_EQ(csv(o),
            "interval,process,new,completed,canceled,expired,rejected,backlog,overdue,completed_overdue,"
            "avg_complete,p90_complete,avg_handle,avg_first_offer\n"
            "2026-01-05T10:00:00Z,Claims,0,0,0,1,0,0,0,0,,,,\n"
            "2026-01-05T10:00:00Z,Sales,1,1,0,0,0,1,1,1,6300,6300,2880,0\n");
}

TEST(ScenarioTest, TheRepeatedHourOfAFallBackIsTwoRows) {
  // Europe/Berlin, 2026-10-25: 02:30 CEST (00:30Z) and 02:30 CET (01:30Z) are two captures in
  // two intervals that both read 02:00 on the clock.
  History h;
  const ItemInfo info{"Sales", "Retail", {}, std::nullopt};
  h.item("00:30", "A", info, "none", "queued", "capture");
  h.item("01:30", "B", info, "none", "queued", "capture");
  for (auto& r : h.records) r.at += at("00:00", "2026-10-25") - at("00:00");
  Options o = options(ReportKind::IntradayProcess);
  o.from = at("00:00", "2026-10-25");
  o.to = at("03:00", "2026-10-25");
  o.zone = stdlib::TimeZone::find("Europe/Berlin");
  const auto rows = rows_of(run(o, h.records));
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_EQ(std::get<std::string>(rows[0].at("interval")), "2026-10-25T02:00:00+02:00");
  EXPECT_EQ(std::get<std::int64_t>(rows[0].at("new")), 1);
  EXPECT_EQ(std::get<std::string>(rows[1].at("interval")), "2026-10-25T02:00:00+01:00");
  EXPECT_EQ(std::get<std::int64_t>(rows[1].at("new")), 1);
  EXPECT_EQ(std::get<std::int64_t>(rows[1].at("backlog")), 2);
  EXPECT_EQ(std::get<std::string>(rows[2].at("interval")), "2026-10-25T03:00:00+01:00");
}

TEST(ScenarioTest, TwoItemsAtOnceCountTwiceInHandleOnceInBusy) {
  // a1 holds W1 09:00-09:30 and W2 09:10-09:40: 60m of handle, 40m busy, ready all hour.
  History h;
  h.agent("09:00", "a1", "logged_out", "ready");
  h.item("09:00", "W1", W1, "offered", "assigned", "accept", "a1");
  h.item("09:10", "W2", W2, "offered", "assigned", "accept", "a1");
  h.item("09:30", "W1", W1, "assigned", "done_pending", "done", "a1");
  h.item("09:40", "W2", W2, "assigned", "done_pending", "done", "a1");
  h.agent("10:00", "a1", "ready", "logged_out");
  auto o = options(ReportKind::ResourcePerformance);
  o.to = at("10:00");
  EXPECT_EQ(render(run(o, h.records), Format::Csv),
            "interval,agent,offered,accepted,rejected,rona,completed,handle,avg_handle,ready,not_ready,busy,"
            "occupancy\n"
            "2026-01-05T09:00:00Z,a1,0,2,0,0,2,3600,1800,3600,0,2400,66.67\n");
}

TEST(ScenarioTest, AReportEndsWithTheIntervalHoldingNow) {
  // At 10:45, nothing after has happened: W2's completion (10:50) is not counted, the 10:00
  // row's backlog is what is open at 10:45 (W2, overdue since 09:30, and W6), and no 11:00 row.
  auto o = options(ReportKind::IntradayProcess);
  o.now = at("10:45");
  // The rows to 10:00 are those of the whole day's report (IntradayProcessByHour).
  const std::string day_csv = csv(options(ReportKind::IntradayProcess));
  const std::string to_ten = day_csv.substr(0, day_csv.find("2026-01-05T10:00:00Z"));
  EXPECT_EQ(csv(o), to_ten +
                        "2026-01-05T10:00:00Z,Claims,0,0,0,1,0,0,0,0,,,,\n"
                        "2026-01-05T10:00:00Z,Sales,1,0,0,0,0,2,1,0,,,,0\n");
  // At 11:20, W6 (due 11:30) is open and not overdue yet, though it will be at 12:00.
  o.now = at("11:20");
  EXPECT_EQ(rows_of(run(o, day())).back().at("overdue"), Cell(std::int64_t{0}));
  EXPECT_EQ(rows_of(run(o, day())).back().at("backlog"), Cell(std::int64_t{1}));
  o.now.reset();
  EXPECT_EQ(rows_of(run(o, day())).back().at("overdue"), Cell(std::int64_t{1})) << "at 12:00";
  // The agents' times still running are counted up to now: 20 minutes ready each since 11:00.
  o = options(ReportKind::ResourcePerformance);
  o.now = at("11:20");
  const auto rows = rows_of(run(o, day()));
  ASSERT_EQ(rows.size(), 6u);
  EXPECT_EQ(rows[4].at("agent"), Cell(std::string("a1")));
  EXPECT_EQ(rows[4].at("ready"), Cell(std::int64_t{1200 * 1000}));
  EXPECT_EQ(rows[5].at("ready"), Cell(std::int64_t{1200 * 1000}));
  // A range that starts after now is refused.
  o.from = at("11:30");
  auto b = make_builder(o);
  ASSERT_FALSE(b.ok());
  EXPECT_EQ(b.error, "nothing has happened in the range yet: it starts at 2026-01-05T11:30:00Z, after now "
                     "(2026-01-05T11:20:00Z)");
}

TEST(ScenarioTest, UnknownDimensionIsNamed) {
  auto o = options(ReportKind::SegmentServiceLevel);
  o.by = "segmnt";
  auto b = make_builder(o);
  ASSERT_TRUE(b.ok());
  for (const auto& r : day()) b.value->add(r);
  auto t = b.value->finish();
  ASSERT_FALSE(t.ok());
  EXPECT_EQ(t.error, "unknown dimension `segmnt` for --by (the history has: process, department, segment)");
}

TEST(ScenarioTest, BadOptionsAreRefused) {
  auto o = options(ReportKind::IntradayProcess);
  o.from = o.to;
  EXPECT_EQ(make_builder(o).error, "--from 2026-01-05T12:00:00Z is not before --to 2026-01-05T12:00:00Z");
  EXPECT_EQ(make_builder(options(ReportKind::TaskDetail)).error, "task-detail needs --item (the item's id)");
  EXPECT_EQ(make_builder(options(ReportKind::SegmentServiceLevel)).error,
            "segment-service-level needs --by (a `report by` dimension)");
  EXPECT_EQ(parse_report_kind("intraday").error,
            "unknown report `intraday` (the reports are intraday-process, segment-service-level, "
            "resource-performance, task-detail, task-work-detail, outcome)");
}

}  // namespace
}  // namespace iwd::reports::test
