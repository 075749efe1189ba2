// PostgreSQL stopped and started again mid-way: calls answer Code::Unavailable with clear
// words while it is down, then work again on the same Connection (it reconnects); what was
// committed before is still there.
#include <gtest/gtest.h>
#include <signal.h>

#include <thread>

#include "pgstore/journal.h"
#include "pgstore/lease.h"
#include "tests/unit/pgstore/pg_test.h"

namespace iwd::pgstore::testing {
namespace {

using namespace std::chrono_literals;

class RestartTest : public PgTest {};

TEST_F(RestartTest, CallsFailWithAStatusWhileTheDatabaseIsDownThenWorkAgain) {
  Lease a;
  ASSERT_TRUE(acquire(*db, "w1", "node-a", 60s, &a).ok());
  std::int64_t last = 0;
  ASSERT_TRUE(append(*db, a, {"before"}, &last).ok());

  std::string error;
  ASSERT_TRUE(cluster->stop(&error)) << error;
  // The connection is broken by the stop; the next call reconnects and finds no server.
  Status s = append(*db, a, {"while down"}, &last);
  EXPECT_EQ(s.code, Code::Unavailable);
  EXPECT_NE(s.message.find("cannot append 1 line(s) to the journal of workspace w1 at epoch 1"), std::string::npos)
      << s.message;
  s = renew(*db, &a, 60s);
  EXPECT_EQ(s.code, Code::Unavailable);
  EXPECT_NE(s.message.find("cannot connect to PostgreSQL"), std::string::npos) << s.message;
  Lease b;
  EXPECT_EQ(acquire(*db, "w2", "node-a", 60s, &b).code, Code::Unavailable);

  ASSERT_TRUE(cluster->start_again(&error)) << error;
  s = renew(*db, &a, 60s);  // the lease outlived the restart
  ASSERT_TRUE(s.ok()) << s.message;
  ASSERT_TRUE(append(*db, a, {"after"}, &last).ok());
  std::vector<JournalLine> all;
  ASSERT_TRUE(read_after(*db, "w1", 0, 100, &all).ok());
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[0].text, "before");
  EXPECT_EQ(all[1].text, "after");  // nothing of the call that failed
}

// A server that stops answering altogether (its backend frozen, as on a hung machine) does not
// hang the call: it is Unavailable after the statement timeout and a grace second, and the
// next call connects again.
TEST_F(RestartTest, AServerThatDoesNotAnswerIsUnavailableInBoundedTime) {
  ConnectionOptions options;
  options.statement_timeout = std::chrono::milliseconds(300);
  Connection c(cluster->conninfo(), options);
  Rows rows;
  ASSERT_TRUE(c.exec("read the backend's pid", "SELECT pg_backend_pid()", {}, &rows).ok());
  const auto backend = static_cast<pid_t>(rows.integer(0, 0));
  ASSERT_EQ(kill(backend, SIGSTOP), 0);
  const auto start = std::chrono::steady_clock::now();
  Lease l;
  const Status s = acquire(c, "w1", "node-a", 60s, &l);
  const auto took = std::chrono::steady_clock::now() - start;
  kill(backend, SIGCONT);
  EXPECT_EQ(s.code, Code::Unavailable);
  EXPECT_NE(s.message.find("cannot acquire the lease of workspace w1 for node-a: PostgreSQL did not answer within "
                           "1300 ms"),
            std::string::npos)
      << s.message;
  EXPECT_GE(took, 1200ms);  // poll() counts in whole milliseconds
  EXPECT_LT(took, 5s);
  // The backend, once resumed, still runs the acquire it had read and commits it: an
  // Unavailable write has an unknown outcome (status.h), and the lease row says what happened.
  Status again;
  for (int i = 0; i < 50; ++i) {
    again = c.exec("read the lease", "SELECT holder, epoch FROM iwd_lease WHERE workspace = 'w1'", {}, &rows);
    if (!again.ok() || rows.size() == 1) break;
    std::this_thread::sleep_for(100ms);
  }
  ASSERT_TRUE(again.ok()) << again.message;  // connected again
  ASSERT_EQ(rows.size(), 1);
  EXPECT_EQ(rows.at(0, 0), "node-a");
  EXPECT_EQ(acquire(c, "w1", "node-b", 60s, &l).code, Code::Held);
}

TEST(ConnectionTest, NoServerAtTheAddressIsUnavailableWithLibpqsWords) {
  Connection c("host=/nonexistent-iwd-socket-dir port=5432 user=iwd dbname=postgres");
  Lease l;
  const Status s = acquire(c, "w1", "node-a", 1s, &l);
  EXPECT_EQ(s.code, Code::Unavailable);
  EXPECT_NE(s.message.find("cannot acquire the lease of workspace w1 for node-a: cannot connect to PostgreSQL"),
            std::string::npos)
      << s.message;
  EXPECT_NE(s.message.find("/nonexistent-iwd-socket-dir"), std::string::npos) << s.message;
}

TEST_F(RestartTest, ASqlErrorIsFailedWithTheServersWordsAndTheState) {
  const Status s = db->exec("read a table that is not there", "SELECT * FROM no_such_table");
  EXPECT_EQ(s.code, Code::Failed);
  EXPECT_NE(s.message.find("cannot read a table that is not there: PostgreSQL refused"), std::string::npos)
      << s.message;
  EXPECT_NE(s.message.find("no_such_table"), std::string::npos) << s.message;
  EXPECT_NE(s.message.find("SQLSTATE 42P01"), std::string::npos) << s.message;
}

}  // namespace
}  // namespace iwd::pgstore::testing
