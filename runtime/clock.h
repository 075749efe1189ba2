// Where the runtime gets the current time from: the system clock in production, a
// simulated clock in tests and replays.
#pragma once

#include <atomic>
#include <cstdint>

#include "stdlib/time.h"

namespace iwd::runtime {

class Clock {
 public:
  virtual ~Clock() = default;
  // The current instant, millisecond precision.
  virtual stdlib::Instant now() const = 0;
};

// Real time (std::chrono::system_clock), truncated to the millisecond.
class SystemClock final : public Clock {
 public:
  stdlib::Instant now() const override;
};

// A clock that moves only when told to, and never backwards. Safe to read from several
// threads while one thread moves it.
class SimulatedClock final : public Clock {
 public:
  explicit SimulatedClock(stdlib::Instant start) : now_(start.ms_since_epoch) {}

  stdlib::Instant now() const override;

  // Moves forward by `d`; false (and no change) when `d` is negative or would overflow.
  bool advance(stdlib::Duration d);
  // Moves to `t`; false (and no change) when `t` is before now. Setting to now is allowed.
  bool set(stdlib::Instant t);

 private:
  std::atomic<std::int64_t> now_;
};

}  // namespace iwd::runtime
