// The waits of a simulation counted in buckets (simulate.cpp), so that a run's memory does not
// grow with the items simulated.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <map>

namespace iwd::simulate {

// Waits counted in buckets, so that memory does not grow with the items simulated: exact
// below 2048 ms, then 1024 buckets an octave (a percentile within 0.1% of the wait).
class WaitHistogram {
 public:
  void add(std::int64_t ms) {
    ++counts_[bucket(ms)];
    ++n_;
    sum_ += static_cast<double>(ms);
  }
  std::int64_t count() const { return n_; }
  double mean() const { return n_ ? sum_ / static_cast<double>(n_) : 0; }
  // The p-quantile (the ceil(p n)-th smallest wait), as its bucket's lower bound.
  double percentile(double p) const {
    if (n_ == 0) return 0;
    const auto rank = std::max<std::int64_t>(1, static_cast<std::int64_t>(std::ceil(p * static_cast<double>(n_))));
    std::int64_t seen = 0;
    for (const auto& [b, c] : counts_)
      if ((seen += c) >= rank) return static_cast<double>(lower_bound(b));
    return static_cast<double>(lower_bound(counts_.rbegin()->first));
  }

 private:
  static constexpr int kExactBits = 11, kSubBits = 10;
  static std::uint32_t bucket(std::int64_t ms) {
    const auto w = static_cast<std::uint64_t>(std::max<std::int64_t>(0, ms));
    if (w < (1u << kExactBits)) return static_cast<std::uint32_t>(w);
    const int e = 63 - __builtin_clzll(w);  // 11 and up
    const auto sub = static_cast<std::uint32_t>((w >> (e - kSubBits)) & ((1u << kSubBits) - 1));
    return (1u << kExactBits) + (static_cast<std::uint32_t>(e - kExactBits) << kSubBits) + sub;
  }
  static std::int64_t lower_bound(std::uint32_t b) {
    if (b < (1u << kExactBits)) return b;
    const std::uint32_t k = b - (1u << kExactBits);
    const int e = static_cast<int>(k >> kSubBits) + kExactBits;
    const std::uint64_t sub = k & ((1u << kSubBits) - 1);
    return static_cast<std::int64_t>((std::uint64_t{1} << e) | (sub << (e - kSubBits)));
  }
  std::map<std::uint32_t, std::int64_t> counts_;
  std::int64_t n_ = 0;
  double sum_ = 0;
};

}  // namespace iwd::simulate
