// The simulation's random draws (simulate.cpp): uniform, exponential and normal draws of our
// own from mt19937_64's bits, handle times, and the arrivals of a Poisson process whose rate
// changes every 15 minutes.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <numbers>
#include <random>

#include "simulate/scenario.h"

namespace iwd::simulate {

// Our own draws from mt19937_64's bits: the standard distributions differ between libraries,
// and the same seed must give the same output everywhere.
class Random {
 public:
  explicit Random(std::uint64_t seed) : engine_(seed) {}
  double uniform() { return static_cast<double>(engine_() >> 11) * 0x1.0p-53; }  // [0, 1)
  double exponential(double mean) { return -std::log1p(-uniform()) * mean; }
  double normal() {  // Box-Muller, one of the pair
    const double u1 = 1.0 - uniform(), u2 = uniform();
    return std::sqrt(-2.0 * std::log(u1)) * std::cos(2.0 * std::numbers::pi * u2);
  }

 private:
  std::mt19937_64 engine_;
};

inline double handle_ms(const HandleTime& h, Random& rng) {
  switch (h.kind) {
    case HandleTime::Kind::Fixed: return h.mean_ms;
    case HandleTime::Kind::Exponential: return rng.exponential(h.mean_ms);
    case HandleTime::Kind::Lognormal: {
      const double s2 = std::log1p(h.spread * h.spread);
      return std::exp(std::log(h.mean_ms) - s2 / 2 + std::sqrt(s2) * rng.normal());
    }
  }
  return h.mean_ms;
}

// The next arrival after `t` (ms from the start) of a Poisson process whose rate is constant
// in each 15-minute interval: memoryless, so a draw that leaves its interval starts again at
// the next one's beginning with that one's rate. kNever past `end`.
inline constexpr std::int64_t kNever = INT64_MAX;
inline std::int64_t next_arrival(const Stream& s, double t, std::int64_t end, Random& rng, double* exact) {
  while (t < static_cast<double>(end)) {
    const auto k = static_cast<std::size_t>(t / kIntervalMs);
    const double rate = s.rates_per_hour[std::min(k, s.rates_per_hour.size() - 1)] / 3600'000.0;  // per ms
    const double boundary = static_cast<double>((k + 1) * kIntervalMs);
    if (rate > 0) {
      const double next = t + rng.exponential(1.0 / rate);
      if (next < boundary) {
        *exact = next;
        return next < static_cast<double>(end) ? static_cast<std::int64_t>(next) : kNever;
      }
    }
    t = boundary;
  }
  return kNever;
}

// Each stream draws from its own generator (seeded from the seed, the replication and the
// stream), in the same order whatever the agents do: its arrival instants, then each item's
// attributes and handle time. So the same scenario under other staffing or other rules sees the
// same items (common random numbers, for comparisons).
inline std::uint64_t splitmix64(std::uint64_t x) {
  x += 0x9e3779b97f4a7c15u;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9u;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebu;
  return x ^ (x >> 31);
}

}  // namespace iwd::simulate
