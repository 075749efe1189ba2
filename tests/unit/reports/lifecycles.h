// Random well-formed item lifecycles for the reports' property tests (property_test.cpp,
// aggregates_test.cpp): every transition of docs/lifecycle.md, reclassification into another
// process, due changes, items still open at the end.
#pragma once

#include <optional>
#include <random>
#include <string>
#include <vector>

#include "scenario.h"

namespace iwd::reports::test {

struct Life {
  std::string id;
  std::vector<history::Record> events;  // in order
};

inline const std::vector<std::string> kProcesses = {"A", "B", "C"};
inline const std::vector<std::string> kAgents = {"a1", "a2", "a3", "a4"};

// One item's lifecycle from `start`, one transition every 0 to 20 minutes, until it ends or
// passes `stop`.
inline Life lifecycle(std::mt19937& rng, int n, std::int64_t start, std::int64_t stop) {
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

// The records of `lives` in instant order (stable: each item's own order kept), numbered 1, 2, ...
inline std::vector<history::Record> in_seq_order(const std::vector<Life>& lives) {
  std::vector<history::Record> records;
  for (const auto& l : lives) records.insert(records.end(), l.events.begin(), l.events.end());
  std::stable_sort(records.begin(), records.end(), [](const auto& a, const auto& b) { return a.at < b.at; });
  for (std::size_t i = 0; i < records.size(); ++i) records[i].seq = static_cast<std::int64_t>(i) + 1;
  return records;
}

}  // namespace iwd::reports::test
