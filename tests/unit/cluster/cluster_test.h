// What the cluster tests share: a real PostgreSQL cluster with iwd's tables (pgstore's
// PgTest), an audit of every change to iwd_lease, the events a node reports, and the check that
// no two nodes served one workspace at overlapping times.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "tests/unit/pgstore/pg_test.h"

namespace iwd::cluster::testing {

using Clock = std::chrono::steady_clock;

// acquired / lost, as a node reported it, with when (steady clock: CLOCK_MONOTONIC, the same
// in every process of the machine).
struct Event {
  std::string node;
  std::string workspace;
  bool acquired = false;
  std::int64_t epoch = 0;  // for acquired
  std::string why;         // for lost
  Clock::time_point at;
};

class Events {
 public:
  void add(Event e) {
    {
      std::lock_guard lock(mutex_);
      events_.push_back(std::move(e));
    }
    changed_.notify_all();
  }
  std::vector<Event> all() const {
    std::lock_guard lock(mutex_);
    return events_;
  }
  // Waits (up to `timeout`) until `done(all events)`; whether it came.
  bool wait(const std::function<bool(const std::vector<Event>&)>& done, std::chrono::milliseconds timeout) {
    std::unique_lock lock(mutex_);
    return changed_.wait_for(lock, timeout, [&] { return done(events_); });
  }

 private:
  mutable std::mutex mutex_;
  std::condition_variable changed_;
  std::vector<Event> events_;
};

// Who serves each workspace after `events`: the nodes whose last event for it is `acquired`.
inline std::map<std::string, std::vector<std::string>> serving(const std::vector<Event>& events) {
  std::map<std::pair<std::string, std::string>, bool> last;
  for (const Event& e : events) last[{e.workspace, e.node}] = e.acquired;
  std::map<std::string, std::vector<std::string>> out;
  for (const auto& [key, on] : last)
    if (on) out[key.first].push_back(key.second);
  return out;
}

// Every one of `workspaces` served by exactly one node.
inline bool each_served_once(const std::vector<Event>& events, const std::vector<std::string>& workspaces) {
  const auto s = serving(events);
  for (const std::string& ws : workspaces)
    if (!s.count(ws) || s.at(ws).size() != 1) return false;
  return true;
}

// The nodes' own view: for each workspace, the intervals from acquired to lost of every node,
// none overlapping another. An empty string when so, else what overlapped.
inline std::string overlaps(const std::vector<Event>& events) {
  struct Span {
    Clock::time_point from, to;
    std::string node;
  };
  std::map<std::string, std::vector<Span>> spans;
  std::map<std::pair<std::string, std::string>, Clock::time_point> open;
  for (const Event& e : events) {
    const auto key = std::make_pair(e.workspace, e.node);
    if (e.acquired) {
      open[key] = e.at;
    } else if (auto it = open.find(key); it != open.end()) {
      spans[e.workspace].push_back({it->second, e.at, e.node});
      open.erase(it);
    }
  }
  for (const auto& [key, from] : open) spans[key.first].push_back({from, Clock::time_point::max(), key.second});
  for (auto& [ws, list] : spans) {
    std::sort(list.begin(), list.end(), [](const Span& a, const Span& b) { return a.from < b.from; });
    for (std::size_t i = 1; i < list.size(); ++i)
      if (list[i].from < list[i - 1].to)
        return "workspace " + ws + ": " + list[i].node + " acquired it before " + list[i - 1].node + " lost it";
  }
  return "";
}

class ClusterTest : public iwd::pgstore::testing::PgTest {
 protected:
  void SetUp() override {
    PgTest::SetUp();
    if (HasFatalFailure()) return;
    // Every change of a lease row, with the database's clock when it was written.
    for (const char* sql : {
             "CREATE TABLE lease_audit (id bigserial PRIMARY KEY, workspace text, holder text, epoch bigint, "
             "expires_at timestamptz, at timestamptz NOT NULL DEFAULT clock_timestamp())",
             "CREATE FUNCTION lease_audit() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
             "INSERT INTO lease_audit (workspace, holder, epoch, expires_at) "
             "VALUES (NEW.workspace, NEW.holder, NEW.epoch, NEW.expires_at); RETURN NEW; END $$",
             "CREATE TRIGGER lease_audit AFTER INSERT OR UPDATE ON iwd_lease FOR EACH ROW "
             "EXECUTE FUNCTION lease_audit()"}) {
      const auto s = db->exec("audit the leases", sql);
      ASSERT_TRUE(s.ok()) << s.message;
    }
  }

  // The lease table's history: each epoch of a workspace held from its first row to its
  // release or its last expiry, each epoch starting no earlier than the previous one ended.
  // An empty string when so, else what overlapped; *epochs: how many holdings were seen.
  std::string lease_history_overlaps(int* epochs) {
    iwd::pgstore::Rows rows;
    const auto s = db->exec("read the leases' history", R"sql(
      WITH h AS (
        SELECT workspace, epoch, min(at) FILTER (WHERE holder IS NOT NULL) AS began,
          coalesce(min(at) FILTER (WHERE holder IS NULL), max(expires_at)) AS ended,
          count(DISTINCT holder) AS holders
        FROM lease_audit GROUP BY workspace, epoch)
      SELECT workspace, epoch, holders, began::text, (lag(ended) OVER w)::text, began < lag(ended) OVER w
      FROM h WINDOW w AS (PARTITION BY workspace ORDER BY epoch) ORDER BY workspace, epoch)sql",
                            {}, &rows);
    if (!s.ok()) return s.message;
    *epochs = rows.size();
    for (int i = 0; i < rows.size(); ++i) {
      const std::string what = "workspace " + *rows.at(i, 0) + " at epoch " + std::to_string(rows.integer(i, 1));
      if (rows.integer(i, 2) != 1) return what + " had " + std::to_string(rows.integer(i, 2)) + " holders";
      if (rows.at(i, 5) == "t")
        return what + " began at " + *rows.at(i, 3) + ", before the previous epoch ended at " + *rows.at(i, 4);
    }
    return "";
  }
};

}  // namespace iwd::cluster::testing
