// sqlstore's Database and Statement: the same cases on SQLite and PostgreSQL.
#include "sqlstore/database.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <limits>

#include "tests/unit/sqlstore/backend.h"

namespace iwd::sqlstore::testing {
namespace {

// Runs `sql` (no rows) and expects it to succeed.
void run(Database& db, const std::string& sql) {
  const Status s = db.exec(sql);
  ASSERT_TRUE(s.ok()) << s.message;
}

std::unique_ptr<Statement> prepared(Database& db, const std::string& sql) {
  Status s;
  auto st = db.prepare(sql, &s);
  EXPECT_TRUE(st) << s.message;
  return st;
}

Step step(Statement& st) {
  Status s;
  const Step out = st.step(&s);
  EXPECT_NE(out, Step::Failure) << s.message;
  return out;
}

TEST(Placeholders, AreNumberedForPostgreSqlOutsideQuotesAndComments) {
  EXPECT_EQ(rewrite_placeholders("SELECT ?, ?"), "SELECT $1, $2");
  EXPECT_EQ(rewrite_placeholders("WHERE a = ?2 AND b = ?1 OR c = ?2"), "WHERE a = $2 AND b = $1 OR c = $2");
  EXPECT_EQ(rewrite_placeholders("?3, ?"), "$3, $4");  // a bare ? after the highest, as SQLite numbers it
  EXPECT_EQ(rewrite_placeholders("SELECT '?', 'it''s ?', \"a?\" -- what?\n, ?"),
            "SELECT '?', 'it''s ?', \"a?\" -- what?\n, $1");
}

class DatabaseTest : public BackendTest {};

TEST_P(DatabaseTest, ValuesOfEveryKindComeBackAsBound) {
  run(*db, db->ddl("CREATE TABLE t (id INTEGER PRIMARY KEY, i INTEGER, d REAL, s TEXT, b BLOB)"));
  auto insert = prepared(*db, "INSERT INTO t (id, i, d, s, b) VALUES (?1, ?2, ?3, ?4, ?5)");
  const std::string bytes("\0\x01\xff\\x'\"", 7);
  const std::string text = "quote ' \" and backslash \\ and é, ?1";
  insert->bind_int64(1, 1);
  insert->bind_int64(2, std::numeric_limits<std::int64_t>::min());
  insert->bind_double(3, 0.1);
  insert->bind_text(4, text);
  insert->bind_blob(5, bytes);
  EXPECT_EQ(step(*insert), Step::Done);
  EXPECT_EQ(insert->changes(), 1);
  insert->reset();
  insert->bind_int64(1, 2);
  for (int k = 2; k <= 5; ++k) insert->bind_null(k);
  EXPECT_EQ(step(*insert), Step::Done);

  auto select = prepared(*db, "SELECT i, d, s, b FROM t ORDER BY id");
  ASSERT_EQ(step(*select), Step::Row);
  EXPECT_EQ(select->column_int64(0), std::numeric_limits<std::int64_t>::min());
  EXPECT_EQ(select->column_double(1), 0.1);
  EXPECT_EQ(select->column_text(2), text);
  EXPECT_EQ(select->column_text(3), bytes);
  std::string into = "a longer text that was there before";  // read_text replaces it whole
  select->read_text(2, &into);
  EXPECT_EQ(into, text);
  EXPECT_FALSE(select->is_null(0));
  ASSERT_EQ(step(*select), Step::Row);
  for (int c = 0; c < 4; ++c) EXPECT_TRUE(select->is_null(c)) << c;
  EXPECT_EQ(select->column_int64(0), 0);
  EXPECT_EQ(select->column_text(3), "");
  select->read_text(2, &into);
  EXPECT_EQ(into, "");
  EXPECT_EQ(step(*select), Step::Done);
}

// An empty view (no data pointer) is an empty value, not NULL: a NOT NULL column takes it.
TEST_P(DatabaseTest, AnEmptyViewBindsAnEmptyValueNotNull) {
  run(*db, db->ddl("CREATE TABLE t (s TEXT NOT NULL, b BLOB NOT NULL)"));
  auto insert = prepared(*db, "INSERT INTO t (s, b) VALUES (?1, ?2)");
  insert->bind_text(1, std::string_view());
  insert->bind_blob(2, std::string_view());
  EXPECT_EQ(step(*insert), Step::Done);
  auto select = prepared(*db, "SELECT s, b FROM t");
  ASSERT_EQ(step(*select), Step::Row);
  EXPECT_FALSE(select->is_null(0));
  EXPECT_FALSE(select->is_null(1));
  EXPECT_EQ(select->column_text(0), "");
  EXPECT_EQ(select->column_text(1), "");
}

TEST_P(DatabaseTest, AResetStatementRunsAgainWithItsParameters) {
  run(*db, db->ddl("CREATE TABLE t (k INTEGER PRIMARY KEY, v TEXT)"));
  auto insert = prepared(*db, "INSERT INTO t (k, v) VALUES (?, ?) ON CONFLICT (k) DO NOTHING");
  insert->bind_int64(1, 7);
  insert->bind_text(2, "first");
  EXPECT_EQ(step(*insert), Step::Done);
  EXPECT_EQ(insert->changes(), 1);
  insert->reset();
  EXPECT_EQ(step(*insert), Step::Done);  // the same key: ON CONFLICT, common to both, keeps the first
  EXPECT_EQ(insert->changes(), 0);

  auto count = prepared(*db, "SELECT count(*), max(v) FROM t WHERE k = ?1 OR k = ?1 + 1");
  count->bind_int64(1, 7);
  for (int round = 0; round < 2; ++round) {
    ASSERT_EQ(step(*count), Step::Row);
    EXPECT_EQ(count->column_int64(0), 1);
    EXPECT_EQ(count->column_text(1), "first");
    EXPECT_EQ(step(*count), Step::Done);
    count->reset();
  }
}

// bind_text_static's contract: the bytes are the caller's until reset(), which unbinds them.
// SQLite reads them at the step (no copy at the bind: a text changed in between is the one
// stored, which shows no copy was made); PostgreSQL copies at the bind. After reset() the
// parameter is NULL until bound again, on both: a run without binding it stores no stale bytes.
TEST_P(DatabaseTest, ATextBoundWithoutACopyIsReadAtTheStepAndUnboundByReset) {
  run(*db, db->ddl("CREATE TABLE t (k INTEGER PRIMARY KEY, s TEXT, u TEXT)"));
  auto insert = prepared(*db, "INSERT INTO t (k, s, u) VALUES (?1, ?2, ?3)");
  std::string buffer = "bound";
  insert->bind_int64(1, 1);
  insert->bind_text_static(2, buffer);
  insert->bind_text(3, "copied");
  buffer[0] = 'B';  // against the contract, to show when the bytes are read
  EXPECT_EQ(step(*insert), Step::Done);
  insert->reset();
  buffer = "the buffer reused for another value, longer than the first";
  insert->bind_int64(1, 2);  // ?2 left unbound: NULL, not the first row's bytes
  EXPECT_EQ(step(*insert), Step::Done);
  insert->reset();
  insert->bind_int64(1, 3);
  insert->bind_text_static(2, std::string_view());  // empty, not NULL, as bind_text
  EXPECT_EQ(step(*insert), Step::Done);

  auto select = prepared(*db, "SELECT s, u FROM t ORDER BY k");
  ASSERT_EQ(step(*select), Step::Row);
  EXPECT_EQ(select->column_text(0), GetParam() == Dialect::SQLite ? "Bound" : "bound");
  EXPECT_EQ(select->column_text(1), "copied");
  ASSERT_EQ(step(*select), Step::Row);
  EXPECT_TRUE(select->is_null(0));
  EXPECT_EQ(select->column_text(1), "copied");  // bind_text's parameters stay bound
  ASSERT_EQ(step(*select), Step::Row);
  EXPECT_FALSE(select->is_null(0));
  EXPECT_EQ(select->column_text(0), "");
  EXPECT_EQ(step(*select), Step::Done);
}

// reset_unbound(): every parameter NULL after it, whatever bound it (reset() keeps all but
// bind_text_static's); the statement then runs again with the values bound after it.
TEST_P(DatabaseTest, ResetUnboundLeavesEveryParameterNull) {
  run(*db, db->ddl("CREATE TABLE t (k INTEGER PRIMARY KEY, i INTEGER, s TEXT, u TEXT, b BLOB)"));
  auto insert = prepared(*db, "INSERT INTO t (k, i, s, u, b) VALUES (?1, ?2, ?3, ?4, ?5)");
  const std::string buffer = "static";
  insert->bind_int64(1, 1);
  insert->bind_int64(2, 42);
  insert->bind_text_static(3, buffer);
  insert->bind_text(4, "copied");
  insert->bind_blob(5, std::string("\0b", 2));
  EXPECT_EQ(step(*insert), Step::Done);
  insert->reset_unbound();
  insert->bind_int64(1, 2);  // the others left unbound: NULL, not the first row's values
  EXPECT_EQ(step(*insert), Step::Done);
  insert->reset_unbound();
  insert->bind_int64(1, 3);
  insert->bind_int64(2, 7);
  insert->bind_text_static(3, buffer);
  EXPECT_EQ(step(*insert), Step::Done);

  auto select = prepared(*db, "SELECT i, s, u, b FROM t ORDER BY k");
  ASSERT_EQ(step(*select), Step::Row);
  EXPECT_EQ(select->column_int64(0), 42);
  EXPECT_EQ(select->column_text(1), "static");
  EXPECT_EQ(select->column_text(2), "copied");
  EXPECT_EQ(select->column_text(3), std::string("\0b", 2));
  ASSERT_EQ(step(*select), Step::Row);
  for (int c = 0; c < 4; ++c) EXPECT_TRUE(select->is_null(c)) << c;
  ASSERT_EQ(step(*select), Step::Row);
  EXPECT_EQ(select->column_int64(0), 7);
  EXPECT_EQ(select->column_text(1), "static");
  EXPECT_TRUE(select->is_null(2));
  EXPECT_TRUE(select->is_null(3));
  EXPECT_EQ(step(*select), Step::Done);
}

TEST_P(DatabaseTest, ATransactionIsAllOrNothing) {
  run(*db, db->ddl("CREATE TABLE t (k INTEGER PRIMARY KEY)"));
  auto insert = prepared(*db, "INSERT INTO t (k) VALUES (?1)");
  const auto add = [&](std::int64_t k) {
    insert->reset();
    insert->bind_int64(1, k);
    Status s;
    return insert->step(&s) == Step::Done;
  };
  EXPECT_FALSE(db->in_transaction());
  ASSERT_TRUE(db->begin().ok());
  EXPECT_TRUE(db->in_transaction());
  ASSERT_TRUE(add(1));
  ASSERT_TRUE(add(2));
  ASSERT_TRUE(db->rollback().ok());
  EXPECT_FALSE(db->in_transaction());
  ASSERT_TRUE(db->begin().ok());
  ASSERT_TRUE(add(3));
  ASSERT_TRUE(db->commit().ok());
  auto keys = prepared(*db, "SELECT k FROM t ORDER BY k");
  ASSERT_EQ(step(*keys), Step::Row);
  EXPECT_EQ(keys->column_int64(0), 3);
  EXPECT_EQ(step(*keys), Step::Done);
}

TEST_P(DatabaseTest, RefusalsAreFailedWithTheDatabasesWords) {
  run(*db, db->ddl("CREATE TABLE t (k INTEGER PRIMARY KEY)"));
  auto insert = prepared(*db, "INSERT INTO t (k) VALUES (?1)");
  insert->bind_int64(1, 1);
  EXPECT_EQ(step(*insert), Step::Done);
  insert->reset();
  Status s;
  EXPECT_EQ(insert->step(&s), Step::Failure);
  EXPECT_EQ(s.code, Code::Failed);
  std::string words = s.message;  // SQLite's "UNIQUE constraint failed", PostgreSQL's "violates unique constraint"
  for (char& c : words) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  EXPECT_NE(words.find("unique constraint"), std::string::npos) << s.message;
  const Status bad = db->exec("SELEKT 1");
  EXPECT_EQ(bad.code, Code::Failed);
  EXPECT_NE(bad.message.find("syntax error"), std::string::npos) << bad.message;
}

// An upsert written once: SQLite's table, or on PostgreSQL the workspace's rows of iwd_t under
// the view t (as pgstore/schema.h makes them), where ON CONFLICT through t is refused. Two
// workspaces' rows of one key stay apart.
TEST_P(DatabaseTest, AnUpsertAddsToTheRowOfItsKeyInTheSessionsWorkspace) {
  const bool postgresql = GetParam() == Dialect::PostgreSQL;
  if (postgresql) {
    run(*db, "CREATE TABLE iwd_t (workspace text NOT NULL DEFAULT current_setting('iwd.workspace', true), "
             "k bigint NOT NULL, v bigint NOT NULL, PRIMARY KEY (workspace, k))");
    run(*db, "CREATE VIEW t AS SELECT k, v FROM iwd_t WHERE workspace = current_setting('iwd.workspace', true)");
    ASSERT_TRUE(pg().set_session("iwd.workspace", "a").ok());
  } else {
    run(*db, "CREATE TABLE t (k INTEGER PRIMARY KEY, v INTEGER NOT NULL)");
  }
  const std::string sql = db->upsert("t", "(k, v) VALUES (?1, ?2)", "k", "v = t.v + excluded.v");
  const auto add = [&](std::int64_t k, std::int64_t v) {
    auto st = prepared(*db, sql);
    st->bind_int64(1, k);
    st->bind_int64(2, v);
    EXPECT_EQ(step(*st), Step::Done);
  };
  const auto value = [&](std::int64_t k) {
    auto st = prepared(*db, "SELECT v FROM t WHERE k = ?1");
    st->bind_int64(1, k);
    return step(*st) == Step::Row ? st->column_int64(0) : -1;
  };
  add(1, 5);
  add(1, 2);
  add(2, 1);
  EXPECT_EQ(value(1), 7);
  EXPECT_EQ(value(2), 1);
  if (!postgresql) return;
  ASSERT_TRUE(pg().set_session("iwd.workspace", "b").ok());
  EXPECT_EQ(value(1), -1);
  add(1, 10);
  EXPECT_EQ(value(1), 10);
  ASSERT_TRUE(pg().set_session("iwd.workspace", "a").ok());
  EXPECT_EQ(value(1), 7);
}

INSTANTIATE_TEST_SUITE_P(Backends, DatabaseTest, ::testing::Values(Dialect::SQLite, Dialect::PostgreSQL), backend_name);

// What only PostgreSQL does: go away and come back, refuse a stale epoch, keep session settings.
class PostgresqlTest : public BackendTest {};

TEST_P(PostgresqlTest, ATriggerRaisingTheFenceStateIsFenced) {
  run(*db, "CREATE TABLE t (k bigint)");
  run(*db, "CREATE FUNCTION refuse() RETURNS trigger LANGUAGE plpgsql AS $f$ BEGIN RAISE EXCEPTION 'stale epoch' "
           "USING ERRCODE = 'IW001'; END $f$");
  run(*db, "CREATE TRIGGER refuse BEFORE INSERT ON t FOR EACH ROW EXECUTE FUNCTION refuse()");
  auto insert = prepared(*db, "INSERT INTO t VALUES (?)");
  insert->bind_int64(1, 1);
  Status s;
  EXPECT_EQ(insert->step(&s), Step::Failure);
  EXPECT_EQ(s.code, Code::Fenced);
  EXPECT_NE(s.message.find("stale epoch"), std::string::npos) << s.message;
}

// A restart of the server: Unavailable while it is down; then the prepared statements and the
// session's settings are made again on the new connection, and a transaction begun before it
// is not finished statement by statement on the new one.
TEST_P(PostgresqlTest, AfterARestartStatementsAndSettingsAreMadeAgainAndATransactionIsNotHalved) {
  run(*db, "CREATE TABLE t (k bigint PRIMARY KEY, who text DEFAULT current_setting('iwd.test'))");
  ASSERT_TRUE(pg().set_session("iwd.test", "node-a").ok());
  auto insert = prepared(*db, "INSERT INTO t (k) VALUES (?1)");
  const auto add = [&](std::int64_t k) {
    insert->reset();
    insert->bind_int64(1, k);
    Status s;
    insert->step(&s);
    return s;
  };
  ASSERT_TRUE(add(1).ok());
  ASSERT_TRUE(db->begin().ok());
  ASSERT_TRUE(add(2).ok());
  std::string error;
  ASSERT_TRUE(cluster->stop(&error)) << error;
  EXPECT_EQ(add(3).code, Code::Unavailable);
  ASSERT_TRUE(cluster->start_again(&error)) << error;
  const Status lost = add(4);
  EXPECT_EQ(lost.code, Code::Unavailable) << lost.message;  // not run on its own
  EXPECT_NE(lost.message.find("broke in the transaction"), std::string::npos) << lost.message;
  EXPECT_EQ(db->commit().code, Code::Unavailable);
  EXPECT_TRUE(db->rollback().ok());
  const Status again = add(5);  // prepared again, with the setting
  ASSERT_TRUE(again.ok()) << again.message;

  auto rows = prepared(*db, "SELECT k, who FROM t ORDER BY k");
  std::vector<std::pair<std::int64_t, std::string>> got;
  while (step(*rows) == Step::Row) got.emplace_back(rows->column_int64(0), rows->column_text(1));
  EXPECT_EQ(got, (std::vector<std::pair<std::int64_t, std::string>>{{1, "node-a"}, {5, "node-a"}}));
}

INSTANTIATE_TEST_SUITE_P(Backends, PostgresqlTest, ::testing::Values(Dialect::PostgreSQL), backend_name);

TEST(Ddl, NamesSqliteTypesForPostgresqlAsWholeWordsOutsideQuotes) {
  pgstore::Connection unused("host=/nonexistent");
  PgDatabase pg(unused);
  EXPECT_EQ(pg.ddl("CREATE TABLE t (a INTEGER PRIMARY KEY, b BLOB, c REAL, d INTEGERS, e TEXT DEFAULT 'BLOB')"),
            "CREATE TABLE t (a bigint PRIMARY KEY, b bytea, c double precision, d INTEGERS, e TEXT DEFAULT 'BLOB')");
  EXPECT_EQ(pg.ddl("CREATE TABLE t (a TEXT PRIMARY KEY) WITHOUT ROWID"), "CREATE TABLE t (a TEXT PRIMARY KEY)");
  std::string error;
  auto lite = open_sqlite(":memory:", &error);
  EXPECT_EQ(lite->ddl("CREATE TABLE t (b BLOB)"), "CREATE TABLE t (b BLOB)");
  EXPECT_EQ(lite->ddl("CREATE TABLE t (a TEXT PRIMARY KEY) WITHOUT ROWID"), "CREATE TABLE t (a TEXT PRIMARY KEY) WITHOUT ROWID");
}

// A reader's file (history::Store::open_reader): opened read-only, never created, and what
// would write is refused while reads go on.
TEST(SqliteReadOnly, OpensAFileWithoutCreatingItAndRefusesWrites) {
  const iwd::testing::TempDir tmp("iwd-sqlstore-ro-");  // removed on every path (tests/support/temp_dir.h)
  const std::string path = tmp.str() + "/store.db";
  std::string error;
  EXPECT_FALSE(open_sqlite(path, &error, true));
  EXPECT_NE(error.find(path), std::string::npos) << error;
  EXPECT_FALSE(std::filesystem::exists(path));
  {
    auto writer = open_sqlite(path, &error);
    ASSERT_TRUE(writer) << error;
    run(*writer, "CREATE TABLE t (k INTEGER PRIMARY KEY)");
    run(*writer, "INSERT INTO t (k) VALUES (1)");
  }
  auto reader = open_sqlite(path, &error, true);
  ASSERT_TRUE(reader) << error;
  auto keys = prepared(*reader, "SELECT k FROM t");
  ASSERT_EQ(step(*keys), Step::Row);
  EXPECT_EQ(keys->column_int64(0), 1);
  const Status refused = reader->exec("INSERT INTO t (k) VALUES (2)");
  EXPECT_EQ(refused.code, Code::Failed);
  EXPECT_NE(refused.message.find("readonly"), std::string::npos) << refused.message;
}

}  // namespace
}  // namespace iwd::sqlstore::testing
