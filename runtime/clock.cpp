#include "runtime/clock.h"

#include <chrono>

namespace iwd::runtime {

stdlib::Instant SystemClock::now() const {
  using namespace std::chrono;
  const auto since_epoch = floor<milliseconds>(system_clock::now().time_since_epoch());
  return stdlib::Instant{static_cast<std::int64_t>(since_epoch.count())};
}

stdlib::Instant SimulatedClock::now() const { return stdlib::Instant{now_.load(std::memory_order_acquire)}; }

bool SimulatedClock::advance(stdlib::Duration d) {
  if (d.ms < 0) return false;
  std::int64_t current = now_.load(std::memory_order_relaxed);
  std::int64_t next = 0;
  do {
    if (__builtin_add_overflow(current, d.ms, &next)) return false;
  } while (!now_.compare_exchange_weak(current, next, std::memory_order_acq_rel, std::memory_order_relaxed));
  return true;
}

bool SimulatedClock::set(stdlib::Instant t) {
  std::int64_t current = now_.load(std::memory_order_relaxed);
  do {
    if (t.ms_since_epoch < current) return false;
  } while (!now_.compare_exchange_weak(current, t.ms_since_epoch, std::memory_order_acq_rel,
                                       std::memory_order_relaxed));
  return true;
}

}  // namespace iwd::runtime
