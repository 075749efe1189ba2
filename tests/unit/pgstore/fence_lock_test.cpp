// The fence's row lock against a real PostgreSQL 15 cluster (issue 18): a fenced write holds the
// lease row FOR KEY SHARE until it commits; a renewal (FOR NO KEY UPDATE) does not wait for it,
// a takeover (the epoch, a key column, changed: FOR UPDATE) does, and then sees the write.
#include <gtest/gtest.h>

#include <atomic>
#include <future>
#include <thread>

#include "pgstore/journal.h"
#include "pgstore/lease.h"
#include "tests/unit/pgstore/pg_test.h"

namespace iwd::pgstore::testing {
namespace {

using namespace std::chrono_literals;

class FenceLockTest : public PgTest {
 protected:
  // Leaves a fenced write of node-a open on `db`: a journal line appended (the fence of rows
  // inserted), or lines deleted at the session's epoch (the fence of a session's statement).
  void open_write(const Lease& a, bool by_session) {
    ASSERT_TRUE(db->exec("begin node-a's transaction", "BEGIN").ok());
    if (by_session) {
      ASSERT_TRUE(db->exec("set the session", "SELECT set_config('iwd.workspace', $1, true), set_config('iwd.epoch', $2, true)",
                           {a.workspace, std::to_string(a.epoch)})
                      .ok());
      const Status s = db->exec("prune", "DELETE FROM iwd_journal WHERE workspace = $1 AND seq = 1", {a.workspace});
      ASSERT_TRUE(s.ok()) << s.message;
    } else {
      std::int64_t last = 0;
      const Status s = append(*db, a, {"a2 in flight"}, &last);
      ASSERT_TRUE(s.ok()) << s.message;
    }
  }
  std::int64_t backend_pid(Connection& c) {
    Rows rows;
    EXPECT_TRUE(c.exec("read the backend's pid", "SELECT pg_backend_pid()", {}, &rows).ok());
    return rows.size() == 1 ? rows.integer(0, 0) : 0;
  }
  // Whether the backend `pid` waits on a lock now (pg_stat_activity, read on its own connection).
  bool waits_on_a_lock(Connection& c, std::int64_t pid) {
    Rows rows;
    EXPECT_TRUE(c.exec("read the backend's wait", "SELECT coalesce(wait_event_type, '') FROM pg_stat_activity WHERE pid = $1",
                       {std::to_string(pid)}, &rows)
                    .ok());
    return rows.size() == 1 && rows.at(0, 0) && *rows.at(0, 0) == "Lock";
  }
  std::vector<JournalLine> read(Connection& c, const std::string& ws) {
    std::vector<JournalLine> out;
    const Status s = read_after(c, ws, 0, 1000, &out);
    EXPECT_TRUE(s.ok()) << s.message;
    return out;
  }
};

// Before issue 18 the fence read the row FOR SHARE and a renewal waited for the write's commit:
// a side transaction longer than the renewal's margin cost the node its lease.
TEST_F(FenceLockTest, ARenewalReturnsWhileAFencedWriteIsOpen) {
  for (const bool by_session : {false, true}) {
    SCOPED_TRACE(by_session ? "a delete fenced at the session's epoch" : "journal lines fenced at their epoch");
    const std::string ws = by_session ? "w-session" : "w-rows";
    auto node_a = connect();
    Lease a;
    ASSERT_TRUE(acquire(*db, ws, "node-a", 60s, &a).ok());
    std::int64_t last = 0;
    ASSERT_TRUE(append(*db, a, {"a1"}, &last).ok());
    open_write(a, by_session);

    auto renewed = std::async(std::launch::async, [&] { return renew(*node_a, &a, 60s); });
    const bool returned = renewed.wait_for(30s) == std::future_status::ready;
    EXPECT_TRUE(returned) << "the renewal waited for the fenced write";
    ASSERT_TRUE(db->exec("commit node-a's transaction", "COMMIT").ok());  // lets a waiting renewal end
    const Status s = renewed.get();
    EXPECT_TRUE(s.ok()) << s.message;
    EXPECT_EQ(a.epoch, 1);
    EXPECT_EQ(read(*node_a, ws).size(), by_session ? 0u : 2u);  // the write committed at epoch 1
  }
}

// The fence still orders a write against a takeover, also after renewals made while it was
// open (they write new versions of the row, which carry its lock): the takeover waits until the
// write ends, then the new holder reads what it wrote; node-a writes nothing after it.
TEST_F(FenceLockTest, ATakeoverWaitsForAFencedWriteOpenAcrossRenewalsAndThenSeesIt) {
  for (const bool by_session : {false, true}) {
    SCOPED_TRACE(by_session ? "a delete fenced at the session's epoch" : "journal lines fenced at their epoch");
    const std::string ws = by_session ? "w-session" : "w-rows";
    auto node_a = connect(), node_b = connect(), watcher = connect();
    Lease a;
    ASSERT_TRUE(acquire(*db, ws, "node-a", 60s, &a).ok());
    std::int64_t last = 0;
    ASSERT_TRUE(append(*db, a, {"a1"}, &last).ok());
    open_write(a, by_session);
    for (int i = 0; i < 3; ++i) ASSERT_TRUE(renew(*node_a, &a, 60s).ok());
    ASSERT_TRUE(renew(*node_a, &a, 300ms).ok());
    std::this_thread::sleep_for(500ms);  // the lease has expired; node-a's transaction is open

    const std::int64_t pid = backend_pid(*node_b);
    std::atomic<bool> done{false};
    Lease b;
    Status taken;
    std::thread takeover([&] {
      taken = acquire(*node_b, ws, "node-b", 60s, &b);
      done = true;
    });
    // Until the takeover either waits on the write's lock or (the ordering broken) has ended.
    for (int i = 0; i < 3000 && !done && !waits_on_a_lock(*watcher, pid); ++i) std::this_thread::sleep_for(10ms);
    EXPECT_FALSE(done.load()) << "the takeover did not wait for the fenced write";
    EXPECT_TRUE(waits_on_a_lock(*watcher, pid));
    ASSERT_TRUE(db->exec("commit node-a's transaction", "COMMIT").ok());
    takeover.join();
    ASSERT_TRUE(taken.ok()) << taken.message;
    EXPECT_EQ(b.epoch, 2);
    const auto loaded = read(*node_b, ws);
    if (by_session) {
      EXPECT_TRUE(loaded.empty());
    } else {
      ASSERT_EQ(loaded.size(), 2u);
      EXPECT_EQ(loaded[1].text, "a2 in flight");
    }
    EXPECT_EQ(append(*db, a, {"a3"}, &last).code, Code::Fenced);
  }
}

}  // namespace
}  // namespace iwd::pgstore::testing
