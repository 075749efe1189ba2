// stats/priorities.h against a std::multiset: random adds and removes of held values, from a
// few distinct priorities (all in the inline slots) to hundreds (most in the map), with
// values leaving the inline slots while others of them sit in the map; the range equal after
// every step.
#include "stats/priorities.h"

#include <gtest/gtest.h>

#include <iterator>
#include <random>
#include <set>

namespace iwd::stats {
namespace {

TEST(Priorities, RangeEqualsAMultisetsWithFewAndManyDistinctValues) {
  for (std::int64_t distinct : {2, 4, 5, 9, 300}) {
    std::mt19937_64 rng(static_cast<std::uint64_t>(distinct));
    Priorities p;
    std::multiset<std::int64_t> want;
    for (int step = 0; step < 50'000; ++step) {
      // Grow to a few hundred items, then drain, then mixed: values come and go in every slot.
      const bool add = want.empty() || (step < 20'000 ? rng() % 3 != 0 : step < 30'000 ? rng() % 3 == 0 : rng() % 2 == 0);
      if (add) {
        const std::int64_t v = 100 + 10 * static_cast<std::int64_t>(rng() % static_cast<std::uint64_t>(distinct)) - 500;
        p.add(v);
        want.insert(v);
      } else {
        auto it = want.begin();
        std::advance(it, static_cast<std::ptrdiff_t>(rng() % want.size()));
        p.remove(*it);
        want.erase(it);
      }
      ASSERT_EQ(p.empty(), want.empty()) << "step " << step;
      if (!want.empty()) {
        ASSERT_EQ(p.min(), *want.begin()) << "distinct " << distinct << " step " << step;
        ASSERT_EQ(p.max(), *want.rbegin()) << "distinct " << distinct << " step " << step;
      }
    }
  }
}

}  // namespace
}  // namespace iwd::stats
