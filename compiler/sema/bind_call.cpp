// Binder: calls of built-in functions, checked against the one signature table.
#include <fmt/format.h>
#include <re2/re2.h>

#include "compiler/sema/bind_expr_util.h"
#include "stdlib/spelling.h"
#include "stdlib/time_zone.h"

namespace iwd::compiler {
using namespace bindutil;

BoundExprPtr Binder::bind_call(const SyntaxExpr* e, NameContext ctx, Want want) {
  const SourceRange r = e->range;
  const auto& c = as<SyntaxCall>(*e);
  const auto* fn = stdlib::find_function(c.callee.text);
  if (!fn) {
    std::vector<std::string> names(stdlib::function_names().begin(), stdlib::function_names().end());
    undefined(c.callee.text, c.callee.range, names, "function", "E0307");
    for (const auto& a : c.args) expr(a.get(), ctx);
    return error_node(r);
  }
  if (!fn->accepts_arity(c.args.size())) {
    report("E0402", r, fmt::format("`{}` takes {}, but is given {}", fn->name, stdlib::arity_description(*fn),
                                   c.args.size()))
        .notes.push_back(fmt::format("{}: {}", fn->signature, fn->doc));
    return error_node(r);
  }
  auto out = make_bound(BoundExprKind::Call, SemaType{}, r);
  out->builtin = fn->id;
  bool ok = true, any_optional = false, any_number = false;
  for (std::size_t i = 0; i < c.args.size(); ++i) {
    const SyntaxExpr* a = c.args[i].get();
    const stdlib::ParamKind kind = fn->param(i);
    using stdlib::ParamKind;
    if (kind == ParamKind::Calendar || kind == ParamKind::CalendarOrZone) {
      if (a->kind == SyntaxExprKind::Name && find_calendar(as<SyntaxNameExpr>(*a).name) >= 0) {
        auto cal = make_bound(BoundExprKind::Calendar, SemaType::of(TypeKind::Calendar), a->range);
        cal->index = find_calendar(as<SyntaxNameExpr>(*a).name);
        out->children.push_back(std::move(cal));
        continue;
      }
      if (kind == ParamKind::CalendarOrZone && a->kind == SyntaxExprKind::Literal &&
          as<SyntaxLiteral>(*a).lit == SyntaxLiteralKind::String) {
        const std::string& zone = as<SyntaxLiteral>(*a).string_value;
        if (!stdlib::is_valid_time_zone(zone)) {
          auto& d = report("E0501", a->range, fmt::format("unknown time zone \"{}\"", zone));
          std::string hint = stdlib::suggest_name(zone, std::span<const std::string>(stdlib::time_zone_names()));
          if (!hint.empty()) d.fixits.push_back({a->range, "\"" + hint + "\"", fmt::format("did you mean `\"{}\"`?", hint)});
          ok = false;
        }
        auto z = expr(a, ctx);
        out->children.push_back(std::move(z));
        continue;
      }
      std::vector<std::string> names;
      for (const auto& [n, _] : calendars_) names.push_back(n);
      if (a->kind == SyntaxExprKind::Name) {
        undefined(as<SyntaxNameExpr>(*a).name, a->range, names, "calendar", "E0303");
      } else {
        auto& d = report("E0402", a->range, fmt::format("argument {} of `{}` is {}", i + 1, fn->name,
                                                        stdlib::param_kind_description(kind)));
        // `is_open("office", t)`: the calendar's name, quoted by mistake.
        if (a->kind == SyntaxExprKind::Literal && as<SyntaxLiteral>(*a).lit == SyntaxLiteralKind::String &&
            calendars_.count(as<SyntaxLiteral>(*a).string_value)) {
          const std::string& cal = as<SyntaxLiteral>(*a).string_value;
          d.fixits.push_back({a->range, cal, fmt::format("write the calendar's name without quotes: `{}`", cal)});
        }
      }
      ok = false;
      continue;
    }
    if (kind == ParamKind::StringLiteral) {
      if (a->kind != SyntaxExprKind::Literal || as<SyntaxLiteral>(*a).lit != SyntaxLiteralKind::String) {
        report("E0408", a->range, fmt::format("the pattern of `{}` must be a string literal, checked before the rules run",
                                              fn->name));
        ok = false;
        continue;
      }
      RE2::Options opts;
      opts.set_log_errors(false);
      RE2 re(as<SyntaxLiteral>(*a).string_value, opts);
      if (!re.ok()) {
        report("E0408", a->range, fmt::format("this pattern is not a valid RE2 expression: {}", re.error()));
        ok = false;
        continue;
      }
    }
    // add_business's count may be business days (`add_business(office, t, 2bd)`).
    const bool business_days = fn->id == stdlib::Builtin::AddBusiness && i == 2;
    allow_business_days_ = business_days;
    auto arg = expr(a, ctx, kind == ParamKind::Duration ? Want::Duration : Want::Any);
    allow_business_days_ = false;
    if (!arg || arg->type.is_error()) {
      ok = false;
      continue;
    }
    if (kind != ParamKind::Any && !(business_days && arg->type.kind == TypeKind::BusinessDays) &&
        !stdlib::accepts(kind, value_type(arg->type.kind))) {
      report("E0402", arg->range, fmt::format("argument {} of `{}` is {}, but this is {}", i + 1, fn->name,
                                              stdlib::param_kind_description(kind), type_str(arg->type.as_optional(false))))
          .notes.push_back(std::string(fn->signature));
      ok = false;
      continue;
    }
    any_optional = any_optional || arg->type.optional;
    any_number = any_number || (kind == ParamKind::SameNumeric && arg->type.kind == TypeKind::Number);
    out->children.push_back(std::move(arg));
  }
  if (!ok) return error_node(r);
  SemaType result;
  switch (fn->result_rule) {
    case stdlib::ResultRule::Fixed: result = SemaType::of(type_kind(fn->result)); break;
    case stdlib::ResultRule::UnifiedNumeric:
      result = SemaType::of(any_number ? TypeKind::Number : TypeKind::Int);
      if (any_number)
        for (std::size_t i = 0; i < out->children.size(); ++i)
          if (fn->param(i) == stdlib::ParamKind::SameNumeric) out->children[i] = widen(std::move(out->children[i]));
      break;
    case stdlib::ResultRule::SameAsFirst: result = out->child(0).type.as_optional(false); break;
  }
  result.optional = !fn->takes_absent && any_optional;
  out->type = result;
  return out;
}

}  // namespace iwd::compiler
