// The test folders' guard (tests/support/temp_dir.h): the store suites' fixtures left their
// folders in /tmp (a parameterized test's name, `Name/SQLite`, made a folder inside another
// and only the inner one was removed).
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <optional>

#include "tests/support/temp_dir.h"

namespace iwd::testing {
namespace {

TEST(TempDir, IsRemovedWithWhatItHoldsWhenTheGuardGoes) {
  std::optional<TempDir> tmp;
  tmp.emplace("iwd-temp-dir-test-");
  const std::filesystem::path dir = tmp->path();
  EXPECT_EQ(dir.parent_path(), std::filesystem::temp_directory_path());
  EXPECT_EQ(dir.filename().string().rfind("iwd-temp-dir-test-", 0), 0u) << dir;
  ASSERT_TRUE(std::filesystem::is_directory(dir));
  std::filesystem::create_directories(dir / "a" / "b");
  std::ofstream(dir / "a" / "b" / "store.db") << "x";
  std::ofstream(dir / "store.db-wal") << "x";
  tmp.reset();
  EXPECT_FALSE(std::filesystem::exists(dir)) << dir;
}

TEST(TempDir, TwoGuardsOfOnePrefixHaveFoldersOfTheirOwn) {
  const TempDir a("iwd-temp-dir-test-"), b("iwd-temp-dir-test-");
  EXPECT_NE(a.path(), b.path());
}

TEST(TempDir, OnlyAFailedTestsFolderIsKeptAndOnlyWhenAsked) {
  EXPECT_FALSE(TempDir::keep(false, nullptr));
  EXPECT_FALSE(TempDir::keep(false, "1"));
  EXPECT_FALSE(TempDir::keep(true, nullptr));
  EXPECT_FALSE(TempDir::keep(true, ""));
  EXPECT_FALSE(TempDir::keep(true, "0"));
  EXPECT_TRUE(TempDir::keep(true, "1"));
}

}  // namespace
}  // namespace iwd::testing
