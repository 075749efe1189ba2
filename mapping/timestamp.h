// A source's timestamps read into instants (docs/sources.md, "Timestamps"): a source posts
// dates the way it stores them ("31/12/2026 17:00" in Europe/Berlin, "2026-11-23T14:05:00.000+0000",
// 1795000000), the rules expect ISO 8601 instants (`due_at`, `activate_at`, instant attributes).
#pragma once

#include <nlohmann/json.hpp>

#include <optional>
#include <string>
#include <vector>

#include "stdlib/result.h"
#include "stdlib/time.h"
#include "stdlib/tz.h"

namespace iwd::mapping {

class TimeFormat {
 public:
  // `spec` is "iso8601" (an offset or Z required), "epoch_seconds", "epoch_ms" (a number or a
  // string of digits), or a pattern of strftime-like directives: %Y %y %m %d %H %I %M %S %f
  // (fraction digits) %p (AM/PM) %b (Jan..Dec) %z (Z, +01:00, +0100, +01) %T (%H:%M:%S)
  // %F (%Y-%m-%d) %%; any other character matches itself. A pattern without %z reads the
  // wall clock of `zone` (an IANA name), which it then needs. nullopt and *error (a sentence
  // naming the problem) when the spec or the zone is not usable.
  static std::optional<TimeFormat> make(const std::string& spec, const std::string& zone, std::string* error);

  // The instant `v` stands for, or a sentence saying why `v` does not match.
  stdlib::ParseResult<stdlib::Instant> read(const nlohmann::json& v) const;
  const std::string& spec() const { return spec_; }

 private:
  enum class Kind { Iso8601, EpochSeconds, EpochMs, Pattern };
  stdlib::ParseResult<stdlib::Instant> read_pattern(const std::string& text) const;

  Kind kind_ = Kind::Iso8601;
  std::string spec_;
  std::string pattern_;  // %T and %F spelled out
  const stdlib::TimeZone* zone_ = nullptr;
};

}  // namespace iwd::mapping
