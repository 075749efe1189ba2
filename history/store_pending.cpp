// history::Store's version 7 (docs/reporting.md, "Table history_pending"): a commit's records
// held as one row of history_pending (history/pending.h), the fill that expands them into
// history_rows and history_items, and the readers' pass over them after the filled rows.
#include <fmt/format.h>

#include <algorithm>

#include "history/store.h"

namespace iwd::history {

namespace {

RecordKind kind_named(const std::string& name) {  // (as store.cpp's decode())
  for (RecordKind k : {RecordKind::Item, RecordKind::Priority, RecordKind::Widen, RecordKind::Agent})
    if (name == record_kind_name(k)) return k;
  return RecordKind::Item;
}

}  // namespace

// The filled records `filled` visits, then (version 7) the pending ones: `where` says of each
// whether to skip it (1), visit it (0) or stop (-1). In one read transaction, so that a fill
// committed in between neither hides records nor shows them twice.
bool Store::with_pending(const std::function<bool(const Visit&)>& filled, const std::function<int(const Record&)>& where,
                         const Visit& f, std::string* error) {
  if (!pending_table_) return filled(f);
  return in_read_transaction([&] {
    bool stopped = false;
    if (!filled([&](const Record& r) { return !(stopped = !f(r)); })) return false;
    return stopped || visit_pending([&](const Record& r) {
             const int w = where(r);
             return w > 0 || (w == 0 && f(r));
           }, error);
  }, error);
}

// A transaction's first append (or a purge): the fill of the last one committed when it
// filled (a rollback says otherwise: rolled_back()); after a start or a rollback, the pending
// rows read back.
bool Store::begin_held(std::string* error) {
  if (open_) return true;
  held_.erase(held_.begin(), held_.begin() + static_cast<std::ptrdiff_t>(filled_));
  filled_ = 0;
  if (!held_known_) {
    held_.clear();
    const bool ok = read_pending([&](Record& r, const Coded& c) {
      held_.push_back(Held{std::move(r), c});
      return true;
    }, error);
    if (!ok) {
      held_.clear();
      return false;
    }
    held_known_ = true;
    held_since_ = std::chrono::steady_clock::now();
  }
  if (held_.empty()) held_since_ = std::chrono::steady_clock::now();
  txn_first_ = held_.size();
  open_ = true;
  return true;
}

// The open transaction's records as one row of history_pending.
bool Store::write_pending(std::string* error) {
  if (txn_first_ == held_.size()) return true;
  encoder_.begin(&blob_, held_[txn_first_].record.seq);
  for (std::size_t k = txn_first_; k < held_.size(); ++k) encoder_.add(held_[k].record, held_[k].coded);
  sqlstore::Status status;
  if (!insert_pending_ &&
      !(insert_pending_ =
            sql_->prepare("INSERT INTO history_pending (first_seq, last_seq, records) VALUES (?1, ?2, ?3)", &status))) {
    *error = fmt::format("{}, table history_pending: {}", where_, status.message);
    return false;
  }
  insert_pending_->bind_int64(1, held_[txn_first_].record.seq);
  insert_pending_->bind_int64(2, held_.back().record.seq);
  insert_pending_->bind_blob(3, blob_);
  const bool ok = insert_pending_->step(&status) == sqlstore::Step::Done;
  insert_pending_->reset();
  if (!ok)
    *error = fmt::format("{}, table history_pending, seq {} to {}: {}", where_, held_[txn_first_].record.seq,
                         held_.back().record.seq, status.message);
  return ok;
}

// Every held record into history_rows and history_items, and history_pending emptied, in the
// open transaction: each record once, whether it commits or not.
bool Store::fill(std::string* error) {
  rows_.clear();
  rows_.reserve(held_.size() - filled_);
  for (std::size_t k = filled_; k < held_.size(); ++k) rows_.push_back(Row{&held_[k].record, held_[k].coded});
  if (!insert_rows(error) || !run_prepared(&clear_pending_, "DELETE FROM history_pending", error)) return false;
  filled_ = held_.size();
  txn_first_ = held_.size();  // (nothing of the transaction's left to write as pending)
  return true;
}

// A fill's item entries, sorted by item, straight into history_items: a few leaves written
// once for them all (history_item_recent is for versions 5 and 6's commits).
bool Store::insert_items_sorted(std::string* error) {
  items_.clear();
  for (const auto& row : rows_)
    if (!row.record->item.empty()) items_.push_back(row.record);
  std::sort(items_.begin(), items_.end(), [](const Record* a, const Record* b) {
    const int c = a->item.compare(b->item);
    return c != 0 ? c < 0 : a->seq < b->seq;
  });
  sqlstore::Status status;
  if (!items_.empty() && !insert_sorted_items_.run(*sql_, items_.size(), [this](sqlstore::Statement& st, std::size_t row, int first) {
        st.bind_text_static(first, items_[row]->item);
        st.bind_int64(first + 1, items_[row]->seq);
      }, &status)) {
    *error = fmt::format("{}, table history_items, seq {} to {}: {}", where_, rows_.front().record->seq,
                         rows_.back().record->seq, status.message);
    return false;
  }
  return true;
}

bool Store::read_pending(const std::function<bool(Record&, const Coded&)>& f, std::string* error) {
  if (!pending_table_) return true;
  Record r;
  Coded c;
  bool damaged = false;
  std::string blob;
  const bool ok = run("SELECT id, first_seq, last_seq, records FROM history_pending ORDER BY id",
                      [](sqlstore::Statement&) {}, error, [&](sqlstore::Statement& st) {
                        const std::int64_t id = st.column_int64(0), first = st.column_int64(1), last = st.column_int64(2);
                        st.read_text(3, &blob);
                        PendingDecoder d(blob, first > 0 ? first : 1);
                        while (d.next(&r, &c))
                          if (!f(r, c)) return false;
                        std::string why = d.error();
                        if (why.empty() && d.last_seq() != last)
                          why = fmt::format("its records end at seq {}, not at its last_seq {}", d.last_seq(), last);
                        if (why.empty() && first <= 0) why = fmt::format("first_seq {}", first);
                        if (why.empty()) return true;
                        *error = fmt::format("{}, table history_pending, row {} (seq {} to {}): the records cannot be read: {}",
                                             where_, id, first, last, why);
                        damaged = true;
                        return false;
                      });
  return ok && !damaged;
}

bool Store::visit_pending(const Visit& f, std::string* error) {
  std::int64_t set = 0;  // (as decode(): set 0's values are none)
  bool named = true;
  const bool ok = read_pending([&](Record& r, const Coded& c) {
    std::string* texts[Names::kColumns] = {&kind_, &r.reason, &r.from, &r.to, &r.agent,
                                           &r.department, &r.process, &r.outcome, &r.actor};
    for (int k = 0; k < Names::kColumns; ++k) {
      const std::string* name = names_.name_of(c.names[k], error);
      if (!(named = name != nullptr)) return false;
      texts[k]->assign(*name);
    }
    r.kind = kind_named(kind_);
    if (c.set != set) {
      const DimensionSets::Set* values = dimensions_.set_of(c.set, error);
      if (!(named = values != nullptr)) return false;
      r.dimensions = *values;
      set = c.set;
    }
    return f(r);
  }, error);
  return ok && named;
}

}  // namespace iwd::history
