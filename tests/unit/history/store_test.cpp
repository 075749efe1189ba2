// history::Store: append, read by time range and item, purge in steps, reopen, reading a
// server's data folder as well as a history file, the dimension sets and schema versions.
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <functional>
#include <map>
#include <new>
#include <thread>

#include "history/store.h"
#include "sqlstore/sqlite.h"
#include "tests/support/temp_dir.h"

namespace iwd::history {
namespace {

namespace fs = std::filesystem;

Record rec(std::int64_t seq, std::int64_t at, const std::string& item, const std::string& agent, RecordKind kind = RecordKind::Item) {
  Record r;
  r.seq = seq;
  r.at = at;
  r.kind = kind;
  r.item = item;
  r.agent = agent;
  r.reason = kind == RecordKind::Agent ? "lunch" : "capture";
  r.from = "none";
  r.to = "queued";
  r.department = "Sales";
  r.process = "Sales.Any";
  r.priority = 100 + seq;
  r.previous_priority = kind == RecordKind::Priority ? 90 : 0;
  r.stage = kind == RecordKind::Widen ? 2 : -1;
  if (seq % 2 == 0) r.due = at + 1000;
  r.overdue = seq % 3 == 0;
  if (!item.empty()) r.dimensions = {{"segment", "Gold"}, {"score", "7"}};
  r.outcome = seq == 3 ? "converted" : "";
  r.detail = "";
  r.actor = "crm";
  return r;
}

std::vector<Record> all(Store& s, std::int64_t from = 0, std::int64_t to = 1LL << 62) {
  std::vector<Record> out;
  std::string error;
  EXPECT_TRUE(s.read_range(from, to, [&](const Record& r) { out.push_back(r); return true; }, &error)) << error;
  return out;
}

void expect_same(const Record& a, const Record& b) {
  EXPECT_EQ(a.seq, b.seq);
  EXPECT_EQ(a.at, b.at);
  EXPECT_EQ(a.kind, b.kind);
  EXPECT_EQ(a.item, b.item);
  EXPECT_EQ(a.reason, b.reason);
  EXPECT_EQ(a.from, b.from);
  EXPECT_EQ(a.to, b.to);
  EXPECT_EQ(a.agent, b.agent);
  EXPECT_EQ(a.department, b.department);
  EXPECT_EQ(a.process, b.process);
  EXPECT_EQ(a.priority, b.priority);
  EXPECT_EQ(a.previous_priority, b.previous_priority);
  EXPECT_EQ(a.stage, b.stage);
  EXPECT_EQ(a.due, b.due);
  EXPECT_EQ(a.overdue, b.overdue);
  EXPECT_EQ(a.dimensions, b.dimensions);
  EXPECT_EQ(a.outcome, b.outcome);
  EXPECT_EQ(a.detail, b.detail);
  EXPECT_EQ(a.actor, b.actor);
}

// Every record of `s` (by range), the same as `written`, in order.
void expect_all(Store& s, const std::vector<Record>& written) {
  const auto back = all(s);
  ASSERT_EQ(back.size(), written.size());
  for (std::size_t k = 0; k < back.size(); ++k) expect_same(back[k], written[k]);
}

TEST(HistoryStore, AppendReadRangeItemReopen) {
  const iwd::testing::TempDir tmp("iwd_history_store_");
  const fs::path& dir = tmp.path();
  const std::string file = (dir / "h.db").string();
  std::vector<Record> written = {rec(1, 1000, "W1", ""), rec(2, 1000, "W1", "ann"), rec(3, 2000, "W2", "bob"),
                                 rec(4, 3000, "", "ann", RecordKind::Agent), rec(5, 3000, "W1", "ann", RecordKind::Priority),
                                 rec(6, 4000, "W2", "", RecordKind::Widen)};
  std::string error;
  {
    auto s = Store::create(file, &error);
    ASSERT_TRUE(s) << error;
    ASSERT_TRUE(s->append({written.begin(), written.begin() + 3}, &error)) << error;
    ASSERT_TRUE(s->append({written.begin() + 3, written.end()}, &error)) << error;
    EXPECT_EQ(s->last_seq(&error), 6);
  }
  auto s = Store::open_reader(file, &error);  // reopened, read-only
  ASSERT_TRUE(s) << error;
  const auto back = all(*s);
  ASSERT_EQ(back.size(), written.size());
  for (std::size_t k = 0; k < back.size(); ++k) expect_same(back[k], written[k]);

  const auto range = all(*s, 1000, 3000);  // [from, to)
  ASSERT_EQ(range.size(), 3u);
  EXPECT_EQ(range[2].seq, 3);

  std::vector<std::int64_t> seqs;
  ASSERT_TRUE(s->read_item("W1", [&](const Record& r) { seqs.push_back(r.seq); return true; }, &error));
  EXPECT_EQ(seqs, (std::vector<std::int64_t>{1, 2, 5}));
  seqs.clear();  // a reader may stop early
  ASSERT_TRUE(s->read_range(0, 1LL << 62, [&](const Record& r) { seqs.push_back(r.seq); return seqs.size() < 2; }, &error));
  EXPECT_EQ(seqs.size(), 2u);
  EXPECT_EQ(s->first_at(&error), 1000);
}

TEST(HistoryStore, PurgeInStepsKeepsTheLastSeq) {
  const iwd::testing::TempDir tmp("iwd_history_purge_");
  const fs::path& dir = tmp.path();
  std::string error;
  auto s = Store::create((dir / "h.db").string(), &error);
  ASSERT_TRUE(s) << error;
  std::vector<Record> rs;
  for (int k = 1; k <= 10; ++k) rs.push_back(rec(k, k * 1000, "W" + std::to_string(k), ""));
  ASSERT_TRUE(s->append(rs, &error)) << error;
  EXPECT_EQ(s->purge(7000, 4, &error), 4);  // the oldest first, at most 4 a step
  EXPECT_EQ(s->first_at(&error), 5000);
  EXPECT_EQ(s->purge(7000, 4, &error), 2);
  EXPECT_EQ(s->purge(7000, 4, &error), 0);
  EXPECT_EQ(all(*s).size(), 4u);
  EXPECT_EQ(s->purge(1LL << 62, 100, &error), 4);
  EXPECT_EQ(s->last_seq(&error), 10);  // seqs never go back, even when every record went
  EXPECT_FALSE(s->first_at(&error));
  EXPECT_TRUE(error.empty());
}

// Time ranges are found by bisection on seq: instants never go back, and a range read after
// a purge starts where the records do.
TEST(HistoryStore, RangesByInstantAndRecordsThatGoBack) {
  const iwd::testing::TempDir tmp("iwd_history_ranges_");
  const fs::path& dir = tmp.path();
  std::string error;
  auto s = Store::create((dir / "h.db").string(), &error);
  ASSERT_TRUE(s) << error;
  std::vector<Record> rs;
  const std::int64_t at[] = {100, 100, 100, 250, 250, 300, 700, 700, 900};
  for (int k = 0; k < 9; ++k) rs.push_back(rec(k + 1, at[k], "W" + std::to_string(k), ""));
  ASSERT_TRUE(s->append(rs, &error)) << error;
  const auto seqs = [&](std::int64_t from, std::int64_t to) {
    std::vector<std::int64_t> out;
    for (const Record& r : all(*s, from, to)) out.push_back(r.seq);
    return out;
  };
  EXPECT_EQ(seqs(100, 101), (std::vector<std::int64_t>{1, 2, 3}));
  EXPECT_EQ(seqs(101, 300), (std::vector<std::int64_t>{4, 5}));
  EXPECT_EQ(seqs(250, 701), (std::vector<std::int64_t>{4, 5, 6, 7, 8}));
  EXPECT_EQ(seqs(0, 100), (std::vector<std::int64_t>{}));
  EXPECT_EQ(seqs(901, 5000), (std::vector<std::int64_t>{}));
  EXPECT_EQ(seqs(0, 5000).size(), 9u);
  EXPECT_EQ(s->purge(260, 100, &error), 5);
  EXPECT_EQ(seqs(0, 701), (std::vector<std::int64_t>{6, 7, 8}));
  EXPECT_EQ(s->first_at(&error), 300);
  // A record before the last one's instant, or not after its seq, is refused (nothing stored).
  EXPECT_FALSE(s->append({rec(10, 899, "late", "")}, &error));
  EXPECT_NE(error.find("instants never go back"), std::string::npos) << error;
  EXPECT_FALSE(s->append({rec(9, 950, "again", "")}, &error));
  EXPECT_TRUE(s->append({rec(10, 900, "same instant", "")}, &error)) << error;
  EXPECT_EQ(seqs(0, 5000).size(), 5u);
}

TEST(HistoryStore, SnapshotMarks) {
  const iwd::testing::TempDir tmp("iwd_history_marks_");
  const fs::path& dir = tmp.path();
  std::string error;
  auto s = Store::create((dir / "h.db").string(), &error);
  ASSERT_TRUE(s) << error;
  EXPECT_FALSE(s->snapshot_mark(1, &error));
  EXPECT_TRUE(error.empty());
  ASSERT_TRUE(s->mark_snapshot(1, 40, &error));
  ASSERT_TRUE(s->mark_snapshot(2, 55, &error));
  EXPECT_EQ(s->snapshot_mark(2, &error), 55);
  EXPECT_FALSE(s->snapshot_mark(1, &error));  // an older snapshot's mark went with it
}

// On a connection someone else owns (the server's journal.db): appends go in its
// transaction, and a rollback takes them back with the rest (a dimension set's row too).
TEST(HistoryStore, OnAnotherConnectionInItsTransaction) {
  const iwd::testing::TempDir tmp("iwd_history_on_");
  const fs::path& dir = tmp.path();
  const std::string file = (dir / "journal.db").string();
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(file.c_str(), &db), SQLITE_OK);
  std::string error;
  {
    auto s = Store::on(db, file, &error);
    ASSERT_TRUE(s) << error;
    sqlite3_exec(db, "BEGIN", nullptr, nullptr, nullptr);
    ASSERT_TRUE(s->append({rec(1, 1000, "W1", "")}, &error)) << error;
    sqlite3_exec(db, "ROLLBACK", nullptr, nullptr, nullptr);
    s->rolled_back();  // the owner says so: the store read its last record again
    EXPECT_EQ(all(*s).size(), 0u);
    EXPECT_EQ(s->last_seq(&error), 0);
    sqlite3_exec(db, "BEGIN", nullptr, nullptr, nullptr);
    ASSERT_TRUE(s->append({rec(1, 1000, "W1", "")}, &error)) << error;
    sqlite3_exec(db, "COMMIT", nullptr, nullptr, nullptr);
  }
  sqlite3_close(db);
  auto reader = Store::open_reader(dir.string(), &error);  // the data folder
  ASSERT_TRUE(reader) << error;
  const auto back = all(*reader);
  ASSERT_EQ(back.size(), 1u);
  expect_same(back[0], rec(1, 1000, "W1", ""));  // its dimension set written again after the rollback
}

// Appends that leave the rows and the aggregates in memory (`iwd serve`'s, several per
// transaction): flush() inserts the rows and writes the cells, once for the transaction, with
// the counts of every append in it. A rollback forgets what was left unwritten. The records
// stay the caller's until flush(): they are not copied.
TEST(HistoryStore, AppendsWithoutFlushWriteTheAggregatesOncePerTransaction) {
  const iwd::testing::TempDir tmp("iwd_history_flush_");
  const fs::path& dir = tmp.path();
  const std::string file = (dir / "journal.db").string();
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(file.c_str(), &db), SQLITE_OK);
  const auto cells = [&] {
    std::vector<std::string> out;
    sqlite3_exec(
        db, "SELECT value || ' ' || records || ' ' || entered FROM history_agg WHERE by_name = 'process' ORDER BY value",
        [](void* v, int, char** row, char**) {
          static_cast<std::vector<std::string>*>(v)->push_back(row[0]);
          return 0;
        },
        &out, nullptr);
    return out;
  };
  std::string error;
  auto s = Store::on(db, file, &error);
  ASSERT_TRUE(s) << error;
  sqlite3_exec(db, "BEGIN", nullptr, nullptr, nullptr);
  const std::vector<Record> first{rec(1, 1000, "W1", "")}, second{rec(2, 1000, "W2", "")};
  ASSERT_TRUE(s->append(first, &error, false)) << error;
  ASSERT_TRUE(s->append(second, &error, false)) << error;
  EXPECT_EQ(all(*s).size(), 0u);  // not yet
  EXPECT_TRUE(cells().empty());
  ASSERT_TRUE(s->flush(&error)) << error;
  EXPECT_EQ(all(*s).size(), 2u);
  EXPECT_EQ(cells(), (std::vector<std::string>{"Sales.Any 2 2"}));
  sqlite3_exec(db, "COMMIT", nullptr, nullptr, nullptr);

  sqlite3_exec(db, "BEGIN", nullptr, nullptr, nullptr);
  const std::vector<Record> third{rec(3, 2000, "W3", "")}, fourth{rec(3, 2000, "W4", "")};
  ASSERT_TRUE(s->append(third, &error, false)) << error;
  sqlite3_exec(db, "ROLLBACK", nullptr, nullptr, nullptr);
  s->rolled_back();
  sqlite3_exec(db, "BEGIN", nullptr, nullptr, nullptr);
  ASSERT_TRUE(s->append(fourth, &error, false)) << error;
  ASSERT_TRUE(s->flush(&error)) << error;
  sqlite3_exec(db, "COMMIT", nullptr, nullptr, nullptr);
  EXPECT_EQ(cells(), (std::vector<std::string>{"Sales.Any 3 3"}));  // W3's count went with its transaction
  const auto back = all(*s);
  ASSERT_EQ(back.size(), 3u);  // nor was its row left to a later flush
  EXPECT_EQ(back[2].item, "W4");
  s.reset();
  sqlite3_close(db);
}

// A transaction's rows go in several per statement (history/multi_insert.h: of 16, 8, 4, 2
// and 1 rows): 1 to 40 rows in one flush, from appends of one to five records each, every row
// read back as appended, in seq order, by range and by item.
TEST(HistoryStore, AFlushInsertsEveryRowOfItsAppendsInOrder) {
  const iwd::testing::TempDir tmp("iwd_history_rows_");
  const std::string file = (tmp.path() / "journal.db").string();
  sqlite3* db = nullptr;
  std::string error;
  ASSERT_EQ(sqlite3_open(file.c_str(), &db), SQLITE_OK);
  std::unique_ptr<Store> s = Store::on(db, file, &error);
  ASSERT_TRUE(s) << error;
  std::vector<Record> appended;
  std::int64_t seq = 0;
  for (std::size_t rows : {1u, 2u, 3u, 16u, 17u, 31u, 40u}) {
    std::vector<std::vector<Record>> batches;  // the caller's until the flush
    for (std::size_t k = 0; k < rows; ++k) {
      if (batches.empty() || batches.back().size() == 1 + batches.size() % 5) batches.emplace_back();
      ++seq;
      batches.back().push_back(seq % 7 == 0 ? rec(seq, 1000 * seq, "", "A1", RecordKind::Agent)
                                            : rec(seq, 1000 * seq, "W" + std::to_string(seq), ""));
      appended.push_back(batches.back().back());
    }
    sqlite3_exec(db, "BEGIN", nullptr, nullptr, nullptr);
    for (const auto& batch : batches) ASSERT_TRUE(s->append(batch, &error, false)) << error;
    ASSERT_TRUE(s->flush(&error)) << error;
    sqlite3_exec(db, "COMMIT", nullptr, nullptr, nullptr);
  }
  const auto back = all(*s);
  ASSERT_EQ(back.size(), appended.size());
  for (std::size_t k = 0; k < back.size(); ++k) expect_same(back[k], appended[k]);
  for (std::int64_t item : {1, 16, 17, 110}) {
    std::vector<Record> timeline;
    ASSERT_TRUE(s->read_item("W" + std::to_string(item), [&](const Record& r) {
      timeline.push_back(r);
      return true;
    }, &error)) << error;
    ASSERT_EQ(timeline.size(), 1u) << item;
    expect_same(timeline[0], appended[static_cast<std::size_t>(item - 1)]);
  }
  EXPECT_EQ(s->last_seq(&error), seq);
  s.reset();
  sqlite3_close(db);
}

// A checkpoint of the aggregates' items inserts the rows of the items new since the last one
// (several per statement) and writes over those of the items written before; a writer that
// opens the file goes on numbering after the rows it read.
TEST(HistoryStore, ACheckpointInsertsNewItemsAndRewritesOldOnes) {
  const iwd::testing::TempDir tmp("iwd_history_checkpoint_");
  const fs::path& dir = tmp.path();
  const std::string file = (dir / "journal.db").string();
  const auto items = [&] {
    std::vector<std::string> out;
    sqlite3* db = nullptr;
    EXPECT_EQ(sqlite3_open(file.c_str(), &db), SQLITE_OK);
    sqlite3_exec(db, "SELECT row || ' ' || item || ' ' || offered FROM history_agg_items ORDER BY row",
                 [](void* v, int, char** row, char**) {
                   static_cast<std::vector<std::string>*>(v)->push_back(row[0]);
                   return 0;
                 },
                 &out, nullptr);
    sqlite3_close(db);
    return out;
  };
  Record offer = rec(3, 3000, "W1", "a1");
  offer.reason = "offer";
  offer.from = "queued";
  offer.to = "offered";
  std::string error;
  {
    auto s = Store::create(file, &error);
    ASSERT_TRUE(s) << error;
    s->aggregates()->set_checkpoint_records(2);
    ASSERT_TRUE(s->append({rec(1, 1000, "W1", ""), rec(2, 2000, "W2", "")}, &error)) << error;
    EXPECT_EQ(items(), (std::vector<std::string>{"1 W1 0", "2 W2 0"}));
    ASSERT_TRUE(s->append({offer, rec(4, 4000, "W3", "")}, &error)) << error;
    EXPECT_EQ(items(), (std::vector<std::string>{"1 W1 1", "2 W2 0", "3 W3 0"}));
  }
  auto s = Store::create(file, &error);  // opened again: rows 1 to 3 read
  ASSERT_TRUE(s) << error;
  s->aggregates()->set_checkpoint_records(1);
  ASSERT_TRUE(s->append({rec(5, 5000, "W4", "")}, &error)) << error;
  EXPECT_EQ(items(), (std::vector<std::string>{"1 W1 1", "2 W2 0", "3 W3 0", "4 W4 0"}));
}

TEST(HistoryStore, ReaderNamesWhatIsMissing) {
  const iwd::testing::TempDir tmp("iwd_history_missing_");
  const fs::path& dir = tmp.path();
  std::string error;
  EXPECT_FALSE(Store::open_reader((dir / "none.db").string(), &error));
  EXPECT_NE(error.find("no history at"), std::string::npos) << error;
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open((dir / "other.db").string().c_str(), &db), SQLITE_OK);
  sqlite3_exec(db, "CREATE TABLE t (x INTEGER)", nullptr, nullptr, nullptr);
  sqlite3_close(db);
  EXPECT_FALSE(Store::open_reader((dir / "other.db").string(), &error));
  EXPECT_NE(error.find("holds no event history"), std::string::npos) << error;
}

std::vector<std::string> column(const std::string& file, const std::string& sql) {
  sqlite3* db = nullptr;
  std::vector<std::string> out;
  EXPECT_EQ(sqlite3_open(file.c_str(), &db), SQLITE_OK);
  sqlite3_stmt* st = nullptr;
  EXPECT_EQ(sqlite3_prepare_v2(db, sql.c_str(), -1, &st, nullptr), SQLITE_OK) << sqlite3_errmsg(db);
  while (sqlite3_step(st) == SQLITE_ROW) {
    const auto* t = reinterpret_cast<const char*>(sqlite3_column_text(st, 0));
    out.emplace_back(t ? t : "NULL");
  }
  sqlite3_finalize(st);
  sqlite3_close(db);
  return out;
}

// Each distinct set of `report by` values is one row of history_dimensions, written once; the
// rows hold its id, the view history_v the values, and a reader gets each record's own set
// (the record it hands out is reused from row to row).
TEST(HistoryStore, DimensionSetsWrittenOnceAndReadBack) {
  const iwd::testing::TempDir tmp("iwd_history_sets_");
  const fs::path& dir = tmp.path();
  const std::string file = (dir / "h.db").string();
  std::vector<Record> written;
  for (int k = 1; k <= 8; ++k) {
    Record r = rec(k, k * 1000, k == 4 ? "" : "W" + std::to_string(k), "ann", k == 4 ? RecordKind::Agent : RecordKind::Item);
    if (k == 4) r.dimensions.clear();
    if (k % 3 == 0) r.dimensions = {{"segment", "Silver"}, {"score", "7"}};
    written.push_back(r);
  }
  std::string error;
  {
    auto s = Store::create(file, &error);
    ASSERT_TRUE(s) << error;
    ASSERT_TRUE(s->append({written.begin(), written.begin() + 5}, &error)) << error;
  }
  EXPECT_FALSE(fs::exists(file + "-wal")) << "closed, its WAL checkpointed: no statement left open";
  {
    auto s = Store::create(file, &error);  // reopened: the sets stored are known again
    ASSERT_TRUE(s) << error;
    ASSERT_TRUE(s->append({written.begin() + 5, written.end()}, &error)) << error;
  }
  EXPECT_EQ(column(file, "SELECT dimensions FROM history_dimensions ORDER BY id"),
            (std::vector<std::string>{"{\"segment\":\"Gold\",\"score\":\"7\"}", "{\"segment\":\"Silver\",\"score\":\"7\"}"}));
  EXPECT_EQ(column(file, "SELECT dimension_set FROM history ORDER BY seq"),
            (std::vector<std::string>{"1", "1", "2", "0", "1", "2", "1", "1"}));
  EXPECT_EQ(column(file, "SELECT dimensions FROM history_v WHERE seq IN (3, 4) ORDER BY seq"),
            (std::vector<std::string>{"{\"segment\":\"Silver\",\"score\":\"7\"}", ""}));
  EXPECT_EQ(column(file, "SELECT value FROM history_meta WHERE name = 'schema'"), (std::vector<std::string>{"6"}));
  auto s = Store::open_reader(file, &error);
  ASSERT_TRUE(s) << error;
  const auto back = all(*s);
  ASSERT_EQ(back.size(), written.size());
  for (std::size_t k = 0; k < back.size(); ++k) expect_same(back[k], written[k]);
}

// A history of schema version 1 (before history_meta had a version: the values as JSON in
// each row, an index by process) is still read; a writer (`iwd serve` on its journal.db's
// connection) migrates it to the current version in one transaction: the same records, the
// values as dimension sets, the old table and indexes gone, the aggregates built. A version
// newer than this store's is refused by readers and writers, naming the file and the version.
TEST(HistoryStore, SchemaVersions) {
  const iwd::testing::TempDir tmp("iwd_history_versions_");
  const fs::path& dir = tmp.path();
  const std::string file = (dir / "v1.db").string();
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(file.c_str(), &db), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(db,
                         "CREATE TABLE history (seq INTEGER PRIMARY KEY, at INTEGER NOT NULL, kind TEXT NOT NULL, "
                         "item TEXT NOT NULL, reason TEXT NOT NULL, from_state TEXT NOT NULL, to_state TEXT NOT NULL, "
                         "agent TEXT NOT NULL, department TEXT NOT NULL, process TEXT NOT NULL, priority INTEGER NOT NULL, "
                         "previous_priority INTEGER NOT NULL, stage INTEGER NOT NULL, due INTEGER, overdue INTEGER NOT NULL, "
                         "dimensions TEXT NOT NULL, outcome TEXT NOT NULL, detail TEXT NOT NULL, actor TEXT NOT NULL);"
                         "CREATE TABLE history_meta (name TEXT PRIMARY KEY, value INTEGER NOT NULL);"
                         "CREATE INDEX history_item ON history (item, seq) WHERE item <> '';"
                         "CREATE INDEX history_agent ON history (agent, seq) WHERE agent <> '';"
                         "CREATE INDEX history_process_at ON history (process, at) WHERE process <> '';"
                         "INSERT INTO history VALUES (1, 1000, 'item', 'W1', 'capture', 'none', 'queued', '', 'Sales', "
                         "'Sales.Any', 101, 0, -1, NULL, 0, '{\"segment\":\"Gold\",\"score\":\"7\"}', '', '', 'crm');"
                         "INSERT INTO history VALUES (2, 2000, 'agent', '', 'lunch', 'none', 'queued', 'ann', 'Sales', "
                         "'Sales.Any', 102, 0, -1, 3000, 0, '', '', '', 'crm');",
                         nullptr, nullptr, nullptr),
            SQLITE_OK)
      << sqlite3_errmsg(db);
  sqlite3_close(db);
  std::string error;
  auto reader = Store::open_reader(file, &error);
  ASSERT_TRUE(reader) << error;
  const auto back = all(*reader);
  ASSERT_EQ(back.size(), 2u);
  Record first = rec(1, 1000, "W1", "");
  first.due.reset();
  first.overdue = false;
  expect_same(back[0], first);
  expect_same(back[1], rec(2, 2000, "", "ann", RecordKind::Agent));
  reader.reset();

  {  // migrated on a connection someone else owns, as `iwd serve` opens its journal.db
    ASSERT_EQ(sqlite3_open(file.c_str(), &db), SQLITE_OK);
    auto writer = Store::on(db, file, &error);
    ASSERT_TRUE(writer) << error;
    const auto migrated = all(*writer);
    ASSERT_EQ(migrated.size(), 2u);
    expect_same(migrated[0], first);
    expect_same(migrated[1], rec(2, 2000, "", "ann", RecordKind::Agent));
    Record next = rec(3, 3000, "W1", "ann");
    next.from = "queued";
    next.to = "canceled";
    next.reason = "cancel";
    ASSERT_TRUE(writer->append({next}, &error)) << error;  // it writes the new version now
    writer.reset();
    sqlite3_close(db);
  }
  EXPECT_EQ(column(file, "SELECT value FROM history_meta WHERE name = 'schema'"), (std::vector<std::string>{"6"}));
  // Version 5's item entries: the copied records' and the one appended after.
  EXPECT_EQ(column(file, "SELECT seq || ' ' || item FROM history_item_recent UNION ALL SELECT seq || ' ' || item FROM "
                         "history_items ORDER BY 1"),
            (std::vector<std::string>{"1 W1", "3 W1"}));
  EXPECT_EQ(column(file, "SELECT name FROM sqlite_schema WHERE name IN ('history_v1', 'history_agent', "
                         "'history_process_at') OR name LIKE 'history_agg%' ORDER BY name"),
            (std::vector<std::string>{"history_agg", "history_agg_groupings", "history_agg_items"}));
  EXPECT_EQ(column(file, "SELECT dimension_set FROM history ORDER BY seq"), (std::vector<std::string>{"1", "0", "1"}));
  // The migrated capture counted (entered, then canceled by the record written after).
  EXPECT_EQ(column(file, "SELECT bucket || ' ' || value || ' ' || entered || ' ' || canceled || ' ' || backlog_change "
                         "FROM history_agg WHERE by_name = 'process'"),
            (std::vector<std::string>{"0 Sales.Any 1 1 0"}));
  // The items' state at the checkpoint the writer's clean close wrote: after seq 3, none open.
  EXPECT_EQ(column(file, "SELECT COUNT(*) FROM history_agg_items"), (std::vector<std::string>{"0"}));
  EXPECT_EQ(column(file, "SELECT value FROM history_meta WHERE name = 'agg_items_seq'"),
            (std::vector<std::string>{"3"}));

  ASSERT_EQ(sqlite3_open(file.c_str(), &db), SQLITE_OK);
  sqlite3_exec(db, "UPDATE history_meta SET value = 7 WHERE name = 'schema'", nullptr, nullptr, nullptr);
  sqlite3_close(db);
  EXPECT_FALSE(Store::open_reader(file, &error));
  EXPECT_NE(error.find("schema version 7, newer than this iwd reads (1 to 6)"), std::string::npos) << error;
  EXPECT_FALSE(Store::create(file, &error));
  EXPECT_NE(error.find("v1.db' holds an event history of schema version 7, newer than this iwd writes (6)"),
            std::string::npos)
      << error;
}


// Version 5 (SQLite): an item's records are found through two tables written in the records'
// transaction, not an index on history (whose entries went to the middle of its b-tree at each
// commit): history_item_recent, appended with the records (keyed by seq), and history_items,
// where every 1,024 entries of the first are moved sorted by item. An item's timeline reads
// both: whole whether its records are merged, recent or some of each, before and after a
// reopen, and after a purge (the purged records' entries go with them).
std::vector<std::int64_t> timeline(Store& s, const std::string& item) {
  std::vector<std::int64_t> seqs;
  std::string error;
  EXPECT_TRUE(s.read_item(item, [&](const Record& r) {
    EXPECT_EQ(r.item, item);
    seqs.push_back(r.seq);
    return true;
  }, &error)) << error;
  return seqs;
}

TEST(HistoryStore, AnItemsEntriesAppendWithItsRecordsAndAreMergedSorted) {
  const iwd::testing::TempDir dir("iwd-history-item-entries-");
  const std::string file = (dir.path() / "h.db").string();
  std::string error;
  std::map<std::string, std::vector<std::int64_t>> expected;
  {
    auto s = Store::create(file, &error);
    ASSERT_TRUE(s) << error;
    std::int64_t seq = 0;
    for (int batch = 0; batch < 84; ++batch) {  // 2,520 records in transactions of 30, as `iwd serve`'s
      std::vector<Record> rs;
      for (int k = 0; k < 30; ++k) {
        ++seq;
        const bool agent = seq % 10 == 0;  // no item: no entry
        const std::string item = agent ? "" : "I" + std::to_string((seq * 7919) % 13);
        rs.push_back(rec(seq, seq * 10, item, agent ? "ann" : "", agent ? RecordKind::Agent : RecordKind::Item));
        if (!agent) expected[item].push_back(seq);
      }
      ASSERT_TRUE(s->append(rs, &error)) << error;
    }
    for (const auto& [item, seqs] : expected) EXPECT_EQ(timeline(*s, item), seqs) << item;
  }
  // 2,268 entries: two merges of 1,026 (the first batches that reached 1,024), 216 recent.
  EXPECT_EQ(column(file, "SELECT count(*) FROM history_items"), (std::vector<std::string>{"2052"}));
  EXPECT_EQ(column(file, "SELECT count(*) || ' ' || min(seq) || ' ' || max(seq) FROM history_item_recent"),
            (std::vector<std::string>{"216 2281 2519"}));
  EXPECT_EQ(column(file, "SELECT name FROM sqlite_schema WHERE type = 'index' AND tbl_name = 'history_rows'"),
            std::vector<std::string>{});
  auto reader = Store::open_reader(file, &error);
  ASSERT_TRUE(reader) << error;
  for (const auto& [item, seqs] : expected) EXPECT_EQ(timeline(*reader, item), seqs) << item;
  EXPECT_EQ(timeline(*reader, "nobody"), std::vector<std::int64_t>{});
  reader.reset();

  auto s = Store::create(file, &error);
  ASSERT_TRUE(s) << error;
  EXPECT_EQ(s->purge(2400 * 10, 2300, &error), 2300);  // merged entries and recent ones
  EXPECT_EQ(column(file, "SELECT count(*) FROM history_items WHERE seq <= 2300"), (std::vector<std::string>{"0"}));
  EXPECT_EQ(column(file, "SELECT count(*) || ' ' || min(seq) FROM history_item_recent"),
            (std::vector<std::string>{"198 2301"}));
  for (auto& [item, seqs] : expected) {
    seqs.erase(seqs.begin(), std::find_if(seqs.begin(), seqs.end(), [](std::int64_t q) { return q > 2300; }));
    EXPECT_EQ(timeline(*s, item), seqs) << item;
  }
}

// An entry is a pointer to a record of the item's: records deleted behind the store's back (a
// history older than its entries) and written again under the same seqs neither fail the
// append nor show in the old item's timeline.
// A history file of 1,100 captures in one transaction (their entries merged), record k's item
// item(k).
std::string merged_history(const iwd::testing::TempDir& dir, const std::function<std::string(int)>& item) {
  const std::string file = (dir.path() / "h.db").string();
  std::string error;
  auto s = Store::create(file, &error);
  EXPECT_TRUE(s) << error;
  std::vector<Record> rs;
  for (int k = 1; k <= 1100; ++k) rs.push_back(rec(k, k, item(k), ""));
  EXPECT_TRUE(s && s->append(rs, &error)) << error;
  return file;
}

TEST(HistoryStore, EntriesOfRecordsDeletedBehindTheStoreAreLeftOut) {
  const iwd::testing::TempDir dir("iwd-history-stale-entries-");
  const std::string file = merged_history(dir, [](int) { return "A"; });
  std::string error;
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(file.c_str(), &db), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(db, "DELETE FROM history", nullptr, nullptr, nullptr), SQLITE_OK);
  sqlite3_close(db);
  auto s = Store::create(file, &error);
  ASSERT_TRUE(s) << error;
  ASSERT_TRUE(s->append({rec(1, 1, "B", ""), rec(2, 1, "B", "")}, &error)) << error;
  EXPECT_EQ(timeline(*s, "A"), std::vector<std::int64_t>{});
  EXPECT_EQ(timeline(*s, "B"), (std::vector<std::int64_t>{1, 2}));
}

// A history file made by this store turned back into version 5's tables: the records in the
// table history with their texts (as the view of version 6 shows them), no history_names.
void to_version_5(const std::string& file) {
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(file.c_str(), &db), SQLITE_OK);
  char* message = nullptr;
  EXPECT_EQ(sqlite3_exec(db,
                         "BEGIN;"
                         "CREATE TABLE history_text AS SELECT * FROM history;"
                         "DROP VIEW history_v; DROP TRIGGER history_delete; DROP VIEW history; DROP TABLE history_rows; "
                         "DROP TABLE history_names;"
                         "CREATE TABLE history (seq INTEGER PRIMARY KEY, at INTEGER NOT NULL, kind TEXT NOT NULL, "
                         "item TEXT NOT NULL, reason TEXT NOT NULL, from_state TEXT NOT NULL, to_state TEXT NOT NULL, "
                         "agent TEXT NOT NULL, department TEXT NOT NULL, process TEXT NOT NULL, priority INTEGER NOT NULL, "
                         "previous_priority INTEGER NOT NULL, stage INTEGER NOT NULL, due INTEGER, overdue INTEGER NOT NULL, "
                         "dimension_set INTEGER NOT NULL, outcome TEXT NOT NULL, detail TEXT NOT NULL, actor TEXT NOT NULL);"
                         "INSERT INTO history SELECT * FROM history_text ORDER BY seq; DROP TABLE history_text;"
                         "CREATE VIEW history_v AS SELECT h.seq, h.at, h.kind, h.item, h.reason, h.from_state, h.to_state, "
                         "h.agent, h.department, h.process, h.priority, h.previous_priority, h.stage, h.due, h.overdue, "
                         "COALESCE(d.dimensions, '') AS dimensions, h.outcome, h.detail, h.actor "
                         "FROM history h LEFT JOIN history_dimensions d ON d.id = h.dimension_set;"
                         "UPDATE history_meta SET value = 5 WHERE name = 'schema';"
                         "COMMIT;",
                         nullptr, nullptr, &message),
            SQLITE_OK)
      << (message ? message : "");
  sqlite3_free(message);
  sqlite3_close(db);
}

// Version 6 (SQLite): a record's kind, reason, states, agent, department, process, outcome and
// actor are ids of history_names (each name written once, 0 for none), its other values as
// before; the view history shows the texts. Every value is read back as appended, by ranges
// and items, by the writer and a reader; a name first written in a transaction rolled back is
// written again by the next that uses it.
TEST(HistoryStore, Version6CodesTheRecordsNamesAndReadsThemBack) {
  const iwd::testing::TempDir dir("iwd-history-v6-");
  const std::string file = (dir.path() / "h.db").string();
  std::string error;
  std::vector<Record> written;
  for (int k = 1; k <= 6; ++k) {
    Record r = rec(k, k * 10, k == 4 ? "" : "W" + std::to_string(k % 2), k == 4 ? "ann" : (k == 5 ? "bob" : ""),
                   k == 4 ? RecordKind::Agent : (k == 6 ? RecordKind::Priority : RecordKind::Item));
    if (k == 3) {
      r.reason = "done";
      r.from = "assigned";
      r.to = "done";
      r.detail = "a note, free text";
    }
    written.push_back(r);
  }
  {
    auto s = Store::create(file, &error);
    ASSERT_TRUE(s) << error;
    ASSERT_TRUE(s->append({written[0], written[1], written[2]}, &error)) << error;
    ASSERT_TRUE(s->append({written[3], written[4], written[5]}, &error)) << error;
    expect_all(*s, written);
  }
  auto reader = Store::open_reader(file, &error);
  ASSERT_TRUE(reader) << error;
  expect_all(*reader, written);
  std::vector<Record> w1;
  ASSERT_TRUE(reader->read_item("W1", [&](const Record& r) { w1.push_back(r); return true; }, &error)) << error;
  ASSERT_EQ(w1.size(), 3u);
  expect_same(w1[1], written[2]);
  reader.reset();
  EXPECT_EQ(column(file, "SELECT value FROM history_meta WHERE name = 'schema'"), (std::vector<std::string>{"6"}));
  // Each name once ("" and 15 others); the rows hold their ids (the detail, a free text, and
  // the item as they are).
  EXPECT_EQ(column(file, "SELECT count(*) || ' ' || count(DISTINCT name) FROM history_names"),
            (std::vector<std::string>{"16 16"}));
  EXPECT_EQ(column(file, "SELECT typeof(kind) || typeof(reason) || typeof(agent) || typeof(actor) || ' ' || "
                         "typeof(item) || typeof(detail) FROM history_rows WHERE seq = 3"),
            (std::vector<std::string>{"integerintegerintegerinteger texttext"}));
  EXPECT_EQ(column(file, "SELECT agent FROM history_rows WHERE seq = 1"), (std::vector<std::string>{"0"}));
  EXPECT_EQ(column(file, "SELECT kind || ' ' || item || ' ' || reason || ' ' || from_state || ' ' || to_state || ' ' || "
                         "agent || ' ' || outcome || ' ' || detail || ' ' || actor FROM history ORDER BY seq LIMIT 3 OFFSET 2"),
            (std::vector<std::string>{"item W1 done assigned done  converted a note, free text crm",
                                      "agent  lunch none queued ann   crm", "item W1 capture none queued bob   crm"}));
  // A record deleted through the view goes from history_rows.
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(file.c_str(), &db), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(db, "DELETE FROM history WHERE seq = 6", nullptr, nullptr, nullptr), SQLITE_OK)
      << sqlite3_errmsg(db);
  sqlite3_close(db);
  EXPECT_EQ(column(file, "SELECT count(*) FROM history_rows"), (std::vector<std::string>{"5"}));

  // A name new in a transaction rolled back (the owner's) is written again by the next one.
  ASSERT_EQ(sqlite3_open(file.c_str(), &db), SQLITE_OK);
  {
    auto s = Store::on(db, file, &error);
    ASSERT_TRUE(s) << error;
    Record r = rec(7, 70, "W7", "cid");
    r.actor = "batch-source";
    ASSERT_EQ(sqlite3_exec(db, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr), SQLITE_OK);
    ASSERT_TRUE(s->append({r}, &error)) << error;
    ASSERT_EQ(sqlite3_exec(db, "ROLLBACK", nullptr, nullptr, nullptr), SQLITE_OK);
    s->rolled_back();
    ASSERT_EQ(sqlite3_exec(db, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr), SQLITE_OK);
    ASSERT_TRUE(s->append({r}, &error)) << error;
    ASSERT_EQ(sqlite3_exec(db, "COMMIT", nullptr, nullptr, nullptr), SQLITE_OK);
  }
  sqlite3_close(db);
  EXPECT_EQ(column(file, "SELECT agent || ' ' || actor FROM history WHERE seq = 7"),
            (std::vector<std::string>{"cid batch-source"}));
}

// A name's id past the dense range (ids a store keeps in a vector, to 2^16): read back by a
// reader and a writer, and a writer's next new name numbered after it, read back too (before,
// a reader answered "no name" for such an id).
TEST(HistoryStore, NamesWithIdsBeyondTheDenseRangeAreReadBack) {
  const iwd::testing::TempDir dir("iwd-history-far-");
  const std::string file = (dir.path() / "h.db").string();
  std::string error;
  std::vector<Record> written = {rec(1, 10, "W1", "ann"), rec(2, 20, "W2", "bob")};
  {
    auto s = Store::create(file, &error);
    ASSERT_TRUE(s) << error;
    ASSERT_TRUE(s->append(written, &error)) << error;
  }
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(file.c_str(), &db), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(db,
                         "BEGIN;"
                         "UPDATE history_rows SET agent = 16777300 WHERE agent = (SELECT id FROM history_names WHERE name = 'ann');"
                         "UPDATE history_names SET id = 16777300 WHERE name = 'ann';"
                         "COMMIT;",
                         nullptr, nullptr, nullptr),
            SQLITE_OK)
      << sqlite3_errmsg(db);
  sqlite3_close(db);
  {
    auto reader = Store::open_reader(file, &error);
    ASSERT_TRUE(reader) << error;
    expect_all(*reader, written);
  }
  {
    auto s = Store::create(file, &error);
    ASSERT_TRUE(s) << error;
    written.push_back(rec(3, 30, "W3", "zed"));
    ASSERT_TRUE(s->append({written[2]}, &error)) << error;
    expect_all(*s, written);
  }
  EXPECT_EQ(column(file, "SELECT id FROM history_names WHERE name = 'zed'"), (std::vector<std::string>{"16777301"}));
  auto reader = Store::open_reader(file, &error);
  ASSERT_TRUE(reader) << error;
  expect_all(*reader, written);
}

// A history file of version 5 made of `batches` appends of `per_batch` records each (items I0
// to I16, every tenth record an agent's, some with a detail or an outcome), into `written`.
void make_version_5_file(const std::string& file, int batches, int per_batch, std::vector<Record>* written) {
  std::string error;
  {
    auto s = Store::create(file, &error);
    ASSERT_TRUE(s) << error;
    std::int64_t seq = 0;
    for (int batch = 0; batch < batches; ++batch) {
      std::vector<Record> rs;
      for (int k = 0; k < per_batch; ++k) {
        ++seq;
        const bool agent = seq % 10 == 0;
        Record r = rec(seq, seq * 10, agent ? "" : "I" + std::to_string(seq % 17), agent ? "a" + std::to_string(seq % 7) : "",
                       agent ? RecordKind::Agent : RecordKind::Item);
        if (seq % 11 == 0) r.detail = "note " + std::to_string(seq);
        if (seq % 13 == 0) r.outcome = "code" + std::to_string(seq % 3);
        rs.push_back(r);
      }
      ASSERT_TRUE(s->append(rs, &error)) << error;
      written->insert(written->end(), rs.begin(), rs.end());
    }
  }
  to_version_5(file);
  ASSERT_EQ(column(file, "SELECT value FROM history_meta WHERE name = 'schema'"), (std::vector<std::string>{"5"}));
}

// The timelines of items I0 to I16 read from `s`, each the seqs of its records in `written`.
void expect_timelines(Store& s, const std::vector<Record>& written) {
  std::map<std::string, std::vector<std::int64_t>> expected;
  for (const Record& r : written)
    if (!r.item.empty()) expected[r.item].push_back(r.seq);
  for (int i = 0; i < 17; ++i) {
    const std::string item = "I" + std::to_string(i);
    EXPECT_EQ(timeline(s, item), expected[item]) << item;
  }
}

// A file of version 5 (the records' texts in the table history) is read as it is, and a writer
// brings it to version 6 in one transaction: every record the same, read back by range and by
// item, the table of texts gone, the next records coded.
TEST(HistoryStore, AVersion5FileIsCodedByAWriterKeepingEveryRecord) {
  const iwd::testing::TempDir dir("iwd-history-v5-");
  const std::string file = (dir.path() / "h.db").string();
  std::string error;
  std::vector<Record> written;
  make_version_5_file(file, 40, 30, &written);  // 1,200 records: entries merged and recent ones
  if (::testing::Test::HasFatalFailure()) return;
  const auto timelines = [&](Store& s) { expect_timelines(s, written); };
  {
    auto reader = Store::open_reader(file, &error);
    ASSERT_TRUE(reader) << error;
    expect_all(*reader, written);
    timelines(*reader);
  }
  {
    auto s = Store::create(file, &error);  // a writer: brought to version 6
    ASSERT_TRUE(s) << error;
    expect_all(*s, written);
    Record next = rec(1201, 12010, "I3", "newcomer");
    ASSERT_TRUE(s->append({next}, &error)) << error;
    written.push_back(next);
  }
  EXPECT_EQ(column(file, "SELECT value FROM history_meta WHERE name = 'schema'"), (std::vector<std::string>{"6"}));
  EXPECT_EQ(column(file, "SELECT type || ' ' || name FROM sqlite_schema WHERE name IN ('history', 'history_rows', "
                         "'history_v5') ORDER BY name"),
            (std::vector<std::string>{"view history", "table history_rows"}));
  EXPECT_EQ(column(file, "SELECT count(*) FROM history_rows WHERE typeof(reason) <> 'integer'"),
            (std::vector<std::string>{"0"}));
  auto reader = Store::open_reader(file, &error);
  ASSERT_TRUE(reader) << error;
  expect_all(*reader, written);
  timelines(*reader);
}

// How far a child's migration went (written by the child, read by the parent after the kill):
// the statements it began, traced by SQLite in every connection the child opens.
struct Progress {
  std::atomic<int> begun{0};      // BEGIN traced (the migration's transaction)
  std::atomic<int> committing{0}; // COMMIT traced after it
  std::atomic<int> copying{0};    // the copy of the rows into history_rows begun
  std::atomic<int> pause_at_copy{0};  // set by the parent: the child stops there, says so, waits
};
Progress* traced = nullptr;  // the child's, in memory shared with the parent
int paused_fd = -1;          // the child's end of the pipe to the parent

int trace(unsigned, void*, void*, void* x) {
  const char* sql = static_cast<const char*>(x);
  if (std::strncmp(sql, "BEGIN", 5) == 0) traced->begun = 1;
  if (std::strncmp(sql, "COMMIT", 6) == 0 && traced->begun) traced->committing = 1;
  if (std::strncmp(sql, "INSERT INTO history_rows", 24) == 0 && traced->begun) {
    traced->copying = 1;
    if (traced->pause_at_copy) {  // the table renamed aside and the names written, uncommitted
      const char c = 'p';
      if (write(paused_fd, &c, 1) != 1) _exit(2);
      for (;;) pause();
    }
  }
  return 0;
}

int trace_statements(sqlite3* db, const char**, const struct sqlite3_api_routines*) {
  sqlite3_trace_v2(db, SQLITE_TRACE_STMT, trace, nullptr);
  return SQLITE_OK;
}

// Where a kill of a writer bringing a file to version 6 landed (migrate_and_kill).
struct Kill {
  bool started = false;    // the child said it was about to open the file
  bool migrated = false;   // the child's Store::create had returned (the migration committed)
  bool failed = false;     // ... and failed
  bool by_sigkill = false;
  bool begun = false, copying = false, committing = false;  // Progress when killed
  std::uintmax_t wal = 0;  // the size of the file's WAL when killed
};

// Where migrate_and_kill kills its child.
enum class KillAt { BeforeOpening, AfterDelay, AtTheRowsCopy, Committed };

// Forks a child that opens `file` as a writer (Store::create: the migration) and waits there
// once it is done; SIGKILLs it before it opens the file (it waits for the parent's word), `delay`
// after the parent's word, at the start of the rows' copy (the child stops there and says so),
// or once its migration has committed (the store still open, its WAL not checkpointed). The
// delay only places the kill: the verdict is the data read afterwards.
Kill migrate_and_kill(const std::string& file, KillAt at, std::chrono::microseconds delay = {}) {
  Kill k;
  void* shared = mmap(nullptr, sizeof(Progress), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  int fds[2], go[2];
  if (shared == MAP_FAILED) return k;
  Progress* progress = new (shared) Progress;
  progress->pause_at_copy = at == KillAt::AtTheRowsCopy;
  if (pipe(fds) != 0) return k;
  if (pipe(go) != 0) return k;
  const pid_t pid = fork();
  if (pid == 0) {
    close(fds[0]);
    close(go[1]);
    traced = progress;
    paused_fd = fds[1];
    sqlite3_auto_extension(reinterpret_cast<void (*)()>(trace_statements));
    char c = 's';
    if (write(fds[1], &c, 1) != 1) _exit(2);
    if (read(go[0], &c, 1) != 1) _exit(2);
    std::string error;
    const auto s = Store::create(file, &error);
    c = s ? 'd' : 'f';
    if (write(fds[1], &c, 1) != 1) _exit(2);
    for (;;) pause();
  }
  close(fds[1]);
  close(go[0]);
  char c = 0;
  k.started = pid > 0 && read(fds[0], &c, 1) == 1 && c == 's';
  if (at != KillAt::BeforeOpening && k.started && write(go[1], "g", 1) != 1) k.started = false;
  if (at == KillAt::Committed) {
    if (read(fds[0], &c, 1) == 1) (c == 'd' ? k.migrated : k.failed) = true;
  } else if (at == KillAt::AtTheRowsCopy) {
    k.failed = !(read(fds[0], &c, 1) == 1 && c == 'p');  // (a 'd' or 'f': it did not stop there)
  } else if (at == KillAt::AfterDelay) {
    std::this_thread::sleep_for(delay);
  }
  if (pid > 0) {
    kill(pid, SIGKILL);
    int status = 0;
    waitpid(pid, &status, 0);
    k.by_sigkill = WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL;
  }
  if (!k.migrated && !k.failed && read(fds[0], &c, 1) == 1) (c == 'd' ? k.migrated : k.failed) = true;
  close(fds[0]);
  close(go[1]);
  k.begun = progress->begun;
  k.copying = progress->copying;
  k.committing = progress->committing;
  munmap(shared, sizeof(Progress));
  std::error_code ec;
  k.wal = fs::exists(file + "-wal", ec) ? fs::file_size(file + "-wal", ec) : 0;
  return k;
}

// A crash test of the migration to version 6 (issue 15): a version-5 file of 50,000 records,
// copied, brought to version 6 by a writer in a child process SIGKILLed before it opens the file,
// once its migration has committed, at the start of its rows' copy, and at moments spread over the migration's length (measured
// here first). After each kill the file is version 5's or version 6's whole (no table aside, no
// half of the rows), and a writer opening it again finishes the migration: version 6, every
// record there with its values (read by range), every item's timeline. Where each kill landed
// is traced (the child's SQLite statements). One kill lands mid-migration by construction: the
// child stops at the start of the rows' copy (its transaction begun, the table renamed aside,
// the names written) and is killed there; the spread ones go on (at most 40) until 5 have
// landed mid-migration, where the machine's scheduling allows.
TEST(HistoryStore, AVersion5FilesMigrationKilledMidwayLosesNoRecord) {
  const iwd::testing::TempDir dir("iwd-history-v5-kill-");
  const std::string base = (dir.path() / "v5.db").string();
  std::vector<Record> written;
  make_version_5_file(base, 50, 1000, &written);
  if (HasFatalFailure()) return;
  ASSERT_EQ(written.size(), 50'000u);
  const std::vector<std::string> tables_5{"table history"};
  const std::vector<std::string> tables_6{"view history", "table history_names", "table history_rows"};
  const std::string tables_sql = "SELECT type || ' ' || name FROM sqlite_schema WHERE name IN ('history', "
                                 "'history_rows', 'history_names', 'history_v5') ORDER BY name";
  ASSERT_EQ(column(base, tables_sql), tables_5);
  std::string error;
  int trial = 0;
  const auto copy = [&] {
    const std::string file = (dir.path() / ("t" + std::to_string(trial++) + ".db")).string();
    fs::copy_file(base, file, fs::copy_options::overwrite_existing);
    return file;
  };
  // The migration's length here (only to spread the kills over it).
  std::chrono::microseconds length{0};
  {
    const std::string file = copy();
    const auto start = std::chrono::steady_clock::now();
    auto s = Store::create(file, &error);
    ASSERT_TRUE(s) << error;
    length = std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - start);
  }
  int before = 0, mid = 0, copying = 0, paged = 0, committing = 0, after = 0;
  // One kill: where it landed, the file whole in one version or the other, then a writer brings
  // it to version 6 with every record.
  const auto one = [&](KillAt at, std::chrono::microseconds delay) {
    const std::string file = copy();
    const Kill k = migrate_and_kill(file, at, delay);
    ASSERT_TRUE(k.started && k.by_sigkill && !k.failed) << trial << ": " << k.started << k.by_sigkill << k.failed;
    const auto version = column(file, "SELECT value FROM history_meta WHERE name = 'schema'");  // (the WAL recovered)
    const auto tables = column(file, tables_sql);
    if (k.migrated) {
      ++after;
    } else if (k.committing) {
      ++committing;
    } else if (k.begun) {
      ++mid;
      copying += k.copying;
      paged += k.wal > 0;
    } else {
      ++before;
    }
    if (k.migrated || k.committing) {
      ASSERT_FALSE(version.empty()) << trial;
    } else {
      ASSERT_EQ(version, std::vector<std::string>{"5"}) << trial;  // not committed: nothing of it
    }
    if (k.migrated) {
      EXPECT_EQ(version, std::vector<std::string>{"6"}) << trial;  // committed: there
    }
    EXPECT_EQ(tables, version == std::vector<std::string>{"6"} ? tables_6 : tables_5) << trial;
    {
      auto s = Store::create(file, &error);  // a writer: the migration finished or done again
      ASSERT_TRUE(s) << trial << ": " << error;
      const auto back = all(*s);
      ASSERT_EQ(back.size(), written.size()) << trial;
      for (std::size_t r = 0; r < back.size() && !HasFailure(); ++r) expect_same(back[r], written[r]);
      expect_timelines(*s, written);
    }
    EXPECT_EQ(column(file, "SELECT value FROM history_meta WHERE name = 'schema'"), std::vector<std::string>{"6"});
    EXPECT_EQ(column(file, tables_sql), tables_6) << trial;
    std::error_code ec;
    for (const char* end : {"", "-wal", "-shm"}) fs::remove(file + end, ec);
  };
  one(KillAt::BeforeOpening, {});  // before the child's migration: the file untouched
  if (HasFailure()) return;
  EXPECT_EQ(before, 1);
  one(KillAt::Committed, {});  // once committed (the writer still open)
  if (HasFailure()) return;
  EXPECT_EQ(after, 1);
  one(KillAt::AtTheRowsCopy, {});  // mid-migration: the table aside, the names written, uncommitted
  if (HasFailure()) return;
  EXPECT_EQ(mid, 1);
  EXPECT_EQ(copying, 1);
  // 20 kills spread from the start to 1.2 times the migration's length, then more in its middle
  // until 5 landed mid-migration (a loaded machine may have stretched the first ones).
  for (int n = 0; n < 40 && (n < 20 || mid < 5) && !HasFailure(); ++n) {
    const double share = n < 20 ? 1.2 * n / 19 : 0.2 + 0.7 * (n - 20) / 19;
    one(KillAt::AfterDelay, std::chrono::microseconds{static_cast<std::int64_t>(share * static_cast<double>(length.count()))});
  }
  std::printf("[   kills  ] migration %lld us, %d kills: %d before its transaction, %d mid-migration (%d in the copy "
              "of the rows, %d with pages of it in the WAL), %d committing, %d after its commit\n",
              static_cast<long long>(length.count()), trial - 1, before, mid, copying, paged, committing, after);
  // (How many of the spread kills landed mid-migration depends on the machine's scheduling: it
  // is printed, not asserted; the kill at the rows' copy above lands there every time.)
}

// A file of version 4 (the index history_item) is read through its index, and a writer brings
// it to version 6: the index's entries into history_items, the index gone.
TEST(HistoryStore, AVersion4FilesIndexBecomesItsItemEntries) {
  const iwd::testing::TempDir dir("iwd-history-v4-");
  const std::string file = (dir.path() / "h.db").string();
  std::string error;
  {
    auto s = Store::create(file, &error);
    ASSERT_TRUE(s) << error;
    ASSERT_TRUE(s->append({rec(1, 10, "W1", ""), rec(2, 20, "W2", ""), rec(3, 30, "", "ann", RecordKind::Agent),
                           rec(4, 40, "W1", "ann")},
                          &error))
        << error;
  }
  to_version_5(file);
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(file.c_str(), &db), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(db,
                         "DROP TABLE history_items; DROP TABLE history_item_recent; "
                         "CREATE INDEX history_item ON history (item, seq) WHERE item <> ''; "
                         "UPDATE history_meta SET value = 4 WHERE name = 'schema'",
                         nullptr, nullptr, nullptr),
            SQLITE_OK)
      << sqlite3_errmsg(db);
  sqlite3_close(db);
  auto reader = Store::open_reader(file, &error);
  ASSERT_TRUE(reader) << error;
  EXPECT_EQ(timeline(*reader, "W1"), (std::vector<std::int64_t>{1, 4}));
  reader.reset();
  {
    auto s = Store::create(file, &error);
    ASSERT_TRUE(s) << error;
    EXPECT_EQ(timeline(*s, "W1"), (std::vector<std::int64_t>{1, 4}));
    ASSERT_TRUE(s->append({rec(5, 50, "W2", "")}, &error)) << error;
    EXPECT_EQ(timeline(*s, "W2"), (std::vector<std::int64_t>{2, 5}));
  }
  EXPECT_EQ(column(file, "SELECT value FROM history_meta WHERE name = 'schema'"), (std::vector<std::string>{"6"}));
  EXPECT_EQ(column(file, "SELECT name FROM sqlite_schema WHERE name = 'history_item'"), std::vector<std::string>{});
  EXPECT_EQ(column(file, "SELECT item || ' ' || seq FROM history_items"),
            (std::vector<std::string>{"W1 1", "W1 4", "W2 2"}));
  EXPECT_EQ(column(file, "SELECT item || ' ' || seq FROM history_item_recent"), (std::vector<std::string>{"W2 5"}));
}

// A damaged page of item entries is an error of the timelines that read it, never a timeline
// with records left out (as a damaged index page was).
TEST(HistoryStore, ADamagedPageOfItemEntriesIsAnErrorNotAShorterTimeline) {
  const iwd::testing::TempDir dir("iwd-history-damaged-entries-");
  const std::string file = merged_history(dir, [](int k) { return "I" + std::to_string(k % 50); });
  std::string error;
  column(file, "PRAGMA wal_checkpoint(TRUNCATE)");  // the pages into the file
  const auto leaves = column(file, "SELECT pageno FROM dbstat WHERE name = 'history_items' AND pagetype = 'leaf' ORDER BY path");
  ASSERT_GE(leaves.size(), 2u);
  const std::int64_t page = std::stoll(leaves[1]);
  const long size = std::stol(column(file, "PRAGMA page_size").at(0));
  {
    std::FILE* f = std::fopen(file.c_str(), "r+b");
    ASSERT_TRUE(f);
    std::fseek(f, (page - 1) * size, SEEK_SET);
    ASSERT_EQ(std::fgetc(f), 0x0a) << "an index leaf page";
    std::fseek(f, (page - 1) * size, SEEK_SET);
    std::fputc(0x07, f);
    std::fclose(f);
  }
  auto reader = Store::open_reader(file, &error);
  ASSERT_TRUE(reader) << error;
  int failed = 0;
  for (int k = 0; k < 50; ++k) {
    error.clear();
    std::size_t n = 0;
    if (!reader->read_item("I" + std::to_string(k), [&](const Record&) {
      ++n;
      return true;
    }, &error)) {
      ++failed;
      EXPECT_NE(error.find("malformed"), std::string::npos) << error;
    } else {
      EXPECT_EQ(n, 22u) << "I" << k << ": a timeline read is whole";
    }
  }
  EXPECT_GT(failed, 0) << "the items on the damaged page";
  EXPECT_EQ(all(*reader).size(), 1100u) << "the records themselves are not damaged";
}
// MultiInsert on SQLite unbinds every parameter of a statement after its run (one pass, not a
// call per text bound without a copy): a run binds each of its parameters again, and one it
// left unbound is NULL, never the value of the row the statement inserted before.
TEST(HistoryMultiInsert, ARunLeavesNoParameterBoundForTheNext) {
  const iwd::testing::TempDir tmp("iwd_history_multi_insert_");
  std::string error;
  const std::unique_ptr<sqlstore::Database> db = sqlstore::open_sqlite((tmp.path() / "t.db").string(), &error);
  ASSERT_TRUE(db) << error;
  ASSERT_TRUE(db->exec("CREATE TABLE t (n INTEGER PRIMARY KEY, i INTEGER, s TEXT)").ok());
  MultiInsert insert("INSERT INTO t (n, i, s)", 3);
  const std::string text = "kept by the caller";
  sqlstore::Status status;
  for (std::int64_t run = 0; run < 2; ++run)  // 5 rows a run: statements of 4 and 1 rows, each run twice
    ASSERT_TRUE(insert.run(*db, 5,
                           [&](sqlstore::Statement& st, std::size_t row, int first) {
                             st.bind_int64(first, run * 10 + static_cast<std::int64_t>(row));
                             if (run == 0) {  // the second run binds the key only
                               st.bind_int64(first + 1, 7);
                               st.bind_text_static(first + 2, text);
                             }
                           },
                           &status))
        << status.message;
  insert.clear();
  const std::unique_ptr<sqlstore::Statement> read = db->prepare("SELECT n, i, s FROM t ORDER BY n", &status);
  ASSERT_TRUE(read) << status.message;
  for (std::int64_t n : {0, 1, 2, 3, 4, 10, 11, 12, 13, 14}) {
    ASSERT_EQ(read->step(&status), sqlstore::Step::Row) << status.message;
    EXPECT_EQ(read->column_int64(0), n);
    EXPECT_EQ(read->is_null(1), n >= 10) << n;
    EXPECT_EQ(read->is_null(2), n >= 10) << n;
    if (n < 10) {
      EXPECT_EQ(read->column_text(2), text);
    }
  }
  EXPECT_EQ(read->step(&status), sqlstore::Step::Done);
}
}  // namespace
}  // namespace iwd::history
