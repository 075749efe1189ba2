#include "server/journal.h"

#include <fmt/format.h>
#include <sqlite3.h>

#include <algorithm>
#include <cassert>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <regex>
#include <sstream>
#include <thread>

#include "pgstore/connection.h"
#include "pgstore/schema.h"
#include "server/bundle_key.h"
#include "sqlstore/postgresql.h"
#include "sqlstore/sqlite.h"
#include "stdlib/hash.h"
#include "stdlib/time.h"

namespace iwd::server {

namespace {

// PostgreSQL ends a journal's session idle in a transaction this long (open_postgresql).
constexpr int kIdleInTransactionMs = 1000;

// Checksums are fnv1a64 (as ruleset keys), stored as SQLite's signed 64-bit integers.
std::int64_t checksum(std::string_view text) { return static_cast<std::int64_t>(stdlib::fnv1a64(text)); }

std::string column_text(sqlite3_stmt* st, int column) {
  const auto* t = reinterpret_cast<const char*>(sqlite3_column_text(st, column));
  return t ? std::string(t, static_cast<std::size_t>(sqlite3_column_bytes(st, column))) : std::string();
}

// A snapshot row's own fields, as its checksum covers them.
std::string snapshot_fields(std::int64_t journal_seq, std::int64_t at, const std::string& rules, std::int64_t image_parts,
                            std::int64_t captured_parts) {
  return fmt::format("{}|{}|{}|{}|{}", journal_seq, at, rules, image_parts, captured_parts);
}

}  // namespace

std::unique_ptr<Journal> Journal::open(const std::string& dir, std::string* error) {
  JournalFault fault;
  if (const char* env = std::getenv("IWD_JOURNAL_FAULT"); env && *env) {
    auto parsed = JournalFault::parse(env, error);
    if (!parsed) {
      *error = "IWD_JOURNAL_FAULT: " + *error;
      return nullptr;
    }
    fault = *parsed;
    std::fprintf(stderr, "iwd: IWD_JOURNAL_FAULT is set: the journal will fail on purpose (%s)\n", fault.describe().c_str());
  }
  return open(dir, fault, error);
}

std::unique_ptr<Journal> Journal::open(const std::string& dir, const JournalFault& fault, std::string* error) {
  sqlstore::configure_sqlite();  // before the fault VFS's registration initializes SQLite
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) {
    *error = "cannot create the data folder '" + dir + "': " + ec.message();
    return nullptr;
  }
  std::unique_ptr<Journal> j(new Journal);
  j->path_ = dir + "/journal.db";
  j->fault_ = fault;
  if (fault.kind == JournalFault::Kind::Commit || fault.kind == JournalFault::Kind::Fsync)
    if (!(j->fault_vfs_ = FaultVfs::create(fault.kind, error))) return nullptr;
  const char* vfs = j->fault_vfs_ ? j->fault_vfs_->name() : nullptr;
  const std::string& path = j->path_;
  const bool existed = std::filesystem::exists(path, ec);
  if (sqlite3_open_v2(path.c_str(), &j->db_, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, vfs) !=
      SQLITE_OK) {
    *error = "cannot open '" + path + "': " + (j->db_ ? sqlite3_errmsg(j->db_) : "out of memory");
    return nullptr;
  }
  j->store_ = sqlstore::over_sqlite(j->db_);
  if (existed && !j->check(error)) return nullptr;
  if (!j->exec("PRAGMA journal_mode=WAL", error) || !j->exec("PRAGMA synchronous=FULL", error) ||
      !j->exec("PRAGMA wal_autocheckpoint=0", error) ||
      !j->exec("CREATE TABLE IF NOT EXISTS journal (seq INTEGER PRIMARY KEY, line TEXT NOT NULL, checksum INTEGER)", error) ||
      !j->exec("CREATE TABLE IF NOT EXISTS rulesets (key TEXT PRIMARY KEY, bundle BLOB NOT NULL)", error) ||
      !j->exec("CREATE TABLE IF NOT EXISTS snapshots (seq INTEGER PRIMARY KEY, journal_seq INTEGER NOT NULL, "
               "at INTEGER NOT NULL, rules TEXT NOT NULL, image_parts INTEGER, captured_parts INTEGER, checksum INTEGER)",
               error) ||
      !j->exec("CREATE TABLE IF NOT EXISTS snapshot_parts (snapshot INTEGER NOT NULL, field TEXT NOT NULL, "
               "part INTEGER NOT NULL, text TEXT NOT NULL, checksum INTEGER, PRIMARY KEY (snapshot, field, part))",
               error) ||
      !j->migrate(error) || !j->prepare_statements(error)) {
    *error = path + ": " + *error;
    return nullptr;
  }
  if (sqlite3_open_v2(path.c_str(), &j->checkpoint_db_, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, vfs) != SQLITE_OK) {
    *error = path + ": " + (j->checkpoint_db_ ? sqlite3_errmsg(j->checkpoint_db_) : "out of memory");
    return nullptr;
  }
  sqlite3_exec(j->checkpoint_db_, "PRAGMA synchronous=FULL", nullptr, nullptr, nullptr);
  return j;
}

std::unique_ptr<Journal> Journal::open_postgresql(const std::string& conninfo, const std::string& workspace,
                                                  std::int64_t epoch, std::string* error) {
  std::unique_ptr<Journal> j(new Journal);
  j->path_ = fmt::format("PostgreSQL, workspace {}", workspace);
  j->conninfo_ = conninfo;
  j->workspace_ = workspace;
  j->pg_ = std::make_unique<pgstore::Connection>(conninfo);
  auto pg = std::make_unique<sqlstore::PgDatabase>(*j->pg_);
  sqlstore::Status s = pgstore::create_schema(*j->pg_);
  if (s.ok()) s = pg->set_session("iwd.workspace", workspace);
  if (s.ok()) s = pg->set_session("iwd.epoch", std::to_string(epoch));
  // A writer stopped in the middle of a transaction (a paused process, a frozen machine) holds
  // the lease row FOR SHARE (the fence), which holds a takeover off until it resumes: its
  // session is ended by the database once idle in a transaction for a second (what it had
  // written rolled back; it reads back and tries again, and is refused if another node took
  // over). Its own transactions never stand idle: their statements follow one another.
  if (s.ok()) s = pg->set_session("idle_in_transaction_session_timeout", std::to_string(kIdleInTransactionMs));
  j->epoch_ = epoch;
  j->store_ = std::move(pg);
  j->unwritten_.emplace(2);
  if (!s.ok() || !j->prepare_statements(error)) {
    if (!s.ok()) *error = s.message;
    *error = j->path_ + ": " + *error;
    return nullptr;
  }
  return j;
}

namespace {

// A PostgreSQL Database with a connection of its own (the base made first, gone last).
struct OwnConnection {
  explicit OwnConnection(const std::string& conninfo) : connection(conninfo) {}
  pgstore::Connection connection;
};
class OwnPgDatabase : private OwnConnection, public sqlstore::PgDatabase {
 public:
  explicit OwnPgDatabase(const std::string& conninfo) : OwnConnection(conninfo), PgDatabase(connection) {}
};

}  // namespace

std::unique_ptr<sqlstore::Database> Journal::open_another(std::string* error) const {
  if (!pg_) return sqlstore::open_sqlite(path_, error);
  auto db = std::make_unique<OwnPgDatabase>(conninfo_);
  // Unavailable now: the setting is made when it connects, at its first statement.
  const sqlstore::Status s = db->set_session("iwd.workspace", workspace_);
  if (!s.ok() && s.code != sqlstore::Code::Unavailable) return *error = s.message, nullptr;
  return db;
}

std::unique_ptr<Journal> Journal::open_side(std::string* error) const {
  error->clear();
  if (!pg_) return nullptr;
  std::unique_ptr<Journal> j = open_postgresql(conninfo_, workspace_, epoch_, error);
  if (j) j->parent_ = const_cast<Journal*>(this);  // read only: its fence and deadline
  return j;
}

namespace {
constexpr const char* kInsertLine = "INSERT INTO journal (line, checksum) VALUES (?1, ?2)";
// PostgreSQL: the lines numbered after the last, in the order given.
constexpr const char* kInsertLines =
    "INSERT INTO journal (seq, line, checksum) SELECT (SELECT COALESCE(MAX(seq), 0) FROM journal) + t.n, t.line, "
    "t.checksum FROM unnest(?1::text[], ?2::bigint[]) WITH ORDINALITY AS t(line, checksum, n)";
// ON CONFLICT DO NOTHING: SQLite's INSERT OR IGNORE, in words PostgreSQL knows too.
constexpr const char* kInsertRuleset = "INSERT INTO rulesets (key, bundle) VALUES (?1, ?2) ON CONFLICT DO NOTHING";
}  // namespace

bool Journal::prepare_statements(std::string* error) {
  return statement(unwritten_ ? kInsertLines : kInsertLine, error) && statement(kInsertRuleset, error);
}

sqlstore::Statement* Journal::statement(std::string_view sql, std::string* error) {
  auto& slot = statements_[sql];
  if (!slot) {
    sqlstore::Status s;
    if (!(slot = store_->prepare(sql, &s))) {
      statements_.erase(sql);
      failed(s, error);
      return nullptr;
    }
  }
  return slot.get();
}

bool Journal::failed(const sqlstore::Status& s, std::string* error) {
  *error = s.message;
  failure_code_ = s.code;
  return false;
}

// SQLite's quick_check of the journal's own tables: every b-tree page of each well formed,
// cells in order; without checking that indexes match their tables (integrity_check). Table
// by table (PRAGMA quick_check(T), with its indexes), the schema's and every table but the
// history's (named history*): the history shares the file and grows with it (a check of the
// whole file took 2 to 3 s at 10M records), while the journal's tables stay small (the
// journal is compacted). A damaged history page is found where it is read or written: a
// commit that fails acknowledges nothing (the history is written in the journal lines'
// transaction), and reads answer an error.
bool Journal::check(std::string* error) {
  const auto unreadable = [&] {
    *error = fmt::format("{} is damaged: {} (SQLite cannot read its header or schema); the server does not start on "
                         "less than its journal: restore the file from a backup",
                         path_, sqlite3_errmsg(db_));
    return false;
  };
  std::vector<std::string> tables{"sqlite_schema"};
  sqlite3_stmt* st = nullptr;
  if (sqlite3_prepare_v2(db_, "SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'history%' "
                              "AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY name",
                         -1, &st, nullptr) != SQLITE_OK) {
    sqlite3_finalize(st);
    return unreadable();
  }
  int rc = SQLITE_ROW;
  while ((rc = sqlite3_step(st)) == SQLITE_ROW) tables.push_back(column_text(st, 0));
  sqlite3_finalize(st);
  if (rc != SQLITE_DONE) return unreadable();
  std::vector<std::string> problems;
  for (const std::string& table : tables) {
    const std::string pragma = "PRAGMA quick_check(\"" + table + "\")";  // names from the schema: no quote in them
    if (sqlite3_prepare_v2(db_, pragma.c_str(), -1, &st, nullptr) != SQLITE_OK) {
      sqlite3_finalize(st);
      return unreadable();
    }
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
      std::istringstream lines(column_text(st, 0));  // a row may hold several, one a line
      for (std::string p; std::getline(lines, p);)
        if (p != "ok" && p != "*** in database main ***") problems.push_back(std::move(p));
    }
    if (rc != SQLITE_DONE) problems.push_back(sqlite3_errmsg(db_));
    sqlite3_finalize(st);
  }
  if (problems.empty()) return true;
  // quick_check names pages: say whose they are too (SQLite's dbstat table, when it reads).
  std::string found;
  for (std::size_t k = 0; k < problems.size() && k < 5; ++k) {
    std::string p = problems[k];
    std::smatch m;
    if (std::regex_search(p, m, std::regex(R"([Pp]age (\d+))"))) {
      // The b-tree holding the page (dbstat walks them), or the one whose root it is.
      for (const char* sql : {"SELECT s.type, d.name FROM dbstat d JOIN sqlite_schema s ON s.name = d.name "
                              "WHERE d.pageno = ?1 LIMIT 1",
                              "SELECT type, name FROM sqlite_schema WHERE rootpage = ?1"}) {
        sqlite3_stmt* owner = nullptr;
        bool named = false;
        if (sqlite3_prepare_v2(db_, sql, -1, &owner, nullptr) == SQLITE_OK) {
          sqlite3_bind_int64(owner, 1, std::stoll(m[1].str()));
          if ((named = sqlite3_step(owner) == SQLITE_ROW))
            p = fmt::format("{} {}, page {}: {}", column_text(owner, 0), column_text(owner, 1), m[1].str(), p);
        }
        sqlite3_finalize(owner);
        if (named) break;
      }
    }
    found += (found.empty() ? "" : "; ") + p;
  }
  if (problems.size() > 5) found += fmt::format("; and {} more", problems.size() - 5);
  *error = fmt::format("{} is damaged (SQLite's quick_check): {}; the server does not start on less than its journal: "
                       "restore the file from a backup",
                       path_, found);
  return false;
}

// Journals written before the checksums get their columns (NULL on the rows already there:
// those are read unchecked).
bool Journal::migrate(std::string* error) {
  static constexpr const char* kColumns[][2] = {{"journal", "checksum"},
                                                {"snapshots", "image_parts"},
                                                {"snapshots", "captured_parts"},
                                                {"snapshots", "checksum"},
                                                {"snapshot_parts", "checksum"}};
  for (const auto& pair : kColumns) {
    // Plain locals, not structured bindings: clang 14 cannot capture those in a lambda.
    const char* table = pair[0];
    const char* column = pair[1];
    bool present = false;
    if (!run("SELECT 1 FROM pragma_table_info(?1) WHERE name = ?2",
             [&](sqlstore::Statement& st) {
               st.bind_text(1, table);
               st.bind_text(2, column);
             },
             error, [&](sqlstore::Statement&) { present = true; }))
      return false;
    if (!present && !exec(fmt::format("ALTER TABLE {} ADD COLUMN {} INTEGER", table, column), error)) return false;
  }
  return true;
}

bool Journal::checkpoint(std::string* error) {
  if (!checkpoint_db_) return true;  // PostgreSQL checkpoints by itself
  const int rc = sqlite3_wal_checkpoint_v2(checkpoint_db_, nullptr, SQLITE_CHECKPOINT_PASSIVE, nullptr, nullptr);
  if (rc == SQLITE_OK || rc == SQLITE_BUSY) return true;  // busy: another time
  *error = sqlite3_errmsg(checkpoint_db_);
  return false;
}

Journal::~Journal() {
  statements_.clear();  // before their connection
  store_.reset();
  sqlite3_close(checkpoint_db_);
  sqlite3_close(db_);
}

bool Journal::exec(const std::string& sql, std::string* error) {
  const sqlstore::Status s = store_->exec(sql);
  return s.ok() || failed(s, error);
}

// A fault of `kind` fires in every transaction after the first fault_.after committed.
bool Journal::injected(JournalFault::Kind kind, std::string* error) {
  if (fault_.kind != kind || committed_ < fault_.after) return false;
  *error = "disk I/O error (injected: IWD_JOURNAL_FAULT write)";
  return true;
}

void Journal::failed_in_transaction() {
  const sqlstore::Code code = store_->last_failure();
  failure_code_ = code == sqlstore::Code::Ok ? sqlstore::Code::Failed : code;
}

void Journal::fence(const std::string& why) {
  std::lock_guard<std::mutex> lock(fence_mu_);
  fenced_ = why;
}

std::optional<std::int64_t> Journal::committed_seq(std::string* error, bool* mine) {
  if (!committed_seq_ && !pg_) committed_seq_ = last_seq(error), committed_mine_ = true;
  if (!committed_seq_ && pg_) {  // the last line and the epoch it was written at
    std::int64_t seq = 0, epoch = epoch_;
    if (run("SELECT seq, epoch FROM iwd_journal WHERE workspace = current_setting('iwd.workspace', true) "
            "ORDER BY seq DESC LIMIT 1",
            [](sqlstore::Statement&) {}, error,
            [&](sqlstore::Statement& st) { seq = st.column_int64(0), epoch = st.column_int64(1); })) {
      committed_seq_ = seq;
      committed_mine_ = epoch == epoch_;
    }
  }
  if (mine) *mine = committed_mine_;
  return committed_seq_;
}

bool Journal::refused(std::string* error) {
  for (Journal* j = this; j; j = j->parent_) {
    {
      std::lock_guard<std::mutex> lock(j->fence_mu_);
      if (!j->fenced_.empty()) return !failed(sqlstore::Status::fail(sqlstore::Code::Fenced, j->fenced_), error);
    }
    // Past the lease's deadline nothing more is written, even before its renewing thread says
    // so (it may be waiting for an answer): the database may let another node take over.
    if (j->retry_until_ && std::chrono::steady_clock::now() >= j->retry_until_())
      return !failed(sqlstore::Status::fail(sqlstore::Code::Fenced,
                                            "the lease's deadline passed without a renewal: another node may take over"),
                     error);
  }
  return false;
}

bool Journal::begin(std::string* error) {
  pending_ = 0;
  if (unwritten_) unwritten_->clear();
  if (refused(error)) return false;
  if (fault_.kind == JournalFault::Kind::Full && committed_ >= fault_.after) {
    // The disk is full from here on: SQLite may not grow the file by one page (SQLITE_FULL).
    std::int64_t pages = 0;
    if (!run("PRAGMA page_count", [](sqlstore::Statement&) {}, error,
             [&](sqlstore::Statement& st) { pages = st.column_int64(0); }) ||
        !exec(fmt::format("PRAGMA max_page_count = {}", pages), error))
      return false;
  }
  if (store_->dialect() == sqlstore::Dialect::SQLite) return exec("BEGIN IMMEDIATE", error);  // the write lock now
  const sqlstore::Status s = store_->begin();
  return s.ok() || failed(s, error);
}

bool Journal::add_ruleset(const std::string& key, const std::string& bundle, std::string* error) {
  if (injected(JournalFault::Kind::Write, error)) return false;
  return run(kInsertRuleset,
             [&](sqlstore::Statement& st) {
               st.bind_text(1, key);
               st.bind_blob(2, bundle);
             },
             error);
}

bool Journal::add_line(const std::string& line, std::string* error) {
  if (injected(JournalFault::Kind::Write, error)) return false;
  if (unwritten_) {
    unwritten_->text(line).int64(checksum(line));
    ++pending_;
    return true;
  }
  const bool ok = run(kInsertLine,
                      [&](sqlstore::Statement& st) {
                        st.bind_text(1, line);
                        st.bind_int64(2, checksum(line));
                      },
                      error);
  if (ok) ++pending_;
  return ok;
}

// A statement (prepared once) run with its bindings, `row` called for each row; false (and
// *error) on failure.
bool Journal::run(const char* sql, const Bind& bind, std::string* error, const Bind& row) {
  if (unwritten_ && unwritten_->rows() > 0 && !write_lines(error)) return false;  // what follows may read them
  sqlstore::Statement* st = statement(sql, error);
  if (!st) return false;
  bind(*st);
  sqlstore::Status s;
  sqlstore::Step step;
  while ((step = st->step(&s)) == sqlstore::Step::Row)
    if (row) row(*st);
  changes_ = st->changes();
  st->reset();
  return step == sqlstore::Step::Done || failed(s, error);
}

bool Journal::add_snapshot(std::int64_t at, const std::string& rules_key, const std::string& image,
                           const std::string& captured, std::string* error) {
  // The steps a snapshot stored off the engine thread takes, in one transaction.
  const std::optional<std::int64_t> covered = last_seq(error);
  const std::optional<std::int64_t> id = covered ? begin_snapshot(error) : std::nullopt;
  if (!id) return false;
  // In parts: one value of SQLite's is at most 1 GB (about 1.5 million open items of image).
  std::int64_t counts[2] = {0, 0};
  const std::pair<const char*, const std::string*> fields[] = {{"image", &image}, {"captured", &captured}};
  for (int f = 0; f < 2; ++f) {
    const std::string& text = *fields[f].second;
    std::size_t from = 0;
    do {  // one part at least, even of an empty text
      const std::size_t n = std::min(snapshot_part_bytes_, text.size() - from);
      if (!add_snapshot_part(*id, fields[f].first, counts[f]++, std::string_view(text).substr(from, n), error)) return false;
      from += n;
    } while (from < text.size());
  }
  if (!publish_snapshot(*id, *covered, at, rules_key, counts[0], counts[1], error)) return false;
  // The journal keeps its highest seq (a row stays) so that seqs never go back.
  const auto older = [seq = *id](sqlstore::Statement& st) { st.bind_int64(1, seq); };
  return run("DELETE FROM journal WHERE seq < (SELECT journal_seq FROM snapshots WHERE seq = ?1)", older, error) &&
         run("DELETE FROM snapshot_parts WHERE snapshot < ?1", older, error) &&
         run("DELETE FROM snapshots WHERE seq < ?1", older, error);
}

std::optional<std::int64_t> Journal::last_seq(std::string* error) {
  std::int64_t seq = 0;
  if (!run("SELECT COALESCE(MAX(seq), 0) FROM journal", [](sqlstore::Statement&) {}, error,
           [&](sqlstore::Statement& st) { seq = st.column_int64(0); }))
    return std::nullopt;
  return seq;
}

std::optional<std::int64_t> Journal::begin_snapshot(std::string* error) {
  std::int64_t next = 1;
  if (!run("SELECT COALESCE(MAX(seq), 0) + 1 FROM snapshots", [](sqlstore::Statement&) {}, error,
           [&](sqlstore::Statement& st) { next = st.column_int64(0); }) ||
      !run("DELETE FROM snapshot_parts WHERE snapshot >= ?1", [next](sqlstore::Statement& st) { st.bind_int64(1, next); },
           error))
    return std::nullopt;
  return next;
}

bool Journal::add_snapshot_part(std::int64_t snapshot, const char* field, std::int64_t part, std::string_view bytes,
                                std::string* error) {
  if (injected(JournalFault::Kind::Write, error)) return false;
  return run("INSERT INTO snapshot_parts (snapshot, field, part, text, checksum) VALUES (?1, ?2, ?3, ?4, ?5)",
             [&](sqlstore::Statement& st) {
               st.bind_int64(1, snapshot);
               st.bind_text(2, field);
               st.bind_int64(3, part);
               st.bind_blob(4, bytes);
               st.bind_int64(5, checksum(bytes));
             },
             error);
}

bool Journal::publish_snapshot(std::int64_t snapshot, std::int64_t journal_seq, std::int64_t at, const std::string& rules_key,
                               std::int64_t image_parts, std::int64_t captured_parts, std::string* error) {
  if (injected(JournalFault::Kind::Write, error)) return false;
  return run("INSERT INTO snapshots (seq, journal_seq, at, rules, image_parts, captured_parts, checksum) "
             "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
             [&](sqlstore::Statement& st) {
               st.bind_int64(1, snapshot);
               st.bind_int64(2, journal_seq);
               st.bind_int64(3, at);
               st.bind_text(4, rules_key);
               st.bind_int64(5, image_parts);
               st.bind_int64(6, captured_parts);
               st.bind_int64(7, checksum(snapshot_fields(journal_seq, at, rules_key, image_parts, captured_parts)));
             },
             error);
}

std::optional<std::int64_t> Journal::prune(std::int64_t limit, std::string* error, std::int64_t parts) {
  std::int64_t latest = 0, journal_seq = 0;
  if (!run("SELECT seq, journal_seq FROM snapshots ORDER BY seq DESC LIMIT 1", [](sqlstore::Statement&) {}, error,
           [&](sqlstore::Statement& st) {
             latest = st.column_int64(0);
             journal_seq = st.column_int64(1);
           }))
    return std::nullopt;
  if (latest == 0) return 0;
  std::int64_t deleted = 0;
  const auto count = [&](bool ok) {
    if (ok) deleted += changes_;
    return ok;
  };
  // Parts are up to megabytes each: a few a call. Then the journal lines, the oldest first.
  // (A row value names a part: PostgreSQL has no rowid.)
  const bool ok =
      count(run("DELETE FROM snapshot_parts WHERE (snapshot, field, part) IN "
                "(SELECT snapshot, field, part FROM snapshot_parts WHERE snapshot < ?1 LIMIT ?2)",
                [&](sqlstore::Statement& st) {
                  st.bind_int64(1, latest);
                  st.bind_int64(2, std::max<std::int64_t>(1, parts > 0 ? parts : limit / 5000));
                },
                error)) &&
      count(run("DELETE FROM snapshots WHERE seq < ?1", [&](sqlstore::Statement& st) { st.bind_int64(1, latest); }, error)) &&
      count(run("DELETE FROM journal WHERE seq IN (SELECT seq FROM journal WHERE seq < ?1 ORDER BY seq LIMIT ?2)",
                [&](sqlstore::Statement& st) {
                  st.bind_int64(1, journal_seq);
                  st.bind_int64(2, limit);
                },
                error));
  if (!ok) return std::nullopt;
  return deleted;
}

// (Emptied first: run() writes the lines left before any other statement.)
bool Journal::write_lines(std::string* error) {
  sqlstore::ColumnArrays lines = std::move(*unwritten_);
  unwritten_.emplace(2);
  const bool ok = run(kInsertLines, [&](sqlstore::Statement& st) { lines.bind(st); }, error);
  assert(!ok || changes_ == static_cast<std::int64_t>(lines.rows()));
  return ok;
}

bool Journal::commit(std::string* error) {
  // (A failure here sent no COMMIT: the transaction did not land.)
  if (unwritten_ && unwritten_->rows() > 0 && !write_lines(error)) return rollback(), false;
  bool ok = false;
  {
    std::optional<FaultVfs::Armed> armed;  // the log's writes or fsync fail in this commit
    if (fault_vfs_ && committed_ >= fault_.after) armed.emplace(fault_vfs_.get());
    const sqlstore::Status s = store_->commit();
    ok = s.ok() || failed(s, error);
  }
  if (!ok) {
    rollback();
    committed_seq_.reset();  // a commit whose answer never came may have landed: read it again
    if (db_) discard_failed_frames(error);
    return false;
  }
  ++committed_;
  count_ += pending_;
  if (committed_seq_ && pending_ > 0) *committed_seq_ += pending_, committed_mine_ = true;
  pending_ = 0;
  return true;
}

// A commit that failed may have left its frames in the write-ahead log, whole: an fsync error
// comes after they were written. SQLite passes over them while this connection lives, but
// after a crash a restart would find them valid and replay a transaction that was refused. So
// what was committed is copied into the database and the log emptied (a TRUNCATE checkpoint:
// the database is synced before the log is cut). Busy while the checkpointer thread runs a
// passive one: tried again for up to a second.
void Journal::discard_failed_frames(std::string* error) {
  int rc = SQLITE_BUSY;
  for (int k = 0; k < 100 && rc == SQLITE_BUSY; ++k) {
    if (k > 0) std::this_thread::sleep_for(std::chrono::milliseconds(10));
    rc = sqlite3_wal_checkpoint_v2(db_, nullptr, SQLITE_CHECKPOINT_TRUNCATE, nullptr, nullptr);
  }
  if (rc != SQLITE_OK)
    *error += fmt::format(" (and the write-ahead log could not be emptied after it: {}; if the process stops without "
                          "closing the journal, the refused transaction may be found at the next start)",
                          sqlite3_errmsg(db_));
}

void Journal::rollback() {
  store_->rollback();  // a failure leaves nothing to undo: the transaction is gone either way
  pending_ = 0;
  if (unwritten_) unwritten_->clear();
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
  std::optional<Snapshot> out;
  std::int64_t seq = 0, parts[2] = {-1, -1};  // image, captured: -1 when not recorded (older rows)
  std::optional<std::int64_t> sum;
  if (!run("SELECT seq, journal_seq, at, rules, image_parts, captured_parts, checksum FROM snapshots "
           "ORDER BY seq DESC LIMIT 1",
           [](sqlstore::Statement&) {}, error,
           [&](sqlstore::Statement& st) {
             seq = st.column_int64(0);
             out = Snapshot{st.column_int64(1), st.column_int64(2), st.column_text(3), {}, {}, seq};
             for (int k = 0; k < 2; ++k)
               if (!st.is_null(4 + k)) parts[k] = st.column_int64(4 + k);
             if (!st.is_null(6)) sum = st.column_int64(6);
           })) {
    *error = fmt::format("{}, table snapshots: {}", path_, *error);
    return std::nullopt;
  }
  if (!out) return out;
  const std::string which = fmt::format("snapshot {} (taken at {})", seq, stdlib::format_instant(stdlib::Instant{out->at}));
  const auto damaged = [&](const char* table, const std::string& what) {
    *error = fmt::format("{}, table {}: {} is damaged: {}; the server does not start on less than its journal: restore "
                         "the file from a backup",
                         path_, table, which, what);
    return std::nullopt;
  };
  if (sum && *sum != checksum(snapshot_fields(out->journal_seq, out->at, out->rules_key, parts[0], parts[1])))
    return damaged("snapshots", "its row does not match its checksum");
  static constexpr const char* kFields[] = {"image", "captured"};
  std::string problem;
  std::int64_t next[2] = {0, 0};  // the part expected next, per field
  const auto part_name = [&](int f, std::int64_t part) {
    return parts[f] >= 0 ? fmt::format("{} part {} of {} (row part={})", kFields[f], part + 1, parts[f], part)
                         : fmt::format("{} part {} (row part={})", kFields[f], part + 1, part);
  };
  if (!run("SELECT field, part, text, checksum FROM snapshot_parts WHERE snapshot = ?1 ORDER BY field, part",
           [&](sqlstore::Statement& st) { st.bind_int64(1, seq); }, error,
           [&](sqlstore::Statement& st) {
             if (!problem.empty()) return;
             const std::string field = st.column_text(0);
             const int f = field == kFields[0] ? 0 : field == kFields[1] ? 1 : -1;
             const std::int64_t part = st.column_int64(1);
             if (f < 0) {
               problem = fmt::format("a part of field `{}` (row part={}), which a snapshot does not have", field, part);
               return;
             }
             if (part != next[f] || (parts[f] >= 0 && part >= parts[f])) {
               problem = part > next[f] && (parts[f] < 0 || next[f] < parts[f])
                             ? part_name(f, next[f]) + " is missing"
                             : part_name(f, part) + " should not be there";
               return;
             }
             std::string text = st.column_text(2);
             if (!st.is_null(3) && st.column_int64(3) != checksum(text)) {
               problem = part_name(f, part) + " does not match its checksum";
               return;
             }
             (f == 0 ? out->image : out->captured) += text;
             ++next[f];
           })) {
    *error = fmt::format("{}, table snapshot_parts: {}: {}", path_, which, *error);
    return std::nullopt;
  }
  for (int f = 0; f < 2 && problem.empty(); ++f)
    if (next[f] < std::max<std::int64_t>(parts[f], 1)) problem = part_name(f, next[f]) + " is missing";
  if (!problem.empty()) return damaged("snapshot_parts", problem);
  return out;
}

std::string Journal::position() const { return fmt::format("{}, table journal, seq {}", path_, reading_seq_); }

bool Journal::read(std::int64_t after_seq, const std::function<void(const std::string&)>& line, std::string* error) {
  // The lines follow one another from after_seq + 1, except those the latest snapshot covers
  // (up to its journal_seq), which may be deleted, some or all but its own: read from before
  // it, whatever of them is left is read as it is.
  std::int64_t expected = after_seq + 1, covered = 0;
  if (!run("SELECT journal_seq FROM snapshots ORDER BY seq DESC LIMIT 1", [](sqlstore::Statement&) {}, error,
           [&](sqlstore::Statement& st) { covered = st.column_int64(0); })) {
    *error = fmt::format("{}, table snapshots: {}", path_, *error);
    return false;
  }
  // In pages: PostgreSQL hands a query's rows over all at once.
  constexpr std::int64_t kPage = 10'000;
  std::string problem;
  for (std::int64_t from = after_seq, rows = kPage; problem.empty() && rows == kPage;) {
    rows = 0;
    std::string failure;
    const bool ok = run(
        "SELECT seq, line, checksum FROM journal WHERE seq > ?1 ORDER BY seq LIMIT ?2",
        [&](sqlstore::Statement& st) {
          st.bind_int64(1, from);
          st.bind_int64(2, kPage);
        },
        &failure,
        [&](sqlstore::Statement& st) {
          if (!problem.empty()) return;
          ++rows;
          const std::int64_t seq = from = reading_seq_ = st.column_int64(0);
          std::string text = st.column_text(1);
          if (seq <= covered || expected <= covered) expected = std::min(seq, covered + 1);
          if (seq != expected)
            problem = expected + 1 == seq ? fmt::format("seq {} is missing (the next line stored is seq {})", expected, seq)
                                          : fmt::format("seqs {} to {} are missing (the next line stored is seq {})",
                                                        expected, seq - 1, seq);
          else if (!st.is_null(2) && st.column_int64(2) != checksum(text))
            problem = fmt::format("seq {}: the line is damaged (it does not match its checksum)", seq);
          if (!problem.empty()) return;
          line(text);
          ++count_;
          ++expected;
        });
    if (!ok && problem.empty()) problem = fmt::format("after seq {}: {}", expected - 1, failure);
  }
  if (problem.empty()) return true;
  *error = fmt::format("{}, table journal: {}; the server does not start on less than its journal: restore the file from "
                       "a backup",
                       path_, problem);
  return false;
}

std::optional<std::string> Journal::ruleset(const std::string& key, std::string* error) {
  std::optional<std::string> out;
  std::string failure;
  if (!run("SELECT bundle FROM rulesets WHERE key = ?1", [&](sqlstore::Statement& st) { st.bind_text(1, key); }, &failure,
           [&](sqlstore::Statement& st) { out = st.column_text(0); }))
    *error = fmt::format("{}, table rulesets, key {}: {}", path_, key, failure);
  else if (!out)
    *error = fmt::format("{}, table rulesets: no ruleset `{}` in the store", path_, key);
  // A key is the fnv1a64 of its bundle's bytes: their checksum.
  if (out && key.rfind("fnv1a64:", 0) == 0 && bundle_key(*out) != key) {
    *error = fmt::format("{}, table rulesets, key {}: the bundle is damaged (its bytes hash to {}); the server does not "
                         "start on less than its journal: restore the file from a backup",
                         path_, key, bundle_key(*out));
    out.reset();
  }
  return out;
}

}  // namespace iwd::server
