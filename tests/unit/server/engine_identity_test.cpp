// Item identity in the engine (docs/api.md, "Idempotency"; docs/lifecycle.md): a capture the
// rules reject answers 422 and keeps nothing, so the corrected capture of the same id is
// accepted; an ended item's id is captured again as a new life; a retried identical create
// within the idempotency window answers as the first did; and the index keeps only the open
// items and the window's captures, however long the service runs.
#include <gtest/gtest.h>

#include "history/store.h"
#include "runtime/clock.h"
#include "server/engine.h"
#include "tests/unit/server/engine_fixture.h"

namespace iwd::server {
namespace {

using json = nlohmann::json;

const std::string kRules = std::string(IWD_SOURCE_DIR) + "/examples/enterprise.iwd";
constexpr std::int64_t kStart = 1795510800000;  // 2026-11-24T09:00:00Z
constexpr std::int64_t kMinute = 60'000, kHour = 3'600'000;

class EngineIdentity : public testing::EngineFixture {
 protected:
  EngineIdentity() : EngineFixture("engine_identity", kStart) {}
  void start() { start_on(kRules); }
  Reply change(const std::string& op, json value, const std::string& actor = "crm") {
    return engine_->change(Change{runtime::replay::op_named(op), std::move(value), {}, actor});
  }
  Reply login(const std::string& agent) {  // an agent who can take the Sales items below
    return change("agent", json{{"id", agent}, {"skills", {{"sales_processing", 8}, {"legacy_processing", 2}}}});
  }
  static json item(const std::string& id, const std::string& segment) {
    return json{{"id", id}, {"department", "Sales"}, {"segment", segment}};
  }
  std::string state(const std::string& id) {
    return engine_->read([&](const runtime::Runtime& rt, std::int64_t) {
      const auto known = rt.pool().find(id);
      const runtime::WorkItem* it = known ? rt.find_item(*known) : nullptr;
      return Reply{200, nlohmann::ordered_json(it ? std::string(runtime::item_state_name(it->state)) : "")};
    }).body.get<std::string>();
  }
  std::vector<history::Record> records(const std::string& id) {
    std::string error;
    auto reader = history::Store::open_reader(dir_.string(), &error);
    EXPECT_TRUE(reader) << error;
    std::vector<history::Record> out;
    if (reader) {
      EXPECT_TRUE(reader->read_item(id, [&](const history::Record& r) { out.push_back(r); return true; }, &error)) << error;
    }
    return out;
  }
};

TEST_F(EngineIdentity, ARejectedCaptureAnswers422KeepsNothingAndTheCorrectedOneIsAccepted) {
  start();
  Reply rejected = change("capture", json{{"id", "R1"}, {"segment", "Gold"}});  // no department: required
  ASSERT_EQ(rejected.status, 422) << rejected.body.dump();
  EXPECT_EQ(rejected.body["error"]["code"], "rejected");
  EXPECT_NE(rejected.body["error"]["reason"].get<std::string>().find("department"), std::string::npos);
  EXPECT_EQ(state("R1"), "");
  EXPECT_EQ(change("capture", json{{"id", "R1"}, {"segment", "Gold"}}).status, 422);  // again: rejected again
  EXPECT_EQ(change("capture", item("R1", "Gold")).status, 201);                     // corrected: accepted
  EXPECT_EQ(state("R1"), "queued");
  // In a batch, each element answers for itself.
  const auto replies = engine_->changes({Change{runtime::replay::Op::Capture, json{{"id", "R2"}}, {}, "crm"},
                                         Change{runtime::replay::Op::Capture, item("R3", "Silver"), {}, "crm"}});
  ASSERT_EQ(replies.size(), 2u);
  EXPECT_EQ(replies[0].status, 422);
  EXPECT_EQ(replies[0].body["error"]["code"], "rejected");
  EXPECT_EQ(replies[1].status, 201);
  // The history has each rejection, with its reason and actor, before the accepted capture.
  const auto r1 = records("R1");
  ASSERT_GE(r1.size(), 3u);
  EXPECT_EQ(r1[0].to, "rejected");
  EXPECT_NE(r1[0].detail.find("department"), std::string::npos);
  EXPECT_EQ(r1[0].actor, "crm");
  EXPECT_EQ(r1[1].to, "rejected");
  EXPECT_EQ(r1[2].to, "queued");
  // A restart replays the rejections (journaled: their records keep their numbers) and
  // resurrects nothing; R2's id is still free, R1 still taken by its open item.
  start();
  EXPECT_EQ(state("R1"), "queued");
  EXPECT_EQ(state("R2"), "");
  EXPECT_EQ(records("R1").size(), r1.size());
  EXPECT_EQ(change("capture", item("R2", "Gold")).status, 201);
  EXPECT_EQ(change("capture", item("R1", "Gold")).status, 201);  // the retry, after the restart too
  EXPECT_EQ(change("capture", item("R1", "Silver")).status, 409);
}

TEST_F(EngineIdentity, AnEndedItemsIdIsCapturedAgainAsANewLife) {
  start();
  ASSERT_EQ(change("capture", item("E1", "Gold")).status, 201);
  ASSERT_EQ(change("cancel", "E1").status, 200);
  Reply second = change("capture", item("E1", "Silver"));
  ASSERT_EQ(second.status, 201) << second.body.dump();
  EXPECT_EQ(state("E1"), "queued");
  EXPECT_EQ(change("capture", item("E1", "Bronze")).status, 409);  // open again: another body conflicts
  const auto lives = records("E1");
  std::size_t captures = 0;
  for (const auto& r : lives) captures += r.reason == "capture" ? 1 : 0;
  EXPECT_EQ(captures, 2u);
  start();  // the second life survives a restart; the first stays ended in the history
  EXPECT_EQ(state("E1"), "queued");
  ASSERT_EQ(change("cancel", "E1").status, 200);
  EXPECT_EQ(change("capture", item("E1", "Gold")).status, 201);  // a third life, after the restart
  EXPECT_EQ(state("E1"), "queued");
}

TEST_F(EngineIdentity, ARetryWithinTheWindowAnswersAsTheFirstAndAfterItTheIdIsFree) {
  options_.idempotency_window_ms = kHour;
  start();
  Reply first = change("capture", item("W1", "Gold"));
  ASSERT_EQ(first.status, 201);
  EXPECT_EQ(first.json()["state"], "queued");
  clock_.advance(stdlib::Duration{10 * kMinute});
  ASSERT_EQ(login("ada").status, 200);
  Reply again = change("capture", item("W1", "Gold"));
  EXPECT_EQ(again.status, 201);
  EXPECT_EQ(again.json(), first.json());  // the first answer, not the item as it stands
  EXPECT_EQ(state("W1"), "offered");
  ASSERT_EQ(change("cancel", "W1").status, 200);
  EXPECT_EQ(change("capture", item("W1", "Gold")).status, 201);
  EXPECT_EQ(state("W1"), "");  // a retry of the ended item within the window: nothing new
  // Past the window: an open item's id is still taken, whatever the body; an ended one's free.
  ASSERT_EQ(change("capture", item("W2", "Silver")).status, 201);
  clock_.advance(stdlib::Duration{kHour});
  Reply late = change("capture", item("W2", "Silver"));
  EXPECT_EQ(late.status, 409) << late.body.dump();
  EXPECT_NE(late.body["error"]["message"].get<std::string>().find("idempotency window"), std::string::npos);
  EXPECT_EQ(change("capture", item("W1", "Gold")).status, 201);
  EXPECT_NE(state("W1"), "");  // a new life
}

// The first answer survives restarts: recovery renders it again as it replays the capture
// line (the state it met is rebuilt), and a snapshot keeps the answers of its window. Before,
// a retry after a restart answered with the item as it stood then (here: offered to ada).
TEST_F(EngineIdentity, ARetryAfterARestartAnswersAsTheFirst) {
  options_.idempotency_window_ms = kHour;
  start();
  Reply first = change("capture", item("F1", "Gold"));
  ASSERT_EQ(first.status, 201);
  ASSERT_EQ(first.json()["state"], "queued");
  clock_.advance(stdlib::Duration{kMinute});
  ASSERT_EQ(login("ada").status, 200);
  Reply second = change("capture", item("F2", "Silver"));  // met ada busy with F1 or offered: its own first answer
  ASSERT_EQ(second.status, 201);
  clock_.advance(stdlib::Duration{kMinute});
  ASSERT_EQ(login("bob").status, 200);
  ASSERT_EQ(state("F1"), "offered");
  auto same = [&](const std::string& id, const std::string& segment, const Reply& was) {
    Reply again = change("capture", item(id, segment));
    EXPECT_EQ(again.status, was.status) << id;
    EXPECT_EQ(again.json(), was.json()) << id;
  };
  start();  // from the journal's lines
  same("F1", "Gold", first);
  same("F2", "Silver", second);
  ASSERT_EQ(change("cancel", "F1").status, 200);
  Reply third = change("capture", item("F3", "Bronze"));
  ASSERT_EQ(third.status, 201);
  ASSERT_EQ(engine_->compact().status, 200);
  start();  // from the snapshot: it kept the answers
  same("F1", "Gold", first);  // ended since, still within the window: the first answer
  same("F2", "Silver", second);
  same("F3", "Bronze", third);
  EXPECT_EQ(state("F1"), "");
  clock_.advance(stdlib::Duration{kHour});
  EXPECT_EQ(change("capture", item("F2", "Silver")).status, 409);  // past the window, open: taken
}

// A snapshot keeps each mark's capture instant: after a restore the window ends when it would
// have (before, restored marks counted from the snapshot's instant: here F1 stayed a retry).
TEST_F(EngineIdentity, TheWindowIsExactAfterARestoreFromASnapshot) {
  options_.idempotency_window_ms = kHour;
  start();
  ASSERT_EQ(change("capture", item("X1", "Gold")).status, 201);
  ASSERT_EQ(change("cancel", "X1").status, 200);
  clock_.advance(stdlib::Duration{50 * kMinute});
  ASSERT_EQ(change("capture", item("X2", "Gold")).status, 201);
  ASSERT_EQ(change("cancel", "X2").status, 200);
  ASSERT_EQ(engine_->compact().status, 200);
  start();
  clock_.advance(stdlib::Duration{11 * kMinute});  // X1's capture an hour and a minute ago, X2's 11 minutes
  EXPECT_EQ(change("capture", item("X1", "Gold")).status, 201);
  EXPECT_EQ(state("X1"), "queued");  // a new life
  EXPECT_EQ(change("capture", item("X2", "Gold")).status, 201);
  EXPECT_EQ(state("X2"), "");  // a retry: nothing new
}

// Without the window every id ever captured stayed in the index (and in every snapshot): a
// day and a half of captures, each canceled a minute later, leaves about the window's.
TEST_F(EngineIdentity, TheIndexStaysBoundedOverALongRun) {
  options_.idempotency_window_ms = kHour;
  options_.compact_every = 500;
  start();
  constexpr int kItems = 2000;
  std::size_t most = 0;
  for (int k = 0; k < kItems; ++k) {
    const std::string id = "L" + std::to_string(k);
    ASSERT_EQ(change("capture", item(id, "Bronze")).status, 201);
    ASSERT_EQ(change("cancel", id).status, 200);
    clock_.advance(stdlib::Duration{kMinute});
    most = std::max(most, remembered());
  }
  EXPECT_LE(most, 62u);  // an hour of captures, a minute apart
  EXPECT_GE(most, 59u);  // (and the window is kept)
  start();  // recovery (from a snapshot and the lines after it): a snapshot's marks count from its instant
  EXPECT_LE(remembered(), 2 * 62u);
  Reply snapshot = engine_->compact();
  ASSERT_EQ(snapshot.status, 200);
  EXPECT_LE(snapshot.body["ids_remembered"].get<std::size_t>(), 2 * 62u);
  EXPECT_EQ(change("capture", item("L" + std::to_string(kItems - 1), "Bronze")).status, 201);  // within the window: the retry
  EXPECT_EQ(state("L" + std::to_string(kItems - 1)), "");
}

}  // namespace
}  // namespace iwd::server
