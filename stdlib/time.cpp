// Instants, dates and times of day: parsing and formatting (LANGUAGE.md section 2).
#include <iterator>

#include <fmt/compile.h>
#include <fmt/format.h>

#include "stdlib/time.h"

namespace iwd::stdlib {
namespace {

// A cursor over the text being parsed.
class Scanner {
 public:
  explicit Scanner(std::string_view text) : text_(text) {}

  bool at_end() const { return pos_ >= text_.size(); }
  char peek() const { return at_end() ? '\0' : text_[pos_]; }
  std::string_view rest() const { return text_.substr(pos_); }

  bool eat(char c) {
    if (peek() != c) return false;
    ++pos_;
    return true;
  }

  // Exactly `n` decimal digits; -1 (and nothing consumed) when they are not there.
  int digits(std::size_t n) {
    if (text_.size() - pos_ < n) return -1;
    int value = 0;
    for (std::size_t k = 0; k < n; ++k) {
      const char c = text_[pos_ + k];
      if (c < '0' || c > '9') return -1;
      value = value * 10 + (c - '0');
    }
    // A further digit means the field is too long (e.g. a 5-digit year).
    if (pos_ + n < text_.size() && text_[pos_ + n] >= '0' && text_[pos_ + n] <= '9') return -1;
    pos_ += n;
    return value;
  }

  // A run of decimal digits (possibly empty).
  std::string_view digit_run() {
    const std::size_t start = pos_;
    while (!at_end() && text_[pos_] >= '0' && text_[pos_] <= '9') ++pos_;
    return text_.substr(start, pos_ - start);
  }

 private:
  std::string_view text_;
  std::size_t pos_ = 0;
};

// Empty when the day exists in that month; otherwise the message.
std::string check_day(std::int64_t year, int month, int day, bool any_year = false) {
  const int days = any_year && month == 2 ? 29 : days_in_month(year, month);
  if (day >= 1 && day <= days) return {};
  if (day < 1) return fmt::format("day {} is out of range (1..{})", day, days);
  if (month == 2 && any_year) return fmt::format("day {} is out of range: February has at most 29 days", day);
  if (month == 2)
    return fmt::format("day {} is out of range: February {} has {} days{}", day, year, days,
                       days == 28 ? fmt::format(" ({} is not a leap year)", year) : "");
  return fmt::format("day {} is out of range: {} has {} days", day, month_name(month), days);
}

std::string check_month(int month) {
  if (month >= 1 && month <= 12) return {};
  return fmt::format("month {} is out of range (1..12)", month);
}

// YYYY-MM-DD, range-checked. Empty on success, else the message.
std::string scan_date(Scanner& s, CivilDate& out) {
  const int year = s.digits(4);
  if (year < 0) return "expected a 4-digit year at the start, as in `2026-12-25`";
  if (!s.eat('-')) return "expected `-` after the year, as in `2026-12-25`";
  const int month = s.digits(2);
  if (month < 0) return "expected a 2-digit month after the year, as in `2026-12-25`";
  if (!s.eat('-')) return "expected `-` after the month, as in `2026-12-25`";
  const int day = s.digits(2);
  if (day < 0) return "expected a 2-digit day after the month, as in `2026-12-25`";
  if (auto e = check_month(month); !e.empty()) return e;
  if (auto e = check_day(year, month, day); !e.empty()) return e;
  out = CivilDate{year, month, day};
  return {};
}

std::string unexpected_after(std::string_view rest, std::string_view what) {
  return fmt::format("unexpected `{}` after the {}", rest, what);
}

// `+HH:MM` / `-HH:MM` / `Z`. Empty on success, else the message.
std::string scan_offset(Scanner& s, int& offset_minutes) {
  if (s.at_end()) return "missing the UTC offset; end the instant with `Z` for UTC or an offset such as `+01:00`";
  if (s.eat('Z')) {
    offset_minutes = 0;
    return {};
  }
  const char sign = s.peek();
  if (sign != '+' && sign != '-')
    return fmt::format("unexpected `{}` after the time; expected `Z` or an offset such as `+01:00`", s.rest());
  s.eat(sign);
  const int hours = s.digits(2);
  if (hours < 0 || !s.eat(':')) return "expected the UTC offset as `+HH:MM` or `-HH:MM`, e.g. `+01:00`";
  const int minutes = s.digits(2);
  if (minutes < 0) return "expected the UTC offset as `+HH:MM` or `-HH:MM`, e.g. `+01:00`";
  if (hours > 23) return fmt::format("offset hour {} is out of range (0..23)", hours);
  if (minutes > 59) return fmt::format("offset minute {} is out of range (0..59)", minutes);
  offset_minutes = (hours * 60 + minutes) * (sign == '-' ? -1 : 1);
  return {};
}

void append_offset(std::string& out, int utc_offset_minutes) {
  if (utc_offset_minutes == 0) {
    out.push_back('Z');
    return;
  }
  const int magnitude = utc_offset_minutes < 0 ? -utc_offset_minutes : utc_offset_minutes;
  fmt::format_to(std::back_inserter(out), "{}{:02}:{:02}", utc_offset_minutes < 0 ? '-' : '+',
                 magnitude / 60, magnitude % 60);
}

}  // namespace

ParseResult<ParsedInstant> parse_instant(std::string_view text) {
  using R = ParseResult<ParsedInstant>;
  Scanner s(text);
  CivilDateTime civil;
  if (auto e = scan_date(s, civil.date); !e.empty()) return R::failure(e);
  if (s.at_end()) return R::failure("expected `T` and a time after the date, as in `2026-11-23T09:00:00Z`");
  if (!s.eat('T'))
    return R::failure("expected `T` between the date and the time, as in `2026-11-23T09:00:00Z`");

  civil.hour = s.digits(2);
  if (civil.hour < 0) return R::failure("expected a 2-digit hour after `T`, as in `2026-11-23T09:00:00Z`");
  if (!s.eat(':')) return R::failure("expected `:` after the hour, as in `09:00`");
  civil.minute = s.digits(2);
  if (civil.minute < 0) return R::failure("expected 2-digit minutes after the hour, as in `09:00`");
  if (s.eat(':')) {
    civil.second = s.digits(2);
    if (civil.second < 0) return R::failure("expected 2-digit seconds after the minutes, as in `09:00:00`");
    if (s.eat('.')) {
      const std::string_view fraction = s.digit_run();
      if (fraction.empty()) return R::failure("expected digits after `.` in the seconds");
      if (fraction.size() > 3)
        return R::failure(fmt::format("the fraction `.{}` has more than 3 digits; instants have millisecond "
                                      "precision", fraction));
      int ms = 0;
      for (std::size_t k = 0; k < 3; ++k) ms = ms * 10 + (k < fraction.size() ? fraction[k] - '0' : 0);
      civil.millisecond = ms;
    }
  }
  if (civil.hour > 23) return R::failure(fmt::format("hour {} is out of range (0..23)", civil.hour));
  if (civil.minute > 59) return R::failure(fmt::format("minute {} is out of range (0..59)", civil.minute));
  if (civil.second > 59)
    return R::failure(fmt::format("second {} is out of range (0..59); leap seconds are not supported", civil.second));

  int offset = 0;
  if (auto e = scan_offset(s, offset); !e.empty()) return R::failure(e);
  if (!s.at_end()) return R::failure(unexpected_after(s.rest(), "UTC offset"));
  return R::success(ParsedInstant{instant_from_civil(civil, offset), offset});
}

std::string format_instant(Instant t) { return format_instant(t, 0); }

namespace {

// The format string compiled (FMT_COMPILE): a writer of many instants (`iwd eval --items`)
// spent most of the time here parsing the format string at run time.
void append_civil(std::string& out, Instant t, int utc_offset_minutes) {
  const CivilDateTime c = civil_from_instant(t, utc_offset_minutes);
  char text[64];
  char* end = fmt::format_to(text, FMT_COMPILE("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}"), c.date.year, c.date.month,
                             c.date.day, c.hour, c.minute, c.second);
  if (c.millisecond != 0) end = fmt::format_to(end, FMT_COMPILE(".{:03}"), c.millisecond);
  out.append(text, end);
  append_offset(out, utc_offset_minutes);
}

}  // namespace

void append_instant(std::string& out, Instant t) { append_civil(out, t, 0); }

std::string format_instant(Instant t, int utc_offset_minutes) {
  std::string out;
  append_civil(out, t, utc_offset_minutes);
  return out;
}

ParseResult<std::int64_t> parse_date(std::string_view text) {
  using R = ParseResult<std::int64_t>;
  Scanner s(text);
  CivilDate date;
  if (auto e = scan_date(s, date); !e.empty()) return R::failure(e);
  if (s.peek() == 'T') return R::failure("a date has no time of day; write only `YYYY-MM-DD`, as in `2026-12-25`");
  if (!s.at_end()) return R::failure(unexpected_after(s.rest(), "date"));
  return R::success(days_from_civil(date));
}

std::string format_date(std::int64_t days_since_epoch) {
  const CivilDate d = civil_from_days(days_since_epoch);
  return fmt::format("{:04}-{:02}-{:02}", d.year, d.month, d.day);
}

ParseResult<int> parse_time_of_day(std::string_view text) {
  using R = ParseResult<int>;
  Scanner s(text);
  const int hour = s.digits(2);
  if (hour < 0) return R::failure("expected a 2-digit hour, as in `08:00`");
  if (!s.eat(':')) return R::failure("expected `:` between the hour and the minutes, as in `08:00`");
  const int minute = s.digits(2);
  if (minute < 0) return R::failure("expected 2-digit minutes after the hour, as in `08:00`");
  if (s.peek() == ':') return R::failure("a time of day has no seconds; write `HH:MM`, as in `08:00`");
  if (!s.at_end()) return R::failure(unexpected_after(s.rest(), "time of day"));
  if (hour > 24) return R::failure(fmt::format("hour {} is out of range (0..24)", hour));
  if (minute > 59) return R::failure(fmt::format("minute {} is out of range (0..59)", minute));
  if (hour == 24 && minute != 0)
    return R::failure("hour 24 is allowed only in `24:00`, the end of the day");
  return R::success(hour * 60 + minute);
}

std::string format_time_of_day(int minutes) { return fmt::format("{:02}:{:02}", minutes / 60, minutes % 60); }

ParseResult<MonthDay> parse_month_day(std::string_view text) {
  using R = ParseResult<MonthDay>;
  Scanner s(text);
  const int month = s.digits(2);
  if (month < 0) return R::failure("expected a 2-digit month, as in `12-25`");
  if (!s.eat('-')) return R::failure("expected `-` after the month, as in `12-25`");
  const int day = s.digits(2);
  if (day < 0) return R::failure("expected a 2-digit day after the month, as in `12-25`");
  if (!s.at_end()) return R::failure(unexpected_after(s.rest(), "day"));
  if (auto e = check_month(month); !e.empty()) return R::failure(e);
  if (auto e = check_day(2000, month, day, /*any_year=*/true); !e.empty()) return R::failure(e);
  return R::success(MonthDay{month, day});
}

}  // namespace iwd::stdlib
