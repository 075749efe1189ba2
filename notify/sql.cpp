#include "notify/sql.h"

#include <fmt/format.h>

namespace iwd::notify::sql {

bool run(sqlite3* db, const char* sql, const std::function<void(sqlite3_stmt*)>& bind, std::string* error,
         const std::function<void(sqlite3_stmt*)>& row) {
  sqlite3_stmt* st = nullptr;
  if (sqlite3_prepare_v2(db, sql, -1, &st, nullptr) != SQLITE_OK) {
    *error = fmt::format("the outbox: {}", sqlite3_errmsg(db));
    return false;
  }
  if (bind) bind(st);
  int rc;
  while ((rc = sqlite3_step(st)) == SQLITE_ROW)
    if (row) row(st);
  sqlite3_finalize(st);
  if (rc != SQLITE_DONE) {
    *error = fmt::format("the outbox: {}", sqlite3_errmsg(db));
    return false;
  }
  return true;
}

bool run_cached(sqlite3* db, sqlite3_stmt** st, const char* sql, const std::function<void(sqlite3_stmt*)>& bind,
                std::string* error) {
  if (!*st && sqlite3_prepare_v3(db, sql, -1, SQLITE_PREPARE_PERSISTENT, st, nullptr) != SQLITE_OK) {
    *error = fmt::format("the outbox: {}", sqlite3_errmsg(db));
    return false;
  }
  sqlite3_reset(*st);
  sqlite3_clear_bindings(*st);
  bind(*st);
  int rc;
  while ((rc = sqlite3_step(*st)) == SQLITE_ROW) {
  }
  sqlite3_reset(*st);
  if (rc != SQLITE_DONE) {
    *error = fmt::format("the outbox: {}", sqlite3_errmsg(db));
    return false;
  }
  return true;
}

std::string text(sqlite3_stmt* st, int col) {
  const auto* p = sqlite3_column_text(st, col);
  return p ? std::string(reinterpret_cast<const char*>(p)) : std::string();
}

void bind_text(sqlite3_stmt* st, int col, const std::string& s) {
  sqlite3_bind_text(st, col, s.data(), static_cast<int>(s.size()), SQLITE_TRANSIENT);
}

}  // namespace iwd::notify::sql
