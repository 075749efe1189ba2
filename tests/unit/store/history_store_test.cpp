// The event history's SQL on both backends (issue 18): the same cases on SQLite and on
// PostgreSQL (a cluster of its own per test). The `report by` sets (history/dimension_sets.h)
// and the aggregates' statements on tables of their own; then the whole history::Store, on
// PostgreSQL in pgstore's tables under a workspace's lease.
#include <gtest/gtest.h>

#include <chrono>

#include "history/aggregates.h"
#include "history/dimension_sets.h"
#include "history/store.h"
#include "pgstore/lease.h"
#include "pgstore/schema.h"
#include "tests/unit/sqlstore/backend.h"

namespace iwd::history {
namespace {

using sqlstore::Dialect;

// history::Store on a store someone else owns (as `iwd serve` on its journal's): SQLite's
// file, or PostgreSQL's workspace `default` under its lease at epoch 1, pgstore's tables.
class HistoryStoreTest : public sqlstore::testing::BackendTest {
 protected:
  void SetUp() override {
    BackendTest::SetUp();
    ASSERT_TRUE(db);
    if (GetParam() == Dialect::SQLite) {
      ASSERT_TRUE(db->exec("PRAGMA journal_mode=WAL").ok());  // a reader beside the writer, as journal.db
      return;
    }
    pgstore::Status s = pgstore::create_schema(*conn);
    ASSERT_TRUE(s.ok()) << s.message;
    ASSERT_TRUE(take("default", 1).ok());
    ASSERT_TRUE((s = pg().set_session("iwd.workspace", "default")).ok()) << s.message;
    ASSERT_TRUE((s = pg().set_session("iwd.epoch", "1")).ok()) << s.message;
  }
  pgstore::Status take(const std::string& workspace, std::int64_t epoch) {
    pgstore::Lease lease;
    pgstore::Status s = pgstore::acquire(*conn, workspace, "node-a", std::chrono::minutes(1), &lease);
    EXPECT_EQ(lease.epoch, epoch) << s.message;
    return s;
  }
  // A reader on a connection of its own: the file, or a session of `workspace`.
  std::unique_ptr<Store> reader(std::string* error, const std::string& workspace = "default") {
    if (GetParam() == Dialect::SQLite) return Store::open_reader(dir + "/store.db", error);
    sessions.push_back(std::make_unique<pgstore::Connection>(cluster->conninfo()));
    auto session = std::make_unique<sqlstore::PgDatabase>(*sessions.back());
    EXPECT_TRUE(session->set_session("iwd.workspace", workspace).ok());
    return Store::open_reader(std::move(session), "test reader", error);
  }
  // Appends in a transaction of the owner's, as the group committer does.
  bool append(Store& s, const std::vector<Record>& records, std::string* error) {
    if (const sqlstore::Status b = db->begin(); !b.ok()) return *error = b.message, false;
    if (!s.append(records, error)) {
      db->rollback();
      s.rolled_back();
      return false;
    }
    const sqlstore::Status c = db->commit();
    if (!c.ok()) *error = c.message;
    return c.ok();
  }
  static Record record(std::int64_t seq, std::int64_t at, const std::string& item, const std::string& from,
                       const std::string& to, const std::string& reason) {
    Record r;
    r.seq = seq;
    r.at = at;
    r.item = item;
    r.from = from;
    r.to = to;
    r.reason = reason;
    r.process = "Sales";
    r.department = "D";
    r.dimensions = {{"segment", "Gold"}};
    r.actor = "crm";
    if (to == "completed") r.outcome = "won", r.detail = "a note";
    return r;
  }
  std::vector<std::unique_ptr<pgstore::Connection>> sessions;  // the readers' (outlive them: declared first)
};

// The sets and aggregates on their own: SQLite's tables made here, PostgreSQL's pgstore's.
class HistorySetsStoreTest : public HistoryStoreTest {
 protected:
  void SetUp() override {
    HistoryStoreTest::SetUp();
    if (GetParam() != Dialect::SQLite) return;
    const sqlstore::Status s =
        db->exec(db->ddl("CREATE TABLE history_dimensions (id INTEGER PRIMARY KEY, dimensions TEXT NOT NULL UNIQUE)"));
    ASSERT_TRUE(s.ok()) << s.message;
  }
};

TEST_P(HistorySetsStoreTest, ASetIsWrittenOnceAndReadBackByAnotherReader) {
  const DimensionSets::Set gold{{"segment", "Gold"}}, silver{{"segment", "Silver"}, {"region", "EMEA"}};
  std::string error;
  DimensionSets writer;
  writer.attach(db.get(), "test");
  EXPECT_EQ(writer.id_of({}, &error), 0);
  EXPECT_EQ(writer.id_of(gold, &error), 1) << error;
  EXPECT_EQ(writer.id_of(silver, &error), 2) << error;
  EXPECT_EQ(writer.id_of(gold, &error), 1) << error;  // known: no second row (UNIQUE would refuse it)

  DimensionSets reader;
  reader.attach(db.get(), "test");
  const DimensionSets::Set* read = reader.set_of(2, &error);
  ASSERT_TRUE(read) << error;
  EXPECT_EQ(*read, silver);
  EXPECT_FALSE(reader.set_of(3, &error));
  EXPECT_NE(error.find("no set 3"), std::string::npos) << error;

  // A transaction that wrote a set rolled back: forgotten, the set gets the same id again.
  ASSERT_TRUE(db->begin().ok());
  EXPECT_EQ(writer.id_of({{"segment", "Bronze"}}, &error), 3) << error;
  ASSERT_TRUE(db->rollback().ok());
  writer.forget();
  EXPECT_EQ(writer.id_of({{"segment", "Bronze"}}, &error), 3) << error;
  writer.detach();
  reader.detach();
}

// The aggregates' statements (history/aggregates.h): a cell written by a counts-only upsert,
// then read, added to and written again by a completion, the items' checkpoint, read back.
TEST_P(HistorySetsStoreTest, AggregatesWrittenAndReadBack) {
  if (GetParam() == Dialect::SQLite) {
    for (const char* sql : Aggregates::kSchema) {
      const sqlstore::Status s = db->exec(sql);
      ASSERT_TRUE(s.ok()) << s.message << ": " << sql;
    }
    ASSERT_TRUE(db->exec("CREATE TABLE history_meta (name TEXT PRIMARY KEY, value INTEGER NOT NULL)").ok());
  }
  DimensionSets sets;
  sets.attach(db.get(), "test");
  Aggregates agg;
  agg.attach(db.get(), "test", &sets, [](std::int64_t, std::int64_t, const std::function<bool(const Record&)>&,
                                         std::string*) { return true; },
             [](const std::string&) {});
  const std::int64_t t0 = 1'700'000'000'000 - 1'700'000'000'000 % kBucketMs;
  const auto plain = [](Record r) {  // without `report by` values: the set passed is 0
    r.dimensions.clear();
    return r;
  };
  std::string error;
  const auto batch = [&](const std::vector<Record>& records) {
    ASSERT_TRUE(db->begin().ok());
    for (const Record& r : records) ASSERT_TRUE(agg.add(r, 0, &error)) << error;
    ASSERT_TRUE(agg.flush(&error)) << error;
    ASSERT_TRUE(db->commit().ok());
  };
  batch({plain(record(1, t0, "a", "none", "queued", "capture")),
         plain(record(2, t0 + 1000, "b", "none", "queued", "capture"))});
  batch({plain(record(3, t0 + 60'000, "a", "queued", "completed", "complete"))});
  ASSERT_TRUE(db->begin().ok());
  ASSERT_TRUE(agg.checkpoint(&error)) << error;
  ASSERT_TRUE(db->commit().ok());

  int cells = 0;
  ASSERT_TRUE(agg.read("process", t0, t0 + kBucketMs,
                       [&](std::int64_t bucket, const std::string& value, AggregateCell& c) {
                         ++cells;
                         EXPECT_EQ(bucket, t0);
                         EXPECT_EQ(value, "Sales");
                         EXPECT_EQ(c.records, 3);
                         EXPECT_EQ(c.completed, 1);
                         EXPECT_EQ(c.complete_ms, std::vector<std::int64_t>{60'000});
                         EXPECT_EQ(c.outcomes, (std::map<std::string, std::int64_t>{{"won", 1}}));
                         EXPECT_EQ(c.backlog_change, 1);  // b is still open
                       },
                       &error))
      << error;
  EXPECT_EQ(cells, 1);
  // A reader starting now reads the open items from the checkpoint: b only.
  Aggregates reader;
  reader.attach(db.get(), "test", &sets, [](std::int64_t, std::int64_t, const std::function<bool(const Record&)>&,
                                            std::string*) { return true; },
                [](const std::string&) {});
  ASSERT_TRUE(reader.load_at_start(&error)) << error;
  EXPECT_FALSE(reader.checkpoint_due());
  reader.detach();
  agg.detach();
  sets.detach();
}

INSTANTIATE_TEST_SUITE_P(Backends, HistorySetsStoreTest, ::testing::Values(Dialect::SQLite, Dialect::PostgreSQL),
                         sqlstore::testing::backend_name);

constexpr std::int64_t kT0 = 1'700'000'000'000 - 1'700'000'000'000 % kBucketMs;

TEST_P(HistoryStoreTest, RecordsAppendedInTheOwnersTransactionsAreReadBackByAReaderOfItsOwn) {
  std::string error;
  auto writer = Store::on(*db, "test", &error);
  ASSERT_TRUE(writer) << error;
  EXPECT_EQ(writer->last_seq(&error), 0) << error;
  ASSERT_TRUE(append(*writer, {record(1, kT0, "a", "none", "queued", "capture"),
                               record(2, kT0 + 1000, "b", "none", "queued", "capture")},
                     &error))
      << error;
  ASSERT_TRUE(append(*writer, {record(3, kT0 + 60'000, "a", "queued", "completed", "complete")}, &error)) << error;
  EXPECT_FALSE(append(*writer, {record(3, kT0 + 61'000, "b", "queued", "completed", "complete")}, &error));
  EXPECT_NE(error.find("does not follow seq 3"), std::string::npos) << error;

  auto r = reader(&error);
  ASSERT_TRUE(r) << error;
  std::vector<Record> read;
  ASSERT_TRUE(r->read_range(kT0, kT0 + kBucketMs, [&](const Record& x) { return read.push_back(x), true; }, &error))
      << error;
  ASSERT_EQ(read.size(), 3u);
  EXPECT_EQ(read[2].item, "a");
  EXPECT_EQ(read[2].to, "completed");
  EXPECT_EQ(read[2].outcome, "won");
  EXPECT_EQ(read[2].detail, "a note");
  EXPECT_EQ(read[1].dimensions, (DimensionSets::Set{{"segment", "Gold"}}));
  int timeline = 0;
  ASSERT_TRUE(r->read_item("a", [&](const Record&) { return ++timeline, true; }, &error)) << error;
  EXPECT_EQ(timeline, 2);
  EXPECT_EQ(r->first_at(&error), kT0);
  EXPECT_EQ(r->last_at(&error), kT0 + 60'000);
  ASSERT_TRUE(r->aggregates());
  int cells = 0;
  ASSERT_TRUE(r->aggregates()->read("process", kT0, kT0 + kBucketMs,
                                    [&](std::int64_t, const std::string& value, AggregateCell& c) {
                                      ++cells;
                                      EXPECT_EQ(value, "Sales");
                                      EXPECT_EQ(c.records, 3);
                                      EXPECT_EQ(c.completed, 1);
                                      EXPECT_EQ(c.backlog_change, 1);
                                    },
                                    &error))
      << error;
  EXPECT_EQ(cells, 1);

  // Recovery's mark, and retention: the highest seq kept once its record is gone.
  ASSERT_TRUE(db->begin().ok());
  ASSERT_TRUE(writer->mark_snapshot(7, 3, &error)) << error;
  ASSERT_TRUE(writer->mark_snapshot(8, 3, &error)) << error;
  EXPECT_EQ(writer->purge(kT0 + kBucketMs, 10, &error), 3) << error;
  ASSERT_TRUE(db->commit().ok());
  EXPECT_EQ(r->snapshot_mark(8, &error), 3) << error;
  EXPECT_FALSE(r->snapshot_mark(7, &error)) << "older marks deleted";
  EXPECT_EQ(r->last_seq(&error), 3) << error;

  // A restart: the next writer goes on after the highest seq.
  writer.reset();
  writer = Store::on(*db, "test", &error);
  ASSERT_TRUE(writer) << error;
  EXPECT_EQ(writer->last_seq(&error), 3) << error;
  ASSERT_TRUE(append(*writer, {record(4, kT0 + 70'000, "c", "none", "queued", "capture")}, &error)) << error;
  EXPECT_EQ(r->last_at(&error), kT0 + 70'000);
}

// A report reads as of one instant: a commit made while it reads is not seen until it ends.
TEST_P(HistoryStoreTest, AReadTransactionSeesOneInstant) {
  std::string error;
  auto writer = Store::on(*db, "test", &error);
  ASSERT_TRUE(writer) << error;
  ASSERT_TRUE(append(*writer, {record(1, kT0, "a", "none", "queued", "capture")}, &error)) << error;
  auto r = reader(&error);
  ASSERT_TRUE(r) << error;
  std::optional<std::int64_t> before, after;
  ASSERT_TRUE(r->in_read_transaction(
      [&] {
        before = r->last_at(&error);
        EXPECT_TRUE(append(*writer, {record(2, kT0 + 5, "b", "none", "queued", "capture")}, &error)) << error;
        after = r->last_at(&error);
        return true;
      },
      &error))
      << error;
  EXPECT_EQ(before, kT0);
  EXPECT_EQ(after, kT0);
  EXPECT_EQ(r->last_at(&error), kT0 + 5);
}

// A commit whose answer was lost but which landed (PostgreSQL unreachable at the commit: the
// group committer reads the journal back, finds it stored, and has told the history it rolled
// back): the history reads its state again from what is stored, so the next batch follows the
// landed one, and an item's completion after it is counted from its capture as if nothing
// happened.
TEST_P(HistoryStoreTest, AfterALandedCommitTakenForRolledBackTheNextBatchFollowsWhatWasStored) {
  std::string error;
  auto writer = Store::on(*db, "test", &error);
  ASSERT_TRUE(writer) << error;
  ASSERT_TRUE(append(*writer, {record(1, kT0, "a", "none", "queued", "capture"),
                               record(2, kT0 + 1000, "b", "none", "queued", "capture")},
                     &error))
      << error;
  ASSERT_TRUE(append(*writer, {record(3, kT0 + 60'000, "a", "queued", "completed", "complete")}, &error)) << error;
  writer->rolled_back();  // as after that commit's lost answer
  EXPECT_FALSE(append(*writer, {record(3, kT0 + 61'000, "b", "queued", "completed", "complete")}, &error));
  EXPECT_NE(error.find("does not follow seq 3"), std::string::npos) << error;
  ASSERT_TRUE(append(*writer, {record(4, kT0 + 121'000, "b", "queued", "completed", "complete")}, &error)) << error;
  auto r = reader(&error);
  ASSERT_TRUE(r) << error;
  int cells = 0;
  ASSERT_TRUE(r->aggregates()->read("process", kT0, kT0 + kBucketMs,
                                    [&](std::int64_t, const std::string&, AggregateCell& c) {
                                      ++cells;
                                      EXPECT_EQ(c.records, 4);
                                      EXPECT_EQ(c.completed, 2);
                                      EXPECT_EQ(c.backlog_change, 0);
                                      EXPECT_EQ(c.complete_ms, (std::vector<std::int64_t>{60'000, 120'000}));
                                    },
                                    &error))
      << error;
  EXPECT_EQ(cells, 1);
}

// What only PostgreSQL has: workspaces side by side in one set of tables, and the database
// refusing a history write at an epoch a takeover made stale.
class HistoryStorePgTest : public HistoryStoreTest {};

TEST_P(HistoryStorePgTest, EachWorkspaceHasAHistoryOfItsOwnAndAStaleEpochWritesNothing) {
  std::string error;
  auto writer = Store::on(*db, "test", &error);
  ASSERT_TRUE(writer) << error;
  ASSERT_TRUE(append(*writer, {record(1, kT0, "a", "none", "queued", "capture"),
                               record(2, kT0 + 1, "b", "none", "queued", "capture")},
                     &error))
      << error;
  // Workspace `other`, on its own connection, at its own lease: its seqs start at 1 again.
  ASSERT_TRUE(take("other", 1).ok());
  pgstore::Connection other_conn(cluster->conninfo());
  sqlstore::PgDatabase other(other_conn);
  ASSERT_TRUE(other.set_session("iwd.workspace", "other").ok());
  ASSERT_TRUE(other.set_session("iwd.epoch", "1").ok());
  {
    auto other_writer = Store::on(other, "other", &error);
    ASSERT_TRUE(other_writer) << error;
    EXPECT_EQ(other_writer->last_seq(&error), 0) << error;
    ASSERT_TRUE(other.begin().ok());
    ASSERT_TRUE(other_writer->append({record(1, kT0, "z", "none", "queued", "capture")}, &error)) << error;
    ASSERT_TRUE(other.commit().ok());
  }
  auto r = reader(&error, "other");
  ASSERT_TRUE(r) << error;
  std::vector<std::string> items;
  ASSERT_TRUE(r->read_range(kT0, kT0 + 10, [&](const Record& x) { return items.push_back(x.item), true; }, &error));
  EXPECT_EQ(items, std::vector<std::string>{"z"});
  EXPECT_FALSE(reader(&error, "nobody")) << "a workspace without a history";
  EXPECT_NE(error.find("holds no event history (none begun in this workspace)"), std::string::npos) << error;

  // Another node takes `default` over (its lease expired): epoch 2. The first writer's next
  // batch is refused by the database, and nothing of it is stored.
  ASSERT_TRUE(conn->exec("expire the lease", "UPDATE iwd_lease SET expires_at = now() - interval '1 second' "
                                             "WHERE workspace = 'default'").ok());
  pgstore::Connection b_conn(cluster->conninfo());
  pgstore::Lease b;
  ASSERT_TRUE(pgstore::acquire(b_conn, "default", "node-b", std::chrono::minutes(1), &b).ok());
  EXPECT_EQ(b.epoch, 2);
  EXPECT_FALSE(append(*writer, {record(3, kT0 + 2, "c", "none", "queued", "capture")}, &error));
  EXPECT_NE(error.find("stale"), std::string::npos) << error;
  auto d = reader(&error);
  ASSERT_TRUE(d) << error;
  EXPECT_EQ(d->last_seq(&error), 2) << error;
}

INSTANTIATE_TEST_SUITE_P(Backends, HistoryStoreTest, ::testing::Values(Dialect::SQLite, Dialect::PostgreSQL),
                         sqlstore::testing::backend_name);
INSTANTIATE_TEST_SUITE_P(Backends, HistoryStorePgTest, ::testing::Values(Dialect::PostgreSQL),
                         sqlstore::testing::backend_name);

}  // namespace
}  // namespace iwd::history
