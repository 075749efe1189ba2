// What the store tests on PostgreSQL read from a session of their own while the service's
// connections work (or wait): a value once it is there, a count, the sessions waiting for a lock.
#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <string>
#include <thread>

#include "pgstore/connection.h"

namespace iwd::server::testing {

// A session of the store waiting for a lock the test holds.
inline constexpr const char* kWaitingForALock =
    "SELECT pid FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query NOT LIKE '%pg_stat_activity%'";

// The first column of the first row of `sql`, once it has one; empty after 10 s without.
inline std::string first_value(pgstore::Connection& session, const char* sql) {
  pgstore::Rows rows;
  for (int k = 0; k < 400; ++k) {
    if (session.exec("look", sql, {}, &rows).ok() && rows.size() > 0) return rows.at(0, 0).value_or("");
    std::this_thread::sleep_for(std::chrono::milliseconds(25));
  }
  return {};
}

// The integer in the first column of the first row of `sql` (-1: none).
inline std::int64_t number(pgstore::Connection& session, const char* sql) {
  pgstore::Rows rows;
  const pgstore::Status s = session.exec("count", sql, {}, &rows);
  EXPECT_TRUE(s.ok()) << s.message;
  return s.ok() && rows.size() > 0 ? rows.integer(0, 0) : -1;
}

}  // namespace iwd::server::testing
