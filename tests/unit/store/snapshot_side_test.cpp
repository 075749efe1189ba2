// A snapshot's parts and pruning on PostgreSQL run on a connection of their own
// (Journal::open_side, server/snapshot_store.h): written at the journal's epoch and fenced as
// its writes are (by the journal's fence and deadline, and by the database after a takeover),
// and the batches' commits do not wait for them. SQLite has none.
#include <gtest/gtest.h>

#include <sys/resource.h>

#include <cerrno>
#include <chrono>
#include <future>
#include <thread>

#include "pgstore/lease.h"
#include "server/group_commit.h"
#include "server/journal.h"
#include "server/snapshot_store.h"
#include "tests/support/temp_dir.h"
#include "tests/unit/pgstore/pg_test.h"
#include "tests/unit/store/pg_look.h"
#include "tests/unit/store/submitted.h"

namespace iwd::server {
namespace {

using namespace std::chrono_literals;

using testing::kWaitingForALock;

class SnapshotSideTest : public pgstore::testing::PgTest {
 protected:
  void SetUp() override {
    PgTest::SetUp();
    if (HasFatalFailure()) return;
    admin_ = db.get();
    pgstore::Lease lease;
    const pgstore::Status s = pgstore::acquire(*admin_, "default", "node-a", 60s, &lease);
    ASSERT_TRUE(s.ok()) << s.message;
    epoch_ = lease.epoch;
    std::string error;
    journal_ = Journal::open_postgresql(cluster->conninfo(), "default", epoch_, &error);
    ASSERT_TRUE(journal_) << error;
  }
  std::string first_value(const char* sql) { return testing::first_value(*admin_, sql); }
  std::int64_t number(const char* sql) { return testing::number(*admin_, sql); }
  pgstore::Connection* admin_ = nullptr;
  std::int64_t epoch_ = 0;
  std::unique_ptr<Journal> journal_;
};

TEST_F(SnapshotSideTest, ASideJournalWritesAtItsJournalsEpochAndStopsWithItsFenceOrDeadline) {
  auto deadline = std::chrono::steady_clock::now() + 60s;
  journal_->set_retry_until([&] { return deadline; });
  std::string error;
  auto side = journal_->open_side(&error);
  ASSERT_TRUE(side) << error;
  ASSERT_TRUE(side->begin(&error) && side->add_snapshot_part(1, "image", 0, "bytes", &error) && side->commit(&error)) << error;
  EXPECT_EQ(number("SELECT epoch FROM iwd_snapshot_parts"), epoch_);

  deadline = std::chrono::steady_clock::now() - 1ms;  // the journal's lease ran out
  EXPECT_FALSE(side->begin(&error));
  EXPECT_EQ(side->failure_code(), sqlstore::Code::Fenced);
  EXPECT_NE(error.find("deadline passed"), std::string::npos) << error;
  deadline = std::chrono::steady_clock::now() + 60s;
  journal_->fence("lost: taken over by node-b");
  EXPECT_FALSE(side->begin(&error));
  EXPECT_EQ(side->failure_code(), sqlstore::Code::Fenced);
  EXPECT_EQ(error, "lost: taken over by node-b");
  EXPECT_EQ(number("SELECT count(*) FROM iwd_snapshot_parts"), 1);
}

// Without the journal's word: another node took the workspace over, and the database refuses
// the side's part and its pruning as it refuses the journal's lines.
TEST_F(SnapshotSideTest, TheDatabaseRefusesASideJournalsWritesAfterATakeover) {
  std::string error;
  ASSERT_TRUE(journal_->append({}, {"L1", "L2", "L3"}, &error)) << error;
  ASSERT_TRUE(journal_->begin(&error)) << error;
  const auto id = journal_->begin_snapshot(&error);
  ASSERT_TRUE(id) << error;
  ASSERT_TRUE(journal_->add_snapshot_part(*id, "image", 0, "x", &error) &&
              journal_->add_snapshot_part(*id, "captured", 0, "", &error) &&
              journal_->publish_snapshot(*id, 3, 1000, "k", 1, 1, &error) && journal_->commit(&error))
      << error;
  auto side = journal_->open_side(&error);
  ASSERT_TRUE(side) << error;
  ASSERT_TRUE(admin_->exec("expire the lease", "UPDATE iwd_lease SET expires_at = now() - interval '1 second'").ok());
  pgstore::Lease taken;
  ASSERT_TRUE(pgstore::acquire(*admin_, "default", "node-b", 60s, &taken).ok());
  ASSERT_GT(taken.epoch, epoch_);

  ASSERT_TRUE(side->begin(&error)) << error;  // the journal itself was not told
  EXPECT_FALSE(side->add_snapshot_part(*id + 1, "image", 0, "stale", &error));
  EXPECT_EQ(side->failure_code(), sqlstore::Code::Fenced) << error;
  side->rollback();
  ASSERT_TRUE(side->begin(&error)) << error;
  EXPECT_FALSE(side->prune(100, &error).has_value());
  EXPECT_EQ(side->failure_code(), sqlstore::Code::Fenced) << error;
  side->rollback();
  EXPECT_EQ(number("SELECT count(*) FROM iwd_journal"), 3);
  EXPECT_EQ(number("SELECT count(*) FROM iwd_snapshot_parts"), 2);
}

// A session holds the parts' table, then a journal line the pruning deletes: meanwhile batches
// commit (on the committer, the snapshot's steps held every batch behind them), and the
// snapshot is stored and the journal pruned once they are let go.
TEST_F(SnapshotSideTest, BatchesCommitWhileASnapshotsPartsAndPruningWait) {
  std::string error;
  GroupCommitter committer(*journal_);
  std::vector<std::string> lines;
  for (int k = 1; k <= 10; ++k) lines.push_back("L" + std::to_string(k));
  auto first = submitted(committer, lines);
  ASSERT_EQ(first.wait_for(20s), std::future_status::ready);
  ASSERT_TRUE(first.get().first);
  runtime::StringPool pool;
  SnapshotStore::Steps steps;
  steps.part_bytes = 8;  // an empty state's image is a few parts
  steps.prune_rows = 3;
  SnapshotStore store(committer, pool, [j = journal_.get()](std::string* e) { return j->open_side(e); }, steps);
  // (Declared after the store: their locks are let go before it waits for its snapshot.)
  pgstore::Connection parts_holder(cluster->conninfo()), line_holder(cluster->conninfo());
  ASSERT_TRUE(line_holder.exec("hold", "BEGIN").ok());
  ASSERT_TRUE(line_holder.exec("hold", "SELECT seq FROM iwd_journal WHERE seq = 5 FOR UPDATE").ok());
  ASSERT_TRUE(parts_holder.exec("hold", "BEGIN").ok());
  ASSERT_TRUE(parts_holder.exec("hold", "LOCK TABLE iwd_snapshot_parts IN SHARE MODE").ok());

  auto job = std::make_shared<SnapshotJob>();
  job->at = 1000;
  job->rules_key = "k";
  std::promise<std::pair<bool, std::string>> stored;
  job->waiters.push_back([&](bool ok, const std::string& e) { stored.set_value({ok, e}); });
  store.expect(job);
  store.committed(job, true, 10, "");
  ASSERT_FALSE(first_value(kWaitingForALock).empty()) << "the snapshot's first step never waited for the parts' table";
  auto during_parts = submitted(committer, {"L11"});
  ASSERT_EQ(during_parts.wait_for(10s), std::future_status::ready) << "a batch waited for the snapshot's parts";
  EXPECT_TRUE(during_parts.get().first);
  auto answer = stored.get_future();
  EXPECT_EQ(answer.wait_for(0s), std::future_status::timeout);

  ASSERT_TRUE(parts_holder.exec("let go", "COMMIT").ok());
  ASSERT_EQ(answer.wait_for(20s), std::future_status::ready);
  const auto [ok, why] = answer.get();
  ASSERT_TRUE(ok) << why;
  ASSERT_FALSE(first_value(kWaitingForALock).empty()) << "the pruning never waited for line 5";
  auto during_pruning = submitted(committer, {"L12"});
  ASSERT_EQ(during_pruning.wait_for(10s), std::future_status::ready) << "a batch waited for the pruning";
  EXPECT_TRUE(during_pruning.get().first);
  EXPECT_EQ(number("SELECT min(seq) FROM iwd_journal"), 4);  // its first step went: lines 1 to 3

  ASSERT_TRUE(line_holder.exec("let go", "COMMIT").ok());
  store.finish();
  EXPECT_EQ(number("SELECT min(seq) FROM iwd_journal"), 10);  // the last line it covers stays
  EXPECT_EQ(number("SELECT max(seq) FROM iwd_journal"), 12);
  auto latest = journal_->latest_snapshot(&error);
  ASSERT_TRUE(latest) << error;
  EXPECT_EQ(latest->journal_seq, 10);
  EXPECT_GT(number("SELECT count(*) FROM iwd_snapshot_parts WHERE field = 'image'"), 2);
}

// Parts are compressed by lz4 (pglz, the default, took 3 times as long to store an image).
TEST_F(SnapshotSideTest, ThePartsAreCompressedByLz4AndReadBackWhole) {
  EXPECT_EQ(first_value("SELECT attcompression FROM pg_attribute WHERE attrelid = 'iwd_snapshot_parts'::regclass "
                        "AND attname = 'text'"),
            "l");
  std::string image;
  for (int k = 0; image.size() < 200'000; ++k) image += "item-" + std::to_string(k) + ",Sales,Gold;";
  std::string error;
  ASSERT_TRUE(journal_->append({}, {"L1"}, &error)) << error;
  ASSERT_TRUE(journal_->begin(&error)) << error;
  const auto id = journal_->begin_snapshot(&error);
  ASSERT_TRUE(id && journal_->add_snapshot_part(*id, "image", 0, image, &error) &&
              journal_->add_snapshot_part(*id, "captured", 0, "", &error) &&
              journal_->publish_snapshot(*id, 1, 1000, "k", 1, 1, &error) && journal_->commit(&error))
      << error;
  EXPECT_EQ(first_value("SELECT pg_column_compression(text) FROM iwd_snapshot_parts WHERE field = 'image'"), "lz4");
  const auto latest = journal_->latest_snapshot(&error);
  ASSERT_TRUE(latest) << error;
  EXPECT_EQ(latest->image, image);
}

// A prune step deletes as many parts of older snapshots as it is given (the store gives as many
// bytes of parts as of lines: parts of a test's few bytes go many at a time).
TEST_F(SnapshotSideTest, APruneStepDeletesAsManyOlderPartsAsItIsGiven) {
  std::string error;
  ASSERT_TRUE(journal_->append({}, {"L1", "L2"}, &error)) << error;
  for (std::int64_t covered : {1, 2}) {
    ASSERT_TRUE(journal_->begin(&error)) << error;
    const auto id = journal_->begin_snapshot(&error);
    ASSERT_TRUE(id) << error;
    for (int k = 0; k < 10; ++k) ASSERT_TRUE(journal_->add_snapshot_part(*id, "image", k, "part", &error)) << error;
    ASSERT_TRUE(journal_->add_snapshot_part(*id, "captured", 0, "", &error) &&
                journal_->publish_snapshot(*id, covered, 1000, "k", 10, 1, &error) && journal_->commit(&error))
        << error;
  }
  ASSERT_TRUE(journal_->begin(&error)) << error;
  const auto deleted = journal_->prune(1000, &error, 4);
  ASSERT_TRUE(deleted && journal_->commit(&error)) << error;
  EXPECT_EQ(*deleted, 4 + 1 + 1);  // 4 parts, the older row, line 1
  EXPECT_EQ(number("SELECT count(*) FROM iwd_snapshot_parts"), 22 - 4);
}

TEST(SnapshotSideSqlite, SQLiteHasNoSideJournal) {
  iwd::testing::TempDir dir("iwd-snapshot-side-");
  std::string error;
  auto journal = Journal::open(dir.path().string(), JournalFault{}, &error);
  ASSERT_TRUE(journal) << error;
  error = "not cleared";
  EXPECT_FALSE(journal->open_side(&error));
  EXPECT_EQ(error, "");
}

// The snapshot takes a share of the machine (server/snapshot_store.h): its thread at the lowest
// priority, and on PostgreSQL a pause after each step of its own connection as long as the step
// (pace_percent 100).
TEST(SnapshotPaceSqlite, TheStoresThreadRunsAtTheLowestPriority) {
  iwd::testing::TempDir dir("iwd-snapshot-pace-");
  std::string error;
  auto journal = Journal::open(dir.path().string(), JournalFault{}, &error);
  ASSERT_TRUE(journal) << error;
  GroupCommitter committer(*journal);
  runtime::StringPool pool;
  SnapshotStore store(committer, pool);
  errno = 0;
  EXPECT_EQ(::getpriority(PRIO_PROCESS, static_cast<id_t>(store.thread_id())), 19);
  EXPECT_EQ(errno, 0);
  EXPECT_EQ(::getpriority(PRIO_PROCESS, 0), 0);  // the calling thread's is its own
}

// A snapshot of an empty state in parts of 8 bytes, its journal 7 lines: the pauses the store
// took (settling, then after each step on its own connection), and its parts.
std::vector<std::chrono::nanoseconds> pauses_of_a_snapshot(Journal& journal, unsigned pace_percent, std::size_t* parts) {
  std::string error;
  GroupCommitter committer(journal);
  auto first = submitted(committer, {"L1", "L2", "L3", "L4", "L5", "L6", "L7"});
  EXPECT_TRUE(first.get().first);
  std::vector<std::chrono::nanoseconds> pauses;  // on the store's thread, read after finish()
  SnapshotStore::Steps steps;
  steps.part_bytes = 8;  // an empty state's image is a few parts
  steps.prune_rows = 3;
  steps.pace_percent = pace_percent;
  steps.pause = [&pauses](std::chrono::nanoseconds p) { pauses.push_back(p); };
  runtime::StringPool pool;
  SnapshotStore store(committer, pool, [&journal](std::string* e) { return journal.open_side(e); }, steps);
  auto job = std::make_shared<SnapshotJob>();
  job->at = 1000;
  job->rules_key = "k";
  store.expect(job);
  store.committed(job, true, 7, "");
  store.finish();
  const auto latest = journal.latest_snapshot(&error);
  EXPECT_TRUE(latest) << error;
  *parts = latest ? (latest->image.size() + 7) / 8 : 0;
  return pauses;
}

TEST_F(SnapshotSideTest, EachSideStepIsFollowedByAPauseAsLongAsItWas) {
  std::size_t parts = 0;
  const auto pauses = pauses_of_a_snapshot(*journal_, 100, &parts);
  ASSERT_GT(parts, 2u);
  // Settling before the image (its frame is empty: none), the snapshot's first step, each
  // part, then the prune steps (lines 1-3, 4-6, then one that deletes nothing); the row is the
  // committer's step and not paced.
  EXPECT_EQ(pauses.size(), 1 + parts + 3);
  for (const auto p : pauses) {
    EXPECT_GT(p.count(), 0);
    EXPECT_LE(p, SnapshotStore::Steps::kMaxPause);
  }
  EXPECT_EQ(number("SELECT min(seq) FROM iwd_journal"), 7);
  EXPECT_TRUE(pauses_of_a_snapshot(*journal_, 0, &parts).empty());
}

}  // namespace
}  // namespace iwd::server
