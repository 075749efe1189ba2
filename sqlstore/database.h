// A database-neutral SQL layer (docs/deployment.md, "Store"): the journal, the event history
// and the outbox write their SQL once, with `?` (or `?N`) placeholders, and run on SQLite (the
// embedded default) or PostgreSQL (several nodes). What differs stays small and explicit:
// - placeholders are rewritten to PostgreSQL's `$n` outside quotes (rewrite_placeholders);
// - DDL names a few types that each backend spells its own way (Database::ddl);
// - `INSERT ... ON CONFLICT` is common to both, but PostgreSQL refuses it through the views of
//   the session's workspace (pgstore/schema.h) that have SQLite's table names: an upsert that
//   updates is written once through Database::upsert; anything else that differs the caller
//   writes twice, choosing by dialect().
// Failures are pgstore's statuses, named for what the caller can do: Unavailable (retry; a
// write's outcome is unknown), Fenced (the database refused a stale lease epoch: stop), Failed.
// Not thread-safe: a Database and its statements belong to one thread at a time.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "pgstore/status.h"

namespace iwd::sqlstore {

using Code = pgstore::Code;
using Status = pgstore::Status;

enum class Dialect { SQLite, PostgreSQL };
const char* dialect_name(Dialect d);  // "SQLite", "PostgreSQL"

enum class Step { Row, Done, Failure };

// A prepared statement. Parameters are bound by 1-based index and stay bound across reset();
// step() runs it (the first call) and moves to the next row. Column accessors read the current
// row (0-based); a NULL reads as 0 or empty.
class Statement {
 public:
  virtual ~Statement() = default;
  virtual void bind_int64(int index, std::int64_t v) = 0;
  virtual void bind_double(int index, double v) = 0;
  virtual void bind_text(int index, std::string_view v) = 0;
  // bind_text without a copy where the backend can (SQLite binds the caller's bytes, which it
  // reads at the step): the caller keeps `v`'s bytes, unchanged, until the next reset(), which
  // unbinds the parameter (NULL until it is bound again, so that no parameter outlives the
  // bytes it points to). For a row's texts bound from buffers that outlive its step (the
  // history's insert: SQLite's copy of each took a lock and an allocation).
  virtual void bind_text_static(int index, std::string_view v) = 0;
  virtual void bind_blob(int index, std::string_view v) = 0;  // bytes, NULs included
  virtual void bind_null(int index) = 0;
  // Row: a row is there to read; Done: no more rows (the statement ran to its end); Failure:
  // *status says why (the statement is to be reset before it runs again).
  virtual Step step(Status* status) = 0;
  virtual bool is_null(int column) const = 0;
  virtual std::int64_t column_int64(int column) const = 0;
  virtual double column_double(int column) const = 0;
  virtual std::string column_text(int column) const = 0;  // a text or a blob's bytes
  // The same into *out, whose buffer is reused: a reader of many rows allocates nothing per row.
  virtual void read_text(int column, std::string* out) const { *out = column_text(column); }
  // Rows inserted, updated or deleted by the last run (once it is Done).
  virtual std::int64_t changes() const = 0;
  // Back to before its first step, its parameters kept (but those of bind_text_static).
  virtual void reset() = 0;
  // Back to before its first step with every parameter unbound (NULL until bound again), for a
  // statement whose every parameter is bound before each run (history::MultiInsert's rows):
  // one pass over the parameters, where reset() unbinds those of bind_text_static one call
  // each (SQLite: 11 calls a history row, a tenth of its insert; bench/RESULTS.md, issue 15).
  // The backends' unbind them all; a statement that is not a backend's (a test's) resets.
  virtual void reset_unbound() { reset(); }
};

class Database {
 public:
  virtual ~Database() = default;
  virtual Dialect dialect() const = 0;
  // Null and *status set when the SQL does not prepare (or, for PostgreSQL, when the database
  // cannot be reached: Unavailable).
  virtual std::unique_ptr<Statement> prepare(std::string_view sql, Status* status) = 0;
  // One statement or more, without parameters or rows (DDL, PRAGMA, SET).
  virtual Status exec(std::string_view sql) = 0;
  virtual Status begin() { return exec("BEGIN"); }
  virtual Status commit() { return exec("COMMIT"); }
  virtual Status rollback() { return exec("ROLLBACK"); }
  // The last failure was the file found damaged (SQLite's CORRUPT or NOTADB: a page torn by a
  // crash), which a reader may go around (history::Aggregates); never on PostgreSQL.
  virtual bool damaged() const { return false; }
  // PostgreSQL: the code of the last statement that failed in the transaction begun last (Ok:
  // none), for the owner of a transaction others wrote in (the event history, the outbox: they
  // say their failures in words), to know whether to try again (Unavailable). SQLite: Failed.
  virtual Code last_failure() const { return Code::Failed; }
  // A transaction is open: on SQLite, on the connection (whoever began it); on PostgreSQL, begun
  // through this Database and not gone with a broken connection. A writer that finds one
  // writes in it rather than in one of its own (history::Store::on).
  virtual bool in_transaction() const = 0;
  // DDL written with SQLite's type names, in this dialect: for PostgreSQL, BLOB is bytea,
  // INTEGER bigint (SQLite's integers are 64-bit) and REAL double precision, as whole words
  // outside quotes, and a closing WITHOUT ROWID left out. SQLite's is the text unchanged.
  std::string ddl(std::string_view sql) const;
  // `INSERT INTO table AS t insert ON CONFLICT (key) DO UPDATE SET set`, `set` naming the row
  // stored as `t`. On PostgreSQL `table` is a view of the session's workspace over
  // iwd_<table>, keyed by (workspace, key) (pgstore/schema.h); PostgreSQL finds no key of the
  // view to match ON CONFLICT with, so the upsert writes iwd_<table> itself, its workspace and
  // epoch by their defaults (the session's), the workspace in the key.
  std::string upsert(std::string_view table, std::string_view insert, std::string_view key, std::string_view set) const;
};

// `?` and `?N` placeholders as PostgreSQL's `$n` (a bare `?` numbered after the highest so
// far, as SQLite does), outside '...' strings, "..." names and -- comments.
std::string rewrite_placeholders(std::string_view sql);

}  // namespace iwd::sqlstore
