// Time zones from the system tz database (TZif files, RFC 8536, under default_zoneinfo_dir()):
// UTC offsets in force at an instant, DST included, and the conversions between instants and
// local wall-clock readings.
//
// A TimeZone is immutable once loaded. find() loads each zone once and caches it for the life
// of the process (thread-safe); every query method is allocation-free and lock-free, so the
// interpreter and JIT-compiled rules may call them on their hot paths.
//
// TZif versions 1 to 4 are read; the 64-bit (v2+) data block is used when present. Instants
// after the last transition in the file follow the POSIX TZ rule of the file's footer
// (e.g. "CET-1CEST,M3.5.0,M10.5.0/3"), so offsets are right in any future year. Leap-second
// records are ignored (instants do not count leap seconds). Offsets are kept to the second
// (old local mean times such as +00:53:28); offset_minutes() rounds toward negative infinity.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "stdlib/time.h"

namespace iwd::stdlib {

// An interval of UTC seconds [begin, end) over which a zone's offset is constant.
// begin/end are kSpanMin/kSpanMax when unbounded.
struct OffsetSpan {
  std::int64_t begin = 0;  // UTC seconds since the epoch, inclusive
  std::int64_t end = 0;    // exclusive
  int offset_seconds = 0;  // UTC offset, east positive
};
inline constexpr std::int64_t kSpanMin = -(std::int64_t{1} << 60);
inline constexpr std::int64_t kSpanMax = std::int64_t{1} << 60;

class TimeZone {
 public:
  // The zone named `iana_name` ("Europe/Berlin"), loaded once and cached; nullptr when the name
  // is not a valid zone (see is_valid_time_zone) or its file cannot be read or parsed. "UTC"
  // always works, even without a tz database. The pointer stays valid for the process's life.
  // Takes a lock: call it when building things, not per event.
  static const TimeZone* find(std::string_view iana_name);

  // Parses the bytes of a TZif file (exposed for tests); an error on malformed data.
  static ParseResult<TimeZone> parse_tzif(std::string_view name, std::string_view bytes);

  const std::string& name() const { return name_; }

  // The UTC offset in force at `t`, east positive, DST included.
  int offset_seconds(Instant t) const;
  int offset_minutes(Instant t) const;

  // The span of constant offset that contains UTC second `t_seconds`.
  OffsetSpan span_at(std::int64_t t_seconds) const;

  // The local wall-clock reading of `t`.
  CivilDateTime to_local(Instant t) const;

  // Local milliseconds since 1970-01-01T00:00 local time of `t` (t + offset).
  std::int64_t local_ms(Instant t) const;

  // The instant at which the local clock shows `date` at `minute_of_day` (0..1440; 1440 is the
  // next day's midnight).
  //  - A local time that does not exist (a spring-forward gap) is moved forward by the length
  //    of the gap: it is read with the offset in force before the gap, so Europe/Berlin
  //    2026-03-29 02:30 gives 01:30Z, which the clock shows as 03:30.
  //  - A local time that occurs twice (a fall-back overlap) gives the earlier instant:
  //    Europe/Berlin 2026-10-25 02:30 gives 00:30Z (02:30 CEST), not 01:30Z (02:30 CET).
  Instant from_local(CivilDate date, int minute_of_day) const;
  // The same rule for a local reading in milliseconds since the local epoch.
  Instant from_local_ms(std::int64_t local_ms) const;

 private:
  struct Rule {  // one POSIX TZ date rule: Jn, n or Mm.w.d, at `time` seconds local
    char kind = 'M';  // 'J' (1..365, no Feb 29), 'N' (0..365), 'M'
    int month = 0, week = 0, wday = 0, day = 0;
    std::int64_t time = 7200;
  };
  struct Footer {
    bool present = false;
    bool has_dst = false;
    int std_offset = 0;  // east positive seconds
    int dst_offset = 0;
    Rule start, end;
  };
  static bool parse_footer(std::string_view tz, Footer& out);
  // UTC second of `rule` in `year`, when the clock before it shows offset `offset_before`.
  static std::int64_t rule_instant(const Rule& rule, std::int64_t year, int offset_before);
  OffsetSpan footer_span(std::int64_t t) const;

  std::string name_;
  std::vector<std::int64_t> transitions_;  // UTC seconds, ascending
  std::vector<int> offsets_;               // offset in force from transitions_[i]
  int initial_offset_ = 0;                 // before the first transition
  Footer footer_;
};

// The time functions of LANGUAGE.md section 4, in a zone.
int hour(Instant t, const TimeZone& zone);                 // 0..23
int minute(Instant t, const TimeZone& zone);               // 0..59
Weekday weekday(Instant t, const TimeZone& zone);
std::int64_t local_date(Instant t, const TimeZone& zone);  // days since 1970-01-01

}  // namespace iwd::stdlib
