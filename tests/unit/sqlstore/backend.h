// A test run once per backend (GoogleTest's value parameter): SQLite in a temporary file, or
// PostgreSQL 15 in a cluster of its own (tests/support/pg_cluster.h).
#pragma once

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <memory>
#include <string>

#include "pgstore/connection.h"
#include "sqlstore/postgresql.h"
#include "sqlstore/sqlite.h"
#include "tests/support/pg_cluster.h"

namespace iwd::sqlstore::testing {

class BackendTest : public ::testing::TestWithParam<Dialect> {
 protected:
  void SetUp() override {
    std::string error;
    if (GetParam() == Dialect::SQLite) {
      dir = std::filesystem::temp_directory_path() /
            ("iwd-sqlstore-" + std::to_string(getpid()) + "-" +
             ::testing::UnitTest::GetInstance()->current_test_info()->name());
      std::filesystem::remove_all(dir);
      std::filesystem::create_directories(dir);
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
    if (!dir.empty()) std::filesystem::remove_all(dir);
  }
  PgDatabase& pg() { return static_cast<PgDatabase&>(*db); }

  std::string dir;
  std::unique_ptr<iwd::testing::PgCluster> cluster;
  std::unique_ptr<pgstore::Connection> conn;
  std::unique_ptr<Database> db;
};

inline std::string backend_name(const ::testing::TestParamInfo<Dialect>& info) { return dialect_name(info.param); }

}  // namespace iwd::sqlstore::testing
