// The process's SQLite settings (sqlstore::configure_sqlite), applied by the first open.
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <filesystem>

#include "sqlstore/sqlite.h"
#include "tests/support/temp_dir.h"

namespace iwd::sqlstore::testing {
namespace {

// Each ctest case is a process of its own: this open is the process's first use of SQLite.
TEST(SqliteConfig, TheFirstOpenTurnsMemoryStatisticsOff) {
  const iwd::testing::TempDir tmp("iwd-sqlite-config-");  // removed on every path (tests/support/temp_dir.h)
  const auto file = tmp.path() / "store.db";
  std::string error;
  auto db = open_sqlite(file.string(), &error);
  ASSERT_TRUE(db) << error;
  ASSERT_TRUE(db->exec("CREATE TABLE t(x TEXT); INSERT INTO t VALUES (printf('%.10000c', 'x'))").ok());
  EXPECT_TRUE(configure_sqlite());
  EXPECT_EQ(sqlite3_memory_used(), 0);  // not counted; the default counts every allocation
}

}  // namespace
}  // namespace iwd::sqlstore::testing
