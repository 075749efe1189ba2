// The outbox and the sender against a real receiver: cpp-httplib's server on loopback, started
// by the test, that checks each request's signature and answers as the test says.
#include <gtest/gtest.h>
#include <httplib.h>
#include <sqlite3.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <functional>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include "notify/outbox.h"
#include "notify/sender.h"
#include "notify/signature.h"
#include "sqlstore/sqlite.h"

namespace iwd::notify {
namespace {

using json = nlohmann::json;
using namespace std::chrono_literals;

const std::string kSecret = "a-secret-of-sixteen-or-more";

// The receiver: every request kept with whether its signature verified; `answer` picks the
// status of request number n (0, 1, ...): a status, or -1 to sleep past the sender's timeout.
class Receiver {
 public:
  // -2: 200 after 200 ms.
  std::function<int(int n, const json& body)> answer = [](int, const json&) { return 200; };
  Receiver() {
    server_.Post("/hook", [this](const httplib::Request& req, httplib::Response& res) {
      int n, status;
      const json body = json::parse(req.body, nullptr, false);
      const std::string item = body.value("item", "");
      {
        std::lock_guard<std::mutex> lock(flight_mu_);
        if (!items_in_flight_.insert(item).second) overlapped_ = true;
        max_in_flight_ = std::max(max_in_flight_, items_in_flight_.size());
      }
      {
        std::lock_guard<std::mutex> lock(mu_);
        n = static_cast<int>(requests_.size());
        const std::string sig = req.get_header_value("Iwd-Signature");
        const auto comma = sig.find(",v1=");
        const std::string t = sig.substr(2, comma - 2);
        const bool verified = sig.rfind("t=", 0) == 0 && comma != std::string::npos &&
                              sig.substr(comma + 4) == hmac_sha256_hex(kSecret, t + "." + req.body);
        requests_.push_back({body, req.get_header_value("Iwd-Delivery"), verified});
        status = answer(n, body);
      }
      if (status < 0) std::this_thread::sleep_for(status == -2 ? 200ms : 1500ms);
      {
        std::lock_guard<std::mutex> lock(flight_mu_);
        items_in_flight_.erase(item);
      }
      res.status = status < 0 ? 200 : status;
    });
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
  }
  ~Receiver() {
    server_.stop();
    thread_.join();
  }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_) + "/hook"; }
  struct Seen {
    json body;
    std::string delivery;
    bool verified;
  };
  std::vector<Seen> requests() {
    std::lock_guard<std::mutex> lock(mu_);
    return requests_;
  }
  // The most requests it held at once; whether two of one item ever overlapped.
  std::size_t max_in_flight() {
    std::lock_guard<std::mutex> lock(flight_mu_);
    return max_in_flight_;
  }
  bool overlapped() {
    std::lock_guard<std::mutex> lock(flight_mu_);
    return overlapped_;
  }

 private:
  httplib::Server server_;
  int port_ = 0;
  std::thread thread_;
  std::mutex mu_;
  std::vector<Seen> requests_;
  std::mutex flight_mu_;
  std::set<std::string> items_in_flight_;
  std::size_t max_in_flight_ = 0;
  bool overlapped_ = false;
};

class NotifyDelivery : public ::testing::Test {
 protected:
  void SetUp() override {
    path_ = (std::filesystem::temp_directory_path() /
             ("iwd_notify_" + std::to_string(::getpid()) + "_" + ::testing::UnitTest::GetInstance()->current_test_info()->name() + ".db"))
                .string();
    std::filesystem::remove(path_);
    ASSERT_EQ(sqlite3_open(path_.c_str(), &db_), SQLITE_OK);
    sqlite3_exec(db_, "PRAGMA journal_mode=WAL", nullptr, nullptr, nullptr);
    sqlite3_busy_timeout(db_, 10'000);
    store_ = sqlstore::over_sqlite(db_);
  }
  void TearDown() override {
    sender_.reset();
    receiver_.reset();  // after the sender: its kept-alive connection closed, the server stops at once
    outbox_.reset();
    store_.reset();
    sqlite3_close(db_);
    for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(path_ + suffix);
  }
  void open(OutboxLimits limits = {}) {
    std::string error;
    outbox_ = Outbox::on(*store_, nullptr, limits, &error);
    ASSERT_TRUE(outbox_) << error;
  }
  void subscribe(const std::string& url, std::vector<std::string> events = {"captured", "offered", "done", "completed"}) {
    std::string error;
    auto s = parse_subscription("crm", json{{"url", url}, {"events", events}, {"secret", kSecret}}, &error);
    ASSERT_TRUE(s) << error;
    ASSERT_TRUE(outbox_->put(*s, &error)) << error;
  }
  void start(RetryPolicy policy, Sender::Writer writer = {}) {
    std::string error;
    sender_ = Sender::start([path = path_](std::string* e) { return sqlstore::open_sqlite(path, e); }, *outbox_, policy, &error,
                            std::move(writer));
    ASSERT_TRUE(sender_) << error;
  }
  // A committed batch of records: each (item, cause, to), numbered after the last.
  void commit(const std::vector<std::tuple<std::string, std::string, std::string>>& events) {
    std::vector<history::Record> records;
    for (const auto& [item, cause, to] : events) {
      history::Record r;
      r.seq = ++seq_;
      r.at = 1'700'000'000'000 + seq_;
      r.item = item;
      r.reason = cause;
      r.to = to;
      r.actor = "crm";
      r.process = "Billing";
      records.push_back(r);
    }
    std::string error;
    ASSERT_EQ(sqlite3_exec(db_, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr), SQLITE_OK);
    const std::int64_t now = std::chrono::duration_cast<std::chrono::milliseconds>(
                                 std::chrono::system_clock::now().time_since_epoch()).count();
    ASSERT_TRUE(outbox_->add(records, now, &error)) << error;
    ASSERT_EQ(sqlite3_exec(db_, "COMMIT", nullptr, nullptr, nullptr), SQLITE_OK);
    if (sender_) sender_->wake();
  }
  // Waits (at most 10 s) until `done` holds.
  static bool eventually(const std::function<bool()>& done) {
    for (auto until = std::chrono::steady_clock::now() + 10s; std::chrono::steady_clock::now() < until;
         std::this_thread::sleep_for(20ms))
      if (done()) return true;
    return done();
  }
  Receiver& receiver() {
    receiver_ = std::make_unique<Receiver>();
    return *receiver_;
  }
  std::unique_ptr<Receiver> receiver_;
  std::string path_;
  sqlite3* db_ = nullptr;
  std::unique_ptr<sqlstore::Database> store_;  // over db_
  std::unique_ptr<Outbox> outbox_;
  std::unique_ptr<Sender> sender_;
  std::int64_t seq_ = 0;
};

RetryPolicy fast() {
  RetryPolicy p;
  p.initial_ms = 50;
  p.max_ms = 200;
  p.retry_for_ms = 60'000;
  p.timeout_ms = 500;
  return p;
}

TEST_F(NotifyDelivery, SignedInOrderPerItemOnlyTheKindsWanted) {
  Receiver& rx = receiver();
  open();
  subscribe(rx.url(), {"captured", "done", "completed"});
  RetryPolicy one = fast();
  one.concurrency = 1;  // one request at a time: the outbox's order across items too
  start(one);
  commit({{"1", "capture", "queued"}, {"2", "capture", "queued"}, {"1", "offer", "offered"}});
  commit({{"1", "done", "done_pending"}, {"2", "cancel", "canceled"}, {"1", "complete", "completed"}});
  ASSERT_TRUE(eventually([&] { return rx.requests().size() >= 4; }));
  std::this_thread::sleep_for(200ms);  // nothing more comes
  const auto seen = rx.requests();
  ASSERT_EQ(seen.size(), 4u);
  const std::vector<std::pair<std::string, std::string>> want = {
      {"1", "captured"}, {"2", "captured"}, {"1", "done"}, {"1", "completed"}};
  for (std::size_t k = 0; k < want.size(); ++k) {
    EXPECT_TRUE(seen[k].verified) << k;
    EXPECT_EQ(seen[k].body["item"], want[k].first) << k;
    EXPECT_EQ(seen[k].body["event"], want[k].second) << k;
    EXPECT_EQ(seen[k].body["source"], "crm");
    EXPECT_EQ(seen[k].delivery, seen[k].body["delivery"]);
  }
  EXPECT_EQ(seen[0].delivery, "crm-1");
  EXPECT_EQ(seen[3].body["state"], "completed");
  EXPECT_EQ(seen[0].body["at"], "2023-11-14T22:13:20.001Z");
  EXPECT_TRUE(eventually([&] { return outbox_->pending().at("crm") == 0; }));
}

TEST_F(NotifyDelivery, RetriesAfter500sAndTimeoutsWithoutReordering) {
  Receiver& rx = receiver();
  // The first capture answered 500 twice, then too slow once; the rest at once.
  rx.answer = [](int n, const json&) { return n < 2 ? 500 : n == 2 ? -1 : 200; };
  open();
  subscribe(rx.url());
  start(fast());
  commit({{"1", "capture", "queued"}, {"1", "offer", "offered"}, {"1", "done", "done_pending"}});
  ASSERT_TRUE(eventually([&] {
    const auto seen = rx.requests();
    return !seen.empty() && seen.back().body["event"] == "done";
  }));
  const auto seen = rx.requests();
  std::vector<std::string> order;
  for (const auto& s : seen) order.push_back(s.body["event"].get<std::string>());
  // The slow answer may count as delivered or not, depending on when the timeout cut it short;
  // either way the captured notification went (again) before the offer.
  ASSERT_GE(order.size(), 5u);
  EXPECT_EQ(std::vector<std::string>(order.begin(), order.begin() + 3), (std::vector<std::string>{"captured", "captured", "captured"}));
  EXPECT_EQ(std::vector<std::string>(order.end() - 2, order.end()), (std::vector<std::string>{"offered", "done"}));
  for (const auto& s : seen) EXPECT_EQ(s.delivery, s.body["delivery"]);
  EXPECT_GE(sender_->stats().failed_attempts, 3u);
}

TEST_F(NotifyDelivery, ConcurrentRequestsPerSubscriptionOneAtATimePerItem) {
  Receiver& rx = receiver();
  std::atomic<bool> item3_down = true;  // read by the receiver's thread
  rx.answer = [&](int, const json& body) { return body["item"] == "3" && item3_down ? 500 : -2; };
  open();
  subscribe(rx.url(), {"captured", "offered"});
  RetryPolicy p = fast();
  p.concurrency = 4;
  start(p);
  std::vector<std::tuple<std::string, std::string, std::string>> events;
  for (const char* item : {"1", "2", "3", "4", "5", "6"}) events.emplace_back(item, "capture", "queued");
  for (const char* item : {"1", "2", "3", "4", "5", "6"}) events.emplace_back(item, "offer", "offered");
  commit(events);
  // Every item but the failing one gets both its notifications while item 3 still fails:
  // a failing notification holds back its own item's, not the subscription's.
  ASSERT_TRUE(eventually([&] {
    std::size_t others = 0;
    for (const auto& r : rx.requests()) others += r.body["item"] != "3";
    return others == 10;
  }));
  for (const auto& r : rx.requests()) {
    if (r.body["item"] == "3") {
      EXPECT_EQ(r.body["event"], "captured");  // its offer waits
    }
  }
  item3_down = false;
  ASSERT_TRUE(eventually([&] { return outbox_->pending().at("crm") == 0; }));
  EXPECT_GE(rx.max_in_flight(), 2u);  // requests of several items at once
  EXPECT_LE(rx.max_in_flight(), 4u);
  EXPECT_FALSE(rx.overlapped());  // never two of one item
  std::map<std::string, std::vector<std::string>> by_item;
  for (const auto& r : rx.requests()) {  // each item's events, a retry's repeat counted once
    std::vector<std::string>& kinds = by_item[r.body["item"].get<std::string>()];
    const std::string kind = r.body["event"].get<std::string>();
    if (kinds.empty() || kinds.back() != kind) kinds.push_back(kind);
  }
  for (const auto& [item, kinds] : by_item) EXPECT_EQ(kinds, (std::vector<std::string>{"captured", "offered"})) << item;
  // The delivered rows leave the store (in batches).
  EXPECT_TRUE(eventually([&] {
    int rows = -1;
    sqlite3_exec(db_, "SELECT COUNT(*) FROM notify_outbox", [](void* out, int, char** v, char**) {
      *static_cast<int*>(out) = std::atoi(v[0]);
      return 0;
    }, &rows, nullptr);
    return rows == 0;
  }));
}

// The owner's transactions never find journal.db locked by the sender: its writes go through
// the owner's writer. Here the owner is a thread committing batches without a busy timeout
// (as the server's committer does) while a fast receiver takes every notification.
TEST_F(NotifyDelivery, TheSendersWritesNeverLockTheOwnersTransactions) {
  Receiver& rx = receiver();
  open();
  subscribe(rx.url(), {"captured"});
  sqlite3_busy_timeout(db_, 0);
  // The committer's thread: one transaction at a time on db_ (shared: the sender's last flush,
  // at TearDown, may come after this body returned).
  auto owner = std::make_shared<std::mutex>();
  auto steps = std::make_shared<std::atomic<int>>(0);
  start(fast(), [this, owner, steps](const Sender::Step& step, std::string* error) {
    std::lock_guard<std::mutex> lock(*owner);
    ++*steps;
    if (sqlite3_exec(db_, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr) != SQLITE_OK) return *error = sqlite3_errmsg(db_), false;
    if (!step(*store_, error)) return sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr), false;
    return sqlite3_exec(db_, "COMMIT", nullptr, nullptr, nullptr) == SQLITE_OK;
  });
  int busy = 0, items = 0;
  for (auto until = std::chrono::steady_clock::now() + 1500ms; std::chrono::steady_clock::now() < until;) {
    {
      std::lock_guard<std::mutex> lock(*owner);
      if (sqlite3_exec(db_, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr) != SQLITE_OK) {
        ++busy;
        continue;
      }
      std::vector<history::Record> records;
      for (int k = 0; k < 5; ++k) {
        history::Record r;
        r.seq = ++seq_;
        r.at = 1'700'000'000'000 + seq_;
        r.item = std::to_string(++items);
        r.reason = "capture";
        r.to = "queued";
        r.actor = "crm";
        records.push_back(r);
      }
      std::string error;
      ASSERT_TRUE(outbox_->add(records, 0, &error)) << error;
      ASSERT_EQ(sqlite3_exec(db_, "COMMIT", nullptr, nullptr, nullptr), SQLITE_OK);
    }
    sender_->wake();
    std::this_thread::sleep_for(1ms);
  }
  EXPECT_EQ(busy, 0);
  ASSERT_TRUE(eventually([&] { return sender_->stats().delivered >= static_cast<std::uint64_t>(items); }))
      << sender_->stats().delivered << " of " << items;
  EXPECT_GT(steps->load(), 0);
  EXPECT_LT(steps->load(), items / 4);  // in batches, not one write per delivery
}

TEST_F(NotifyDelivery, DeadLetterAfterTheBudgetThenManualRetry) {
  Receiver& rx = receiver();
  std::atomic<bool> down = true;  // read by the receiver's thread
  rx.answer = [&](int, const json&) { return down ? 503 : 200; };
  open();
  subscribe(rx.url());
  RetryPolicy p = fast();
  p.retry_for_ms = 300;
  start(p);
  commit({{"1", "capture", "queued"}, {"2", "capture", "queued"}});
  std::string error;
  ASSERT_TRUE(eventually([&] { return sender_->list("failed", 0, 10, &error)->size() == 2; })) << error;
  const json failed = *sender_->list("failed", 0, 10, &error);
  EXPECT_EQ(failed[0]["delivery"], "crm-1");
  EXPECT_EQ(failed[0]["last_error"], "HTTP 503");
  EXPECT_GE(failed[0]["attempts"].get<int>(), 2);
  EXPECT_EQ(sender_->list("pending", 0, 10, &error)->size(), 0u);
  EXPECT_EQ(outbox_->pending().at("crm"), 0);
  EXPECT_EQ(sender_->retry(failed[0]["id"].get<std::int64_t>() + 100, &error), false);  // no such dead letter

  down = false;
  const std::size_t before = rx.requests().size();
  ASSERT_EQ(sender_->retry(failed[1]["id"].get<std::int64_t>(), &error), true);
  ASSERT_TRUE(eventually([&] { return rx.requests().size() == before + 1; }));
  EXPECT_EQ(rx.requests().back().body["item"], "2");
  EXPECT_EQ(sender_->list("failed", 0, 10, &error)->size(), 1u);
  ASSERT_EQ(sender_->retry_all("", &error), 1);
  ASSERT_TRUE(eventually([&] { return rx.requests().size() == before + 2; }));
  EXPECT_EQ(rx.requests().back().body["item"], "1");
  EXPECT_TRUE(eventually([&] { return sender_->list("failed", 0, 10, &error)->empty(); }));
}

TEST_F(NotifyDelivery, ABoundedOutboxNeverWaitsForTheReceiver) {
  OutboxLimits limits;
  limits.max_pending = 3;
  limits.warn_pending = 2;
  open(limits);
  subscribe("http://127.0.0.1:9/never");  // no sender started: nothing leaves
  commit({{"1", "capture", "queued"}, {"2", "capture", "queued"}, {"3", "capture", "queued"}, {"4", "capture", "queued"},
          {"5", "capture", "queued"}});
  EXPECT_EQ(outbox_->pending().at("crm"), 3);
  std::string error;
  start(fast());
  const json failed = *sender_->list("failed", 0, 10, &error);
  ASSERT_EQ(failed.size(), 2u);
  EXPECT_EQ(failed[0]["item"], "4");
  EXPECT_EQ(failed[0]["last_error"], "the outbox held 3 pending notifications");
}

TEST_F(NotifyDelivery, SubscriptionsAndRowsOutliveTheConnection) {
  open();
  subscribe("http://127.0.0.1:9/never");
  commit({{"1", "capture", "queued"}});
  outbox_.reset();
  open();
  ASSERT_EQ(outbox_->subscriptions().size(), 1u);
  EXPECT_EQ(outbox_->subscriptions()[0].secret, kSecret);
  EXPECT_EQ(outbox_->pending().at("crm"), 1);
  commit({{"1", "offer", "offered"}});  // an item whose capture this outbox did not see: source unknown
  EXPECT_EQ(outbox_->pending().at("crm"), 2);
  std::string error;
  ASSERT_TRUE(outbox_->remove("crm", &error)) << error;
  EXPECT_TRUE(outbox_->subscriptions().empty());
  outbox_.reset();
  open();
  EXPECT_TRUE(outbox_->subscriptions().empty());
  EXPECT_TRUE(outbox_->pending().empty());
}

}  // namespace
}  // namespace iwd::notify
