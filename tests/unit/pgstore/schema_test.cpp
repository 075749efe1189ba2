// pgstore::create_schema beside other processes (docs/deployment.md "Running nodes"): a database
// whose schema is this build's is not touched again (its DDL would lock the journal against every
// writer of the deployment until it committed), and DDL rolled back by a deadlock with another
// session runs again instead of failing a node's start.
#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "tests/unit/pgstore/pg_test.h"

namespace iwd::pgstore::testing {
namespace {

using namespace std::chrono_literals;

// The schema's calls are made once per conninfo in a process: another spelling of the same
// database is another process's first call.
std::string as_another_process(const std::string& conninfo, const char* name) {
  return conninfo + " application_name=" + name;
}

TEST_F(PgTest, ASchemaThatIsThisBuildsIsNotLockedAgainWhileAWriterHoldsTheJournal) {
  Rows rows;
  ASSERT_TRUE(db->exec("read the version", "SELECT digest FROM iwd_schema_version WHERE name = 'iwd'", {}, &rows).ok());
  ASSERT_EQ(rows.size(), 1);
  EXPECT_EQ(rows.at(0, 0)->size(), 16u);
  // A writer's open transaction on the journal (as a node's batch between its INSERT and COMMIT).
  auto writer = connect();
  ASSERT_TRUE(writer->exec("begin", "BEGIN").ok());
  ASSERT_TRUE(writer->exec("lock", "LOCK TABLE iwd_journal IN ROW EXCLUSIVE MODE").ok());
  ConnectionOptions quick;
  quick.statement_timeout = 1500ms;  // CREATE OR REPLACE TRIGGER on iwd_journal would wait this out
  Connection other(as_another_process(cluster->conninfo(), "second"), quick);
  const auto began = std::chrono::steady_clock::now();
  const Status s = create_schema(other);
  EXPECT_TRUE(s.ok()) << s.message;
  EXPECT_LT(std::chrono::steady_clock::now() - began, 1s);
  ASSERT_TRUE(writer->exec("rollback", "ROLLBACK").ok());
}

TEST_F(PgTest, ASchemaOfAnotherBuildIsMadeAgainAndItsVersionRecorded) {
  ASSERT_TRUE(db->exec("age the version", "UPDATE iwd_schema_version SET digest = 'older' WHERE name = 'iwd'").ok());
  ASSERT_TRUE(db->exec("drop a trigger", "DROP TRIGGER iwd_workspaces_fence ON iwd_workspaces").ok());
  Connection other(as_another_process(cluster->conninfo(), "newer"));
  const Status s = create_schema(other);
  ASSERT_TRUE(s.ok()) << s.message;
  Rows rows;
  ASSERT_TRUE(db->exec("read the version", "SELECT digest FROM iwd_schema_version WHERE name = 'iwd'", {}, &rows).ok());
  ASSERT_EQ(rows.size(), 1);
  EXPECT_NE(rows.at(0, 0), "older");
  ASSERT_TRUE(db->exec("find the trigger", "SELECT 1 FROM pg_trigger WHERE tgname = 'iwd_workspaces_fence'", {}, &rows).ok());
  EXPECT_EQ(rows.size(), 1);  // made again
}

// The DDL waits for a writer's lock on the journal while holding the schema's advisory lock; the
// writer then asks for that advisory lock: a deadlock. PostgreSQL rolls back the session that finds
// it when its deadlock_timeout runs out (the DDL's: 3 s, the writer's 20 s), which runs its block
// again once the writer is done.
TEST_F(PgTest, DdlRolledBackByADeadlockRunsAgain) {
  ASSERT_TRUE(db->exec("age the version", "UPDATE iwd_schema_version SET digest = 'older' WHERE name = 'iwd'").ok());
  ASSERT_TRUE(db->exec("the DDL's deadlock checks", "ALTER DATABASE postgres SET deadlock_timeout = '3s'").ok());
  auto writer = connect();
  ASSERT_TRUE(writer->exec("the writer's deadlock checks", "SET deadlock_timeout = '20s'").ok());
  ASSERT_TRUE(writer->exec("begin", "BEGIN").ok());
  ASSERT_TRUE(writer->exec("lock", "LOCK TABLE iwd_journal IN ROW EXCLUSIVE MODE").ok());
  Status made;
  std::thread ddl([&] {
    Connection other(as_another_process(cluster->conninfo(), "deadlocked"));
    made = create_schema(other);
  });
  // Once the DDL waits for the journal's lock, the writer asks for the schema's lock: the cycle.
  Rows waiting;
  for (int i = 0; i < 100; ++i) {
    ASSERT_TRUE(db->exec("find the waiting DDL",
                         "SELECT 1 FROM pg_stat_activity WHERE application_name = 'deadlocked' AND wait_event_type = 'Lock'",
                         {}, &waiting)
                    .ok());
    if (waiting.size() > 0) break;
    std::this_thread::sleep_for(50ms);
  }
  ASSERT_EQ(waiting.size(), 1) << "the DDL never waited for the journal's lock";
  const Status asked = writer->exec("take the schema's lock", "SELECT pg_advisory_xact_lock(hashtext('iwd_pgstore_schema'))");
  ASSERT_TRUE(writer->exec("rollback", "ROLLBACK").ok());
  ddl.join();
  EXPECT_TRUE(asked.ok()) << asked.message;  // the DDL was the one rolled back
  EXPECT_TRUE(made.ok()) << made.message;
  Rows rows;
  ASSERT_TRUE(db->exec("read the version", "SELECT digest FROM iwd_schema_version WHERE name = 'iwd'", {}, &rows).ok());
  EXPECT_NE(rows.at(0, 0), "older");
}

}  // namespace
}  // namespace iwd::pgstore::testing
