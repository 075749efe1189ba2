#include "notify/sender.h"

#include <fmt/format.h>
#include <httplib.h>
#include <sqlite3.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <functional>
#include <random>
#include <set>

#include "notify/signature.h"
#include "notify/sql.h"

namespace iwd::notify {

using json = nlohmann::json;
using sql::bind_text;
using sql::run;
using sql::text;

namespace {

std::int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

sqlite3* open_db(const std::string& path, std::string* error) {
  sqlite3* db = nullptr;
  if (sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, nullptr) != SQLITE_OK) {
    *error = fmt::format("the outbox: cannot open '{}': {}", path, db ? sqlite3_errmsg(db) : "out of memory");
    sqlite3_close(db);
    return nullptr;
  }
  sqlite3_busy_timeout(db, 30'000);  // the committer's transactions are short
  // A delivery's row deleted without an fsync: a power cut may bring it back (delivered again:
  // at least once). Checkpoints are the committer's (server/group_commit.h).
  sqlite3_exec(db, "PRAGMA synchronous=NORMAL; PRAGMA wal_autocheckpoint=0", nullptr, nullptr, nullptr);
  return db;
}

}  // namespace

std::int64_t retry_delay(const RetryPolicy& p, int attempt, double unit) {
  const int doublings = std::clamp(attempt - 1, 0, 40);
  const double full = std::min(static_cast<double>(p.max_ms), static_cast<double>(p.initial_ms) * std::ldexp(1.0, doublings));
  return static_cast<std::int64_t>(full / 2 + full / 2 * std::clamp(unit, 0.0, 1.0));
}

struct Sender::Worker {
  std::string name;
  std::atomic<bool> stop{false};
  std::mutex client_mu;  // client, so that stop() can cut a request short
  httplib::Client* client = nullptr;
  std::thread thread;
};

std::unique_ptr<Sender> Sender::start(const std::string& db_path, Outbox& outbox, RetryPolicy policy, std::string* error) {
  std::unique_ptr<Sender> s(new Sender());
  s->db_path_ = db_path;
  s->outbox_ = &outbox;
  s->policy_ = policy;
  s->admin_ = open_db(db_path, error);
  if (!s->admin_) return nullptr;
  s->manager_ = std::thread([p = s.get()] { p->manage(); });
  outbox.set_listener([p = s.get()] { p->wake(); });
  return s;
}

Sender::~Sender() {
  outbox_->set_listener({});
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  manager_.join();
  sqlite3_close(admin_);
}

void Sender::wake() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    ++generation_;
  }
  cv_.notify_all();
}

Sender::Stats Sender::stats() const { return Stats{delivered_.load(), failed_attempts_.load(), dead_letters_.load()}; }

void Sender::manage() {
  auto halt = [](Worker& w) {
    w.stop = true;
    {
      std::lock_guard<std::mutex> lock(w.client_mu);
      if (w.client) w.client->stop();
    }
  };
  std::unique_lock<std::mutex> lock(mu_);
  while (!stopping_) {
    std::set<std::string> wanted;
    for (const Subscription& s : outbox_->subscriptions()) wanted.insert(s.name);
    for (auto it = workers_.begin(); it != workers_.end();) {
      if (wanted.count(it->first)) {
        ++it;
        continue;
      }
      halt(*it->second);
      lock.unlock();
      cv_.notify_all();
      it->second->thread.join();
      lock.lock();
      it = workers_.erase(it);
    }
    for (const std::string& name : wanted) {
      if (workers_.count(name)) continue;
      auto w = std::make_unique<Worker>();
      w->name = name;
      Worker* raw = w.get();
      w->thread = std::thread([this, raw] { work(*raw); });
      workers_.emplace(name, std::move(w));
    }
    cv_.wait_for(lock, std::chrono::milliseconds(200), [this] { return stopping_; });
  }
  for (auto& [name, w] : workers_) halt(*w);
  lock.unlock();
  cv_.notify_all();
  for (auto& [name, w] : workers_) w->thread.join();
  workers_.clear();
}

void Sender::work(Worker& w) {
  std::string error;
  sqlite3* db = open_db(db_path_, &error);
  if (!db) {
    std::fprintf(stderr, "iwd serve: the sender of subscription `%s` stopped: %s\n", w.name.c_str(), error.c_str());
    return;
  }
  std::mt19937_64 random(std::random_device{}());
  std::unique_ptr<httplib::Client> client;
  std::string origin;
  std::string last_logged;
  auto pause = [&](std::int64_t ms) {
    std::unique_lock<std::mutex> lock(mu_);
    const std::uint64_t seen = generation_;
    cv_.wait_for(lock, std::chrono::milliseconds(std::clamp<std::int64_t>(ms, 1, 200)),
                 [&] { return w.stop.load() || stopping_ || generation_ != seen; });
  };
  auto log_once = [&](const std::string& what) {  // a store error repeats every poll: said once
    if (what != last_logged) std::fprintf(stderr, "iwd serve: subscription `%s`: %s\n", w.name.c_str(), what.c_str());
    last_logged = what;
  };
  while (!w.stop) {
    struct Row {
      std::int64_t id = 0, seq = 0, attempts = 0, created_at = 0, next_at = 0;
      std::string body;
    };
    std::optional<Row> row;
    if (!run(db,
             "SELECT id, seq, attempts, created_at, next_at, body FROM notify_outbox WHERE subscription = ? AND state = "
             "'pending' ORDER BY id LIMIT 1",
             [&](sqlite3_stmt* st) { bind_text(st, 1, w.name); }, &error,
             [&](sqlite3_stmt* st) {
               row = Row{sqlite3_column_int64(st, 0), sqlite3_column_int64(st, 1), sqlite3_column_int64(st, 2),
                         sqlite3_column_int64(st, 3), sqlite3_column_int64(st, 4), text(st, 5)};
             })) {
      log_once(error);
      pause(1000);
      continue;
    }
    const std::int64_t now = now_ms();
    if (!row || row->next_at > now) {
      pause(row ? row->next_at - now : 200);
      continue;
    }
    const std::optional<Subscription> sub = outbox_->subscription(w.name);
    if (!sub) break;
    const std::optional<Url> url = split_url(sub->url);
    if (!url) break;  // checked when it was put
    if (!client || origin != url->origin) {
      auto fresh = std::make_unique<httplib::Client>(url->origin);
      fresh->set_connection_timeout(std::chrono::milliseconds(policy_.timeout_ms));
      fresh->set_read_timeout(std::chrono::milliseconds(policy_.timeout_ms));
      fresh->set_write_timeout(std::chrono::milliseconds(policy_.timeout_ms));
      fresh->set_keep_alive(true);
      std::lock_guard<std::mutex> lock(w.client_mu);
      client = std::move(fresh);
      w.client = client.get();
      origin = url->origin;
    }
    if (w.stop) break;
    const std::string delivery = fmt::format("{}-{}", w.name, row->seq);
    const std::int64_t unix_seconds = now_ms() / 1000;
    httplib::Headers headers = {{"Iwd-Signature", signature_header(sub->secret, unix_seconds, row->body)},
                                {"Iwd-Delivery", delivery},
                                {"User-Agent", "iwd-notify/1"}};
    const httplib::Result result = client->Post(url->path, headers, row->body, "application/json");
    if (w.stop) break;  // cut short by a stop: the row stays as it was
    const bool ok = result && result->status >= 200 && result->status < 300;
    bool stored;
    if (ok) {
      stored = run(db, "DELETE FROM notify_outbox WHERE id = ?", [&](sqlite3_stmt* st) { sqlite3_bind_int64(st, 1, row->id); }, &error);
      if (stored) outbox_->delivered(w.name, 1), ++delivered_;
    } else {
      ++failed_attempts_;
      const std::string why = result ? fmt::format("HTTP {}", result->status)
                                     : fmt::format("no answer: {}", httplib::to_string(result.error()));
      const int attempt = static_cast<int>(row->attempts) + 1;
      const std::int64_t at = now_ms();
      const bool dead = at - row->created_at >= policy_.retry_for_ms;
      const std::int64_t next = at + retry_delay(policy_, attempt, std::uniform_real_distribution<double>(0, 1)(random));
      stored = run(db, "UPDATE notify_outbox SET attempts = ?, next_at = ?, last_error = ?, state = ? WHERE id = ?",
                   [&](sqlite3_stmt* st) {
                     sqlite3_bind_int64(st, 1, attempt);
                     sqlite3_bind_int64(st, 2, next);
                     bind_text(st, 3, why);
                     bind_text(st, 4, dead ? "failed" : "pending");
                     sqlite3_bind_int64(st, 5, row->id);
                   },
                   &error);
      if (stored && dead) {
        outbox_->delivered(w.name, 1), ++dead_letters_;
        std::fprintf(stderr, "iwd serve: notification %s is a dead letter after %d attempts (%s)\n", delivery.c_str(), attempt,
                     why.c_str());
      }
    }
    if (!stored) {
      log_once(error);
      pause(1000);
    }
  }
  {
    std::lock_guard<std::mutex> lock(w.client_mu);
    w.client = nullptr;
  }
  sqlite3_close(db);
}

std::optional<json> Sender::list(const std::string& state, std::int64_t after, std::int64_t limit, std::string* error) {
  std::lock_guard<std::mutex> lock(admin_mu_);
  json out = json::array();
  if (!run(admin_,
           "SELECT id, subscription, seq, item, event, attempts, created_at, next_at, last_error, body FROM notify_outbox "
           "WHERE state = ? AND id > ? ORDER BY id LIMIT ?",
           [&](sqlite3_stmt* st) {
             bind_text(st, 1, state);
             sqlite3_bind_int64(st, 2, after);
             sqlite3_bind_int64(st, 3, limit);
           },
           error, [&](sqlite3_stmt* st) {
             const std::string sub = text(st, 1);
             out.push_back({{"id", sqlite3_column_int64(st, 0)},
                            {"subscription", sub},
                            {"delivery", fmt::format("{}-{}", sub, sqlite3_column_int64(st, 2))},
                            {"item", text(st, 3)},
                            {"event", text(st, 4)},
                            {"state", state},
                            {"attempts", sqlite3_column_int64(st, 5)},
                            {"created_at", utc_text(sqlite3_column_int64(st, 6))},
                            {"next_at", utc_text(sqlite3_column_int64(st, 7))},
                            {"last_error", text(st, 8)},
                            {"body", json::parse(text(st, 9), nullptr, false)}});
           }))
    return std::nullopt;
  return out;
}

std::optional<bool> Sender::retry(std::int64_t id, std::string* error) {
  std::string sub;
  {
    std::lock_guard<std::mutex> lock(admin_mu_);
    if (!run(admin_, "SELECT subscription FROM notify_outbox WHERE id = ? AND state = 'failed'",
             [&](sqlite3_stmt* st) { sqlite3_bind_int64(st, 1, id); }, error, [&](sqlite3_stmt* st) { sub = text(st, 0); }))
      return std::nullopt;
    if (sub.empty()) return false;
    // Counted before the row is pending: a worker may deliver it (and count it out) at once.
    outbox_->requeued(sub, 1);
    if (!run(admin_,
             "UPDATE notify_outbox SET state = 'pending', attempts = 0, created_at = ?, next_at = 0 WHERE id = ? AND state = "
             "'failed'",
             [&](sqlite3_stmt* st) {
               sqlite3_bind_int64(st, 1, now_ms());
               sqlite3_bind_int64(st, 2, id);
             },
             error)) {
      outbox_->delivered(sub, 1);
      return std::nullopt;
    }
    if (sqlite3_changes(admin_) == 0) return outbox_->delivered(sub, 1), false;
  }
  wake();
  return true;
}

std::optional<std::int64_t> Sender::retry_all(const std::string& subscription, std::string* error) {
  std::map<std::string, std::int64_t> counts;
  {
    std::lock_guard<std::mutex> lock(admin_mu_);
    auto bind = [&](sqlite3_stmt* st) { bind_text(st, 1, subscription); };
    if (!run(admin_, "BEGIN IMMEDIATE", {}, error)) return std::nullopt;
    bool ok = run(admin_,
                  "SELECT subscription, COUNT(*) FROM notify_outbox WHERE state = 'failed' AND (?1 = '' OR subscription = ?1) "
                  "GROUP BY subscription",
                  bind, error, [&](sqlite3_stmt* st) { counts[text(st, 0)] = sqlite3_column_int64(st, 1); });
    ok = ok && run(admin_,
                   "UPDATE notify_outbox SET state = 'pending', attempts = 0, created_at = ?2, next_at = 0 WHERE state = 'failed' "
                   "AND (?1 = '' OR subscription = ?1)",
                   [&](sqlite3_stmt* st) {
                     bind(st);
                     sqlite3_bind_int64(st, 2, now_ms());
                   },
                   error);
    // Counted before the rows are pending (the commit): a worker may deliver them at once.
    for (const auto& [sub, n] : counts) outbox_->requeued(sub, n);
    std::string ignored;
    if (!ok || !run(admin_, "COMMIT", {}, error)) {
      run(admin_, "ROLLBACK", {}, &ignored);
      for (const auto& [sub, n] : counts) outbox_->delivered(sub, n);
      return std::nullopt;
    }
  }
  std::int64_t total = 0;
  for (const auto& [sub, n] : counts) total += n;
  wake();
  return total;
}

}  // namespace iwd::notify
