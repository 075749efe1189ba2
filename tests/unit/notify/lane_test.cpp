// The sender's lane (notify/lane.h): which row a pick takes, and what a pick costs when many
// rows wait for their retry.
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <memory>
#include <string>
#include <vector>

#include "notify/lane.h"
#include "sqlstore/sqlite.h"

namespace iwd::notify {
namespace {

OutboxRow row(std::int64_t id, const std::string& item, std::int64_t next_at = 0) {
  OutboxRow r;
  r.id = r.seq = id;
  r.item = item;
  r.next_at = next_at;
  r.body = "{}";
  return r;
}

std::vector<std::int64_t> take_all(Lane& lane, std::int64_t now) {
  std::vector<std::int64_t> ids;
  std::int64_t next_due = 0;
  while (auto r = lane.take(now, &next_due)) ids.push_back(r->id);
  return ids;
}

TEST(NotifyLane, AnItemsRowsGoOneAtATimeInOrderOthersAlongside) {
  Lane lane("s");
  lane.add(row(1, "a"));
  lane.add(row(2, "b"));
  lane.add(row(3, "a"));
  lane.add(row(4, "c"));
  EXPECT_EQ(take_all(lane, 100), (std::vector<std::int64_t>{1, 2, 4}));  // 3 waits for 1
  lane.gone(2);
  EXPECT_TRUE(take_all(lane, 100).empty());
  lane.gone(1);
  EXPECT_EQ(take_all(lane, 100), (std::vector<std::int64_t>{3}));
}

TEST(NotifyLane, AFailedRowHoldsBackItsItemUntilItsRetry) {
  Lane lane("s");
  lane.add(row(1, "a"));
  lane.add(row(2, "a"));
  lane.add(row(3, "b"));
  EXPECT_EQ(take_all(lane, 100), (std::vector<std::int64_t>{1, 3}));
  lane.retry_at(1, 1, 500);
  lane.gone(3);
  std::int64_t next_due = 0;
  EXPECT_FALSE(lane.take(499, &next_due));
  EXPECT_EQ(next_due, 500);
  auto again = lane.take(500, &next_due);
  ASSERT_TRUE(again);
  EXPECT_EQ(again->id, 1);
  EXPECT_EQ(again->attempts, 1);
  lane.abandon(1);  // cut short: goes again, still before 2
  EXPECT_EQ(take_all(lane, 500), (std::vector<std::int64_t>{1}));
  lane.gone(1);
  EXPECT_EQ(take_all(lane, 500), (std::vector<std::int64_t>{2}));
}

// The issue: every pick walked the rows waiting for their retry. Now a pick looks at the rows
// that are due and no others, however many wait.
TEST(NotifyLane, RowsWaitingForTheirRetryAreNotReadByAPick) {
  Lane lane("s");
  constexpr int kWaiting = 4000;
  for (int k = 1; k <= kWaiting; ++k) lane.add(row(k, "w" + std::to_string(k)));
  ASSERT_EQ(take_all(lane, 100).size(), static_cast<std::size_t>(kWaiting));
  for (int k = 1; k <= kWaiting; ++k) lane.retry_at(k, 1, 1'000'000 + k);
  EXPECT_FALSE(lane.full());  // rows waiting for their retry leave room for new ones
  const std::uint64_t before = lane.visited();
  for (int k = 1; k <= 100; ++k) lane.add(row(kWaiting + k, "n" + std::to_string(k), 100));
  std::int64_t next_due = 0;
  for (int k = 1; k <= 100; ++k) {
    auto r = lane.take(200, &next_due);
    ASSERT_TRUE(r);
    EXPECT_EQ(r->id, kWaiting + k);
    lane.gone(r->id);
  }
  EXPECT_FALSE(lane.take(200, &next_due));
  EXPECT_EQ(next_due, 1'000'001);
  // Each new row looked at twice (found due, taken); none of the 4,000 waiting.
  EXPECT_LE(lane.visited() - before, 200u);
  // Their instants come: each is read once, in outbox order.
  const std::uint64_t due_before = lane.visited();
  EXPECT_EQ(take_all(lane, 1'000'010).size(), 10u);
  EXPECT_LE(lane.visited() - due_before, 20u);
}

TEST(NotifyLane, TheWindowCountsRowsThatMayGoAndBoundsThoseWaiting) {
  Lane lane("s");
  std::int64_t id = 0;
  auto next = [&] {
    ++id;
    lane.add(row(id, "i" + std::to_string(id)));
  };
  while (!lane.full()) next();
  EXPECT_EQ(lane.size(), Lane::kWindow);
  for (auto r : take_all(lane, 0)) lane.retry_at(r, 1, 1'000);
  EXPECT_FALSE(lane.full());
  while (lane.size() < Lane::kHeld) {
    next();
    for (auto r : take_all(lane, 0)) lane.retry_at(r, 1, 1'000);
  }
  EXPECT_TRUE(lane.full());
}

// fill() reads the outbox's pending rows after the last loaded; a reload reads them again
// from the start (dead letters put back), keeping the rows in flight.
TEST(NotifyLane, FillReadsPendingRowsInOrderAndAReloadFromTheStart) {
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(":memory:", &db), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(db,
                         "CREATE TABLE notify_outbox(id INTEGER PRIMARY KEY, subscription TEXT, seq INTEGER, item TEXT, "
                         "body TEXT, state TEXT, attempts INTEGER, created_at INTEGER, next_at INTEGER);"
                         "INSERT INTO notify_outbox VALUES (1, 's', 1, 'a', '{}', 'failed', 3, 0, 0), "
                         "(2, 's', 2, 'a', '{}', 'pending', 0, 0, 0), (3, 't', 3, 'b', '{}', 'pending', 0, 0, 0), "
                         "(4, 's', 4, 'c', '{}', 'pending', 2, 0, 50);",
                         nullptr, nullptr, nullptr),
            SQLITE_OK);
  Lane lane("s");
  std::string error;
  auto keep = [](OutboxRow&) { return true; };
  const auto store = sqlstore::over_sqlite(db);
  auto statements = std::make_unique<sql::Statements>(*store);
  ASSERT_TRUE(lane.fill(*statements, false, keep, &error)) << error;
  EXPECT_EQ(lane.size(), 2u);
  std::int64_t next_due = 0;
  auto first = lane.take(10, &next_due);
  ASSERT_TRUE(first);
  EXPECT_EQ(first->id, 2);
  EXPECT_FALSE(lane.take(10, &next_due));
  EXPECT_EQ(next_due, 50);
  // Row 1 put back to pending while 2 is in flight: a reload reads it, and it goes first.
  ASSERT_EQ(sqlite3_exec(db, "UPDATE notify_outbox SET state = 'pending', attempts = 0 WHERE id = 1", nullptr, nullptr, nullptr),
            SQLITE_OK);
  ASSERT_TRUE(lane.fill(*statements, true, keep, &error)) << error;
  EXPECT_EQ(lane.size(), 3u);
  EXPECT_EQ(take_all(lane, 100), (std::vector<std::int64_t>{1, 4}));
  statements.reset();  // its statements before the connection
  sqlite3_close(db);
}

}  // namespace
}  // namespace iwd::notify
