// Random well-formed item lifecycles (every transition of docs/lifecycle.md, reclassification
// into another process, due changes, items still open at the end): the reports' interval
// sums agree with the final states, and the backlog and overdue at every interval's end, the
// handle time and the work segments agree with a direct reading of each item's own events.
#include <gtest/gtest.h>

#include <map>
#include <random>
#include <set>

#include "lifecycles.h"
#include "scenario.h"

namespace iwd::reports::test {
namespace {

std::int64_t sum(const Table& t, const std::string& column) {
  std::int64_t n = 0;
  for (const auto& row : rows_of(t)) n += std::get<std::int64_t>(row.at(column));
  return n;
}

TEST(PropertyTest, IntervalSumsAgreeWithEachItemsOwnEvents) {
  for (unsigned seed = 1; seed <= 20; ++seed) {
    SCOPED_TRACE("seed " + std::to_string(seed));
    std::mt19937 rng(seed);
    const std::int64_t from = at("08:00"), to = at("18:00");
    std::vector<Life> lives;
    for (int n = 0; n < 300; ++n) {
      const std::int64_t start = from + minutes(std::uniform_int_distribution<int>(0, 9 * 60)(rng));
      lives.push_back(lifecycle(rng, n, start, to));
    }
    std::vector<history::Record> records = in_seq_order(lives);

    Options o;
    o.from = from;
    o.to = to;
    o.interval = IntervalKind::Minutes15;
    o.zone = stdlib::TimeZone::find("Europe/Berlin");
    const Table t = run(o, records);

    // Every item counted once as new; new = ended + backlog at the end.
    std::int64_t ended = 0, open_at_end = 0;
    for (const auto& l : lives) (detail::is_end_state(l.events.back().to) ? ended : open_at_end)++;
    EXPECT_EQ(sum(t, "new"), static_cast<std::int64_t>(lives.size()));
    EXPECT_EQ(sum(t, "completed") + sum(t, "canceled") + sum(t, "expired"), ended);

    // The backlog and overdue at each interval's end, per process, from each item's events.
    Intervals iv(from, to, o.interval, *o.zone);
    std::map<std::pair<std::string, std::string>, std::pair<std::int64_t, std::int64_t>> expected;
    for (std::size_t i = 0; i < iv.size(); ++i) {
      const std::int64_t b = iv.end(i);
      for (const auto& l : lives) {
        const history::Record* last = nullptr;
        for (const auto& r : l.events)
          if (r.at < b) last = &r;
        if (last == nullptr || !detail::is_open_state(last->to)) continue;
        auto& e = expected[{iv.label(i), last->process}];
        e.first++;
        if (last->due && *last->due < b) e.second++;
      }
    }
    std::int64_t last_backlog = 0;
    for (const auto& row : rows_of(t)) {
      const auto key = std::make_pair(std::get<std::string>(row.at("interval")), std::get<std::string>(row.at("process")));
      const auto it = expected.find(key);
      const auto want = it == expected.end() ? std::make_pair(std::int64_t{0}, std::int64_t{0}) : it->second;
      EXPECT_EQ(std::get<std::int64_t>(row.at("backlog")), want.first) << key.first << " " << key.second;
      EXPECT_EQ(std::get<std::int64_t>(row.at("overdue")), want.second) << key.first << " " << key.second;
      if (key.first == iv.label(iv.size() - 1)) last_backlog += want.first;
      if (it != expected.end()) expected.erase(it);
    }
    for (const auto& [key, want] : expected) ADD_FAILURE() << "no row for " << key.first << " " << key.second;
    EXPECT_EQ(last_backlog, open_at_end);

    // The agents' handle time is the items' time in `assigned`; completions by agents are the
    // done and complete events that leave `assigned`.
    std::int64_t assigned_ms = 0, finished = 0;
    for (const auto& l : lives)
      for (std::size_t k = 0; k < l.events.size(); ++k) {
        const auto& r = l.events[k];
        if (r.from == "assigned" && (r.to == "done_pending" || r.to == "completed")) finished++;
        if (r.from == "parked" && r.to == "completed") finished++;
        if (r.to != "assigned") continue;
        const std::int64_t end = k + 1 < l.events.size() ? l.events[k + 1].at : to;
        assigned_ms += end - r.at;
      }
    o.kind = ReportKind::ResourcePerformance;
    // The history's end is `to` (an agent event there), so open work counts up to it.
    records.emplace_back();
    records.back().kind = history::RecordKind::Agent;
    records.back().at = to;
    records.back().agent = "a9";
    const Table r = run(o, records);
    EXPECT_EQ(sum(r, "handle"), assigned_ms);
    EXPECT_EQ(sum(r, "completed"), finished);
  }
}

}  // namespace
}  // namespace iwd::reports::test
