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

#include "notify/lane.h"
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

// One sender thread of a subscription: its own HTTP client (kept alive), cut short by stop.
struct Sender::Worker {
  std::atomic<bool> stop{false};
  std::mutex client_mu;  // client, so that a stop can cut a request short
  httplib::Client* client = nullptr;
  std::thread thread;
  void halt() {
    stop = true;
    std::lock_guard<std::mutex> lock(client_mu);
    if (client) client->stop();
  }
};

// A subscription's lane and the connection its fills read on, shared by its workers.
struct Sender::Subscriber {
  explicit Subscriber(const std::string& n) : name(n), lane(n) {}
  std::string name;
  std::mutex mu;  // lane, db, reloads_seen, filled_generation, last_fill
  Lane lane;
  sqlite3* db = nullptr;
  std::uint64_t reloads_seen = 0, filled_generation = ~std::uint64_t{0};
  std::chrono::steady_clock::time_point last_fill{};
  std::vector<std::unique_ptr<Worker>> workers;
  ~Subscriber() { sqlite3_close(db); }
};

std::unique_ptr<Sender> Sender::start(const std::string& db_path, Outbox& outbox, RetryPolicy policy, std::string* error,
                                      Writer writer) {
  std::unique_ptr<Sender> s(new Sender());
  s->db_path_ = db_path;
  s->outbox_ = &outbox;
  s->policy_ = policy;
  s->policy_.concurrency = std::clamp(policy.concurrency, 1, 64);
  s->writer_ = std::move(writer);
  s->admin_ = open_db(db_path, error);
  if (!s->admin_) return nullptr;
  s->manager_ = std::thread([p = s.get()] { p->manage(); });
  outbox.set_listener([p = s.get()] { p->wake(); });
  return s;
}

Sender::~Sender() {
  stop();
  sqlite3_close(admin_);
}

void Sender::stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (stopped_) return;
    stopped_ = stopping_ = true;
  }
  outbox_->set_listener({});
  cv_.notify_all();
  manager_.join();
  std::string error;
  if (!flush(&error)) std::fprintf(stderr, "iwd serve: the sender's last deliveries were not stored (%s): sent again after a restart\n", error.c_str());
}

void Sender::wake() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    ++generation_;
  }
  cv_.notify_all();
}

Sender::Stats Sender::stats() const { return Stats{delivered_.load(), failed_attempts_.load(), dead_letters_.load()}; }

bool Sender::write(const Step& step, std::string* error) {
  if (writer_) return writer_(step, error);
  std::lock_guard<std::mutex> lock(admin_mu_);
  if (!run(admin_, "BEGIN IMMEDIATE", {}, error)) return false;
  std::string ignored;
  if (!step(admin_, error) || !run(admin_, "COMMIT", {}, error)) return run(admin_, "ROLLBACK", {}, &ignored), false;
  return true;
}

void Sender::settle(std::int64_t id, Settled s) {
  std::lock_guard<std::mutex> lock(settled_mu_);
  s.version = ++settle_versions_;
  settled_[id] = std::move(s);
}

// One transaction for every row's end learnt since the last flush. The entries leave the map
// only after the commit, under settled_mu_, so a lane's fill (which reads under it) sees each
// row either as written or with its entry.
bool Sender::flush(std::string* error) {
  std::lock_guard<std::mutex> flushing(flush_mu_);
  std::map<std::int64_t, Settled> batch;
  {
    std::lock_guard<std::mutex> lock(settled_mu_);
    batch = settled_;
  }
  if (batch.empty()) return true;
  const bool ok = write([&](sqlite3* db, std::string* e) {
    sqlite3_stmt* del = nullptr;
    sqlite3_stmt* upd = nullptr;
    bool good = true;
    for (const auto& entry : batch) {
      // Named, not a structured binding: clang 14 (the fuzz tree's compiler) cannot capture one.
      const auto id = entry.first;
      const auto& s = entry.second;
      if (s.deleted) {
        good = sql::run_cached(db, &del, "DELETE FROM notify_outbox WHERE id = ?", [&](sqlite3_stmt* st) { sqlite3_bind_int64(st, 1, id); }, e);
      } else {
        good = sql::run_cached(db, &upd, "UPDATE notify_outbox SET attempts = ?, next_at = ?, last_error = ?, state = ? WHERE id = ?",
                               [&](sqlite3_stmt* st) {
                                 sqlite3_bind_int64(st, 1, s.attempts);
                                 sqlite3_bind_int64(st, 2, s.next_at);
                                 bind_text(st, 3, s.error);
                                 bind_text(st, 4, s.dead ? "failed" : "pending");
                                 sqlite3_bind_int64(st, 5, id);
                               },
                               e);
      }
      if (!good) break;
    }
    sqlite3_finalize(del);
    sqlite3_finalize(upd);
    return good;
  }, error);
  if (!ok) return false;
  std::lock_guard<std::mutex> lock(settled_mu_);
  for (const auto& [id, s] : batch) {
    auto it = settled_.find(id);
    if (it != settled_.end() && it->second.version == s.version) settled_.erase(it);
  }
  return true;
}

void Sender::manage() {
  std::unique_lock<std::mutex> lock(mu_);
  std::string error;
  while (!stopping_) {
    std::set<std::string> wanted;
    for (const Subscription& s : outbox_->subscriptions()) wanted.insert(s.name);
    for (auto it = subscribers_.begin(); it != subscribers_.end();) {
      if (wanted.count(it->first)) {
        ++it;
        continue;
      }
      for (auto& w : it->second->workers) w->halt();
      lock.unlock();
      cv_.notify_all();
      for (auto& w : it->second->workers) w->thread.join();
      lock.lock();
      it = subscribers_.erase(it);
    }
    for (const std::string& name : wanted) {
      if (subscribers_.count(name)) continue;
      auto sub = std::make_unique<Subscriber>(name);
      if (!(sub->db = open_db(db_path_, &error))) {
        std::fprintf(stderr, "iwd serve: the sender of subscription `%s` waits: %s\n", name.c_str(), error.c_str());
        continue;
      }
      for (int k = 0; k < policy_.concurrency; ++k) sub->workers.push_back(std::make_unique<Worker>());
      for (auto& w : sub->workers) w->thread = std::thread([this, s = sub.get(), raw = w.get()] { work(*s, *raw); });
      subscribers_.emplace(name, std::move(sub));
    }
    lock.unlock();
    if (!flush(&error)) {
      if (error != flush_logged_) std::fprintf(stderr, "iwd serve: the sender's deliveries not stored yet: %s\n", error.c_str());
      flush_logged_ = error;
    } else {
      flush_logged_.clear();
    }
    lock.lock();
    cv_.wait_for(lock, std::chrono::milliseconds(100), [this] { return stopping_; });
  }
  for (auto& [name, sub] : subscribers_)
    for (auto& w : sub->workers) w->halt();
  lock.unlock();
  cv_.notify_all();
  for (auto& [name, sub] : subscribers_)
    for (auto& w : sub->workers) w->thread.join();
  subscribers_.clear();
}

void Sender::work(Subscriber& sub, Worker& w) {
  std::string error;
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
    if (what != last_logged) std::fprintf(stderr, "iwd serve: subscription `%s`: %s\n", sub.name.c_str(), what.c_str());
    last_logged = what;
  };
  // What this sender knows of a row that the store may not hold yet (see flush()); under settled_mu_.
  auto known = [&](OutboxRow& row) {
    auto it = settled_.find(row.id);
    if (it == settled_.end()) return true;
    if (it->second.deleted || it->second.dead) return false;
    row.attempts = it->second.attempts;
    row.next_at = it->second.next_at;
    return true;
  };
  while (!w.stop) {
    std::optional<OutboxRow> row;
    std::int64_t next_due = 0;
    bool read = true;
    {
      std::lock_guard<std::mutex> lock(sub.mu);
      std::uint64_t generation;
      {
        std::lock_guard<std::mutex> g(mu_);
        generation = generation_;
      }
      const std::uint64_t reloads = reloads_.load();
      const auto now = std::chrono::steady_clock::now();
      // New rows: when the outbox said so, or every 200 ms (rows another writer added).
      if (reloads != sub.reloads_seen || (!sub.lane.full() && (generation != sub.filled_generation ||
                                                               now - sub.last_fill >= std::chrono::milliseconds(200)))) {
        // Under settled_mu_ (see flush()): a row's entry leaves only once its write is visible.
        std::lock_guard<std::mutex> s(settled_mu_);
        read = sub.lane.fill(sub.db, reloads != sub.reloads_seen, known, &error);
        if (read) sub.reloads_seen = reloads, sub.filled_generation = generation, sub.last_fill = now;
      }
      if (read) row = sub.lane.take(now_ms(), &next_due);
    }
    if (!read) {
      log_once(error);
      pause(1000);
      continue;
    }
    if (!row) {
      pause(next_due ? next_due - now_ms() : 200);
      continue;
    }
    const std::optional<Subscription> subscription = outbox_->subscription(sub.name);
    const std::optional<Url> url = subscription ? split_url(subscription->url) : std::nullopt;
    if (!url) {  // deleted meanwhile (its workers are being stopped); a bad url was refused when put
      std::lock_guard<std::mutex> lock(sub.mu);
      sub.lane.abandon(row->id);
      break;
    }
    if (!client || origin != url->origin) {
      auto fresh = std::make_unique<httplib::Client>(url->origin);
      fresh->set_connection_timeout(std::chrono::milliseconds(policy_.timeout_ms));
      fresh->set_read_timeout(std::chrono::milliseconds(policy_.timeout_ms));
      fresh->set_write_timeout(std::chrono::milliseconds(policy_.timeout_ms));
      fresh->set_keep_alive(true);
      // Headers and body go in two writes: with Nagle's algorithm the body waited for the
      // receiver's delayed ACK (up to 40 ms a request).
      fresh->set_tcp_nodelay(true);
      std::lock_guard<std::mutex> lock(w.client_mu);
      client = std::move(fresh);
      w.client = client.get();
      origin = url->origin;
    }
    const std::string delivery = fmt::format("{}-{}", sub.name, row->seq);
    const std::int64_t unix_seconds = now_ms() / 1000;
    httplib::Headers headers = {{"Iwd-Signature", signature_header(subscription->secret, unix_seconds, row->body)},
                                {"Iwd-Delivery", delivery},
                                {"User-Agent", "iwd-notify/1"}};
    const httplib::Result result = w.stop ? httplib::Result(nullptr, httplib::Error::Canceled)
                                          : client->Post(url->path, headers, row->body, "application/json");
    if (w.stop) {  // cut short by a stop: the row stays as it was
      std::lock_guard<std::mutex> lock(sub.mu);
      sub.lane.abandon(row->id);
      break;
    }
    const bool ok = result && result->status >= 200 && result->status < 300;
    Settled s;
    if (ok) {
      s.deleted = true;
      ++delivered_;
    } else {
      ++failed_attempts_;
      s.error = result ? fmt::format("HTTP {}", result->status) : fmt::format("no answer: {}", httplib::to_string(result.error()));
      s.attempts = row->attempts + 1;
      const std::int64_t at = now_ms();
      s.dead = at - row->created_at >= policy_.retry_for_ms;
      s.next_at = at + retry_delay(policy_, static_cast<int>(s.attempts), std::uniform_real_distribution<double>(0, 1)(random));
      if (s.dead) {
        ++dead_letters_;
        std::fprintf(stderr, "iwd serve: notification %s is a dead letter after %lld attempts (%s)\n", delivery.c_str(),
                     static_cast<long long>(s.attempts), s.error.c_str());
      }
    }
    {
      // The entry before the lane forgets the row: a fill between the two would read it again.
      std::lock_guard<std::mutex> lock(sub.mu);
      const bool gone = s.deleted || s.dead;
      const std::int64_t attempts = s.attempts, next_at = s.next_at;
      settle(row->id, std::move(s));
      if (gone) sub.lane.gone(row->id);
      else sub.lane.retry_at(row->id, attempts, next_at);
      if (gone) outbox_->delivered(sub.name, 1);
    }
  }
  std::lock_guard<std::mutex> lock(w.client_mu);
  w.client = nullptr;
}

std::optional<json> Sender::list(const std::string& state, std::int64_t after, std::int64_t limit, std::string* error) {
  if (!flush(error)) return std::nullopt;  // the rows as the workers know them
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

// Dead letters back to pending, in one transaction through the writer (after the workers'
// news is written, so a row that just died is seen as failed); the lanes then read their
// rows again from the start.
std::optional<std::int64_t> Sender::requeue(std::int64_t id, const std::string& subscription, std::string* error) {
  if (!flush(error)) return std::nullopt;
  std::map<std::string, std::int64_t> counts;
  const bool ok = write([&](sqlite3* db, std::string* e) {
    counts.clear();
    auto bind = [&](sqlite3_stmt* st) {
      sqlite3_bind_int64(st, 1, id);
      bind_text(st, 2, subscription);
      sqlite3_bind_int64(st, 3, now_ms());
    };
    const char* where = "state = 'failed' AND (?1 = 0 OR id = ?1) AND (?2 = '' OR subscription = ?2)";
    return run(db, fmt::format("SELECT subscription, COUNT(*) FROM notify_outbox WHERE {} GROUP BY subscription", where).c_str(),
               bind, e, [&](sqlite3_stmt* st) { counts[text(st, 0)] = sqlite3_column_int64(st, 1); }) &&
           run(db,
               fmt::format("UPDATE notify_outbox SET state = 'pending', attempts = 0, created_at = ?3, next_at = 0 WHERE {}", where)
                   .c_str(),
               bind, e);
  }, error);
  if (!ok) return std::nullopt;
  std::int64_t total = 0;
  for (const auto& [sub, n] : counts) outbox_->requeued(sub, n), total += n;
  ++reloads_;
  wake();
  return total;
}

std::optional<bool> Sender::retry(std::int64_t id, std::string* error) {
  if (id <= 0) return false;
  const std::optional<std::int64_t> n = requeue(id, "", error);
  if (!n) return std::nullopt;
  return *n > 0;
}

std::optional<std::int64_t> Sender::retry_all(const std::string& subscription, std::string* error) {
  return requeue(0, subscription, error);
}

}  // namespace iwd::notify
