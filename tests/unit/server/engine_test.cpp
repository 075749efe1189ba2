// The engine on a simulated clock: changes acknowledged after they are durable, idempotent
// capture, recovery from the journal (states, agents, priorities and timeouts as before), and
// hot reload (open items re-evaluated, in-flight work kept; refused uploads change nothing).
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <filesystem>
#include <fstream>
#include <future>
#include <sstream>

#include "compiler/load/bundle.h"
#include "runtime/clock.h"
#include "server/engine.h"
#include "server/views.h"
#include "tests/unit/server/engine_fixture.h"

namespace iwd::server {
namespace {

using json = nlohmann::json;
using ojson = nlohmann::ordered_json;

const std::string kRules = std::string(IWD_SOURCE_DIR) + "/examples/enterprise.iwd";
constexpr std::int64_t kStart = 1795510800000;  // 2026-11-24T09:00:00Z, a Tuesday

using testing::load;

class EngineTest : public testing::EngineFixture {
 protected:
  EngineTest() : EngineFixture("engine_test", kStart) {}
  void start(const std::string& rules = kRules) { start_on(rules); }
  Reply change(const std::string& op, json value, std::string acting = {}) {
    return engine_->change(Change{runtime::replay::op_named(op), std::move(value), std::move(acting)});
  }
  // Every open item as the API shows it, by id.
  std::map<std::string, ojson> items() {
    std::map<std::string, ojson> out;
    engine_->read([&](const runtime::Runtime& rt, std::int64_t now) {
      for (const auto& item : rt.items())
        if (runtime::is_open(item.state)) {
          out[std::string(rt.pool().view(item.id))] = item_view(rt, item, now);
          EXPECT_EQ(ojson::parse(item_view_text(rt, item, now)), item_view(rt, item, now));  // the two renderings agree
        }
      return Reply{};
    });
    return out;
  }
  ojson agent(const std::string& id) {
    return engine_->read([&](const runtime::Runtime& rt, std::int64_t) {
      return Reply{200, agent_view(rt, *rt.find_agent(*rt.pool().find(id)))};
    }).body;
  }
};

TEST_F(EngineTest, CaptureIsIdempotentByIdAndRefusalsAreNotStored) {
  start();
  const json s1{{"id", "S1"}, {"department", "Sales"}, {"segment", "Gold"}};
  EXPECT_EQ(change("capture", s1).status, 201);
  EXPECT_EQ(change("capture", s1).status, 201);  // a retry: the first answer again
  Reply other = change("capture", json{{"id", "S1"}, {"department", "Sales"}, {"segment", "Silver"}});
  EXPECT_EQ(other.status, 409);
  EXPECT_EQ(other.body["error"]["code"], "conflict");
  Reply bad = change("capture", json{{"id", "S2"}, {"departmnt", "Sales"}});
  EXPECT_EQ(bad.status, 422);
  EXPECT_NE(bad.body["error"]["message"].get<std::string>().find("did you mean `department`?"), std::string::npos);
  EXPECT_EQ(change("resume", "S1").status, 409);  // queued, not held
  EXPECT_EQ(change("cancel", "S1").status, 200);
  Reply ended = change("complete", "S1");
  EXPECT_EQ(ended.status, 409);
  EXPECT_EQ(ended.body["error"]["code"], "ended");
  EXPECT_EQ(change("cancel", "NOPE").status, 404);
  // Ids that name nothing are looked up, never interned: a stream of them does not grow the pool.
  const std::uint32_t interned = pool_.size();
  for (const char* op : {"complete", "hold", "done", "park", "return"}) {
    Reply unknown = change(op, "NOPE-" + std::string(op));
    EXPECT_EQ(unknown.status, 404) << op;
    EXPECT_EQ(unknown.body["error"]["message"], std::string(op) + ": no open item `NOPE-" + op + "`");
  }
  EXPECT_EQ(change("accept", json{{"item", "NOPE-accept"}, {"agent", "ada"}}).status, 404);
  EXPECT_EQ(change("transfer", json{{"item", "NOPE-transfer"}, {"to", "ada"}}).status, 404);
  EXPECT_EQ(change("reschedule", json{{"item", "NOPE-reschedule"}, {"due_at", "2026-12-01T00:00:00Z"}}).status, 404);
  EXPECT_EQ(change("update", json{{"id", "NOPE-update"}, {"segment", "Gold"}}).status, 404);
  EXPECT_EQ(pool_.size(), interned + 1);  // "ada", the agent named in accept and transfer
  // Stored: the rules line, one capture, one cancel.
  engine_.reset();
  EXPECT_EQ(journal_->size(), 3);
}

// A refusal's HTTP status comes from its code (server/reply.cpp), not from its wording: a
// message that quotes the client's text with "only " or "no open item" in it is still 422.
TEST_F(EngineTest, RefusalsAreAnsweredByTheirCodeNotTheirWording) {
  start();
  Reply odd = change("capture", json{{"id", "S1"}, {"department", "Sales"}, {"only x", 1}});
  EXPECT_EQ(odd.status, 422) << odd.body.dump();  // was 409 illegal_transition: "only " in the message
  EXPECT_EQ(odd.body["error"]["code"], "refused");
  Reply quoted = change("capture", json{{"id", "S1"}, {"department", "Sales"}, {"segment", "no open item"}});
  EXPECT_EQ(quoted.status, 422) << quoted.body.dump();  // was 404 not_found
  EXPECT_EQ(quoted.body["error"]["code"], "refused");
  ASSERT_EQ(change("agent", json{{"id", "ada"}, {"skills", {{"sales_processing", 8}, {"legacy_processing", 2}}}}).status, 200);
  ASSERT_EQ(change("capture", json{{"id", "S1"}, {"department", "Sales"}, {"segment", "Gold"}}).status, 201);
  Reply other = change("accept", json{{"item", "S1"}, {"agent", "bob"}});
  EXPECT_EQ(other.status, 409);
  EXPECT_EQ(other.body["error"]["code"], "illegal_transition");
  EXPECT_EQ(other.body["error"]["message"], "accept: item `S1` is offered to `ada`, not to `bob`");
  ASSERT_EQ(change("accept", "S1").status, 200);
  ASSERT_EQ(change("done", "S1").status, 200);
  // Done, waiting for the source: an illegal transition (was 422 `refused`: its message has no "only ").
  Reply late = change("reschedule", json{{"item", "S1"}, {"due_at", "2026-12-01T00:00:00Z"}});
  EXPECT_EQ(late.status, 409) << late.body.dump();
  EXPECT_EQ(late.body["error"]["code"], "illegal_transition");
  Reply self = change("transfer", json{{"item", "S1"}, {"to", "nobody"}});
  EXPECT_EQ(self.status, 404);
  EXPECT_EQ(self.body["error"]["message"], "transfer: no agent `nobody`");
}

TEST_F(EngineTest, RecoveryRestoresStatesAgentsPrioritiesAndTimeouts) {
  start();
  ASSERT_EQ(change("agent", json{{"id", "ada"}, {"skills", {{"sales_processing", 8}, {"legacy_processing", 2}}}}).status, 200);
  ASSERT_EQ(change("agent", json{{"id", "fin"}, {"skills", {{"finance_processing", 6}}}}).status, 200);
  ASSERT_EQ(change("capture", json{{"id", "S1"}, {"department", "Sales"}, {"segment", "Gold"}}).status, 201);
  ASSERT_EQ(change("accept", json{{"item", "S1"}, {"agent", "ada"}}).status, 200);
  ASSERT_EQ(change("capture", json{{"id", "S2"}, {"department", "Sales"}, {"segment", "Bronze"}}).status, 201);
  ASSERT_EQ(change("accept", "S2").status, 200);
  ASSERT_EQ(change("park", "S2").status, 200);
  ASSERT_EQ(change("capture", json{{"id", "F1"}, {"department", "Finance"}, {"segment", "Bronze"}}).status, 201);
  EXPECT_EQ(items()["F1"]["state"], "offered");
  clock_.advance(stdlib::Duration{46'000});  // Finance's offer timeout is 45 s: RONA
  EXPECT_EQ(items()["F1"]["state"], "queued");
  EXPECT_EQ(agent("fin")["state"], "not_ready");
  clock_.advance(stdlib::Duration{3'600'000});  // an hour: priorities climb
  const auto before = items();
  EXPECT_EQ(before.at("S1")["state"], "assigned");
  EXPECT_EQ(before.at("S2")["state"], "parked");
  EXPECT_GT(before.at("F1")["priority"].get<std::int64_t>(), 100);

  start();  // the same clock instant: the journal replayed
  EXPECT_EQ(items(), before);
  EXPECT_EQ(agent("fin")["state"], "not_ready");
  EXPECT_EQ(agent("ada")["load"], 1);
  clock_.advance(stdlib::Duration{3'600'000});
  start();  // later: priorities recomputed from the stored instants
  EXPECT_GT(items()["F1"]["priority"].get<std::int64_t>(), before.at("F1")["priority"].get<std::int64_t>());
  EXPECT_EQ(change("capture", json{{"id", "S1"}, {"department", "Sales"}, {"segment", "Gold"}}).status, 201);
}

TEST_F(EngineTest, ReloadReevaluatesOpenItemsAndKeepsWorkInFlight) {
  start();
  ASSERT_EQ(change("agent", json{{"id", "ada"}, {"skills", {{"sales_processing", 8}, {"legacy_processing", 2}}}}).status, 200);
  ASSERT_EQ(change("capture", json{{"id", "S1"}, {"department", "Sales"}, {"segment", "Gold"}}).status, 201);
  ASSERT_EQ(change("accept", "S1").status, 200);
  ASSERT_EQ(change("capture", json{{"id", "S2"}, {"department", "Sales"}, {"segment", "Silver"}}).status, 201);
  ASSERT_EQ(change("hold", "S2").status, 200);
  EXPECT_EQ(items()["S2"]["process"], "Sales.Silver");

  // New rules: Silver items join Gold.
  std::ifstream in(kRules);
  std::string text((std::istreambuf_iterator<char>(in)), {});
  const std::string from = "process Gold when segment == Gold {";
  text.replace(text.find(from), from.size(), "process Gold when segment == Gold or segment == Silver {");
  const auto path = dir_ / "new.iwd";
  std::ofstream(path) << text;
  Reply r = engine_->reload(load(pool_, path.string()));
  ASSERT_EQ(r.status, 200) << r.body.dump();
  EXPECT_EQ(r.body["items_reevaluated"], 2);
  auto now = items();
  EXPECT_EQ(now["S1"]["state"], "assigned");
  EXPECT_EQ(now["S1"]["agent"], "ada");
  EXPECT_EQ(now["S2"]["state"], "held");
  EXPECT_EQ(now["S2"]["process"], "Sales.Gold");

  // Rules whose schema cannot hold the open items: refused, nothing changes.
  const auto narrow = dir_ / "narrow.iwd";
  std::ofstream(narrow) << "ruleset narrow version \"1\"\nattributes { department: number }\ndefault process P { sla 1h }\n";
  Reply refused = engine_->reload(load(pool_, narrow.string()));
  EXPECT_EQ(refused.status, 409);
  EXPECT_EQ(refused.body["error"]["code"], "reload_refused");
  EXPECT_EQ(items(), now);

  start("");  // no rules given: the journal's (the reloaded ones) stay
  EXPECT_EQ(items(), now);
  start();  // the original rules given: reloaded at start
  EXPECT_EQ(items()["S2"]["process"], "Sales.Silver");
  EXPECT_EQ(engine_->start_stats().reloads, 1);
}

TEST_F(EngineTest, SnapshotsPruneTheJournalAndRecoveryStartsFromThem) {
  options_.compact_every = 6;  // a snapshot every six lines or so, by itself
  start();
  ASSERT_EQ(change("agent", json{{"id", "ada"}, {"skills", {{"sales_processing", 8}, {"legacy_processing", 2}}}}).status, 200);
  ASSERT_EQ(change("capture", json{{"id", "S1"}, {"department", "Sales"}, {"segment", "Gold"}}).status, 201);
  ASSERT_EQ(change("accept", "S1").status, 200);
  ASSERT_EQ(change("capture", json{{"id", "S2"}, {"department", "Sales"}, {"segment", "Silver"}}).status, 201);
  ASSERT_EQ(change("capture", json{{"id", "S3"}, {"department", "Sales"}, {"segment", "Bronze"}}).status, 201);
  ASSERT_EQ(change("cancel", "S3").status, 200);  // the sixth line: a snapshot
  clock_.advance(stdlib::Duration{60'000});
  ASSERT_EQ(change("capture", json{{"id", "F1"}, {"department", "Finance"}, {"segment", "Bronze"}}).status, 201);
  Reply asked = engine_->compact();
  ASSERT_EQ(asked.status, 200) << asked.body.dump();
  EXPECT_EQ(asked.body["items"], 3);
  ASSERT_EQ(change("capture", json{{"id", "F2"}, {"department", "Finance"}, {"segment", "Bronze"}}).status, 201);
  clock_.advance(stdlib::Duration{3'600'000});
  const auto before = items();
  ASSERT_EQ(before.size(), 4u);
  EXPECT_EQ(before.at("S1")["state"], "assigned");
  EXPECT_EQ(before.at("S2")["state"], "queued");  // its offer timed out within the minute (RONA)
  EXPECT_EQ(agent("ada")["state"], "not_ready");

  start();
  EXPECT_TRUE(engine_->start_stats().from_snapshot);
  EXPECT_EQ(engine_->start_stats().lines, 1);  // only F2's capture after the snapshot
  EXPECT_EQ(items(), before);
  EXPECT_EQ(agent("ada")["load"], 1);
  EXPECT_EQ(agent("ada")["state"], "not_ready");
  EXPECT_EQ(agent("ada")["reason"], "rona");
  // Idempotency survives the snapshot: S1 (open) and S3 (canceled before it).
  EXPECT_EQ(change("capture", json{{"id", "S1"}, {"department", "Sales"}, {"segment", "Gold"}}).status, 201);
  EXPECT_EQ(change("capture", json{{"id", "S1"}, {"department", "Sales"}, {"segment", "Silver"}}).status, 409);
  EXPECT_EQ(change("complete", "S3").body["error"]["code"], "ended");
  EXPECT_EQ(change("capture", json{{"id", "S3"}, {"department", "Sales"}, {"segment", "Bronze"}}).status, 201);  // the retry
  EXPECT_EQ(change("complete", "S3").body["error"]["code"], "ended");  // nothing new: still canceled
  EXPECT_EQ(change("capture", json{{"id", "S3"}, {"department", "Sales"}, {"segment", "Silver"}}).status, 201);  // a new life
}

// A compact, a hot reload and later changes that the engine takes in one batch: the snapshot
// covers exactly the commands before it, so every change after it survives a restart (the
// snapshot used to record the batch's last line and the changes after it were dropped).
TEST_F(EngineTest, ASnapshotCoversOnlyTheCommandsBeforeItInItsBatch) {
  options_.compact_every = 0;
  start();
  for (int k = 0; k < 20; ++k)
    ASSERT_EQ(change("capture", json{{"id", "A" + std::to_string(k)}, {"department", "Sales"}, {"segment", "Gold"}}).status, 201);
  // Hold the engine thread in a read until the compact, the changes and the reload are queued
  // behind it: the engine then takes them as one batch, in that order.
  std::promise<void> reading, release;
  std::shared_future<void> released = release.get_future().share();
  engine_->read(
      [&reading, released](const runtime::Runtime&, std::int64_t) {
        reading.set_value();
        released.wait();
        return Reply{200, {}};
      },
      [](Reply) {});
  reading.get_future().wait();
  std::promise<Reply> compacted, reloaded;
  std::promise<std::vector<Reply>> created, canceled;
  engine_->compact([&compacted](Reply r) { compacted.set_value(std::move(r)); });
  std::vector<Change> creates, cancels;
  for (int k = 0; k < 50; ++k)
    creates.push_back(Change{runtime::replay::Op::Capture, json{{"id", "B" + std::to_string(k)}, {"department", "Sales"}, {"segment", "Gold"}}, {}});
  for (int k = 0; k < 5; ++k) cancels.push_back(Change{runtime::replay::Op::Cancel, json("A" + std::to_string(k)), {}});
  engine_->changes(std::move(creates), [&created](std::vector<Reply> r) { created.set_value(std::move(r)); });
  engine_->reload(load(pool_, kRules), [&reloaded](Reply r) { reloaded.set_value(std::move(r)); });
  engine_->changes(std::move(cancels), [&canceled](std::vector<Reply> r) { canceled.set_value(std::move(r)); });
  release.set_value();
  ASSERT_EQ(compacted.get_future().get().status, 200);
  for (const Reply& r : created.get_future().get()) ASSERT_EQ(r.status, 201) << r.body.dump();
  ASSERT_EQ(reloaded.get_future().get().status, 200);
  for (const Reply& r : canceled.get_future().get()) ASSERT_EQ(r.status, 200) << r.body.dump();
  const auto before = items();
  ASSERT_EQ(before.size(), 65u);

  start();  // a clean stop and a restart
  EXPECT_TRUE(engine_->start_stats().from_snapshot);
  // The reload takes a snapshot too, which replaces the compact's (it covers more): only the
  // 5 cancels after it are replayed.
  EXPECT_EQ(engine_->start_stats().lines, 5);
  EXPECT_EQ(items(), before);
  EXPECT_EQ(change("capture", json{{"id", "B7"}, {"department", "Sales"}, {"segment", "Gold"}}).status, 201);  // remembered
  EXPECT_EQ(change("resume", "A3").body["error"]["code"], "ended");
}

}  // namespace
}  // namespace iwd::server

namespace iwd::server {
namespace {

// A retry that writes a whole number as `100.0` where the first capture had `100` is the same
// body (the first answer again, not 409); another value is a conflict.
TEST_F(EngineTest, IdempotencyComparesNumbersByValue) {
  start();
  ASSERT_EQ(change("capture", json::parse(R"({"id":"N1","department":"Sales","segment":"Gold","deal_value":100})")).status, 201);
  EXPECT_EQ(change("capture", json::parse(R"({"id":"N1","department":"Sales","segment":"Gold","deal_value":100.0})")).status, 201);
  EXPECT_EQ(change("capture", json::parse(R"({"id":"N1","department":"Sales","segment":"Gold","deal_value":100.5})")).status, 409);
  ASSERT_EQ(change("capture", json::parse(R"({"id":"N2","department":"Sales","segment":"Gold","deal_value":2.5e3})")).status, 201);
  start();  // the index rebuilt from the journal agrees
  EXPECT_EQ(change("capture", json::parse(R"({"id":"N2","department":"Sales","segment":"Gold","deal_value":2500})")).status, 201);
  EXPECT_EQ(change("capture", json::parse(R"({"id":"N1","department":"Sales","segment":"Gold","deal_value":100.0})")).status, 201);
}

// A command that throws on the engine thread is answered 500; the engine goes on.
TEST_F(EngineTest, ACommandThatThrowsIsAnswered500AndTheEngineGoesOn) {
  start();
  Reply r = engine_->read([](const runtime::Runtime&, std::int64_t) -> Reply { throw std::runtime_error("a bug"); });
  EXPECT_EQ(r.status, 500);
  EXPECT_EQ(r.body["error"]["code"], "internal");
  EXPECT_EQ(change("capture", json{{"id", "S1"}, {"department", "Sales"}, {"segment", "Gold"}}).status, 201);
}

}  // namespace
}  // namespace iwd::server

namespace iwd::server {
namespace {

// Each hot reload leaves a snapshot of the state it led to: recovery restores the last one
// and replays only the lines after it (it used to evaluate every open item again for each
// reload in the journal), to the same state; the journal before it is deleted.
TEST_F(EngineTest, RecoveryAfterReloadsStartsFromTheLastReloadsSnapshot) {
  options_.compact_every = 0;  // no snapshot but the reloads'
  start();
  ASSERT_EQ(change("agent", json{{"id", "ada"}, {"skills", {{"sales_processing", 8}, {"legacy_processing", 2}}}}).status, 200);
  ASSERT_EQ(change("agent", json{{"id", "fin"}, {"skills", {{"finance_processing", 6}}}}).status, 200);
  ASSERT_EQ(change("capture", json{{"id", "S1"}, {"department", "Sales"}, {"segment", "Gold"}}).status, 201);
  ASSERT_EQ(change("accept", "S1").status, 200);
  ASSERT_EQ(change("capture", json{{"id", "S2"}, {"department", "Sales"}, {"segment", "Silver"}}).status, 201);
  ASSERT_EQ(change("hold", "S2").status, 200);
  std::ifstream in(kRules);
  std::string text((std::istreambuf_iterator<char>(in)), {});
  const std::string from = "process Gold when segment == Gold {";
  text.replace(text.find(from), from.size(), "process Gold when segment == Gold or segment == Silver {");
  const auto other = dir_ / "other.iwd";
  std::ofstream(other) << text;
  for (int k = 0; k < 4; ++k) {
    ASSERT_EQ(change("capture", json{{"id", "F" + std::to_string(k)}, {"department", "Finance"}, {"segment", "Bronze"}}).status, 201);
    clock_.advance(stdlib::Duration{20'000});
    Reply r = engine_->reload(load(pool_, k % 2 ? kRules : other.string()));
    ASSERT_EQ(r.status, 200) << r.body.dump();
  }
  ASSERT_EQ(change("capture", json{{"id", "S3"}, {"department", "Sales"}, {"segment", "Bronze"}}).status, 201);
  ASSERT_EQ(change("cancel", "F1").status, 200);
  clock_.advance(stdlib::Duration{3'600'000});  // F0's offer timed out long ago; priorities climbed
  const auto before = items();
  ASSERT_EQ(before.size(), 6u);
  EXPECT_EQ(before.at("S2")["process"], "Sales.Silver");  // the last reload was to the original rules
  const ojson ada = agent("ada"), fin = agent("fin");

  start("");  // the journal's rules
  EXPECT_TRUE(engine_->start_stats().from_snapshot);
  EXPECT_EQ(engine_->start_stats().lines, 2);  // S3's capture and F1's cancel
  EXPECT_EQ(engine_->start_stats().reloads, 0);
  EXPECT_EQ(items(), before);
  EXPECT_EQ(agent("ada"), ada);
  EXPECT_EQ(agent("fin"), fin);
  engine_.reset();
  EXPECT_LE(testing::table_rows(dir_, "journal"), 3);  // the lines before the snapshot deleted (its last one stays)
  EXPECT_EQ(testing::table_rows(dir_, "snapshots"), 1);
  // Idempotency came through the snapshot: F1 (canceled after it) and F3 (open).
  start("");
  EXPECT_EQ(change("capture", json{{"id", "F3"}, {"department", "Finance"}, {"segment", "Bronze"}}).status, 201);
  EXPECT_EQ(change("complete", "F1").body["error"]["code"], "ended");
  // And with the other rules given, the reload at start leaves its snapshot too.
  start(other.string());
  EXPECT_EQ(engine_->start_stats().reloads, 1);
  EXPECT_EQ(items()["S2"]["process"], "Sales.Gold");
  const auto reloaded = items();
  start("");
  EXPECT_TRUE(engine_->start_stats().from_snapshot);
  EXPECT_EQ(engine_->start_stats().lines, 0);
  EXPECT_EQ(items(), reloaded);
}

// Snapshots of format 1 (JSON, written before format 2) still start the service: the image's
// items are adopted again, the index read from its JSON; the next snapshot is of format 2.
TEST_F(EngineTest, AFormatOneSnapshotStillLoads) {
  options_.compact_every = 0;
  start();
  ASSERT_EQ(change("agent", json{{"id", "ada"}, {"skills", {{"sales_processing", 8}, {"legacy_processing", 2}}}}).status, 200);
  const json s1{{"id", "S1"}, {"department", "Sales"}, {"segment", "Gold"}};
  const json s2{{"id", "S2"}, {"department", "Sales"}, {"segment", "Silver"}, {"tags", {"a", "b"}}};
  const json s3{{"id", "S3"}, {"department", "Sales"}, {"segment", "Bronze"}};
  for (const json& s : {s1, s2, s3}) ASSERT_EQ(change("capture", s).status, 201);
  ASSERT_EQ(change("accept", "S1").status, 200);
  ASSERT_EQ(change("cancel", "S3").status, 200);
  clock_.advance(stdlib::Duration{600'000});
  // The state as format 1 stored it: the image and the index as JSON, after the last line.
  std::string image;
  std::int64_t at = 0;
  engine_->read([&](const runtime::Runtime& rt, std::int64_t now) {
    image = image_json(image_of(rt)).dump();
    at = now;
    return Reply{};
  });
  const auto before = items();
  engine_.reset();
  const json captured = json::array({json::array({"S1", compiler::fnv1a64(s1.dump()), ""}),
                                     json::array({"S2", compiler::fnv1a64(s2.dump()), ""}),
                                     json::array({"S3", compiler::fnv1a64(s3.dump()), "canceled"})});
  std::string error;
  ASSERT_TRUE(journal_->begin(&error)) << error;
  ASSERT_TRUE(journal_->add_snapshot(at, load(pool_, kRules).key, image, captured.dump(), &error)) << error;
  ASSERT_TRUE(journal_->commit(&error)) << error;

  start();
  EXPECT_TRUE(engine_->start_stats().from_snapshot);
  EXPECT_EQ(engine_->start_stats().lines, 0);
  EXPECT_EQ(items(), before);
  EXPECT_EQ(agent("ada")["load"], 1);
  EXPECT_EQ(change("capture", s2).status, 201);
  EXPECT_EQ(change("capture", json{{"id", "S1"}, {"department", "Sales"}, {"segment", "Bronze"}}).status, 409);
  EXPECT_EQ(change("resume", "S3").body["error"]["code"], "ended");
  // The next snapshot is of format 2, and starts the service the same.
  ASSERT_EQ(engine_->compact().status, 200);
  ASSERT_EQ(change("capture", json{{"id", "S4"}, {"department", "Sales"}}).status, 201);
  const auto after = items();
  start();
  EXPECT_TRUE(engine_->start_stats().from_snapshot);
  EXPECT_EQ(engine_->start_stats().lines, 1);
  EXPECT_EQ(items(), after);
}

// A start's stages (StartStats), as iwd serve's first line and /metrics give them: each stage
// by name in order, in milliseconds and in seconds, and the lines replayed.
TEST(RecoveryStages, EachStageIsNamedInTheLineAndTheMetrics) {
  StartStats s;
  s.from_snapshot = true;
  s.lines = 7;
  s.snapshot_read_us = 1'500'000;
  s.rules_us = 2'000;
  s.image_us = 300'000;
  s.window_us = 40'000;
  s.replay_us = 5'000;
  s.finish_us = 6'000;
  EXPECT_EQ(describe_stages(s), "snapshot read 1500 ms, rules 2 ms, image 300 ms, window 40 ms, replay 5 ms, finish 6 ms");
  const std::string page = recovery_metrics(s);
  for (const char* line : {"iwd_recovery_seconds{stage=\"snapshot_read\"} 1.500000\n",
                           "iwd_recovery_seconds{stage=\"rules\"} 0.002000\n", "iwd_recovery_seconds{stage=\"image\"} 0.300000\n",
                           "iwd_recovery_seconds{stage=\"window\"} 0.040000\n", "iwd_recovery_seconds{stage=\"replay\"} 0.005000\n",
                           "iwd_recovery_seconds{stage=\"finish\"} 0.006000\n", "iwd_recovery_lines{snapshot=\"yes\"} 7\n",
                           "# TYPE iwd_recovery_seconds gauge\n"})
    EXPECT_NE(page.find(line), std::string::npos) << line << " in\n" << page;
}

// A start from a snapshot says so in its stages: the image was loaded (the lines after it are
// the replay's), and every stage's time is its own (they add up to no more than the start).
TEST_F(EngineTest, AStartFromASnapshotCountsItsStagesApart) {
  start();
  ASSERT_EQ(change("capture", json{{"id", "S1"}, {"department", "Sales"}, {"segment", "Gold"}}).status, 201);
  ASSERT_EQ(engine_->compact().status, 200);
  ASSERT_EQ(change("capture", json{{"id", "S2"}, {"department", "Sales"}, {"segment", "Gold"}}).status, 201);
  start();
  const StartStats& s = engine_->start_stats();
  EXPECT_TRUE(s.from_snapshot);
  EXPECT_EQ(s.lines, 1);
  EXPECT_LE(s.snapshot_read_us + s.rules_us + s.image_us + s.window_us + s.replay_us + s.finish_us, s.ms * 1000 + 1000);
  EXPECT_NE(recovery_metrics(s).find("iwd_recovery_lines{snapshot=\"yes\"} 1\n"), std::string::npos);
}

}  // namespace
}  // namespace iwd::server
