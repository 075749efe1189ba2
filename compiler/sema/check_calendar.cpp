// check_semantics, calendars: unknown time zones (E0501, the ruleset's too), overlapping
// hours (W0502), empty hour and date ranges and special hours past midnight (E0503), and
// calendars that are never open (E0504).
// Reads the clauses as written (BoundCalendar::written_*), since the merged hours lose them.
#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <set>
#include <string_view>
#include <vector>

#include "compiler/sema/check_internal.h"
#include "stdlib/spelling.h"
#include "stdlib/time.h"
#include "stdlib/time_zone.h"

namespace iwd::compiler::checks {
namespace {

constexpr std::array<const char*, 7> kDays = {"mon", "tue", "wed", "thu", "fri", "sat", "sun"};

std::string hours_text(int from, int to) {
  return stdlib::format_time_of_day(from) + "-" + stdlib::format_time_of_day(to);
}

// The closest zone name: a misspelling of a whole name ("Europe/Berln"), else a city alone,
// maybe misspelt, with spaces for underscores ("Berlin", "new york").
std::string suggest_zone(std::string_view wrong) {
  const auto& names = stdlib::time_zone_names();
  if (std::string hint = stdlib::suggest_name(wrong, names); !hint.empty()) return hint;
  if (wrong.find('/') != std::string_view::npos) return "";
  std::string city(wrong);
  std::replace(city.begin(), city.end(), ' ', '_');
  std::vector<std::string> cities;
  for (const auto& n : names) cities.push_back(n.substr(n.rfind('/') + 1));
  const std::string hint = stdlib::suggest_name(city, cities);
  if (hint.empty()) return "";
  // Prefer a zone of a region ("Europe/Berlin") to an old alias ("US/Pacific", "Etc/...").
  std::string found;
  for (std::size_t i = 0; i < names.size(); ++i) {
    if (cities[i] != hint || names[i] == hint) continue;
    const bool region = names[i].rfind("US/", 0) != 0 && names[i].rfind("Etc/", 0) != 0;
    if (found.empty() || region) found = names[i];
    if (region) break;
  }
  return found.empty() ? hint : found;
}

void check_zone(const std::string& zone, const SourceRange& range, const std::string& whose, DiagnosticBag& diags) {
  if (!range.valid() || stdlib::is_valid_time_zone(zone)) return;
  auto& d = diags.report("E0501", range, fmt::format("\"{}\" is not a known time zone{}", zone, whose));
  if (std::string hint = suggest_zone(zone); !hint.empty())
    d.fixits.push_back({range, "\"" + hint + "\"", fmt::format("did you mean `\"{}\"`?", hint)});
  d.notes.push_back("time zones are IANA names such as \"Europe/Berlin\", \"America/New_York\" or \"UTC\"");
}

// `mon..fri`, `sat, sun`, `mon, wed..fri`.
std::string days_text(const std::array<bool, 7>& days) {
  std::vector<std::string> parts;
  for (std::size_t d = 0; d < 7;) {
    if (!days[d]) { ++d; continue; }
    std::size_t end = d;
    while (end + 1 < 7 && days[end + 1]) ++end;
    if (end - d >= 2) parts.push_back(fmt::format("{}..{}", kDays[d], kDays[end]));
    else for (std::size_t i = d; i <= end; ++i) parts.emplace_back(kDays[i]);
    d = end + 1;
  }
  std::string out;
  for (const auto& p : parts) out += (out.empty() ? "" : ", ") + p;
  return out;
}

// What one written range opens: per weekday (0..6; a range past midnight spills into the
// next day) or, for special hours, on its date (index 0).
struct Span {
  std::size_t day;
  int from, to;
};
std::vector<Span> spans(const BoundCalendar::WrittenHours& h) {
  std::vector<Span> out;
  if (h.special) {
    // Special hours past midnight are not kept by the binder: nothing to compare.
    if (h.to_minute > h.from_minute) out.push_back({0, h.from_minute, h.to_minute});
    return out;
  }
  for (std::size_t d = 0; d < 7; ++d) {
    if (!h.days[d]) continue;
    if (h.to_minute > h.from_minute) {
      out.push_back({d, h.from_minute, h.to_minute});
    } else if (h.to_minute < h.from_minute) {
      out.push_back({d, h.from_minute, stdlib::kMinutesPerDay});
      if (h.to_minute > 0) out.push_back({(d + 1) % 7, 0, h.to_minute});
    }
  }
  return out;
}

void check_overlap(const BoundCalendar& c, const BoundCalendar::WrittenHours& a, const BoundCalendar::WrittenHours& b,
                   DiagnosticBag& diags) {
  if (a.special != b.special || (a.special && a.date != b.date)) return;
  std::array<bool, 7> days{};
  bool any = false;
  int both_from = 0, both_to = 0;
  for (const auto& sa : spans(a))
    for (const auto& sb : spans(b)) {
      const int from = std::max(sa.from, sb.from), to = std::min(sa.to, sb.to);
      if (sa.day != sb.day || from >= to) continue;
      if (!any) both_from = from, both_to = to;
      any = true;
      days[sa.day] = true;
    }
  if (!any) return;
  const std::string on = a.special ? stdlib::format_date(a.date) : days_text(days);
  const std::string a_hours = hours_text(a.from_minute, a.to_minute), b_hours = hours_text(b.from_minute, b.to_minute);
  if (a.range == b.range) {  // one hour range, two day ranges that share days
    auto& d = diags.report("W0502", b.days_range,
                           fmt::format("calendar `{}` gives the hours {} twice on {}", c.name, b_hours, on));
    d.labels.push_back({a.days_range, fmt::format("{} already has them here", on)});
    d.notes.push_back("name each weekday once in a clause");
    return;
  }
  auto& d = diags.report("W0502", b.range,
                         fmt::format("the hours {} overlap the hours {} on {} (both open {})", b_hours, a_hours, on,
                                     hours_text(both_from, both_to)));
  d.labels.push_back({a.range, fmt::format("{} is given here", a_hours)});
  const bool plain = a.to_minute > a.from_minute && b.to_minute > b.from_minute;
  d.notes.push_back(plain ? fmt::format("if the office is open without a break, write one range: {}",
                                        hours_text(std::min(a.from_minute, b.from_minute),
                                                   std::max(a.to_minute, b.to_minute)))
                          : std::string("merge the two ranges into one, or correct one of them"));
}

// Special hours are one date's own hours: unlike weekly hours they cannot run past
// midnight (the next date has hours of its own), so an end before the start is a mistake.
void check_special_past_midnight(const BoundCalendar::WrittenHours& h, DiagnosticBag& diags) {
  const std::string date = stdlib::format_date(h.date);
  auto& d = diags.report("E0503", h.range,
                         fmt::format("the special hours {} of {} end before they start: special hours cannot run past "
                                     "midnight, so they open nothing",
                                     hours_text(h.from_minute, h.to_minute), date));
  const std::string until_midnight = hours_text(h.from_minute, stdlib::kMinutesPerDay);
  if (h.to_minute == 0) {
    d.fixits.push_back({h.range, until_midnight, fmt::format("to stay open until midnight write `{}`", until_midnight)});
    return;
  }
  d.fixits.push_back({h.range, until_midnight, fmt::format("write `{}` for {}", until_midnight, date)});
  d.notes.push_back(fmt::format("the hours after midnight belong to the next date: `{} {}`",
                                stdlib::format_date(h.date + 1), hours_text(0, h.to_minute)));
}

void check_calendar(const BoundCalendar& c, DiagnosticBag& diags) {
  check_zone(c.zone, c.zone_range, fmt::format(" (calendar `{}`)", c.name), diags);

  std::set<std::pair<std::uint32_t, std::uint32_t>> reported;  // E0503 once per hour range
  bool empty_weekly = false;
  for (const auto& h : c.written_hours) {
    if (h.special && h.to_minute < h.from_minute) {
      check_special_past_midnight(h, diags);
      continue;
    }
    if (h.from_minute != h.to_minute) continue;
    empty_weekly = empty_weekly || !h.special;
    if (!reported.insert({h.range.begin.offset, h.range.end.offset}).second) continue;
    auto& d = diags.report("E0503", h.range,
                           fmt::format("the hours {} end where they start, so they open nothing",
                                       hours_text(h.from_minute, h.to_minute)));
    d.notes.push_back(h.special ? "for the whole day write 00:00-24:00"
                                : "for a whole day write 00:00-24:00; a range that ends before it starts runs past "
                                  "midnight, like 22:00-06:00");
  }
  for (const auto& cl : c.written_closed) {
    if (cl.to_day >= cl.from_day) continue;
    const std::string from = stdlib::format_date(cl.from_day), to = stdlib::format_date(cl.to_day);
    auto& d = diags.report("E0503", cl.range,
                           fmt::format("this closed range ends on {}, before it starts on {}, so it closes no day", to, from));
    d.fixits.push_back({cl.range, fmt::format("{}..{}", to, from), "write the earlier date first"});
  }

  for (std::size_t i = 0; i < c.written_hours.size(); ++i)
    for (std::size_t j = i + 1; j < c.written_hours.size(); ++j) check_overlap(c, c.written_hours[i], c.written_hours[j], diags);

  const bool open = std::any_of(c.weekly.begin(), c.weekly.end(), [](const DayHours& d) { return !d.empty(); });
  if (open || empty_weekly) return;  // an empty range is the reason, reported above
  auto& d = diags.report("E0504", c.range,
                         fmt::format("calendar `{}` is never open: it has no weekly hours, so business time in it "
                                     "never passes",
                                     c.name));
  if (!c.special_days.empty()) {
    const auto& [date, _] = *c.special_days.begin();
    d.notes.push_back(fmt::format("special hours (like those of {}) open it on their dates only; after the last one "
                                  "an SLA in this calendar would never fall due",
                                  stdlib::format_date(date)));
  }
  d.notes.push_back("add weekly hours, like `mon..fri 08:00-18:00`");
}

}  // namespace

void check_calendars(const BoundRuleset& rs, DiagnosticBag& diags) {
  check_zone(rs.timezone, rs.timezone_range, "", diags);
  for (const auto& c : rs.calendars) check_calendar(c, diags);
}

}  // namespace iwd::compiler::checks
