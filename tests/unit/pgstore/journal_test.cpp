// The fenced journal against a real PostgreSQL 15 cluster: lines appended and read back in
// order, and the database refusing a write whose epoch is stale.
#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "pgstore/journal.h"
#include "tests/unit/pgstore/pg_test.h"

namespace iwd::pgstore::testing {
namespace {

using namespace std::chrono_literals;

class JournalTest : public PgTest {
 protected:
  std::vector<JournalLine> read(const std::string& ws, std::int64_t after, std::int64_t limit = 1000) {
    std::vector<JournalLine> out;
    const Status s = read_after(*db, ws, after, limit, &out);
    EXPECT_TRUE(s.ok()) << s.message;
    return out;
  }
  // node-a writes line a1 at epoch 1, its lease (1 s) lapses, node-b takes w1 over at epoch 2.
  void taken_over(Lease* a, Lease* b) {
    ASSERT_TRUE(acquire(*db, "w1", "node-a", 1s, a).ok());
    std::int64_t last = 0;
    ASSERT_TRUE(append(*db, *a, {"a1"}, &last).ok());
    std::this_thread::sleep_for(1200ms);
    ASSERT_TRUE(acquire(*db, "w1", "node-b", 60s, b).ok());
  }
};

TEST_F(JournalTest, LinesComeBackInTheOrderAppendedAfterASeq) {
  Lease a;
  ASSERT_TRUE(acquire(*db, "w1", "node-a", 60s, &a).ok());
  std::int64_t last = 0;
  // Text that needs quoting in an array literal goes through unchanged.
  const std::vector<std::string> first = {"create 1", "quote \" and backslash \\ and {braces}, commas", ""};
  Status s = append(*db, a, first, &last);
  ASSERT_TRUE(s.ok()) << s.message;
  EXPECT_EQ(last, 3);
  ASSERT_TRUE(append(*db, a, {"update 1", "done 1"}, &last).ok());
  EXPECT_EQ(last, 5);

  const auto all = read("w1", 0);
  ASSERT_EQ(all.size(), 5u);
  const std::vector<std::string> texts = {first[0], first[1], first[2], "update 1", "done 1"};
  for (std::size_t i = 0; i < all.size(); ++i) {
    EXPECT_EQ(all[i].seq, static_cast<std::int64_t>(i + 1));
    EXPECT_EQ(all[i].epoch, 1);
    EXPECT_EQ(all[i].text, texts[i]);
  }
  const auto tail = read("w1", 3);
  ASSERT_EQ(tail.size(), 2u);
  EXPECT_EQ(tail[0].text, "update 1");
  const auto page = read("w1", 1, 2);
  ASSERT_EQ(page.size(), 2u);
  EXPECT_EQ(page[0].seq, 2);
  EXPECT_EQ(page[1].seq, 3);
  EXPECT_TRUE(read("w1", 5).empty());
  EXPECT_TRUE(read("w2", 0).empty());  // workspaces do not share a journal
}

// The holder is paused past its lease (no renewal), another node takes the workspace over;
// when the first resumes, its write at the old epoch is refused by the database and nothing
// of it is stored, while the new holder goes on after the old holder's lines.
TEST_F(JournalTest, APausedHoldersWriteAfterATakeoverIsRefusedByTheDatabase) {
  auto node_a = connect(), node_b = connect();
  Lease a, b;
  // Leases long enough for a loaded machine to write within them.
  ASSERT_TRUE(acquire(*node_a, "w1", "node-a", 1s, &a).ok());
  std::int64_t last = 0;
  ASSERT_TRUE(append(*node_a, a, {"a1", "a2"}, &last).ok());

  std::this_thread::sleep_for(1200ms);  // node-a paused
  ASSERT_TRUE(acquire(*node_b, "w1", "node-b", 60s, &b).ok());
  ASSERT_EQ(b.epoch, 2);
  std::vector<JournalLine> loaded;
  ASSERT_TRUE(read_after(*node_b, "w1", 0, 1000, &loaded).ok());
  ASSERT_EQ(loaded.size(), 2u);  // node-a's acknowledged lines are there for node-b

  Status s = append(*node_a, a, {"a3 (stale)"}, &last);  // node-a resumes
  EXPECT_EQ(s.code, Code::Fenced);
  EXPECT_NE(s.message.find("epoch 1 of workspace w1 is stale: the lease is at epoch 2, held by node-b"),
            std::string::npos)
      << s.message;
  ASSERT_TRUE(append(*node_b, b, {"b1"}, &last).ok());
  EXPECT_EQ(last, 3);

  const auto all = read("w1", 0);
  ASSERT_EQ(all.size(), 3u);
  EXPECT_EQ(all[0].text, "a1");
  EXPECT_EQ(all[1].text, "a2");
  EXPECT_EQ(all[2].text, "b1");
  EXPECT_EQ(all[2].epoch, 2);
}

// The refusal is the database's, not append()'s: a plain INSERT with a stale epoch, an UPDATE
// to one, or a row for a workspace without a lease, all fail with SQLSTATE IW001.
TEST_F(JournalTest, TheDatabaseRefusesAnyStatementWritingAStaleEpoch) {
  Lease a, b;
  ASSERT_NO_FATAL_FAILURE(taken_over(&a, &b));

  Status s = db->exec("write a stale line by hand",
                      "INSERT INTO iwd_journal (workspace, seq, epoch, line) VALUES ('w1', 2, 1, 'stale')");
  EXPECT_EQ(s.code, Code::Fenced) << s.message;
  s = db->exec("move a line to a stale epoch by hand", "UPDATE iwd_journal SET epoch = 1, line = 'x' WHERE seq = 1");
  EXPECT_EQ(s.code, Code::Fenced) << s.message;
  s = db->exec("write a line without a lease",
               "INSERT INTO iwd_journal (workspace, seq, epoch, line) VALUES ('nobody', 1, 1, 'x')");
  EXPECT_EQ(s.code, Code::Fenced);
  EXPECT_NE(s.message.find("workspace nobody has no lease"), std::string::npos) << s.message;
  ASSERT_TRUE(db->exec("write a line at the current epoch by hand",
                       "INSERT INTO iwd_journal (workspace, seq, epoch, line) VALUES ('w1', 2, 2, 'b1')")
                  .ok());
  EXPECT_EQ(read("w1", 0).size(), 2u);
}

// The fence is per statement over the rows it wrote (a transaction's lines in one INSERT): a
// statement of many rows with one at a stale epoch among current ones, or rows of a workspace
// without a lease beside those of one with it, is refused whole; a session whose own epoch is
// stale is refused before its rows meet the new holder's (a stale duplicate is fenced, not a
// duplicate key); many rows at the current epoch pass.
TEST_F(JournalTest, AStatementOfManyRowsIsRefusedWholeWhenOneOfThemIsStale) {
  Lease a, b;
  ASSERT_NO_FATAL_FAILURE(taken_over(&a, &b));
  std::int64_t last = 0;

  Status s = db->exec("write current lines with a stale one among them",
                      "INSERT INTO iwd_journal (workspace, seq, epoch, line) "
                      "SELECT 'w1', 1 + n, CASE WHEN n = 50 THEN 1 ELSE 2 END, 'x' FROM generate_series(1, 100) n");
  EXPECT_EQ(s.code, Code::Fenced) << s.message;
  EXPECT_NE(s.message.find("epoch 1 of workspace w1 is stale: the lease is at epoch 2, held by node-b"),
            std::string::npos)
      << s.message;
  s = db->exec("write lines of a workspace without a lease beside current ones",
               "INSERT INTO iwd_journal (workspace, seq, epoch, line) VALUES ('w1', 2, 2, 'b'), ('nobody', 1, 1, 'x')");
  EXPECT_EQ(s.code, Code::Fenced) << s.message;
  EXPECT_NE(s.message.find("workspace nobody has no lease"), std::string::npos) << s.message;
  EXPECT_EQ(read("w1", 0).size(), 1u);

  auto stale = connect();
  ASSERT_TRUE(stale->exec("set the stale session", "SELECT set_config('iwd.workspace', 'w1', false), "
                                                   "set_config('iwd.epoch', '1', false)").ok());
  s = stale->exec("write a line over the first one from the stale session",
                  "INSERT INTO iwd_journal (workspace, seq, epoch, line) VALUES ('w1', 1, 1, 'again')");
  EXPECT_EQ(s.code, Code::Fenced) << s.message;
  EXPECT_NE(s.message.find("epoch 1 of workspace w1 is stale"), std::string::npos) << s.message;

  // 500 rows, one check of their lease (the functions' calls counted in the transaction).
  ASSERT_TRUE(db->exec("begin", "BEGIN").ok());
  ASSERT_TRUE(db->exec("count function calls", "SET LOCAL track_functions = 'all'").ok());
  std::vector<std::string> lines(500, "b");
  ASSERT_TRUE(append(*db, b, lines, &last).ok());
  Rows calls;
  ASSERT_TRUE(db->exec("count the fence's checks",
                       "SELECT calls FROM pg_stat_xact_user_functions WHERE funcname = 'iwd_fence_check'", {}, &calls)
                  .ok());
  ASSERT_EQ(calls.size(), 1);
  EXPECT_EQ(calls.integer(0, 0), 1);
  ASSERT_TRUE(db->exec("commit", "COMMIT").ok());
  EXPECT_EQ(last, 501);
  EXPECT_EQ(read("w1", 0).size(), 501u);
}

// A write in flight when the lease expires holds the lease row (FOR SHARE in the trigger): a
// takeover waits for it to end, then finds its lines when it loads the journal. So a write is
// either before the takeover and seen by the new holder, or refused: never after it.
TEST_F(JournalTest, ATakeoverWaitsForAWriteInFlightAndThenSeesIt) {
  auto node_b = connect();
  Lease a;
  ASSERT_TRUE(acquire(*db, "w1", "node-a", 1s, &a).ok());
  ASSERT_TRUE(db->exec("begin node-a's transaction", "BEGIN").ok());
  std::int64_t last = 0;
  ASSERT_TRUE(append(*db, a, {"a1 in flight"}, &last).ok());
  std::this_thread::sleep_for(1200ms);  // the lease has expired; node-a's transaction is open

  std::atomic<bool> done{false};
  Lease b;
  Status taken;
  std::thread takeover([&] {
    taken = acquire(*node_b, "w1", "node-b", 60s, &b);
    done = true;
  });
  std::this_thread::sleep_for(500ms);
  EXPECT_FALSE(done.load());  // waiting on node-a's lock
  ASSERT_TRUE(db->exec("commit node-a's transaction", "COMMIT").ok());
  takeover.join();
  ASSERT_TRUE(taken.ok()) << taken.message;
  EXPECT_EQ(b.epoch, 2);
  std::vector<JournalLine> loaded;
  ASSERT_TRUE(read_after(*node_b, "w1", 0, 1000, &loaded).ok());
  ASSERT_EQ(loaded.size(), 1u);
  EXPECT_EQ(loaded[0].text, "a1 in flight");
  EXPECT_EQ(append(*db, a, {"a2"}, &last).code, Code::Fenced);
}

TEST_F(JournalTest, AnExpiredOrReleasedLeaseCannotWriteEvenIfNobodyTookItOver) {
  Lease a;
  ASSERT_TRUE(acquire(*db, "w1", "node-a", 100ms, &a).ok());
  std::this_thread::sleep_for(200ms);
  std::int64_t last = 0;
  Status s = append(*db, a, {"late"}, &last);
  EXPECT_EQ(s.code, Code::Fenced);
  EXPECT_NE(s.message.find("expired"), std::string::npos) << s.message;

  Lease again;
  ASSERT_TRUE(acquire(*db, "w1", "node-a", 60s, &again).ok());
  ASSERT_TRUE(release(*db, again).ok());
  s = append(*db, again, {"after release"}, &last);
  EXPECT_EQ(s.code, Code::Fenced);
  EXPECT_NE(s.message.find("released"), std::string::npos) << s.message;
  EXPECT_TRUE(read("w1", 0).empty());
}

}  // namespace
}  // namespace iwd::pgstore::testing
