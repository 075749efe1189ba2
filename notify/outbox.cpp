#include "notify/outbox.h"

#include "notify/sql.h"

#include <fmt/format.h>

#include <cstdio>
#include <ctime>
#include <functional>

namespace iwd::notify {

using json = nlohmann::json;

namespace {

// SQLite's tables (PostgreSQL's: pgstore/schema.cpp, the same columns with a workspace and an
// epoch, under views of these names).
const char* kSchema = R"(
CREATE TABLE IF NOT EXISTS notify_subscriptions(name TEXT PRIMARY KEY, spec TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS notify_outbox(
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  subscription TEXT NOT NULL,
  seq INTEGER NOT NULL,
  item TEXT NOT NULL,
  event TEXT NOT NULL,
  body TEXT NOT NULL,
  state TEXT NOT NULL,
  attempts INTEGER NOT NULL DEFAULT 0,
  created_at INTEGER NOT NULL,
  next_at INTEGER NOT NULL,
  last_error TEXT NOT NULL DEFAULT '',
  UNIQUE(subscription, seq));
CREATE INDEX IF NOT EXISTS notify_outbox_by_state ON notify_outbox(subscription, state, id);
)";

}  // namespace

std::string utc_text(std::int64_t ms) {
  const std::time_t secs = static_cast<std::time_t>(ms >= 0 ? ms / 1000 : (ms - 999) / 1000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
                     tm.tm_min, tm.tm_sec, ((ms % 1000) + 1000) % 1000);
}

std::string notification_body(const history::Record& r, const std::string& kind, const std::string& source,
                              const std::string& delivery) {
  json j = {{"delivery", delivery}, {"event", kind},        {"item", r.item},       {"source", source},
            {"state", r.to},        {"previous_state", r.from}, {"process", r.process}, {"agent", r.agent},
            {"outcome", r.outcome}, {"priority", r.priority}, {"at", utc_text(r.at)}, {"seq", r.seq}};
  if (!r.detail.empty()) j[history::holds_note(r) ? "note" : "detail"] = r.detail;
  return j.dump();
}

std::unique_ptr<Outbox> Outbox::on(sqlstore::Database& db, history::Store* history, OutboxLimits limits, std::string* error) {
  std::unique_ptr<Outbox> o(new Outbox());
  o->db_ = std::make_unique<sql::Statements>(db);
  o->history_ = history;
  o->limits_ = limits;
  if (db.dialect() == sqlstore::Dialect::SQLite)
    if (const sqlstore::Status s = db.exec(kSchema); !s.ok()) {
      *error = fmt::format("the outbox's tables: {}", s.message);
      return nullptr;
    }
  bool good = true;
  if (!o->db_->run("SELECT name, spec FROM notify_subscriptions ORDER BY name", {}, error, [&](sqlstore::Statement& st) {
        const std::string name = st.column_text(0);
        const json spec = json::parse(st.column_text(1), nullptr, false);
        std::string why;
        auto s = parse_subscription(name, spec, &why);
        if (s) o->subs_.push_back(std::move(*s));
        else if (good) good = false, *error = "a stored subscription does not parse: " + why;
      }))
    return nullptr;
  if (!good) return nullptr;
  if (!o->db_->run("SELECT subscription, COUNT(*) FROM notify_outbox WHERE state = 'pending' GROUP BY subscription", {},
                   error, [&](sqlstore::Statement& st) { o->pending_[st.column_text(0)] = st.column_int64(1); }))
    return nullptr;
  return o;
}

Outbox::ItemFacts* Outbox::facts_of(const history::Record& r) {
  auto it = items_.find(r.item);
  if (it != items_.end()) return &it->second;
  if (r.reason == "capture" || r.to == "rejected") return &(items_[r.item] = ItemFacts{r.actor, r.process});
  // Captured before this service started: its capture record says who the source is.
  ItemFacts facts;
  bool found = false;
  std::string ignored;
  if (history_)
    history_->read_item(r.item, [&](const history::Record& h) {
      if (h.reason == "capture") facts.source = h.actor, found = true;
      if (!h.process.empty() && h.seq < r.seq) facts.process = h.process;
      return true;
    }, &ignored);
  if (!found) facts.source = "";  // unknown: only subscriptions for every source cover it
  return &(items_[r.item] = facts);
}

bool Outbox::add(const std::vector<history::Record>& records, std::int64_t now_ms, std::string* error) {
  std::vector<Subscription> subs;
  {
    std::lock_guard<std::mutex> lock(mu_);
    subs = subs_;
  }
  if (subs.empty()) return true;
  for (const history::Record& r : records) {
    if (r.item.empty()) continue;
    ItemFacts* facts = facts_of(r);
    const std::optional<std::string> kind = event_kind_of(r, facts->process);
    if (!r.process.empty()) facts->process = r.process;
    const std::string source = facts->source;
    if (r.to == "completed" || r.to == "canceled" || r.to == "expired" || r.to == "rejected") items_.erase(r.item);
    if (!kind) continue;
    for (const Subscription& s : subs) {
      if (!wants(s, *kind, source)) continue;
      std::int64_t pending;
      {
        std::lock_guard<std::mutex> lock(mu_);
        pending = pending_[s.name];
      }
      const bool full = pending >= limits_.max_pending;
      const std::string delivery = fmt::format("{}-{}", s.name, r.seq);
      const std::string body = notification_body(r, *kind, source, delivery);
      // ON CONFLICT DO NOTHING: SQLite's INSERT OR IGNORE (a row recovery writes again), in
      // words PostgreSQL knows too.
      const bool ok = db_->run(
          "INSERT INTO notify_outbox(subscription, seq, item, event, body, state, created_at, next_at, last_error) "
          "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
          [&](sqlstore::Statement& st) {
            st.bind_text(1, s.name);
            st.bind_int64(2, r.seq);
            st.bind_text(3, r.item);
            st.bind_text(4, *kind);
            st.bind_text(5, body);
            st.bind_text(6, full ? "failed" : "pending");
            st.bind_int64(7, now_ms);
            st.bind_int64(8, now_ms);
            st.bind_text(9, full ? fmt::format("the outbox held {} pending notifications", pending) : "");
          },
          error);
      if (!ok) return false;
      if (full || db_->changes() == 0) continue;
      added_ = true;
      std::lock_guard<std::mutex> lock(mu_);
      const std::int64_t now_pending = ++pending_[s.name];
      if (now_pending >= limits_.warn_pending && !warned_[s.name]) {
        warned_[s.name] = true;
        std::fprintf(stderr,
                     "iwd serve: warning: subscription `%s` has %lld notifications waiting (its receiver is slow or down); "
                     "past %lld new ones go straight to the dead letters\n",
                     s.name.c_str(), static_cast<long long>(now_pending), static_cast<long long>(limits_.max_pending));
      }
    }
  }
  return true;
}

bool Outbox::put(const Subscription& s, std::string* error) {
  json j = to_json(s, true);
  j.erase("name");  // the row's key
  const std::string spec = j.dump();
  // A delete and an insert (SQLite's INSERT OR REPLACE): PostgreSQL's view has no unique
  // index of its own for an ON CONFLICT to name.
  if (!db_->run("DELETE FROM notify_subscriptions WHERE name = ?", [&](sqlstore::Statement& st) { st.bind_text(1, s.name); },
                error) ||
      !db_->run("INSERT INTO notify_subscriptions(name, spec) VALUES (?, ?)",
                [&](sqlstore::Statement& st) {
                  st.bind_text(1, s.name);
                  st.bind_text(2, spec);
                },
                error))
    return false;
  std::lock_guard<std::mutex> lock(mu_);
  for (Subscription& old : subs_)
    if (old.name == s.name) return old = s, true;
  subs_.push_back(s);
  return true;
}

bool Outbox::remove(const std::string& name, std::string* error) {
  auto bind = [&](sqlstore::Statement& st) { st.bind_text(1, name); };
  if (!db_->run("DELETE FROM notify_subscriptions WHERE name = ?", bind, error)) return false;
  if (!db_->run("DELETE FROM notify_outbox WHERE subscription = ?", bind, error)) return false;
  std::lock_guard<std::mutex> lock(mu_);
  std::erase_if(subs_, [&](const Subscription& s) { return s.name == name; });
  pending_.erase(name);
  warned_.erase(name);
  return true;
}

void Outbox::committed() {
  if (!added_) return;
  added_ = false;
  std::function<void()> listener;
  {
    std::lock_guard<std::mutex> lock(mu_);
    listener = listener_;
  }
  if (listener) listener();  // outside mu_: the sender takes its own lock, then ours
}

void Outbox::set_listener(std::function<void()> listener) {
  std::lock_guard<std::mutex> lock(mu_);
  listener_ = std::move(listener);
}

std::vector<Subscription> Outbox::subscriptions() const {
  std::lock_guard<std::mutex> lock(mu_);
  return subs_;
}

std::optional<Subscription> Outbox::subscription(const std::string& name) const {
  std::lock_guard<std::mutex> lock(mu_);
  for (const Subscription& s : subs_)
    if (s.name == name) return s;
  return std::nullopt;
}

std::map<std::string, std::int64_t> Outbox::pending() const {
  std::lock_guard<std::mutex> lock(mu_);
  std::map<std::string, std::int64_t> out;
  for (const Subscription& s : subs_) {
    auto it = pending_.find(s.name);
    out[s.name] = it == pending_.end() ? 0 : it->second;
  }
  return out;
}

void Outbox::delivered(const std::string& subscription, std::int64_t rows) {
  std::lock_guard<std::mutex> lock(mu_);
  auto& n = pending_[subscription];
  n = std::max<std::int64_t>(0, n - rows);
  if (n < limits_.warn_pending / 2) warned_[subscription] = false;  // warn again if it grows back
}

void Outbox::requeued(const std::string& subscription, std::int64_t rows) {
  std::lock_guard<std::mutex> lock(mu_);
  pending_[subscription] += rows;
}

}  // namespace iwd::notify
