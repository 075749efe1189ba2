// The history's writes on PostgreSQL in few statements: a transaction's aggregate cells of
// counts only (history/aggregates.h) in one (and one more for those that may be back to 0),
// and MultiInsert's rows (history/multi_insert.h) in one, whatever their number; read back as
// a statement per row wrote them.
#include <gtest/gtest.h>

#include <chrono>
#include <map>

#include "history/aggregates.h"
#include "history/dimension_sets.h"
#include "history/multi_insert.h"
#include "pgstore/lease.h"
#include "pgstore/schema.h"
#include "tests/unit/sqlstore/backend.h"

namespace iwd::history {
namespace {

using sqlstore::Dialect;

// A statement that counts its runs (its first step after a reset) and forwards the rest.
class CountingStatement : public sqlstore::Statement {
 public:
  CountingStatement(std::unique_ptr<sqlstore::Statement> st, int* runs) : st_(std::move(st)), runs_(runs) {}
  void bind_int64(int i, std::int64_t v) override { st_->bind_int64(i, v); }
  void bind_double(int i, double v) override { st_->bind_double(i, v); }
  void bind_text(int i, std::string_view v) override { st_->bind_text(i, v); }
  void bind_text_static(int i, std::string_view v) override { st_->bind_text_static(i, v); }
  void bind_blob(int i, std::string_view v) override { st_->bind_blob(i, v); }
  void bind_null(int i) override { st_->bind_null(i); }
  sqlstore::Step step(sqlstore::Status* s) override {
    if (!stepped_) ++*runs_;
    stepped_ = true;
    return st_->step(s);
  }
  bool is_null(int c) const override { return st_->is_null(c); }
  std::int64_t column_int64(int c) const override { return st_->column_int64(c); }
  double column_double(int c) const override { return st_->column_double(c); }
  std::string column_text(int c) const override { return st_->column_text(c); }
  std::int64_t changes() const override { return st_->changes(); }
  void reset() override {
    stepped_ = false;
    st_->reset();
  }

 private:
  std::unique_ptr<sqlstore::Statement> st_;
  int* runs_;
  bool stepped_ = false;
};

class CountingDatabase : public sqlstore::Database {
 public:
  explicit CountingDatabase(sqlstore::Database& db) : db_(db) {}
  Dialect dialect() const override { return db_.dialect(); }
  std::unique_ptr<sqlstore::Statement> prepare(std::string_view sql, sqlstore::Status* s) override {
    auto st = db_.prepare(sql, s);
    return st ? std::make_unique<CountingStatement>(std::move(st), &runs) : nullptr;
  }
  sqlstore::Status exec(std::string_view sql) override { return db_.exec(sql); }
  bool in_transaction() const override { return db_.in_transaction(); }
  int runs = 0;

 private:
  sqlstore::Database& db_;
};

class AggregatesStatementsTest : public sqlstore::testing::BackendTest {};

TEST_P(AggregatesStatementsTest, ATransactionsCellsOfCountsOnlyGoInOneStatement) {
  pgstore::Status s = pgstore::create_schema(*conn);
  ASSERT_TRUE(s.ok()) << s.message;
  pgstore::Lease lease;
  ASSERT_TRUE(pgstore::acquire(*conn, "default", "node-a", std::chrono::minutes(1), &lease).ok());
  ASSERT_TRUE((s = pg().set_session("iwd.workspace", "default")).ok()) << s.message;
  ASSERT_TRUE((s = pg().set_session("iwd.epoch", "1")).ok()) << s.message;
  CountingDatabase counting(*db);
  DimensionSets sets;
  sets.attach(&counting, "test");
  Aggregates agg;
  agg.attach(&counting, "test", &sets, [](std::int64_t, std::int64_t, const std::function<bool(const Record&)>&,
                                          std::string*) { return true; },
             [](const std::string&) {});
  const std::int64_t t0 = 1'700'000'000'000 - 1'700'000'000'000 % kBucketMs, due = t0 + 4 * kBucketMs;
  std::string error;
  const auto record = [&](std::int64_t seq, std::int64_t at, int item, const char* from, const char* to) {
    Record r;
    r.seq = seq;
    r.at = at;
    r.item = "i" + std::to_string(item);
    r.from = from;
    r.to = to;
    r.reason = to;
    r.process = item % 3 == 0 ? "Sales" : item % 3 == 1 ? "Service" : "Billing";
    r.department = "D";
    r.due = due;
    return r;
  };
  // 30 captures over two buckets in three processes: a cell per bucket and group, and an
  // overdue change in the bucket of their due (a cell with no records).
  ASSERT_TRUE(db->begin().ok());  // a first checkpoint (of no items): the flushes below write cells only
  ASSERT_TRUE(agg.checkpoint(&error)) << error;
  ASSERT_TRUE(db->commit().ok());
  ASSERT_TRUE(db->begin().ok());
  for (int k = 0; k < 30; ++k) ASSERT_TRUE(agg.add(record(k + 1, t0 + k * 60'000, k, "none", "queued"), 0, &error)) << error;
  counting.runs = 0;
  ASSERT_TRUE(agg.flush(&error)) << error;
  EXPECT_EQ(counting.runs, 2);  // the cells, and those that may be back to 0
  ASSERT_TRUE(db->commit().ok());
  // Billing's ten end before their due: their overdue changes are back to 0, and that row goes.
  ASSERT_TRUE(db->begin().ok());
  for (int k = 2; k < 30; k += 3)
    ASSERT_TRUE(agg.add(record(31 + k, t0 + 2 * kBucketMs + k, k, "queued", "canceled"), 0, &error)) << error;
  ASSERT_TRUE(agg.flush(&error)) << error;
  ASSERT_TRUE(db->commit().ok());

  std::map<std::pair<std::int64_t, std::string>, AggregateCell> cells;
  ASSERT_TRUE(agg.read("process", t0, due + kBucketMs,
                       [&](std::int64_t bucket, const std::string& value, AggregateCell& c) { cells[{bucket, value}] = c; },
                       &error))
      << error;
  const auto at = [&](std::int64_t bucket, const std::string& value) { return cells[{bucket, value}]; };
  // Captures at minutes 0..29: bucket t0 holds 15 of them (5 per process), the next the rest.
  for (const char* p : {"Sales", "Service", "Billing"}) {
    EXPECT_EQ(at(t0, p).records, 5) << p;
    EXPECT_EQ(at(t0, p).entered, 5) << p;
    EXPECT_EQ(at(t0, p).backlog_change, 5) << p;
    EXPECT_EQ(at(t0 + kBucketMs, p).entered, 5) << p;
  }
  EXPECT_EQ(at(t0 + 2 * kBucketMs, "Billing").canceled, 10);
  EXPECT_EQ(at(t0 + 2 * kBucketMs, "Billing").backlog_change, -10);
  EXPECT_EQ(at(due, "Sales").overdue_change, 10);
  EXPECT_EQ(at(due, "Service").overdue_change, 10);
  EXPECT_EQ(cells.count(std::make_pair(due, std::string("Billing"))), 0u);  // back to 0: deleted
  sets.detach();
  agg.detach();
}

// Rows of every kind of value, bound as MultiInsert's callers bind them, in one statement over
// an array of the table's row type.
TEST_P(AggregatesStatementsTest, MultiInsertWritesEveryRowInOneStatement) {
  ASSERT_TRUE(db->exec("CREATE TABLE t (n bigint, s text, b bytea, d double precision, x bigint)").ok());
  CountingDatabase counting(*db);
  const std::vector<std::string> texts = {"", "NULL", "()", "quote \" and backslash \\ and (parens), {braces}, commas",
                                          " é ' ?1 "};
  const std::string bytes("\0\x01\xff\\x'\"(),", 10);
  MultiInsert insert("INSERT INTO t (n, s, b, d, x)", 5);
  sqlstore::Status s;
  ASSERT_TRUE(insert.run(counting, 40,
                         [&](sqlstore::Statement& st, std::size_t row, int first) {
                           st.bind_int64(first, static_cast<std::int64_t>(row) - 20);
                           st.bind_text_static(first + 1, texts[row % texts.size()]);
                           st.bind_blob(first + 2, row % 2 ? bytes : std::string());
                           st.bind_double(first + 3, 0.1 * static_cast<double>(row));
                           if (row % 3) st.bind_int64(first + 4, static_cast<std::int64_t>(row));
                           else st.bind_null(first + 4);
                         },
                         &s))
      << s.message;
  EXPECT_EQ(counting.runs, 2);  // the row type's columns checked (once), and the 40 rows
  auto read = db->prepare("SELECT n, s, b, d, x FROM t ORDER BY n", &s);
  for (std::size_t row = 0; row < 40; ++row) {
    ASSERT_EQ(read->step(&s), sqlstore::Step::Row) << s.message;
    EXPECT_EQ(read->column_int64(0), static_cast<std::int64_t>(row) - 20);
    EXPECT_EQ(read->column_text(1), texts[row % texts.size()]);
    EXPECT_FALSE(read->is_null(1));
    EXPECT_EQ(read->column_text(2), row % 2 ? bytes : std::string());
    EXPECT_EQ(read->column_double(3), 0.1 * static_cast<double>(row));
    EXPECT_EQ(read->is_null(4), row % 3 == 0);
  }
  EXPECT_EQ(read->step(&s), sqlstore::Step::Done);
  insert.clear();
  // Columns not in the row type's order would be read into each other's places: refused.
  MultiInsert swapped("INSERT INTO t (s, n, b, d, x)", 5);
  EXPECT_FALSE(swapped.run(*db, 1, [](sqlstore::Statement&, std::size_t, int) {}, &s));
  EXPECT_NE(s.message.find("are not the type's in its order (u.n, u.s, u.b, u.d, u.x)"), std::string::npos) << s.message;
}

INSTANTIATE_TEST_SUITE_P(Backends, AggregatesStatementsTest, ::testing::Values(Dialect::PostgreSQL),
                         sqlstore::testing::backend_name);

}  // namespace
}  // namespace iwd::history
