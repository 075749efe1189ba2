#include <limits>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "runtime/clock.h"

namespace iwd::runtime {
namespace {

using stdlib::Duration;
using stdlib::Instant;

constexpr Instant kStart{1'795'424'400'000};  // 2026-11-23T09:00:00Z

TEST(SystemClock, IsNearTheRealTime) {
  SystemClock clock;
  const Instant a = clock.now();
  const Instant b = clock.now();
  EXPECT_LE(a, b);
  EXPECT_GT(a.ms_since_epoch, 1'700'000'000'000);  // after November 2023
  const Clock& base = clock;
  EXPECT_LE(b, base.now());
}

TEST(SimulatedClock, StartsWhereTold) {
  SimulatedClock clock(kStart);
  EXPECT_EQ(clock.now(), kStart);
  EXPECT_EQ(clock.now(), kStart);  // does not move by itself
}

TEST(SimulatedClock, Advances) {
  SimulatedClock clock(kStart);
  EXPECT_TRUE(clock.advance(Duration::hours(1)));
  EXPECT_EQ(clock.now(), kStart + Duration::hours(1));
  EXPECT_TRUE(clock.advance(Duration{0}));
  EXPECT_EQ(clock.now(), kStart + Duration::hours(1));
  EXPECT_FALSE(clock.advance(Duration{-1}));
  EXPECT_EQ(clock.now(), kStart + Duration::hours(1));
  EXPECT_FALSE(clock.advance(Duration{std::numeric_limits<std::int64_t>::max()}));
  EXPECT_EQ(clock.now(), kStart + Duration::hours(1));
}

TEST(SimulatedClock, SetRefusesToGoBackwards) {
  SimulatedClock clock(kStart);
  EXPECT_TRUE(clock.set(kStart + Duration::days(1)));
  EXPECT_EQ(clock.now(), kStart + Duration::days(1));
  EXPECT_TRUE(clock.set(kStart + Duration::days(1)));  // same instant
  EXPECT_FALSE(clock.set(kStart));
  EXPECT_EQ(clock.now(), kStart + Duration::days(1));
}

TEST(SimulatedClock, ThroughTheInterface) {
  SimulatedClock sim(kStart);
  const Clock& clock = sim;
  sim.advance(Duration::seconds(30));
  EXPECT_EQ(clock.now(), kStart + Duration::seconds(30));
}

TEST(SimulatedClock, ConcurrentAdvancesAllCount) {
  SimulatedClock clock(kStart);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&clock] {
      for (int i = 0; i < 1000; ++i) clock.advance(Duration{1});
    });
  for (auto& th : threads) th.join();
  EXPECT_EQ(clock.now(), kStart + Duration{4000});
}

}  // namespace
}  // namespace iwd::runtime
