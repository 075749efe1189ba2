#include "notify/sql.h"

#include <fmt/format.h>

namespace iwd::notify::sql {

bool Statements::run(const std::string& sql, const Bind& bind, std::string* error, const Bind& row) {
  auto& st = prepared_[sql];
  sqlstore::Status s;
  if (!st && !(st = db_.prepare(sql, &s))) {
    prepared_.erase(sql);
    *error = fmt::format("the outbox: {}", s.message);
    return false;
  }
  if (bind) bind(*st);
  sqlstore::Step step;
  while ((step = st->step(&s)) == sqlstore::Step::Row)
    if (row) row(*st);
  changes_ = st->changes();
  st->reset();
  if (step == sqlstore::Step::Done) return true;
  *error = fmt::format("the outbox: {}", s.message);
  return false;
}

bool Statements::transaction(const std::function<bool(std::string*)>& step, std::string* error) {
  const sqlstore::Status begun =
      db_.dialect() == sqlstore::Dialect::SQLite ? db_.exec("BEGIN IMMEDIATE") : db_.begin();
  if (!begun.ok()) return *error = fmt::format("the outbox: {}", begun.message), false;
  if (!step(error)) return db_.rollback(), false;
  const sqlstore::Status committed = db_.commit();
  if (committed.ok()) return true;
  db_.rollback();
  *error = fmt::format("the outbox: {}", committed.message);
  return false;
}

}  // namespace iwd::notify::sql
