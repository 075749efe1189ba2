// The event history's aggregates' checkpoints on PostgreSQL are written on a connection of
// their own (server/history_checkpoints.h, history/agg_checkpoint.h): the batches' commits do
// not wait for them, a reader meanwhile rebuilds the same state from the previous checkpoint,
// and an image that cannot be written makes the writer read its state again (nothing lost).
#include <gtest/gtest.h>

#include <future>
#include <thread>
#include <vector>

#include "history/store.h"
#include "pgstore/lease.h"
#include "server/group_commit.h"
#include "server/journal.h"
#include "tests/unit/pgstore/pg_test.h"
#include "tests/unit/store/pg_look.h"
#include "tests/unit/store/submitted.h"

namespace iwd::server {
namespace {

using namespace std::chrono_literals;

using testing::kWaitingForALock;

class HistoryCheckpointSideTest : public pgstore::testing::PgTest {
 protected:
  void SetUp() override {
    PgTest::SetUp();
    if (HasFatalFailure()) return;
    pgstore::Lease lease;
    const pgstore::Status s = pgstore::acquire(*db, "default", "node-a", 60s, &lease);
    ASSERT_TRUE(s.ok()) << s.message;
    std::string error;
    journal_ = Journal::open_postgresql(cluster->conninfo(), "default", lease.epoch, &error);
    ASSERT_TRUE(journal_) << error;
    history_ = history::Store::on(journal_->store(), journal_->path(), &error);
    ASSERT_TRUE(history_) << error;
    history_->aggregates()->set_checkpoint_records(4);
  }
  void TearDown() override {
    readers_.clear();
    history_.reset();
    journal_.reset();
  }
  // Item `k`'s capture, record seq `k`.
  static history::Record capture(std::int64_t k) {
    history::Record r;
    r.seq = k;
    r.at = 1'000'000 + k;
    r.item = "item-" + std::to_string(k);
    r.from = "none";
    r.to = "queued";
    r.reason = "captured";
    r.process = "Sales.Gold";
    r.department = "Sales";
    r.due = 2'000'000 + k;
    r.actor = "crm";
    return r;
  }
  // Items from..to captured in one batch (a journal line each).
  std::future<std::pair<bool, std::string>> captures(GroupCommitter& committer, std::int64_t from, std::int64_t to) {
    std::vector<std::string> lines;
    std::vector<history::Record> records;
    for (std::int64_t k = from; k <= to; ++k) {
      lines.push_back("L" + std::to_string(k));
      records.push_back(capture(k));
    }
    return submitted(committer, std::move(lines), std::move(records));
  }
  // The first column of the first row of `sql`, once it is `want`; what it was after 10 s.
  std::string becomes(const char* sql, const std::string& want) {
    std::string got;
    for (int k = 0; k < 400; ++k) {
      pgstore::Rows rows;
      if (db->exec("look", sql, {}, &rows).ok() && rows.size() > 0 && (got = rows.at(0, 0).value_or("")) == want) return got;
      std::this_thread::sleep_for(25ms);
    }
    return got;
  }
  std::string first_value(const char* sql) { return testing::first_value(*db, sql); }
  std::int64_t number(const char* sql) { return testing::number(*db, sql); }
  // A session holding the items' table (the checkpoint's statements wait for it), and items 1 to
  // 5 captured: a batch that reaches a checkpoint (every 4 item records here), acknowledged.
  std::unique_ptr<pgstore::Connection> reach_a_checkpoint_while_its_table_is_held(GroupCommitter& committer) {
    auto holder = connect();
    EXPECT_TRUE(holder->exec("hold", "BEGIN").ok());
    EXPECT_TRUE(holder->exec("hold", "LOCK TABLE iwd_history_agg_items IN SHARE MODE").ok());
    auto reaching = captures(committer, 1, 5);
    EXPECT_EQ(reaching.wait_for(10s), std::future_status::ready) << "the batch that reached a checkpoint waited for it";
    if (reaching.wait_for(0s) == std::future_status::ready) {
      EXPECT_TRUE(reaching.get().first);
    }
    return holder;
  }
  // The open items overdue at the end of time, as a reader of its own rebuilds them from the
  // checkpoint and the records after it (what a restart reads). The reader is kept to the end.
  std::int64_t open_items_a_reader_sees() {
    std::string error;
    auto session = journal_->open_another(&error);
    EXPECT_TRUE(session) << error;
    readers_.push_back(history::Store::open_reader(std::move(session), "reader", &error));
    history::Store* reader = readers_.back().get();
    EXPECT_TRUE(reader) << error;
    if (!reader) return -1;
    std::int64_t n = 0;
    EXPECT_TRUE(reader->aggregates()->overdue_at("process", INT64_MAX, [&](const std::string&, std::int64_t c) { n += c; },
                                                 &error))
        << error;
    return n;
  }
  std::unique_ptr<Journal> journal_;
  std::unique_ptr<history::Store> history_;
  std::vector<std::unique_ptr<history::Store>> readers_;
};

// A session holds the items' table: the batch that reaches a checkpoint commits, and so do the
// batches after it (in the batch's transaction, the checkpoint's rows held every one of them);
// a reader meanwhile counts every item from the previous checkpoint and the records after it;
// once let go, the checkpoint lands, and the next one writes only what changed since.
TEST_F(HistoryCheckpointSideTest, BatchesCommitWhileTheAggregatesCheckpointWaitsForItsTable) {
  GroupCommitter committer(*journal_, history_.get());
  auto holder = reach_a_checkpoint_while_its_table_is_held(committer);
  ASSERT_FALSE(HasFailure());
  ASSERT_FALSE(first_value(kWaitingForALock).empty()) << "the checkpoint never waited for the items' table";
  auto after = captures(committer, 6, 12);  // past another checkpoint's count: one is written at a time
  ASSERT_EQ(after.wait_for(10s), std::future_status::ready) << "a batch waited for the checkpoint";
  EXPECT_TRUE(after.get().first);
  EXPECT_EQ(becomes("SELECT value FROM iwd_history_meta WHERE name = 'agg_items_seq'", "0"), "0");
  EXPECT_EQ(open_items_a_reader_sees(), 12);

  ASSERT_TRUE(holder->exec("let go", "COMMIT").ok());
  EXPECT_EQ(becomes("SELECT value FROM iwd_history_meta WHERE name = 'agg_items_seq'", "5"), "5");
  auto next = captures(committer, 13, 13);  // takes the next image: items 6 to 13
  ASSERT_EQ(next.wait_for(10s), std::future_status::ready);
  EXPECT_TRUE(next.get().first);
  EXPECT_EQ(becomes("SELECT value FROM iwd_history_meta WHERE name = 'agg_items_seq'", "13"), "13");
  EXPECT_EQ(becomes("SELECT count(*) || ' ' || count(DISTINCT item) || ' ' || max(row) FROM iwd_history_agg_items",
                    "13 13 13"),
            "13 13 13");
  EXPECT_EQ(open_items_a_reader_sees(), 13);
}

// The checkpoint's session ends while it waits (its image not written): the writer reads its
// state again from the last checkpoint and its records, and the next image holds every item
// the lost one had.
TEST_F(HistoryCheckpointSideTest, AnImageThatCouldNotBeWrittenIsTakenAgainFromTheRows) {
  GroupCommitter committer(*journal_, history_.get());
  auto holder = reach_a_checkpoint_while_its_table_is_held(committer);
  ASSERT_FALSE(HasFailure());
  const std::string waiting = first_value(kWaitingForALock);
  ASSERT_FALSE(waiting.empty()) << "the checkpoint never waited for the items' table";
  ASSERT_TRUE(db->exec("end the checkpoint's session", "SELECT pg_terminate_backend($1::int)", {waiting}).ok());
  ASSERT_TRUE(holder->exec("let go", "COMMIT").ok());

  // One item a batch until a checkpoint past the lost one landed (the lost image's failure is
  // found by the first flush after it: the state read again, all of it in the next image).
  std::int64_t k = 5, seq = 0;
  while (seq < 6 && k < 200) {
    auto batch = captures(committer, k + 1, k + 1);
    ++k;
    ASSERT_EQ(batch.wait_for(10s), std::future_status::ready);
    ASSERT_TRUE(batch.get().first);
    seq = number("SELECT value FROM iwd_history_meta WHERE name = 'agg_items_seq'");
  }
  ASSERT_GE(seq, 6) << "no checkpoint landed after the lost one";
  // Every item up to the checkpoint's seq has its row, once (one statement: one instant).
  EXPECT_EQ(becomes("SELECT (SELECT value FROM iwd_history_meta WHERE name = 'agg_items_seq') = count(*) AND "
                    "count(*) = count(DISTINCT item) AND count(*) = max(row) FROM iwd_history_agg_items",
                    "t"),
            "t");
  EXPECT_EQ(open_items_a_reader_sees(), k);
}

// A reader that rebuilt the state (no checkpoint landed yet) closes without writing one: its
// close does not wait for the items' table, which a checkpoint being written holds.
TEST_F(HistoryCheckpointSideTest, AReaderClosesWithoutWriting) {
  GroupCommitter committer(*journal_, history_.get());
  auto holder = reach_a_checkpoint_while_its_table_is_held(committer);
  ASSERT_FALSE(HasFailure());
  EXPECT_EQ(open_items_a_reader_sees(), 5);
  auto closed = std::async(std::launch::async, [&] { readers_.clear(); });
  const bool done = closed.wait_for(10s) == std::future_status::ready;
  ASSERT_TRUE(holder->exec("let go", "COMMIT").ok());
  closed.wait();
  EXPECT_TRUE(done) << "the reader's close waited for the items' table: it tried to write";
}

}  // namespace
}  // namespace iwd::server
