// sqlstore over PostgreSQL (libpq through pgstore::Connection: reconnecting, every call
// bounded in time). Statements are prepared on the server, once per connection: after a
// reconnect they are prepared again on their next step, and the session settings given to
// set_session are set again first (they are what the views of pgstore/schema.h read: the
// workspace and the lease epoch of this node's writes).
#pragma once

#include <memory>
#include <string>

#include "pgstore/connection.h"
#include "sqlstore/database.h"

namespace iwd::sqlstore {

class PgDatabase : public Database {
 public:
  // The caller's connection, kept alive by the caller as long as the Database.
  explicit PgDatabase(pgstore::Connection& connection);
  ~PgDatabase() override;
  Dialect dialect() const override { return Dialect::PostgreSQL; }
  std::unique_ptr<Statement> prepare(std::string_view sql, Status* status) override;
  Status exec(std::string_view sql) override;
  // A transaction is on one connection: when it broke meanwhile (and the next statement would
  // reconnect and run outside it), the statements of the transaction and its commit are
  // Unavailable, never run on their own.
  Status begin() override;
  Status commit() override;
  Status rollback() override;
  bool in_transaction() const override;
  Code last_failure() const override;
  // A setting of this session (set_config(name, value, false)), set now and after every
  // reconnect, before any other statement.
  Status set_session(const std::string& name, const std::string& value);

  // Internals shared with the statements (postgresql.cpp).
  struct Shared;

 private:
  std::shared_ptr<Shared> shared_;
};

}  // namespace iwd::sqlstore
