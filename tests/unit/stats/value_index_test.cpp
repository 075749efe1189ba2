// stats/value_index.h against a std::map: random values (small ints, interned-id-like ones,
// negatives, doubles' bit patterns), over enough of them that the table grows many times;
// every value keeps the cell it got first and a cell is made once per value.
#include "stats/value_index.h"

#include <gtest/gtest.h>

#include <bit>
#include <map>
#include <random>

namespace iwd::stats {
namespace {

TEST(ValueIndex, EachValueKeepsTheCellItGotFirstAcrossGrowth) {
  std::mt19937_64 rng(15);
  ValueIndex index;
  std::map<std::int64_t, std::uint32_t> want;
  std::uint32_t made = 0;
  for (int n = 0; n < 200'000; ++n) {
    std::int64_t v = 0;
    switch (rng() % 4) {
      case 0: v = static_cast<std::int64_t>(rng() % 64); break;                      // an enum index, a bool
      case 1: v = static_cast<std::int64_t>(rng() % 50'000) << 20; break;            // low bits all zero
      case 2: v = -static_cast<std::int64_t>(rng() % 1000); break;
      default: v = std::bit_cast<std::int64_t>(static_cast<double>(rng() % 5000) / 4); break;
    }
    bool fresh = false;
    const std::uint32_t cell = index.find_or_add(v, [&] {
      fresh = true;
      return made++;
    });
    const auto [it, inserted] = want.try_emplace(v, cell);
    ASSERT_EQ(fresh, inserted) << "value " << v;
    ASSERT_EQ(cell, it->second) << "value " << v;
  }
  EXPECT_EQ(made, want.size());
  EXPECT_GT(made, 30'000u);  // the table grew to 2^17 slots
}

}  // namespace
}  // namespace iwd::stats
