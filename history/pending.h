// The records of a commit as one compact row of history_pending (docs/reporting.md, "Table
// history_pending", SQLite schema version 7): `iwd serve`'s group committer writes each batch's
// records as one blob in the journal's transaction, and every kFillRecords records (or
// kFillAfterMs) one commit expands all of them into history_rows, history_items and deletes the
// pending rows (history/store.h). Readers decode the pending rows after the filled ones.
//
// The encoding, after a format byte (1), per record in seq order: the seq's step from the one
// before (the row's first_seq - 1 before the first), the instant's step from the one before
// (0 before the first), the nine coded names' ids (history/store.h's Names, in its order), the
// item, priority, previous priority, stage, a flags byte (1: a due instant, 2: overdue), the due
// instant's distance from the record's instant when there is one, the dimension set's id and
// the detail. Numbers are LEB128 varints (signed ones zigzag-coded); texts their length then
// their bytes. A create's record takes about 25 bytes.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "history/record.h"

namespace iwd::history {

// The ids of a record's coded columns (history/store.h's Names::Column order) and of its
// dimension set.
inline constexpr int kCodedColumns = 9;
struct Coded {
  std::int64_t set = 0;
  std::int64_t names[kCodedColumns] = {};
};

// A fill once this many records are pending, or once the oldest has waited this long: a
// reader decodes at most about this many, and a fill writes them in one go (bench/RESULTS.md).
inline constexpr std::size_t kFillRecords = 2048;
inline constexpr std::int64_t kFillAfterMs = 1000;

// Appends records to a blob: begin() then add() for each, in seq order.
class PendingEncoder {
 public:
  void begin(std::string* out, std::int64_t first_seq);
  void add(const Record& r, const Coded& c);

 private:
  void varint(std::uint64_t v);
  void zigzag(std::int64_t v) { varint((static_cast<std::uint64_t>(v) << 1) ^ static_cast<std::uint64_t>(v >> 63)); }
  void text(std::string_view s);
  std::string* out_ = nullptr;
  std::int64_t seq_ = 0, at_ = 0;
};

// Reads the records of one blob back: next() until it returns false, then error() says whether
// the blob ended where it should (empty) or what is wrong with it, at which byte.
class PendingDecoder {
 public:
  PendingDecoder(std::string_view blob, std::int64_t first_seq);
  // The next record's plain fields into *r (its coded columns' texts and dimensions are left as
  // they were) and its ids into *c; false at the end or on damage.
  bool next(Record* r, Coded* c);
  const std::string& error() const { return error_; }
  std::int64_t last_seq() const { return seq_; }

 private:
  bool varint(std::uint64_t* v, const char* what);
  bool zigzag(std::int64_t* v, const char* what);
  bool text(std::string* s, const char* what);
  bool fail(const char* what, const char* why);
  std::string_view blob_;
  std::size_t pos_ = 0;
  std::int64_t seq_ = 0, at_ = 0, first_seq_ = 0;
  std::string error_;
};

}  // namespace iwd::history
