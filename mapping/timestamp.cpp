#include "mapping/timestamp.h"

#include <fmt/format.h>

#include <cctype>
#include <cmath>
#include <string_view>

namespace iwd::mapping {

using json = nlohmann::json;
using stdlib::Instant;
using Result = stdlib::ParseResult<Instant>;

namespace {

// Instants from year 0000 to 9999, as parse_instant() reads them.
constexpr double kMinMs = -62'167'219'200'000.0, kMaxMs = 253'402'300'799'999.0;

constexpr std::string_view kMonths[] = {"jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"};

// The wall clock and offset a pattern read; -1: not given.
struct Fields {
  std::int64_t year = -1;
  int month = -1, day = -1, hour = 0, hour12 = -1, minute = 0, second = 0, ms = 0;
  int pm = -1;  // %p: 0 AM, 1 PM
  std::optional<int> offset_minutes;
};

// Up to `max` digits (at least `min`) at text[*at]; -1 when there are fewer than `min`.
std::int64_t digits(std::string_view text, std::size_t* at, int min, int max, int* count = nullptr) {
  std::int64_t v = 0;
  int n = 0;
  while (n < max && *at < text.size() && std::isdigit(static_cast<unsigned char>(text[*at]))) {
    v = v * 10 + (text[(*at)++] - '0');
    ++n;
  }
  if (count) *count = n;
  return n < min ? -1 : v;
}

// What a directive reads, for errors.
std::string_view directive_name(char c) {
  switch (c) {
    case 'Y': case 'y': return "year";
    case 'm': case 'b': return "month";
    case 'd': return "day";
    case 'H': case 'I': return "hour";
    case 'M': return "minute";
    case 'S': return "second";
    case 'f': return "fraction";
    case 'p': return "AM/PM";
    default: return "offset";  // 'z'
  }
}

std::string range(const char* what, std::int64_t v, int lo, int hi) {
  return fmt::format("{} {} is out of range ({}..{})", what, v, lo, hi);
}

}  // namespace

std::optional<TimeFormat> TimeFormat::make(const std::string& spec, const std::string& zone, std::string* error) {
  TimeFormat f;
  f.spec_ = spec;
  if (spec == "iso8601" || spec == "epoch_seconds" || spec == "epoch_ms") {
    f.kind_ = spec == "iso8601" ? Kind::Iso8601 : spec == "epoch_seconds" ? Kind::EpochSeconds : Kind::EpochMs;
    if (!zone.empty()) return *error = fmt::format("`{}` carries its own offset: no zone", spec), std::nullopt;
    return f;
  }
  f.kind_ = Kind::Pattern;
  bool date[3] = {false, false, false}, has_zone = false, hour24 = false, hour12 = false, ampm = false;
  for (std::size_t k = 0; k < spec.size(); ++k) {
    if (spec[k] != '%') {
      f.pattern_ += spec[k];
      continue;
    }
    if (++k == spec.size()) return *error = fmt::format("format \"{}\" ends in a lone `%`", spec), std::nullopt;
    const char c = spec[k];
    if (c == 'T') f.pattern_ += "%H:%M:%S", hour24 = true;
    else if (c == 'F') f.pattern_ += "%Y-%m-%d", date[0] = date[1] = date[2] = true;
    else if (std::string_view("YymdHIMSfpbz%").find(c) == std::string_view::npos)
      return *error = fmt::format("format \"{}\": `%{}` is not a directive (%Y %y %m %d %H %I %M %S %f %p %b %z %T %F %%)", spec, c),
             std::nullopt;
    else f.pattern_ += '%', f.pattern_ += c;
    date[0] |= c == 'Y' || c == 'y';
    date[1] |= c == 'm' || c == 'b';
    date[2] |= c == 'd';
    has_zone |= c == 'z';
    hour24 |= c == 'H';
    hour12 |= c == 'I';
    ampm |= c == 'p';
  }
  if (!date[0] || !date[1] || !date[2])
    return *error = fmt::format("format \"{}\" needs a year (%Y or %y), a month (%m or %b) and a day (%d)", spec), std::nullopt;
  if (hour12 != ampm) return *error = fmt::format("format \"{}\": %I (12-hour clock) goes with %p (AM/PM)", spec), std::nullopt;
  if (hour12 && hour24) return *error = fmt::format("format \"{}\" gives the hour twice (%H and %I)", spec), std::nullopt;
  if (has_zone && !zone.empty())
    return *error = fmt::format("format \"{}\" reads the offset (%z): no zone", spec), std::nullopt;
  if (!has_zone) {
    if (zone.empty())
      return *error = fmt::format("format \"{}\" has no offset (%z): give the `zone` its wall clock is read in", spec), std::nullopt;
    f.zone_ = stdlib::TimeZone::find(zone);
    if (!f.zone_) return *error = fmt::format("`{}` is not a time zone of the tz database (e.g. \"Europe/Berlin\", \"UTC\")", zone), std::nullopt;
  }
  return f;
}

Result TimeFormat::read(const json& v) const {
  if (kind_ == Kind::EpochSeconds || kind_ == Kind::EpochMs) {
    double n = 0;
    if (v.is_number()) {
      n = v.get<double>();
    } else if (v.is_string() && !v.get_ref<const std::string&>().empty() &&
               v.get_ref<const std::string&>().find_first_not_of("0123456789") == std::string::npos &&
               v.get_ref<const std::string&>().size() <= 16) {
      n = std::stod(v.get<std::string>());
    } else {
      return Result::failure(fmt::format("expected {} (a number)", kind_ == Kind::EpochMs ? "milliseconds" : "seconds"));
    }
    const double ms = std::round(kind_ == Kind::EpochMs ? n : n * 1000);
    if (!(ms >= kMinMs && ms <= kMaxMs)) return Result::failure("the instant is outside the years 0000 to 9999");
    return Result::success(Instant{static_cast<std::int64_t>(ms)});
  }
  if (!v.is_string()) return Result::failure("expected a string");
  if (kind_ == Kind::Iso8601) {
    auto t = stdlib::parse_instant(v.get_ref<const std::string&>());
    if (!t.ok()) return Result::failure(t.error);
    return Result::success(t.value.instant);
  }
  return read_pattern(v.get_ref<const std::string&>());
}

Result TimeFormat::read_pattern(const std::string& text) const {
  Fields f;
  std::size_t at = 0;
  auto number = [&](int min, int max) { return digits(text, &at, min, max); };
  for (std::size_t k = 0; k < pattern_.size(); ++k) {
    if (pattern_[k] != '%' || pattern_[k + 1] == '%') {
      if (pattern_[k] == '%') ++k;
      if (at >= text.size() || text[at] != pattern_[k])
        return Result::failure(at >= text.size() ? fmt::format("it ends where `{}` is expected", pattern_[k])
                                                 : fmt::format("`{}` where `{}` is expected", text[at], pattern_[k]));
      ++at;
      continue;
    }
    const char c = pattern_[++k];
    const std::size_t start = at;
    std::int64_t n = 0;
    switch (c) {
      case 'Y': n = number(4, 4); if (n >= 0) f.year = n; break;
      case 'y': n = number(2, 2); if (n >= 0) f.year = 2000 + n; break;
      case 'm': n = number(1, 2); f.month = static_cast<int>(n); break;
      case 'd': n = number(1, 2); f.day = static_cast<int>(n); break;
      case 'H': n = number(1, 2); f.hour = static_cast<int>(n); break;
      case 'I': n = number(1, 2); f.hour12 = static_cast<int>(n); break;
      case 'M': n = number(1, 2); f.minute = static_cast<int>(n); break;
      case 'S': n = number(1, 2); f.second = static_cast<int>(n); break;
      case 'f': {
        int count = 0;
        n = digits(text, &at, 1, 9, &count);
        if (n >= 0) f.ms = static_cast<int>(n * 1000 / static_cast<std::int64_t>(std::pow(10, count)));
        break;
      }
      case 'p': case 'b': {
        const std::size_t len = c == 'p' ? 2 : 3;
        std::string word = text.substr(at, len);
        for (char& ch : word) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
        n = -1;
        if (c == 'p' && (word == "am" || word == "pm")) f.pm = word == "pm", n = 0;
        for (int m = 0; c == 'b' && m < 12; ++m)
          if (word == kMonths[m]) f.month = m + 1, n = 0;
        if (n == 0) at += len;
        break;
      }
      case 'z': {
        if (at < text.size() && text[at] == 'Z') {
          f.offset_minutes = 0, ++at;
          break;
        }
        const int sign = at < text.size() && text[at] == '-' ? -1 : 1;
        n = -1;
        if (at < text.size() && (text[at] == '+' || text[at] == '-')) {
          ++at;
          const std::int64_t h = digits(text, &at, 2, 2);
          std::int64_t m = 0;
          if (at < text.size() && text[at] == ':') ++at, m = digits(text, &at, 2, 2);
          else if (at < text.size() && std::isdigit(static_cast<unsigned char>(text[at]))) m = digits(text, &at, 2, 2);
          if (h >= 0 && h <= 23 && m >= 0 && m <= 59) n = 0, f.offset_minutes = sign * static_cast<int>(h * 60 + m);
        }
        break;
      }
    }
    if (n < 0) {
      const std::string_view what = directive_name(c);
      return Result::failure(start >= text.size() ? fmt::format("it ends where the {} (%{}) is expected", what, c)
                                                  : fmt::format("no {} (%{}) at \"{}\"", what, c, text.substr(start)));
    }
  }
  if (at != text.size()) return Result::failure(fmt::format("\"{}\" is left over", text.substr(at)));
  if (f.month < 1 || f.month > 12) return Result::failure(range("month", f.month, 1, 12));
  if (const int days = stdlib::days_in_month(f.year, f.month); f.day < 1 || f.day > days)
    return Result::failure(range("day", f.day, 1, days));
  if (f.hour12 >= 0) {
    if (f.hour12 < 1 || f.hour12 > 12) return Result::failure(range("hour", f.hour12, 1, 12));
    f.hour = f.hour12 % 12 + (f.pm == 1 ? 12 : 0);
  }
  if (f.hour > 23) return Result::failure(range("hour", f.hour, 0, 23));
  if (f.minute > 59) return Result::failure(range("minute", f.minute, 0, 59));
  if (f.second > 59) return Result::failure(range("second", f.second, 0, 59));
  const stdlib::CivilDateTime civil{{f.year, f.month, f.day}, f.hour, f.minute, f.second, f.ms};
  if (f.offset_minutes) return Result::success(stdlib::instant_from_civil(civil, *f.offset_minutes));
  // The zone's wall clock: a reading in a spring-forward gap or a fall-back overlap is read as
  // the tz layer does everywhere else (stdlib/tz.h, from_local).
  const std::int64_t local_ms = stdlib::instant_from_civil(civil, 0).ms_since_epoch;
  return Result::success(zone_->from_local_ms(local_ms));
}

}  // namespace iwd::mapping
