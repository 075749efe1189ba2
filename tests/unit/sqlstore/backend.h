// A test run once per backend (GoogleTest's value parameter): SQLite in a temporary file, or
// PostgreSQL 15 in a cluster of its own (tests/support/pg_cluster.h).
#pragma once

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <memory>
#include <optional>
#include <string>

#include "pgstore/connection.h"
#include "sqlstore/postgresql.h"
#include "sqlstore/sqlite.h"
#include "tests/support/pg_cluster.h"
#include "tests/support/temp_dir.h"

namespace iwd::sqlstore::testing {

class BackendTest : public ::testing::TestWithParam<Dialect> {
 protected:
  void SetUp() override {
    std::string error;
    if (GetParam() == Dialect::SQLite) {
      dir = tmp.emplace("iwd-sqlstore-").str();  // removed on every path (tests/support/temp_dir.h)
      db = open_sqlite(dir + "/store.db", &error);
    } else {
      cluster = iwd::testing::PgCluster::start(&error);
      ASSERT_TRUE(cluster) << error;
      conn = std::make_unique<pgstore::Connection>(cluster->conninfo());
      db = std::make_unique<PgDatabase>(*conn);
    }
    ASSERT_TRUE(db) << error;
  }
  void TearDown() override {
    db.reset();
    conn.reset();
    tmp.reset();
  }
  PgDatabase& pg() { return static_cast<PgDatabase&>(*db); }

  std::optional<iwd::testing::TempDir> tmp;  // first: gone last, after what uses it
  std::string dir;
  std::unique_ptr<iwd::testing::PgCluster> cluster;
  std::unique_ptr<pgstore::Connection> conn;
  std::unique_ptr<Database> db;
};

inline std::string backend_name(const ::testing::TestParamInfo<Dialect>& info) { return dialect_name(info.param); }

}  // namespace iwd::sqlstore::testing
