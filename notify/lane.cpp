#include "notify/lane.h"

#include <algorithm>
#include <cassert>

namespace iwd::notify {

bool Lane::fill(sql::Statements& db, bool reload, const std::function<bool(OutboxRow&)>& settled, std::string* error) {
  if (reload) {
    std::vector<std::int64_t> idle;
    for (const auto& entry : rows_)
      if (!entry.second.in_flight) idle.push_back(entry.first);
    for (std::int64_t id : idle) erase(id);
    last_loaded_ = 0;
  }
  if (full()) return true;
  const std::int64_t room = static_cast<std::int64_t>(std::min(kWindow - (rows_.size() - retrying_), kHeld - rows_.size()));
  return db.run(
      "SELECT id, seq, attempts, created_at, next_at, item, body FROM notify_outbox WHERE subscription = ? AND state = "
      "'pending' AND id > ? ORDER BY id LIMIT ?",
      [&](sqlstore::Statement& st) {
        st.bind_text(1, subscription_);
        st.bind_int64(2, last_loaded_);
        st.bind_int64(3, room);
      },
      error,
      [&](sqlstore::Statement& st) {
        OutboxRow row{st.column_int64(0), st.column_int64(1), st.column_int64(2), st.column_int64(3),
                      st.column_int64(4), st.column_text(5), st.column_text(6)};
        last_loaded_ = row.id;
        if (rows_.count(row.id) || !settled(row)) return;  // in flight, or already delivered or dead
        add(std::move(row));
      });
}

void Lane::add(OutboxRow row) {
  const std::int64_t id = row.id;
  const std::string item = row.item;
  count(row, +1);
  rows_.emplace(id, std::move(row));
  std::deque<std::int64_t>& ids = items_[item];
  // In id order: after a reload, a dead letter put back may come before a row of its item in flight.
  const auto at = std::lower_bound(ids.begin(), ids.end(), id);
  if (at == ids.begin() && !ids.empty()) unplace(rows_.at(ids.front()));
  ids.insert(at, id);
  place(item);
}

void Lane::place(const std::string& item) {
  const auto it = items_.find(item);
  if (it == items_.end() || it->second.empty()) return;
  const OutboxRow& first = rows_.at(it->second.front());
  if (!first.in_flight && !ready_.count(first.id)) timers_.emplace(first.next_at, first.id);
}

void Lane::unplace(const OutboxRow& row) {
  timers_.erase({row.next_at, row.id});
  ready_.erase(row.id);
}

void Lane::erase(std::int64_t id) {
  const auto it = rows_.find(id);
  if (it == rows_.end()) return;
  const std::string item = it->second.item;
  unplace(it->second);
  count(it->second, -1);
  rows_.erase(it);
  auto& ids = items_[item];
  const bool first = !ids.empty() && ids.front() == id;
  ids.erase(std::remove(ids.begin(), ids.end(), id), ids.end());
  if (ids.empty()) items_.erase(item);
  else if (first) place(item);
}

std::optional<OutboxRow> Lane::take(std::int64_t now, std::int64_t* next_due) {
  // The rows whose instant came, from the timer queue to the ready set: each once.
  while (!timers_.empty() && timers_.begin()->first <= now) {
    ++visited_;
    ready_.insert(timers_.begin()->second);
    timers_.erase(timers_.begin());
  }
  if (ready_.empty()) {
    *next_due = timers_.empty() ? 0 : timers_.begin()->first;
    return std::nullopt;
  }
  *next_due = 0;
  ++visited_;
  OutboxRow& row = rows_.at(*ready_.begin());
  ready_.erase(ready_.begin());
  assert(!row.in_flight);
  row.in_flight = true;
  return row;
}

void Lane::gone(std::int64_t id) { erase(id); }

void Lane::retry_at(std::int64_t id, std::int64_t attempts, std::int64_t next_at) {
  auto it = rows_.find(id);
  if (it == rows_.end()) return;
  OutboxRow& row = it->second;
  unplace(row);
  count(row, -1);
  row.attempts = attempts;
  row.next_at = next_at;
  row.in_flight = false;
  count(row, +1);
  place(row.item);
}

void Lane::abandon(std::int64_t id) {
  auto it = rows_.find(id);
  if (it == rows_.end() || !it->second.in_flight) return;
  it->second.in_flight = false;
  place(it->second.item);
}

}  // namespace iwd::notify
