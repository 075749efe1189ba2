// THE STORE TEST SUITE (issue 18): the journal's behaviours, the same cases against SQLite
// (DIR/journal.db) and PostgreSQL (a cluster of its own per test: tests/support/pg_cluster.h).
// Then what only PostgreSQL has: workspaces side by side, the lease epoch fencing every write.
#include <gtest/gtest.h>
#include <sqlite3.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "pgstore/connection.h"
#include "pgstore/lease.h"
#include "pgstore/schema.h"
#include "server/bundle_key.h"
#include "server/journal.h"
#include "tests/support/pg_cluster.h"
#include "tests/support/temp_dir.h"

namespace iwd::server {
namespace {

using namespace std::chrono_literals;
using sqlstore::Dialect;

class StoreTest : public ::testing::TestWithParam<Dialect> {
 protected:
  void SetUp() override {
    std::string error;
    if (GetParam() == Dialect::SQLite) {
      dir_ = tmp_.emplace("iwd-store-").path();  // removed on every path (tests/support/temp_dir.h)
    } else {
      cluster_ = iwd::testing::PgCluster::start(&error);
      ASSERT_TRUE(cluster_) << error;
      admin_ = std::make_unique<pgstore::Connection>(cluster_->conninfo());
      pgstore::Status s = pgstore::create_schema(*admin_);
      ASSERT_TRUE(s.ok()) << s.message;
      ASSERT_TRUE((s = pgstore::acquire(*admin_, "default", "node-a", 60s, &lease_)).ok()) << s.message;
    }
    journal_ = open(&error);
    ASSERT_TRUE(journal_) << error;
  }
  void TearDown() override {
    journal_.reset();
    tmp_.reset();
  }
  std::unique_ptr<Journal> open(std::string* error, const std::string& workspace = "default", std::int64_t epoch = 1) {
    if (GetParam() == Dialect::SQLite) return Journal::open(dir_.string(), JournalFault{}, error);
    return Journal::open_postgresql(cluster_->conninfo(), workspace, epoch, error);
  }
  std::vector<std::string> lines_after(Journal& j, std::int64_t seq) {
    std::vector<std::string> out;
    std::string error;
    EXPECT_TRUE(j.read(seq, [&](const std::string& l) { out.push_back(l); }, &error)) << error;
    return out;
  }
  std::int64_t last_seq(Journal& j) {
    std::string error;
    const auto seq = j.last_seq(&error);
    EXPECT_TRUE(seq) << error;
    return seq.value_or(-1);
  }
  // Changes a stored row behind the journal's back: SQLite's table, or PostgreSQL's (the
  // workspace's rows, at the epoch they were written at, so that the fence lets it through).
  void damage(const std::string& sqlite_sql, const std::string& pg_sql) {
    if (GetParam() == Dialect::SQLite) {
      sqlite3* db = nullptr;
      ASSERT_EQ(sqlite3_open((dir_ / "journal.db").c_str(), &db), SQLITE_OK);
      char* message = nullptr;
      EXPECT_EQ(sqlite3_exec(db, sqlite_sql.c_str(), nullptr, nullptr, &message), SQLITE_OK) << (message ? message : "");
      sqlite3_free(message);
      sqlite3_close(db);
    } else {
      const pgstore::Status s = admin_->exec("damage a row", pg_sql.c_str());
      EXPECT_TRUE(s.ok()) << s.message;
    }
  }

  std::optional<iwd::testing::TempDir> tmp_;  // first: gone last, after what uses it
  std::filesystem::path dir_;
  std::unique_ptr<iwd::testing::PgCluster> cluster_;
  std::unique_ptr<pgstore::Connection> admin_;
  pgstore::Lease lease_;
  std::unique_ptr<Journal> journal_;
};

std::string backend_name(const ::testing::TestParamInfo<Dialect>& info) { return sqlstore::dialect_name(info.param); }

TEST_P(StoreTest, LinesAreReadBackInTheOrderAppended) {
  std::string error;
  EXPECT_EQ(last_seq(*journal_), 0);
  const std::string quoted = R"({"create": {"id": "a'b\"c", "note": "é ?1 $1"}})";
  ASSERT_TRUE(journal_->append({}, {"L1", quoted}, &error)) << error;
  ASSERT_TRUE(journal_->append({}, {"L3"}, &error)) << error;
  EXPECT_EQ(last_seq(*journal_), 3);
  EXPECT_EQ(lines_after(*journal_, 0), (std::vector<std::string>{"L1", quoted, "L3"}));
  EXPECT_EQ(lines_after(*journal_, 2), (std::vector<std::string>{"L3"}));
  // And after a reopen, from the store.
  journal_.reset();
  journal_ = open(&error);
  ASSERT_TRUE(journal_) << error;
  EXPECT_EQ(lines_after(*journal_, 0), (std::vector<std::string>{"L1", quoted, "L3"}));
  EXPECT_EQ(journal_->size(), 3);
}

TEST_P(StoreTest, ABatchIsAllOrNothing) {
  std::string error;
  ASSERT_TRUE(journal_->append({}, {"L1"}, &error)) << error;
  ASSERT_TRUE(journal_->begin(&error)) << error;
  ASSERT_TRUE(journal_->add_line("L2", &error)) << error;
  ASSERT_TRUE(journal_->add_ruleset("k", "bundle", &error)) << error;
  ASSERT_TRUE(journal_->add_line("L3", &error)) << error;
  EXPECT_EQ(last_seq(*journal_), 3);  // seen inside the transaction
  journal_->rollback();
  EXPECT_EQ(last_seq(*journal_), 1);
  EXPECT_FALSE(journal_->ruleset("k", &error));
  // A batch that fails part-way (a snapshot part twice) stores none of it.
  ASSERT_TRUE(journal_->begin(&error)) << error;
  ASSERT_TRUE(journal_->add_line("L2", &error)) << error;
  ASSERT_TRUE(journal_->add_snapshot_part(9, "image", 0, "x", &error)) << error;
  EXPECT_FALSE(journal_->add_snapshot_part(9, "image", 0, "x", &error));
  EXPECT_EQ(journal_->failure_code(), sqlstore::Code::Failed) << error;
  journal_->rollback();
  ASSERT_TRUE(journal_->append({}, {"L2b"}, &error)) << error;
  EXPECT_EQ(lines_after(*journal_, 0), (std::vector<std::string>{"L1", "L2b"}));
}

TEST_P(StoreTest, SnapshotsAreStoredInPartsAndTheLatestIsRead) {
  std::string error;
  journal_->set_snapshot_part_bytes(10);
  std::string image;
  for (int k = 0; k < 20; ++k) image += "item-" + std::to_string(k) + ";";
  const std::string captured("with\0a NUL and bytes \xff\xfe", 26);
  EXPECT_FALSE(journal_->latest_snapshot(&error));
  EXPECT_EQ(error, "");
  ASSERT_TRUE(journal_->append({}, {"L1", "L2"}, &error)) << error;
  ASSERT_TRUE(journal_->begin(&error));
  ASSERT_TRUE(journal_->add_snapshot(42, "fnv1a64:1", "old image", "", &error)) << error;
  ASSERT_TRUE(journal_->commit(&error)) << error;
  ASSERT_TRUE(journal_->append({}, {"L3"}, &error)) << error;
  ASSERT_TRUE(journal_->begin(&error));
  ASSERT_TRUE(journal_->add_snapshot(43, "fnv1a64:2", image, captured, &error)) << error;
  ASSERT_TRUE(journal_->commit(&error)) << error;
  ASSERT_TRUE(journal_->append({}, {"L4"}, &error)) << error;

  auto latest = journal_->latest_snapshot(&error);
  ASSERT_TRUE(latest) << error;
  EXPECT_EQ(latest->journal_seq, 3);
  EXPECT_EQ(latest->at, 43);
  EXPECT_EQ(latest->rules_key, "fnv1a64:2");
  EXPECT_EQ(latest->image, image);
  EXPECT_EQ(latest->captured, captured);
  // The lines it covers are gone but its own last one (seqs never go back); those after it stay.
  EXPECT_EQ(lines_after(*journal_, latest->journal_seq), (std::vector<std::string>{"L4"}));
  EXPECT_EQ(lines_after(*journal_, 0), (std::vector<std::string>{"L3", "L4"}));
  EXPECT_EQ(last_seq(*journal_), 4);
}

TEST_P(StoreTest, APublishedSnapshotLetsPruneDeleteWhatItReplaced) {
  std::string error;
  std::vector<std::string> lines;
  for (int k = 1; k <= 30; ++k) lines.push_back("L" + std::to_string(k));
  ASSERT_TRUE(journal_->append({}, lines, &error)) << error;
  // In steps, each a transaction of its own, as the service stores one (server/snapshot_store.h).
  const auto step = [&](const std::function<bool()>& f) {
    ASSERT_TRUE(journal_->begin(&error)) << error;
    ASSERT_TRUE(f()) << error;
    ASSERT_TRUE(journal_->commit(&error)) << error;
  };
  std::int64_t id = 0;
  step([&] { return journal_->add_snapshot(1, "fnv1a64:1", "first", "", &error); });
  ASSERT_TRUE(journal_->append({}, {"L31", "L32"}, &error)) << error;
  step([&] {
    auto next = journal_->begin_snapshot(&error);
    id = next.value_or(0);
    return next.has_value();
  });
  step([&] { return journal_->add_snapshot_part(id, "image", 0, "second", &error); });
  step([&] { return journal_->add_snapshot_part(id, "captured", 0, "", &error); });
  step([&] { return journal_->publish_snapshot(id, 31, 2, "fnv1a64:2", 1, 1, &error); });
  EXPECT_EQ(lines_after(*journal_, 0).size(), 3u);  // L30 (the first's last), L31, L32: not pruned yet
  std::int64_t deleted = 0, rounds = 0;
  for (std::optional<std::int64_t> n; (n = journal_->prune(1, &error)) && *n > 0 && rounds < 100; ++rounds) deleted += *n;
  EXPECT_EQ(error, "");
  EXPECT_EQ(deleted, 2 + 1 + 1);  // the first snapshot's two parts (image, captured), its row, line 30
  EXPECT_EQ(lines_after(*journal_, 0), (std::vector<std::string>{"L31", "L32"}));
  auto latest = journal_->latest_snapshot(&error);
  ASSERT_TRUE(latest) << error;
  EXPECT_EQ(latest->image, "second");
  EXPECT_EQ(latest->journal_seq, 31);
}

TEST_P(StoreTest, RulesetsAreKeptByKeyAndTheFirstStays) {
  std::string error;
  const std::string bundle("rules\0bytes\x01\xff", 13), key = bundle_key(bundle);
  ASSERT_TRUE(journal_->append({{key, bundle}}, {"L1"}, &error)) << error;
  ASSERT_TRUE(journal_->append({{key, bundle}}, {}, &error)) << error;  // stored again: kept once, no failure
  auto got = journal_->ruleset(key, &error);
  ASSERT_TRUE(got) << error;
  EXPECT_EQ(*got, bundle);
  EXPECT_FALSE(journal_->ruleset("fnv1a64:0000000000000000", &error));
  EXPECT_NE(error.find("no ruleset `fnv1a64:0000000000000000`"), std::string::npos) << error;
}

TEST_P(StoreTest, ChecksumsRefuseDamage) {
  std::string error;
  const std::string bundle = "rules", key = bundle_key(bundle);
  ASSERT_TRUE(journal_->append({{key, bundle}}, {"L1", "L2", "L3"}, &error)) << error;
  journal_->set_snapshot_part_bytes(4);
  ASSERT_TRUE(journal_->begin(&error));
  ASSERT_TRUE(journal_->add_snapshot(5, key, "image in parts", "", &error)) << error;
  ASSERT_TRUE(journal_->commit(&error)) << error;
  ASSERT_TRUE(journal_->append({}, {"L4", "L5"}, &error)) << error;

  damage("UPDATE journal SET line = 'L4 changed' WHERE seq = 4", "UPDATE iwd_journal SET line = 'L4 changed' WHERE seq = 4");
  damage("UPDATE snapshot_parts SET text = 'IMAG' WHERE part = 0 AND field = 'image'",
         "UPDATE iwd_snapshot_parts SET text = 'IMAG' WHERE part = 0 AND field = 'image'");
  damage("UPDATE rulesets SET bundle = 'rulez'", "UPDATE iwd_rulesets SET bundle = 'rulez'");

  std::vector<std::string> read;
  EXPECT_FALSE(journal_->read(3, [&](const std::string& l) { read.push_back(l); }, &error));
  EXPECT_TRUE(read.empty());  // nothing handed over past the damage
  EXPECT_NE(error.find("table journal: seq 4: the line is damaged"), std::string::npos) << error;
  error.clear();
  EXPECT_FALSE(journal_->latest_snapshot(&error));
  EXPECT_NE(error.find("image part 1 of 4 (row part=0) does not match its checksum"), std::string::npos) << error;
  error.clear();
  EXPECT_FALSE(journal_->ruleset(key, &error));
  EXPECT_NE(error.find("the bundle is damaged"), std::string::npos) << error;
}

INSTANTIATE_TEST_SUITE_P(Backends, StoreTest, ::testing::Values(Dialect::SQLite, Dialect::PostgreSQL), backend_name);

// What only PostgreSQL does: several workspaces in one database, each written under its lease.
class PostgresqlStoreTest : public StoreTest {};

TEST_P(PostgresqlStoreTest, WorkspacesKeepTheirOwnRows) {
  std::string error;
  pgstore::Lease other;
  ASSERT_TRUE(pgstore::acquire(*admin_, "w2", "node-b", 60s, &other).ok());
  auto w2 = open(&error, "w2", other.epoch);
  ASSERT_TRUE(w2) << error;
  ASSERT_TRUE(journal_->append({{"k", "default's"}}, {"D1", "D2"}, &error)) << error;
  ASSERT_TRUE(w2->append({{"k", "w2's"}}, {"W1"}, &error)) << error;
  EXPECT_EQ(lines_after(*journal_, 0), (std::vector<std::string>{"D1", "D2"}));
  EXPECT_EQ(lines_after(*w2, 0), (std::vector<std::string>{"W1"}));
  EXPECT_EQ(last_seq(*w2), 1);
  EXPECT_EQ(w2->ruleset("k", &error).value_or(""), "w2's");
}

// A node whose lease was taken over can write nothing more, not a line, a ruleset, a snapshot
// or a prune: the database refuses its epoch, and nothing of the batch is stored.
TEST_P(PostgresqlStoreTest, AJournalAtAStaleEpochIsFencedByTheDatabase) {
  std::string error;
  ASSERT_TRUE(journal_->append({}, {"L1", "L2"}, &error)) << error;
  ASSERT_TRUE(journal_->begin(&error));
  ASSERT_TRUE(journal_->add_snapshot(1, "fnv1a64:1", "image", "", &error)) << error;
  ASSERT_TRUE(journal_->commit(&error)) << error;
  ASSERT_TRUE(admin_->exec("expire the lease", "UPDATE iwd_lease SET expires_at = now() - interval '1 second'").ok());
  pgstore::Lease taken;
  ASSERT_TRUE(pgstore::acquire(*admin_, "default", "node-b", 60s, &taken).ok());
  ASSERT_EQ(taken.epoch, 2);

  EXPECT_FALSE(journal_->append({}, {"stale"}, &error));
  EXPECT_EQ(journal_->failure_code(), sqlstore::Code::Fenced) << error;
  EXPECT_NE(error.find("epoch 1 of workspace default is stale"), std::string::npos) << error;
  EXPECT_FALSE(journal_->append({{"k", "b"}}, {}, &error));
  EXPECT_EQ(journal_->failure_code(), sqlstore::Code::Fenced) << error;
  ASSERT_TRUE(journal_->begin(&error));
  EXPECT_FALSE(journal_->prune(100, &error));
  EXPECT_EQ(journal_->failure_code(), sqlstore::Code::Fenced) << error;
  journal_->rollback();

  auto next = open(&error, "default", taken.epoch);
  ASSERT_TRUE(next) << error;
  EXPECT_EQ(lines_after(*next, 0), (std::vector<std::string>{"L2"}));
  ASSERT_TRUE(next->append({}, {"L3"}, &error)) << error;
  EXPECT_EQ(last_seq(*next), 3);
  EXPECT_FALSE(next->ruleset("k", &error));
}

INSTANTIATE_TEST_SUITE_P(Backends, PostgresqlStoreTest, ::testing::Values(Dialect::PostgreSQL), backend_name);

}  // namespace
}  // namespace iwd::server
