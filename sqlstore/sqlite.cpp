#include "sqlstore/sqlite.h"

#include <sqlite3.h>

#include <cassert>
#include <string>
#include <vector>

namespace iwd::sqlstore {

namespace {

// SQLite's failures: a busy or locked database may succeed later (Unavailable); anything else
// is Failed, with SQLite's own words (the callers add where: the file and the table).
Status failure(sqlite3* db, int rc) {
  const int primary = rc & 0xff;
  const Code code = primary == SQLITE_BUSY || primary == SQLITE_LOCKED ? Code::Unavailable : Code::Failed;
  return Status::fail(code, sqlite3_errmsg(db));
}

class SqliteStatement : public Statement {
 public:
  SqliteStatement(sqlite3* db, sqlite3_stmt* st) : db_(db), st_(st) {}
  ~SqliteStatement() override { sqlite3_finalize(st_); }
  // SQLITE_TRANSIENT: the caller's bytes may go before the step (but bind_text_static's).
  void bind_int64(int i, std::int64_t v) override { sqlite3_bind_int64(st_, i, v); }
  void bind_double(int i, double v) override { sqlite3_bind_double(st_, i, v); }
  void bind_text(int i, std::string_view v) override {
    // An empty view may have no data: a null pointer would bind NULL, not ''.
    sqlite3_bind_text64(st_, i, v.empty() ? "" : v.data(), v.size(), SQLITE_TRANSIENT, SQLITE_UTF8);
  }
  void bind_text_static(int i, std::string_view v) override {
    sqlite3_bind_text64(st_, i, v.empty() ? "" : v.data(), v.size(), SQLITE_STATIC, SQLITE_UTF8);
    static_.push_back(i);
  }
  void bind_blob(int i, std::string_view v) override {
    sqlite3_bind_blob64(st_, i, v.empty() ? "" : v.data(), v.size(), SQLITE_TRANSIENT);
  }
  void bind_null(int i) override { sqlite3_bind_null(st_, i); }
  Step step(Status* status) override {
    const int rc = sqlite3_step(st_);
    if (rc == SQLITE_ROW) return Step::Row;
    if (rc == SQLITE_DONE) {
      changes_ = sqlite3_changes64(db_);
      return Step::Done;
    }
    *status = failure(db_, rc);
    return Step::Failure;
  }
  bool is_null(int c) const override { return sqlite3_column_type(st_, c) == SQLITE_NULL; }
  std::int64_t column_int64(int c) const override { return sqlite3_column_int64(st_, c); }
  double column_double(int c) const override { return sqlite3_column_double(st_, c); }
  std::string column_text(int c) const override {
    // A blob's bytes as they are; a text's as UTF-8 (the journal's lines).
    const void* p = sqlite3_column_type(st_, c) == SQLITE_BLOB ? sqlite3_column_blob(st_, c)
                                                                : static_cast<const void*>(sqlite3_column_text(st_, c));
    return p ? std::string(static_cast<const char*>(p), static_cast<std::size_t>(sqlite3_column_bytes(st_, c)))
             : std::string();
  }
  void read_text(int c, std::string* out) const override {
    const auto* t = reinterpret_cast<const char*>(sqlite3_column_text(st_, c));
    if (t) out->assign(t, static_cast<std::size_t>(sqlite3_column_bytes(st_, c)));
    else out->clear();
  }
  std::int64_t changes() const override { return changes_; }
  void reset() override {
    sqlite3_reset(st_);
    for (int i : static_) sqlite3_bind_null(st_, i);
    static_.clear();
  }
  void reset_unbound() override {
    sqlite3_reset(st_);
    sqlite3_clear_bindings(st_);
    static_.clear();
  }

 private:
  sqlite3* db_;
  sqlite3_stmt* st_;
  std::int64_t changes_ = 0;
  std::vector<int> static_;  // parameters bound to the caller's bytes since the last reset
};

class SqliteDatabase : public Database {
 public:
  SqliteDatabase(sqlite3* db, bool owned) : db_(db), owned_(owned) {}
  ~SqliteDatabase() override {
    if (owned_) sqlite3_close_v2(db_);
  }
  Dialect dialect() const override { return Dialect::SQLite; }
  bool in_transaction() const override { return sqlite3_get_autocommit(db_) == 0; }
  bool damaged() const override {
    const int code = sqlite3_errcode(db_) & 0xff;
    return code == SQLITE_CORRUPT || code == SQLITE_NOTADB;
  }
  std::unique_ptr<Statement> prepare(std::string_view sql, Status* status) override {
    sqlite3_stmt* st = nullptr;
    const int rc = sqlite3_prepare_v2(db_, sql.data(), static_cast<int>(sql.size()), &st, nullptr);
    if (rc != SQLITE_OK) {
      sqlite3_finalize(st);
      *status = failure(db_, rc);
      return nullptr;
    }
    assert(st);  // an empty text is a caller's bug
    return std::make_unique<SqliteStatement>(db_, st);
  }
  Status exec(std::string_view sql) override {
    const std::string text(sql);
    if (const int rc = sqlite3_exec(db_, text.c_str(), nullptr, nullptr, nullptr); rc != SQLITE_OK) return failure(db_, rc);
    return {};
  }

 private:
  sqlite3* db_;
  bool owned_;
};

}  // namespace

std::unique_ptr<Database> over_sqlite(sqlite3* db) { return std::make_unique<SqliteDatabase>(db, false); }

bool configure_sqlite() {
  // SQLITE_MISUSE when SQLite was initialized first (a caller that opened a file itself).
  static const bool in_force = sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0) == SQLITE_OK;
  return in_force;
}

std::unique_ptr<Database> open_sqlite(const std::string& path, std::string* error, bool read_only) {
  configure_sqlite();
  sqlite3* db = nullptr;
  const int flags = (read_only ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE) | SQLITE_OPEN_NOMUTEX;
  if (sqlite3_open_v2(path.c_str(), &db, flags, nullptr) != SQLITE_OK) {
    *error = "cannot open '" + path + "': " + (db ? sqlite3_errmsg(db) : "out of memory");
    sqlite3_close_v2(db);
    return nullptr;
  }
  return std::make_unique<SqliteDatabase>(db, true);
}

}  // namespace iwd::sqlstore
