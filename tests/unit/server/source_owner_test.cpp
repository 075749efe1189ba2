// Whose an item is (docs/api.md, "Authentication"): one rule wherever it is asked, the engine's
// check of a source's change, GET /v1/items/{id} and GET /v1/items/{id}/history alike, before
// the history's retention deleted the item's capture record, after it, and after a restart,
// whether it replays the capture's journal line or starts from a snapshot taken after it.
#include <gtest/gtest.h>

#include "tests/unit/server/http_fixture.h"

namespace iwd::server {
namespace {

const std::string kRules = std::string(IWD_SOURCE_DIR) + "/tests/replay/rules/desk.iwd";
constexpr std::int64_t kStart = 1795510800000;  // 2026-11-24T09:00:00Z
constexpr std::int64_t kDay = 86'400'000;
const std::string kCrm = "source-token-crm-0123456", kCases = "source-token-cases-012345", kSup = "supervisor-token-sue-0123";

class SourceOwner : public testing::HttpFixture {
 protected:
  SourceOwner() : HttpFixture("source_owner", kStart) {}
  // Starts the service, or stops and starts it again on the same data folder.
  void restart() {
    if (http_) http_->stop();
    http_.reset();
    serve(kRules, R"({"tokens": [
      {"token": ")" + kCrm + R"(", "role": "source", "name": "crm"},
      {"token": ")" + kCases + R"(", "role": "source", "name": "cases"},
      {"token": ")" + kSup + R"(", "role": "supervisor", "name": "sue"}]})");
  }
  int status(const std::string& token, const std::string& method, const std::string& path) {
    return call(token, method, path, method == "GET" ? "" : "{}").status;
  }
};

TEST_F(SourceOwner, RetentionAndRestartsLeaveOneAnswerToWhoseAnItemIs) {
  options_.history_retention_days = 1;
  options_.history_purge_interval = std::chrono::milliseconds(0);  // passes when asked
  restart();
  ASSERT_EQ(call(kCrm, "POST", "/v1/items", R"({"id": "K1", "kind": "Case"})").status, 201);
  clock_.advance(stdlib::Duration{2 * kDay});
  ASSERT_EQ(call(kCrm, "POST", "/v1/items", R"({"id": "K2", "kind": "Case"})").status, 201);
  ASSERT_EQ(status(kSup, "POST", "/v1/items/K1/hold"), 200);  // a record of K1's within the retention
  std::string error;
  ASSERT_GT(engine_->purge_history(&error).value_or(0), 0) << error;  // K1's capture record went

  // Running: the engine keeps the source of the capture it applied, and the history's route
  // asks it rather than the records left.
  EXPECT_EQ(status(kCrm, "GET", "/v1/items/K1/history"), 200);
  EXPECT_EQ(status(kCrm, "GET", "/v1/items/K1"), 200);
  EXPECT_EQ(status(kCases, "GET", "/v1/items/K1/history"), 403);
  EXPECT_EQ(status(kCases, "GET", "/v1/items/K1"), 403);
  EXPECT_EQ(status(kCases, "POST", "/v1/items/K1/resume"), 403);

  // Restarted (the journal replayed: no snapshot), K1 is still crm's: its capture's line says so.
  restart();
  EXPECT_EQ(status(kCrm, "GET", "/v1/items/K1/history"), 200);
  EXPECT_EQ(status(kCases, "GET", "/v1/items/K1/history"), 403);
  EXPECT_EQ(status(kCases, "GET", "/v1/items/K1"), 403);
  EXPECT_EQ(status(kCases, "POST", "/v1/items/K1/resume"), 403);
  EXPECT_EQ(status(kCrm, "POST", "/v1/items/K1/resume"), 200);
  // K2's capture record is there: crm's, for every route.
  EXPECT_EQ(status(kCrm, "GET", "/v1/items/K2/history"), 200);
  EXPECT_EQ(status(kCases, "GET", "/v1/items/K2/history"), 403);
  EXPECT_EQ(status(kCases, "GET", "/v1/items/K2"), 403);
  EXPECT_EQ(status(kCases, "POST", "/v1/items/K2/hold"), 403);
}

// The capture's journal line gone too (a snapshot after it), and its history record (retention):
// the snapshot's index says whose the item is, as the running service knew, and keeps saying it
// through the next snapshot and restart. Every route that checks the source answers as before.
TEST_F(SourceOwner, ASnapshotKeepsWhoseEachItemIsThroughRestarts) {
  options_.history_retention_days = 1;
  options_.history_purge_interval = std::chrono::milliseconds(0);
  restart();
  ASSERT_EQ(call(kCrm, "POST", "/v1/items", R"({"id": "K1", "kind": "Case"})").status, 201);
  ASSERT_EQ(call(kCases, "POST", "/v1/items", R"({"id": "C1", "kind": "Case"})").status, 201);
  clock_.advance(stdlib::Duration{2 * kDay});
  ASSERT_EQ(status(kSup, "POST", "/v1/items/K1/hold"), 200);
  ASSERT_EQ(engine_->compact().status, 200);  // the capture lines deleted
  std::string error;
  ASSERT_GT(engine_->purge_history(&error).value_or(0), 0) << error;  // and the capture records
  for (int round = 0; round < 2; ++round) {
    restart();
    SCOPED_TRACE(round == 0 ? "restarted from the snapshot" : "from a snapshot of the restarted service");
    EXPECT_EQ(status(kCases, "POST", "/v1/items/K1/resume"), 403);
    EXPECT_EQ(status(kCases, "POST", "/v1/items/K1/cancel"), 403);
    EXPECT_EQ(status(kCases, "GET", "/v1/items/K1"), 403);
    EXPECT_EQ(status(kCases, "GET", "/v1/items/K1/history"), 403);
    EXPECT_EQ(call(kCases, "POST", "/v1/items", R"({"id": "K1", "kind": "Case"})").status, 403);
    EXPECT_EQ(status(kCrm, "POST", "/v1/items/C1/hold"), 403);
    EXPECT_EQ(status(kCrm, round == 0 ? "POST" : "GET", round == 0 ? "/v1/items/K1/resume" : "/v1/items/K1"), 200);
    EXPECT_EQ(status(kCases, "POST", round == 0 ? "/v1/items/C1/hold" : "/v1/items/C1/resume"), 200);
    ASSERT_EQ(engine_->compact().status, 200);  // the next round starts from this one
  }
}

}  // namespace
}  // namespace iwd::server
