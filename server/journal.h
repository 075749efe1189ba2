// The durable store of a service: DIR/journal.db (SQLite, WAL, synchronous=FULL), or a
// workspace's rows in PostgreSQL (`iwd serve --store postgresql://...`, docs/deployment.md),
// through one SQL layer (sqlstore/) and the same statements:
// - `journal`: every accepted change as one line of the replay script format (docs/replay.md)
//   with its absolute instant, plus `{"at": ..., "rules": KEY}` lines where a ruleset came into
//   force (the first line of every journal, and each hot reload); each line with a checksum;
// - `rulesets`: each ruleset that was ever in force, as a bundle (compiler/load/bundle.h), by key
//   (the fnv1a64 of its bytes, which is its checksum);
// - `snapshots` and `snapshot_parts`: the latest snapshot (server/state_image.h): the state at
//   an instant, under a ruleset, with the idempotency index, its texts in parts (of 16 MiB
//   stored at once, of 1 MiB when stored in steps while the service runs); recovery starts
//   from it, and the journal lines before it (and older snapshots) are deleted (at once, or
//   by prune() afterwards). The row holds how many parts each text has and a checksum of
//   its own fields; each part has a checksum of its bytes.
// Appends go in batches, one transaction each (group commit: server/group_commit.h); a batch
// is durable when append() returns true. Not thread-safe: one thread at a time (the group
// committer while the service runs; recovery before).
//
// Damage is found, never passed over: open() runs SQLite's PRAGMA quick_check (the b-trees:
// a truncated file, a damaged page), and reading checks every checksum and that the lines'
// seqs follow one another. Each refusal names the file, the table and the position. Rows
// written before the checksums existed (NULL) are read unchecked.
// Faults can be injected for tests (server/journal_fault.h).
// On PostgreSQL every row carries the workspace and the lease epoch it was written at, and the
// database refuses a write at a stale epoch (pgstore/schema.h): failure_code() is then Fenced;
// Unavailable when the database could not be reached (the outcome of a commit is then unknown:
// read last_seq() back). Damage is found by the checksums there too (there is no quick_check).
#pragma once

#include <cstdint>
#include <chrono>
#include <functional>
#include <mutex>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "server/journal_fault.h"
#include "sqlstore/column_arrays.h"
#include "sqlstore/database.h"

struct sqlite3;

namespace iwd::pgstore {
class Connection;
}

namespace iwd::server {

class Journal {
 public:
  // Opens or creates DIR/journal.db, after checking it (quick_check). Null and *error set on
  // failure or damage. The first form takes a fault from IWD_JOURNAL_FAULT when it is set
  // (and says so on stderr); the second is given one (tests).
  static std::unique_ptr<Journal> open(const std::string& dir, std::string* error);
  static std::unique_ptr<Journal> open(const std::string& dir, const JournalFault& fault, std::string* error);
  // A workspace's journal in PostgreSQL (`conninfo`: libpq's key=value or a postgresql:// URI),
  // written at `epoch`, the lease the caller holds (pgstore/lease.h); its tables are made if
  // missing. Null and *error when the database cannot be reached or refuses.
  static std::unique_ptr<Journal> open_postgresql(const std::string& conninfo, const std::string& workspace,
                                                  std::int64_t epoch, std::string* error);
  ~Journal();
  Journal(const Journal&) = delete;
  Journal& operator=(const Journal&) = delete;

  // One transaction: begin(), any number of add_*(), then commit() (or rollback() after a
  // failed add). Nothing is stored until commit() returns true.
  bool begin(std::string* error);
  bool add_ruleset(const std::string& key, const std::string& bundle, std::string* error);  // kept if stored
  bool add_line(const std::string& line, std::string* error);
  // A snapshot taken after every line added so far; the lines before it are deleted.
  bool add_snapshot(std::int64_t at, const std::string& rules_key, const std::string& image, const std::string& captured,
                    std::string* error);
  // The seq of the last line stored (or added in the open transaction); 0 for none.
  std::optional<std::int64_t> last_seq(std::string* error);
  // A snapshot stored in steps, each in a transaction of its own (server/snapshot_store.h):
  // begin_snapshot() gives the id it will have (and deletes parts an unfinished one left);
  // its parts, as bytes, which nothing reads until publish_snapshot() writes its row, covering
  // the lines up to `journal_seq`: it is then the latest. prune() deletes what the latest
  // snapshot replaced, at most `limit` journal lines and `parts` parts of older snapshots (by
  // default limit / 5000, at least one) a call: how many rows went (0: nothing is left).
  std::optional<std::int64_t> begin_snapshot(std::string* error);
  bool add_snapshot_part(std::int64_t snapshot, const char* field, std::int64_t part, std::string_view bytes,
                         std::string* error);
  bool publish_snapshot(std::int64_t snapshot, std::int64_t journal_seq, std::int64_t at, const std::string& rules_key,
                        std::int64_t image_parts, std::int64_t captured_parts, std::string* error);
  std::optional<std::int64_t> prune(std::int64_t limit, std::string* error, std::int64_t parts = 0);
  bool commit(std::string* error);
  void rollback();
  // The same as one transaction; false (and *error) when it could not: then none is stored.
  bool append(const std::vector<std::pair<std::string, std::string>>& rulesets, const std::vector<std::string>& lines,
              std::string* error);

  struct Snapshot {
    std::int64_t journal_seq = 0, at = 0;
    std::string rules_key, image, captured;
    std::int64_t id = 0;  // its row's seq (the event history marks it: history/store.h)
  };
  // The latest snapshot, if any (nullopt with *error empty: none; with *error set: damaged).
  std::optional<Snapshot> latest_snapshot(std::string* error);
  // Every stored line after `after_seq`, in order; false and *error (naming the seq) at the
  // first damaged or missing line, before it is handed over.
  bool read(std::int64_t after_seq, const std::function<void(const std::string&)>& line, std::string* error);
  // Where the line being read is, for messages about it: "DIR/journal.db, table journal, seq N".
  std::string position() const;
  const std::string& path() const { return path_; }
  // A stored ruleset's bundle, or nullopt (missing, or its bytes do not hash to its key).
  std::optional<std::string> ruleset(const std::string& key, std::string* error);
  std::int64_t size() const { return count_; }
  // Snapshots are stored in parts of at most this many bytes (tests make it small).
  void set_snapshot_part_bytes(std::size_t n) { snapshot_part_bytes_ = n; }
  // The connection, for the event history's tables in this file (history::Store::on): its
  // rows go in this journal's transactions, on the thread that runs them. Null on PostgreSQL.
  sqlite3* connection() const { return db_; }
  // The store itself (SQLite's file or PostgreSQL's workspace), for rows written in this
  // journal's transactions on the thread that runs them (the outbox's: notify/outbox.h).
  sqlstore::Database& store() { return *store_; }
  // Another connection to the same store, for readers on threads of their own (the sender's:
  // notify/sender.h): the file, or a session of the same workspace, which holds no epoch (its
  // writes are refused: a node writes through its journal's connection only).
  std::unique_ptr<sqlstore::Database> open_another(std::string* error) const;
  // PostgreSQL: a journal of the same workspace on a connection of its own, writing at this
  // one's epoch (the database fences its rows as this one's), for the writes that need not wait
  // for the committer's turn (a snapshot's parts, pruning: server/snapshot_store.h) on a thread
  // of their own. Its transactions are refused at begin() once this journal is fenced or past
  // its lease's deadline; this journal must outlive it. Null with *error empty on SQLite (one
  // writer: every write goes through the committer); null with *error when it cannot connect.
  std::unique_ptr<Journal> open_side(std::string* error) const;
  sqlstore::Dialect dialect() const { return store_->dialect(); }
  // What the last failure was, for the caller to act on: Unavailable (retry after reading
  // back), Fenced (stop: another node holds the workspace), Failed (anything else).
  sqlstore::Code failure_code() const { return failure_code_; }
  // Another writer's statement in this journal's transaction failed (the event history's, the
  // outbox's): failure_code() becomes the store's code for it (Failed when it has none).
  void failed_in_transaction();
  // The store's lease is lost (another thread may say so): every transaction from now on is
  // refused (Fenced, with `why`), whatever the database would answer.
  void fence(const std::string& why);
  // Until when a batch whose store was Unavailable is tried again (server/group_commit.h):
  // the lease's own deadline. Unset (SQLite): never.
  using Deadline = std::function<std::chrono::steady_clock::time_point()>;
  void set_retry_until(Deadline until) { retry_until_ = std::move(until); }
  const Deadline& retry_until() const { return retry_until_; }
  // The seq of the last line committed, read once from the store and then counted (so that a
  // caller may ask before every transaction); nullopt when the store cannot say. With `mine`:
  // whether that line is this journal's own, written at its epoch (PostgreSQL: a node that took
  // the workspace over may have written lines since; SQLite: always), so that a commit whose
  // answer never came is not taken for landed on another writer's lines.
  std::optional<std::int64_t> committed_seq(std::string* error, bool* mine = nullptr);
  // Copies the write-ahead log into the database (a passive checkpoint) through a connection
  // of its own, so it may run on another thread while append() commits: commits never wait
  // for a checkpoint (automatic checkpoints are off).
  bool checkpoint(std::string* error);

 private:
  Journal() = default;
  bool exec(const std::string& sql, std::string* error);
  bool failed(const sqlstore::Status& s, std::string* error);  // *error and failure_code_ from s
  bool prepare_statements(std::string* error);  // those of every transaction, at open
  sqlstore::Statement* statement(std::string_view sql, std::string* error);  // prepared once, kept
  bool check(std::string* error);    // quick_check, at open
  bool migrate(std::string* error);  // the checksum columns, on a journal older than them
  bool injected(JournalFault::Kind kind, std::string* error);  // an injected write fault fires now
  bool refused(std::string* error);  // fenced, or past the lease's deadline: nothing may be written
  void discard_failed_frames(std::string* error);              // after a failed commit
  std::string path_;
  JournalFault fault_;
  std::unique_ptr<FaultVfs> fault_vfs_;  // outlives the connections (closed in ~Journal)
  std::int64_t committed_ = 0;           // transactions committed since open
  std::int64_t reading_seq_ = 0;
  sqlite3* db_ = nullptr;  // SQLite only
  sqlite3* checkpoint_db_ = nullptr;
  std::unique_ptr<pgstore::Connection> pg_;  // PostgreSQL only
  std::string conninfo_, workspace_;         // PostgreSQL only
  std::unique_ptr<sqlstore::Database> store_;
  std::map<std::string_view, std::unique_ptr<sqlstore::Statement>> statements_;  // by their SQL, a literal
  sqlstore::Code failure_code_ = sqlstore::Code::Ok;
  std::mutex fence_mu_;
  std::string fenced_;  // why, once fence() was called
  Deadline retry_until_;
  std::optional<std::int64_t> committed_seq_;
  bool committed_mine_ = true;  // the line at committed_seq_ is this journal's own
  std::int64_t epoch_ = 0;      // PostgreSQL: the epoch its rows are written at
  Journal* parent_ = nullptr;   // open_side()'s: the journal whose fence and deadline it keeps
  std::int64_t changes_ = 0;  // rows the last run() changed
  using Bind = std::function<void(sqlstore::Statement&)>;
  bool run(const char* sql, const Bind& bind, std::string* error, const Bind& row = {});
  std::int64_t pending_ = 0;  // lines added in the open transaction
  // PostgreSQL: the lines added and not written yet (line, checksum), written by one statement
  // before the transaction's next statement or its commit (a round trip per line cost more
  // than the rest of a create); SQLite writes each at once.
  std::optional<sqlstore::ColumnArrays> unwritten_;
  bool write_lines(std::string* error);
  std::size_t snapshot_part_bytes_ = 16 << 20;
  std::int64_t count_ = 0;
};

}  // namespace iwd::server
