// The report intervals: a range [from, to) cut at the wall-clock boundaries of a time zone
// (every 15 minutes, hour, local midnight, Monday or first of the month), so that a report
// reads "09:00-09:15 Berlin time" whatever the offset and the daylight-saving changes.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "stdlib/result.h"
#include "stdlib/tz.h"

namespace iwd::reports {

enum class IntervalKind : std::uint8_t { Minutes15, Hour, Day, Week, Month };
// "15m", "1h", "1d", "1w", "1mo"; an error lists the accepted spellings.
stdlib::ParseResult<IntervalKind> parse_interval(std::string_view text);
std::string_view interval_name(IntervalKind k);

class Intervals {
 public:
  // [from, to) in ms since the epoch (from < to). The first interval starts at `from` and
  // the last ends at `to`, even when they are not on a boundary (a partial interval).
  // 15m and 1h boundaries are where the local clock shows a multiple of the width: with a
  // fall-back the repeated hour is two intervals (labelled with their two offsets), with a
  // spring-forward the skipped one is none. Days, weeks (Monday) and months start at local
  // midnight, so a day may last 23 or 25 hours.
  Intervals(std::int64_t from, std::int64_t to, IntervalKind kind, const stdlib::TimeZone& zone);

  std::size_t size() const { return bounds_.size() - 1; }
  std::int64_t begin(std::size_t i) const { return bounds_[i]; }
  std::int64_t end(std::size_t i) const { return bounds_[i + 1]; }
  std::int64_t from() const { return bounds_.front(); }
  std::int64_t to() const { return bounds_.back(); }
  // The interval holding `at`, or -1 outside [from, to).
  std::ptrdiff_t index_of(std::int64_t at) const;
  // The interval's start as the local clock shows it, with its offset:
  // `2026-03-29T03:00:00+02:00`.
  std::string label(std::size_t i) const;

 private:
  std::int64_t next_boundary(std::int64_t t) const;

  IntervalKind kind_;
  const stdlib::TimeZone* zone_;
  std::vector<std::int64_t> bounds_;  // from, the boundaries strictly between, to
};

}  // namespace iwd::reports
