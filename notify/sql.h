// The few SQLite helpers the outbox and the sender share (one statement at a time; the
// outbox's tables are small and their statements few).
#pragma once

#include <sqlite3.h>

#include <functional>
#include <string>

namespace iwd::notify::sql {

// Prepares `sql`, binds, steps to the end calling `row` on each row: false and *error
// ("the outbox: ...") on failure.
bool run(sqlite3* db, const char* sql, const std::function<void(sqlite3_stmt*)>& bind, std::string* error,
         const std::function<void(sqlite3_stmt*)>& row = {});
// The same with a statement prepared once (`*st`, prepared on first use from `sql`; the
// caller finalizes it): a hot statement is not parsed again on every call.
bool run_cached(sqlite3* db, sqlite3_stmt** st, const char* sql, const std::function<void(sqlite3_stmt*)>& bind,
                std::string* error);
std::string text(sqlite3_stmt* st, int col);
void bind_text(sqlite3_stmt* st, int col, const std::string& s);

}  // namespace iwd::notify::sql
