// `iwd serve --store postgresql://`'s lease (server/store_lease.h) and what the journal does
// with it: renewed while it runs, lost when another node takes over, nothing written past its
// deadline; a batch meeting a restarting database tried again until the deadline.
#include <gtest/gtest.h>

#include <atomic>
#include <future>
#include <thread>

#include "history/store.h"
#include "pgstore/lease.h"
#include "pgstore/schema.h"
#include "server/group_commit.h"
#include "server/journal.h"
#include "server/store_lease.h"
#include "tests/support/pg_cluster.h"
#include "tests/unit/store/submitted.h"

namespace iwd::server {
namespace {

using namespace std::chrono_literals;

// A session waiting in pg_sleep (a trigger of the test's holding a statement or a commit).
constexpr const char* kSleeping = "SELECT pid FROM pg_stat_activity WHERE wait_event = 'PgSleep'";

class StoreLeaseTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string error;
    cluster_ = iwd::testing::PgCluster::start(&error);
    ASSERT_TRUE(cluster_) << error;
    admin_ = std::make_unique<pgstore::Connection>(cluster_->conninfo());
  }
  std::unique_ptr<StoreLease> acquire(const std::string& node, std::chrono::milliseconds ttl = 2000ms) {
    pgstore::Code code = pgstore::Code::Ok;
    std::string error;
    auto lease = StoreLease::acquire({cluster_->conninfo(), "default", node, ttl}, &code, &error);
    EXPECT_TRUE(lease) << error;
    return lease;
  }
  // A journal at lease_'s epoch, a batch meeting Unavailable tried again for a minute.
  std::unique_ptr<Journal> retrying_journal(std::string* error) {
    auto journal = Journal::open_postgresql(cluster_->conninfo(), "default", lease_->epoch(), error);
    if (journal) journal->set_retry_until([] { return std::chrono::steady_clock::now() + 60s; });
    return journal;
  }
  // The first column of the first row of `sql` once it has one; empty after 5 s without.
  std::string first_value(const char* sql) {
    pgstore::Rows rows;
    for (int k = 0; k < 200; ++k) {
      if (admin_->exec("look", sql, {}, &rows).ok() && rows.size() > 0)
        return rows.at(0, 0).value_or("");
      std::this_thread::sleep_for(25ms);
    }
    return {};
  }
  std::unique_ptr<iwd::testing::PgCluster> cluster_;
  std::unique_ptr<pgstore::Connection> admin_;
  std::unique_ptr<StoreLease> lease_;
};

TEST_F(StoreLeaseTest, ASecondNodeIsHeldOffWhileTheFirstRenewsAndTakesOverOnceReleased) {
  auto a = acquire("node-a");
  ASSERT_TRUE(a);
  std::atomic<bool> lost{false};
  a->keep([&](const std::string&) { lost = true; });
  std::this_thread::sleep_for(2500ms);  // past the first ttl: renewed meanwhile
  EXPECT_FALSE(lost);
  EXPECT_GT(a->deadline(), std::chrono::steady_clock::now());
  pgstore::Code code = pgstore::Code::Ok;
  std::string error;
  EXPECT_FALSE(StoreLease::acquire({cluster_->conninfo(), "default", "node-b"}, &code, &error));
  EXPECT_EQ(code, pgstore::Code::Held);
  EXPECT_NE(error.find("held by node-a for another"), std::string::npos) << error;
  a.reset();  // released
  auto b = acquire("node-b");
  ASSERT_TRUE(b);
  EXPECT_EQ(b->epoch(), 2);
}

TEST_F(StoreLeaseTest, ALeaseTakenOverIsLostAtTheNextRenewal) {
  auto a = acquire("node-a");
  ASSERT_TRUE(a);
  std::promise<std::string> lost;
  a->keep([&](const std::string& why) { lost.set_value(why); });
  ASSERT_TRUE(admin_->exec("expire the lease", "UPDATE iwd_lease SET expires_at = now() - interval '1 second'").ok());
  pgstore::Lease taken;
  ASSERT_TRUE(pgstore::acquire(*admin_, "default", "node-b", 60s, &taken).ok());
  auto why = lost.get_future();
  ASSERT_EQ(why.wait_for(5s), std::future_status::ready);
  EXPECT_NE(why.get().find("held by node-b"), std::string::npos);
}

TEST_F(StoreLeaseTest, NothingIsWrittenPastTheDeadlineOrOnceFenced) {
  auto a = acquire("node-a", 60'000ms);
  ASSERT_TRUE(a);
  std::string error;
  auto journal = Journal::open_postgresql(cluster_->conninfo(), "default", a->epoch(), &error);
  ASSERT_TRUE(journal) << error;
  auto deadline = std::chrono::steady_clock::now() + 60s;
  journal->set_retry_until([&] { return deadline; });
  ASSERT_TRUE(journal->append({}, {"L1"}, &error)) << error;
  deadline = std::chrono::steady_clock::now() - 1ms;
  EXPECT_FALSE(journal->append({}, {"L2"}, &error));
  EXPECT_EQ(journal->failure_code(), sqlstore::Code::Fenced);
  EXPECT_NE(error.find("deadline passed"), std::string::npos) << error;
  deadline = std::chrono::steady_clock::now() + 60s;
  journal->fence("lost: taken over by node-b");
  EXPECT_FALSE(journal->append({}, {"L3"}, &error));
  EXPECT_EQ(error, "lost: taken over by node-b");
  EXPECT_EQ(journal->last_seq(&error).value_or(-1), 1);
}

// PostgreSQL restarts under a batch: the committer waits, reads back the last seq (nothing of
// the batch there) and stores it once; a batch meeting it down past the deadline fails, and
// so does every batch after it.
TEST_F(StoreLeaseTest, ABatchIsTriedAgainUntilTheDeadlineWhileTheDatabaseIsUnavailable) {
  auto a = acquire("node-a", 60'000ms);
  ASSERT_TRUE(a);
  std::string error;
  auto journal = Journal::open_postgresql(cluster_->conninfo(), "default", a->epoch(), &error);
  ASSERT_TRUE(journal) << error;
  std::atomic<std::int64_t> deadline_ms{60'000};
  const auto origin = std::chrono::steady_clock::now();
  journal->set_retry_until([&] { return origin + std::chrono::milliseconds(deadline_ms.load()); });
  GroupCommitter committer(*journal);
  const auto submit = [&](const std::string& line) { return submitted(committer, {line}); };
  auto first = submit("L1");
  ASSERT_EQ(first.wait_for(20s), std::future_status::ready);
  ASSERT_TRUE(first.get().first);
  ASSERT_TRUE(cluster_->stop(&error)) << error;
  auto second = submit("L2");
  std::this_thread::sleep_for(1s);
  ASSERT_TRUE(cluster_->start_again(&error)) << error;
  ASSERT_EQ(second.wait_for(20s), std::future_status::ready);
  const auto [ok, why] = second.get();
  EXPECT_TRUE(ok) << why;

  ASSERT_TRUE(cluster_->stop(&error)) << error;
  deadline_ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - origin + 1s).count();
  auto third = submit("L3");
  ASSERT_EQ(third.wait_for(20s), std::future_status::ready);
  const auto third_result = third.get();
  EXPECT_FALSE(third_result.first);
  EXPECT_NE(third_result.second.find("tried again until the lease's deadline"), std::string::npos) << third_result.second;
  ASSERT_TRUE(cluster_->start_again(&error)) << error;
  deadline_ms = deadline_ms + 60'000;
  auto fourth = submit("L4");
  ASSERT_EQ(fourth.wait_for(20s), std::future_status::ready);
  EXPECT_FALSE(fourth.get().first);  // the service's memory is ahead of its store: nothing more

  std::vector<std::string> lines;
  EXPECT_TRUE(journal->read(0, [&](const std::string& l) { lines.push_back(l); }, &error)) << error;
  EXPECT_EQ(lines, (std::vector<std::string>{"L1", "L2"}));
}

// A writer stopped in the middle of its transaction (a process paused by SIGSTOP after its
// lines went in, before its commit) holds the lease row FOR SHARE: the database ends its
// session once it is idle in the transaction for a second, so that another node can take the
// workspace over while it is stopped, and what it wrote is gone (its commit fails).
TEST_F(StoreLeaseTest, AWriterStoppedInItsTransactionDoesNotHoldATakeoverOff) {
  std::string error;
  auto journal = Journal::open_postgresql(cluster_->conninfo(), "default", 1, &error);  // the first lease's epoch
  ASSERT_TRUE(journal) << error;
  auto a = acquire("node-a", 1000ms);  // not renewed: expired after a second
  ASSERT_TRUE(a);
  ASSERT_TRUE(journal->begin(&error)) << error;
  ASSERT_TRUE(journal->add_line("L1", &error)) << error;
  ASSERT_TRUE(journal->last_seq(&error)) << error;  // the line written (and fenced) now; no commit
  // The takeover waits for the row lock: at most its statement timeout (a stopped writer's
  // lock would be held for as long as it is stopped).
  pgstore::ConnectionOptions bounded;
  bounded.statement_timeout = 5s;
  pgstore::Connection other(cluster_->conninfo(), bounded);
  std::this_thread::sleep_for(1100ms);  // past the lease
  pgstore::Lease taken;
  const pgstore::Status s = pgstore::acquire(other, "default", "node-b", 60s, &taken);
  ASSERT_TRUE(s.ok()) << s.message;
  EXPECT_EQ(taken.epoch, 2);
  EXPECT_FALSE(journal->commit(&error));
  EXPECT_EQ(journal->failure_code(), sqlstore::Code::Unavailable) << error;
  pgstore::Rows rows;
  ASSERT_TRUE(admin_->exec("count the lines", "SELECT count(*) FROM iwd_journal", {}, &rows).ok());
  EXPECT_EQ(rows.integer(0, 0), 0);
}

// A commit whose answer never came is read back before the batch is answered: when a node that
// took the workspace over wrote as many lines since as the batch has, they are not the batch's
// (it did not land): the batch fails rather than being acknowledged without being stored.
TEST_F(StoreLeaseTest, ACommitWhoseAnswerNeverCameIsNotTakenForLandedOnAnotherNodesLines) {
  lease_ = acquire("node-a", 60'000ms);
  ASSERT_TRUE(lease_);
  std::string error;
  auto journal = retrying_journal(&error);
  ASSERT_TRUE(journal) << error;
  // L2's commit waits in a deferred trigger, so that the test can end its session then.
  ASSERT_TRUE(admin_->exec("make a slow commit", R"sql(
      CREATE FUNCTION slow_commit() RETURNS trigger LANGUAGE plpgsql AS $f$
      BEGIN
        IF NEW.line = 'L2' THEN PERFORM pg_sleep(8); END IF;
        RETURN NULL;
      END $f$)sql").ok());
  ASSERT_TRUE(admin_->exec("make a slow commit", "CREATE CONSTRAINT TRIGGER slow_commit AFTER INSERT ON iwd_journal "
                                                 "DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION slow_commit()")
                  .ok());
  GroupCommitter committer(*journal);
  const auto submit = [&](const std::string& line) { return submitted(committer, {line}); };
  auto first = submit("L1");
  ASSERT_EQ(first.wait_for(20s), std::future_status::ready);
  ASSERT_TRUE(first.get().first);
  auto second = submit("L2");

  const std::string writer = first_value(kSleeping);
  ASSERT_FALSE(writer.empty());
  // Another session queues for the journal's table behind the writer's, so that once the
  // writer's session ends it goes first: it takes the workspace over and writes one line at
  // epoch 2 before the writer can read back.
  std::thread taker([&] {
    pgstore::Connection b(cluster_->conninfo());
    for (const char* sql : {"BEGIN", "LOCK TABLE iwd_journal IN ACCESS EXCLUSIVE MODE",
                            "UPDATE iwd_lease SET holder = 'node-b', epoch = 2, expires_at = now() + interval '60 seconds'",
                            "INSERT INTO iwd_journal (workspace, seq, epoch, line) VALUES ('default', 2, 2, 'B1')",
                            "COMMIT"}) {
      const pgstore::Status s = b.exec("take over", sql);
      EXPECT_TRUE(s.ok()) << sql << ": " << s.message;
    }
  });
  EXPECT_FALSE(first_value("SELECT pid FROM pg_stat_activity WHERE query LIKE 'LOCK TABLE%' AND wait_event_type = 'Lock'")
                   .empty());
  EXPECT_TRUE(admin_->exec("end the writer's session", "SELECT pg_terminate_backend($1)", {writer}).ok());
  taker.join();
  ASSERT_EQ(second.wait_for(20s), std::future_status::ready);
  const auto [ok, why] = second.get();
  EXPECT_FALSE(ok);
  EXPECT_NE(why.find("written at another epoch"), std::string::npos) << why;
  pgstore::Rows rows;
  ASSERT_TRUE(admin_->exec("read the lines", "SELECT string_agg(line, ',' ORDER BY seq) FROM iwd_journal", {}, &rows).ok());
  EXPECT_EQ(rows.at(0, 0).value_or(""), "L1,B1");
}

// PostgreSQL restarting in the middle of a transaction, while the event history's statements
// run in it (most of a transaction's writes): Unavailable as when the journal's own meet it, so
// the batch is tried again and stored once, its history with it.
TEST_F(StoreLeaseTest, ABatchWhoseHistoryMeetsABrokenConnectionIsTriedAgain) {
  lease_ = acquire("node-a", 60'000ms);
  ASSERT_TRUE(lease_);
  std::string error;
  auto journal = retrying_journal(&error);
  ASSERT_TRUE(journal) << error;
  auto history = history::Store::on(journal->store(), journal->path(), &error);
  ASSERT_TRUE(history) << error;
  // The second transaction's history rows wait in a trigger, once, so that the test can end
  // the session then.
  for (const char* sql : {"CREATE SEQUENCE slow_once",
                          "CREATE FUNCTION slow_history() RETURNS trigger LANGUAGE plpgsql AS $f$ BEGIN "
                          "IF EXISTS (SELECT 1 FROM written WHERE item = 'I2') AND nextval('slow_once') = 1 THEN "
                          "PERFORM pg_sleep(8); END IF; RETURN NULL; END $f$",
                          "CREATE TRIGGER slow_history AFTER INSERT ON iwd_history REFERENCING NEW TABLE AS written "
                          "FOR EACH STATEMENT EXECUTE FUNCTION slow_history()"})
    ASSERT_TRUE(admin_->exec("slow the history", sql).ok()) << sql;
  GroupCommitter committer(*journal, history.get());
  std::vector<history::Record> records(2);
  for (int k = 0; k < 2; ++k) {
    records[k].seq = k + 1;
    records[k].at = 1000 * (k + 1);
    records[k].item = "I" + std::to_string(k + 1);
    records[k].reason = "capture";
    records[k].from = "none";
    records[k].to = "queued";
    records[k].actor = "test";
  }
  const auto submit = [&](const std::string& line, const history::Record& r) { return submitted(committer, {line}, {r}); };
  auto first = submit("L1", records[0]);
  ASSERT_EQ(first.wait_for(20s), std::future_status::ready);
  ASSERT_TRUE(first.get().first);
  auto second = submit("L2", records[1]);
  const std::string writer = first_value(kSleeping);
  ASSERT_FALSE(writer.empty());
  ASSERT_TRUE(admin_->exec("end the session", "SELECT pg_terminate_backend($1)", {writer}).ok());
  pgstore::Rows rows;
  ASSERT_EQ(second.wait_for(20s), std::future_status::ready);
  const auto [ok, why] = second.get();
  EXPECT_TRUE(ok) << why;
  ASSERT_TRUE(admin_->exec("read the lines", "SELECT string_agg(line, ',' ORDER BY seq) FROM iwd_journal", {}, &rows).ok());
  EXPECT_EQ(rows.at(0, 0).value_or(""), "L1,L2");
  ASSERT_TRUE(admin_->exec("read the history", "SELECT string_agg(item, ',' ORDER BY seq) FROM iwd_history", {}, &rows).ok());
  EXPECT_EQ(rows.at(0, 0).value_or(""), "I1,I2");
}

}  // namespace
}  // namespace iwd::server
