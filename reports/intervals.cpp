#include "reports/intervals.h"

#include <algorithm>
#include <cassert>

#include "stdlib/time.h"

namespace iwd::reports {

namespace s = iwd::stdlib;

s::ParseResult<IntervalKind> parse_interval(std::string_view text) {
  using R = s::ParseResult<IntervalKind>;
  if (text == "15m") return R::success(IntervalKind::Minutes15);
  if (text == "1h") return R::success(IntervalKind::Hour);
  if (text == "1d") return R::success(IntervalKind::Day);
  if (text == "1w") return R::success(IntervalKind::Week);
  if (text == "1mo") return R::success(IntervalKind::Month);
  return R::failure("unknown interval `" + std::string(text) + "` (expected 15m, 1h, 1d, 1w or 1mo)");
}

std::string_view interval_name(IntervalKind k) {
  switch (k) {
    case IntervalKind::Minutes15: return "15m";
    case IntervalKind::Hour: return "1h";
    case IntervalKind::Day: return "1d";
    case IntervalKind::Week: return "1w";
    case IntervalKind::Month: return "1mo";
  }
  return "?";
}

Intervals::Intervals(std::int64_t from, std::int64_t to, IntervalKind kind, const s::TimeZone& zone)
    : kind_(kind), zone_(&zone) {
  assert(from < to);
  bounds_.push_back(from);
  for (std::int64_t b = next_boundary(from); b < to; b = next_boundary(b)) bounds_.push_back(b);
  bounds_.push_back(to);
}

// The first boundary strictly after `t`.
std::int64_t Intervals::next_boundary(std::int64_t t) const {
  if (kind_ == IntervalKind::Minutes15 || kind_ == IntervalKind::Hour) {
    // Cut where the local clock reads a multiple of the width, with the offset in force at t:
    // the offset changes on such a boundary in every zone that matters here (DST moves whole
    // or half hours), and it is read again from each boundary.
    const std::int64_t width = kind_ == IntervalKind::Hour ? s::kMsPerHour : 15 * s::kMsPerMinute;
    const std::int64_t local = zone_->local_ms(s::Instant{t});
    std::int64_t next = t - s::floor_mod(local, width) + width;
    // A change of offset inside (t, next) (a zone whose offset is not a multiple of the width)
    // is a boundary too, so that no interval straddles two offsets.
    const s::OffsetSpan span = zone_->span_at(s::floor_div(t, s::kMsPerSecond));
    if (span.end != s::kSpanMax && span.end * s::kMsPerSecond > t)
      next = std::min(next, span.end * s::kMsPerSecond);
    return next;
  }
  const std::int64_t today = s::local_date(s::Instant{t}, *zone_);
  std::int64_t day = today + 1;
  if (kind_ == IntervalKind::Week) {
    const auto wd = static_cast<std::int64_t>(s::weekday_from_days(today));  // Mon = 0
    day = today + (7 - wd);
  } else if (kind_ == IntervalKind::Month) {
    s::CivilDate d = s::civil_from_days(today);
    d.day = 1;
    if (++d.month > 12) {
      d.month = 1;
      ++d.year;
    }
    day = s::days_from_civil(d);
  }
  return zone_->from_local(s::civil_from_days(day), 0).ms_since_epoch;
}

std::ptrdiff_t Intervals::index_of(std::int64_t at) const {
  if (at < bounds_.front() || at >= bounds_.back()) return -1;
  auto it = std::upper_bound(bounds_.begin(), bounds_.end(), at);
  return (it - bounds_.begin()) - 1;
}

std::string Intervals::label(std::size_t i) const {
  const s::Instant t{bounds_[i]};
  return s::format_instant(t, zone_->offset_minutes(t));
}

}  // namespace iwd::reports
