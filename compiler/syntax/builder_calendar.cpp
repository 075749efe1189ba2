// AST builder: calendars (LANGUAGE.md section 6).
#include <array>

#include "compiler/syntax/builder.h"
#include "stdlib/spelling.h"

namespace iwd::compiler {
namespace {

constexpr std::array<std::string_view, 7> kWeekdays = {"mon", "tue", "wed", "thu", "fri", "sat", "sun"};

int weekday_index(std::string_view s) {
  for (std::size_t i = 0; i < kWeekdays.size(); ++i)
    if (kWeekdays[i] == s) return static_cast<int>(i);
  return -1;
}

}  // namespace

SyntaxDeclPtr SyntaxBuilder::calendar(P::CalendarDeclContext* ctx) {
  auto d = std::make_unique<SyntaxCalendar>();
  d->range = range(ctx);
  d->name = name(ctx->name());

  auto time_range = [this](P::TimeRangeContext* t) {
    SyntaxTimeRange tr;
    tr.range = range(t);
    auto times = t->TIME();
    if (times.size() == 2) {
      decode_time_of_day(times[0]->getSymbol(), &tr.from_minute);
      decode_time_of_day(times[1]->getSymbol(), &tr.to_minute);
    }
    return tr;
  };
  auto weekday = [this](P::NameContext* n) {
    SyntaxName day = name(n);
    int idx = weekday_index(day.text);
    if (idx < 0 && !day.text.empty()) {
      auto& diag = report("E0110", day.range, fmt::format("`{}` is not a weekday", day.text));
      std::string hint = stdlib::suggest_name(day.text, kWeekdays);
      if (!hint.empty())
        diag.fixits.push_back({day.range, hint, fmt::format("did you mean `{}`?", hint)});
      diag.notes.push_back("weekdays are mon tue wed thu fri sat sun; a range like mon..fri may wrap");
    }
    return idx < 0 ? 0 : idx;
  };

  for (auto* clause : ctx->calendarClause()) {
    SyntaxCalendarClause c;
    c.range = range(clause);
    if (auto* tz = dynamic_cast<P::CalTimezoneContext*>(clause)) {
      c.kind = SyntaxCalendarClauseKind::Timezone;
      if (tz->str()) {
        c.zone = decode_string(tz->str()->start);
        c.zone_range = range(tz->str());
      }
    } else if (auto* w = dynamic_cast<P::CalWeeklyContext*>(clause)) {
      c.kind = SyntaxCalendarClauseKind::Weekly;
      for (auto* dr : w->dayRange()) {
        SyntaxDayRange days;
        days.range = range(dr);
        auto names = dr->name();
        if (!names.empty()) days.from_day = days.to_day = weekday(names[0]);
        if (names.size() > 1) days.to_day = weekday(names[1]);
        c.days.push_back(days);
      }
      for (auto* t : w->timeRange()) c.hours.push_back(time_range(t));
    } else if (auto* cl = dynamic_cast<P::CalClosedContext*>(clause)) {
      c.kind = SyntaxCalendarClauseKind::Closed;
      for (auto* item : cl->closedItem()) {
        SyntaxClosedItem ci;
        ci.range = range(item);
        if (auto* dt = dynamic_cast<P::ClosedDateContext*>(item)) {
          auto dates = dt->DATE();
          if (!dates.empty()) decode_date(dates[0]->getSymbol(), &ci.from_day);
          ci.to_day = ci.from_day;
          if (dates.size() > 1) decode_date(dates[1]->getSymbol(), &ci.to_day);
        } else if (auto* y = dynamic_cast<P::ClosedYearlyContext*>(item)) {
          ci.yearly = true;
          auto ints = y->INT();
          if (ints.size() == 2) {
            const std::string month = ints[0]->getText(), day = ints[1]->getText();
            ci.month = std::atoi(month.c_str());
            ci.day = std::atoi(day.c_str());
            static constexpr int kDaysIn[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
            if (month.size() != 2 || day.size() != 2 || ci.month < 1 || ci.month > 12 || ci.day < 1 ||
                ci.day > kDaysIn[ci.month - 1]) {
              report("E0107", range(ints[0]->getSymbol(), ints[1]->getSymbol()),
                     fmt::format("`{}-{}` is not a day of the year", month, day))
                  .notes.push_back("write a yearly closed day as MM-DD, e.g. `closed every 12-25`");
            }
          }
        }
        c.closed.push_back(ci);
      }
    } else if (auto* sd = dynamic_cast<P::CalSpecialDayContext*>(clause)) {
      c.kind = SyntaxCalendarClauseKind::SpecialDay;
      if (sd->DATE()) decode_date(sd->DATE()->getSymbol(), &c.date);
      for (auto* t : sd->timeRange()) c.hours.push_back(time_range(t));
    } else {
      continue;
    }
    d->clauses.push_back(std::move(c));
  }
  return d;
}

}  // namespace iwd::compiler
