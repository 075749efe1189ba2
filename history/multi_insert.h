// Rows inserted several per statement: one INSERT ... VALUES (...), (...), ... of up to
// kMaxRows rows rather than a statement run per row. A transaction of `iwd serve` inserts a
// few dozen history rows, and each statement run costs SQLite its setup (the cursors opened
// on the table and its index, the transaction checked), its halt and a call per step and
// reset, on top of the row's own b-tree work (bench/RESULTS.md, issue 15). The statements of
// 1, 2, 4, ... kMaxRows rows are prepared once each, as first needed; n rows take the largest
// that fit, then the rest. 64 rows (16 before): a batch of `iwd serve`'s creates (about 33 a
// transaction under bench/serve_load.sh) in two statements rather than three, a checkpoint's
// items in a quarter of the statements. At most 64 x 19 parameters (a history row's columns;
// a checkpoint's item row has 12): under SQLite's 32,766 since 3.32, which the build requires
// (999 before it). After a
// run every parameter is unbound in one pass (Statement::reset_unbound): each run binds all.
#pragma once

#include <array>
#include <cstddef>
#include <functional>
#include <memory>
#include <string>

#include "sqlstore/database.h"

namespace iwd::history {

class MultiInsert {
 public:
  static constexpr std::size_t kMaxRows = 64;
  // `head`: "INSERT INTO table (a, b, c)"; `columns`: how many (3 here).
  MultiInsert(std::string head, int columns) : head_(std::move(head)), columns_(columns) {}

  // Binds row `row`'s values from parameter `first` on (first, first + 1, ... first + columns - 1).
  using Bind = std::function<void(sqlstore::Statement& st, std::size_t row, int first)>;
  // Inserts rows 0 to n - 1 in order. False with *status on the first failure (the rows of the
  // statements run before it are inserted: the caller's transaction goes back).
  bool run(sqlstore::Database& db, std::size_t n, const Bind& bind, sqlstore::Status* status);
  void clear() {  // (before the connection closes)
    statements_ = {};
    unnest_.reset();
  }

 private:
  std::string sql(std::size_t rows) const;
  std::string head_;
  int columns_;
  std::array<std::unique_ptr<sqlstore::Statement>, 7> statements_;  // of 1, 2, 4, ... 64 rows
  // PostgreSQL: every row in one statement, over an array of the table's row type
  // (sqlstore::RowArray): a statement there is a round trip, which costs more than the rows.
  bool run_unnest(sqlstore::Database& db, std::size_t n, const Bind& bind, sqlstore::Status* status);
  std::unique_ptr<sqlstore::Statement> unnest_;
};

}  // namespace iwd::history
