// The `report by` value sets of the event history (docs/reporting.md, table
// history_dimensions): each distinct set of values is one row, written once, and a record's
// row holds its id. A day of events has a handful of sets (segment x region ...), so a row
// is smaller to write and a reader turns the id back into values without parsing per row.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "sqlstore/database.h"

namespace iwd::history {

class DimensionSets {
 public:
  using Set = std::vector<std::pair<std::string, std::string>>;
  DimensionSets() = default;
  ~DimensionSets();
  DimensionSets(const DimensionSets&) = delete;
  DimensionSets& operator=(const DimensionSets&) = delete;
  void attach(sqlstore::Database* db, const std::string& where);
  // Its statements finalized, before the connection closes (a statement left open keeps it).
  void detach();

  // The id of `set` (0 for the empty set), its row written when it is new, in the
  // transaction the connection has open.
  std::optional<std::int64_t> id_of(const Set& set, std::string* error);
  // The set of `id` (empty for 0), its row read the first time (a writer on the same file
  // may have added it since this reader started).
  const Set* set_of(std::int64_t id, std::string* error);
  // The transaction that wrote rows was rolled back: what was learned since may be gone.
  void forget();

  // A set as the JSON object the table holds ({"segment":"Gold"}; "" for none), and back.
  static std::string json(const Set& set);
  static Set parse(const std::string& json);

 private:
  bool load(std::string* error);
  sqlstore::Database* db_ = nullptr;
  std::string where_;
  bool loaded_ = false;
  std::int64_t next_ = 1;  // the id of the next new set
  std::map<Set, std::int64_t> ids_;
  std::unordered_map<std::int64_t, Set> sets_;
  std::unique_ptr<sqlstore::Statement> insert_, select_;
};

}  // namespace iwd::history
