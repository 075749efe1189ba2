// One subscription's pending notifications as the sender sees them (notify/sender.h): a window
// of the first pending rows of the outbox, in outbox order, kept in memory, from which the
// subscription's sender threads take rows to send. A row is taken only when it is the first
// pending row of its item in the window and no row of that item is in flight, so an item's
// notifications go one at a time, in order, while other items' go alongside. A delivered or
// dead row leaves the window at once (its row in journal.db is written later, in a batch:
// notify/sender.h); a failed one stays, due again at its retry.
//
// A pick costs O(log n) and reads only rows that are due: each item's rows wait in a queue of
// their own, and only an item's first row is a candidate, kept either in a timer queue (by its
// next attempt's instant) or, once due, in a ready set (by id, so rows go in outbox order).
// Walking the window instead (every row waiting for its retry looked at on every pick) made a
// receiver failing one request in eight cost 3.1x the CPU per create (bench/RESULTS.md).
//
// The window is a prefix of the pending rows: it is extended with rows of higher ids (new rows
// get higher ids), and reloaded from the start when dead letters were put back to pending. It
// holds kWindow rows that have not failed yet, and up to kHeld rows with those waiting for their
// retry, so that a receiver failing now and then does not fill it with rows that cannot go.
// All members are guarded by the sender's lane mutex (the caller's).
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <unordered_map>
#include <utility>

#include "notify/sql.h"

namespace iwd::notify {

struct OutboxRow {
  std::int64_t id = 0, seq = 0, attempts = 0, created_at = 0, next_at = 0;
  std::string item, body;
  bool in_flight = false;
};

class Lane {
 public:
  static constexpr std::size_t kWindow = 4096;     // rows that have not failed yet kept in memory, at most
  static constexpr std::size_t kHeld = 8 * kWindow;  // rows in all, with those waiting for their retry

  explicit Lane(std::string subscription) : subscription_(std::move(subscription)) {}

  // Reads rows after the last one loaded, up to the window's size; from the start when
  // `reload` (rows not in flight are read again). `settled(id, row)` says what the sender knows
  // of a row that its store does not hold yet: false drops it (delivered or dead), or it
  // updates the row's attempts and next_at. False and *error when the read failed.
  bool fill(sql::Statements& db, bool reload, const std::function<bool(OutboxRow&)>& settled, std::string* error);
  // A row as fill() reads it (tests: a window without a database).
  void add(OutboxRow row);

  // The first row due at `now` that may go (see above), marked in flight; otherwise nothing,
  // and *next_due the earliest next_at among the rows that wait for their retry (0: none).
  std::optional<OutboxRow> take(std::int64_t now, std::int64_t* next_due);

  // A taken row's end: gone (delivered or dead) or due again at `next_at` after `attempts`;
  // or put back as it was (`abandon`: the send was cut short).
  void gone(std::int64_t id);
  void retry_at(std::int64_t id, std::int64_t attempts, std::int64_t next_at);
  void abandon(std::int64_t id);

  bool full() const { return rows_.size() - retrying_ >= kWindow || rows_.size() >= kHeld; }
  std::size_t size() const { return rows_.size(); }
  // Rows take() has looked at since the lane was made (the tests' measure of a pick's cost).
  std::uint64_t visited() const { return visited_; }

 private:
  void erase(std::int64_t id);
  void place(const std::string& item);  // the item's first row, when it may go, in timers_
  void unplace(const OutboxRow& row);
  void count(const OutboxRow& row, int sign) { retrying_ += row.attempts > 0 ? sign : 0; }
  std::string subscription_;
  std::map<std::int64_t, OutboxRow> rows_;  // by id: outbox order
  std::unordered_map<std::string, std::deque<std::int64_t>> items_;  // an item's rows in the window, by id
  std::set<std::pair<std::int64_t, std::int64_t>> timers_;  // (next_at, id) of items' first rows not in flight
  std::set<std::int64_t> ready_;                            // ids of those found due, outbox order
  std::size_t retrying_ = 0;                                // rows with a failed attempt
  std::int64_t last_loaded_ = 0;
  std::uint64_t visited_ = 0;
};

}  // namespace iwd::notify
