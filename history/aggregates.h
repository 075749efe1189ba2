// The item-flow aggregates of the event history (docs/reporting.md, "Aggregates"): what the
// intraday-process, segment-service-level and outcome reports count, kept per 15-minute UTC
// bucket and group (per process, department and `report by` value) by the writer, in the
// transaction of the records they come from, so that a day's report reads a few thousand
// rows instead of its records. The counting mirrors reports/flow.cpp record for record: the
// reports' property test (tests/unit/reports/aggregates_test.cpp) holds them byte-identical.
//
// The backlog and the overdue count at an interval's end are kept as changes: +1 in the bucket
// of the instant an item opens (or becomes overdue: the later of its due and the instant its
// due or group was set), -1 in the bucket of the instant it ends, moves or loses its due; the
// count at a boundary E is the sum of the changes of the buckets before E. A change may fall in
// a bucket to come (a due not reached yet) and be cancelled by the item's end before it.
//
// The state of each open item (its groups, capture, first queueing, time assigned, due,
// outcome) is held in memory by the writer. A restart goes on from a checkpoint: the rows of
// history_agg_items are the state after the record history_meta's 'agg_items_seq' names, and
// the writer, when it starts, reads them and counts the records after it again (their cells
// committed with them: only the items' state is rebuilt). Writing every changed item in every
// commit cost more than the rest of the history together (a row per create in a b-tree keyed by
// item: a page written per create), so a checkpoint writes the items changed since the last
// one every kCheckpointRecords item records, in the transaction of the batch that reaches it,
// before a purge (the records after a checkpoint must stay to rebuild the state), and at a
// clean close (Store's destructor: the next start then reads no record). The rows are numbered
// in the items' creation order (history/open_items.h): a checkpoint appends the new ones.
//
// A record after the checkpoint that cannot be read (a damaged page, found after a kill) does
// not stop the writer: the state is rebuilt from the records that can be, the unreadable run
// named in a warning (the items whose records were in it count as seen first at their next
// record), and a checkpoint is written at once (Store, at the writer's start) so that no later
// start meets it.
#pragma once

#include <cstdint>
#include <functional>
#include <limits>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "history/agg_checkpoint.h"
#include "history/dimension_sets.h"
#include "history/multi_insert.h"
#include "history/open_items.h"
#include "history/record.h"
#include "sqlstore/database.h"

namespace iwd::history {

inline constexpr std::int64_t kBucketMs = 15 * 60 * 1000;
// The bucket that holds the backlog and overdue changes of the buckets purged (retention).
inline constexpr std::int64_t kCarryBucket = INT64_MIN;
std::int64_t bucket_of(std::int64_t at);  // the bucket's start: `at` rounded down to 15 minutes UTC

// One bucket of one group: the counts of reports/flow.cpp's cell, with the backlog and the
// overdue count as changes.
struct AggregateCell {
  std::int64_t records = 0;  // item records of the group in the bucket
  std::int64_t entered = 0, completed = 0, canceled = 0, expired = 0, rejected = 0, completed_overdue = 0;
  std::int64_t handle_ms = 0, handled = 0, first_offer_ms = 0, first_offers = 0;
  std::int64_t backlog_change = 0, overdue_change = 0;
  std::vector<std::int64_t> complete_ms;  // capture to completion, each completed item's (exact p90)
  std::map<std::string, std::int64_t> outcomes;

  void add(const AggregateCell& c);
  bool zero() const;
};

// The groupings kept: "process", "department" and each `report by` name, with the first item
// record they saw (a name that appears later lacks the records before it: reports on it scan).
struct Grouping {
  std::int64_t since_seq = 0, since_at = 0;
};

class Aggregates {
 public:
  static const char* const kSchema[3];  // the tables (created with the history's)

  // Item records between two checkpoints: a restart counts at most this many records again,
  // and a batch that reaches it writes the items changed since the last one. Tests set fewer.
  static constexpr std::int64_t kCheckpointRecords = 16384;
  void set_checkpoint_records(std::int64_t n) { checkpoint_records_ = n; }

  // Calls `f` with each record with after < seq < before, in seq order, until it returns false.
  using Tail = std::function<bool(std::int64_t after, std::int64_t before,
                                  const std::function<bool(const Record&)>& f, std::string* error)>;
  // What the writer has to say that is no error (the damage it went around), one sentence.
  using Warn = std::function<void(const std::string&)>;
  void attach(sqlstore::Database* db, const std::string& where, DimensionSets* sets, Tail tail, Warn warn) {
    db_ = db;
    where_ = where;
    sets_ = sets;
    tail_ = std::move(tail);
    warn_ = std::move(warn);
  }
  void detach();

  // Counts one record (in seq order, after every record counted before) in memory, then
  // flush() writes what the records changed, in the transaction the connection has open (the
  // cells, and the items at a checkpoint).
  bool add(const Record& r, std::int64_t dimension_set, std::string* error);
  // The open item `r` is about made ready to be looked up (OpenItems::prefetch): called for
  // each record of a batch before add() is called for the first.
  void prefetch(const Record& r) const {
    if (r.kind == RecordKind::Item) open_.prefetch(r.item);
  }
  bool flush(std::string* error);
  // Writes the items changed since the last checkpoint now (before a purge), in the
  // transaction open, the records stored up to now all counted (after the image being
  // written elsewhere, and the one taken and not handed over yet, in this transaction).
  bool checkpoint(std::string* error);
  // Checkpoints deferred (history/agg_checkpoint.h): a flush that reaches one takes an image
  // instead of writing it, unless `defer` is still writing the last (the checkpoint then waits
  // for a later flush); the owner hands it to `defer` once the transaction committed
  // (take_image()). Null: written by the flush that reaches them.
  void defer_checkpoints(CheckpointDefer* defer) { defer_ = defer; }
  std::optional<CheckpointImage> take_image() {
    std::optional<CheckpointImage> out;
    out.swap(image_);
    return out;
  }
  // A writer's start, outside any transaction: the state read now (the records after the
  // checkpoint too, in read transactions of their own: once SQLite has met a damaged page in a
  // write transaction, every later write to that table in it fails as malformed). True when a
  // checkpoint is due at once (damage was gone around, or the file had none).
  bool load_at_start(std::string* error) { return loaded_ || load(std::numeric_limits<std::int64_t>::max(), error); }
  bool checkpoint_due() const { return loaded_ && checkpoint_due_; }
  // Items counted since the last checkpoint (a writer's; a reader's never are).
  bool dirty() const { return loaded_ && (since_checkpoint_ > 0 || checkpoint_due_); }
  // The state is in memory (forget() and a reader's start leave it to be read again).
  bool loaded() const { return loaded_; }
  // The transaction that flushed was rolled back: read the state again from the tables.
  void forget();

  // Retention: the buckets that end at or before `cutoff` (the first instant still held) go,
  // their backlog and overdue changes kept in the carry bucket, so that later counts stay right.
  bool purge_before(std::int64_t cutoff, std::string* error);

  // Readers.
  std::optional<std::map<std::string, Grouping>> groupings(std::string* error);
  // Per value of grouping `by`: the sums of the backlog and overdue changes before `before`.
  bool changes_before(const std::string& by, std::int64_t before,
                      const std::function<void(const std::string&, std::int64_t, std::int64_t)>& f, std::string* error);
  // Per value of grouping `by`: the items open after the last record whose due is before `at`
  // (a report's current interval, which the buckets cannot cut at `at`). Reads the items' state
  // as a writer's start does, the checkpoint's and the records' after it, once.
  bool overdue_at(const std::string& by, std::int64_t at,
                  const std::function<void(const std::string&, std::int64_t)>& f, std::string* error);
  // The cells of `by` with from <= bucket < to, in bucket order.
  bool read(const std::string& by, std::int64_t from, std::int64_t to,
            const std::function<void(std::int64_t, const std::string&, AggregateCell&)>& f, std::string* error);

 private:
  using ItemState = OpenItems::State;
  struct Key {
    std::int64_t bucket;
    std::string by, value;
    bool operator<(const Key& o) const {
      return bucket != o.bucket ? bucket < o.bucket : by != o.by ? by < o.by : value < o.value;
    }
  };

  // The state at the checkpoint, then the records after it up to `before` (not counted yet).
  bool load(std::int64_t before, std::string* error);
  // The records after `after` up to `before` counted again, those that cannot be read skipped.
  bool count_tail(std::int64_t after, std::int64_t before, std::string* error);
  // The first seq after `seen` (and before `before`) from which the records can be read again.
  std::optional<std::int64_t> readable_after(std::int64_t seen, std::int64_t before, std::string* error);
  const DimensionSets::Set* set_of(std::int64_t id, const DimensionSets::Set& values);
  bool write_items(std::string* error);
  bool grouping_seen(const std::string& by, const Record& r, std::string* error);
  static std::string value_of(const std::string& by, const std::string& process, const std::string& department,
                              const DimensionSets::Set& dimensions);
  AggregateCell& cell(std::int64_t at, const std::string& by, const std::string& value);
  void open_changes(const ItemState& s, std::int64_t t, int sign, AggregateCell* const* at_t);  // backlog and overdue
  bool write_cell(const Key& k, const AggregateCell& c, std::string* error);
  bool write_counts(std::string* error);  // PostgreSQL's cells of counts only, in two statements
  bool write_item(const ItemState& s, std::string* error);
  CheckpointImage image();  // the changes write_items() would write, marked written
  bool run(const char* sql, const std::function<void(sqlstore::Statement&)>& bind, std::string* error,
           const std::function<bool(sqlstore::Statement&)>& row = {});
  // sqlstore::Database::upsert's statement, prepared once (by the address of `set`).
  bool upsert(const char* table, const char* insert, const char* key, const char* set,
              const std::function<void(sqlstore::Statement&)>& bind, std::string* error);

  sqlstore::Database* db_ = nullptr;
  std::string where_;
  DimensionSets* sets_ = nullptr;
  bool loaded_ = false;
  std::vector<std::string> bys_;  // the groupings, "process" and "department" first
  OpenItems open_;
  std::int64_t next_row_ = 1;              // of history_agg_items, for the next item opened
  std::int64_t new_rows_ = 1;              // rows from this one on are not in the table (written after)
  MultiInsert insert_items_{kInsertItemRows, kItemRowColumns};
  std::unordered_map<std::int64_t, DimensionSets::Set> sets_seen_;  // by id: the states point to them
  std::map<Key, AggregateCell> pending_;  // the changes of the records added since the last flush
  std::vector<std::string> values_;        // add()'s record: its value per grouping (by bys_)
  std::vector<AggregateCell*> cells_;      // and its cells in pending_, in the record's bucket
  std::int64_t last_seq_ = 0;              // of the last record counted
  std::int64_t since_checkpoint_ = 0;      // item records counted since the last checkpoint
  std::int64_t checkpoint_records_ = kCheckpointRecords;
  bool checkpoint_due_ = false;            // the next flush writes one (none was found at load)
  bool replaying_ = false;                 // load() counts the records after the checkpoint again
  CheckpointDefer* defer_ = nullptr;
  std::optional<CheckpointImage> image_;   // taken in the open transaction, not handed over yet
  Tail tail_;
  Warn warn_;
  std::map<const char*, std::unique_ptr<sqlstore::Statement>> statements_;  // prepared once, by their text's address
};

}  // namespace iwd::history
