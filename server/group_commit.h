// Group commit: one thread stores batches of journal lines, in the order they were handed
// over. Every batch waiting when the thread comes round goes into one transaction (one fsync),
// so the more requests arrive at once, the fewer fsyncs each costs. Each batch's `done` runs
// on this thread after its transaction committed (true) or failed (false, with the error):
// that is where replies are released, so nothing is acknowledged before it is durable. After a
// failure every later batch fails too (the service's memory is ahead of its store); the first
// failure is said on stderr, once, naming the error. A second
// thread checkpoints the write-ahead log every 5 s, off the commit path (a checkpoint's fsync
// of the database file delays the commits' fsyncs a little: rarer is better for the tail).
// On a store that may be Unavailable for a while (PostgreSQL: Journal::retry_until), a batch
// is tried again until the lease's deadline, after reading back whether it landed.
// Between transactions of batches it runs steps of other journal work, one at a time, each a
// transaction of its own (run_step: a snapshot's parts, pruning; server/snapshot_store.h).
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "history/record.h"
#include "history/store.h"
#include "notify/outbox.h"
#include "server/history_checkpoints.h"
#include "server/journal.h"

namespace iwd::server {

struct SnapshotRecord {
  // How many of the batch's lines come before the snapshot: the snapshot covers exactly the
  // commands applied before its image was taken, whatever else the batch holds after it.
  std::size_t after_lines = 0;
  // Called on the committing thread once the batch's transaction is over, before `done`: with
  // the seq of the last journal line before the snapshot (the last it covers) when it
  // committed. The image itself is stored afterwards, in steps (server/snapshot_store.h).
  std::function<void(bool ok, std::int64_t covered_seq, const std::string& error)> committed;
};

struct CommitBatch {
  std::vector<std::pair<std::string, std::string>> rulesets;  // key, bundle
  std::vector<std::string> lines;
  std::optional<SnapshotRecord> snapshot;  // at its place among the lines
  // The event history's records of the batch (docs/reporting.md): in the same transaction
  // as its lines, so that no change is acknowledged without its history.
  std::vector<history::Record> history;
  std::function<void(bool ok, const std::string& error)> done;
};

struct CommitStats {
  std::uint64_t transactions = 0, lines = 0, snapshots = 0;
};

class GroupCommitter {
 public:
  // `history` (may be null: none kept) works on the journal's connection; so does `outbox`
  // (may be null: no notifications), which adds the rows the batch's records owe. On
  // PostgreSQL the history's aggregates' checkpoints are written on a connection of their own
  // (server/history_checkpoints.h), each handed over once its batch committed.
  explicit GroupCommitter(Journal& journal, history::Store* history = nullptr, notify::Outbox* outbox = nullptr);
  ~GroupCommitter();  // commits what is queued, then stops
  GroupCommitter(const GroupCommitter&) = delete;
  GroupCommitter& operator=(const GroupCommitter&) = delete;

  void submit(CommitBatch batch);
  CommitStats stats() const;
  // Runs `step` on the committing thread in a transaction of its own, after the batches
  // waiting then (a batch waits for one step at most), and blocks until it ran: true when it
  // committed; false and *error when it failed (rolled back; the journal goes on), when the
  // journal had failed before, or when the committer is stopping.
  using Step = std::function<bool(Journal&, std::string* error)>;
  bool run_step(const Step& step, std::string* error);
  // The error of the transaction that failed (every batch since failed too); empty while none has.
  std::string failure() const;

 private:
  void loop();
  bool store(std::deque<CommitBatch>& batches, std::vector<std::int64_t>* covered, std::string* error);
  bool store_retrying(std::deque<CommitBatch>& batches, std::size_t lines, std::vector<std::int64_t>* covered,
                      std::string* error);
  void run_one_step();
  void checkpoints();
  Journal& journal_;
  history::Store* history_;
  notify::Outbox* outbox_;
  mutable std::mutex mu_;
  std::condition_variable wake_, stop_checkpoints_;
  std::deque<CommitBatch> queue_;
  struct StepRequest {
    const Step* step = nullptr;
    bool done = false, ok = false;
    std::string error;
  };
  std::deque<StepRequest*> steps_;
  std::condition_variable step_done_;
  bool stopping_ = false;
  std::string failure_;  // written under mu_ by the committing thread
  CommitStats stats_;
  std::unique_ptr<HistoryCheckpoints> history_checkpoints_;  // PostgreSQL with a history
  std::thread thread_, checkpointer_;
};

}  // namespace iwd::server
