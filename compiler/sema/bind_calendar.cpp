// Binder: calendars. Weekly hours, closed days and special days become per-day open
// ranges; the clauses are also kept as written for the checks (check_calendar.cpp), which
// test the zone against the system's tz database, empty and overlapping hours.
#include <fmt/format.h>

#include <algorithm>

#include "compiler/sema/bind_internal.h"
#include "stdlib/spelling.h"
#include "stdlib/time_zone.h"

namespace iwd::compiler {
namespace {

void merge(DayHours& hours) {
  std::sort(hours.begin(), hours.end());
  DayHours out;
  for (const auto& h : hours) {
    if (!out.empty() && h.first <= out.back().second) out.back().second = std::max(out.back().second, h.second);
    else out.push_back(h);
  }
  hours = std::move(out);
}

}  // namespace

void Binder::bind_calendar(BoundCalendar& out, const SyntaxCalendar& c) {
  out.zone = rs_->timezone;
  for (const auto& clause : c.clauses) {
    switch (clause.kind) {
      case SyntaxCalendarClauseKind::Timezone:
        out.zone = clause.zone;
        out.zone_range = clause.zone_range;
        break;
      case SyntaxCalendarClauseKind::Weekly:
        for (const auto& d : clause.days) {
          for (const auto& h : clause.hours) {
            BoundCalendar::WrittenHours w{h.from_minute, h.to_minute, {}, false, 0, h.range, d.range};
            for (int day = d.from_day;; day = (day + 1) % 7) {
              w.days[static_cast<std::size_t>(day)] = true;
              if (day == d.to_day) break;
            }
            out.written_hours.push_back(w);
          }
          // A range wraps: fri..mon is fri, sat, sun, mon.
          for (int day = d.from_day;; day = (day + 1) % 7) {
            for (const auto& h : clause.hours) {
              if (h.to_minute > h.from_minute) {
                out.weekly[static_cast<std::size_t>(day)].emplace_back(h.from_minute, h.to_minute);
              } else if (h.to_minute < h.from_minute) {  // runs past midnight
                out.weekly[static_cast<std::size_t>(day)].emplace_back(h.from_minute, 24 * 60);
                if (h.to_minute > 0) out.weekly[static_cast<std::size_t>((day + 1) % 7)].emplace_back(0, h.to_minute);
              }
            }
            if (day == d.to_day) break;
          }
        }
        break;
      case SyntaxCalendarClauseKind::Closed:
        for (const auto& item : clause.closed) {
          if (item.yearly) {
            out.closed_yearly.emplace_back(item.month, item.day);
          } else {
            out.written_closed.push_back({item.from_day, item.to_day, item.range});
            for (std::int64_t day = item.from_day; day <= item.to_day; ++day) out.closed_days.push_back(day);
          }
        }
        break;
      case SyntaxCalendarClauseKind::SpecialDay: {
        auto& hours = out.special_days[clause.date];
        for (const auto& h : clause.hours) {
          out.written_hours.push_back({h.from_minute, h.to_minute, {}, true, clause.date, h.range, clause.range});
          if (h.to_minute > h.from_minute) hours.emplace_back(h.from_minute, h.to_minute);
        }
        break;
      }
    }
  }
  for (auto& day : out.weekly) merge(day);
  for (auto& [_, hours] : out.special_days) merge(hours);
  std::sort(out.closed_days.begin(), out.closed_days.end());
  out.closed_days.erase(std::unique(out.closed_days.begin(), out.closed_days.end()), out.closed_days.end());
}

}  // namespace iwd::compiler
