// The fast parser (fast_parser.h): calendars (section 6), priority schemes (section 8) and
// targets (section 9), built as builder_calendar.cpp and builder_scheme.cpp build them.
#include <array>
#include <string_view>

#include "compiler/syntax/fast_parser.h"

namespace iwd::compiler {
namespace {

constexpr std::array<std::string_view, 7> kWeekdays = {"mon", "tue", "wed", "thu", "fri", "sat", "sun"};

}  // namespace

SyntaxTimeRange FastParser::time_range() {
  SyntaxTimeRange tr;
  antlr4::Token* from = expect(P::TIME);
  expect(P::MINUS);
  antlr4::Token* to = expect(P::TIME);
  tr.range = b_.range(from, to);
  if (!b_.decode_time_of_day(from, &tr.from_minute) || !b_.decode_time_of_day(to, &tr.to_minute)) give_up();
  return tr;
}

SyntaxDeclPtr FastParser::calendar() {
  antlr4::Token* first = take();
  auto d = std::make_unique<SyntaxCalendar>();
  d->name = name();
  expect(P::LBRACE);
  // A weekday's index; anything else is the builder's E0110.
  auto weekday = [this]() {
    const SyntaxName day = name();
    for (std::size_t i = 0; i < kWeekdays.size(); ++i)
      if (kWeekdays[i] == day.text) return static_cast<int>(i);
    give_up();
  };
  while (type() != P::RBRACE) {
    SyntaxCalendarClause c;
    antlr4::Token* start = tok();
    const std::size_t t = type(), next = type(1);
    if (t == P::TIMEZONE && (next == P::STRING || next == P::UNTERMINATED_STRING)) {
      take();
      c.kind = SyntaxCalendarClauseKind::Timezone;
      antlr4::Token* s = str();
      c.zone = b_.decode_string(s);
      c.zone_range = b_.range(s);
    } else if (t == P::CLOSED && (next == P::DATE || next == P::EVERY)) {
      take();
      c.kind = SyntaxCalendarClauseKind::Closed;
      do {
        SyntaxClosedItem ci;
        antlr4::Token* item = tok();
        if (accept(P::EVERY)) {
          ci.yearly = true;
          antlr4::Token* m = expect(P::INT);
          expect(P::MINUS);
          antlr4::Token* dd = expect(P::INT);
          const std::string month = m->getText(), day = dd->getText();
          ci.month = std::atoi(month.c_str());
          ci.day = std::atoi(day.c_str());
          static constexpr int kDaysIn[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
          if (month.size() != 2 || day.size() != 2 || ci.month < 1 || ci.month > 12 || ci.day < 1 ||
              ci.day > kDaysIn[ci.month - 1])
            give_up();  // E0107
        } else {
          if (!b_.decode_date(expect(P::DATE), &ci.from_day)) give_up();
          ci.to_day = ci.from_day;
          if (accept(P::DOTDOT) && !b_.decode_date(expect(P::DATE), &ci.to_day)) give_up();
        }
        ci.range = range_from(item);
        c.closed.push_back(ci);
      } while (accept(P::COMMA));
    } else if (t == P::DATE) {
      c.kind = SyntaxCalendarClauseKind::SpecialDay;
      if (!b_.decode_date(take(), &c.date)) give_up();
      c.hours.push_back(time_range());
      while (accept(P::COMMA)) c.hours.push_back(time_range());
    } else {
      c.kind = SyntaxCalendarClauseKind::Weekly;
      while (true) {
        SyntaxDayRange days;
        antlr4::Token* from = tok();
        days.from_day = days.to_day = weekday();
        if (accept(P::DOTDOT)) days.to_day = weekday();
        days.range = range_from(from);
        c.days.push_back(days);
        if (!accept(P::COMMA)) break;
      }
      c.hours.push_back(time_range());
      while (accept(P::COMMA)) c.hours.push_back(time_range());
    }
    accept(P::SEMI);
    c.range = range_from(start);
    d->clauses.push_back(std::move(c));
  }
  take();
  d->range = range_from(first);
  return d;
}

SyntaxPriorityBody FastParser::priority_body() {
  SyntaxPriorityBody body;
  antlr4::Token* first = expect(P::LBRACE);
  while (type() != P::RBRACE) {
    SyntaxPriorityClause c;
    antlr4::Token* start = tok();
    switch (type()) {
      case P::START:
        take();
        c.kind = SyntaxPriorityClauseKind::Start;
        c.value = expr();
        break;
      case P::EVERY:
        take();
        c.kind = SyntaxPriorityClauseKind::Every;
        c.period = expr();
        expect(P::ADD);
        c.value = expr();
        if (accept(P::FROM)) c.from = expr();
        if (accept(P::UNTIL)) c.until = expr();
        break;
      case P::CURVE:
        take();
        c.kind = SyntaxPriorityClauseKind::Curve;
        expect(P::LBRACE);
        while (type() != P::RBRACE) {
          SyntaxCurvePoint point;
          point.at = expr();
          expect(P::COLON);
          point.value = expr();
          c.points.push_back(std::move(point));
          if (!accept(P::COMMA)) break;
        }
        expect(P::RBRACE);
        break;
      case P::BOOST:
        take();
        c.kind = SyntaxPriorityClauseKind::Boost;
        c.value = expr();
        expect(P::WHEN);
        c.condition = expr();
        break;
      case P::MIN:
      case P::MAX:
      case P::OVERDUE:
        c.kind = type() == P::MIN   ? SyntaxPriorityClauseKind::Min
                 : type() == P::MAX ? SyntaxPriorityClauseKind::Max
                                    : SyntaxPriorityClauseKind::Overdue;
        take();
        c.value = expr();
        break;
      case P::AGE:
        take();
        c.kind = SyntaxPriorityClauseKind::AgeIn;
        expect(P::IN);
        c.calendar = name();
        break;
      default: give_up();
    }
    accept(P::SEMI);
    c.range = range_from(start);
    body.clauses.push_back(std::move(c));
  }
  take();
  body.range = range_from(first);
  return body;
}

SyntaxTargetsBody FastParser::targets_body() {
  SyntaxTargetsBody body;
  antlr4::Token* first = expect(P::LBRACE);
  while (type() != P::RBRACE) {
    SyntaxTargetStage stage;
    antlr4::Token* start = tok();
    switch (type()) {
      case P::AGENT: stage.kind = SyntaxStageKind::Agent; break;
      case P::GROUP: stage.kind = SyntaxStageKind::Group; break;
      case P::SKILL: stage.kind = SyntaxStageKind::Skill; break;
      default: give_up();
    }
    take();
    stage.expr = expr();
    if (accept(P::FOR)) stage.duration = expr();
    accept(P::SEMI);
    stage.range = range_from(start);
    body.stages.push_back(std::move(stage));
  }
  take();
  body.range = range_from(first);
  return body;
}

}  // namespace iwd::compiler
