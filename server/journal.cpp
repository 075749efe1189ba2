#include "server/journal.h"

#include <sqlite3.h>

#include <algorithm>
#include <filesystem>

namespace iwd::server {

std::unique_ptr<Journal> Journal::open(const std::string& dir, std::string* error) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) {
    *error = "cannot create the data folder '" + dir + "': " + ec.message();
    return nullptr;
  }
  const std::string path = dir + "/journal.db";
  sqlite3* db = nullptr;
  if (sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr) != SQLITE_OK) {
    *error = "cannot open '" + path + "': " + (db ? sqlite3_errmsg(db) : "out of memory");
    sqlite3_close(db);
    return nullptr;
  }
  std::unique_ptr<Journal> j(new Journal(db));
  if (!j->exec("PRAGMA journal_mode=WAL", error) || !j->exec("PRAGMA synchronous=FULL", error) ||
      !j->exec("PRAGMA wal_autocheckpoint=0", error) ||
      !j->exec("CREATE TABLE IF NOT EXISTS journal (seq INTEGER PRIMARY KEY, line TEXT NOT NULL)", error) ||
      !j->exec("CREATE TABLE IF NOT EXISTS rulesets (key TEXT PRIMARY KEY, bundle BLOB NOT NULL)", error) ||
      !j->exec("CREATE TABLE IF NOT EXISTS snapshots (seq INTEGER PRIMARY KEY, journal_seq INTEGER NOT NULL, "
               "at INTEGER NOT NULL, rules TEXT NOT NULL)",
               error) ||
      !j->exec("CREATE TABLE IF NOT EXISTS snapshot_parts (snapshot INTEGER NOT NULL, field TEXT NOT NULL, "
               "part INTEGER NOT NULL, text TEXT NOT NULL, PRIMARY KEY (snapshot, field, part))",
               error)) {
    *error = path + ": " + *error;
    return nullptr;
  }
  if (sqlite3_prepare_v2(db, "INSERT INTO journal (line) VALUES (?1)", -1, &j->insert_line_, nullptr) != SQLITE_OK ||
      sqlite3_prepare_v2(db, "INSERT OR IGNORE INTO rulesets (key, bundle) VALUES (?1, ?2)", -1, &j->insert_ruleset_,
                         nullptr) != SQLITE_OK) {
    *error = path + ": " + sqlite3_errmsg(db);
    return nullptr;
  }
  if (sqlite3_open_v2(path.c_str(), &j->checkpoint_db_, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, nullptr) != SQLITE_OK) {
    *error = path + ": " + (j->checkpoint_db_ ? sqlite3_errmsg(j->checkpoint_db_) : "out of memory");
    return nullptr;
  }
  sqlite3_exec(j->checkpoint_db_, "PRAGMA synchronous=FULL", nullptr, nullptr, nullptr);
  return j;
}

bool Journal::checkpoint(std::string* error) {
  const int rc = sqlite3_wal_checkpoint_v2(checkpoint_db_, nullptr, SQLITE_CHECKPOINT_PASSIVE, nullptr, nullptr);
  if (rc == SQLITE_OK || rc == SQLITE_BUSY) return true;  // busy: another time
  *error = sqlite3_errmsg(checkpoint_db_);
  return false;
}

Journal::~Journal() {
  sqlite3_finalize(insert_line_);
  sqlite3_finalize(insert_ruleset_);
  sqlite3_close(checkpoint_db_);
  sqlite3_close(db_);
}

bool Journal::exec(const char* sql, std::string* error) {
  char* message = nullptr;
  if (sqlite3_exec(db_, sql, nullptr, nullptr, &message) == SQLITE_OK) return true;
  *error = message ? message : sqlite3_errmsg(db_);
  sqlite3_free(message);
  return false;
}

bool Journal::begin(std::string* error) {
  pending_ = 0;
  return exec("BEGIN IMMEDIATE", error);
}

bool Journal::add_ruleset(const std::string& key, const std::string& bundle, std::string* error) {
  sqlite3_bind_text(insert_ruleset_, 1, key.data(), static_cast<int>(key.size()), SQLITE_STATIC);
  sqlite3_bind_blob(insert_ruleset_, 2, bundle.data(), static_cast<int>(bundle.size()), SQLITE_STATIC);
  const bool ok = sqlite3_step(insert_ruleset_) == SQLITE_DONE;
  if (!ok) *error = sqlite3_errmsg(db_);
  sqlite3_reset(insert_ruleset_);
  return ok;
}

bool Journal::add_line(const std::string& line, std::string* error) {
  sqlite3_bind_text(insert_line_, 1, line.data(), static_cast<int>(line.size()), SQLITE_STATIC);
  const bool ok = sqlite3_step(insert_line_) == SQLITE_DONE;
  if (!ok) *error = sqlite3_errmsg(db_);
  sqlite3_reset(insert_line_);
  if (ok) ++pending_;
  return ok;
}

// A statement run once with its bindings; false (and *error) on failure.
bool Journal::run(const char* sql, const std::function<void(sqlite3_stmt*)>& bind, std::string* error) {
  sqlite3_stmt* stmt = nullptr;
  bool ok = sqlite3_prepare_v2(db_, sql, -1, &stmt, nullptr) == SQLITE_OK;
  if (ok) {
    bind(stmt);
    ok = sqlite3_step(stmt) == SQLITE_DONE;
  }
  if (!ok) *error = sqlite3_errmsg(db_);
  sqlite3_finalize(stmt);
  return ok;
}

bool Journal::add_snapshot(std::int64_t at, const std::string& rules_key, const std::string& image,
                           const std::string& captured, std::string* error) {
  if (!run("INSERT INTO snapshots (journal_seq, at, rules) VALUES ((SELECT COALESCE(MAX(seq), 0) FROM journal), ?1, ?2)",
           [&](sqlite3_stmt* st) {
             sqlite3_bind_int64(st, 1, at);
             sqlite3_bind_text(st, 2, rules_key.data(), static_cast<int>(rules_key.size()), SQLITE_STATIC);
           },
           error))
    return false;
  const std::int64_t seq = sqlite3_last_insert_rowid(db_);
  // In parts: one value of SQLite's is at most 1 GB (about 1.5 million open items of image).
  for (const auto& [field, text] : {std::pair<const char*, const std::string*>{"image", &image}, {"captured", &captured}}) {
    std::size_t part = 0, from = 0;
    do {  // one part at least, even of an empty text
      const std::size_t n = std::min(snapshot_part_bytes_, text->size() - from);
      if (!run("INSERT INTO snapshot_parts (snapshot, field, part, text) VALUES (?1, ?2, ?3, ?4)",
               [&](sqlite3_stmt* st) {
                 sqlite3_bind_int64(st, 1, seq);
                 sqlite3_bind_text(st, 2, field, -1, SQLITE_STATIC);
                 sqlite3_bind_int64(st, 3, static_cast<std::int64_t>(part++));
                 sqlite3_bind_text(st, 4, text->data() + from, static_cast<int>(n), SQLITE_STATIC);
               },
               error))
        return false;
      from += n;
    } while (from < text->size());
  }
  // The journal keeps its highest seq (a row stays) so that seqs never go back.
  const auto older = [seq](sqlite3_stmt* st) { sqlite3_bind_int64(st, 1, seq); };
  return run("DELETE FROM journal WHERE seq < (SELECT journal_seq FROM snapshots WHERE seq = ?1)", older, error) &&
         run("DELETE FROM snapshot_parts WHERE snapshot < ?1", older, error) &&
         run("DELETE FROM snapshots WHERE seq < ?1", older, error);
}

bool Journal::commit(std::string* error) {
  if (!exec("COMMIT", error)) {
    rollback();
    return false;
  }
  count_ += pending_;
  pending_ = 0;
  return true;
}

void Journal::rollback() {
  std::string ignored;
  exec("ROLLBACK", &ignored);
  pending_ = 0;
}

bool Journal::append(const std::vector<std::pair<std::string, std::string>>& rulesets,
                     const std::vector<std::string>& lines, std::string* error) {
  if (lines.empty() && rulesets.empty()) return true;
  if (!begin(error)) return false;
  for (const auto& [key, bundle] : rulesets)
    if (!add_ruleset(key, bundle, error)) return rollback(), false;
  for (const std::string& line : lines)
    if (!add_line(line, error)) return rollback(), false;
  return commit(error);
}

std::optional<Journal::Snapshot> Journal::latest_snapshot(std::string* error) {
  sqlite3_stmt* select = nullptr;
  if (sqlite3_prepare_v2(db_, "SELECT seq, journal_seq, at, rules FROM snapshots ORDER BY seq DESC LIMIT 1", -1, &select,
                         nullptr) != SQLITE_OK) {
    *error = sqlite3_errmsg(db_);
    return std::nullopt;
  }
  auto text = [](sqlite3_stmt* st, int column) {
    const auto* t = reinterpret_cast<const char*>(sqlite3_column_text(st, column));
    return t ? std::string(t, static_cast<std::size_t>(sqlite3_column_bytes(st, column))) : std::string();
  };
  std::optional<Snapshot> out;
  std::int64_t seq = 0;
  int rc = sqlite3_step(select);
  if (rc == SQLITE_ROW) {
    seq = sqlite3_column_int64(select, 0);
    out = Snapshot{sqlite3_column_int64(select, 1), sqlite3_column_int64(select, 2), text(select, 3), {}, {}};
  } else if (rc != SQLITE_DONE) {
    *error = sqlite3_errmsg(db_);
  }
  sqlite3_finalize(select);
  if (!out) return out;
  if (sqlite3_prepare_v2(db_, "SELECT field, text FROM snapshot_parts WHERE snapshot = ?1 ORDER BY field, part", -1, &select,
                         nullptr) != SQLITE_OK) {
    *error = sqlite3_errmsg(db_);
    return std::nullopt;
  }
  sqlite3_bind_int64(select, 1, seq);
  while ((rc = sqlite3_step(select)) == SQLITE_ROW)
    (text(select, 0) == "image" ? out->image : out->captured) += text(select, 1);
  if (rc != SQLITE_DONE) {
    *error = sqlite3_errmsg(db_);
    out.reset();
  }
  sqlite3_finalize(select);
  return out;
}

bool Journal::read(std::int64_t after_seq, const std::function<void(const std::string&)>& line, std::string* error) {
  sqlite3_stmt* select = nullptr;
  if (sqlite3_prepare_v2(db_, "SELECT line FROM journal WHERE seq > ?1 ORDER BY seq", -1, &select, nullptr) != SQLITE_OK) {
    *error = sqlite3_errmsg(db_);
    return false;
  }
  sqlite3_bind_int64(select, 1, after_seq);
  int rc = SQLITE_ROW;
  while ((rc = sqlite3_step(select)) == SQLITE_ROW) {
    const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(select, 0));
    line(text ? std::string(text, static_cast<std::size_t>(sqlite3_column_bytes(select, 0))) : std::string());
    ++count_;
  }
  if (rc != SQLITE_DONE) *error = sqlite3_errmsg(db_);
  sqlite3_finalize(select);
  return rc == SQLITE_DONE;
}

std::optional<std::string> Journal::ruleset(const std::string& key, std::string* error) {
  sqlite3_stmt* select = nullptr;
  if (sqlite3_prepare_v2(db_, "SELECT bundle FROM rulesets WHERE key = ?1", -1, &select, nullptr) != SQLITE_OK) {
    *error = sqlite3_errmsg(db_);
    return std::nullopt;
  }
  sqlite3_bind_text(select, 1, key.data(), static_cast<int>(key.size()), SQLITE_STATIC);
  std::optional<std::string> out;
  if (sqlite3_step(select) == SQLITE_ROW) {
    const auto* bytes = static_cast<const char*>(sqlite3_column_blob(select, 0));
    out.emplace(bytes ? bytes : "", static_cast<std::size_t>(sqlite3_column_bytes(select, 0)));
  } else {
    *error = "no ruleset `" + key + "` in the store";
  }
  sqlite3_finalize(select);
  return out;
}

}  // namespace iwd::server
