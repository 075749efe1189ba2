// The durable outbox (docs/notifications.md): one row per notification owed to a
// subscription, written on the journal's connection in the transaction of the batch whose
// history records caused it, so a change is never acknowledged without its notifications.
// On sqlstore: SQLite's tables are made here; PostgreSQL's, per workspace and fenced by the
// lease's epoch, by pgstore/schema.h, with views under the same names, so the SQL is one.
// Rows are numbered by the history record's seq: recovery re-records the events the journal
// replays with the numbers they had, and only those the history did not hold are stored
// again, so the outbox neither loses nor doubles a row (docs/reporting.md, "Recovery").
//
// add() and the subscription writes run on the thread that owns the connection (the group
// committer); subscriptions() and the pending counts may be read from any thread.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "history/record.h"
#include "history/store.h"
#include "notify/sql.h"
#include "notify/subscription.h"
#include "sqlstore/database.h"

namespace iwd::notify {

struct OutboxLimits {
  std::int64_t max_pending = 100'000;  // past this many pending rows, a subscription's new rows are dead letters at once
  std::int64_t warn_pending = 10'000;  // a warning on stderr when a subscription's pending rows reach this
};

class Outbox {
 public:
  // On `db` (owned by the caller, e.g. the journal's), tables created if missing (SQLite; on
  // PostgreSQL pgstore::create_schema made them); the subscriptions stored there loaded. `history` (may be null) tells an item's source and
  // process when the outbox has not seen its capture since it started.
  static std::unique_ptr<Outbox> on(sqlstore::Database& db, history::Store* history, OutboxLimits limits, std::string* error);
  ~Outbox() = default;  // before the connection closes
  Outbox(const Outbox&) = delete;
  Outbox& operator=(const Outbox&) = delete;

  // The rows `records` owe, in the transaction the owner has open (records in seq order).
  bool add(const std::vector<history::Record>& records, std::int64_t now_ms, std::string* error);

  // Subscription changes, in the owner's transaction: put() replaces one of the same name.
  bool put(const Subscription& s, std::string* error);
  bool remove(const std::string& name, std::string* error);  // its pending and failed rows go too
  std::vector<Subscription> subscriptions() const;
  std::optional<Subscription> subscription(const std::string& name) const;

  // After the owner's transaction committed: calls the listener (the sender's wake) when add()
  // wrote rows since the last call.
  void committed();
  void set_listener(std::function<void()> listener);

  // Pending rows per subscription (the metric iwd_outbox_pending).
  std::map<std::string, std::int64_t> pending() const;
  void delivered(const std::string& subscription, std::int64_t rows);  // the sender took rows out of pending
  void requeued(const std::string& subscription, std::int64_t rows);   // dead letters put back to pending

 private:
  Outbox() = default;
  struct ItemFacts {
    std::string source, process;
  };
  ItemFacts* facts_of(const history::Record& r);
  std::unique_ptr<sql::Statements> db_;  // the owner's connection
  history::Store* history_ = nullptr;
  OutboxLimits limits_;
  mutable std::mutex mu_;  // subs_ and pending_
  std::vector<Subscription> subs_;
  std::map<std::string, std::int64_t> pending_;
  std::map<std::string, bool> warned_;
  std::function<void()> listener_;
  bool added_ = false;  // committer thread only
  // An open item's source (the actor of its capture) and last process, by id (committer thread only).
  std::unordered_map<std::string, ItemFacts> items_;
};

// The JSON body of a notification (docs/notifications.md).
std::string notification_body(const history::Record& r, const std::string& kind, const std::string& source,
                              const std::string& delivery);
// "2026-12-06T05:53:07.123Z"
std::string utc_text(std::int64_t ms);

}  // namespace iwd::notify
