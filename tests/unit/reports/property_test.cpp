// Random well-formed item lifecycles (every transition of docs/lifecycle.md, reclassification
// into another process, due changes, items still open at the end): the reports' interval
// sums agree with the final states, and the backlog and overdue at every interval's end, the
// handle time and the work segments agree with a direct reading of each item's own events.
#include <gtest/gtest.h>

#include <map>
#include <random>
#include <set>

#include "scenario.h"

namespace iwd::reports::test {
namespace {

struct Life {
  std::string id;
  std::vector<history::Record> events;  // in order
};

const std::vector<std::string> kProcesses = {"A", "B", "C"};
const std::vector<std::string> kAgents = {"a1", "a2", "a3", "a4"};

// One item's lifecycle from `start`, one transition every 0 to 20 minutes, until it ends or
// passes `stop`.
Life lifecycle(std::mt19937& rng, int n, std::int64_t start, std::int64_t stop) {
  auto pick = [&](const auto& v) { return v[std::uniform_int_distribution<std::size_t>(0, v.size() - 1)(rng)]; };
  auto chance = [&](double p) { return std::uniform_real_distribution<double>(0, 1)(rng) < p; };
  Life life{"W" + std::to_string(n), {}};
  std::string state = "none", agent, process = pick(kProcesses);
  std::optional<std::int64_t> due;
  if (chance(0.7)) due = start + minutes(std::uniform_int_distribution<int>(5, 300)(rng));
  std::int64_t t = start;
  auto emit = [&](std::string to, std::string reason, std::string who = {}) {
    history::Record r;
    r.kind = history::RecordKind::Item;
    r.at = t;
    r.item = life.id;
    r.from = state;
    r.to = to;
    r.reason = std::move(reason);
    r.agent = std::move(who);
    r.process = process;
    r.department = "D" + process;
    r.dimensions = {{"segment", process == "A" ? "Gold" : "Silver"}};
    r.due = due;
    r.overdue = due && t > *due;
    life.events.push_back(std::move(r));
    state = std::move(to);
  };
  emit(chance(0.2) ? "deferred" : "queued", "capture");
  while (!detail::is_end_state(state) && state != "rejected") {
    t += minutes(std::uniform_int_distribution<int>(0, 20)(rng));
    if (t >= stop) break;
    if (chance(0.05)) {
      emit("canceled", "cancel", agent);
      break;
    }
    if (chance(0.05)) {  // an update: another process or due, the same state
      if (chance(0.5)) process = pick(kProcesses);
      else due = t + minutes(std::uniform_int_distribution<int>(-30, 120)(rng));
      emit(state, "update", agent);
      continue;
    }
    if (state == "deferred") emit(chance(0.8) ? "queued" : "held", chance(0.8) ? "activate" : "hold");
    else if (state == "queued") {
      if (chance(0.1)) emit("expired", "expire");
      else if (chance(0.1)) emit("held", "hold");
      else emit("offered", "offer", agent = pick(kAgents));
    } else if (state == "offered") {
      if (chance(0.6)) emit("assigned", "accept", agent);
      else emit("queued", chance(0.5) ? "reject" : "offer_timeout", agent);
    } else if (state == "assigned") {
      const double p = std::uniform_real_distribution<double>(0, 1)(rng);
      if (p < 0.3) emit("done_pending", "done", agent);
      else if (p < 0.45) emit("completed", "complete", agent);
      else if (p < 0.6) emit("parked", "park", agent);
      else if (p < 0.75) emit("assigned", "transfer", agent = pick(kAgents));
      else emit("queued", "logout", agent);
    } else if (state == "done_pending") {
      if (chance(0.8)) emit("completed", "complete");
      else emit("queued", "complete_timeout", agent);
    } else if (state == "parked") {
      const double p = std::uniform_real_distribution<double>(0, 1)(rng);
      if (p < 0.5) emit("assigned", "pull", agent);
      else if (p < 0.7) emit("queued", "return", agent);
      else emit("completed", "complete", agent);
    } else if (state == "held") {
      if (chance(0.8)) emit("queued", "resume");
      else emit("expired", "expire");
    }
  }
  return life;
}

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
    std::vector<history::Record> records;
    for (const auto& l : lives) records.insert(records.end(), l.events.begin(), l.events.end());
    std::stable_sort(records.begin(), records.end(), [](const auto& a, const auto& b) { return a.at < b.at; });
    for (std::size_t i = 0; i < records.size(); ++i) records[i].seq = static_cast<std::int64_t>(i) + 1;

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
