// The measures of one scope as a simulation runs (simulate.cpp): waits, arrivals, and the
// area under the number waiting, over the measured window and each 15 minutes.
#pragma once

#include <algorithm>
#include <cstdint>
#include <vector>

#include "simulate/histogram.h"
#include "simulate/scenario.h"
#include "simulate/simulate.h"

namespace iwd::simulate {

// The measures of one scope (every item, or one process's) as the run goes.
class Tally {
 public:
  // The area under the number waiting over the window [from, to), up to `at`.
  // With `intervals`, also the area in each 15-minute interval from the start up to `to`.
  void advance(std::int64_t at, std::int64_t from, std::int64_t to, std::vector<double>* intervals = nullptr) {
    const std::int64_t a = std::max(last_, from), b = std::min(at, to);
    if (b > a) area_ += static_cast<double>(waiting_) * static_cast<double>(b - a);
    for (std::int64_t t = last_, end = std::min(at, to); intervals && waiting_ > 0 && t < end;) {
      const auto k = static_cast<std::size_t>(t / kIntervalMs);
      const std::int64_t next = std::min<std::int64_t>(end, static_cast<std::int64_t>(k + 1) * kIntervalMs);
      if (intervals->size() <= k) intervals->resize(k + 1, 0.0);
      (*intervals)[k] += static_cast<double>(waiting_) * static_cast<double>(next - t);
      t = next;
    }
    last_ = std::max(last_, at);
  }
  void arrive(bool measured) {
    ++waiting_;
    arrivals_ += measured ? 1 : 0;
  }
  void taken(std::int64_t wait, bool measured, std::int64_t answer_within) {
    --waiting_;
    if (!measured) return;
    waits_.add(wait);
    waited_ += wait > 0 ? 1 : 0;
    within_ += wait <= answer_within ? 1 : 0;
  }
  Measures summary(double window_s) const {
    Measures m;
    m.arrivals = arrivals_;
    m.waited = waited_;
    m.answered_within = within_;
    m.mean_wait_s = waits_.mean() / 1000;
    m.p50_s = waits_.percentile(0.50) / 1000;
    m.p90_s = waits_.percentile(0.90) / 1000;
    m.p95_s = waits_.percentile(0.95) / 1000;
    m.p99_s = waits_.percentile(0.99) / 1000;
    m.little_l = area_ / 1000 / window_s;
    m.little_lambda = static_cast<double>(arrivals_) / window_s;
    m.little_w_s = m.mean_wait_s;
    return m;
  }

 private:
  WaitHistogram waits_;
  std::int64_t arrivals_ = 0, waited_ = 0, within_ = 0, waiting_ = 0, last_ = 0;
  double area_ = 0;
};

}  // namespace iwd::simulate
