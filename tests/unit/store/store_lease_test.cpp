// `iwd serve --store postgresql://`'s lease (server/store_lease.h) and what the journal does
// with it: renewed while it runs, lost when another node takes over, nothing written past its
// deadline; a batch meeting a restarting database tried again until the deadline.
#include <gtest/gtest.h>

#include <atomic>
#include <future>
#include <thread>

#include "pgstore/lease.h"
#include "pgstore/schema.h"
#include "server/group_commit.h"
#include "server/journal.h"
#include "server/store_lease.h"
#include "tests/support/pg_cluster.h"

namespace iwd::server {
namespace {

using namespace std::chrono_literals;

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
  std::unique_ptr<iwd::testing::PgCluster> cluster_;
  std::unique_ptr<pgstore::Connection> admin_;
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
  const auto submit = [&](const std::string& line) {
    auto done = std::make_shared<std::promise<std::pair<bool, std::string>>>();
    CommitBatch b;
    b.lines = {line};
    b.done = [done](bool ok, const std::string& e) { done->set_value({ok, e}); };
    committer.submit(std::move(b));
    return done->get_future();
  };
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

}  // namespace
}  // namespace iwd::server
