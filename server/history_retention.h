// Retention of the event history (docs/reporting.md, "Retention"): records older than
// `history_retention_days` are deleted by a thread of its own, a pass a minute, in steps of
// kRows rows, each step a transaction of the group committer's between the batches' (a commit
// waits for one step at most; the engine thread never waits for a purge).
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "history/store.h"
#include "runtime/clock.h"
#include "server/group_commit.h"

namespace iwd::server {

class HistoryRetention {
 public:
  static constexpr std::int64_t kRows = 1000;
  // `store` works on the committer's journal. `interval`: between passes (0: no thread; a
  // pass only when purge() is called).
  HistoryRetention(GroupCommitter& committer, history::Store& store, const runtime::Clock& clock, std::int64_t days,
                   std::chrono::milliseconds interval);
  ~HistoryRetention();
  HistoryRetention(const HistoryRetention&) = delete;
  HistoryRetention& operator=(const HistoryRetention&) = delete;

  // One pass now: every record older than `days` before the clock's now deleted, in steps;
  // how many went, or nullopt and *error when a step failed (the records stay for the next pass).
  std::optional<std::int64_t> purge(std::string* error);

 private:
  void loop();
  GroupCommitter& committer_;
  history::Store& store_;
  const runtime::Clock& clock_;
  std::int64_t days_;
  std::chrono::milliseconds interval_;
  std::mutex mu_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace iwd::server
