// sqlstore::ColumnArrays: rows gathered in arrays, written by one statement on PostgreSQL, come
// back as they were given, whatever their bytes.
#include "sqlstore/column_arrays.h"

#include <gtest/gtest.h>

#include <limits>

#include "tests/unit/sqlstore/backend.h"

namespace iwd::sqlstore::testing {
namespace {

class ColumnArraysTest : public BackendTest {};

TEST_P(ColumnArraysTest, RowsOfEveryKindWrittenByOneStatementComeBackAsGiven) {
  ASSERT_TRUE(db->exec("CREATE TABLE t (n bigint, i bigint, s text, b bytea)").ok());
  const std::string bytes("\0\x01\xff\\x'\"{},", 10);
  const std::vector<std::string> texts = {"", "NULL", "quote \" and backslash \\ and {braces}, commas", "é ' ?1",
                                          " spaces "};
  ColumnArrays rows(4);
  for (std::size_t k = 0; k < texts.size(); ++k)
    rows.int64(static_cast<std::int64_t>(k)).int64(std::numeric_limits<std::int64_t>::min() + static_cast<std::int64_t>(k))
        .text(texts[k]).bytes(k == 0 ? std::string() : bytes);
  rows.int64(99).null().null().null();
  EXPECT_EQ(rows.rows(), texts.size() + 1);
  Status s;
  auto insert = db->prepare("INSERT INTO t SELECT * FROM unnest(?1::bigint[], ?2::bigint[], ?3::text[], ?4::bytea[])", &s);
  ASSERT_TRUE(insert) << s.message;
  rows.bind(*insert);
  ASSERT_EQ(insert->step(&s), Step::Done) << s.message;
  EXPECT_EQ(insert->changes(), static_cast<std::int64_t>(texts.size() + 1));

  auto read = db->prepare("SELECT n, i, s, b FROM t ORDER BY n", &s);
  for (std::size_t k = 0; k < texts.size(); ++k) {
    ASSERT_EQ(read->step(&s), Step::Row) << s.message;
    EXPECT_EQ(read->column_int64(0), static_cast<std::int64_t>(k));
    EXPECT_EQ(read->column_int64(1), std::numeric_limits<std::int64_t>::min() + static_cast<std::int64_t>(k));
    EXPECT_EQ(read->column_text(2), texts[k]);
    EXPECT_EQ(read->column_text(3), k == 0 ? std::string() : bytes);
    EXPECT_FALSE(read->is_null(2));
  }
  ASSERT_EQ(read->step(&s), Step::Row) << s.message;
  EXPECT_TRUE(read->is_null(1) && read->is_null(2) && read->is_null(3));
  EXPECT_EQ(read->step(&s), Step::Done);

  // Cleared, the arrays start again (empty arrays insert nothing).
  rows.clear();
  EXPECT_TRUE(rows.empty());
  insert->reset();
  rows.bind(*insert);
  ASSERT_EQ(insert->step(&s), Step::Done) << s.message;
  EXPECT_EQ(insert->changes(), 0);
}

INSTANTIATE_TEST_SUITE_P(Backends, ColumnArraysTest, ::testing::Values(Dialect::PostgreSQL), backend_name);

}  // namespace
}  // namespace iwd::sqlstore::testing
