// The stretch of time a business calendar's arithmetic is exact over (calendar.h), for the
// code that takes shortcuts through it (the interpreter's share of an SLA clock, the generated
// next priority change): one definition, stdlib/calendar.cpp's.
#pragma once

#include <cstdint>

#include "stdlib/calendar.h"
#include "stdlib/time.h"

namespace iwd::stdlib {

// business_time counts open time from 0000-01-01T00:00Z up to 10000-01-01T00:00Z only (the
// years parse_instant accepts); add_business counts open time outside them too.
inline constexpr std::int64_t kFirstCountedMs = -719528 * kMsPerDay;  // 0000-01-01T00:00Z
inline constexpr std::int64_t kEndCountedMs = 2932897 * kMsPerDay;    // 10000-01-01T00:00Z

// A span of elapsed time within which add_business always searches, from any instant: a year
// under kMaxSearchDays local days (a local day is at most a day and a few hours of UTC).
inline constexpr std::int64_t kWithinSearchMs = (kMaxSearchDays - 365) * kMsPerDay;

}  // namespace iwd::stdlib
