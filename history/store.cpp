#include "history/store.h"

#include <fmt/format.h>

#include <cstdio>
#include <cstring>
#include <filesystem>
#include <limits>

#include "sqlstore/sqlite.h"

namespace iwd::history {

namespace {

// docs/reporting.md documents each column. Plain types only (PostgreSQL: INTEGER as BIGINT).
// Version 2: the `report by` values of a row are the id of a row of history_dimensions (a
// handful of distinct sets, each written once) rather than a JSON object in every row: a
// smaller row to write, and no JSON to parse per row when reading. The view history_v shows
// the rows with the values joined back.
// Version 3: the item-flow aggregates (history/aggregates.h) beside the records, written in
// their transaction; a file of version 1 or 2 is brought to 3 when a writer opens it.
// Version 4: history_agg_items keyed by a number in the items' creation order rather than by
// their id (a checkpoint appends its new rows); a file of version 1 to 3 is brought to 4.
// Version 5 (SQLite): an item's records found through history_item_recent (appended with the
// records, keyed by seq) and history_items (keyed by item, filled from the first every
// kMergeEvery entries, sorted) rather than the index history_item, whose entries went to the
// middle of its b-tree at every commit; a file of version 1 to 4 is brought to 5. PostgreSQL's
// tables (pgstore's) keep their index: its history is of version 4 (kPgSchemaVersion).
// Version 6 (SQLite): the records in history_rows with their kind, reason, states, agent,
// department, process, outcome and actor as ids of history_names (each name written once)
// rather than texts: a create's row about 60 bytes rather than 100, so fewer pages written
// per commit (bench/RESULTS.md, issue 15). `history` is a view of them with the names joined
// back (the same columns as before); a file of version 1 to 5 is brought to 6.
constexpr std::int64_t kSchemaVersion = 6;
constexpr std::int64_t kPgSchemaVersion = 4;
// history_item_recent's entries moved into history_items once there are this many: a
// timeline's read scans at most this many and a transaction's more.
constexpr std::int64_t kMergeEvery = 1024;
constexpr const char* kSchema[] = {
    "CREATE TABLE IF NOT EXISTS history_rows (seq INTEGER PRIMARY KEY, at INTEGER NOT NULL, kind INTEGER NOT NULL, "
    "item TEXT NOT NULL, reason INTEGER NOT NULL, from_state INTEGER NOT NULL, to_state INTEGER NOT NULL, "
    "agent INTEGER NOT NULL, department INTEGER NOT NULL, process INTEGER NOT NULL, priority INTEGER NOT NULL, "
    "previous_priority INTEGER NOT NULL, stage INTEGER NOT NULL, due INTEGER, overdue INTEGER NOT NULL, "
    "dimension_set INTEGER NOT NULL, outcome INTEGER NOT NULL, detail TEXT NOT NULL, actor INTEGER NOT NULL)",
    // The names of the coded columns; 0 is "" (no agent, no outcome, ...).
    "CREATE TABLE IF NOT EXISTS history_names (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE)",
    "INSERT OR IGNORE INTO history_names (id, name) VALUES (0, '')",
    // The records as versions 1 to 5 had them in a table (texts): LEFT JOINs on the names' key,
    // which SQLite leaves out of a query that reads none of their columns.
    "CREATE VIEW IF NOT EXISTS history AS SELECT h.seq AS seq, h.at AS at, k.name AS kind, h.item AS item, "
    "r.name AS reason, f.name AS from_state, t.name AS to_state, a.name AS agent, d.name AS department, "
    "p.name AS process, h.priority AS priority, h.previous_priority AS previous_priority, h.stage AS stage, "
    "h.due AS due, h.overdue AS overdue, h.dimension_set AS dimension_set, o.name AS outcome, h.detail AS detail, "
    "c.name AS actor FROM history_rows h LEFT JOIN history_names k ON k.id = h.kind "
    "LEFT JOIN history_names r ON r.id = h.reason LEFT JOIN history_names f ON f.id = h.from_state "
    "LEFT JOIN history_names t ON t.id = h.to_state LEFT JOIN history_names a ON a.id = h.agent "
    "LEFT JOIN history_names d ON d.id = h.department LEFT JOIN history_names p ON p.id = h.process "
    "LEFT JOIN history_names o ON o.id = h.outcome LEFT JOIN history_names c ON c.id = h.actor",
    // A record deleted through the view (by hand: purge() deletes from history_rows).
    "CREATE TRIGGER IF NOT EXISTS history_delete INSTEAD OF DELETE ON history BEGIN "
    "DELETE FROM history_rows WHERE seq = OLD.seq; END",
    // An item's records (agent events have no item): the entries of a transaction appended to
    // history_item_recent with its records (one page or two written per commit, where entries
    // in an index by item went to one to three of its leaves and their rebalancing); every
    // kMergeEvery of them moved into history_items sorted, a few leaves written once for all
    // of them. Both written in the records' transaction: an item's timeline is always whole,
    // and a damaged page of records is read (and answers the damage) rather than left out.
    // The reports scan by seq and need no other index.
    "CREATE TABLE IF NOT EXISTS history_item_recent (seq INTEGER PRIMARY KEY, item TEXT NOT NULL)",
    "CREATE TABLE IF NOT EXISTS history_items (item TEXT NOT NULL, seq INTEGER NOT NULL, PRIMARY KEY (item, seq)) "
    "WITHOUT ROWID",
    "CREATE TABLE IF NOT EXISTS history_dimensions (id INTEGER PRIMARY KEY, dimensions TEXT NOT NULL UNIQUE)",
    "CREATE VIEW IF NOT EXISTS history_v AS SELECT h.seq, h.at, h.kind, h.item, h.reason, h.from_state, h.to_state, "
    "h.agent, h.department, h.process, h.priority, h.previous_priority, h.stage, h.due, h.overdue, "
    "COALESCE(d.dimensions, '') AS dimensions, h.outcome, h.detail, h.actor "
    "FROM history h LEFT JOIN history_dimensions d ON d.id = h.dimension_set",
    "CREATE TABLE IF NOT EXISTS history_meta (name TEXT PRIMARY KEY, value INTEGER NOT NULL)",
    "CREATE TABLE IF NOT EXISTS history_marks (snapshot INTEGER PRIMARY KEY, last_seq INTEGER NOT NULL)",
};

constexpr const char* kColumns =
    "seq, at, kind, item, reason, from_state, to_state, agent, department, process, priority, previous_priority, stage, "
    "due, overdue, dimension_set, outcome, detail, actor";
// Version 1 had the `report by` values as JSON in each row: still read.
constexpr const char* kColumnsVersion1 =
    "seq, at, kind, item, reason, from_state, to_state, agent, department, process, priority, previous_priority, stage, "
    "due, overdue, dimensions, outcome, detail, actor";

RecordKind kind_named(const std::string& name) {
  for (RecordKind k : {RecordKind::Item, RecordKind::Priority, RecordKind::Widen, RecordKind::Agent})
    if (name == record_kind_name(k)) return k;
  return RecordKind::Item;
}

}  // namespace

void Names::forget() {
  loaded_ = false;
  ids_.clear();
  names_.clear();
  far_.clear();
  for (Last& last : last_) last = Last{};
}

const std::string* Names::remember(std::int64_t id, std::string name) {
  if (id >= kDenseIds) return &(far_[id] = std::move(name));
  if (static_cast<std::size_t>(id) >= names_.size()) names_.resize(id + 1);
  return &(names_[id] = std::move(name));
}

// Every name, once per writer: a writer needs them all to tell a new name from a known one.
bool Names::load(std::string* error) {
  forget();
  sqlstore::Status status;
  const auto st = db_->prepare("SELECT id, name FROM history_names", &status);
  sqlstore::Step step = sqlstore::Step::Failure;
  next_ = 1;
  while (st && (step = st->step(&status)) == sqlstore::Step::Row) {
    const std::int64_t id = st->column_int64(0);
    std::string name = st->column_text(1);
    if (id > 0) remember(id, name);  // (ids are numbered from 1 as names come: a few thousand)
    ids_.emplace(std::move(name), id);
    next_ = std::max(next_, id + 1);
  }
  if (step != sqlstore::Step::Done) {
    *error = fmt::format("{}, table history_names: {}", where_, status.message);
    return false;
  }
  loaded_ = true;
  return true;
}

std::optional<std::int64_t> Names::find_or_add(const std::string& name, std::string* error) {
  if (name.empty()) return 0;
  if (!loaded_ && !load(error)) return std::nullopt;
  if (const auto it = ids_.find(name); it != ids_.end()) return it->second;
  sqlstore::Status status;
  if (!insert_ && !(insert_ = db_->prepare("INSERT INTO history_names (id, name) VALUES (?1, ?2)", &status))) {
    *error = fmt::format("{}, table history_names: {}", where_, status.message);
    return std::nullopt;
  }
  insert_->bind_int64(1, next_);
  insert_->bind_text(2, name);
  const bool ok = insert_->step(&status) == sqlstore::Step::Done;
  if (!ok) *error = fmt::format("{}, table history_names: {}", where_, status.message);
  insert_->reset();
  if (!ok) return std::nullopt;
  ids_.emplace(name, next_);
  remember(next_, name);
  return next_++;
}

const std::string* Names::name_of(std::int64_t id, std::string* error) {
  static const std::string kNone;
  if (id == 0) return &kNone;
  // (A name of an id above 0 is never empty: "" is id 0. An empty entry is one not read yet.)
  if (id > 0 && static_cast<std::size_t>(id) < names_.size() && !names_[id].empty()) return &names_[id];
  if (const auto far = far_.find(id); far != far_.end()) return &far->second;
  sqlstore::Status status;
  if (!select_ && !(select_ = db_->prepare("SELECT name FROM history_names WHERE id = ?1", &status))) {
    *error = fmt::format("{}, table history_names: {}", where_, status.message);
    return nullptr;
  }
  select_->bind_int64(1, id);
  const sqlstore::Step step = select_->step(&status);
  const std::string* found = nullptr;
  if (step == sqlstore::Step::Row && id > 0) {
    found = remember(id, select_->column_text(0));
  } else if (step == sqlstore::Step::Row || step == sqlstore::Step::Done) {
    *error = fmt::format("{}, table history_names: no name {} (a record refers to it)", where_, id);
  } else {
    *error = fmt::format("{}, table history_names: {}", where_, status.message);
  }
  select_->reset();
  return found;
}

Store::Store()
    : insert_(fmt::format("INSERT INTO history ({})", kColumns), 19),
      insert_coded_(fmt::format("INSERT INTO history_rows ({})", kColumns), 19),
      insert_items_("INSERT OR REPLACE INTO history_item_recent (seq, item)", 2) {}

std::unique_ptr<Store> Store::attached(sqlstore::Database* db, std::unique_ptr<sqlstore::Database> owned,
                                       const std::string& where) {
  std::unique_ptr<Store> s(new Store);
  s->owned_ = std::move(owned);
  s->sql_ = db ? db : s->owned_.get();
  s->where_ = where;
  s->dimensions_.attach(s->sql_, where);
  s->names_.attach(s->sql_, where);
  s->aggregates_.attach(s->sql_, where, &s->dimensions_, s->tail(), s->warning());
  return s;
}

std::unique_ptr<Store> Store::on(sqlstore::Database& db, const std::string& where, std::string* error) {
  std::unique_ptr<Store> s = attached(&db, nullptr, where);
  if (!s->init_schema(error)) return nullptr;
  s->recover_aggregates();
  return s;
}

std::unique_ptr<Store> Store::on(sqlite3* db, const std::string& where, std::string* error) {
  std::unique_ptr<Store> s = attached(nullptr, sqlstore::over_sqlite(db), where);
  if (!s->init_schema(error)) return nullptr;
  s->recover_aggregates();
  return s;
}

std::unique_ptr<Store> Store::create(const std::string& path, std::string* error) {
  std::unique_ptr<sqlstore::Database> db = sqlstore::open_sqlite(path, error);
  if (!db) return nullptr;
  std::unique_ptr<Store> s = attached(nullptr, std::move(db), path);
  s->owns_ = true;
  if (!s->exec("PRAGMA journal_mode=WAL", error) || !s->init_schema(error)) return nullptr;
  s->recover_aggregates();
  return s;
}

std::unique_ptr<Store> Store::open_reader(const std::string& path, std::string* error) {
  std::error_code ec;
  const std::string file = std::filesystem::is_directory(path, ec) ? path + "/journal.db" : path;
  if (!std::filesystem::exists(file, ec)) {
    *error = fmt::format("no history at '{}': give a server's data folder or a history file", path);
    return nullptr;
  }
  std::unique_ptr<sqlstore::Database> db = sqlstore::open_sqlite(file, error, true);
  if (!db) return nullptr;
  std::unique_ptr<Store> s = attached(nullptr, std::move(db), file);
  s->reader_ = true;
  // A report reads the file from one end to the other: pages mapped rather than copied in by a
  // read() each (SQLite falls back to reads where it cannot map).
  if (!s->exec("PRAGMA mmap_size = 17179869184", error) || !s->reader_version(error)) return nullptr;
  return s;
}

std::unique_ptr<Store> Store::open_reader(std::unique_ptr<sqlstore::Database> db, const std::string& where,
                                          std::string* error) {
  std::unique_ptr<Store> s = attached(nullptr, std::move(db), where);
  s->reader_ = true;
  if (!s->reader_version(error)) return nullptr;
  return s;
}

bool Store::reader_version(std::string* error) {
  const std::optional<std::int64_t> version = stored_version(error);
  if (!version) return false;
  if (*version == 0) {
    *error = fmt::format("'{}' holds no event history ({})", where_,
                         sql_->dialect() == sqlstore::Dialect::SQLite ? "no table `history`"
                                                                      : "none begun in this workspace");
    return false;
  }
  if (*version > kSchemaVersion) {
    *error = fmt::format("'{}' holds an event history of schema version {}, newer than this iwd reads (1 to {})", where_,
                         *version, kSchemaVersion);
    return false;
  }
  version_ = *version;
  item_tables_ = sql_->dialect() == sqlstore::Dialect::SQLite && version_ >= 5;
  coded_ = sql_->dialect() == sqlstore::Dialect::SQLite && version_ >= 6;
  return true;
}

// SQLite: from the tables the file has (history_meta came with version 2). PostgreSQL: the
// tables are pgstore's, there from the first version kept there (4); the workspace's version
// row says whether its history was begun (0: not yet).
std::optional<std::int64_t> Store::stored_version(std::string* error) {
  bool history = false, meta = false;
  const bool pg = sql_->dialect() == sqlstore::Dialect::PostgreSQL;
  if (!run(pg ? "SELECT 'history_meta' WHERE to_regclass('history_meta') IS NOT NULL"
              : "SELECT name FROM sqlite_schema WHERE type IN ('table', 'view') AND name IN ('history', 'history_meta')",
           [](sqlstore::Statement&) {}, error, [&](sqlstore::Statement& st) {
             const std::string name = st.column_text(0);
             (name == "history" ? history : meta) = true;
             return true;
           }))
    return std::nullopt;
  std::int64_t version = history ? 1 : 0;
  if (meta && !run("SELECT value FROM history_meta WHERE name = 'schema'", [](sqlstore::Statement&) {}, error,
                   [&](sqlstore::Statement& st) {
                     version = st.column_int64(0);
                     return false;
                   }))
    return std::nullopt;
  return version;
}

bool Store::begin_write(std::string* error) {
  if (sql_->dialect() == sqlstore::Dialect::SQLite) return exec("BEGIN IMMEDIATE", error);
  return ended(sql_->begin(), error);
}

bool Store::ended(const sqlstore::Status& status, std::string* error) {
  if (!status.ok()) *error = fmt::format("{}: {}", where_, status.message);
  return status.ok();
}

Store::~Store() {
  // A clean close writes the aggregates' checkpoint, so that the next start counts no record
  // again: it reads none of them (a damaged page of old records then stops no capture).
  // Nothing is lost when it cannot: the next start counts the records after the last one.
  // A reader writes nothing: the state it rebuilt is the writer's to keep (on PostgreSQL its
  // session has no epoch, so the fence would refuse it, after waiting for the table's locks).
  if (!reader_ && aggregates_.dirty() && !sql_->in_transaction()) {
    std::string error;
    if (begin_write(&error) && !(aggregates_.checkpoint(&error) && ended(sql_->commit(), &error))) sql_->rollback();
  }
  insert_.clear();
  insert_coded_.clear();
  insert_items_.clear();
  merge_.reset();
  clear_recent_.reset();
  dimensions_.detach();
  names_.detach();
  aggregates_.detach();
}

bool Store::init_schema(std::string* error) {
  const std::optional<std::int64_t> version = stored_version(error);
  if (!version) return false;
  if (*version > kSchemaVersion) {
    *error = fmt::format("'{}' holds an event history of schema version {}, newer than this iwd writes ({}): "
                         "use the iwd that wrote it, or move the file aside to start a new history",
                         where_, *version, kSchemaVersion);
    return false;
  }
  // One transaction (docs/reporting.md, "Schema versions"): the tables, a version-1 history's
  // rows moved into version 2's, and the aggregates of the records held, or nothing of it.
  const bool own = !sql_->in_transaction();
  if (own && !begin_write(error)) return false;
  bool ok = upgrade(*version, error);
  if (own) {
    ok = ok ? ended(sql_->commit(), error) : (sql_->rollback(), false);
  }
  if (!ok) {
    aggregates_.forget();
    dimensions_.forget();
    names_.forget();
    if (*version != kSchemaVersion)
      *error = fmt::format("'{}': the event history of schema version {} could not be brought to version {} "
                           "(nothing changed): {}",
                           where_, *version, kSchemaVersion, *error);
  }
  return ok;
}

// The aggregates' state read before the first append's transaction (Aggregates::load_at_start),
// and the checkpoint written at once when it is due (a damaged page gone around: no later
// transaction reads it again). A connection in a transaction already, or a failure here,
// leaves it to the first append, as before (which then answers the error).
void Store::recover_aggregates() {
  if (sql_->in_transaction()) return;
  std::string error;
  if (!aggregates_.load_at_start(&error) || !aggregates_.checkpoint_due()) return;
  if (begin_write(&error) && !(aggregates_.checkpoint(&error) && ended(sql_->commit(), &error))) {
    sql_->rollback();
    aggregates_.forget();
  }
}

bool Store::upgrade(std::int64_t from_version, std::string* error) {
  if (sql_->dialect() == sqlstore::Dialect::PostgreSQL) {
    // The tables are pgstore's (made with the journal's), the same for every workspace: a
    // workspace's history begins at the current version.
    if (from_version != 0 && from_version != kPgSchemaVersion) {
      *error = fmt::format("{}: the event history in PostgreSQL is of version {}, which no iwd wrote there", where_,
                           from_version);
      return false;
    }
    std::int64_t tables = 0;
    if (!run("SELECT count(*) FROM (VALUES ('history'), ('history_dimensions'), ('history_meta'), ('history_marks'), "
             "('history_agg'), ('history_agg_groupings'), ('history_agg_items')) AS t (name) "
             "WHERE to_regclass(name) IS NOT NULL",
             [](sqlstore::Statement&) {}, error, [&](sqlstore::Statement& st) {
               tables = st.column_int64(0);
               return false;
             }))
      return false;
    if (tables != 7) {
      *error = fmt::format("{}: the event history's tables are not all in PostgreSQL ({} of 7): pgstore's schema "
                           "makes them (server::Journal::open_postgresql)",
                           where_, tables);
      return false;
    }
    version_ = kPgSchemaVersion;
    return write_version(error);
  }
  // Version 3's items keyed by id: aside, to be copied into version 4's table (numbered as read).
  if (from_version == 3 && !exec("ALTER TABLE history_agg_items RENAME TO history_agg_items_v3", error)) return false;
  if (from_version == 1) {  // its table aside (with its three indexes), to be copied into version 2's
    for (const char* sql : {"ALTER TABLE history RENAME TO history_v1", "DROP INDEX IF EXISTS history_item",
                            "DROP INDEX IF EXISTS history_agent", "DROP INDEX IF EXISTS history_process_at"})
      if (!exec(sql, error)) return false;
  }
  // Version 2 to 5's table of texts aside, to be copied into version 6's coded rows (the view
  // on it first: SQLite would rename the table in it). A file whose tables are version 6's
  // already (only its version row older) has none.
  bool texts = false;
  if (from_version >= 2 && from_version <= 5 &&
      !run("SELECT 1 FROM sqlite_schema WHERE type = 'table' AND name = 'history'", [](sqlstore::Statement&) {}, error,
           [&](sqlstore::Statement&) {
             texts = true;
             return false;
           }))
    return false;
  if (texts)
    for (const char* sql : {"DROP VIEW IF EXISTS history_v", "ALTER TABLE history RENAME TO history_v5"})
      if (!exec(sql, error)) return false;
  version_ = kSchemaVersion;
  item_tables_ = true;
  coded_ = true;
  for (const char* sql : kSchema)
    if (!exec(sql, error)) return false;
  for (const char* sql : Aggregates::kSchema)
    if (!exec(sql, error)) return false;
  // Version 2 to 4's index of items into version 5's table (version 1's rows are copied below,
  // their entries with them).
  if (from_version >= 2 && from_version <= 4 &&
      !(exec(texts ? "INSERT OR IGNORE INTO history_items (item, seq) SELECT item, seq FROM history_v5 WHERE item <> '' "
                     "ORDER BY item, seq"
                   : "INSERT OR IGNORE INTO history_items (item, seq) SELECT item, seq FROM history_rows WHERE item <> '' "
                     "ORDER BY item, seq",
             error) &&
        exec("DROP INDEX IF EXISTS history_item", error)))
    return false;
  // Version 2 to 5's rows, every one, their texts coded: the names first, then the rows in
  // seq order (appended to history_rows), each name's id found by its unique key.
  if (texts) {
    names_.forget();
    if (!exec("INSERT OR IGNORE INTO history_names (name) SELECT kind FROM history_v5 UNION SELECT reason FROM history_v5 "
              "UNION SELECT from_state FROM history_v5 UNION SELECT to_state FROM history_v5 UNION SELECT agent FROM "
              "history_v5 UNION SELECT department FROM history_v5 UNION SELECT process FROM history_v5 UNION SELECT outcome "
              "FROM history_v5 UNION SELECT actor FROM history_v5",
              error))
      return false;
    const auto id = [](const char* column) {
      return fmt::format("(SELECT id FROM history_names WHERE name = o.{})", column);
    };
    const std::string copy = fmt::format(
        "INSERT INTO history_rows ({}) SELECT seq, at, {}, item, {}, {}, {}, {}, {}, {}, priority, previous_priority, "
        "stage, due, overdue, dimension_set, {}, detail, {} FROM history_v5 o ORDER BY seq",
        kColumns, id("kind"), id("reason"), id("from_state"), id("to_state"), id("agent"), id("department"),
        id("process"), id("outcome"), id("actor"));
    if (!exec(copy.c_str(), error) || !exec("DROP TABLE history_v5", error)) return false;
  }
  if (from_version == 1) {
    version_ = 1;  // decode() reads the JSON of version 1's rows
    const std::string sql = fmt::format("SELECT {} FROM history_v1 ORDER BY seq", kColumnsVersion1);
    bool copied = true;
    const bool ok = read(sql.c_str(), [](sqlstore::Statement&) {}, [&](const Record& r) {
      const std::optional<std::int64_t> set = dimensions_.id_of(r.dimensions, error);
      // (inserted at once: `r` is the read's, reused)
      return copied = set && queue_row(r, *set, error) && insert_rows(error);
    }, error);
    version_ = kSchemaVersion;
    if (!ok || !copied || !exec("DROP TABLE history_v1", error)) return false;
  }
  if (from_version == 3 &&
      !(exec("INSERT INTO history_agg_items (item, process, department, dimension_set, captured_at, queued_at, offered, "
             "assigned_since, handle_ms, due, outcome) SELECT item, process, department, dimension_set, captured_at, "
             "queued_at, offered, assigned_since, handle_ms, due, outcome FROM history_agg_items_v3",
             error) &&
        exec("DROP TABLE history_agg_items_v3", error)))
    return false;
  if (from_version == 1 || from_version == 2) {  // the aggregates of the records already held
    std::int64_t counted = 0;
    bool added = true;
    const bool ok = read_range(std::numeric_limits<std::int64_t>::min(), std::numeric_limits<std::int64_t>::max(),
                               [&](const Record& r) {
                                 const std::optional<std::int64_t> set = dimensions_.id_of(r.dimensions, error);
                                 added = set && aggregates_.add(r, *set, error);
                                 if (added && ++counted % 1'000'000 == 0) added = aggregates_.flush(error);
                                 return added;
                               },
                               error);
    if (!ok || !added || !aggregates_.flush(error)) return false;
  }
  return write_version(error);
}

bool Store::write_version(std::string* error) {
  const std::string sql =
      sql_->upsert("history_meta", "(name, value) VALUES ('schema', ?1)", "name", "value = excluded.value");
  return run(sql.c_str(), [this](sqlstore::Statement& st) { st.bind_int64(1, version_); }, error);
}

bool Store::exec(const char* sql, std::string* error) {
  const sqlstore::Status status = sql_->exec(sql);
  if (!status.ok()) *error = fmt::format("{}: {}", where_, status.message);
  return status.ok();
}

bool Store::run(const char* sql, const std::function<void(sqlstore::Statement&)>& bind, std::string* error,
                const std::function<bool(sqlstore::Statement&)>& row) {
  sqlstore::Status status;
  const std::unique_ptr<sqlstore::Statement> st = sql_->prepare(sql, &status);
  sqlstore::Step step = sqlstore::Step::Failure;
  if (st) {
    bind(*st);
    while ((step = st->step(&status)) == sqlstore::Step::Row)
      if (row && !row(*st)) {
        step = sqlstore::Step::Done;
        break;
      }
  }
  if (step == sqlstore::Step::Failure) *error = fmt::format("{}, table history: {}", where_, status.message);
  changes_ = step == sqlstore::Step::Done && st ? st->changes() : 0;
  return step == sqlstore::Step::Done;
}

bool Store::append(const std::vector<Record>& records, std::string* error, bool flush) {
  if (records.empty()) return true;
  if (owns_ && !begin_write(error)) return false;
  // The aggregates' state, when they read it again (after a rollback), comes from the rows
  // stored: those appended before must be there.
  bool ok = aggregates_.loaded() || insert_rows(error);
  if (ok && !last_) {  // the last record stored: each record follows it (the bisection by instant relies on it)
    last_.emplace(0, INT64_MIN);
    const std::string sql = fmt::format("SELECT seq, at FROM {} ORDER BY seq DESC LIMIT 1", rows_table());
    ok = run(sql.c_str(), [](sqlstore::Statement&) {}, error, [&](sqlstore::Statement& st) {
      *last_ = {st.column_int64(0), st.column_int64(1)};
      return false;
    });
    if (!ok) last_.reset();
  }
  std::pair<std::int64_t, std::int64_t> last = last_.value_or(std::pair<std::int64_t, std::int64_t>{0, INT64_MIN});
  // The open items' slots of every record asked for first: their cache misses overlap.
  if (ok)
    for (const Record& r : records) aggregates_.prefetch(r);
  for (std::size_t k = 0; ok && k < records.size(); ++k) {
    const Record& r = records[k];
    if (r.seq <= last.first || r.at < last.second) {
      *error = fmt::format("{}, table history: record seq {} at {} does not follow seq {} at {} (seqs grow, instants never "
                           "go back)",
                           where_, r.seq, r.at, last.first, last.second);
      ok = false;
      break;
    }
    last = {r.seq, r.at};
    const std::optional<std::int64_t> set = dimensions_.id_of(r.dimensions, error);
    ok = set && queue_row(r, *set, error) && aggregates_.add(r, *set, error);
  }
  ok = ok && ((!flush && !owns_) || this->flush(error));  // (our own transaction commits now)
  if (owns_) {
    ok = ok && ended(sql_->commit(), error);
    if (!ok) sql_->rollback();
  }
  // In the owner's transaction the rows may still be rolled back: it says so (rolled_back()).
  if (ok) {
    last_ = last;
  } else {
    last_.reset();
    rows_.clear();
    recent_.reset();
    dimensions_.forget();  // sets written in the transaction rolled back
    names_.forget();       // and names
    aggregates_.forget();
  }
  return ok;
}

bool Store::flush(std::string* error) {
  if (insert_rows(error) && aggregates_.flush(error)) return true;
  aggregates_.forget();  // the owner rolls back
  recent_.reset();
  return false;
}

// A record onto rows_, with the ids of its names when the rows are coded (the names new to the
// file written now, in the transaction the rows go in).
bool Store::queue_row(const Record& r, std::int64_t set, std::string* error) {
  Row row{&r, set, {}};
  if (coded_) {
    static const std::string kKinds[] = {record_kind_name(RecordKind::Item), record_kind_name(RecordKind::Priority),
                                         record_kind_name(RecordKind::Widen), record_kind_name(RecordKind::Agent)};
    const std::string* texts[Names::kColumns] = {&kKinds[static_cast<int>(r.kind)],
                                                 &r.reason,
                                                 &r.from,
                                                 &r.to,
                                                 &r.agent,
                                                 &r.department,
                                                 &r.process,
                                                 &r.outcome,
                                                 &r.actor};
    for (int c = 0; c < Names::kColumns; ++c) {
      const std::optional<std::int64_t> id = names_.id_of(static_cast<Names::Column>(c), *texts[c], error);
      if (!id) return false;
      row.names[c] = *id;
    }
  }
  rows_.push_back(row);
  return true;
}

bool Store::insert_rows(std::string* error) {
  if (rows_.empty()) return true;
  sqlstore::Status status;
  // The records' bytes, not copies: they outlive each statement's step (reset() unbinds them).
  const auto bind = [this](sqlstore::Statement& st, std::size_t k, int first) {
    const Row& row = rows_[k];
    const Record& r = *row.record;
    // A name: its id (version 6) or its text.
    const auto name = [&](int column, Names::Column c, std::string_view text) {
      if (coded_) st.bind_int64(first + column, row.names[c]);
      else st.bind_text_static(first + column, text);
    };
    st.bind_int64(first, r.seq);
    st.bind_int64(first + 1, r.at);
    name(2, Names::Kind, record_kind_name(r.kind));
    st.bind_text_static(first + 3, r.item);
    name(4, Names::Reason, r.reason);
    name(5, Names::From, r.from);
    name(6, Names::To, r.to);
    name(7, Names::Agent, r.agent);
    name(8, Names::Department, r.department);
    name(9, Names::Process, r.process);
    st.bind_int64(first + 10, r.priority);
    st.bind_int64(first + 11, r.previous_priority);
    st.bind_int64(first + 12, r.stage);
    if (r.due) st.bind_int64(first + 13, *r.due);
    else st.bind_null(first + 13);
    st.bind_int64(first + 14, r.overdue ? 1 : 0);
    st.bind_int64(first + 15, row.set);
    name(16, Names::Outcome, r.outcome);
    st.bind_text_static(first + 17, r.detail);
    name(18, Names::Actor, r.actor);
  };
  const bool ok = (coded_ ? insert_coded_ : insert_).run(*sql_, rows_.size(), bind, &status);
  if (!ok) {
    *error = fmt::format("{}, table {}, seq {} to {}: {}", where_, rows_table(), rows_.front().record->seq,
                         rows_.back().record->seq, status.message);
    rows_.clear();
    return false;
  }
  const bool indexed = !item_tables_ || insert_item_entries(error);
  rows_.clear();
  return indexed;
}

// The item entries of rows_ appended to history_item_recent, and all of that table's moved into
// history_items once it holds kMergeEvery: sorted by item, they go to a few leaves of it at once.
bool Store::insert_item_entries(std::string* error) {
  items_.clear();
  for (const auto& row : rows_)
    if (!row.record->item.empty()) items_.push_back(row.record);
  sqlstore::Status status;
  if (!items_.empty() && !insert_items_.run(*sql_, items_.size(), [this](sqlstore::Statement& st, std::size_t row, int first) {
        st.bind_int64(first, items_[row]->seq);
        st.bind_text_static(first + 1, items_[row]->item);
      }, &status)) {
    *error = fmt::format("{}, table history_item_recent, seq {} to {}: {}", where_, items_.front()->seq,
                         items_.back()->seq, status.message);
    recent_.reset();
    return false;
  }
  if (!recent_) {  // (after a start or a rollback)
    std::int64_t count = 0;
    if (!run("SELECT count(*) FROM history_item_recent", [](sqlstore::Statement&) {}, error,
             [&](sqlstore::Statement& st) {
               count = st.column_int64(0);
               return false;
             }))
      return false;
    recent_ = count;
  } else {
    *recent_ += static_cast<std::int64_t>(items_.size());
  }
  if (*recent_ < kMergeEvery) return true;
  recent_.reset();
  if (!run_prepared(&merge_,
                    "INSERT OR IGNORE INTO history_items (item, seq) SELECT item, seq FROM history_item_recent "
                    "ORDER BY item, seq",
                    error) ||
      !run_prepared(&clear_recent_, "DELETE FROM history_item_recent", error))
    return false;
  recent_ = 0;
  return true;
}

// A statement without parameters or rows, prepared at its first run and kept in *st.
bool Store::run_prepared(std::unique_ptr<sqlstore::Statement>* st, const char* sql, std::string* error) {
  sqlstore::Status status;
  if (!*st) *st = sql_->prepare(sql, &status);
  const bool ok = *st && (*st)->step(&status) == sqlstore::Step::Done;
  if (*st) (*st)->reset();
  if (!ok) *error = fmt::format("{}, table history: {}", where_, status.message);
  return ok;
}

// The highest seq stored, or the one purge() noted before it deleted it: appends write no
// other row than their records (one page less per commit).
std::optional<std::int64_t> Store::last_seq(std::string* error) {
  std::int64_t seq = 0;
  // The larger of two: SQLite's MAX with two arguments, PostgreSQL's GREATEST.
  const std::string sql =
      fmt::format("SELECT {}(COALESCE((SELECT MAX(seq) FROM {}), 0), "
                  "COALESCE((SELECT value FROM history_meta WHERE name = 'last_seq'), 0))",
                  sql_->dialect() == sqlstore::Dialect::SQLite ? "MAX" : "GREATEST", rows_table());
  if (!run(sql.c_str(), [](sqlstore::Statement&) {}, error, [&](sqlstore::Statement& st) {
             seq = st.column_int64(0);
             return true;
           }))
    return std::nullopt;
  return seq;
}

const char* Store::columns() const { return version_ == 1 ? kColumnsVersion1 : kColumns; }

// Into the record of the previous row: strings keep their buffers, and the dimensions are
// copied only when the set changes (`set`: the id of the one the record holds).
bool Store::decode(const sqlstore::Statement& st, Record* r, std::int64_t* set, std::string* error) {
  // A coded column's name (version 6), or the text.
  const auto text = [&](int column, std::string* out) {
    if (!coded_ || version_ < 6) {  // (version 1's rows read to be copied into version 6's)
      st.read_text(column, out);
      return true;
    }
    const std::string* name = names_.name_of(st.column_int64(column), error);
    if (name) out->assign(*name);
    return name != nullptr;
  };
  r->seq = st.column_int64(0);
  r->at = st.column_int64(1);
  if (!text(2, &kind_)) return false;
  r->kind = kind_named(kind_);
  st.read_text(3, &r->item);
  if (!text(4, &r->reason) || !text(5, &r->from) || !text(6, &r->to) || !text(7, &r->agent) ||
      !text(8, &r->department) || !text(9, &r->process))
    return false;
  r->priority = st.column_int64(10);
  r->previous_priority = st.column_int64(11);
  r->stage = static_cast<int>(st.column_int64(12));
  if (!st.is_null(13)) r->due = st.column_int64(13);
  else r->due.reset();
  r->overdue = st.column_int64(14) != 0;
  if (version_ == 1) {
    r->dimensions = DimensionSets::parse(st.column_text(15));
  } else if (const std::int64_t id = st.column_int64(15); id != *set) {
    const DimensionSets::Set* values = dimensions_.set_of(id, error);
    if (!values) return false;
    r->dimensions = *values;
    *set = id;
  }
  if (!text(16, &r->outcome)) return false;
  st.read_text(17, &r->detail);
  return text(18, &r->actor);
}

// The aggregates' warnings (the damage they went around): on stderr, where `iwd serve` and
// `iwd replay` say what they do.
Aggregates::Warn Store::warning() {
  return [](const std::string& message) { std::fprintf(stderr, "iwd: %s\n", message.c_str()); };
}

// The records the aggregates count again at a restart (history/aggregates.h).
Aggregates::Tail Store::tail() {
  return [this](std::int64_t after, std::int64_t before, const std::function<bool(const Record&)>& f, std::string* error) {
    // `seq >= after + 1`, not `seq > after`: SQLite then seeks to the first seq wanted, not to
    // `after` and past it (a page holding `after` may be a damaged one: Aggregates::readable_after).
    const std::string sql =
        fmt::format("SELECT {} FROM {} WHERE seq >= ?1 + 1 AND seq < ?2 ORDER BY seq", columns(), rows_table());
    return read(sql.c_str(),
                [&](sqlstore::Statement& st) {
                  st.bind_int64(1, after);
                  st.bind_int64(2, before);
                },
                f, error);
  };
}

bool Store::read(const char* sql, const std::function<void(sqlstore::Statement&)>& bind, const Visit& f, std::string* error) {
  Record r;
  std::int64_t set = 0;
  bool decoded = true;
  const bool ok = run(sql, bind, error, [&](sqlstore::Statement& st) {
    decoded = decode(st, &r, &set, error);
    return decoded && f(r);
  });
  return ok && decoded;
}

// Instants never go back as seq grows (append() refuses a record that would), so the records
// at or after an instant are those from one seq on, found by bisection on the primary key: the
// history needs no index by instant (a page less written at each commit).
std::optional<std::int64_t> Store::first_seq_at(std::int64_t at, std::string* error) {
  std::int64_t lo = 0, hi = 0;  // the seqs held: [lo, hi)
  // Two subqueries: SQLite reads MIN or MAX of the key from one end of the b-tree only when
  // the query has that aggregate alone (both in one query scan the table: 0.4 s at 10M rows).
  const std::string bounds = fmt::format(
      "SELECT COALESCE((SELECT MIN(seq) FROM {0}), 1), COALESCE((SELECT MAX(seq) FROM {0}), 0) + 1", rows_table());
  const std::string at_from = fmt::format("SELECT at FROM {} WHERE seq >= ?1 ORDER BY seq LIMIT 1", rows_table());
  if (!run(bounds.c_str(), [](sqlstore::Statement&) {}, error,
           [&](sqlstore::Statement& st) {
             lo = st.column_int64(0);
             hi = st.column_int64(1);
             return true;
           }))
    return std::nullopt;
  std::optional<std::int64_t> found;  // the instant of the first record from a seq on
  const auto first_from = [&](std::int64_t seq) {
    return run(at_from.c_str(),
               [seq](sqlstore::Statement& st) { st.bind_int64(1, seq); }, error, [&](sqlstore::Statement& st) {
                 found = st.column_int64(0);
                 return false;
               });
  };
  // The first and the last record first: a range from before the first or to after the last
  // (a report's check of the retention, a report from the aggregates) reads no page in the
  // middle, where a damaged one would fail it.
  if (lo < hi) {
    if (!first_from(lo)) return std::nullopt;
    if (found.value_or(at) >= at) return lo;
    if (!first_from(hi - 1)) return std::nullopt;
    if (found.value_or(at) < at) return hi;
  }
  while (lo < hi) {  // the first seq from which every record is at or after `at`
    const std::int64_t mid = lo + (hi - lo) / 2;
    found.reset();
    if (!first_from(mid)) return std::nullopt;
    if (found.value_or(at) >= at) hi = mid;  // (there is one: mid < hi)
    else lo = mid + 1;
  }
  return lo;
}

bool Store::read_range(std::int64_t from, std::int64_t to, const Visit& f, std::string* error) {
  const auto first = first_seq_at(from, error);
  const auto end = first ? first_seq_at(to, error) : std::nullopt;
  if (!end) return false;
  const std::string sql =
      fmt::format("SELECT {} FROM {} WHERE seq >= ?1 AND seq < ?2 ORDER BY seq", columns(), rows_table());
  return read(sql.c_str(),
              [&](sqlstore::Statement& st) {
                st.bind_int64(1, *first);
                st.bind_int64(2, *end);
              },
              f, error);
}

bool Store::read_item(const std::string& item, const Visit& f, std::string* error) {
  // Version 5: the seqs from both tables of entries (a key's search, a scan of at most
  // kMergeEvery and a transaction's), then their records by key, in seq order without a sort.
  // An entry whose record is not the item's is left out: records deleted behind the store's
  // back (a history restored older than its entries) and written again under the same seqs.
  // (OR REPLACE and OR IGNORE below for the same reason: such an entry never fails an append.)
  const std::string sql =
      item_tables_ ? fmt::format("SELECT {} FROM {} WHERE seq IN (SELECT seq FROM history_items WHERE item = ?1 "
                                 "UNION ALL SELECT seq FROM history_item_recent WHERE item = ?1) AND item = ?1 ORDER BY seq",
                                 columns(), rows_table())
                   : fmt::format("SELECT {} FROM history WHERE item = ?1 AND item <> '' ORDER BY seq", columns());
  return read(sql.c_str(), [&](sqlstore::Statement& st) { st.bind_text(1, item); }, f,
              error);
}

std::optional<std::int64_t> Store::first_at(std::string* error) {
  std::optional<std::int64_t> at;
  const std::string sql = fmt::format("SELECT at FROM {} ORDER BY seq LIMIT 1", rows_table());
  if (!run(sql.c_str(), [](sqlstore::Statement&) {}, error, [&](sqlstore::Statement& st) {
        at = st.column_int64(0);
        return true;
      }))
    return std::nullopt;
  if (!at) error->clear();
  return at;
}

bool Store::in_read_transaction(const std::function<bool()>& f, std::string* error) {
  if (sql_->in_transaction()) return f();
  // PostgreSQL: one snapshot for the whole transaction (its default takes one per statement).
  if (!ended(sql_->begin(), error) || (sql_->dialect() == sqlstore::Dialect::PostgreSQL &&
                                       !exec("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY", error))) {
    sql_->rollback();
    return false;
  }
  const bool ok = f();
  sql_->commit();  // nothing written: ending the read cannot lose anything
  return ok;
}

std::optional<std::int64_t> Store::last_at(std::string* error) {
  std::optional<std::int64_t> at;
  const std::string sql = fmt::format("SELECT at FROM {} ORDER BY seq DESC LIMIT 1", rows_table());
  if (!run(sql.c_str(), [](sqlstore::Statement&) {}, error, [&](sqlstore::Statement& st) {
        at = st.column_int64(0);
        return true;
      }))
    return std::nullopt;
  if (!at) error->clear();
  return at;
}

std::optional<std::int64_t> Store::purge(std::int64_t before, std::int64_t limit, std::string* error) {
  if (owns_ && !begin_write(error)) return std::nullopt;
  const std::optional<std::int64_t> last = last_seq(error);
  const std::optional<std::int64_t> end = last ? first_seq_at(before, error) : std::nullopt;
  // The aggregates' items at a checkpoint first: the records after it are what a restart
  // rebuilds their state from, and some of them may be purged now.
  const std::string note_last =
      sql_->upsert("history_meta", "(name, value) VALUES ('last_seq', ?1)", "name", "value = excluded.value");
  // The entries of the records to delete first (found through them).
  const auto bind_range = [&](sqlstore::Statement& st) {
    st.bind_int64(1, *end);
    st.bind_int64(2, limit);
  };
  recent_.reset();
  const char* table = rows_table();
  const std::string delete_items = fmt::format(
      "DELETE FROM history_items WHERE (item, seq) IN (SELECT item, seq FROM {0} WHERE seq IN "
      "(SELECT seq FROM {0} WHERE seq < ?1 ORDER BY seq LIMIT ?2) AND item <> '')", table);
  const std::string delete_recent = fmt::format(
      "DELETE FROM history_item_recent WHERE seq IN (SELECT seq FROM {} WHERE seq < ?1 ORDER BY seq LIMIT ?2)", table);
  const std::string delete_rows =
      fmt::format("DELETE FROM {0} WHERE seq IN (SELECT seq FROM {0} WHERE seq < ?1 ORDER BY seq LIMIT ?2)", table);
  const std::string first_left = fmt::format("SELECT at FROM {} ORDER BY seq LIMIT 1", table);
  bool ok = end && aggregates_.checkpoint(error) &&
            run(note_last.c_str(), [&](sqlstore::Statement& st) { st.bind_int64(1, *last); }, error) &&
            (!item_tables_ ||
             (run(delete_items.c_str(), bind_range, error) && run(delete_recent.c_str(), bind_range, error))) &&
                  run(delete_rows.c_str(),
                      [&](sqlstore::Statement& st) {
                        st.bind_int64(1, *end);
                        st.bind_int64(2, limit);
                      },
                      error);
  const std::int64_t deleted = ok ? changes_ : 0;
  // The aggregates of the buckets no record is left in go too (their backlog and overdue
  // changes kept); with no record left they wait for the next one.
  std::optional<std::int64_t> first;
  if (ok && deleted > 0)
    ok = run(first_left.c_str(), [](sqlstore::Statement&) {}, error, [&](sqlstore::Statement& st) {
      first = st.column_int64(0);
      return false;
    }) && (!first || aggregates_.purge_before(*first, error));
  if (owns_) {
    if (!ok) sql_->rollback();
    else if (!ended(sql_->commit(), error)) ok = false;
  }
  // The transaction goes back (ours, or the owner's on our failure): so does the checkpoint.
  if (!ok) aggregates_.forget();
  if (!ok) return std::nullopt;
  return deleted;
}

bool Store::mark_snapshot(std::int64_t snapshot, std::int64_t last_seq, std::string* error) {
  const std::string mark =
      sql_->upsert("history_marks", "(snapshot, last_seq) VALUES (?1, ?2)", "snapshot", "last_seq = excluded.last_seq");
  // Each statement bound its own parameters only (PostgreSQL refuses one more than it has).
  return run(mark.c_str(),
             [&](sqlstore::Statement& st) {
               st.bind_int64(1, snapshot);
               st.bind_int64(2, last_seq);
             },
             error) &&
         run("DELETE FROM history_marks WHERE snapshot < ?1", [&](sqlstore::Statement& st) { st.bind_int64(1, snapshot); },
             error);
}

std::optional<std::int64_t> Store::snapshot_mark(std::int64_t snapshot, std::string* error) {
  std::optional<std::int64_t> mark;
  error->clear();
  if (!run("SELECT last_seq FROM history_marks WHERE snapshot = ?1",
           [&](sqlstore::Statement& st) { st.bind_int64(1, snapshot); }, error, [&](sqlstore::Statement& st) {
             mark = st.column_int64(0);
             return true;
           }))
    return std::nullopt;
  return mark;
}

}  // namespace iwd::history
