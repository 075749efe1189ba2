// The sender (docs/notifications.md): delivers the outbox's rows off the engine's and the
// committer's threads. Per subscription, `concurrency` worker threads take rows from the
// subscription's lane (notify/lane.h): up to that many requests in flight, one at a time per
// item, in outbox order per item. A failed request (not 2xx, or no answer within the timeout)
// is retried with exponential backoff and jitter until retry_for has passed since the row was
// written, then the row is a dead letter (state `failed`). A delivered row is deleted.
//
// The sender never writes journal.db on a connection of its own: SQLite has one writer, and a
// sender's write holding the lock when the committer begins a batch's transaction made the
// journal fail ("database is locked"). What the workers learn (delivered, retry at, dead) is
// kept in memory and written in batches, every 100 ms at most, through the `Writer` the owner
// gives (the server's: a step of its group committer, server/group_commit.h). A crash before a
// batch is written sends its rows again: at least once, as before. Reads (the lanes' fills, the
// admin lists) have connections of their own (WAL: readers never wait for the writer), opened
// by the owner's `Open`: a file of SQLite's, or a session of the workspace in PostgreSQL.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include <nlohmann/json.hpp>

#include "notify/outbox.h"
#include "notify/sql.h"
#include "sqlstore/database.h"

namespace iwd::notify {

struct RetryPolicy {
  std::int64_t initial_ms = 10'000;            // the first retry's delay (before jitter)
  std::int64_t max_ms = 3'600'000;             // delays double up to this
  std::int64_t retry_for_ms = 72 * 3'600'000;  // then a dead letter (72 h, as Stripe's three days)
  std::int64_t timeout_ms = 10'000;            // connect, send and answer, each
  int concurrency = 4;                         // requests in flight per subscription (one per item)
};

// The delay before retry number `attempt` (1: the first retry), with `unit` in [0, 1) for the
// jitter: between half and all of min(max_ms, initial_ms * 2^(attempt-1)).
std::int64_t retry_delay(const RetryPolicy& p, int attempt, double unit);

class Sender {
 public:
  // Runs `step` in a write transaction on a connection to the journal's database (the one the
  // outbox writes on, or any): true when it committed.
  using Step = std::function<bool(sqlstore::Database& db, std::string* error)>;
  using Writer = std::function<bool(const Step& step, std::string* error)>;
  // A new connection to the database where `outbox` writes its rows (null and *error when it
  // cannot be had now).
  using Open = std::function<std::unique_ptr<sqlstore::Database>(std::string* error)>;

  // Without a writer the sender writes on a connection of its own (for a store no one else
  // writes).
  static std::unique_ptr<Sender> start(Open open, Outbox& outbox, RetryPolicy policy, std::string* error,
                                       Writer writer = {});
  ~Sender();  // stop()
  // Stops the workers (a request in flight is cut short; its row stays pending) and writes
  // what they learnt, while the writer still works. Once.
  void stop();
  Sender(const Sender&) = delete;
  Sender& operator=(const Sender&) = delete;

  void wake();  // new rows committed: workers look now rather than at their next poll

  // Admin: rows in `state` ("pending" or "failed"), oldest first, at most `limit`, after id
  // `after`; a retry of one failed row (false: no failed row has that id) or of all of them
  // (of one subscription, or of every one when empty): how many.
  std::optional<nlohmann::json> list(const std::string& state, std::int64_t after, std::int64_t limit, std::string* error);
  std::optional<bool> retry(std::int64_t id, std::string* error);
  std::optional<std::int64_t> retry_all(const std::string& subscription, std::string* error);

  // Writes what the workers learnt since the last write (the manager does every 100 ms).
  bool flush(std::string* error);

  struct Stats {
    std::uint64_t delivered = 0, failed_attempts = 0, dead_letters = 0;
  };
  Stats stats() const;

 private:
  struct Worker;
  struct Subscriber;
  struct Link;
  // A row's end not yet written: deleted (delivered), or its attempts, next_at, error and state.
  struct Settled {
    bool deleted = false, dead = false;
    std::int64_t attempts = 0, next_at = 0;
    std::string error;
    std::uint64_t version = 0;  // which write of the same row this is
  };
  Sender() = default;
  void manage();
  void work(Subscriber& sub, Worker& w);
  void settle(std::int64_t id, Settled s);
  bool write(const Step& step, std::string* error);
  std::optional<std::int64_t> requeue(std::int64_t id, const std::string& subscription, std::string* error);
  std::unique_ptr<Link> link(std::string* error);  // a connection of the sender's own
  sql::Statements& statements_on(sqlstore::Database& db);  // in a step: the statements of its connection
  Open open_;
  Outbox* outbox_ = nullptr;
  RetryPolicy policy_;
  Writer writer_;
  std::mutex admin_mu_;
  std::unique_ptr<Link> admin_;  // the admin lists' reads, and the writes when no writer was given
  // The statements of the steps, on the writer's connection (the steps run one at a time).
  std::unique_ptr<sql::Statements> steps_;
  std::mutex flush_mu_;       // one flush at a time; held across the write
  std::mutex settled_mu_;     // settled_ (taken after a lane's mutex, never before)
  std::map<std::int64_t, Settled> settled_;  // by row id: not yet written
  std::uint64_t settle_versions_ = 0;
  std::atomic<std::uint64_t> reloads_{0};  // bumped when dead letters went back to pending
  std::string flush_logged_;
  bool stopped_ = false;  // stop() ran
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::uint64_t generation_ = 0;  // bumped by wake()
  bool stopping_ = false;
  std::map<std::string, std::unique_ptr<Subscriber>> subscribers_;
  std::thread manager_;
  std::atomic<std::uint64_t> delivered_{0}, failed_attempts_{0}, dead_letters_{0};
};

}  // namespace iwd::notify
