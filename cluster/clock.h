// The steady clock a Node measures its leases on, injectable so that a test can move time by
// hand (a lease's deadline exactly at its ttl less a tenth, renewals every ttl/3).
#pragma once

#include <chrono>

namespace iwd::cluster {

class Clock {
 public:
  virtual ~Clock() = default;
  virtual std::chrono::steady_clock::time_point now() const = 0;
};

class SteadyClock final : public Clock {
 public:
  std::chrono::steady_clock::time_point now() const override { return std::chrono::steady_clock::now(); }
};

}  // namespace iwd::cluster
