// TZif reader, POSIX TZ footer rules and local-time conversions (see tz.h).
#include "stdlib/tz.h"

#include <algorithm>
#include <array>
#include <fstream>
#include <map>
#include <memory>
#include <mutex>
#include <sstream>

#include "stdlib/time_zone.h"

namespace iwd::stdlib {
namespace {

constexpr std::int64_t kSecondsPerDay = 86400;

std::uint32_t be32(const unsigned char* p) {
  return (std::uint32_t{p[0]} << 24) | (std::uint32_t{p[1]} << 16) | (std::uint32_t{p[2]} << 8) | std::uint32_t{p[3]};
}
std::int64_t be64(const unsigned char* p) {
  const std::uint64_t v = (std::uint64_t{be32(p)} << 32) | be32(p + 4);
  return static_cast<std::int64_t>(v);
}

struct Header {
  std::uint32_t isutcnt = 0, isstdcnt = 0, leapcnt = 0, timecnt = 0, typecnt = 0, charcnt = 0;
  char version = 0;
};

bool read_header(std::string_view bytes, std::size_t at, Header& h) {
  if (bytes.size() < at + 44 || bytes.substr(at, 4) != "TZif") return false;
  const auto* p = reinterpret_cast<const unsigned char*>(bytes.data() + at);
  h.version = bytes[at + 4];
  h.isutcnt = be32(p + 20);
  h.isstdcnt = be32(p + 24);
  h.leapcnt = be32(p + 28);
  h.timecnt = be32(p + 32);
  h.typecnt = be32(p + 36);
  h.charcnt = be32(p + 40);
  return h.typecnt > 0 && h.typecnt <= 256 && h.timecnt <= 1'000'000 && h.charcnt <= 1'000'000 &&
         h.leapcnt <= 1'000'000 && h.isutcnt <= 256 && h.isstdcnt <= 256;
}

std::size_t block_size(const Header& h, std::size_t time_size) {
  return std::size_t{h.timecnt} * time_size + h.timecnt + std::size_t{h.typecnt} * 6 + h.charcnt +
         std::size_t{h.leapcnt} * (time_size + 4) + h.isstdcnt + h.isutcnt;
}

// A POSIX TZ string cursor.
struct Cursor {
  std::string_view s;
  std::size_t i = 0;
  bool at_end() const { return i >= s.size(); }
  char peek() const { return at_end() ? '\0' : s[i]; }
  bool eat(char c) {
    if (peek() != c) return false;
    ++i;
    return true;
  }
  bool number(int& out, int max) {
    if (at_end() || s[i] < '0' || s[i] > '9') return false;
    int v = 0;
    while (!at_end() && s[i] >= '0' && s[i] <= '9') {
      v = v * 10 + (s[i] - '0');
      if (v > max) return false;
      ++i;
    }
    out = v;
    return true;
  }
  bool name() {
    if (eat('<')) {
      while (!at_end() && s[i] != '>') ++i;
      return eat('>');
    }
    const std::size_t start = i;
    while (!at_end() && ((s[i] >= 'A' && s[i] <= 'Z') || (s[i] >= 'a' && s[i] <= 'z'))) ++i;
    return i - start >= 3;
  }
  // [+-]hh[:mm[:ss]] in seconds.
  bool hms(std::int64_t& out, int max_hours) {
    int sign = 1;
    if (eat('-')) sign = -1;
    else eat('+');
    int h = 0, m = 0, sec = 0;
    if (!number(h, max_hours)) return false;
    if (eat(':')) {
      if (!number(m, 59)) return false;
      if (eat(':') && !number(sec, 59)) return false;
    }
    out = sign * (std::int64_t{h} * 3600 + m * 60 + sec);
    return true;
  }
};

}  // namespace

bool TimeZone::parse_footer(std::string_view tz, Footer& out) {
  Cursor c{tz};
  out = Footer{};
  if (!c.name()) return false;
  std::int64_t std_west = 0;
  if (!c.hms(std_west, 24)) return false;
  out.present = true;
  out.std_offset = static_cast<int>(-std_west);
  out.dst_offset = out.std_offset;
  if (c.at_end()) return true;
  if (!c.name()) return false;
  out.has_dst = true;
  out.dst_offset = out.std_offset + 3600;
  if (c.peek() != ',' && !c.at_end()) {
    std::int64_t dst_west = 0;
    if (!c.hms(dst_west, 24)) return false;
    out.dst_offset = static_cast<int>(-dst_west);
  }
  auto rule = [&](Rule& r) {
    if (c.eat('J')) {
      r.kind = 'J';
      if (!c.number(r.day, 365) || r.day < 1) return false;
    } else if (c.eat('M')) {
      r.kind = 'M';
      if (!c.number(r.month, 12) || r.month < 1 || !c.eat('.') || !c.number(r.week, 5) || r.week < 1 ||
          !c.eat('.') || !c.number(r.wday, 6))
        return false;
    } else {
      r.kind = 'N';
      if (!c.number(r.day, 365)) return false;
    }
    r.time = 7200;
    if (c.eat('/') && !c.hms(r.time, 167)) return false;
    return true;
  };
  if (c.at_end()) {  // POSIX default: the US rules of 2007
    out.start = Rule{'M', 3, 2, 0, 0, 7200};
    out.end = Rule{'M', 11, 1, 0, 0, 7200};
    return true;
  }
  if (!c.eat(',') || !rule(out.start) || !c.eat(',') || !rule(out.end)) return false;
  return c.at_end();
}

std::int64_t TimeZone::rule_instant(const Rule& r, std::int64_t year, int offset_before) {
  std::int64_t day = 0;
  if (r.kind == 'J') {
    int n = r.day;  // 1..365, February 29 never counted
    if (is_leap_year(year) && n >= 60) ++n;
    day = days_from_civil(year, 1, 1) + n - 1;
  } else if (r.kind == 'N') {
    day = days_from_civil(year, 1, 1) + r.day;
  } else {
    const std::int64_t first = days_from_civil(year, r.month, 1);
    const int first_wday = (static_cast<int>(weekday_from_days(first)) + 1) % 7;  // Sunday = 0
    int dom = 1 + (r.wday - first_wday + 7) % 7 + (r.week - 1) * 7;
    const int dim = days_in_month(year, r.month);
    while (dom > dim) dom -= 7;
    day = first + dom - 1;
  }
  return day * kSecondsPerDay + r.time - offset_before;
}

OffsetSpan TimeZone::footer_span(std::int64_t t) const {
  if (!footer_.has_dst) return {kSpanMin, kSpanMax, footer_.std_offset};
  const std::int64_t year = civil_from_days(floor_div(t + footer_.std_offset, kSecondsPerDay)).year;
  struct Event {
    std::int64_t at;
    int offset;
  };
  std::array<Event, 6> ev{};
  std::size_t n = 0;
  for (std::int64_t y = year - 1; y <= year + 1; ++y) {
    ev[n++] = {rule_instant(footer_.start, y, footer_.std_offset), footer_.dst_offset};
    ev[n++] = {rule_instant(footer_.end, y, footer_.dst_offset), footer_.std_offset};
  }
  std::sort(ev.begin(), ev.end(), [](const Event& a, const Event& b) { return a.at < b.at; });
  // Before the first event the other offset was in force (not reached: t is after the
  // events of the year before its own).
  OffsetSpan out{kSpanMin, ev[0].at, ev[0].offset == footer_.dst_offset ? footer_.std_offset : footer_.dst_offset};
  for (std::size_t i = 0; i < ev.size(); ++i) {
    if (ev[i].at <= t) out = {ev[i].at, i + 1 < ev.size() ? ev[i + 1].at : kSpanMax, ev[i].offset};
  }
  return out;
}

ParseResult<TimeZone> TimeZone::parse_tzif(std::string_view name, std::string_view bytes) {
  using R = ParseResult<TimeZone>;
  Header h;
  if (!read_header(bytes, 0, h)) return R::failure("not a TZif file");
  std::size_t at = 44;
  std::size_t time_size = 4;
  if (h.version >= '2') {
    at += block_size(h, 4);
    if (!read_header(bytes, at, h)) return R::failure("bad TZif v2+ header");
    at += 44;
    time_size = 8;
  }
  if (bytes.size() < at + block_size(h, time_size)) return R::failure("truncated TZif data");
  const auto* p = reinterpret_cast<const unsigned char*>(bytes.data() + at);
  TimeZone z;
  z.name_ = std::string(name);
  z.transitions_.resize(h.timecnt);
  for (std::size_t i = 0; i < h.timecnt; ++i) {
    z.transitions_[i] = time_size == 8 ? be64(p + i * 8) : static_cast<std::int32_t>(be32(p + i * 4));
  }
  p += std::size_t{h.timecnt} * time_size;
  std::vector<int> type_index(h.timecnt);
  for (std::size_t i = 0; i < h.timecnt; ++i) type_index[i] = p[i];
  p += h.timecnt;
  std::vector<int> type_offset(h.typecnt);
  for (std::size_t i = 0; i < h.typecnt; ++i) {
    type_offset[i] = static_cast<std::int32_t>(be32(p + i * 6));
    if (type_offset[i] <= -26 * 3600 || type_offset[i] >= 26 * 3600) return R::failure("UTC offset out of range");
  }
  z.offsets_.resize(h.timecnt);
  for (std::size_t i = 0; i < h.timecnt; ++i) {
    if (static_cast<std::uint32_t>(type_index[i]) >= h.typecnt) return R::failure("bad local time type index");
    z.offsets_[i] = type_offset[static_cast<std::size_t>(type_index[i])];
    if (i > 0 && z.transitions_[i] <= z.transitions_[i - 1]) return R::failure("transitions out of order");
  }
  z.initial_offset_ = type_offset[0];
  at += block_size(h, time_size);
  if (time_size == 8 && at < bytes.size() && bytes[at] == '\n') {
    const std::size_t end = bytes.find('\n', at + 1);
    if (end != std::string_view::npos && end > at + 1) {
      if (!parse_footer(bytes.substr(at + 1, end - at - 1), z.footer_)) return R::failure("bad TZ footer");
    }
  }
  return R::success(std::move(z));
}

const TimeZone* TimeZone::find(std::string_view iana_name) {
  static std::mutex mutex;
  static std::map<std::string, std::unique_ptr<TimeZone>, std::less<>> cache;
  const std::lock_guard<std::mutex> lock(mutex);
  if (auto it = cache.find(iana_name); it != cache.end()) return it->second.get();
  std::unique_ptr<TimeZone> zone;
  if (is_valid_time_zone(iana_name)) {
    std::ifstream in(default_zoneinfo_dir() / std::string(iana_name), std::ios::binary);
    if (in) {
      std::ostringstream buf;
      buf << in.rdbuf();
      auto parsed = parse_tzif(iana_name, buf.str());
      if (parsed.ok()) zone = std::make_unique<TimeZone>(std::move(parsed.value));
    }
  }
  if (!zone && iana_name == "UTC") {
    zone = std::make_unique<TimeZone>();
    zone->name_ = "UTC";
  }
  if (!zone) return nullptr;  // unknown names are not cached: the cache holds only real zones
  return cache.emplace(std::string(iana_name), std::move(zone)).first->second.get();
}

OffsetSpan TimeZone::span_at(std::int64_t t) const {
  if (transitions_.empty()) {
    if (footer_.present) return footer_span(t);
    return {kSpanMin, kSpanMax, initial_offset_};
  }
  const auto it = std::upper_bound(transitions_.begin(), transitions_.end(), t);
  if (it == transitions_.begin()) return {kSpanMin, transitions_.front(), initial_offset_};
  const auto i = static_cast<std::size_t>(it - transitions_.begin() - 1);
  if (i + 1 < transitions_.size()) return {transitions_[i], transitions_[i + 1], offsets_[i]};
  if (!footer_.present) return {transitions_[i], kSpanMax, offsets_[i]};
  OffsetSpan s = footer_span(t);
  s.begin = std::max(s.begin, transitions_[i]);
  return s;
}

int TimeZone::offset_seconds(Instant t) const { return span_at(floor_div(t.ms_since_epoch, kMsPerSecond)).offset_seconds; }

int TimeZone::offset_minutes(Instant t) const { return static_cast<int>(floor_div(offset_seconds(t), 60)); }

std::int64_t TimeZone::local_ms(Instant t) const {
  return t.ms_since_epoch + std::int64_t{offset_seconds(t)} * kMsPerSecond;
}

CivilDateTime TimeZone::to_local(Instant t) const { return civil_from_instant(Instant{local_ms(t)}, 0); }

Instant TimeZone::from_local_ms(std::int64_t local) const {
  const std::int64_t ls = floor_div(local, kMsPerSecond);
  const std::int64_t rem = local - ls * kMsPerSecond;
  // Offsets lie within ±26 h, so every instant showing `local` lies within ±30 h of it.
  constexpr std::int64_t kWindow = 30 * 3600;
  std::int64_t t = ls - kWindow;
  bool have_prev = false;
  OffsetSpan prev{};
  for (int guard = 0; guard < 64 && t < ls + kWindow; ++guard) {
    const OffsetSpan s = span_at(t);
    if (have_prev && s.begin + prev.offset_seconds <= ls && ls < s.begin + s.offset_seconds) {
      // In the gap that opened at s.begin: read with the offset before it.
      return Instant{(ls - prev.offset_seconds) * kMsPerSecond + rem};
    }
    const std::int64_t c = ls - s.offset_seconds;
    if (c >= s.begin && c < s.end) return Instant{c * kMsPerSecond + rem};  // earliest match
    if (s.end >= kSpanMax) break;
    prev = s;
    have_prev = true;
    t = s.end;
  }
  return Instant{(ls - offset_seconds(Instant{ls * kMsPerSecond})) * kMsPerSecond + rem};  // not reached
}

Instant TimeZone::from_local(CivilDate date, int minute_of_day) const {
  return from_local_ms(days_from_civil(date) * kMsPerDay + std::int64_t{minute_of_day} * kMsPerMinute);
}

int hour(Instant t, const TimeZone& zone) {
  return static_cast<int>(floor_mod(zone.local_ms(t), kMsPerDay) / kMsPerHour);
}
int minute(Instant t, const TimeZone& zone) {
  return static_cast<int>(floor_mod(zone.local_ms(t), kMsPerHour) / kMsPerMinute);
}
Weekday weekday(Instant t, const TimeZone& zone) { return weekday_from_days(local_date(t, zone)); }
std::int64_t local_date(Instant t, const TimeZone& zone) { return floor_div(zone.local_ms(t), kMsPerDay); }

}  // namespace iwd::stdlib
