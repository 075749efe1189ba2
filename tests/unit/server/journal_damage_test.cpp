// A damaged journal is refused, never read short: a truncated file and a damaged page
// (quick_check at open), a changed or missing line (checksums, seqs that follow one another),
// a snapshot part missing or changed, a snapshot row changed, a ruleset's bundle changed.
// Each refusal names the file, the table and the position. Rows from before the checksums
// (NULL) are still read.
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "compiler/load/bundle.h"
#include "server/journal.h"
#include "server/ruleset.h"

namespace iwd::server {
namespace {

namespace fs = std::filesystem;

class JournalDamageTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("iwd-journal-damage-" + std::string(::testing::UnitTest::GetInstance()->current_test_info()->name()) + "-" +
            std::to_string(::getpid()));
    fs::remove_all(dir_);
    db_ = (dir_ / "journal.db").string();
  }
  void TearDown() override { fs::remove_all(dir_); }

  // A journal of `n` lines "line K ..." in batches of 100, closed (its log copied into journal.db).
  void write_lines(int n) {
    std::string error;
    auto j = Journal::open(dir_.string(), JournalFault{}, &error);
    ASSERT_TRUE(j) << error;
    std::vector<std::string> batch;
    for (int k = 1; k <= n; ++k) {
      batch.push_back("{\"line\":" + std::to_string(k) + ",\"pad\":\"" + std::string(100, 'x') + "\"}");
      if (batch.size() == 100 || k == n) {
        ASSERT_TRUE(j->append({}, batch, &error)) << error;
        batch.clear();
      }
    }
  }
  // Runs SQL on the file directly, as damage (or an old version) would leave it.
  void sql(const std::string& text) {
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(db_.c_str(), &db), SQLITE_OK);
    char* message = nullptr;
    EXPECT_EQ(sqlite3_exec(db, text.c_str(), nullptr, nullptr, &message), SQLITE_OK) << (message ? message : "");
    sqlite3_free(message);
    sqlite3_close(db);
  }
  std::string bytes() {
    std::ifstream in(db_, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), {});
  }
  void write(const std::string& b) { std::ofstream(db_, std::ios::binary | std::ios::trunc) << b; }
  // Opens and reads every line: the error, or "" when all went well (`lines` counts them).
  std::string open_and_read(int* lines = nullptr) {
    std::string error;
    auto j = Journal::open(dir_.string(), JournalFault{}, &error);
    if (!j) return error;
    int n = 0;
    if (!j->read(0, [&](const std::string&) { ++n; }, &error)) return error;
    if (lines) *lines = n;
    return "";
  }
  std::string snapshot_error() {
    std::string error;
    auto j = Journal::open(dir_.string(), JournalFault{}, &error);
    if (!j) return error;
    auto s = j->latest_snapshot(&error);
    EXPECT_EQ(s.has_value(), error.empty());
    return error;
  }
  // A journal with a snapshot of 7 image parts (1,000 bytes each, the last shorter) and 3 of captured.
  void write_snapshot() {
    std::string error;
    auto j = Journal::open(dir_.string(), JournalFault{}, &error);
    ASSERT_TRUE(j) << error;
    j->set_snapshot_part_bytes(1000);
    ASSERT_TRUE(j->append({}, {"L1", "L2"}, &error)) << error;
    ASSERT_TRUE(j->begin(&error)) << error;
    ASSERT_TRUE(j->add_snapshot(1795510800000, "fnv1a64:1", std::string(6500, 'i'), std::string(2100, 'c'), &error)) << error;
    ASSERT_TRUE(j->commit(&error)) << error;
    ASSERT_TRUE(j->append({}, {"L3"}, &error)) << error;
  }
  fs::path dir_;
  std::string db_;
};

#define EXPECT_HAS(haystack, needle) EXPECT_NE((haystack).find(needle), std::string::npos) << (haystack)

// The start checks the journal's own tables, not the history that shares the file (it grows
// with the history: 2 to 3 s at 10M records): a damaged history page leaves the start and
// every line acknowledged whole, and is found where the history is read.
TEST_F(JournalDamageTest, ADamagedHistoryPageIsNotTheJournalsAndLosesNoLine) {
  write_lines(3000);
  sql("CREATE TABLE history (seq INTEGER PRIMARY KEY, item TEXT, pad TEXT); "
      "WITH RECURSIVE n(k) AS (SELECT 1 UNION ALL SELECT k + 1 FROM n WHERE k < 5000) "
      "INSERT INTO history (item, pad) SELECT 'W' || k, printf('%.100c', 'h') FROM n");
  // A leaf page of the history, its page type byte made invalid.
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(db_.c_str(), &db), SQLITE_OK);
  sqlite3_stmt* st = nullptr;
  ASSERT_EQ(sqlite3_prepare_v2(db, "SELECT pageno FROM dbstat WHERE name = 'history' AND pagetype = 'leaf' LIMIT 1 OFFSET 10",
                               -1, &st, nullptr),
            SQLITE_OK)
      << sqlite3_errmsg(db);
  ASSERT_EQ(sqlite3_step(st), SQLITE_ROW);
  const std::int64_t page = sqlite3_column_int64(st, 0);
  sqlite3_finalize(st);
  sqlite3_close(db);
  std::string b = bytes();
  const std::size_t at = static_cast<std::size_t>(page - 1) * 4096;
  ASSERT_EQ(static_cast<unsigned char>(b[at]), 0x0d) << "a leaf table page";
  b[at] = 0x07;
  write(b);

  int lines = 0;
  EXPECT_EQ(open_and_read(&lines), "");
  EXPECT_EQ(lines, 3000);
  // Where the history is read, the damage is an error (and a whole-file check still finds it).
  ASSERT_EQ(sqlite3_open(db_.c_str(), &db), SQLITE_OK);
  EXPECT_NE(sqlite3_exec(db, "SELECT count(pad) FROM history", nullptr, nullptr, nullptr), SQLITE_OK);
  sqlite3_close(db);
}

TEST_F(JournalDamageTest, AnUndamagedJournalReadsWhole) {
  write_lines(3000);
  int lines = 0;
  EXPECT_EQ(open_and_read(&lines), "");
  EXPECT_EQ(lines, 3000);
}

TEST_F(JournalDamageTest, ATruncatedFileIsRefusedAtOpen) {
  write_lines(3000);
  const std::string b = bytes();
  ASSERT_GT(b.size(), 100'000u);
  write(b.substr(0, b.size() / 2));
  const std::string error = open_and_read();
  EXPECT_HAS(error, db_ + " is damaged");
  EXPECT_HAS(error, "restore the file from a backup");
}

TEST_F(JournalDamageTest, ADamagedPageIsRefusedAtOpenNamingItsTable) {
  write_lines(3000);
  std::string b = bytes();
  // Page 2 is the journal table's root (the first table created): with 3,000 lines an interior
  // page. Its child pointers follow the 12-byte header; one of them now points elsewhere.
  const std::size_t page = 4096;
  ASSERT_EQ(static_cast<unsigned char>(b[page]), 0x05) << "an interior table page";
  const auto cell = (static_cast<unsigned char>(b[page + 12]) << 8) | static_cast<unsigned char>(b[page + 13]);
  b[page + cell + 3] = static_cast<char>(b[page + cell + 3] ^ 0x40);  // the low byte of the first child's page number
  write(b);
  const std::string error = open_and_read();
  EXPECT_HAS(error, db_ + " is damaged (SQLite's quick_check)");
  EXPECT_HAS(error, "table journal");
  EXPECT_HAS(error, "table journal, page 2: On tree page 2 cell 0: ");
}

TEST_F(JournalDamageTest, AChangedByteInALineIsRefusedNamingItsSeq) {
  write_lines(3000);
  std::string b = bytes();
  const auto at = b.find("{\"line\":1234,");
  ASSERT_NE(at, std::string::npos);
  b[at + 10] = '5';  // 1234 -> 1254: still JSON, still a line; only its checksum can tell
  write(b);
  const std::string error = open_and_read();
  EXPECT_HAS(error, db_ + ", table journal: seq 1234: the line is damaged (it does not match its checksum)");
}

TEST_F(JournalDamageTest, AMissingLineIsRefusedNamingItsSeq) {
  write_lines(300);
  sql("DELETE FROM journal WHERE seq = 120");
  EXPECT_HAS(open_and_read(), db_ + ", table journal: seq 120 is missing (the next line stored is seq 121)");
  sql("DELETE FROM journal WHERE seq BETWEEN 200 AND 210");
  EXPECT_HAS(open_and_read(), "seq 120 is missing");
  sql("INSERT INTO journal (seq, line) VALUES (120, 'back')");
  EXPECT_HAS(open_and_read(), "seqs 200 to 210 are missing (the next line stored is seq 211)");
}

TEST_F(JournalDamageTest, LinesWithoutChecksumsFromBeforeThemAreRead) {
  // The schema of the journal before checksums: the columns are added at open.
  fs::create_directories(dir_);
  sql("CREATE TABLE journal (seq INTEGER PRIMARY KEY, line TEXT NOT NULL);"
      "CREATE TABLE rulesets (key TEXT PRIMARY KEY, bundle BLOB NOT NULL);"
      "CREATE TABLE snapshots (seq INTEGER PRIMARY KEY, journal_seq INTEGER NOT NULL, at INTEGER NOT NULL, rules TEXT NOT NULL);"
      "CREATE TABLE snapshot_parts (snapshot INTEGER NOT NULL, field TEXT NOT NULL, part INTEGER NOT NULL, text TEXT NOT "
      "NULL, PRIMARY KEY (snapshot, field, part));"
      "INSERT INTO journal (line) VALUES ('old 1'), ('old 2');"
      "INSERT INTO snapshots (journal_seq, at, rules) VALUES (2, 5, 'fnv1a64:1');"
      "INSERT INTO snapshot_parts VALUES (1, 'image', 0, 'IMG'), (1, 'captured', 0, '[]');");
  std::string error;
  auto j = Journal::open(dir_.string(), JournalFault{}, &error);
  ASSERT_TRUE(j) << error;
  ASSERT_TRUE(j->append({}, {"new 3"}, &error)) << error;
  std::vector<std::string> lines;
  ASSERT_TRUE(j->read(0, [&](const std::string& l) { lines.push_back(l); }, &error)) << error;
  EXPECT_EQ(lines, (std::vector<std::string>{"old 1", "old 2", "new 3"}));
  auto s = j->latest_snapshot(&error);
  ASSERT_TRUE(s) << error;
  EXPECT_EQ(s->image, "IMG");
  j.reset();
  sql("UPDATE journal SET line = 'new 4' WHERE seq = 3");  // the new line has its checksum
  EXPECT_HAS(open_and_read(), "seq 3: the line is damaged");
}

TEST_F(JournalDamageTest, AMissingSnapshotPartIsNamed) {
  write_snapshot();
  EXPECT_EQ(snapshot_error(), "");
  sql("DELETE FROM snapshot_parts WHERE field = 'image' AND part = 2");
  const std::string error = snapshot_error();
  EXPECT_HAS(error, db_ + ", table snapshot_parts: snapshot ");
  EXPECT_HAS(error, "(taken at 2026-11-24T09:00:00");
  EXPECT_HAS(error, "is damaged: image part 3 of 7 (row part=2) is missing");
}

TEST_F(JournalDamageTest, AMissingLastSnapshotPartIsNamed) {
  write_snapshot();
  sql("DELETE FROM snapshot_parts WHERE field = 'captured' AND part = 2");
  EXPECT_HAS(snapshot_error(), "captured part 3 of 3 (row part=2) is missing");
}

TEST_F(JournalDamageTest, AChangedSnapshotPartIsNamed) {
  write_snapshot();
  sql("UPDATE snapshot_parts SET text = replace(text, 'iii', 'iij') WHERE field = 'image' AND part = 4");
  EXPECT_HAS(snapshot_error(), "image part 5 of 7 (row part=4) does not match its checksum");
}

TEST_F(JournalDamageTest, AnExtraSnapshotPartIsNamed) {
  write_snapshot();
  sql("INSERT INTO snapshot_parts (snapshot, field, part, text) SELECT snapshot, 'image', 7, 'more' FROM snapshot_parts LIMIT 1");
  EXPECT_HAS(snapshot_error(), "image part 8 of 7 (row part=7) should not be there");
}

TEST_F(JournalDamageTest, AChangedSnapshotRowIsNamed) {
  write_snapshot();
  sql("UPDATE snapshots SET journal_seq = journal_seq - 1");
  EXPECT_HAS(snapshot_error(), "table snapshots: snapshot ");
  EXPECT_HAS(snapshot_error(), "its row does not match its checksum");
}

TEST_F(JournalDamageTest, AChangedRulesetIsNamed) {
  const std::string bundle = "a bundle's bytes";
  const std::string key = bundle_key(bundle);
  {
    std::string error;
    auto j = Journal::open(dir_.string(), JournalFault{}, &error);
    ASSERT_TRUE(j) << error;
    ASSERT_TRUE(j->append({{key, bundle}}, {"L1"}, &error)) << error;
    EXPECT_EQ(j->ruleset(key, &error), bundle) << error;
  }
  sql("UPDATE rulesets SET bundle = CAST('a bundle''s byte!' AS BLOB)");
  std::string error;
  auto j = Journal::open(dir_.string(), JournalFault{}, &error);
  ASSERT_TRUE(j) << error;
  EXPECT_FALSE(j->ruleset(key, &error));
  EXPECT_HAS(error, db_ + ", table rulesets, key " + key + ": the bundle is damaged");
}

}  // namespace
}  // namespace iwd::server
