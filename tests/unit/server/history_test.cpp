// The engine's event history (docs/reporting.md): each change's records stored with it, the
// actor, recovery that stores each event once (from the journal or from a snapshot's mark),
// compaction that leaves the history, the same records as a replay of the journal, retention,
// a damaged page of records after a kill.
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <filesystem>
#include <fstream>
#include <set>

#include "history/recorder.h"
#include "history/store.h"
#include "reports/run.h"
#include "runtime/clock.h"
#include "server/engine.h"
#include "stdlib/tz.h"
#include "tests/unit/server/engine_fixture.h"

namespace iwd::server {
namespace {

using json = nlohmann::json;

const std::string kRules = std::string(IWD_SOURCE_DIR) + "/tests/replay/rules/desk.iwd";
constexpr std::int64_t kStart = 1795510800000;  // 2026-11-24T09:00:00Z
constexpr std::int64_t kDay = 86'400'000;

// SQL on a service's journal.db beside it, and the first column of a query's first row.
void sql(const std::string& file, const std::string& text) {
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(file.c_str(), &db), SQLITE_OK);
  char* message = nullptr;
  EXPECT_EQ(sqlite3_exec(db, text.c_str(), nullptr, nullptr, &message), SQLITE_OK) << (message ? message : "") << text;
  sqlite3_free(message);
  sqlite3_close(db);
}

std::string one(const std::string& file, const char* text) {
  sqlite3* db = nullptr;
  sqlite3_stmt* st = nullptr;
  std::string out;
  if (sqlite3_open(file.c_str(), &db) == SQLITE_OK && sqlite3_prepare_v2(db, text, -1, &st, nullptr) == SQLITE_OK &&
      sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0))
    out = reinterpret_cast<const char*>(sqlite3_column_text(st, 0));
  sqlite3_finalize(st);
  sqlite3_close(db);
  return out;
}

class EngineHistory : public testing::EngineFixture {
 protected:
  EngineHistory() : EngineFixture("history_engine", kStart) {}
  void start() { start_on(kRules); }
  Reply change(const std::string& op, json value, const std::string& actor = "crm") {
    return engine_->change(Change{runtime::replay::op_named(op), std::move(value), {}, actor});
  }
  // A batch at the clock's instant: the deadlines up to it fire, and their records are stored.
  void settle() { engine_->read([](const runtime::Runtime&, std::int64_t) { return Reply{}; }); }
  std::vector<history::Record> stored() {
    std::string error;
    auto reader = history::Store::open_reader(dir_.string(), &error);
    EXPECT_TRUE(reader) << error;
    std::vector<history::Record> out;
    if (reader) {
      EXPECT_TRUE(reader->read_range(0, INT64_MAX, [&](const history::Record& r) { out.push_back(r); return true; }, &error))
          << error;
    }
    return out;
  }
  // Seqs 1, 2, ... with none twice, and each (at, item, agent, kind, from, to, reason) once.
  static void expect_each_once(const std::vector<history::Record>& rs) {
    std::set<std::string> seen;
    for (std::size_t k = 0; k < rs.size(); ++k) {
      EXPECT_EQ(rs[k].seq, static_cast<std::int64_t>(k + 1));
      const std::string key = std::to_string(rs[k].at) + "|" + rs[k].item + "|" + rs[k].agent + "|" +
                              history::record_kind_name(rs[k].kind) + "|" + rs[k].from + "|" + rs[k].to + "|" + rs[k].reason +
                              "|" + std::to_string(rs[k].priority);
      EXPECT_TRUE(seen.insert(key).second) << "recorded twice: " << key;
    }
  }
  static std::size_t count(const std::vector<history::Record>& rs, const std::string& item, const std::string& reason) {
    std::size_t n = 0;
    for (const auto& r : rs) n += r.item == item && r.reason == reason ? 1 : 0;
    return n;
  }
};

TEST_F(EngineHistory, EachChangeIsStoredWithItsRecords) {
  start();
  ASSERT_EQ(change("agent", json{{"id", "ann"}, {"skills", {{"phone", 5}}}}, "sup").status, 200);
  ASSERT_EQ(change("capture", json{{"id", "C1"}, {"kind", "Call"}}).status, 201);
  // Acknowledged: its records are in journal.db already (read while the service runs).
  const auto rs = stored();
  ASSERT_EQ(rs.size(), 3u);
  EXPECT_EQ(rs[0].kind, history::RecordKind::Agent);
  EXPECT_EQ(rs[0].actor, "sup");
  EXPECT_EQ(rs[1].item, "C1");
  EXPECT_EQ(rs[1].to, "queued");
  EXPECT_EQ(rs[1].actor, "crm");
  EXPECT_EQ(rs[1].department, "Phone");
  EXPECT_EQ(rs[1].process, "Phone.Inbound");
  ASSERT_TRUE(rs[1].due);
  EXPECT_EQ(*rs[1].due, kStart + 60'000);  // sla 1m
  EXPECT_EQ(rs[2].to, "offered");
  EXPECT_EQ(rs[2].agent, "ann");
  EXPECT_EQ(rs[2].actor, "rules");
  // A change without a token's name (no authentication) is the API's.
  ASSERT_EQ(change("cancel", "C1", "").status, 200);
  EXPECT_EQ(stored().back().actor, "api");
  // A refusal changes nothing and records nothing.
  EXPECT_EQ(change("cancel", "C1").status, 409);
  EXPECT_EQ(stored().size(), 4u);
}

// Deadlines that fell while the service was down fire at start: recorded once, by the timer;
// the events of the journal's lines are not recorded again, however many restarts.
TEST_F(EngineHistory, RecoveryStoresEachEventOnce) {
  start();
  ASSERT_EQ(change("agent", json{{"id", "ann"}, {"skills", {{"phone", 5}}}}).status, 200);
  ASSERT_EQ(change("capture", json{{"id", "C1"}, {"kind", "Call"}}).status, 201);
  engine_.reset();
  clock_.advance(stdlib::Duration{30'000});  // the 20 s offer timeout falls while down
  start();
  auto rs = stored();
  expect_each_once(rs);
  EXPECT_EQ(count(rs, "C1", "capture"), 1u);
  EXPECT_EQ(count(rs, "C1", "offer_timeout"), 1u);
  for (const auto& r : rs) {
    if (r.reason == "offer_timeout" || r.reason == "rona") {
      EXPECT_EQ(r.actor, "timer");
    }
  }
  // A timeout the running service recorded, then a restart: not again.
  ASSERT_EQ(change("agent", json{{"id", "ann"}, {"state", "ready"}}).status, 200);  // offered C1 again
  clock_.advance(stdlib::Duration{25'000});
  settle();
  const std::size_t before = stored().size();
  EXPECT_EQ(count(stored(), "C1", "offer_timeout"), 2u);
  start();
  start();
  rs = stored();
  EXPECT_EQ(rs.size(), before);
  expect_each_once(rs);
}

// A snapshot prunes the journal, never the history; recovery from it numbers the events after
// it from its mark, so none is stored twice and none is lost.
TEST_F(EngineHistory, SurvivesCompactionAndRecoversFromTheSnapshotsMark) {
  start();
  ASSERT_EQ(change("agent", json{{"id", "ann"}, {"skills", {{"phone", 5}}}}).status, 200);
  ASSERT_EQ(change("capture", json{{"id", "C1"}, {"kind", "Call"}}).status, 201);
  ASSERT_EQ(change("capture", json{{"id", "C2"}, {"kind", "Call"}}).status, 201);
  ASSERT_EQ(engine_->compact().status, 200);
  const std::size_t at_snapshot = stored().size();
  ASSERT_EQ(change("capture", json{{"id", "C3"}, {"kind", "Case"}}).status, 201);
  engine_.reset();
  clock_.advance(stdlib::Duration{30'000});
  start();
  EXPECT_TRUE(engine_->start_stats().from_snapshot);  // the lines before it are not read (and pruned)
  EXPECT_EQ(engine_->start_stats().lines, 1);         // C3's capture
  auto rs = stored();
  expect_each_once(rs);
  EXPECT_GT(rs.size(), at_snapshot + 1);
  for (const char* item : {"C1", "C2", "C3"}) EXPECT_EQ(count(rs, item, "capture"), 1u) << item;
  EXPECT_EQ(count(rs, "C1", "offer_timeout"), 1u);
  const std::size_t n = rs.size();
  start();
  EXPECT_EQ(stored().size(), n);
}

// The same operations give the same records in `iwd serve` and in a replay of its journal
// (history::Recorder in both), the actor aside.
TEST_F(EngineHistory, SameRecordsAsAReplayOfItsJournal) {
  start();
  ASSERT_EQ(change("agent", json{{"id", "ann"}, {"skills", {{"phone", 5}, {"cases", 7}}}}).status, 200);
  ASSERT_EQ(change("capture", json{{"id", "C1"}, {"kind", "Call"}}).status, 201);
  ASSERT_EQ(change("capture", json{{"id", "K1"}, {"kind", "Case"}, {"tier", 3}}).status, 201);
  clock_.advance(stdlib::Duration{5'000});
  ASSERT_EQ(change("accept", json{{"item", "C1"}, {"agent", "ann"}}).status, 200);
  clock_.advance(stdlib::Duration{90'000});  // C1 overdue (sla 1m)
  ASSERT_EQ(change("done", "C1").status, 200);
  ASSERT_EQ(change("complete", "C1").status, 200);
  clock_.advance(stdlib::Duration{20 * 60'000});  // K1's priority grows, offers time out
  settle();
  const std::int64_t end = clock_.now().ms_since_epoch;
  engine_.reset();
  const auto served = stored();

  Ruleset rules;
  std::string error;
  runtime::StringPool pool;
  ASSERT_EQ(load_ruleset_path(kRules, pool, &rules, &error), RulesetStatus::Ok) << error;
  history::Recorder recorder;
  std::vector<history::Record> replayed;
  runtime::replay::ReplayOptions options;
  runtime::replay::Session* session_ptr = nullptr;
  options.observe = [&](const runtime::Event& e, const runtime::Runtime& rt) {
    replayed.push_back(recorder.record(e, rt, "replay"));
  };
  runtime::replay::Session session(rules.loaded->table(), pool, options, nullptr);
  session_ptr = &session;
  ASSERT_TRUE(session.init(&error)) << error;
  ASSERT_TRUE(journal_->read(0,
                             [&](const std::string& line) {
                               if (line.find("\"rules\":") != std::string::npos) return;
                               EXPECT_TRUE(session_ptr->apply_text(line).ok()) << line;
                             },
                             &error))
      << error;
  session.advance(end);
  ASSERT_EQ(served.size(), replayed.size());
  for (std::size_t k = 0; k < served.size(); ++k) {
    const auto& a = served[k];
    const auto& b = replayed[k];
    EXPECT_EQ(std::tie(a.seq, a.at, a.kind, a.item, a.reason, a.from, a.to, a.agent, a.department, a.process, a.priority,
                       a.previous_priority, a.stage, a.due, a.overdue, a.dimensions, a.outcome, a.detail),
              std::tie(b.seq, b.at, b.kind, b.item, b.reason, b.from, b.to, b.agent, b.department, b.process, b.priority,
                       b.previous_priority, b.stage, b.due, b.overdue, b.dimensions, b.outcome, b.detail))
        << "record " << k + 1;
  }
  bool overdue_completion = false;
  for (const auto& r : served) overdue_completion |= r.item == "C1" && r.to == "completed" && r.overdue;
  EXPECT_TRUE(overdue_completion);
}

TEST_F(EngineHistory, RetentionDeletesOldRecordsOnly) {
  options_.history_retention_days = 1;
  options_.history_purge_interval = std::chrono::milliseconds(0);  // passes when asked
  start();
  ASSERT_EQ(change("capture", json{{"id", "K1"}, {"kind", "Case"}}).status, 201);
  clock_.advance(stdlib::Duration{2 * kDay});
  ASSERT_EQ(change("capture", json{{"id", "K2"}, {"kind", "Case"}}).status, 201);
  const auto before = stored();
  std::size_t old = 0;
  for (const auto& r : before) old += r.at < clock_.now().ms_since_epoch - kDay ? 1 : 0;
  ASSERT_GT(old, 0u);
  std::string error;
  EXPECT_EQ(engine_->purge_history(&error), static_cast<std::int64_t>(old)) << error;
  const auto after = stored();
  EXPECT_EQ(after.size(), before.size() - old);
  for (const auto& r : after) EXPECT_GE(r.at, clock_.now().ms_since_epoch - kDay);
  EXPECT_EQ(count(after, "K2", "capture"), 1u);
  // Seqs go on after a purge, and a restart does not store the purged records again.
  start();
  ASSERT_EQ(change("cancel", "K2").status, 200);
  const auto last = stored();
  EXPECT_EQ(last.size(), after.size() + 1);
  EXPECT_EQ(last.back().seq, before.back().seq + 1);
}

TEST_F(EngineHistory, CanBeTurnedOff) {
  options_.history = false;
  start();
  ASSERT_EQ(change("capture", json{{"id", "K1"}, {"kind", "Case"}}).status, 201);
  std::string error;
  EXPECT_FALSE(history::Store::open_reader(dir_.string(), &error));
  EXPECT_NE(error.find("holds no event history"), std::string::npos) << error;
}

// A damaged page of records after the aggregates' last checkpoint, as a kill can leave one
// (docs/reporting.md, "Aggregates"), does not take the journal down: the service starts,
// rebuilds the open items' state from the records it can read, says on stderr which it could
// not (the file, the table, the seqs), accepts changes, and the reports answer.
TEST_F(EngineHistory, ADamagedRecordsPageAfterAKillStopsNoCreate) {
  const std::string file = (dir_ / "journal.db").string();
  start();
  for (int k = 0; k < 10; ++k) ASSERT_EQ(change("capture", json{{"id", "A" + std::to_string(k)}, {"kind", "Call"}}).status, 201);
  engine_.reset();  // a clean stop: the aggregates' checkpoint after the last record
  journal_.reset();
  // What a kill after the next captures leaves: their records and cells committed, the
  // items' state still the checkpoint's of now (the one before the clean close of the test).
  sql(file, "CREATE TABLE saved_items AS SELECT * FROM history_agg_items; "
            "CREATE TABLE saved_seq AS SELECT value FROM history_meta WHERE name = 'agg_items_seq'");
  start();
  for (int k = 0; k < 600; ++k) {
    clock_.advance(stdlib::Duration{1000});
    ASSERT_EQ(change("capture", json{{"id", "B" + std::to_string(k)}, {"kind", "Call"}}).status, 201);
  }
  engine_.reset();
  journal_.reset();
  sql(file, "BEGIN; DELETE FROM history_agg_items; INSERT INTO history_agg_items SELECT * FROM saved_items; "
            "UPDATE history_meta SET value = (SELECT value FROM saved_seq) WHERE name = 'agg_items_seq'; "
            "DROP TABLE saved_items; DROP TABLE saved_seq; COMMIT");
  const std::int64_t checkpoint = std::stoll(one(file, "SELECT value FROM history_meta WHERE name = 'agg_items_seq'"));
  // A leaf of the records in the middle of those after the checkpoint, its header overwritten.
  const std::int64_t page = std::stoll(one(file, "SELECT pageno FROM dbstat WHERE name = 'history_rows' AND pagetype = 'leaf' "
                                                 "ORDER BY path LIMIT 1 OFFSET (SELECT COUNT(*) / 2 FROM dbstat "
                                                 "WHERE name = 'history_rows' AND pagetype = 'leaf')"));
  const std::int64_t page_size = std::stoll(one(file, "PRAGMA page_size"));
  const std::int64_t records = std::stoll(one(file, "SELECT MAX(seq) FROM history"));
  ASSERT_GT(records, checkpoint + 600);
  {
    std::fstream f(file, std::ios::in | std::ios::out | std::ios::binary);
    f.seekp((page - 1) * page_size);
    const std::string garbage(16, '\xff');
    f.write(garbage.data(), static_cast<std::streamsize>(garbage.size()));
  }
  ASSERT_EQ(one(file, "SELECT COUNT(*) FROM history"), "") << "the page is damaged";

  ::testing::internal::CaptureStderr();
  start();
  clock_.advance(stdlib::Duration{1000});
  const Reply created = change("capture", json{{"id", "C1"}, {"kind", "Call"}});
  const std::string said = ::testing::internal::GetCapturedStderr();
  EXPECT_EQ(created.status, 201) << created.body;
  EXPECT_NE(said.find(file + ", table history: the records after seq"), std::string::npos) << said;
  EXPECT_NE(said.find("cannot be read"), std::string::npos) << said;
  ASSERT_EQ(change("cancel", "C1").status, 200);
  EXPECT_GE(std::stoll(one(file, "SELECT value FROM history_meta WHERE name = 'agg_items_seq'")), records)
      << "the checkpoint moved past the damage at start";

  std::string error;
  auto reader = history::Store::open_reader(dir_.string(), &error);
  ASSERT_TRUE(reader) << error;
  reports::Options o;
  o.zone = stdlib::TimeZone::find("UTC");
  o.from = kStart - 3'600'000;
  o.to = kStart + 3'600'000;
  bool failed = false;
  const auto report = reports::run_report(*reader, o, &failed);
  ASSERT_TRUE(report.ok()) << report.error;
  EXPECT_FALSE(report.value.rows.empty());
}

}  // namespace
}  // namespace iwd::server
