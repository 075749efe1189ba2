// The event history in SQLite or PostgreSQL (docs/reporting.md, "The event history": the
// tables, their columns and indexes; docs/deployment.md for PostgreSQL), through sqlstore/.
//
// Three ways to have one:
// - on(db): on a store someone else owns, the tables created if missing; append() then
//   writes in the transaction the owner has open. `iwd serve` puts its history in its journal's
//   store this way, so that a batch's history rows commit in the journal's transaction with the
//   lines that caused them (SQLite: journal.db, one file, since its WAL makes a transaction
//   atomic per file only; PostgreSQL: the workspace's rows, at the journal's lease epoch);
// - create(path): a history file of its own (`iwd replay --history FILE`), each append and
//   purge a transaction of its own;
// - open_reader(path): read-only, on a server's data folder (its journal.db) or a history file;
//   open_reader(db): on a session of a PostgreSQL workspace (server::Journal::open_another).
// On PostgreSQL the tables are pgstore's (pgstore/schema.h: each workspace's rows under views
// of the SQLite tables' names); the history writes only its schema version there.
//
// Not thread-safe: one thread at a time per Store (SQLite's own connection rules).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "history/aggregates.h"
#include "history/dimension_sets.h"
#include "history/multi_insert.h"
#include "history/record.h"

struct sqlite3;

namespace iwd::history {

// The names of a record's coded columns (docs/reporting.md, table history_names; SQLite,
// schema version 6): kind, reason, states, agent, department, process, outcome and actor are
// each the id of a row of history_names, written once per distinct name, rather than the text
// in every row (a create's row about 60 bytes rather than 100: fewer pages a commit).
class Names {
 public:
  // The coded columns, in the row's order.
  enum Column { Kind, Reason, From, To, Agent, Department, Process, Outcome, Actor, kColumns };
  Names() = default;
  ~Names() { detach(); }
  Names(const Names&) = delete;
  Names& operator=(const Names&) = delete;
  void attach(sqlstore::Database* db, const std::string& where) {
    db_ = db;
    where_ = where;
  }
  void detach() {
    insert_.reset();
    select_.reset();
  }
  // The id of `name` in `column` (0 for ""), its row written when it is new, in the
  // transaction the connection has open. Each column remembers its last name: a batch of
  // creates asks for the same few names over and over.
  std::optional<std::int64_t> id_of(Column column, const std::string& name, std::string* error) {
    Last& last = last_[column];
    if (last.id >= 0 && last.name == name) return last.id;
    const std::optional<std::int64_t> id = find_or_add(name, error);
    if (id) {
      last.name = name;
      last.id = *id;
    }
    return id;
  }
  // The name of `id`, its row read the first time (a writer on the same file may have added
  // it since this reader started); nullptr with *error when there is none.
  const std::string* name_of(std::int64_t id, std::string* error);
  // The transaction that wrote rows was rolled back: what was learned since may be gone.
  void forget();

 private:
  struct Last {
    std::string name;
    std::int64_t id = -1;
  };
  std::optional<std::int64_t> find_or_add(const std::string& name, std::string* error);
  bool load(std::string* error);
  sqlstore::Database* db_ = nullptr;
  std::string where_;
  bool loaded_ = false;
  std::int64_t next_ = 1;
  std::unordered_map<std::string, std::int64_t> ids_;
  // The name of `id` kept: in names_ below kDenseIds, in far_ from there (a damaged file's
  // large ids size no vector beyond 2^16 names); the kept name.
  const std::string* remember(std::int64_t id, std::string name);
  static constexpr std::int64_t kDenseIds = std::int64_t{1} << 16;  // (a few thousand names in use)
  std::vector<std::string> names_;  // by id, "" where not read yet
  std::unordered_map<std::int64_t, std::string> far_;  // ids from kDenseIds on
  Last last_[kColumns];
  std::unique_ptr<sqlstore::Statement> insert_, select_;
};

class Store {
 public:
  static std::unique_ptr<Store> on(sqlstore::Database& db, const std::string& where, std::string* error);
  static std::unique_ptr<Store> on(sqlite3* db, const std::string& where, std::string* error);  // kept open by the caller
  static std::unique_ptr<Store> create(const std::string& path, std::string* error);
  static std::unique_ptr<Store> open_reader(const std::string& path, std::string* error);
  static std::unique_ptr<Store> open_reader(std::unique_ptr<sqlstore::Database> db, const std::string& where,
                                            std::string* error);
  ~Store();
  Store(const Store&) = delete;
  Store& operator=(const Store&) = delete;

  // Appends records numbered after every record stored so far (seq > last_seq()), in order,
  // none at an instant before the one before it (refused: time ranges rely on it): their rows
  // only (no other row is written, so a commit touches as few pages as can be).
  // With `flush` false (on(): more appends to come in the owner's transaction) the rows and
  // the aggregates' changes stay in memory until flush(), which inserts the transaction's rows
  // several per statement and writes each group's cell of a bucket once per transaction rather
  // than once per append (an upsert each: the bulk of an append's cost when a transaction
  // holds many small appends, as `iwd serve`'s do). The records are not copied: `records`
  // must stay as they are until flush() (or rolled_back()).
  bool append(const std::vector<Record>& records, std::string* error, bool flush = true);
  // on(): writes what appends left in memory; the owner calls it before it commits (and
  // rolled_back() after a failure).
  bool flush(std::string* error);
  // on(): the owner rolled back a transaction that had appends (the last record is read again).
  void rolled_back() {
    last_.reset();
    rows_.clear();
    recent_.reset();
    dimensions_.forget();
    names_.forget();
    aggregates_.forget();
  }
  // The highest seq ever appended (kept when purge() deletes it); 0 for none.
  std::optional<std::int64_t> last_seq(std::string* error);

  // Readers: `f` is called with each record in seq order, one at a time (nothing is held in
  // memory), until it returns false. False and *error when the store cannot be read. The
  // record is the same object from call to call (its strings keep their buffers): copy what
  // outlives the call.
  using Visit = std::function<bool(const Record&)>;
  // Records with from <= at < to.
  bool read_range(std::int64_t from, std::int64_t to, const Visit& f, std::string* error);
  bool read_item(const std::string& item, const Visit& f, std::string* error);  // one item's timeline
  // Runs `f` in one read transaction (unless the connection has one open already), so that
  // every read in it sees the same commits: a report over a history being written reads its
  // records, aggregates and items' state as of one instant. False with *error when it cannot
  // begin; else what `f` returns.
  bool in_read_transaction(const std::function<bool()>& f, std::string* error);
  // The earliest instant held (nullopt: none), e.g. to tell a range older than the retention.
  std::optional<std::int64_t> first_at(std::string* error);
  // The latest instant held (the last record's: instants never go back), e.g. a report's "now".
  std::optional<std::int64_t> last_at(std::string* error);

  // Retention: deletes at most `limit` of the oldest records with at < before (in a
  // transaction of its own with create(); in the owner's with on()): how many went (0: none
  // is left before that instant).
  std::optional<std::int64_t> purge(std::int64_t before, std::int64_t limit, std::string* error);

  // Recovery's bookmark (docs/reporting.md, "Recovery"): the last seq recorded when the
  // journal's snapshot `snapshot` was taken; marks of older snapshots are deleted.
  bool mark_snapshot(std::int64_t snapshot, std::int64_t last_seq, std::string* error);
  // The mark of `snapshot` (nullopt with *error empty: none).
  std::optional<std::int64_t> snapshot_mark(std::int64_t snapshot, std::string* error);

  // `iwd serve` on PostgreSQL (server/history_checkpoints.h): the aggregates' checkpoints
  // written on another connection (history/agg_checkpoint.h), each taken by the owner with
  // take_checkpoint() once the transaction that reached it committed. Null: in that transaction.
  void defer_checkpoints(CheckpointDefer* defer) { aggregates_.defer_checkpoints(defer); }
  std::optional<CheckpointImage> take_checkpoint() { return aggregates_.take_image(); }

  // The item-flow aggregates (history/aggregates.h) to read, or nullptr when the file has none
  // (a reader on a history of schema version 1 or 2, which a writer has not opened since).
  Aggregates* aggregates() { return version_ >= 3 ? &aggregates_ : nullptr; }

  const std::string& where() const { return where_; }

 private:
  Store();
  static std::unique_ptr<Store> attached(sqlstore::Database* db, std::unique_ptr<sqlstore::Database> owned,
                                         const std::string& where);
  bool reader_version(std::string* error);  // open_reader's check of the schema version
  bool init_schema(std::string* error);
  void recover_aggregates();
  bool upgrade(std::int64_t from_version, std::string* error);  // in the transaction init_schema holds
  bool write_version(std::string* error);                       // kSchemaVersion in history_meta
  bool insert_rows(std::string* error);  // rows_, then none
  bool insert_item_entries(std::string* error);  // rows_'s, with item_tables_
  // The schema version the file holds: 0 without a history, 1 before history_meta had one.
  std::optional<std::int64_t> stored_version(std::string* error);
  const char* columns() const;  // the record's columns in the version read
  bool decode(const sqlstore::Statement& st, Record* r, std::int64_t* set, std::string* error);
  bool exec(const char* sql, std::string* error);
  bool run_prepared(std::unique_ptr<sqlstore::Statement>* st, const char* sql, std::string* error);
  // A write transaction: SQLite's BEGIN IMMEDIATE (the write lock taken at once, not at the
  // first write, where another writer would make it fail), PostgreSQL's BEGIN.
  bool begin_write(std::string* error);
  bool ended(const sqlstore::Status& status, std::string* error);  // *error from a failed status
  // One statement, prepared, bound, its rows to `row` until it returns false (changes_ then
  // the rows it wrote).
  bool run(const char* sql, const std::function<void(sqlstore::Statement&)>& bind, std::string* error,
           const std::function<bool(sqlstore::Statement&)>& row = {});
  bool read(const char* sql, const std::function<void(sqlstore::Statement&)>& bind, const Visit& f, std::string* error);
  Aggregates::Tail tail();
  static Aggregates::Warn warning();  // to stderr
  std::optional<std::int64_t> first_seq_at(std::int64_t at, std::string* error);
  std::string where_;       // the file or the workspace, for messages
  std::unique_ptr<sqlstore::Database> owned_;  // the store, when it is ours (create, open_reader)
  sqlstore::Database* sql_ = nullptr;          // the store: owned_'s, or on()'s owner's
  bool owns_ = false;       // we run our own transactions (create)
  bool reader_ = false;     // open_reader's: writes nothing, its close included
  // The rows appended and not inserted yet (each record, its set of `report by` values and,
  // version 6, the ids of its coded columns), and their statements.
  struct Row {
    const Record* record;
    std::int64_t set;
    std::int64_t names[Names::kColumns];
  };
  std::vector<Row> rows_;
  bool queue_row(const Record& r, std::int64_t set, std::string* error);  // onto rows_
  MultiInsert insert_;         // the texts into history (PostgreSQL; SQLite before version 6)
  MultiInsert insert_coded_;   // version 6 (SQLite): ids into history_rows
  // Version 6 on SQLite: the records in history_rows, their texts coded as ids of
  // history_names (the view history shows them as texts).
  bool coded_ = false;
  const char* rows_table() const { return coded_ ? "history_rows" : "history"; }
  // Version 5 on SQLite: an item's records found through history_item_recent and
  // history_items (docs/reporting.md), not an index on history.
  bool item_tables_ = false;
  std::vector<const Record*> items_;  // insert_item_entries()'s: rows_'s records of an item
  MultiInsert insert_items_;
  std::optional<std::int64_t> recent_;  // the entries in history_item_recent, when known
  // The merge of history_item_recent into history_items and its emptying, prepared once
  // (parsed at every merge before).
  std::unique_ptr<sqlstore::Statement> merge_, clear_recent_;
  std::int64_t changes_ = 0;  // by the last run()
  std::string kind_;          // decode()'s buffer for the kind's name
  std::optional<std::pair<std::int64_t, std::int64_t>> last_;  // seq and instant of the last record, when known
  std::int64_t version_ = 0;  // of the schema read and written (docs/reporting.md, "Schema versions")
  DimensionSets dimensions_;
  Names names_;
  Aggregates aggregates_;
};

}  // namespace iwd::history
