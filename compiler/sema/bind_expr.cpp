// Binder: expressions. Names are resolved by context (LANGUAGE.md section 4) and every
// expression gets a type; mistakes name both types in the analyst's terms.
#include <fmt/format.h>

#include <cctype>
#include <cmath>
#include <set>
#include <utility>

#include "compiler/sema/bind_expr_util.h"
#include "stdlib/spelling.h"
#include "stdlib/time_zone.h"

namespace iwd::compiler {
using namespace bindutil;

void Binder::undefined(const std::string& name, const SourceRange& r, const std::vector<std::string>& candidates,
                       const std::string& what, const char* code) {
  std::string hint = stdlib::suggest_name(name, std::span<const std::string>(candidates));
  auto& d = report(code, r, fmt::format("unknown {} `{}`", what, name));
  if (!hint.empty()) d.fixits.push_back({r, hint, fmt::format("did you mean `{}`?", hint)});
}

BoundExprPtr Binder::expr(const SyntaxExpr* e, NameContext ctx, Want want) {
  const bool business_days = std::exchange(allow_business_days_, false);
  if (!e) return nullptr;
  const SourceRange r = e->range;
  switch (e->kind) {
    case SyntaxExprKind::Literal: {
      const auto& l = as<SyntaxLiteral>(*e);
      auto make = [&](TypeKind k) { return make_bound(BoundExprKind::Literal, SemaType::of(k), r); };
      BoundExprPtr out;
      switch (l.lit) {
        case SyntaxLiteralKind::Int: out = make(TypeKind::Int); out->int_value = l.int_value; return out;
        case SyntaxLiteralKind::Bool: out = make(TypeKind::Bool); out->int_value = l.int_value; return out;
        case SyntaxLiteralKind::Duration: out = make(TypeKind::Duration); out->int_value = l.int_value; return out;
        case SyntaxLiteralKind::Instant: out = make(TypeKind::Time); out->int_value = l.int_value; return out;
        case SyntaxLiteralKind::Date: out = make(TypeKind::Date); out->int_value = l.int_value; return out;
        case SyntaxLiteralKind::Number: out = make(TypeKind::Number); out->number_value = l.number_value; return out;
        case SyntaxLiteralKind::String: out = make(TypeKind::String); out->string_value = l.string_value; return out;
        case SyntaxLiteralKind::Percent:
          if (want == Want::Duration && ctx == NameContext::Scheme) {
            out = make_bound(BoundExprKind::ShareOfSla, SemaType::of(TypeKind::Duration), r);
            out->number_value = l.number_value;
            return out;
          }
          report("E0403", r, fmt::format("`{}` is a share of the SLA; it stands only where a duration is expected "
                                         "in a priority scheme or a target stage",
                                         l.spelling))
              .notes.push_back("for a fraction write a number: `0.25` rather than `25%`");
          return error_node(r);
        case SyntaxLiteralKind::BusinessDays: {
          if (business_days) {
            out = make(TypeKind::BusinessDays);
            out->int_value = l.int_value;
            return out;
          }
          // docs/diagnostics.md, E0518.
          auto& d = report("E0518", r, fmt::format("`{}` counts the open days of a calendar: business days are written "
                                                   "only where a calendar counts them",
                                                   l.spelling));
          d.notes.push_back(fmt::format("write `sla {0} in {1}` (a process of a department whose `sla` has a calendar "
                                        "may write `sla {0}`), or `add_business({1}, t, {0})`",
                                        l.spelling, example_calendar()));
          d.notes.push_back(fmt::format("as elapsed time write days or hours: `{}d`", l.int_value));
          return error_node(r);
        }
        case SyntaxLiteralKind::TimeOfDay:
          report("E0403", r, fmt::format("a time of day like `{}` is only written in calendars", l.spelling))
              .notes.push_back("compare with `hour(t)` and `minute(t)` instead");
          return error_node(r);
        case SyntaxLiteralKind::Invalid: return error_node(r);
      }
      return error_node(r);
    }
    case SyntaxExprKind::PercentOf: {
      const auto& p = as<SyntaxPercentOf>(*e);
      if (p.of.text != "sla") {
        report("E0403", p.of.range, fmt::format("a percentage is taken `of sla`, not of `{}`", p.of.text));
        return error_node(r);
      }
      if (ctx != NameContext::Scheme) {
        report("E0403", r, "a share of the SLA is known only in priority schemes and target stages");
        return error_node(r);
      }
      auto out = make_bound(BoundExprKind::ShareOfSla, SemaType::of(TypeKind::Duration), r);
      out->number_value = p.percent;
      return out;
    }
    case SyntaxExprKind::Name:
      return bind_name(e, ctx, want);
    case SyntaxExprKind::Member:
      return bind_member(e, ctx, want);
    case SyntaxExprKind::Unary: {
      const auto& u = as<SyntaxUnary>(*e);
      auto operand = u.op == SyntaxUnaryOp::Not ? expr(u.operand.get(), ctx, Want::Bool) : expr(u.operand.get(), ctx);
      if (!operand) return error_node(r);
      const TypeKind k = operand->type.kind;
      if (k == TypeKind::Error) return error_node(r);
      const bool ok = u.op == SyntaxUnaryOp::Not ? k == TypeKind::Bool
                                                 : (k == TypeKind::Int || k == TypeKind::Number || k == TypeKind::Duration);
      if (!ok) {
        report("E0401", r, fmt::format("`{}` does not apply to {}", u.op == SyntaxUnaryOp::Not ? "not" : "-",
                                       type_str(operand->type)));
        return error_node(r);
      }
      // A constant (a default, a test's `given` or `expect`, a table cell) is read from its
      // literal's value: `-2.5` is the literal -2.5, not a negation that reads as 0.
      if (ctx == NameContext::Constant && u.op == SyntaxUnaryOp::Negate && operand->kind == BoundExprKind::Literal) {
        operand->int_value = -operand->int_value;  // an int literal is at most 2^63 - 1
        operand->number_value = -operand->number_value;
        operand->range = r;
        return operand;
      }
      auto out = make_bound(BoundExprKind::Unary, operand->type, r);
      out->op = u.op == SyntaxUnaryOp::Not ? BoundOp::Not : BoundOp::Neg;
      out->children.push_back(std::move(operand));
      return out;
    }
    case SyntaxExprKind::Binary:
      return bind_binary(e, ctx, want);
    case SyntaxExprKind::In:
      return bind_in(e, ctx, want);
    case SyntaxExprKind::List: {
      const auto& l = as<SyntaxList>(*e);
      auto out = make_bound(BoundExprKind::List, SemaType::list_of(TypeKind::Error), r);
      SemaType elem;
      for (const auto& item : l.items) {
        auto bi = expr(item.get(), ctx);
        if (!bi || bi->type.is_error()) return error_node(r);
        if (elem.is_error()) {
          elem = bi->type.as_optional(false);
        } else if (!bi->type.same_base(elem)) {
          report("E0401", bi->range, fmt::format("a list holds values of one type: this is {}, the first is {}",
                                                 type_str(bi->type.as_optional(false)), type_str(elem)));
          return error_node(r);
        }
        out->children.push_back(std::move(bi));
      }
      if (!elem.is_error() && elem.kind != TypeKind::String && elem.kind != TypeKind::Int && elem.kind != TypeKind::Enum) {
        report("E0401", r, fmt::format("lists hold strings, ints or enum values, not {}", type_str(elem)));
        return error_node(r);
      }
      out->type = SemaType::list_of(elem.kind, elem.enum_index);
      return out;
    }
    case SyntaxExprKind::If: {
      const auto& i = as<SyntaxIf>(*e);
      auto cond = condition(i.cond.get(), ctx);
      std::set<std::int32_t> saved = narrowed_, saved_else = narrowed_;
      if (cond) proven_present(*cond, narrowed_);
      allow_business_days_ = business_days;
      auto then_e = expr(i.then_expr.get(), ctx, want);
      narrowed_ = std::move(saved);
      if (cond) proven_present_if_false(*cond, narrowed_);
      allow_business_days_ = business_days;
      auto else_e = expr(i.else_expr.get(), ctx, want);
      narrowed_ = std::move(saved_else);
      if (!cond || !then_e || !else_e || cond->type.is_error() || then_e->type.is_error() || else_e->type.is_error())
        return error_node(r);
      unify_numeric(then_e, else_e);
      if (!then_e->type.same_base(else_e->type)) {
        report("E0401", r, fmt::format("`then` gives {} but `else` gives {}: both branches must have one type",
                                       type_str(then_e->type.as_optional(false)), type_str(else_e->type.as_optional(false))));
        return error_node(r);
      }
      auto out = make_bound(BoundExprKind::If, then_e->type.as_optional(then_e->type.optional || else_e->type.optional), r);
      out->children.push_back(std::move(cond));
      out->children.push_back(std::move(then_e));
      out->children.push_back(std::move(else_e));
      return out;
    }
    case SyntaxExprKind::Call:
      return bind_call(e, ctx, want);
  }
  return error_node(r);
}

BoundExprPtr Binder::condition(const SyntaxExpr* e, NameContext ctx) {
  auto b = expr(e, ctx, Want::Bool);
  if (!b || b->type.is_error()) return b;
  if (b->type.kind != TypeKind::Bool) {
    report("E0404", b->range, fmt::format("a condition must be true or false, but this is {}", type_str(b->type.as_optional(false))));
    return error_node(b->range);
  }
  if (b->type.optional && ctx != NameContext::Skill) {
    const BoundExpr* src = optional_source(*b);
    std::string what = src && src->kind == BoundExprKind::Attribute
                           ? fmt::format("`{}`", rs_->attributes[static_cast<std::size_t>(src->index)].name)
                       : src ? fmt::format("`{}`", rs_->defines[static_cast<std::size_t>(src->index)].name)
                             : std::string("an optional value");
    auto& d = report("W0405", b->range, fmt::format("this condition does not hold when {} is absent", what));
    d.notes.push_back("say what absence means: test with `has(...)` or give a fallback with `??`");
  }
  return b;
}

BoundExprPtr Binder::duration(const SyntaxExpr* e, NameContext ctx, const char* what) {
  auto b = expr(e, ctx, Want::Duration);
  if (!b || b->type.is_error()) return b;
  if (b->type.kind != TypeKind::Duration || b->type.optional) {
    auto& d = report("E0407", b->range, b->type.kind != TypeKind::Duration
                                            ? fmt::format("{} must be a duration, but this is {}", what, type_str(b->type.as_optional(false)))
                                            : fmt::format("{} must always have a value, but this may be absent", what));
    d.notes.push_back(b->type.kind != TypeKind::Duration ? "write a duration like `72h`, `15m` or `1.5d`"
                                                          : "give a fallback with `??`");
    return error_node(b->range);
  }
  return b;
}

// W0622: `sla 5d in office` counts 120 hours of open time, which analysts rarely mean
// (LANGUAGE.md 1.1 section 6): say how many of the calendar's open days that is, computed
// from its typical week, and offer `bd` or hours.
void Binder::warn_days_of_open_time(const SyntaxLiteral& l, std::int32_t calendar, bool inherited) {
  if (calendar < 0 || l.lit != SyntaxLiteralKind::Duration || l.int_value <= 0) return;
  const BoundCalendar& cal = rs_->calendars[static_cast<std::size_t>(calendar)];
  if (cal.name == kAlwaysCalendar) return;
  std::string units;
  for (char c : l.spelling)
    if (std::isalpha(static_cast<unsigned char>(c))) units += c;
  if (units.find_first_of("dw") == std::string::npos) return;
  std::int64_t week_minutes = 0, open_days = 0;
  std::set<std::int64_t> day_lengths;
  for (const auto& day : cal.weekly) {
    std::int64_t m = 0;
    for (const auto& [from, to] : day) m += to - from;
    week_minutes += m;
    if (m > 0) ++open_days, day_lengths.insert(m);
  }
  if (open_days == 0) return;  // never open weekly: E0504
  const double open_hours = static_cast<double>(l.int_value) / 3'600'000.0;
  const double day_hours = static_cast<double>(week_minutes) / 60.0 / static_cast<double>(open_days);
  const double days = open_hours / day_hours;
  auto number = [](double x) {
    const double r = std::round(x * 10) / 10;
    return r == std::floor(r) ? fmt::format("{}", static_cast<std::int64_t>(r)) : fmt::format("{:.1f}", r);
  };
  const std::string hours_text = number(open_hours) + "h";
  const std::string day_text = day_lengths.size() == 1 ? fmt::format("{}'s {}-hour days", cal.name, number(day_hours))
                                                       : fmt::format("{}'s open days ({} hours on average)", cal.name, number(day_hours));
  // The business days the analyst likely meant: `5d` -> 5bd, `2w` -> two weeks of open days.
  std::string bd;
  const std::string digits = l.spelling.substr(0, l.spelling.size() - 1);
  if (units == "d" && digits.find('.') == std::string::npos) bd = digits + "bd";
  if (units == "w" && digits.find('.') == std::string::npos)
    bd = fmt::format("{}bd", std::stoll(digits) * open_days);
  auto& d = report("W0622", l.range,
                   fmt::format("{} is {} open hours: about {} open days of {}",
                               inherited ? fmt::format("`{}` (in {}, the department's calendar)", l.spelling, cal.name)
                                         : fmt::format("`{} in {}`", l.spelling, cal.name),
                               number(open_hours), days >= 10 ? fmt::format("{}", std::llround(days)) : number(days), day_text));
  d.notes.push_back(fmt::format("with a calendar, `d` and `w` count 24 hours and 7 days of open time; {}",
                                bd.empty() ? fmt::format("write business days (`5bd`) for working days, or `{}`", hours_text)
                                           : fmt::format("write `{}` for {} working days, or `{}`", bd,
                                                         bd.substr(0, bd.size() - 2), hours_text)));
  if (!bd.empty()) d.fixits.push_back({l.range, bd, fmt::format("count working days: `{}`", bd)});
  d.fixits.push_back({l.range, hours_text, fmt::format("say the open hours: `{}`", hours_text)});
}

std::string Binder::example_calendar() const {
  for (const auto& c : rs_->calendars)
    if (c.name != kAlwaysCalendar) return c.name;
  return "office";
}

BoundExprPtr Binder::sla_value(const SyntaxExpr* e, const char* what, bool has_calendar, std::int32_t calendar,
                                bool inherited) {
  allow_business_days_ = true;
  auto b = expr(e, NameContext::Condition, Want::Duration);
  allow_business_days_ = false;
  if (!b || b->type.is_error()) return b;
  if (b->type.kind != TypeKind::BusinessDays) {
    if (b->type.kind != TypeKind::Duration || b->type.optional) {
      auto& d = report("E0407", b->range, b->type.kind != TypeKind::Duration
                                              ? fmt::format("{} must be a duration, but this is {}", what, type_str(b->type.as_optional(false)))
                                              : fmt::format("{} must always have a value, but this may be absent", what));
      d.notes.push_back(b->type.kind != TypeKind::Duration ? "write a duration like `72h`, `15m` or `1.5d`, or business days like `5bd` with a calendar"
                                                            : "give a fallback with `??`");
      return error_node(b->range);
    }
    if (e && e->kind == SyntaxExprKind::Literal) warn_days_of_open_time(as<SyntaxLiteral>(*e), calendar, inherited);
    return b;
  }
  if (!has_calendar) {
    // docs/diagnostics.md, E0518: business days need a calendar that counts them.
    const std::string written = b->kind == BoundExprKind::Literal ? fmt::format("{}bd", b->int_value) : std::string("5bd");
    auto& d = report("E0518", b->range, fmt::format("{} in business days needs a calendar: `{}` counts open days, and "
                                                    "this SLA has none (nor does its department's)",
                                                    what, written));
    d.notes.push_back(fmt::format("write `sla {0} in {1}`, or give the department's `sla` a calendar (`sla 72h in {1}`) "
                                  "for its processes to keep; `in always` counts every day",
                                  written, example_calendar()));
    return error_node(b->range);
  }
  return b;
}

BoundExprPtr Binder::numeric(const SyntaxExpr* e, NameContext ctx, const char* what) {
  auto b = expr(e, ctx);
  if (!b || b->type.is_error()) return b;
  if (!b->type.is_numeric() || b->type.optional) {
    report("E0407", b->range, !b->type.is_numeric()
                                  ? fmt::format("{} must be a number, but this is {}", what, type_str(b->type.as_optional(false)))
                                  : fmt::format("{} must always have a value, but this may be absent; give a fallback with `??`", what));
    return error_node(b->range);
  }
  return b;
}

BoundExprPtr Binder::string_value(const SyntaxExpr* e, NameContext ctx, const char* what) {
  auto b = expr(e, ctx);
  if (!b || b->type.is_error()) return b;
  if (b->type.kind != TypeKind::String) {
    report("E0407", b->range, fmt::format("{} must be a string, but this is {}", what, type_str(b->type.as_optional(false))));
    return error_node(b->range);
  }
  return b;
}

}  // namespace iwd::compiler
