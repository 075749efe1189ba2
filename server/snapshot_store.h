// Snapshots stored off the engine thread. The engine thread only copies the state
// (StateCapture, server/state_image.h) at the snapshot's place among a batch's lines; once
// that batch is durable, the group committer says which journal seq the snapshot covers, and
// this store's thread puts the image together (the strings looked up) and stores it through
// the committer in steps, each a transaction of its own between the batches' transactions (a
// commit waits for one step at most, never for a whole image):
//   1. the image in parts of 4 MiB, which nothing reads yet;
//   2. the snapshot's row, which makes it the latest: recovery starts from it; requests
//      waiting for it (POST /v1/admin/compact) are answered;
//   3. what it replaces deleted, some thousands of rows a step: older snapshots, and the
//      journal lines it covers.
// A crash between steps loses nothing: until step 2 commits, the previous snapshot and every
// line after it are in place (parts left from an unfinished snapshot are deleted by the next
// one's first step); lines left after step 2 are never read (recovery reads after the
// snapshot's seq). A snapshot that cannot be stored (the journal failed) is given up: the
// lines it would have replaced stay, and recovery replays them.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "server/group_commit.h"
#include "server/journal.h"
#include "server/state_image.h"

namespace iwd::server {

struct SnapshotJob {
  std::int64_t at = 0;
  std::string rules_key;
  StateCapture state;
  std::int64_t covered_seq = 0;  // the last journal line it covers, once its batch is durable
  // Run in the transaction that publishes its row, with the row's seq: the event history's
  // mark of it (docs/reporting.md, "Recovery"). May be empty.
  std::function<bool(std::int64_t snapshot, std::string* error)> published;
  // Each called once, on the store's thread: stored (true), or not (false and why).
  std::vector<std::function<void(bool ok, const std::string& error)>> waiters;
};

class SnapshotStore {
 public:
  // `part_bytes`: the size of the image's parts (each a step).
  SnapshotStore(GroupCommitter& committer, const runtime::StringPool& pool, std::size_t part_bytes = 4 << 20);
  ~SnapshotStore();  // finish(), then stops
  SnapshotStore(const SnapshotStore&) = delete;
  SnapshotStore& operator=(const SnapshotStore&) = delete;

  // A job taken on the engine thread, whose batch is not committed yet. Its batch's
  // SnapshotRecord calls committed().
  void expect(const std::shared_ptr<SnapshotJob>& job);
  // Its batch committed (covered_seq: the seq of the last line before it) or failed.
  void committed(const std::shared_ptr<SnapshotJob>& job, bool ok, std::int64_t covered_seq, const std::string& error);
  // A job replaced, before its batch was handed over, by a later one of the same batch (which
  // took its waiters).
  void drop(const std::shared_ptr<SnapshotJob>& job);
  // Whether a snapshot waits for its batch or is being stored.
  bool busy() const;
  // Waits until every job expected is stored or given up.
  void finish();

  // The three steps on the calling thread, in one transaction of `journal` (at start, before
  // a committer runs). False and *error when it could not (nothing stored).
  static bool store_now(Journal& journal, const runtime::StringPool& pool, SnapshotJob& job, std::string* error);

 private:
  void loop();
  bool store(SnapshotJob& job, std::string* error);
  GroupCommitter& committer_;
  const runtime::StringPool& pool_;
  std::size_t part_bytes_;
  mutable std::mutex mu_;
  std::condition_variable wake_, idle_;
  std::deque<std::shared_ptr<SnapshotJob>> queue_;
  std::size_t expected_ = 0;  // jobs expected and not yet stored or given up
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace iwd::server
