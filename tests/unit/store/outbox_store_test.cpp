// The notifications' outbox in the store test suite (issue 18): the same cases against SQLite
// (DIR/journal.db) and PostgreSQL (a cluster of its own per test): rows written in the
// journal's transaction and rolled back with it, the sender's pick, an attempt's result and a
// delivery written through the journal, the dead-letter list and its replay. Then, on
// PostgreSQL, the outbox fenced by the lease's epoch as the journal is.
#include <gtest/gtest.h>
#include <httplib.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "notify/lane.h"
#include "notify/outbox.h"
#include "notify/sender.h"
#include "pgstore/connection.h"
#include "pgstore/lease.h"
#include "pgstore/schema.h"
#include "server/journal.h"
#include "tests/support/pg_cluster.h"
#include "tests/support/temp_dir.h"

namespace iwd::server {
namespace {

using namespace std::chrono_literals;
using json = nlohmann::json;
using sqlstore::Dialect;

class OutboxStoreTest : public ::testing::TestWithParam<Dialect> {
 protected:
  void SetUp() override {
    std::string error;
    if (GetParam() == Dialect::SQLite) {
      dir_ = tmp_.emplace("iwd-outbox-store-").path();  // removed on every path (tests/support/temp_dir.h)
      journal_ = Journal::open(dir_.string(), JournalFault{}, &error);
    } else {
      cluster_ = iwd::testing::PgCluster::start(&error);
      ASSERT_TRUE(cluster_) << error;
      admin_ = std::make_unique<pgstore::Connection>(cluster_->conninfo());
      pgstore::Status s = pgstore::create_schema(*admin_);
      ASSERT_TRUE(s.ok()) << s.message;
      ASSERT_TRUE((s = pgstore::acquire(*admin_, "default", "node-a", 60s, &lease_)).ok()) << s.message;
      journal_ = Journal::open_postgresql(cluster_->conninfo(), "default", lease_.epoch, &error);
    }
    ASSERT_TRUE(journal_) << error;
    outbox_ = notify::Outbox::on(journal_->store(), nullptr, {}, &error);
    ASSERT_TRUE(outbox_) << error;
    auto s = notify::parse_subscription(
        "crm", json{{"url", "http://127.0.0.1:9/hook"}, {"events", {"captured", "done"}}, {"secret", kSecret}}, &error);
    ASSERT_TRUE(s) << error;
    ASSERT_TRUE(journal_->begin(&error) && outbox_->put(*s, &error) && journal_->commit(&error)) << error;
  }
  void TearDown() override {
    sender_.reset();
    if (server_) server_->stop();
    if (listening_.joinable()) listening_.join();
    outbox_.reset();
    journal_.reset();
    tmp_.reset();
  }
  // Records of captures of `items`, numbered after the last, added in the journal's open
  // transaction with a line.
  bool add(const std::vector<std::string>& items, std::string* error) {
    std::vector<history::Record> records;
    for (const std::string& item : items) {
      history::Record r;
      r.seq = ++seq_;
      r.at = 1'700'000'000'000 + seq_;
      r.item = item;
      r.reason = "capture";
      r.to = "queued";
      r.actor = "crm";
      records.push_back(r);
    }
    const std::int64_t now =
        std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch()).count();
    return journal_->add_line("line " + std::to_string(seq_), error) && outbox_->add(records, now, error);
  }
  // The pending rows' items, read on a connection of their own as the sender's lanes do.
  std::vector<std::string> pending_items() {
    std::string error;
    auto db = journal_->open_another(&error);
    EXPECT_TRUE(db) << error;
    if (!db) return {};
    auto statements = std::make_unique<notify::sql::Statements>(*db);
    notify::Lane lane("crm");
    EXPECT_TRUE(lane.fill(*statements, false, [](notify::OutboxRow&) { return true; }, &error)) << error;
    std::vector<std::string> items;
    std::int64_t next_due = 0;
    while (auto row = lane.take(std::numeric_limits<std::int64_t>::max(), &next_due)) items.push_back(row->item);
    return items;
  }
  // A receiver on loopback answering `status` (changed by the test), its URL put as crm's.
  void receive() {
    server_ = std::make_unique<httplib::Server>();
    server_->Post("/hook", [this](const httplib::Request& req, httplib::Response& res) {
      received_.fetch_add(1);
      res.status = status_.load();
      res.set_content(req.body.empty() ? "" : "ok", "text/plain");
    });
    const int port = server_->bind_to_any_port("127.0.0.1");
    listening_ = std::thread([this] { server_->listen_after_bind(); });
    std::string error;
    auto s = notify::parse_subscription(
        "crm", json{{"url", "http://127.0.0.1:" + std::to_string(port) + "/hook"}, {"events", {"captured"}}, {"secret", kSecret}},
        &error);
    ASSERT_TRUE(s) << error;
    ASSERT_TRUE(journal_->begin(&error) && outbox_->put(*s, &error) && journal_->commit(&error)) << error;
  }
  // The sender as the engine has it: reads on connections of its own, writes through the journal.
  void start_sender(notify::RetryPolicy policy) {
    auto writer = [this](const notify::Sender::Step& step, std::string* error) {
      if (!journal_->begin(error)) return false;
      if (!step(journal_->store(), error)) return journal_->rollback(), false;
      return journal_->commit(error);
    };
    std::string error;
    sender_ = notify::Sender::start([j = journal_.get()](std::string* e) { return j->open_another(e); }, *outbox_, policy,
                                    &error, writer);
    ASSERT_TRUE(sender_) << error;
  }
  // The rows in `state` as the admin list has them.
  json listed(const std::string& state) {
    std::string error;
    auto list = sender_->list(state, 0, 100, &error);
    EXPECT_TRUE(list) << error;
    return list.value_or(json::array());
  }
  static bool eventually(const std::function<bool()>& done) {
    for (auto until = std::chrono::steady_clock::now() + 10s; std::chrono::steady_clock::now() < until;
         std::this_thread::sleep_for(20ms))
      if (done()) return true;
    return done();
  }

  static constexpr const char* kSecret = "a-secret-of-sixteen-or-more";
  std::optional<iwd::testing::TempDir> tmp_;  // first: gone last, after what uses it
  std::filesystem::path dir_;
  std::unique_ptr<iwd::testing::PgCluster> cluster_;
  std::unique_ptr<pgstore::Connection> admin_;
  pgstore::Lease lease_;
  std::unique_ptr<Journal> journal_;
  std::unique_ptr<notify::Outbox> outbox_;
  std::unique_ptr<notify::Sender> sender_;
  std::unique_ptr<httplib::Server> server_;
  std::thread listening_;
  std::atomic<int> status_{200}, received_{0};
  std::int64_t seq_ = 0;
};

std::string backend_name(const ::testing::TestParamInfo<Dialect>& info) { return sqlstore::dialect_name(info.param); }

TEST_P(OutboxStoreTest, RowsCommitWithTheBatchAndRollBackWithIt) {
  std::string error;
  ASSERT_TRUE(journal_->begin(&error)) << error;
  ASSERT_TRUE(add({"a", "b"}, &error)) << error;
  journal_->rollback();
  EXPECT_EQ(pending_items(), std::vector<std::string>{});
  ASSERT_TRUE(journal_->begin(&error)) << error;
  ASSERT_TRUE(add({"c"}, &error)) << error;
  ASSERT_TRUE(add({"d", "e"}, &error)) << error;
  ASSERT_TRUE(journal_->commit(&error)) << error;
  EXPECT_EQ(pending_items(), (std::vector<std::string>{"c", "d", "e"}));
  // A record stored again (recovery) adds no second row.
  seq_ = 3;
  ASSERT_TRUE(journal_->begin(&error) && add({"d"}, &error) && journal_->commit(&error)) << error;
  EXPECT_EQ(pending_items(), (std::vector<std::string>{"c", "d", "e"}));
  // The subscription and its pending count come back with a new outbox on the store.
  outbox_ = notify::Outbox::on(journal_->store(), nullptr, {}, &error);
  ASSERT_TRUE(outbox_) << error;
  ASSERT_EQ(outbox_->subscriptions().size(), 1u);
  EXPECT_EQ(outbox_->subscriptions()[0].url, "http://127.0.0.1:9/hook");
  EXPECT_EQ(outbox_->pending().at("crm"), 3);
}

// A failed attempt's result and then the dead letter are written through the journal; the
// dead-letter list shows it, a replay puts it back, and its delivery deletes it.
TEST_P(OutboxStoreTest, AnAttemptsResultTheDeadLettersAndTheirReplay) {
  receive();
  status_ = 500;
  std::string error;
  ASSERT_TRUE(journal_->begin(&error) && add({"a"}, &error) && journal_->commit(&error)) << error;
  notify::RetryPolicy policy;
  policy.initial_ms = 1;
  policy.max_ms = 2;
  policy.retry_for_ms = 300;
  policy.timeout_ms = 2'000;
  start_sender(policy);
  ASSERT_TRUE(eventually([&] { return listed("failed").size() == 1; })) << listed("pending").dump();
  json dead = listed("failed")[0];
  EXPECT_EQ(dead["item"], "a");
  EXPECT_EQ(dead["delivery"], "crm-1");
  EXPECT_EQ(dead["last_error"], "HTTP 500");
  EXPECT_GE(dead["attempts"].get<int>(), 2);
  EXPECT_EQ(pending_items(), std::vector<std::string>{});
  const int attempts = received_.load();
  status_ = 200;
  const auto retried = sender_->retry(dead["id"].get<std::int64_t>(), &error);
  ASSERT_TRUE(retried) << error;
  EXPECT_TRUE(*retried);
  ASSERT_TRUE(eventually([&] { return listed("pending").empty() && received_.load() > attempts; }));
  EXPECT_TRUE(listed("failed").empty());
  EXPECT_EQ(pending_items(), std::vector<std::string>{});
  EXPECT_EQ(sender_->stats().delivered, 1u);
  EXPECT_FALSE(sender_->retry(dead["id"].get<std::int64_t>(), &error).value_or(true));
}

INSTANTIATE_TEST_SUITE_P(Backends, OutboxStoreTest, ::testing::Values(Dialect::SQLite, Dialect::PostgreSQL), backend_name);

// On PostgreSQL, a node whose lease was taken over writes no outbox row, no attempt's result
// and no subscription: the database refuses its epoch, as it refuses its journal lines.
class PostgresqlOutboxStoreTest : public OutboxStoreTest {};

TEST_P(PostgresqlOutboxStoreTest, AStaleEpochWritesNoOutboxRow) {
  std::string error;
  ASSERT_TRUE(journal_->begin(&error) && add({"a"}, &error) && journal_->commit(&error)) << error;
  ASSERT_TRUE(admin_->exec("expire the lease", "UPDATE iwd_lease SET expires_at = now() - interval '1 second'").ok());
  pgstore::Lease taken;
  ASSERT_TRUE(pgstore::acquire(*admin_, "default", "node-b", 60s, &taken).ok());
  ASSERT_EQ(taken.epoch, 2);

  // Outbox rows alone (no journal line in the transaction).
  ASSERT_TRUE(journal_->begin(&error)) << error;
  EXPECT_FALSE(outbox_->add({[] {
                               history::Record r;
                               r.seq = 9, r.item = "b", r.reason = "capture", r.to = "queued";
                               return r;
                             }()},
                            1'000, &error));
  EXPECT_NE(error.find("epoch 1 of workspace default is stale"), std::string::npos) << error;
  journal_->rollback();
  // The sender's steps: an attempt's result, a delivery (a delete), a replay.
  for (const char* sql : {"UPDATE notify_outbox SET attempts = 1", "DELETE FROM notify_outbox",
                          "DELETE FROM notify_subscriptions"}) {
    ASSERT_TRUE(journal_->begin(&error)) << error;
    sqlstore::Status s;
    auto st = journal_->store().prepare(sql, &s);
    ASSERT_TRUE(st) << s.message;
    EXPECT_EQ(st->step(&s), sqlstore::Step::Failure) << sql;
    EXPECT_EQ(s.code, sqlstore::Code::Fenced) << sql << ": " << s.message;
    st.reset();
    journal_->rollback();
  }
  // The new holder finds the row as it was, and writes.
  auto next = Journal::open_postgresql(cluster_->conninfo(), "default", taken.epoch, &error);
  ASSERT_TRUE(next) << error;
  auto outbox = notify::Outbox::on(next->store(), nullptr, {}, &error);
  ASSERT_TRUE(outbox) << error;
  EXPECT_EQ(outbox->pending().at("crm"), 1);
  ASSERT_TRUE(next->begin(&error) && outbox->remove("crm", &error) && next->commit(&error)) << error;
  outbox.reset();
  outbox_ = notify::Outbox::on(journal_->store(), nullptr, {}, &error);  // reads still work at the old epoch
  ASSERT_TRUE(outbox_) << error;
  EXPECT_TRUE(outbox_->subscriptions().empty());
}

// Workspaces side by side in one database: each sees its own subscriptions and rows (the
// views show the session's workspace), and a row's seq may be the same in both.
TEST_P(PostgresqlOutboxStoreTest, WorkspacesKeepTheirOwnOutbox) {
  std::string error;
  pgstore::Lease other;
  ASSERT_TRUE(pgstore::acquire(*admin_, "w2", "node-b", 60s, &other).ok());
  auto w2 = Journal::open_postgresql(cluster_->conninfo(), "w2", other.epoch, &error);
  ASSERT_TRUE(w2) << error;
  auto outbox = notify::Outbox::on(w2->store(), nullptr, {}, &error);
  ASSERT_TRUE(outbox) << error;
  EXPECT_TRUE(outbox->subscriptions().empty());
  auto s = notify::parse_subscription("crm", json{{"url", "http://127.0.0.1:9/w2"}, {"events", {"captured"}}, {"secret", kSecret}},
                                      &error);
  ASSERT_TRUE(s) << error;
  history::Record r;
  r.seq = 1, r.item = "w2-item", r.reason = "capture", r.to = "queued", r.actor = "crm";
  ASSERT_TRUE(w2->begin(&error) && outbox->put(*s, &error) && outbox->add({r}, 1'000, &error) && w2->commit(&error)) << error;
  ASSERT_TRUE(journal_->begin(&error) && add({"a"}, &error) && journal_->commit(&error)) << error;  // seq 1 too
  EXPECT_EQ(pending_items(), std::vector<std::string>{"a"});
  EXPECT_EQ(outbox->pending().at("crm"), 1);
  outbox_ = notify::Outbox::on(journal_->store(), nullptr, {}, &error);
  ASSERT_TRUE(outbox_) << error;
  ASSERT_EQ(outbox_->subscriptions().size(), 1u);
  EXPECT_EQ(outbox_->subscriptions()[0].url, "http://127.0.0.1:9/hook");
  // Removing default's subscription leaves w2's and its row.
  ASSERT_TRUE(journal_->begin(&error) && outbox_->remove("crm", &error) && journal_->commit(&error)) << error;
  outbox.reset();
  outbox = notify::Outbox::on(w2->store(), nullptr, {}, &error);
  ASSERT_TRUE(outbox) << error;
  EXPECT_EQ(outbox->pending().at("crm"), 1);
  outbox.reset();
}

INSTANTIATE_TEST_SUITE_P(Backends, PostgresqlOutboxStoreTest, ::testing::Values(Dialect::PostgreSQL), backend_name);

}  // namespace
}  // namespace iwd::server
