// The event history's SQL on both backends (issue 18): the same cases on SQLite and on
// PostgreSQL (a cluster of its own per test). First the `report by` sets (history/dimension_sets.h),
// whose statements are sqlstore's; the records and aggregates follow once their tables are
// on PostgreSQL.
#include <gtest/gtest.h>

#include "history/aggregates.h"
#include "history/dimension_sets.h"
#include "tests/unit/sqlstore/backend.h"

namespace iwd::history {
namespace {

using sqlstore::Dialect;

class HistorySetsStoreTest : public sqlstore::testing::BackendTest {
 protected:
  void SetUp() override {
    BackendTest::SetUp();
    ASSERT_TRUE(db);
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
  for (const char* sql : Aggregates::kSchema) {
    const sqlstore::Status s = db->exec(db->ddl(sql));
    ASSERT_TRUE(s.ok()) << s.message << ": " << sql;
  }
  ASSERT_TRUE(db->exec(db->ddl("CREATE TABLE history_meta (name TEXT PRIMARY KEY, value INTEGER NOT NULL)")).ok());
  DimensionSets sets;
  sets.attach(db.get(), "test");
  Aggregates agg;
  agg.attach(db.get(), "test", &sets, [](std::int64_t, std::int64_t, const std::function<bool(const Record&)>&,
                                         std::string*) { return true; },
             [](const std::string&) {});
  const std::int64_t t0 = 1'700'000'000'000 - 1'700'000'000'000 % kBucketMs;
  const auto record = [&](std::int64_t seq, std::int64_t at, const std::string& item, const std::string& from,
                          const std::string& to, const std::string& reason) {
    Record r;
    r.seq = seq;
    r.at = at;
    r.item = item;
    r.from = from;
    r.to = to;
    r.reason = reason;
    r.process = "P";
    r.department = "D";
    r.actor = "rules";
    if (to == "completed") r.outcome = "ok";
    return r;
  };
  std::string error;
  const auto batch = [&](const std::vector<Record>& records) {
    ASSERT_TRUE(db->begin().ok());
    for (const Record& r : records) ASSERT_TRUE(agg.add(r, 0, &error)) << error;
    ASSERT_TRUE(agg.flush(&error)) << error;
    ASSERT_TRUE(db->commit().ok());
  };
  batch({record(1, t0, "a", "none", "queued", "capture"), record(2, t0 + 1000, "b", "none", "queued", "capture")});
  batch({record(3, t0 + 60'000, "a", "queued", "completed", "complete")});
  ASSERT_TRUE(db->begin().ok());
  ASSERT_TRUE(agg.checkpoint(&error)) << error;
  ASSERT_TRUE(db->commit().ok());

  int cells = 0;
  ASSERT_TRUE(agg.read("process", t0, t0 + kBucketMs,
                       [&](std::int64_t bucket, const std::string& value, AggregateCell& c) {
                         ++cells;
                         EXPECT_EQ(bucket, t0);
                         EXPECT_EQ(value, "P");
                         EXPECT_EQ(c.records, 3);
                         EXPECT_EQ(c.completed, 1);
                         EXPECT_EQ(c.complete_ms, std::vector<std::int64_t>{60'000});
                         EXPECT_EQ(c.outcomes, (std::map<std::string, std::int64_t>{{"ok", 1}}));
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

}  // namespace
}  // namespace iwd::history
