// sqlstore over SQLite (sqlite3*): the embedded store.
#pragma once

#include <memory>
#include <string>

#include "sqlstore/database.h"

struct sqlite3;

namespace iwd::sqlstore {

// Over a connection that the caller opened and keeps (server::Journal: its pragmas, its
// fault-injecting VFS): the Database does not close it.
std::unique_ptr<Database> over_sqlite(sqlite3* db);
// Opens (or creates) the file; null and *error when it cannot. Read-only: the file is not
// created, and no statement may write (a reader beside a writer: history::Store::open_reader).
std::unique_ptr<Database> open_sqlite(const std::string& path, std::string* error, bool read_only = false);

// The process's SQLite settings, applied once before SQLite initializes (any open or VFS
// registration initializes it; later calls change nothing): no memory statistics, which
// otherwise take a process-wide mutex on every allocation SQLite makes (SQLite's own advice,
// SQLITE_DEFAULT_MEMSTATUS=0). Returns whether they are in force.
bool configure_sqlite();

}  // namespace iwd::sqlstore
