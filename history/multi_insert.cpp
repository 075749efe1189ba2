#include "history/multi_insert.h"

#include <fmt/format.h>

namespace iwd::history {

static_assert(MultiInsert::kMaxRows == 1u << 4, "statements_ holds one statement per power of two up to kMaxRows");

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
  for (std::size_t done = 0; done < n;) {
    std::size_t level = statements_.size() - 1;  // the largest statement that fits what is left
    while ((std::size_t{1} << level) > n - done) --level;
    const std::size_t rows = std::size_t{1} << level;
    std::unique_ptr<sqlstore::Statement>& st = statements_[level];
    if (!st && !(st = db.prepare(sql(rows), status))) return false;
    for (std::size_t r = 0; r < rows; ++r) bind(*st, done + r, static_cast<int>(r) * columns_ + 1);
    const bool ok = st->step(status) == sqlstore::Step::Done;
    st->reset();
    if (!ok) return false;
    done += rows;
  }
  return true;
}

}  // namespace iwd::history
