// Memory bounded by the open items, not by the items simulated: an item's id is the string
// pool's only while the item is open (released when the source completes it), so the pool's
// numbers stay within what the run holds at once however many items arrive.
#include "tests/unit/simulate/queueing.h"

namespace iwd::simulate {
namespace {

TEST(SimulateMemory, ThePoolHoldsTheOpenItemsIdsNotEveryItemSimulated) {
  auto l = testing::load(testing::one_queue_rules());
  ASSERT_TRUE(l);
  const std::uint32_t numbers = l->pool.size(), live = l->pool.live();
  // About 12,000 items in two replications, a few dozen open at once.
  const auto reps = l->run_scenario(R"({
  "streams": [{"name": "x", "rates": [1500], "handle": {"exponential": "1m"}}],
  "agents": [{"group": "a", "count": 40, "skills": {"s": 1}}],
  "run": {"length": "4h", "replications": 2, "seed": 5}
})");
  ASSERT_EQ(reps.size(), 2u);
  std::int64_t arrivals = 0, peak = 0;
  for (const Replication& r : reps) {
    arrivals += r.arrivals;
    peak = std::max(peak, r.peak_open);
  }
  ASSERT_GT(arrivals, 10'000);
  ASSERT_LT(peak, 200);
  // The agents' ids and a few names stay; of the items, only those still open at the end (the
  // run stops once every measured item was taken: some are still in hand).
  EXPECT_LE(l->pool.live() - live, 40u + static_cast<std::uint32_t>(peak) + 8u);
  // Numbers are reused (a released one once no reader may still view it): within twice what
  // the run holds at once, where every id ever seen would take more than 10,000.
  EXPECT_LE(l->pool.size() - numbers, 2 * (40u + static_cast<std::uint32_t>(peak) + 8u))
      << "peak open " << peak << ", arrivals " << arrivals;
}

}  // namespace
}  // namespace iwd::simulate
