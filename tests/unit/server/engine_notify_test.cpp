// The engine's outbox (docs/notifications.md): a change's notifications are rows written with
// its journal lines and history records, numbered by the record's seq; a restart (recovery
// replays the journal) neither loses nor doubles them; a source's subscription covers only
// the items that source captured.
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <tuple>

#include "server/engine.h"
#include "tests/unit/server/engine_fixture.h"

namespace iwd::server {
namespace {

using json = nlohmann::json;
using Row = std::tuple<std::string, std::string, std::int64_t>;  // item, event, seq

const std::string kRules = std::string(IWD_SOURCE_DIR) + "/tests/replay/rules/desk.iwd";
constexpr std::int64_t kStart = 1795510800000;  // 2026-11-24T09:00:00Z

class EngineNotify : public testing::EngineFixture {
 protected:
  EngineNotify() : EngineFixture("notify_engine", kStart) {
    std::string error;
    // A receiver that is not there, retried only after an hour: the rows stay pending.
    auto s = notify::parse_subscription(
        "crm", json{{"url", "http://127.0.0.1:9/none"}, {"events", {"captured", "canceled"}}, {"sources", {"crm"}},
                    {"secret", "0123456789abcdef"}},
        &error);
    EXPECT_TRUE(s) << error;
    options_.subscriptions = {*s};
    options_.retry.initial_ms = options_.retry.max_ms = 3'600'000;
  }
  Reply change(const std::string& op, json value, const std::string& actor = "crm") {
    return engine_->change(Change{runtime::replay::op_named(op), std::move(value), {}, actor});
  }
  std::vector<Row> rows() {
    sqlite3* db = nullptr;
    EXPECT_EQ(sqlite3_open_v2((dir_ / "journal.db").c_str(), &db, SQLITE_OPEN_READONLY, nullptr), SQLITE_OK);
    sqlite3_stmt* st = nullptr;
    EXPECT_EQ(sqlite3_prepare_v2(db, "SELECT item, event, seq FROM notify_outbox ORDER BY id", -1, &st, nullptr), SQLITE_OK);
    std::vector<Row> out;
    while (sqlite3_step(st) == SQLITE_ROW)
      out.emplace_back(reinterpret_cast<const char*>(sqlite3_column_text(st, 0)),
                       reinterpret_cast<const char*>(sqlite3_column_text(st, 1)), sqlite3_column_int64(st, 2));
    sqlite3_finalize(st);
    sqlite3_close(db);
    return out;
  }
  std::int64_t capture_seq(const std::string& item) {
    std::string error;
    auto reader = history::Store::open_reader(dir_.string(), &error);
    EXPECT_TRUE(reader) << error;
    std::int64_t seq = 0;
    reader->read_item(item, [&](const history::Record& r) {
      if (r.reason == "capture") seq = r.seq;
      return true;
    }, &error);
    return seq;
  }
};

TEST_F(EngineNotify, RowsCommitWithTheChangeAndSurviveRestartsOnce) {
  start_on(kRules);
  ASSERT_EQ(change("capture", json{{"id", "C1"}, {"kind", "Call"}}).status, 201);
  ASSERT_EQ(change("capture", json{{"id", "O1"}, {"kind", "Call"}}, "other").status, 201);  // another source's
  ASSERT_EQ(change("cancel", "C1").status, 200);
  ASSERT_EQ(change("capture", json{{"id", "C3"}, {"kind", "Call"}}).status, 201);
  // Acknowledged: the rows are there, numbered by the history's records.
  const std::vector<Row> before = rows();
  ASSERT_EQ(before.size(), 3u);
  EXPECT_EQ(before[0], Row("C1", "captured", capture_seq("C1")));
  EXPECT_EQ(std::get<1>(before[1]), "canceled");
  EXPECT_EQ(engine_->outbox()->pending().at("crm"), 3);

  start_on("");  // recovery replays the journal: nothing stored twice
  EXPECT_EQ(rows(), before);
  EXPECT_EQ(engine_->outbox()->pending().at("crm"), 3);
  ASSERT_EQ(change("capture", json{{"id", "C2"}, {"kind", "Call"}}).status, 201);
  ASSERT_EQ(rows().size(), 4u);
  EXPECT_EQ(rows()[3], Row("C2", "captured", capture_seq("C2")));
  // Items captured before the restart: their source is found in the history's capture record.
  ASSERT_EQ(change("cancel", "C3").status, 200);
  ASSERT_EQ(change("cancel", "O1", "other").status, 200);
  ASSERT_EQ(rows().size(), 5u);
  EXPECT_EQ(std::get<0>(rows()[4]), "C3");
  EXPECT_EQ(std::get<1>(rows()[4]), "canceled");
}

TEST_F(EngineNotify, NoHistoryNoSubscriptions) {
  options_.history = false;
  std::string error;
  journal_ = Journal::open(dir_.string(), &error);
  ASSERT_TRUE(journal_) << error;
  EXPECT_FALSE(Engine::start(testing::load(pool_, kRules), pool_, *journal_, clock_, metrics_, hub_, options_, &error));
  EXPECT_NE(error.find("subscriptions need the event history"), std::string::npos) << error;
}

}  // namespace
}  // namespace iwd::server
