#include "notify/lane.h"

#include <sqlite3.h>

#include <unordered_set>

#include "notify/sql.h"

namespace iwd::notify {

bool Lane::fill(sqlite3* db, bool reload, const std::function<bool(OutboxRow&)>& settled, std::string* error) {
  if (reload) {
    std::erase_if(rows_, [](const auto& entry) { return !entry.second.in_flight; });
    last_loaded_ = 0;
  }
  if (full()) return true;
  const std::int64_t room = static_cast<std::int64_t>(kWindow - rows_.size());
  return sql::run(
      db,
      "SELECT id, seq, attempts, created_at, next_at, item, body FROM notify_outbox WHERE subscription = ? AND state = "
      "'pending' AND id > ? ORDER BY id LIMIT ?",
      [&](sqlite3_stmt* st) {
        sql::bind_text(st, 1, subscription_);
        sqlite3_bind_int64(st, 2, last_loaded_);
        sqlite3_bind_int64(st, 3, room);
      },
      error,
      [&](sqlite3_stmt* st) {
        OutboxRow row{sqlite3_column_int64(st, 0), sqlite3_column_int64(st, 1), sqlite3_column_int64(st, 2),
                      sqlite3_column_int64(st, 3), sqlite3_column_int64(st, 4), sql::text(st, 5), sql::text(st, 6)};
        last_loaded_ = row.id;
        if (rows_.count(row.id) || !settled(row)) return;  // in flight, or already delivered or dead
        rows_.emplace(row.id, std::move(row));
      });
}

std::optional<OutboxRow> Lane::take(std::int64_t now, std::int64_t* next_due) {
  *next_due = 0;
  std::unordered_set<std::string_view> held;  // items whose first row in the window came already
  for (auto& [id, row] : rows_) {
    if (!held.insert(row.item).second) continue;  // not its item's first: waits for the earlier ones
    if (row.in_flight) continue;
    if (row.next_at > now) {
      if (*next_due == 0 || row.next_at < *next_due) *next_due = row.next_at;
      continue;
    }
    row.in_flight = true;
    return row;
  }
  return std::nullopt;
}

void Lane::gone(std::int64_t id) { rows_.erase(id); }

void Lane::retry_at(std::int64_t id, std::int64_t attempts, std::int64_t next_at) {
  auto it = rows_.find(id);
  if (it == rows_.end()) return;
  it->second.attempts = attempts;
  it->second.next_at = next_at;
  it->second.in_flight = false;
}

void Lane::abandon(std::int64_t id) {
  auto it = rows_.find(id);
  if (it != rows_.end()) it->second.in_flight = false;
}

}  // namespace iwd::notify
