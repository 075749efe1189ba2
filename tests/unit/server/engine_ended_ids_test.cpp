// The engine frees ended items' ids (issue 17, docs/api.md "Idempotency"): once an item has
// ended, its mark is erased and no capture of the idempotency window names it, its id's number
// is released from the pool and given to later ids, so a service that sees items without end
// keeps a pool as large as its open items and its window. A reused number meets nothing of the
// item that had it (views, workbins, answers); an id that is also a value or an agent's is never
// freed; snapshots taken while numbers are freed restore exactly, and keep the ids releasable.
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <set>

#include "runtime/clock.h"
#include "server/engine.h"
#include "tests/unit/server/engine_fixture.h"

namespace iwd::server {
namespace {

using json = nlohmann::json;

const std::string kRules = std::string(IWD_SOURCE_DIR) + "/examples/enterprise.iwd";
constexpr std::int64_t kStart = 1795510800000;  // 2026-11-24T09:00:00Z
constexpr std::int64_t kSecond = 1000, kMinute = 60'000;

class EngineEndedIds : public testing::EngineFixture {
 protected:
  EngineEndedIds() : EngineFixture("engine_ended_ids", kStart) {}
  Reply change(const std::string& op, json value) {
    return engine_->change(Change{runtime::replay::op_named(op), std::move(value), {}, "crm"});
  }
  static json item(const std::string& id, const std::string& department, const std::string& segment = "Bronze") {
    return json{{"id", id}, {"department", department}, {"segment", segment}};
  }
  // A restart as a new process does it: on a pool of its own.
  void restart_fresh() {
    engine_.reset();
    journal_.reset();
    fresh_ = std::make_unique<runtime::StringPool>();
    std::string error;
    journal_ = Journal::open(dir_.string(), &error);
    ASSERT_TRUE(journal_) << error;
    engine_ = Engine::start(testing::load(*fresh_, kRules), *fresh_, *journal_, clock_, metrics_, hub_, options_, &error);
    ASSERT_TRUE(engine_) << error;
  }
  runtime::StringPool& pool() { return fresh_ ? *fresh_ : pool_; }
  // Every open item as "id state agent priority", sorted; and the index's size.
  std::vector<std::string> open_items() {
    std::vector<std::string> out;
    engine_->read([&](const runtime::Runtime& rt, std::int64_t) {
      for (const runtime::WorkItem& w : rt.items())
        if (runtime::is_open(w.state))
          out.push_back(std::string(rt.pool().view(w.id)) + " " + std::string(runtime::item_state_name(w.state)) + " " +
                        (w.agent == runtime::kNoIndex ? "-" : std::string(rt.pool().view(rt.agents()[w.agent].id))) + " " +
                        std::to_string(w.priority));
      return Reply{};
    });
    std::sort(out.begin(), out.end());
    return out;
  }
  // The open items by department, as GET /v1/stats/queues?by=department counts them.
  std::map<std::string, std::int64_t> open_by_department() {
    std::map<std::string, std::int64_t> out;
    engine_->read([&](const runtime::Runtime& rt, std::int64_t now) {
      const auto groups = engine_->stats().queue.figures(rt, "department", now);
      for (const stats::GroupFigures& g : *groups) out[g.name] = g.open;
      return Reply{};
    });
    return out;
  }
  // `n` items captured and canceled, a second apart: ids PREFIX0 ...
  void churn(const std::string& prefix, int n) {
    for (int k = 0; k < n; ++k) {
      const std::string id = prefix + std::to_string(k);
      ASSERT_EQ(change("capture", item(id, "Finance")).status, 201) << id;
      ASSERT_EQ(change("cancel", id).status, 200) << id;
      clock_.advance(stdlib::Duration{kSecond});
    }
  }
  std::unique_ptr<runtime::StringPool> fresh_;
};

// Before, every id ever captured kept its number, its pool slot and its index slot: 3,000
// ended items grew the pool by 3,000 numbers. Now by the window's captures (a minute's, 60).
TEST_F(EngineEndedIds, ManyEndedItemsLeaveThePoolFlat) {
  options_.idempotency_window_ms = kMinute;
  options_.compact_every = 500;  // snapshots taken (and written off the engine thread) meanwhile
  start_on(kRules);
  ASSERT_EQ(change("capture", item("keep", "Sales")).status, 201);  // open throughout
  churn("warm-", 200);
  const std::uint32_t warm = pool_.size();
  churn("case-", 3000);
  EXPECT_LE(pool_.size(), warm + 100);
  EXPECT_LE(pool_.live(), warm + 10);
  EXPECT_FALSE(pool_.find("case-0"));  // released: find() no longer knows it
  EXPECT_LE(remembered(), 62u);
  ASSERT_EQ(open_items().size(), 1u);
  EXPECT_EQ(open_items()[0].rfind("keep queued -", 0), 0u) << open_items()[0];
  // An id whose number went is captured again as a new life, with a number of its own.
  ASSERT_EQ(change("capture", item("case-0", "Sales")).status, 201);
  EXPECT_EQ(open_by_department(), (std::map<std::string, std::int64_t>{{"Sales", 2}}));
}

// With a window of 0 the mark goes when the item ends, and its capture's entry at the next
// expiry: the number is reused then, and nothing of the item that had it (its views' entries,
// its workbin, its answer) meets the id that gets it.
TEST_F(EngineEndedIds, AReusedNumberMeetsNothingOfTheEndedItem) {
  options_.idempotency_window_ms = 0;
  start_on(kRules);
  ASSERT_EQ(change("agent", json{{"id", "ada"}, {"skills", {{"sales_processing", 8}, {"legacy_processing", 2}}}}).status, 200);
  ASSERT_EQ(change("capture", item("A", "Sales", "Gold")).status, 201);
  ASSERT_EQ(change("accept", json{{"item", "A"}, {"agent", "ada"}}).status, 200);
  ASSERT_EQ(change("park", "A").status, 200);
  const std::uint32_t a = *pool_.find("A");
  ASSERT_EQ(change("cancel", "A").status, 200);
  EXPECT_FALSE(pool_.find("A"));
  Reply b = change("capture", item("B", "Finance"));
  ASSERT_EQ(b.status, 201);
  EXPECT_EQ(*pool_.find("B"), a);  // A's number
  const json first = json::parse(b.text.empty() ? b.body.dump() : b.text);
  EXPECT_EQ(first["id"], "B");
  EXPECT_EQ(first["state"], "queued");
  EXPECT_EQ(first["process"], "Finance.Bronze");
  EXPECT_EQ(open_by_department(), (std::map<std::string, std::int64_t>{{"Finance", 1}}));
  EXPECT_EQ(engine_->read([&](const runtime::Runtime&, std::int64_t) {
    return Reply{200, nlohmann::ordered_json(engine_->stats().agents.parked_count())};
  }).body.get<std::size_t>(), 0u);
  EXPECT_EQ(change("capture", item("B", "Finance")).status, 409);  // B is open (no window: no retry)
  EXPECT_EQ(change("capture", item("A", "Sales")).status, 201);    // A's new life
  EXPECT_EQ(open_by_department(), (std::map<std::string, std::int64_t>{{"Finance", 1}, {"Sales", 1}}));
}

// A capture the rules reject, or a change to an id not open, keeps nothing of the id: a
// rejected capture interned it (the rules classified its record), and its number goes at once.
TEST_F(EngineEndedIds, ARefusedChangeLeavesNoNumber) {
  options_.idempotency_window_ms = kMinute;
  start_on(kRules);
  EXPECT_EQ(change("capture", json{{"id", "R0"}, {"segment", "Gold"}}).status, 422);  // what else a rejection interns
  const std::uint32_t before = pool_.live();
  for (int k = 1; k <= 50; ++k) {
    const std::string id = "R" + std::to_string(k);
    EXPECT_EQ(change("capture", json{{"id", id}, {"segment", "Gold"}}).status, 422);  // no department: required
    EXPECT_EQ(change("update", item("U" + std::to_string(k), "Sales")).status, 404);
    EXPECT_EQ(change("cancel", "C" + std::to_string(k)).status, 404);
  }
  EXPECT_FALSE(pool_.find("R1"));
  EXPECT_FALSE(pool_.find("U1"));
  EXPECT_EQ(pool_.live(), before);
  EXPECT_LE(pool_.size(), before + 2);
  EXPECT_EQ(change("capture", item("R1", "Sales")).status, 201);  // the corrected capture
}

// An item's id that is also a value (a rules constant, a department) or an agent's id shares
// its number with it: never released, whatever the item does.
TEST_F(EngineEndedIds, AnIdThatIsAlsoAValueIsNeverFreed) {
  options_.idempotency_window_ms = 0;
  start_on(kRules);
  ASSERT_EQ(change("agent", json{{"id", "ada"}, {"skills", {{"sales_processing", 8}, {"legacy_processing", 2}}}}).status, 200);
  const std::uint32_t sales = *pool_.find("Sales"), ada = *pool_.find("ada");
  for (const char* id : {"Sales", "ada"}) {
    ASSERT_EQ(change("capture", item(id, "Finance")).status, 201);
    ASSERT_EQ(change("cancel", id).status, 200);
  }
  churn("c-", 50);
  EXPECT_EQ(pool_.find("Sales"), sales);
  EXPECT_EQ(pool_.find("ada"), ada);
  EXPECT_EQ(pool_.view(sales), "Sales");
  ASSERT_EQ(change("capture", item("S1", "Sales", "Gold")).status, 201);
  ASSERT_EQ(open_items().size(), 1u);
  EXPECT_EQ(open_items()[0].rfind("S1 offered ada", 0), 0u) << open_items()[0];  // classified by "Sales" still
}

// Snapshots written off the engine thread while it frees and reuses numbers, then a restart on
// a new pool: the same open items, index and retries; and the ids loaded from the snapshot are
// released in their turn (the pool stays flat after the restart too).
TEST_F(EngineEndedIds, ASnapshotTakenWhileIdsAreFreedIsExactAfterRestart) {
  options_.idempotency_window_ms = 2 * kMinute;
  options_.compact_every = 40;
  start_on(kRules);
  ASSERT_EQ(change("agent", json{{"id", "ada"}, {"skills", {{"sales_processing", 8}, {"legacy_processing", 2}}}}).status, 200);
  ASSERT_EQ(change("capture", item("P1", "Sales", "Gold")).status, 201);  // in ada's workbin throughout
  ASSERT_EQ(change("accept", json{{"item", "P1"}, {"agent", "ada"}}).status, 200);
  ASSERT_EQ(change("park", "P1").status, 200);
  const std::uint32_t base = pool_.size();
  std::set<std::string> kept;
  for (int k = 0; k < 600; ++k) {
    const std::string id = "m-" + std::to_string(k);
    const bool keep = k % 7 == 0, sales = !keep && k % 3 == 0;
    ASSERT_EQ(change("capture", item(id, sales ? "Sales" : "Finance", k % 2 ? "Gold" : "Silver")).status, 201);
    if (keep) {
      kept.insert(id);  // left open (queued: no one takes Finance items)
    } else if (sales) {
      ASSERT_EQ(change("accept", json{{"item", id}, {"agent", "ada"}}).status, 200) << id;
      ASSERT_EQ(change("complete", id).status, 200) << id;
    } else {
      ASSERT_EQ(change("cancel", id).status, 200) << id;
    }
    if (k % 50 == 0) {
      ASSERT_EQ(engine_->compact().status, 200);
    }
    clock_.advance(stdlib::Duration{5 * kSecond});
  }
  ASSERT_EQ(change("capture", item("Q1", "Sales", "Gold")).status, 201);  // with ada at the restart
  ASSERT_EQ(change("accept", json{{"item", "Q1"}, {"agent", "ada"}}).status, 200);
  const Reply retry_first = change("capture", item("retry", "Finance"));  // within the window at the restart
  ASSERT_EQ(retry_first.status, 201);
  const std::vector<std::string> before = open_items();
  const std::size_t index = remembered();
  EXPECT_EQ(before.size(), kept.size() + 3);
  EXPECT_LT(pool_.size(), base + 200);  // 600 ids, all but 86 ended

  restart_fresh();
  EXPECT_EQ(open_items(), before);
  EXPECT_EQ(remembered(), index);
  const Reply retry = change("capture", item("retry", "Finance"));
  EXPECT_EQ(retry.status, 201);
  EXPECT_EQ(retry.text.empty() ? retry.body.dump() : retry.text, retry_first.text.empty() ? retry_first.body.dump() : retry_first.text);
  const std::uint32_t restarted = pool().size();
  for (const std::string& id : kept) ASSERT_EQ(change("cancel", id).status, 200) << id;
  clock_.advance(stdlib::Duration{3 * kMinute});
  churn("n-", 400);
  EXPECT_LE(pool().size(), restarted + 150);
  for (const std::string& id : kept) EXPECT_FALSE(pool().find(id)) << id;  // loaded from the snapshot, released
}

}  // namespace
}  // namespace iwd::server
