#include "history/aggregates.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstring>
#include <limits>

#include "sqlstore/column_arrays.h"
#include "sqlstore/database.h"

namespace iwd::history {

// docs/reporting.md, "Aggregates", documents each column.
// WITHOUT ROWID: one b-tree each, keyed as they are read and written (a rowid table with a
// primary key of text is two, and a commit writes the pages of both).
const char* const Aggregates::kSchema[3] = {
    "CREATE TABLE IF NOT EXISTS history_agg (by_name TEXT NOT NULL, bucket INTEGER NOT NULL, value TEXT NOT NULL, "
    "records INTEGER NOT NULL, entered INTEGER NOT NULL, completed INTEGER NOT NULL, canceled INTEGER NOT NULL, "
    "expired INTEGER NOT NULL, rejected INTEGER NOT NULL, completed_overdue INTEGER NOT NULL, handle_ms INTEGER NOT NULL, "
    "handled INTEGER NOT NULL, first_offer_ms INTEGER NOT NULL, first_offers INTEGER NOT NULL, "
    "backlog_change INTEGER NOT NULL, overdue_change INTEGER NOT NULL, complete_ms BLOB NOT NULL, outcomes TEXT NOT NULL, "
    "PRIMARY KEY (by_name, bucket, value)) WITHOUT ROWID",
    "CREATE TABLE IF NOT EXISTS history_agg_groupings (by_name TEXT PRIMARY KEY, since_seq INTEGER NOT NULL, "
    "since_at INTEGER NOT NULL)",
    // Keyed by a number given in the items' creation order (schema version 4; by the item's id
    // before): new items' rows go at the b-tree's end. Read whole at a start, never by item.
    "CREATE TABLE IF NOT EXISTS history_agg_items (row INTEGER PRIMARY KEY, item TEXT NOT NULL, process TEXT NOT NULL, "
    "department TEXT NOT NULL, dimension_set INTEGER NOT NULL, captured_at INTEGER, queued_at INTEGER, "
    "offered INTEGER NOT NULL, assigned_since INTEGER, handle_ms INTEGER NOT NULL, due INTEGER, outcome TEXT NOT NULL)",
};

// The counts in the table's column order (records .. overdue_change).
constexpr std::int64_t AggregateCell::*kCounts[] = {
    &AggregateCell::records,        &AggregateCell::entered,        &AggregateCell::completed,
    &AggregateCell::canceled,       &AggregateCell::expired,        &AggregateCell::rejected,
    &AggregateCell::completed_overdue, &AggregateCell::handle_ms,   &AggregateCell::handled,
    &AggregateCell::first_offer_ms, &AggregateCell::first_offers,   &AggregateCell::backlog_change,
    &AggregateCell::overdue_change};

namespace {

// A cell's counts added to the row stored as `t` (an upsert's SET clause).
constexpr const char* kAddCounts =
    "records = t.records + excluded.records, entered = t.entered + excluded.entered, "
    "completed = t.completed + excluded.completed, canceled = t.canceled + excluded.canceled, "
    "expired = t.expired + excluded.expired, rejected = t.rejected + excluded.rejected, "
    "completed_overdue = t.completed_overdue + excluded.completed_overdue, "
    "handle_ms = t.handle_ms + excluded.handle_ms, handled = t.handled + excluded.handled, "
    "first_offer_ms = t.first_offer_ms + excluded.first_offer_ms, "
    "first_offers = t.first_offers + excluded.first_offers, "
    "backlog_change = t.backlog_change + excluded.backlog_change, "
    "overdue_change = t.overdue_change + excluded.overdue_change";
// A row whose counts are all 0 (it is kept only while one is not).
#define IWD_ZERO_CELL                                                                                           \
  "records = 0 AND entered = 0 AND completed = 0 AND canceled = 0 AND expired = 0 AND rejected = 0 "            \
  "AND completed_overdue = 0 AND handle_ms = 0 AND handled = 0 AND first_offer_ms = 0 AND first_offers = 0 "    \
  "AND backlog_change = 0 AND overdue_change = 0 AND length(complete_ms) = 0 AND length(outcomes) = 0"

constexpr const char* kNone = "(none)";  // reports/builders.h's kNone: a group without a value

bool is_end_state(const std::string& s) { return s == "completed" || s == "canceled" || s == "expired"; }

std::optional<std::int64_t> column_optional(const sqlstore::Statement& st, int column) {
  if (st.is_null(column)) return std::nullopt;
  return st.column_int64(column);
}

// The cell's columns from `first` on, in the table's order (records .. outcomes).
void read_cell(const sqlstore::Statement& st, int first, AggregateCell* c) {
  int column = first;
  for (auto count : kCounts) c->*count = st.column_int64(column++);
  // The durations in host byte order (little-endian wherever iwd builds).
  const std::string bytes = st.column_text(column);
  c->complete_ms.resize(bytes.size() / sizeof(std::int64_t));
  if (!bytes.empty()) std::memcpy(c->complete_ms.data(), bytes.data(), c->complete_ms.size() * sizeof(std::int64_t));
  ++column;
  c->outcomes.clear();
  const std::string outcomes = st.column_text(column);
  if (outcomes.empty()) return;
  const nlohmann::json codes = nlohmann::json::parse(outcomes, nullptr, false);
  if (!codes.is_object()) return;
  for (auto it = codes.begin(); it != codes.end(); ++it) c->outcomes[it.key()] = it.value().get<std::int64_t>();
}

}  // namespace

std::int64_t bucket_of(std::int64_t at) {
  const std::int64_t r = at % kBucketMs;
  return at - (r < 0 ? r + kBucketMs : r);
}

void AggregateCell::add(const AggregateCell& c) {
  for (auto count : kCounts) this->*count += c.*count;
  complete_ms.insert(complete_ms.end(), c.complete_ms.begin(), c.complete_ms.end());
  for (const auto& [code, n] : c.outcomes) outcomes[code] += n;
}

bool AggregateCell::zero() const {
  for (auto count : kCounts)
    if (this->*count != 0) return false;
  return complete_ms.empty() && outcomes.empty();
}

void Aggregates::detach() {
  statements_.clear();
  insert_items_.clear();
}

bool Aggregates::run(const char* sql, const std::function<void(sqlstore::Statement&)>& bind, std::string* error,
                     const std::function<bool(sqlstore::Statement&)>& row) {
  std::unique_ptr<sqlstore::Statement>& st = statements_[sql];  // prepared once: the writer runs these per batch
  sqlstore::Status status;
  if (!st && !(st = db_->prepare(sql, &status))) {
    *error = fmt::format("{}, history aggregates: {}", where_, status.message);
    return false;
  }
  bind(*st);
  sqlstore::Step step;
  while ((step = st->step(&status)) == sqlstore::Step::Row)
    if (row && !row(*st)) {
      step = sqlstore::Step::Done;
      break;
    }
  if (step == sqlstore::Step::Failure) *error = fmt::format("{}, history aggregates: {}", where_, status.message);
  st->reset();
  return step == sqlstore::Step::Done;
}

bool Aggregates::upsert(const char* table, const char* insert, const char* key, const char* set,
                        const std::function<void(sqlstore::Statement&)>& bind, std::string* error) {
  // By the address of `set`: the upserts of one table may have one insert (a literal the
  // compiler keeps once), never one SET clause. run() finds it by the same address.
  std::unique_ptr<sqlstore::Statement>& st = statements_[set];
  sqlstore::Status status;
  if (!st && !(st = db_->prepare(db_->upsert(table, insert, key, set), &status))) {
    *error = fmt::format("{}, history aggregates: {}", where_, status.message);
    return false;
  }
  return run(set, bind, error);
}

void Aggregates::forget() {
  loaded_ = false;
  bys_.clear();
  open_.clear();
  next_row_ = new_rows_ = 1;
  sets_seen_.clear();
  pending_.clear();
  last_seq_ = since_checkpoint_ = 0;
  checkpoint_due_ = false;
  image_.reset();
}

bool Aggregates::load(std::int64_t before, std::string* error) {
  forget();
  if (defer_) defer_->wait();  // the rows as the last image left them (history/agg_checkpoint.h)
  auto groupings = this->groupings(error);
  if (!groupings) return false;
  for (const char* by : {"process", "department"})
    if (groupings->count(by)) bys_.push_back(by);
  for (const auto& [by, g] : *groupings)
    if (by != "process" && by != "department") bys_.push_back(by);
  bool ok = true;
  if (!run("SELECT row, item, process, department, dimension_set, captured_at, queued_at, offered, assigned_since, "
           "handle_ms, due, outcome FROM history_agg_items",
           [](sqlstore::Statement&) {}, error, [&](sqlstore::Statement& st) {
             const std::int64_t row = st.column_int64(0);
             next_row_ = std::max(next_row_, row + 1);
             ItemState& s = open_.insert(st.column_text(1), row);
             s.written = true;
             s.process = st.column_text(2);
             s.department = st.column_text(3);
             s.dimension_set = st.column_int64(4);
             const DimensionSets::Set* set = sets_->set_of(s.dimension_set, error);
             if (!set) return ok = false;
             s.dimensions = set_of(s.dimension_set, *set);
             s.captured_at = column_optional(st, 5);
             s.queued_at = column_optional(st, 6);
             s.offered = st.column_int64(7) != 0;
             s.assigned_since = column_optional(st, 8);
             s.handle_ms = st.column_int64(9);
             s.due = column_optional(st, 10);
             s.outcome = st.column_text(11);
             return true;
           }) ||
      !ok) {
    forget();
    return false;
  }
  std::optional<std::int64_t> checkpoint;
  if (!run("SELECT value FROM history_meta WHERE name = 'agg_items_seq'", [](sqlstore::Statement&) {}, error,
           [&](sqlstore::Statement& st) {
             checkpoint = st.column_int64(0);
             return false;
           })) {
    forget();
    return false;
  }
  loaded_ = true;
  new_rows_ = next_row_;
  // Without a checkpoint the rows are those of a writer that wrote them in every commit (or
  // there are none yet): the state after every record stored; the next flush writes one.
  checkpoint_due_ = !checkpoint;
  if (!checkpoint) return true;
  // The records after the checkpoint change the items' state again; their cells are stored.
  replaying_ = true;
  ok = count_tail(*checkpoint, before, error);
  replaying_ = false;
  pending_.clear();
  if (!ok) forget();
  return ok;
}

bool Aggregates::count_tail(std::int64_t after, std::int64_t before, std::string* error) {
  for (;;) {
    std::int64_t seen = after;  // the last record read
    bool added = true;
    const bool ok = tail_(after, before, [&](const Record& r) {
      seen = r.seq;
      const std::optional<std::int64_t> set = sets_->id_of(r.dimensions, error);
      return added = set && add(r, *set, error);
    }, error);
    if (ok || !added) return ok && added;
    // Only damage is gone around (SQLite says the file is malformed); any other failure (I/O,
    // memory, a lock) stays one: the same start may succeed later.
    if (!db_->damaged()) return false;
    const std::string damage = *error;
    const std::optional<std::int64_t> next = readable_after(seen, before, error);
    if (!next) return false;
    warn_(fmt::format("{}, table history: the records after seq {} cannot be read ({}); the aggregates' items are "
                      "rebuilt without seq {} to {}: items whose records were there count as seen first at their next "
                      "record",
                      where_, seen, damage, seen + 1, *next - 1));
    error->clear();
    checkpoint_due_ = true;  // a checkpoint past the damage, at once (Store::recover_aggregates)
    if (*next >= before) return true;
    after = *next - 1;
  }
}

// Reading from a seq that lies in a damaged page fails; from a later page it does not. Steps
// doubling from `seen` find a readable start (before - 1 the last tried), then a bisection the
// first one: the seq of the first record read from there (`before` when none can be).
std::optional<std::int64_t> Aggregates::readable_after(std::int64_t seen, std::int64_t before, std::string* error) {
  std::int64_t first = before;
  const auto readable = [&](std::int64_t from) {
    first = before;
    std::string ignored;
    return tail_(from - 1, before, [&](const Record& r) {
      first = r.seq;
      return false;
    }, &ignored);
  };
  std::int64_t bad = seen;
  std::optional<std::int64_t> good;
  for (std::int64_t step = 1;; step *= 2) {
    const std::int64_t from = std::min(seen + step, before - 1);
    if (from <= bad) break;
    if (readable(from)) {
      good = from;
      break;
    }
    bad = from;
  }
  if (!good) return before;
  while (*good - bad > 1) {
    const std::int64_t mid = bad + (*good - bad) / 2;
    if (readable(mid)) good = mid;
    else bad = mid;
  }
  if (!readable(*good)) {  // it was a moment ago: not damage that stays put
    *error = fmt::format("{}, table history: the records after seq {} cannot be read", where_, seen);
    return std::nullopt;
  }
  return first;
}

const DimensionSets::Set* Aggregates::set_of(std::int64_t id, const DimensionSets::Set& values) {
  auto found = sets_seen_.find(id);
  if (found == sets_seen_.end()) found = sets_seen_.emplace(id, values).first;
  return &found->second;
}

std::optional<std::map<std::string, Grouping>> Aggregates::groupings(std::string* error) {
  std::map<std::string, Grouping> out;
  if (!run("SELECT by_name, since_seq, since_at FROM history_agg_groupings", [](sqlstore::Statement&) {}, error,
           [&](sqlstore::Statement& st) {
             out[st.column_text(0)] = {st.column_int64(1), st.column_int64(2)};
             return true;
           }))
    return std::nullopt;
  return out;
}

bool Aggregates::grouping_seen(const std::string& by, const Record& r, std::string* error) {
  if (std::find(bys_.begin(), bys_.end(), by) != bys_.end()) return true;
  bys_.push_back(by);
  return run("INSERT INTO history_agg_groupings (by_name, since_seq, since_at) VALUES (?1, ?2, ?3)",
             [&](sqlstore::Statement& st) {
               st.bind_text(1, by);
               st.bind_int64(2, r.seq);
               st.bind_int64(3, r.at);
             },
             error);
}

// reports::detail::group_value: the process, the department or the first value of the name.
std::string Aggregates::value_of(const std::string& by, const std::string& process, const std::string& department,
                                 const DimensionSets::Set& dimensions) {
  const std::string* v = nullptr;
  if (by == "process") v = &process;
  else if (by == "department") v = &department;
  else
    for (const auto& [name, value] : dimensions)
      if (name == by) {
        v = &value;
        break;
      }
  return v == nullptr || v->empty() ? std::string(kNone) : *v;
}

AggregateCell& Aggregates::cell(std::int64_t at, const std::string& by, const std::string& value) {
  return pending_[Key{bucket_of(at), by, value}];
}

// The item counts in the backlog of its groups from `t` on, and in their overdue count from
// the later of `t` and its due (sign +1); or no longer (sign -1). `at_t`: the cells of the
// item's groups in t's bucket when the caller has them (the record's, for an item in the
// record's groups), so that they are not looked up again.
void Aggregates::open_changes(const ItemState& s, std::int64_t t, int sign, AggregateCell* const* at_t) {
  for (std::size_t k = 0; k < bys_.size(); ++k) {
    const std::string& by = bys_[k];
    const std::string* v = at_t ? &values_[k] : nullptr;
    std::string own;
    if (!v) v = &(own = value_of(by, s.process, s.department, *s.dimensions));
    (at_t ? *at_t[k] : cell(t, by, *v)).backlog_change += sign;
    if (s.due) cell(std::max(t, *s.due), by, *v).overdue_change += sign;
  }
}

// reports/flow.cpp's FlowBuilder::add, with changes in buckets for its counts at interval ends.
bool Aggregates::add(const Record& r, std::int64_t dimension_set, std::string* error) {
  if (!loaded_ && !load(r.seq, error)) return false;
  last_seq_ = r.seq;
  if (r.kind != RecordKind::Item) return true;
  ++since_checkpoint_;
  static const std::string kFirstGroupings[] = {"process", "department"};  // (no string made per record)
  for (const std::string& by : kFirstGroupings)
    if (!grouping_seen(by, r, error)) return false;
  for (const auto& [name, value] : r.dimensions)
    if (!grouping_seen(name, r, error)) return false;
  // The record's group values and their cells in its bucket, looked up once per record (a
  // capture counts in them three times: records, entered, backlog). Pointers into pending_
  // stay valid: a std::map moves no node as it grows.
  values_.resize(bys_.size());
  cells_.resize(bys_.size());
  for (std::size_t k = 0; k < bys_.size(); ++k) {
    values_[k] = value_of(bys_[k], r.process, r.department, r.dimensions);
    cells_[k] = &cell(r.at, bys_[k], values_[k]);
  }
  auto each = [&](auto&& f) {
    for (AggregateCell* c : cells_) f(*c);
  };
  each([](AggregateCell& c) { c.records++; });
  if (r.to == "rejected") {
    each([](AggregateCell& c) { c.rejected++; });
    return true;
  }
  ItemState* s = open_.find(r.item);
  const bool moved = s && (s->process != r.process || s->department != r.department ||
                           s->dimension_set != dimension_set || s->due != r.due);
  const bool fresh = r.from == "none" || s == nullptr;
  if (fresh || moved) {
    // A capture (or a reload, or an item seen first after its capture) opens the item afresh;
    // a change of group or due moves its counts.
    if (s) open_changes(*s, r.at, -1, nullptr);  // (its groups may not be the record's)
    if (fresh && s) open_.erase(*s);  // opened again: a state of its own, a row of its own
    if (fresh) s = &open_.insert(r.item, next_row_++);
    s->process = r.process;
    s->department = r.department;
    s->dimension_set = dimension_set;
    s->dimensions = set_of(dimension_set, r.dimensions);
    s->due = r.due;
    open_changes(*s, r.at, +1, cells_.data());  // in the record's groups now
    if (r.from == "none" && r.reason != "reload") {
      s->captured_at = r.at;
      each([](AggregateCell& c) { c.entered++; });
    }
  }
  open_.touch(*s);
  if (!r.outcome.empty()) s->outcome = r.outcome;
  if (r.from == r.to) return true;
  if (r.to == "queued" && !s->queued_at) s->queued_at = r.at;
  if (r.to == "offered" && !s->offered) {
    s->offered = true;
    if (s->queued_at)
      each([&](AggregateCell& c) {
        c.first_offer_ms += r.at - *s->queued_at;
        c.first_offers++;
      });
  }
  if (r.from == "assigned" && s->assigned_since) s->handle_ms += r.at - *s->assigned_since;
  s->assigned_since.reset();
  if (r.to == "assigned") s->assigned_since = r.at;
  if (!is_end_state(r.to)) return true;
  each([&](AggregateCell& c) {
    if (r.to == "canceled") c.canceled++;
    if (r.to == "expired") c.expired++;
    if (r.to != "completed") return;
    c.completed++;
    if (r.overdue) c.completed_overdue++;
    if (s->captured_at) c.complete_ms.push_back(r.at - *s->captured_at);
    c.handle_ms += s->handle_ms;
    c.handled++;
    c.outcomes[s->outcome.empty() ? std::string(kNone) : s->outcome]++;
  });
  open_changes(*s, r.at, -1, cells_.data());  // (a move of groups was counted above: the record's)
  open_.erase(*s);
  return true;
}

bool Aggregates::write_cell(const Key& k, const AggregateCell& change, std::string* error) {
  AggregateCell c;
  // The texts bound without a copy: they outlive each run (whose reset() unbinds them).
  const auto bind_key = [&](sqlstore::Statement& st) {
    st.bind_text_static(1, k.by);
    st.bind_int64(2, k.bucket);
    st.bind_text_static(3, k.value);
  };
  const auto bind_counts = [&](sqlstore::Statement& st, const AggregateCell& counts) {  // the next column's number
    bind_key(st);
    int column = 4;
    for (auto count : kCounts) st.bind_int64(column++, counts.*count);
    return column;
  };
  static constexpr const char* kDelete = "DELETE FROM history_agg WHERE by_name = ?1 AND bucket = ?2 AND value = ?3";
  if (change.complete_ms.empty() && change.outcomes.empty()) {
    // Counts only (a batch of creates): added to the row in one statement, no read first.
    // (The row stored named before its columns: PostgreSQL finds `records` alone ambiguous.)
    // (Not RETURNING the sums to test them: SQLite gathers returned rows in a temporary
    // b-tree it opens per execution, which cost more than the read it saves.)
    if (!upsert("history_agg",
                "(by_name, bucket, value, records, entered, completed, canceled, expired, rejected, "
                "completed_overdue, handle_ms, handled, first_offer_ms, first_offers, backlog_change, overdue_change, "
                "complete_ms, outcomes) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, "
                "?18)",
                "by_name, bucket, value", kAddCounts,
             [&](sqlstore::Statement& st) {
               const int column = bind_counts(st, change);
               st.bind_blob(column, {});
               st.bind_text(column + 1, {});
             },
             error))
      return false;
    // A row is kept only while a count is not 0: with records added it is not; without, the
    // changes may have met their opposites (an item's +1 and -1), and the row goes if so.
    if (change.records > 0) return true;
    return run("DELETE FROM history_agg WHERE by_name = ?1 AND bucket = ?2 AND value = ?3 AND " IWD_ZERO_CELL, bind_key,
               error);
  }
  if (!run("SELECT records, entered, completed, canceled, expired, rejected, completed_overdue, handle_ms, handled, "
           "first_offer_ms, first_offers, backlog_change, overdue_change, complete_ms, outcomes FROM history_agg "
           "WHERE by_name = ?1 AND bucket = ?2 AND value = ?3",
           bind_key, error, [&](sqlstore::Statement& st) {
             read_cell(st, 0, &c);
             return false;
           }))
    return false;
  c.add(change);
  if (c.zero()) return run(kDelete, bind_key, error);
  const std::string outcomes = c.outcomes.empty() ? std::string() : nlohmann::json(c.outcomes).dump();
  // An upsert rather than SQLite's INSERT OR REPLACE: the same SQL on PostgreSQL.
  return upsert("history_agg",
                "(by_name, bucket, value, records, entered, completed, canceled, expired, rejected, completed_overdue, "
                "handle_ms, handled, first_offer_ms, first_offers, backlog_change, overdue_change, complete_ms, "
                "outcomes) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18)",
                "by_name, bucket, value",
                "records = excluded.records, entered = excluded.entered, completed = excluded.completed, "
                "canceled = excluded.canceled, expired = excluded.expired, rejected = excluded.rejected, "
                "completed_overdue = excluded.completed_overdue, handle_ms = excluded.handle_ms, "
                "handled = excluded.handled, first_offer_ms = excluded.first_offer_ms, "
                "first_offers = excluded.first_offers, backlog_change = excluded.backlog_change, "
                "overdue_change = excluded.overdue_change, complete_ms = excluded.complete_ms, "
                "outcomes = excluded.outcomes",
             [&](sqlstore::Statement& st) {
               int column = bind_counts(st, c);
               st.bind_blob(column++, std::string_view(reinterpret_cast<const char*>(c.complete_ms.data()),
                                                       c.complete_ms.size() * sizeof(std::int64_t)));
               st.bind_text_static(column, outcomes);
             },
             error);
}

bool Aggregates::write_item(const ItemState& s, std::string* error) {
  return upsert("history_agg_items",
                "(row, item, process, department, dimension_set, captured_at, queued_at, offered, assigned_since, "
                "handle_ms, due, outcome) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
                "row",
                "item = excluded.item, process = excluded.process, department = excluded.department, "
                "dimension_set = excluded.dimension_set, captured_at = excluded.captured_at, "
                "queued_at = excluded.queued_at, offered = excluded.offered, assigned_since = excluded.assigned_since, "
                "handle_ms = excluded.handle_ms, due = excluded.due, outcome = excluded.outcome",
             [&](sqlstore::Statement& st) { bind_item_row(st, s, 1); }, error);
}

// PostgreSQL: the cells of counts only (a batch of creates) added by one statement, and those
// of them that may be back to 0 deleted if so by one, rather than a round trip or two per cell
// (bench/RESULTS.md, "Durable creates on PostgreSQL"); they leave pending_. The cells of
// completions (their durations and outcomes merged with the row's) go through write_cell.
bool Aggregates::write_counts(std::string* error) {
  static const std::string add = db_->upsert(
      "history_agg",
      "(by_name, bucket, value, records, entered, completed, canceled, expired, rejected, completed_overdue, handle_ms, "
      "handled, first_offer_ms, first_offers, backlog_change, overdue_change, complete_ms, outcomes) "
      "SELECT *, ''::bytea, '' FROM unnest(?1::text[], ?2::bigint[], ?3::text[], ?4::bigint[], ?5::bigint[], "
      "?6::bigint[], ?7::bigint[], ?8::bigint[], ?9::bigint[], ?10::bigint[], ?11::bigint[], ?12::bigint[], "
      "?13::bigint[], ?14::bigint[], ?15::bigint[], ?16::bigint[])",
      "by_name, bucket, value", kAddCounts);
  static constexpr const char* kDeleteZero =
      "DELETE FROM history_agg WHERE (by_name, bucket, value) IN (SELECT * FROM unnest(?1::text[], ?2::bigint[], "
      "?3::text[])) AND " IWD_ZERO_CELL;
  sqlstore::ColumnArrays cells(3 + static_cast<int>(std::size(kCounts))), maybe_zero(3);
  for (auto it = pending_.begin(); it != pending_.end();) {
    const Key& k = it->first;
    const AggregateCell& c = it->second;
    if (c.zero() || !c.complete_ms.empty() || !c.outcomes.empty()) {
      ++it;
      continue;
    }
    cells.text(k.by).int64(k.bucket).text(k.value);
    for (auto count : kCounts) cells.int64(c.*count);
    if (c.records == 0) maybe_zero.text(k.by).int64(k.bucket).text(k.value);  // (with records it is not 0)
    it = pending_.erase(it);
  }
  return (cells.rows() == 0 || run(add.c_str(), [&](sqlstore::Statement& st) { cells.bind(st); }, error)) &&
         (maybe_zero.rows() == 0 || run(kDeleteZero, [&](sqlstore::Statement& st) { maybe_zero.bind(st); }, error));
}

bool Aggregates::flush(std::string* error) {
  bool ok = db_->dialect() != sqlstore::Dialect::PostgreSQL || write_counts(error);
  for (const auto& [key, change] : pending_)
    if (ok && !change.zero() && !(ok = write_cell(key, change, error))) break;
  pending_.clear();
  const bool due = checkpoint_due_ || since_checkpoint_ >= checkpoint_records_;
  if (ok && due && !defer_) ok = write_items(error);
  if (!ok) {
    forget();  // the transaction goes back: so does what was counted in it
    return false;
  }
  // Deferred: an image once the last one is written (the rows it leaves out must be there).
  // When it could not be, the state is read again from the rows at the next record (this
  // transaction's cells are written: its records are counted again as committed ones).
  if (!defer_ || image_ || defer_->writing()) return true;
  if (!defer_->wait()) forget();
  else if (due) image_ = image();
  return true;
}

bool Aggregates::checkpoint(std::string* error) {
  if (defer_ && !defer_->wait()) forget();
  bool ok = loaded_ || load(std::numeric_limits<std::int64_t>::max(), error);
  if (ok && image_) {  // taken in this transaction: written first, here
    ok = CheckpointWriter(*db_, where_).write(*image_, error);
    image_.reset();
  }
  ok = ok && write_items(error);
  if (!ok) forget();
  return ok;
}

// write_items()'s changes as a copy (the states go on changing), the state marked as written.
CheckpointImage Aggregates::image() {
  CheckpointImage out;
  out.gone = open_.gone();
  const std::vector<ItemState*> changed = open_.changed();
  out.items.reserve(changed.size());
  for (const ItemState* s : changed) {
    if (s->row < new_rows_) ++out.rewritten;  // (in row order: those with a row come first)
    out.items.push_back(*s);
    out.items.back().dimensions = nullptr;  // (the owner's: not the image's to read)
  }
  out.last_seq = last_seq_;
  new_rows_ = next_row_;
  open_.checkpointed();
  since_checkpoint_ = 0;
  checkpoint_due_ = false;
  return out;
}

// The rows of the items ended since the last checkpoint deleted, those of the items changed
// written (in row order: the new ones at the table's end, inserted several per statement:
// rows numbered from new_rows_ on are in no table), and the record the state is after.
bool Aggregates::write_items(std::string* error) {
  for (std::int64_t row : open_.gone())
    if (!run("DELETE FROM history_agg_items WHERE row = ?1", [&](sqlstore::Statement& st) { st.bind_int64(1, row); },
             error))
      return false;
  const std::vector<ItemState*> changed = open_.changed();
  const auto fresh = std::lower_bound(changed.begin(), changed.end(), new_rows_,
                                      [](const ItemState* s, std::int64_t row) { return s->row < row; });
  for (auto it = changed.begin(); it != fresh; ++it)
    if (!write_item(**it, error)) return false;
  sqlstore::Status status;
  const auto first = static_cast<std::size_t>(fresh - changed.begin());
  if (!insert_items_.run(*db_, changed.size() - first, [&](sqlstore::Statement& st, std::size_t k, int column) {
        bind_item_row(st, *changed[first + k], column);
      }, &status)) {
    *error = fmt::format("{}, history aggregates: {}", where_, status.message);
    return false;
  }
  new_rows_ = next_row_;
  if (!upsert("history_meta", "(name, value) VALUES ('agg_items_seq', ?1)", "name", "value = excluded.value",
              [&](sqlstore::Statement& st) { st.bind_int64(1, last_seq_); }, error))
    return false;
  open_.checkpointed();
  since_checkpoint_ = 0;
  checkpoint_due_ = false;
  return true;
}

bool Aggregates::purge_before(std::int64_t cutoff, std::string* error) {
  const std::int64_t end = bucket_of(cutoff);
  const auto groupings = this->groupings(error);
  if (!groupings) return false;
  std::map<Key, AggregateCell> carry;
  for (const auto& grouping : *groupings) {  // by the primary key's prefix: no index by bucket
    const std::string& by = grouping.first;   // (not a structured binding: clang 14 cannot capture one)
    const auto bind = [&](sqlstore::Statement& st) {
      st.bind_int64(1, kCarryBucket);
      st.bind_int64(2, end);
      st.bind_text(3, by);
    };
    if (!run("SELECT value, SUM(backlog_change), SUM(overdue_change) FROM history_agg "
             "WHERE by_name = ?3 AND bucket > ?1 AND bucket < ?2 GROUP BY value",
             bind, error,
             [&](sqlstore::Statement& st) {
               AggregateCell& c = carry[Key{kCarryBucket, by, st.column_text(0)}];
               c.backlog_change = st.column_int64(1);
               c.overdue_change = st.column_int64(2);
               return true;
             }) ||
        !run("DELETE FROM history_agg WHERE by_name = ?3 AND bucket > ?1 AND bucket < ?2", bind, error))
      return false;
  }
  for (const auto& [key, change] : carry)
    if (!change.zero() && !write_cell(key, change, error)) return false;
  return true;
}

bool Aggregates::overdue_at(const std::string& by, std::int64_t at,
                            const std::function<void(const std::string&, std::int64_t)>& f, std::string* error) {
  if (!load_at_start(error)) return false;
  std::map<std::string, std::int64_t> counts;
  open_.for_each([&](const ItemState& s) {
    if (s.due && *s.due < at) counts[value_of(by, s.process, s.department, *s.dimensions)]++;
  });
  for (const auto& [value, n] : counts) f(value, n);
  return true;
}

bool Aggregates::changes_before(const std::string& by, std::int64_t before,
                                const std::function<void(const std::string&, std::int64_t, std::int64_t)>& f,
                                std::string* error) {
  return run("SELECT value, SUM(backlog_change), SUM(overdue_change) FROM history_agg WHERE by_name = ?1 AND bucket < ?2 "
             "GROUP BY value",
             [&](sqlstore::Statement& st) {
               st.bind_text(1, by);
               st.bind_int64(2, before);
             },
             error, [&](sqlstore::Statement& st) {
               f(st.column_text(0), st.column_int64(1), st.column_int64(2));
               return true;
             });
}

bool Aggregates::read(const std::string& by, std::int64_t from, std::int64_t to,
                      const std::function<void(std::int64_t, const std::string&, AggregateCell&)>& f, std::string* error) {
  AggregateCell c;
  std::string value;
  return run("SELECT bucket, value, records, entered, completed, canceled, expired, rejected, completed_overdue, "
             "handle_ms, handled, first_offer_ms, first_offers, backlog_change, overdue_change, complete_ms, outcomes "
             "FROM history_agg WHERE by_name = ?1 AND bucket >= ?2 AND bucket < ?3 ORDER BY bucket",
             [&](sqlstore::Statement& st) {
               st.bind_text(1, by);
               st.bind_int64(2, from);
               st.bind_int64(3, to);
             },
             error, [&](sqlstore::Statement& st) {
               value = st.column_text(1);
               read_cell(st, 2, &c);
               f(st.column_int64(0), value, c);
               return true;
             });
}

}  // namespace iwd::history
