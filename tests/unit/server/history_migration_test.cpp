// A server started on a journal.db whose event history is of schema version 1 (docs/reporting.md,
// "Schema versions") migrates it before it serves: the records kept, the aggregates of them
// built, new records written in the current version, the report from the aggregates the same
// as from the records.
#include <gtest/gtest.h>
#include <sqlite3.h>

#include "history/store.h"
#include "reports/run.h"
#include "server/engine.h"
#include "stdlib/tz.h"
#include "tests/unit/server/engine_fixture.h"

namespace iwd::server {
namespace {

using json = nlohmann::json;

const std::string kRules = std::string(IWD_SOURCE_DIR) + "/tests/replay/rules/desk.iwd";
constexpr std::int64_t kStart = 1795510800000;  // 2026-11-24T09:00:00Z

std::string one(sqlite3* db, const char* sql) {
  sqlite3_stmt* st = nullptr;
  EXPECT_EQ(sqlite3_prepare_v2(db, sql, -1, &st, nullptr), SQLITE_OK) << sqlite3_errmsg(db);
  std::string out;
  if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0))
    out = reinterpret_cast<const char*>(sqlite3_column_text(st, 0));
  sqlite3_finalize(st);
  return out;
}

// The history tables of journal.db as version 1 had them: the values as JSON in each row, its
// three indexes, no schema row, no dimension sets, no aggregates.
void to_version_1(const std::string& file) {
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(file.c_str(), &db), SQLITE_OK);
  const char* sql =
      "BEGIN;"
      "CREATE TABLE history_old AS SELECT seq, at, kind, item, reason, from_state, to_state, agent, department, process, "
      "priority, previous_priority, stage, due, overdue, dimensions, outcome, detail, actor FROM history_v;"
      "DROP VIEW history_v; DROP TRIGGER history_delete; DROP VIEW history; DROP TABLE history_rows; "
      "DROP TABLE history_names; DROP TABLE history_dimensions; DROP TABLE history_agg;"
      "DROP TABLE history_agg_groupings; DROP TABLE history_agg_items; DELETE FROM history_meta WHERE name = 'schema';"
      "CREATE TABLE history (seq INTEGER PRIMARY KEY, at INTEGER NOT NULL, kind TEXT NOT NULL, item TEXT NOT NULL, "
      "reason TEXT NOT NULL, from_state TEXT NOT NULL, to_state TEXT NOT NULL, agent TEXT NOT NULL, department TEXT NOT NULL, "
      "process TEXT NOT NULL, priority INTEGER NOT NULL, previous_priority INTEGER NOT NULL, stage INTEGER NOT NULL, "
      "due INTEGER, overdue INTEGER NOT NULL, dimensions TEXT NOT NULL, outcome TEXT NOT NULL, detail TEXT NOT NULL, "
      "actor TEXT NOT NULL);"
      "INSERT INTO history SELECT * FROM history_old; DROP TABLE history_old;"
      "CREATE INDEX history_item ON history (item, seq) WHERE item <> '';"
      "CREATE INDEX history_agent ON history (agent, seq) WHERE agent <> '';"
      "CREATE INDEX history_process_at ON history (process, at) WHERE process <> '';"
      "COMMIT;";
  char* message = nullptr;
  EXPECT_EQ(sqlite3_exec(db, sql, nullptr, nullptr, &message), SQLITE_OK) << (message ? message : "");
  sqlite3_free(message);
  sqlite3_close(db);
}

class HistoryMigration : public testing::EngineFixture {
 protected:
  HistoryMigration() : EngineFixture("history_migration", kStart) {}
  Reply change(const std::string& op, json value) {
    return engine_->change(Change{runtime::replay::op_named(op), std::move(value), {}, "crm"});
  }
};

TEST_F(HistoryMigration, AVersion1HistoryIsMigratedAtStart) {
  start_on(kRules);
  ASSERT_EQ(change("agent", json{{"id", "ann"}, {"skills", {{"phone", 5}}}}).status, 200);
  ASSERT_EQ(change("capture", json{{"id", "C1"}, {"kind", "Call"}}).status, 201);
  ASSERT_EQ(change("capture", json{{"id", "C2"}, {"kind", "Call"}}).status, 201);
  ASSERT_EQ(change("cancel", "C2").status, 200);
  engine_.reset();
  const std::string file = (dir_ / "journal.db").string();
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(file.c_str(), &db), SQLITE_OK);
  const char* records =  // the records written before, as the view shows them (their values joined back)
      "SELECT group_concat(seq || ' ' || item || ' ' || reason || ' ' || dimensions || ' ' || COALESCE(due, '-'), '; ') "
      "FROM (SELECT * FROM history_v WHERE seq <= 5 ORDER BY seq)";
  const std::string before = one(db, records);
  EXPECT_NE(before.find("5 C2 cancel"), std::string::npos) << before;
  sqlite3_close(db);
  to_version_1(file);
  ASSERT_EQ(sqlite3_open(file.c_str(), &db), SQLITE_OK);
  EXPECT_EQ(one(db, "SELECT COUNT(*) FROM history_meta WHERE name = 'schema'"), "0");
  sqlite3_close(db);

  start_on(kRules);  // migrates, in one transaction, before it serves
  ASSERT_EQ(change("capture", json{{"id", "C3"}, {"kind", "Call"}}).status, 201);
  ASSERT_EQ(sqlite3_open(file.c_str(), &db), SQLITE_OK);
  EXPECT_EQ(one(db, records), before);
  EXPECT_EQ(one(db, "SELECT item || ' ' || reason FROM history WHERE seq = 6"), "C3 capture");
  EXPECT_EQ(one(db, "SELECT value FROM history_meta WHERE name = 'schema'"), "6");
  EXPECT_EQ(one(db, "SELECT COUNT(*) FROM sqlite_schema WHERE name IN ('history_old', 'history_v1', 'history_v5', "
                    "'history_agent')"),
            "0");
  // C1 and C2 counted when the aggregates were built, C3 when it was written; C2 canceled.
  EXPECT_EQ(one(db, "SELECT SUM(entered) || ' ' || SUM(canceled) FROM history_agg WHERE by_name = 'process'"), "3 1");
  sqlite3_close(db);

  std::string error;
  auto reader = history::Store::open_reader(dir_.string(), &error);
  ASSERT_TRUE(reader) << error;
  reports::Options o;
  o.zone = stdlib::TimeZone::find("UTC");
  o.from = kStart - 3'600'000;
  o.to = kStart + 3'600'000;
  bool failed = false;
  const auto from_aggregates = reports::run_report(*reader, o, &failed);
  o.records_only = true;
  const auto from_records = reports::run_report(*reader, o, &failed);
  ASSERT_TRUE(from_aggregates.ok()) << from_aggregates.error;
  ASSERT_FALSE(from_aggregates.value.rows.empty());
  EXPECT_EQ(reports::render(from_aggregates.value, reports::Format::Csv),
            reports::render(from_records.value, reports::Format::Csv));
}

}  // namespace
}  // namespace iwd::server
