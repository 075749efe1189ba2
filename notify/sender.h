// The sender (docs/notifications.md): delivers the outbox's rows off the engine's and the
// committer's threads. One worker thread per subscription, one request in flight at a time,
// in outbox order (so in order per item); a failed request (not 2xx, or no answer within the
// timeout) is retried with exponential backoff and jitter until retry_for has passed since the
// row was written, then the row is a dead letter (state `failed`) and the next one goes. A
// delivered row is deleted. Each worker and the admin calls have their own SQLite connection
// to the journal's database (WAL: readers never wait for the committer; writers wait their turn).
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include <nlohmann/json.hpp>

#include "notify/outbox.h"

struct sqlite3;

namespace iwd::notify {

struct RetryPolicy {
  std::int64_t initial_ms = 10'000;            // the first retry's delay (before jitter)
  std::int64_t max_ms = 3'600'000;             // delays double up to this
  std::int64_t retry_for_ms = 72 * 3'600'000;  // then a dead letter (72 h, as Stripe's three days)
  std::int64_t timeout_ms = 10'000;            // connect, send and answer, each
};

// The delay before retry number `attempt` (1: the first retry), with `unit` in [0, 1) for the
// jitter: between half and all of min(max_ms, initial_ms * 2^(attempt-1)).
std::int64_t retry_delay(const RetryPolicy& p, int attempt, double unit);

class Sender {
 public:
  // `db_path`: the journal's database, where `outbox` writes its rows.
  static std::unique_ptr<Sender> start(const std::string& db_path, Outbox& outbox, RetryPolicy policy, std::string* error);
  ~Sender();  // stops the workers (a request in flight is cut short; its row stays pending)
  Sender(const Sender&) = delete;
  Sender& operator=(const Sender&) = delete;

  void wake();  // new rows committed: workers look now rather than at their next poll

  // Admin: rows in `state` ("pending" or "failed"), oldest first, at most `limit`, after id
  // `after`; a retry of one failed row (false: no failed row has that id) or of all of them
  // (of one subscription, or of every one when empty): how many.
  std::optional<nlohmann::json> list(const std::string& state, std::int64_t after, std::int64_t limit, std::string* error);
  std::optional<bool> retry(std::int64_t id, std::string* error);
  std::optional<std::int64_t> retry_all(const std::string& subscription, std::string* error);

  struct Stats {
    std::uint64_t delivered = 0, failed_attempts = 0, dead_letters = 0;
  };
  Stats stats() const;

 private:
  struct Worker;
  Sender() = default;
  void manage();
  void work(Worker& w);
  std::string db_path_;
  Outbox* outbox_ = nullptr;
  RetryPolicy policy_;
  std::mutex admin_mu_;
  sqlite3* admin_ = nullptr;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::uint64_t generation_ = 0;  // bumped by wake()
  bool stopping_ = false;
  std::map<std::string, std::unique_ptr<Worker>> workers_;
  std::thread manager_;
  std::atomic<std::uint64_t> delivered_{0}, failed_attempts_{0}, dead_letters_{0};
};

}  // namespace iwd::notify
