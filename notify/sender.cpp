#include "notify/sender.h"

#include <fmt/format.h>
#include <httplib.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <functional>
#include <random>
#include <set>

#include "notify/lane.h"
#include "notify/signature.h"

namespace iwd::notify {

using json = nlohmann::json;

namespace {

std::int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch()).count();
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

// A connection of the sender's own and its statements (which go first).
struct Sender::Link {
  explicit Link(std::unique_ptr<sqlstore::Database> d) : db(std::move(d)), statements(*db) {}
  std::unique_ptr<sqlstore::Database> db;
  sql::Statements statements;
};

std::unique_ptr<Sender::Link> Sender::link(std::string* error) {
  std::unique_ptr<sqlstore::Database> db = open_(error);
  if (!db) return *error = "the outbox: " + *error, nullptr;
  // SQLite: the committer's transactions are short. A delivery's row deleted without an fsync
  // (when the sender writes on its own): a power cut may bring it back (delivered again: at
  // least once). Checkpoints are the committer's (server/group_commit.h).
  if (db->dialect() == sqlstore::Dialect::SQLite)
    if (const sqlstore::Status s = db->exec("PRAGMA busy_timeout=30000; PRAGMA synchronous=NORMAL; PRAGMA wal_autocheckpoint=0");
        !s.ok())
      return *error = "the outbox: " + s.message, nullptr;
  return std::make_unique<Link>(std::move(db));
}

sql::Statements& Sender::statements_on(sqlstore::Database& db) {
  if (admin_ && admin_->db.get() == &db) return admin_->statements;
  if (!steps_ || &steps_->db() != &db) steps_ = std::make_unique<sql::Statements>(db);
  return *steps_;
}

// A subscription's lane and the connection its fills read on, shared by its workers.
struct Sender::Subscriber {
  explicit Subscriber(const std::string& n) : name(n), lane(n) {}
  std::string name;
  std::mutex mu;  // lane, db, reloads_seen, filled_generation, last_fill
  Lane lane;
  std::unique_ptr<Link> db;
  std::uint64_t reloads_seen = 0, filled_generation = ~std::uint64_t{0};
  std::chrono::steady_clock::time_point last_fill{};
  std::vector<std::unique_ptr<Worker>> workers;
};

std::unique_ptr<Sender> Sender::start(Open open, Outbox& outbox, RetryPolicy policy, std::string* error, Writer writer) {
  std::unique_ptr<Sender> s(new Sender());
  s->open_ = std::move(open);
  s->outbox_ = &outbox;
  s->policy_ = policy;
  s->policy_.concurrency = std::clamp(policy.concurrency, 1, 64);
  s->writer_ = std::move(writer);
  s->admin_ = s->link(error);
  if (!s->admin_) return nullptr;
  s->manager_ = std::thread([p = s.get()] { p->manage(); });
  outbox.set_listener([p = s.get()] { p->wake(); });
  return s;
}

Sender::~Sender() { stop(); }

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
  return admin_->statements.transaction([&](std::string* e) { return step(*admin_->db, e); }, error);
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
  const bool ok = write([&](sqlstore::Database& db, std::string* e) {
    sql::Statements& st = statements_on(db);
    for (const auto& entry : batch) {
      // Named, not a structured binding: clang 14 (the fuzz tree's compiler) cannot capture one.
      const auto id = entry.first;
      const auto& s = entry.second;
      const bool good =
          s.deleted ? st.run("DELETE FROM notify_outbox WHERE id = ?", [&](sqlstore::Statement& q) { q.bind_int64(1, id); }, e)
                    : st.run("UPDATE notify_outbox SET attempts = ?, next_at = ?, last_error = ?, state = ? WHERE id = ?",
                             [&](sqlstore::Statement& q) {
                               q.bind_int64(1, s.attempts);
                               q.bind_int64(2, s.next_at);
                               q.bind_text(3, s.error);
                               q.bind_text(4, s.dead ? "failed" : "pending");
                               q.bind_int64(5, id);
                             },
                             e);
      if (!good) return false;
    }
    return true;
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
      if (!(sub->db = link(&error))) {
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
        read = sub.lane.fill(sub.db->statements, reloads != sub.reloads_seen, known, &error);
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
  if (!admin_->statements.run(
          "SELECT id, subscription, seq, item, event, attempts, created_at, next_at, last_error, body FROM notify_outbox "
          "WHERE state = ? AND id > ? ORDER BY id LIMIT ?",
          [&](sqlstore::Statement& st) {
            st.bind_text(1, state);
            st.bind_int64(2, after);
            st.bind_int64(3, limit);
          },
          error, [&](sqlstore::Statement& st) {
            const std::string sub = st.column_text(1);
            out.push_back({{"id", st.column_int64(0)},
                           {"subscription", sub},
                           {"delivery", fmt::format("{}-{}", sub, st.column_int64(2))},
                           {"item", st.column_text(3)},
                           {"event", st.column_text(4)},
                           {"state", state},
                           {"attempts", st.column_int64(5)},
                           {"created_at", utc_text(st.column_int64(6))},
                           {"next_at", utc_text(st.column_int64(7))},
                           {"last_error", st.column_text(8)},
                           {"body", json::parse(st.column_text(9), nullptr, false)}});
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
  const bool ok = write([&](sqlstore::Database& db, std::string* e) {
    counts.clear();
    sql::Statements& st = statements_on(db);
    auto which = [&](sqlstore::Statement& q) {
      q.bind_int64(1, id);
      q.bind_text(2, subscription);
    };
    // Each parameter compared with a column first, which gives it its type on PostgreSQL.
    const char* where = "state = 'failed' AND (id = ?1 OR ?1 = 0) AND (subscription = ?2 OR ?2 = '')";
    return st.run(fmt::format("SELECT subscription, COUNT(*) FROM notify_outbox WHERE {} GROUP BY subscription", where), which,
                  e, [&](sqlstore::Statement& q) { counts[q.column_text(0)] = q.column_int64(1); }) &&
           st.run(fmt::format("UPDATE notify_outbox SET state = 'pending', attempts = 0, created_at = ?3, next_at = 0 WHERE {}", where),
                  [&](sqlstore::Statement& q) {
                    which(q);
                    q.bind_int64(3, now_ms());
                  },
                  e);
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
