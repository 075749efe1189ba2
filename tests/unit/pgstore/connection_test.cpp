// pgstore::Connection's answers: a statement whose implicit transaction is refused at its commit
// (after the statement itself answered) is a failure, never a success (nothing was stored).
#include <gtest/gtest.h>

#include "tests/unit/pgstore/pg_test.h"

namespace iwd::pgstore::testing {
namespace {

TEST_F(PgTest, AWriteRefusedAtItsCommitIsAFailureNotASuccess) {
  for (const char* sql : {
           "CREATE TABLE deferred_check (v int)",
           "CREATE FUNCTION refuse_at_commit() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
           "IF NEW.v < 0 THEN RAISE EXCEPTION 'negative at commit'; END IF; RETURN NULL; END $$",
           "CREATE CONSTRAINT TRIGGER refuse_at_commit AFTER INSERT ON deferred_check DEFERRABLE INITIALLY DEFERRED "
           "FOR EACH ROW EXECUTE FUNCTION refuse_at_commit()"}) {
    const Status s = db->exec("make the table", sql);
    ASSERT_TRUE(s.ok()) << s.message;
  }
  EXPECT_TRUE(db->exec("insert a positive", "INSERT INTO deferred_check VALUES (1)").ok());
  const Status refused = db->exec("insert a negative", "INSERT INTO deferred_check VALUES (-1)");
  EXPECT_EQ(refused.code, Code::Failed);
  EXPECT_NE(refused.message.find("negative at commit"), std::string::npos) << refused.message;
  EXPECT_EQ(refused.sqlstate, "P0001");
  Rows rows;
  ASSERT_TRUE(db->exec("count", "SELECT count(*) FROM deferred_check", {}, &rows).ok());
  EXPECT_EQ(rows.integer(0, 0), 1);  // the refused row is not there
  EXPECT_TRUE(db->exec("the connection still works", "SELECT 1").ok());
}

}  // namespace
}  // namespace iwd::pgstore::testing
