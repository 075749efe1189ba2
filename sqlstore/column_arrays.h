// Many rows written by one statement on PostgreSQL: each column's values gathered in an array,
// bound as one parameter, which the statement unnests, e.g.
//   INSERT INTO history (seq, item) SELECT * FROM unnest(?1::bigint[], ?2::text[])
// One round trip and one execution for a transaction's rows, where a statement per row cost a
// round trip each (bench/RESULTS.md, "Durable creates on PostgreSQL"); the fence checks the
// statement's rows once (pgstore/schema.h). SQLite has no round trip to save: its writers step
// a prepared statement per row.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sqlstore/database.h"

namespace iwd::sqlstore {

class ColumnArrays {
 public:
  explicit ColumnArrays(int columns);
  // The next value of the row being added, in column order: a row is whole when every column
  // has its value (rows() counts whole rows).
  ColumnArrays& int64(std::int64_t v);
  ColumnArrays& text(std::string_view v);
  ColumnArrays& bytes(std::string_view v);  // an element of a bytea[]: any bytes
  ColumnArrays& null();
  ColumnArrays& optional(const std::optional<std::int64_t>& v) { return v ? int64(*v) : null(); }
  std::size_t rows() const { return rows_; }
  bool empty() const { return rows_ == 0 && next_ == 0; }
  // Column k's array, as PostgreSQL's text form of an array, bound to parameter first + k.
  void bind(Statement& st, int first = 1) const;
  void clear();  // the buffers kept

 private:
  std::string& next_array();  // the column of the next value, its separator written
  std::vector<std::string> arrays_;  // each column's literal so far, without its closing brace
  int next_ = 0;                     // the column of the next value
  std::size_t rows_ = 0;
};

}  // namespace iwd::sqlstore
