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

// The same for a writer that binds each row as it would bind a statement of one row
// (history::MultiInsert): the values bound to it, from parameter 1 in order, make one row in
// the text form of a row type, `(1,"text",,...)`, field by field in the type's order, and the
// rows an array of that type, which the statement unnests: INSERT INTO t (a, b) SELECT u.a,
// u.b FROM unnest(?1::t[]) u (a table's or a view's row type, a and b its columns in order:
// no type to name per column). Only the bind_* calls are a statement's; it is never stepped.
class RowArray : public Statement {
 public:
  void bind_int64(int index, std::int64_t v) override { field(index) += std::to_string(v); }
  void bind_double(int index, double v) override;
  void bind_text(int index, std::string_view v) override { quoted(field(index), v); }
  void bind_text_static(int index, std::string_view v) override { bind_text(index, v); }
  void bind_blob(int index, std::string_view v) override;
  void bind_null(int index) override { field(index); }  // nothing between the commas
  // The row bound since the last end_row() goes into the array.
  void end_row();
  std::size_t rows() const { return rows_; }
  const std::string& bound() const;  // the array's text (whole rows)
  void clear();

  Step step(Status* status) override;  // never: asserts
  bool is_null(int) const override { return true; }
  std::int64_t column_int64(int) const override { return 0; }
  double column_double(int) const override { return 0; }
  std::string column_text(int) const override { return {}; }
  std::int64_t changes() const override { return 0; }
  void reset() override {}

 private:
  std::string& field(int index);  // the row's text with the field's separator written
  static void quoted(std::string& out, std::string_view v);  // "v", its " and \ escaped
  std::string row_, array_ = "{";
  int next_ = 1;  // the parameter of the next value
  std::size_t rows_ = 0;
  mutable std::string closed_;
};

}  // namespace iwd::sqlstore
