// The journal's snapshots: stored in parts, read back whole, the lines before them deleted.
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <filesystem>
#include <string>
#include <vector>

#include "server/journal.h"
#include "sqlstore/sqlite.h"

namespace iwd::server {
namespace {

class JournalTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("iwd-journal-test-" + std::string(::testing::UnitTest::GetInstance()->current_test_info()->name()));
    std::filesystem::remove_all(dir_);
    std::string error;
    journal_ = Journal::open(dir_.string(), &error);
    ASSERT_TRUE(journal_) << error;
  }
  void TearDown() override {
    journal_.reset();
    std::filesystem::remove_all(dir_);
  }
  std::vector<std::string> lines_after(std::int64_t seq) {
    std::vector<std::string> out;
    std::string error;
    EXPECT_TRUE(journal_->read(seq, [&](const std::string& l) { out.push_back(l); }, &error)) << error;
    return out;
  }
  // Rows of the snapshot's image, counted straight from the database.
  int image_parts() {
    sqlite3* db = nullptr;
    sqlite3_stmt* st = nullptr;
    int n = -1;
    if (sqlite3_open_v2((dir_ / "journal.db").c_str(), &db, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK &&
        sqlite3_prepare_v2(db, "SELECT COUNT(*) FROM snapshot_parts WHERE field = 'image'", -1, &st, nullptr) == SQLITE_OK &&
        sqlite3_step(st) == SQLITE_ROW)
      n = sqlite3_column_int(st, 0);
    sqlite3_finalize(st);
    sqlite3_close(db);
    return n;
  }
  std::filesystem::path dir_;
  std::unique_ptr<Journal> journal_;
};

TEST_F(JournalTest, SnapshotsAreStoredInPartsAndReadBackWhole) {
  journal_->set_snapshot_part_bytes(1000);
  std::string image, error;
  for (int k = 0; image.size() < 25'500; ++k) image += "item-" + std::to_string(k) + ";";  // 26 parts
  ASSERT_TRUE(journal_->append({}, {"L1", "L2"}, &error)) << error;
  ASSERT_TRUE(journal_->begin(&error));
  ASSERT_TRUE(journal_->add_line("L3", &error));
  ASSERT_TRUE(journal_->add_snapshot(42, "fnv1a64:1", image, "", &error)) << error;
  ASSERT_TRUE(journal_->commit(&error)) << error;
  ASSERT_TRUE(journal_->append({}, {"L4"}, &error)) << error;

  EXPECT_EQ(image_parts(), 26);
  auto snapshot = journal_->latest_snapshot(&error);
  ASSERT_TRUE(snapshot) << error;
  EXPECT_EQ(snapshot->image, image);
  EXPECT_EQ(snapshot->captured, "");
  EXPECT_EQ(snapshot->at, 42);
  EXPECT_EQ(snapshot->rules_key, "fnv1a64:1");
  EXPECT_EQ(lines_after(snapshot->journal_seq), std::vector<std::string>{"L4"});
  EXPECT_EQ(lines_after(0), (std::vector<std::string>{"L3", "L4"}));  // L1, L2 deleted; L3 kept for its seq

  // A second snapshot replaces the first, parts and all.
  ASSERT_TRUE(journal_->begin(&error));
  ASSERT_TRUE(journal_->add_snapshot(43, "fnv1a64:2", "small", "[[\"S1\",1,\"\"]]", &error)) << error;
  ASSERT_TRUE(journal_->commit(&error)) << error;
  journal_.reset();
  journal_ = Journal::open(dir_.string(), &error);
  ASSERT_TRUE(journal_) << error;
  snapshot = journal_->latest_snapshot(&error);
  ASSERT_TRUE(snapshot) << error;
  EXPECT_EQ(snapshot->image, "small");
  EXPECT_EQ(image_parts(), 1);  // the first snapshot's parts are gone
  EXPECT_EQ(snapshot->captured, "[[\"S1\",1,\"\"]]");
  EXPECT_EQ(snapshot->at, 43);
}

// The journal opens SQLite first in `iwd serve`: it applies the process's settings before,
// so SQLite keeps no memory statistics (no process-wide mutex on each of its allocations).
TEST_F(JournalTest, OpeningAppliesTheProcessSqliteSettingsFirst) {
  std::string error;
  ASSERT_TRUE(journal_->append({}, {"L1", std::string(10'000, 'x')}, &error)) << error;
  EXPECT_TRUE(sqlstore::configure_sqlite());
  EXPECT_EQ(sqlite3_memory_used(), 0);  // not counted; the default counts every allocation
}

TEST_F(JournalTest, NoSnapshotIsNotAnError) {
  std::string error;
  EXPECT_FALSE(journal_->latest_snapshot(&error));
  EXPECT_EQ(error, "");
}

}  // namespace
}  // namespace iwd::server
