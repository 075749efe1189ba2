// Builds event histories for the report tests: records in seq order, instants written as
// `HH:MM[:SS]` on 2026-01-05 (a Monday), UTC.
#pragma once

#include <gtest/gtest.h>

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "history/record.h"
#include "reports/builders.h"
#include "reports/report.h"
#include "stdlib/time.h"

namespace iwd::reports::test {

inline std::int64_t at(std::string_view hhmm, std::string_view day = "2026-01-05") {
  std::string iso = std::string(day) + "T" + std::string(hhmm) + (hhmm.size() == 5 ? ":00Z" : "Z");
  auto r = stdlib::parse_instant(iso);
  EXPECT_TRUE(r.ok()) << iso << ": " << r.error;
  return r.value.instant.ms_since_epoch;
}

inline std::int64_t minutes(double m) { return static_cast<std::int64_t>(m * 60'000); }

struct ItemInfo {
  std::string process;
  std::string department;
  std::vector<std::pair<std::string, std::string>> dimensions;
  std::optional<std::int64_t> due;
};

class History {
 public:
  // An item event; the item's process, dimensions and due come from `info`.
  history::Record& item(std::string_view when, const std::string& id, const ItemInfo& info, std::string from,
                        std::string to, std::string reason, std::string agent = {}) {
    history::Record& r = event(history::RecordKind::Item, when, std::move(agent), from, to, reason);
    r.item = id;
    r.process = info.process;
    r.department = info.department;
    r.dimensions = info.dimensions;
    r.due = info.due;
    r.overdue = info.due && r.at > *info.due;
    r.actor = "test";
    return r;
  }
  history::Record& agent(std::string_view when, const std::string& id, std::string from, std::string to,
                         std::string reason = {}) {
    return event(history::RecordKind::Agent, when, id, from, to, reason);
  }
  history::Record& event(history::RecordKind kind, std::string_view when, std::string agent, std::string from,
                         std::string to, std::string reason) {
    history::Record r;
    r.kind = kind;
    r.at = at(when);
    r.agent = std::move(agent);
    r.from = std::move(from);
    r.to = std::move(to);
    r.reason = std::move(reason);
    return push(std::move(r));
  }
  history::Record& push(history::Record r) {
    r.seq = static_cast<std::int64_t>(records.size()) + 1;
    records.push_back(std::move(r));
    return records.back();
  }

  std::vector<history::Record> records;
};

inline Table run(const Options& o, const std::vector<history::Record>& records) {
  auto b = make_builder(o);
  EXPECT_TRUE(b.ok()) << b.error;
  if (!b.ok()) return {};
  for (const auto& r : records) b.value->add(r);
  auto t = b.value->finish();
  EXPECT_TRUE(t.ok()) << t.error;
  return t.value;
}

// The rows as maps from column name to the cell, for readable expectations.
inline std::vector<std::map<std::string, Cell>> rows_of(const Table& t) {
  std::vector<std::map<std::string, Cell>> out;
  for (const auto& row : t.rows) {
    auto& m = out.emplace_back();
    for (std::size_t i = 0; i < row.size(); ++i) m[t.columns[i].name] = row[i];
  }
  return out;
}

}  // namespace iwd::reports::test
