// The statements of the outbox and the sender, on sqlstore (SQLite or PostgreSQL): each
// prepared once per connection and kept, since on PostgreSQL a statement prepared again on
// every call would be one more prepared statement on the server each time.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>

#include "sqlstore/database.h"

namespace iwd::notify::sql {

using Bind = std::function<void(sqlstore::Statement&)>;

class Statements {
 public:
  explicit Statements(sqlstore::Database& db) : db_(db) {}
  sqlstore::Database& db() { return db_; }
  // Runs `sql` (prepared on its first use) with `bind`, calling `row` on each row: false and
  // *error ("the outbox: ...") on failure. changes() is then what it inserted, updated or deleted.
  bool run(const std::string& sql, const Bind& bind, std::string* error, const Bind& row = {});
  std::int64_t changes() const { return changes_; }
  // A transaction on this connection (SQLite's write lock taken at its start); the step's
  // failure rolls it back.
  bool transaction(const std::function<bool(std::string*)>& step, std::string* error);

 private:
  sqlstore::Database& db_;
  std::map<std::string, std::unique_ptr<sqlstore::Statement>> prepared_;
  std::int64_t changes_ = 0;
};

}  // namespace iwd::notify::sql
