#include "history/multi_insert.h"

#include <fmt/format.h>

#include <algorithm>
#include <cassert>

#include "sqlstore/column_arrays.h"

namespace iwd::history {

static_assert(MultiInsert::kMaxRows == 1u << 6, "statements_ holds one statement per power of two up to kMaxRows");

std::string MultiInsert::sql(std::size_t rows) const {
  std::string out = head_ + " VALUES ";
  int parameter = 1;
  for (std::size_t r = 0; r < rows; ++r) {
    out += r == 0 ? "(" : ", (";
    for (int c = 0; c < columns_; ++c) out += fmt::format("{}?{}", c == 0 ? "" : ", ", parameter++);
    out += ")";
  }
  return out;
}

bool MultiInsert::run(sqlstore::Database& db, std::size_t n, const Bind& bind, sqlstore::Status* status) {
  if (db.dialect() == sqlstore::Dialect::PostgreSQL) return n == 0 || run_unnest(db, n, bind, status);
  for (std::size_t done = 0; done < n;) {
    std::size_t level = statements_.size() - 1;  // the largest statement that fits what is left
    while ((std::size_t{1} << level) > n - done) --level;
    const std::size_t rows = std::size_t{1} << level;
    std::unique_ptr<sqlstore::Statement>& st = statements_[level];
    if (!st && !(st = db.prepare(sql(rows), status))) return false;
    for (std::size_t r = 0; r < rows; ++r) bind(*st, done + r, static_cast<int>(r) * columns_ + 1);
    const bool ok = st->step(status) == sqlstore::Step::Done;
    st->reset_unbound();  // (every parameter is bound again before the next run)
    if (!ok) return false;
    done += rows;
  }
  return true;
}

// head_ is "INSERT INTO table (a, b)": INSERT INTO table (a, b) SELECT u.a, u.b FROM unnest(?1::table[]) u,
// a and b the columns of table's row type, in its order (checked once).
bool MultiInsert::run_unnest(sqlstore::Database& db, std::size_t n, const Bind& bind, sqlstore::Status* status) {
  if (!unnest_) {
    const std::size_t open = head_.find('('), close = head_.rfind(')');
    const std::string table = head_.substr(12, head_.find(' ', 12) - 12);  // after "INSERT INTO "
    assert(head_.rfind("INSERT INTO ", 0) == 0 && open != std::string::npos && close > open);
    std::string columns;
    for (std::size_t from = open + 1; from < close;) {
      const std::size_t comma = std::min(head_.find(',', from), close);
      const std::size_t start = head_.find_first_not_of(' ', from);
      columns += fmt::format("{}u.{}", columns.empty() ? "" : ", ", head_.substr(start, comma - start));
      from = comma + 1;
    }
    // Each row's text is read as the row type, field by field in its order: the head's columns
    // must be the type's, in that order (as the views of pgstore/schema.h give them).
    std::unique_ptr<sqlstore::Statement> type = db.prepare(
        "SELECT string_agg('u.' || attname, ', ' ORDER BY attnum) FROM pg_attribute "
        "WHERE attrelid = to_regclass(?1) AND attnum > 0 AND NOT attisdropped",
        status);
    if (!type) return false;
    type->bind_text(1, table);
    if (type->step(status) != sqlstore::Step::Row) return false;
    if (type->column_text(0) != columns) {
      *status = sqlstore::Status::fail(sqlstore::Code::Failed,
                                       fmt::format("cannot insert rows into {} over an array of its row type: the columns "
                                                   "given ({}) are not the type's in its order ({})",
                                                   table, columns, type->column_text(0)));
      return false;
    }
    if (!(unnest_ = db.prepare(fmt::format("{} SELECT {} FROM unnest(?1::{}[]) u", head_, columns, table), status)))
      return false;
  }
  sqlstore::RowArray rows;
  for (std::size_t r = 0; r < n; ++r) {
    bind(rows, r, 1);
    rows.end_row();
  }
  unnest_->bind_text(1, rows.bound());
  const bool ok = unnest_->step(status) == sqlstore::Step::Done;
  unnest_->reset();
  return ok;
}

}  // namespace iwd::history
