// The item table's container: chunks that never move.
#include <gtest/gtest.h>

#include <string>

#include "runtime/chunked_vector.h"

namespace iwd::runtime {
namespace {

TEST(ChunkedVector, ElementsStayWhereTheyAreAsItGrows) {
  ChunkedVector<std::string, 4> v;  // chunks of 16
  EXPECT_TRUE(v.empty());
  std::string* first = &v.emplace_back();
  *first = "first";
  for (int k = 1; k < 100; ++k) v.emplace_back() = std::to_string(k);
  EXPECT_EQ(v.size(), 100u);
  EXPECT_EQ(&v[0], first);  // not moved by six more chunks
  EXPECT_EQ(v[0], "first");
  EXPECT_EQ(v[16], "16");
  EXPECT_EQ(v[99], "99");
  const auto& cv = v;
  std::size_t n = 0;
  for (const std::string& s : cv) {
    EXPECT_EQ(s, n == 0 ? "first" : std::to_string(n));
    ++n;
  }
  EXPECT_EQ(n, 100u);
  EXPECT_TRUE(v.emplace_back().empty());  // a fresh element is default-constructed
}

}  // namespace
}  // namespace iwd::runtime
