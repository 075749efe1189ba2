// The workspace lease against a real PostgreSQL 15 cluster: acquire, renew, expiry, takeover
// with a higher epoch, release, and two nodes racing for one lease.
#include <gtest/gtest.h>

#include <atomic>
#include <barrier>
#include <thread>

#include "pgstore/lease.h"
#include "tests/unit/pgstore/pg_test.h"

namespace iwd::pgstore::testing {
namespace {

using std::chrono::milliseconds;
using namespace std::chrono_literals;

class LeaseTest : public PgTest {};

TEST_F(LeaseTest, FirstAcquireIsEpochOneAndAHeldLeaseIsRefused) {
  Lease a;
  Status s = acquire(*db, "w1", "node-a", 5s, &a);
  ASSERT_TRUE(s.ok()) << s.message;
  EXPECT_EQ(a.epoch, 1);
  EXPECT_EQ(a.holder, "node-a");
  EXPECT_GT(a.valid_until, std::chrono::steady_clock::now() + 4s);

  Lease b;
  s = acquire(*db, "w1", "node-b", 5s, &b);
  EXPECT_EQ(s.code, Code::Held);
  EXPECT_NE(s.message.find("held by node-a"), std::string::npos) << s.message;
  EXPECT_NE(s.message.find("epoch 1"), std::string::npos) << s.message;
  // Its holder cannot take it a second time either: a lease is renewed, not acquired again.
  EXPECT_EQ(acquire(*db, "w1", "node-a", 5s, &b).code, Code::Held);
  // Another workspace is free.
  ASSERT_TRUE(acquire(*db, "w2", "node-b", 5s, &b).ok());
  EXPECT_EQ(b.epoch, 1);
}

TEST_F(LeaseTest, RenewKeepsTheLeasePastItsFirstExpiry) {
  Lease a;
  ASSERT_TRUE(acquire(*db, "w1", "node-a", 1s, &a).ok());
  for (int i = 0; i < 5; ++i) {  // 1.25 s in all, past the first expiry
    std::this_thread::sleep_for(250ms);
    const Status s = renew(*db, &a, 1s);
    ASSERT_TRUE(s.ok()) << s.message;
  }
  Lease b;
  EXPECT_EQ(acquire(*db, "w1", "node-b", 1s, &b).code, Code::Held);
  EXPECT_EQ(a.epoch, 1);  // a renewal keeps the epoch
}

TEST_F(LeaseTest, AnExpiredLeaseIsTakenOverWithAHigherEpochAndItsOldHolderCannotRenew) {
  Lease a;
  ASSERT_TRUE(acquire(*db, "w1", "node-a", 200ms, &a).ok());
  std::this_thread::sleep_for(300ms);
  // Expired and not taken yet: its holder cannot renew it either (it must have stopped serving).
  Status s = renew(*db, &a, 200ms);
  EXPECT_EQ(s.code, Code::Fenced);
  EXPECT_NE(s.message.find("expired"), std::string::npos) << s.message;

  Lease b;
  s = acquire(*db, "w1", "node-b", 5s, &b);
  ASSERT_TRUE(s.ok()) << s.message;
  EXPECT_EQ(b.epoch, 2);
  s = renew(*db, &a, 5s);
  EXPECT_EQ(s.code, Code::Fenced);
  EXPECT_NE(s.message.find("epoch 2, held by node-b"), std::string::npos) << s.message;
  EXPECT_EQ(release(*db, a).code, Code::Fenced);  // not node-a's to give up
  EXPECT_TRUE(renew(*db, &b, 5s).ok());
}

TEST_F(LeaseTest, AReleasedLeaseIsFreeAtOnceAndTheNextHolderHasAHigherEpoch) {
  Lease a;
  ASSERT_TRUE(acquire(*db, "w1", "node-a", 60s, &a).ok());
  Status s = release(*db, a);
  ASSERT_TRUE(s.ok()) << s.message;
  EXPECT_EQ(renew(*db, &a, 60s).code, Code::Fenced);
  Lease again;
  ASSERT_TRUE(acquire(*db, "w1", "node-a", 60s, &again).ok());  // no wait for the 60 s
  EXPECT_EQ(again.epoch, 2);
}

TEST_F(LeaseTest, OfNodesRacingForOneLeaseExactlyOneWins) {
  constexpr int kNodes = 4, kRounds = 20;
  std::vector<std::unique_ptr<Connection>> conns;
  for (int n = 0; n < kNodes; ++n) conns.push_back(connect());
  for (int round = 0; round < kRounds; ++round) {
    // Odd rounds race for a lease that exists and has expired (the ON CONFLICT path), even
    // rounds for a workspace that has no row yet (the INSERT path). The leases are long, so
    // that on a loaded machine no loser finds the winner's lease expired already; the odd
    // rounds expire the even round's by hand.
    const std::string ws = "race" + std::to_string(round / 2);
    if (round % 2 == 1) {
      ASSERT_TRUE(db->exec("expire a lease by hand",
                           "UPDATE iwd_lease SET expires_at = now() - interval '1 millisecond' WHERE workspace = $1",
                           {ws})
                      .ok());
    }
    std::barrier start(kNodes);
    std::atomic<int> winners{0}, held{0};
    std::vector<std::int64_t> epochs(kNodes, 0);
    std::vector<std::thread> nodes;
    for (int n = 0; n < kNodes; ++n)
      nodes.emplace_back([&, n] {
        start.arrive_and_wait();
        Lease l;
        const Status s = acquire(*conns[static_cast<std::size_t>(n)], ws, "node-" + std::to_string(n), 60s, &l);
        if (s.ok()) {
          ++winners;
          epochs[static_cast<std::size_t>(n)] = l.epoch;
        } else if (s.code == Code::Held) {
          ++held;
        } else {
          ADD_FAILURE() << s.message;
        }
      });
    for (auto& t : nodes) t.join();
    EXPECT_EQ(winners.load(), 1) << "round " << round;
    EXPECT_EQ(held.load(), kNodes - 1) << "round " << round;
    EXPECT_EQ(*std::max_element(epochs.begin(), epochs.end()), round % 2 + 1) << "round " << round;
  }
}

}  // namespace
}  // namespace iwd::pgstore::testing
