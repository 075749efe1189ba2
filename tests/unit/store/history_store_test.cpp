// The event history's SQL on both backends (issue 18): the same cases on SQLite and on
// PostgreSQL (a cluster of its own per test). First the `report by` sets (history/dimension_sets.h),
// whose statements are sqlstore's; the records and aggregates follow once their tables are
// on PostgreSQL.
#include <gtest/gtest.h>

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

INSTANTIATE_TEST_SUITE_P(Backends, HistorySetsStoreTest, ::testing::Values(Dialect::SQLite, Dialect::PostgreSQL),
                         sqlstore::testing::backend_name);

}  // namespace
}  // namespace iwd::history
