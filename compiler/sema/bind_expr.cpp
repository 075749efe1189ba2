// Binder: expressions. Names are resolved by context (LANGUAGE.md section 4) and every
// expression gets a type; mistakes name both types in the analyst's terms.
#include <fmt/format.h>
#include <re2/re2.h>

#include <array>

#include "compiler/sema/bind_internal.h"
#include "stdlib/spelling.h"
#include "stdlib/time_zone.h"

namespace iwd::compiler {
namespace {

constexpr std::array<std::string_view, 7> kWeekdays = {"mon", "tue", "wed", "thu", "fri", "sat", "sun"};

BoundExprPtr error_node(SourceRange range) { return make_bound(BoundExprKind::Literal, SemaType{}, range); }

bool optional_any(const BoundExpr& a, const BoundExpr& b) { return a.type.optional || b.type.optional; }

// int -> number, keeping optionality.
BoundExprPtr widen(BoundExprPtr e) {
  if (e->type.kind != TypeKind::Int) return e;
  if (e->kind == BoundExprKind::Literal) {  // fold: 0 becomes 0.0
    e->number_value = static_cast<double>(e->int_value);
    e->type.kind = TypeKind::Number;
    return e;
  }
  auto w = make_bound(BoundExprKind::Widen, SemaType::of(TypeKind::Number, e->type.optional), e->range);
  w->children.push_back(std::move(e));
  return w;
}

// Brings two numeric operands to one type: number if either is.
void unify_numeric(BoundExprPtr& a, BoundExprPtr& b) {
  if (a->type.is_numeric() && b->type.is_numeric() && a->type.kind != b->type.kind) {
    a = widen(std::move(a));
    b = widen(std::move(b));
  }
}

BoundOp binary_op(SyntaxBinaryOp op) {
  switch (op) {
    case SyntaxBinaryOp::Coalesce: return BoundOp::Coalesce;
    case SyntaxBinaryOp::Or: return BoundOp::Or;
    case SyntaxBinaryOp::And: return BoundOp::And;
    case SyntaxBinaryOp::Eq: return BoundOp::Eq;
    case SyntaxBinaryOp::Ne: return BoundOp::Ne;
    case SyntaxBinaryOp::Lt: return BoundOp::Lt;
    case SyntaxBinaryOp::Le: return BoundOp::Le;
    case SyntaxBinaryOp::Gt: return BoundOp::Gt;
    case SyntaxBinaryOp::Ge: return BoundOp::Ge;
    case SyntaxBinaryOp::Add: return BoundOp::Add;
    case SyntaxBinaryOp::Sub: return BoundOp::Sub;
    case SyntaxBinaryOp::Mul: return BoundOp::Mul;
    case SyntaxBinaryOp::Div: return BoundOp::Div;
  }
  return BoundOp::Add;
}

bool ordered(TypeKind k) {
  return k == TypeKind::Int || k == TypeKind::Number || k == TypeKind::Duration || k == TypeKind::Time ||
         k == TypeKind::Date || k == TypeKind::String || k == TypeKind::Weekday;
}

stdlib::ValueType value_type(TypeKind k) {
  switch (k) {
    case TypeKind::Bool: return stdlib::ValueType::Bool;
    case TypeKind::Int: return stdlib::ValueType::Int;
    case TypeKind::Number: return stdlib::ValueType::Number;
    case TypeKind::String: return stdlib::ValueType::String;
    case TypeKind::Time: return stdlib::ValueType::Time;
    case TypeKind::Duration: return stdlib::ValueType::Duration;
    case TypeKind::Weekday: return stdlib::ValueType::Weekday;
    case TypeKind::Date: return stdlib::ValueType::Date;
    case TypeKind::Calendar: return stdlib::ValueType::Calendar;
    case TypeKind::Enum: return stdlib::ValueType::Enum;
    case TypeKind::List: return stdlib::ValueType::List;
    default: return stdlib::ValueType::Absent;
  }
}

TypeKind type_kind(stdlib::ValueType v) {
  switch (v) {
    case stdlib::ValueType::Bool: return TypeKind::Bool;
    case stdlib::ValueType::Int: return TypeKind::Int;
    case stdlib::ValueType::Number: return TypeKind::Number;
    case stdlib::ValueType::String: return TypeKind::String;
    case stdlib::ValueType::Time: return TypeKind::Time;
    case stdlib::ValueType::Duration: return TypeKind::Duration;
    case stdlib::ValueType::Weekday: return TypeKind::Weekday;
    case stdlib::ValueType::Date: return TypeKind::Date;
    default: return TypeKind::Error;
  }
}

// The attribute a `has(x)` call tests, or -1.
std::int32_t has_attribute(const BoundExpr& e) {
  if (e.kind == BoundExprKind::Call && e.builtin == stdlib::Builtin::Has && e.children.size() == 1 &&
      e.child(0).kind == BoundExprKind::Attribute)
    return e.child(0).index;
  return -1;
}

// Attributes that a condition proves present when it holds: has(x), has(x) and ...
void proven_present(const BoundExpr& e, std::set<std::int32_t>& out) {
  if (auto a = has_attribute(e); a >= 0) out.insert(a);
  if (e.kind == BoundExprKind::Binary && e.op == BoundOp::And) {
    proven_present(e.child(0), out);
    proven_present(e.child(1), out);
  }
}

// Attributes that a condition proves present when it does NOT hold: not has(x), or of them.
void proven_present_if_false(const BoundExpr& e, std::set<std::int32_t>& out) {
  if (e.kind == BoundExprKind::Unary && e.op == BoundOp::Not) {
    proven_present(e.child(0), out);
    return;
  }
  if (e.kind == BoundExprKind::Binary && e.op == BoundOp::Or) {
    proven_present_if_false(e.child(0), out);
    proven_present_if_false(e.child(1), out);
  }
}

// The first optional attribute a value depends on without a guard, for messages.
const BoundExpr* optional_source(const BoundExpr& e) {
  if (!e.type.optional) return nullptr;
  if (e.kind == BoundExprKind::Attribute || e.kind == BoundExprKind::Define) return &e;
  for (const auto& c : e.children)
    if (const auto* s = optional_source(*c)) return s;
  return nullptr;
}

}  // namespace

void Binder::undefined(const std::string& name, const SourceRange& r, const std::vector<std::string>& candidates,
                       const std::string& what, const char* code) {
  std::string hint = stdlib::suggest_name(name, std::span<const std::string>(candidates));
  auto& d = report(code, r, fmt::format("unknown {} `{}`", what, name));
  if (!hint.empty()) d.fixits.push_back({r, hint, fmt::format("did you mean `{}`?", hint)});
}

BoundExprPtr Binder::expr(const SyntaxExpr* e, NameContext ctx, Want want) {
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
    case SyntaxExprKind::Name: {
      const std::string& name = as<SyntaxNameExpr>(*e).name;
      if (ctx == NameContext::Skill) {
        if (auto it = skills_.find(name); it != skills_.end()) {
          auto out = make_bound(BoundExprKind::Skill, SemaType::of(TypeKind::Int, true), r);
          out->index = it->second;
          return out;
        }
        if (attributes_.count(name)) {
          report("E0316", r, fmt::format("`{}` is an item attribute; in a skill expression bare names are skills", name))
              .fixits.push_back({r, "item." + name, fmt::format("write `item.{}`", name)});
          return error_node(r);
        }
        std::vector<std::string> names(rs_->skills.begin(), rs_->skills.end());
        undefined(name, r, names, "skill", "E0306");
        if (rs_->skills.empty()) diags_.all().back().notes.push_back("declare the skills that targets may name: `skills { ... }`");
        return error_node(r);
      }
      if (ctx != NameContext::Constant) {
        if (auto it = attributes_.find(name); it != attributes_.end()) {
          const auto& a = rs_->attributes[static_cast<std::size_t>(it->second)];
          auto out = make_bound(BoundExprKind::Attribute, a.type.as_optional(a.type.optional && !narrowed_.count(it->second)), r);
          out->index = it->second;
          return out;
        }
        if (auto it = defines_.find(name); it != defines_.end()) {
          const auto i = static_cast<std::size_t>(it->second);
          if (define_state_[i] == 1) {
            std::string chain;
            auto start = std::find(define_stack_.begin(), define_stack_.end(), name);
            for (auto s = start; s != define_stack_.end(); ++s) chain += *s + " -> ";
            report("E0313", r, fmt::format("define `{}` depends on itself", name))
                .notes.push_back("the cycle: " + chain + name);
            diags_.all().back().labels.push_back({rs_->defines[i].range, fmt::format("`{}` is defined here", name)});
            return error_node(r);
          }
          if (define_state_[i] == 0) {
            define_state_[i] = 1;
            define_stack_.push_back(name);
            auto saved = std::move(narrowed_);
            narrowed_.clear();
            rs_->defines[i].value = expr(define_syntax_[i]->value.get(), NameContext::Condition);
            narrowed_ = std::move(saved);
            define_stack_.pop_back();
            define_state_[i] = 2;
            rs_->define_order.push_back(it->second);
          }
          const auto* v = rs_->defines[i].value.get();
          auto out = make_bound(BoundExprKind::Define, v ? v->type : SemaType{}, r);
          out->index = it->second;
          return out;
        }
        static const std::map<std::string, TimeName> kTimeNames = {
            {"now", TimeName::Now}, {"age", TimeName::Age}, {"sla", TimeName::Sla}, {"due", TimeName::Due},
            {"overdue_by", TimeName::OverdueBy}};
        if (auto it = kTimeNames.find(name); it != kTimeNames.end()) {
          const bool allowed = (it->second == TimeName::Now) == (ctx == NameContext::Condition);
          if (allowed) {
            const TypeKind k = it->second == TimeName::Now || it->second == TimeName::Due ? TypeKind::Time : TypeKind::Duration;
            auto out = make_bound(BoundExprKind::Time, SemaType::of(k), r);
            out->index = static_cast<std::int32_t>(it->second);
            return out;
          }
        }
      }
      if (auto it = enum_values_.find(name); it != enum_values_.end()) {
        if (it->second.size() > 1) {
          auto& d = report("E0315", r, fmt::format("`{}` is a value of more than one enum", name));
          for (const auto& [en, _] : it->second)
            d.fixits.push_back({r, rs_->enums[static_cast<std::size_t>(en)].name + "." + name,
                                fmt::format("write `{}.{}`", rs_->enums[static_cast<std::size_t>(en)].name, name)});
          return error_node(r);
        }
        auto out = make_bound(BoundExprKind::EnumValue, SemaType::enum_type(it->second[0].first), r);
        out->index = it->second[0].second;
        return out;
      }
      for (std::size_t i = 0; i < kWeekdays.size(); ++i)
        if (kWeekdays[i] == name) {
          auto out = make_bound(BoundExprKind::Weekday, SemaType::of(TypeKind::Weekday), r);
          out->index = static_cast<std::int32_t>(i);
          return out;
        }
      if (ctx == NameContext::Constant && (attributes_.count(name) || defines_.count(name))) {
        report("E0409", r, fmt::format("`{}` is not a constant: write a literal or an enum value here", name));
        return error_node(r);
      }
      // Unknown: suggest from what this context knows.
      std::vector<std::string> candidates;
      if (ctx != NameContext::Constant) {
        for (const auto& [n, _] : attributes_) candidates.push_back(n);
        for (const auto& [n, _] : defines_) candidates.push_back(n);
      }
      for (const auto& [n, _] : enum_values_) candidates.push_back(n);
      if (ctx == NameContext::Scheme)
        for (const char* n : {"age", "sla", "due", "overdue_by"}) candidates.emplace_back(n);
      if (ctx == NameContext::Condition) candidates.emplace_back("now");
      undefined(name, r, candidates, ctx == NameContext::Constant ? "value" : "name", "E0302");
      auto& d = diags_.all().back();
      if (ctx == NameContext::Condition && (name == "age" || name == "sla" || name == "due" || name == "overdue_by"))
        d.notes.push_back(fmt::format("`{}` is known in priority schemes and target stages, where an item has an age; "
                                      "conditions are decided once, at classification",
                                      name));
      else if (ctx == NameContext::Scheme && name == "now")
        d.notes.push_back("`now` is known in conditions and defines; in a priority scheme use `age` or `due`");
      else if (skills_.count(name))
        d.notes.push_back(fmt::format("`{}` is a skill; skills are named in `skill` target stages", name));
      else if (calendars_.count(name))
        d.notes.push_back(fmt::format("`{0}` is a calendar; pass it to a time function such as `is_open({0}, now)`", name));
      return error_node(r);
    }
    case SyntaxExprKind::Member: {
      const auto& m = as<SyntaxMember>(*e);
      const std::string& member = m.member.text;
      const std::string base = m.base && m.base->kind == SyntaxExprKind::Name ? as<SyntaxNameExpr>(*m.base).name : "";
      if (base == "item" && ctx != NameContext::Constant) {
        if (auto it = attributes_.find(member); it != attributes_.end()) {
          const auto& a = rs_->attributes[static_cast<std::size_t>(it->second)];
          auto out = make_bound(BoundExprKind::Attribute, a.type.as_optional(a.type.optional && !narrowed_.count(it->second)), r);
          out->index = it->second;
          return out;
        }
        std::vector<std::string> names;
        for (const auto& [n, _] : attributes_) names.push_back(n);
        undefined(member, m.member.range, names, "attribute", "E0302");
        return error_node(r);
      }
      if (base == "agent") {
        if (ctx == NameContext::Skill) {
          auto out = make_bound(BoundExprKind::AgentAttribute, SemaType::of(TypeKind::String, true), r);
          out->name = member;
          return out;
        }
        report("E0302", m.base->range, "`agent` is known only in `skill` target stages");
        return error_node(r);
      }
      if (auto it = enums_.find(base); it != enums_.end()) {
        const auto& en = rs_->enums[static_cast<std::size_t>(it->second)];
        for (std::size_t i = 0; i < en.values.size(); ++i)
          if (en.values[i] == member) {
            auto out = make_bound(BoundExprKind::EnumValue, SemaType::enum_type(it->second), r);
            out->index = static_cast<std::int32_t>(i);
            return out;
          }
        std::string hint = stdlib::suggest_name(member, std::span<const std::string>(en.values));
        auto& d = report("E0314", m.member.range, fmt::format("enum `{}` has no value `{}`", base, member));
        if (!hint.empty()) d.fixits.push_back({m.member.range, hint, fmt::format("did you mean `{}`?", hint)});
        d.labels.push_back({en.range, fmt::format("`{}` is declared here", base)});
        return error_node(r);
      }
      auto inner = expr(m.base.get(), ctx);
      if (inner && !inner->type.is_error())
        report("E0302", r, fmt::format("`.{}`: only `item`, `agent` and enum names are followed by `.`", member));
      return error_node(r);
    }
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
      auto out = make_bound(BoundExprKind::Unary, operand->type, r);
      out->op = u.op == SyntaxUnaryOp::Not ? BoundOp::Not : BoundOp::Neg;
      out->children.push_back(std::move(operand));
      return out;
    }
    case SyntaxExprKind::Binary: {
      const auto& b = as<SyntaxBinary>(*e);
      const BoundOp op = binary_op(b.op);
      const bool logical = op == BoundOp::And || op == BoundOp::Or;
      auto lhs = expr(b.lhs.get(), ctx, logical ? Want::Bool : want);
      // `has(x) and x > 1`: the right side sees x as present.
      std::set<std::int32_t> saved = narrowed_;
      // `not has(x) or x < 1`: likewise, where the left side does not hold.
      if (op == BoundOp::And && lhs) proven_present(*lhs, narrowed_);
      if (op == BoundOp::Or && lhs) proven_present_if_false(*lhs, narrowed_);
      auto rhs = expr(b.rhs.get(), ctx, logical ? Want::Bool : want);
      narrowed_ = std::move(saved);
      if (!lhs || !rhs || lhs->type.is_error() || rhs->type.is_error()) return error_node(r);
      SemaType lt = lhs->type, rt = rhs->type;
      auto mismatch = [&](const char* verb) {
        report("E0401", b.op_range, fmt::format("cannot {} {} and {}", verb, type_str(lt.as_optional(false)),
                                                type_str(rt.as_optional(false))));
        return error_node(r);
      };
      SemaType result;
      switch (op) {
        case BoundOp::Coalesce: {
          unify_numeric(lhs, rhs);
          if (!lhs->type.same_base(rhs->type) && rhs->type.kind != TypeKind::Absent) {
            report("E0401", b.op_range, fmt::format("`??` gives {} or else {}: the two sides must have one type",
                                                    type_str(lt.as_optional(false)), type_str(rt.as_optional(false))));
            return error_node(r);
          }
          result = lhs->type.as_optional(rhs->type.optional);
          break;
        }
        case BoundOp::And:
        case BoundOp::Or:
          if (lt.kind != TypeKind::Bool || rt.kind != TypeKind::Bool) {
            const auto& bad = lt.kind != TypeKind::Bool ? *lhs : *rhs;
            report("E0404", bad.range, fmt::format("`{}` joins conditions, but this is {}", bound_op_spelling(op),
                                                   type_str(bad.type.as_optional(false))));
            return error_node(r);
          }
          result = SemaType::of(TypeKind::Bool, optional_any(*lhs, *rhs));
          break;
        case BoundOp::Eq:
        case BoundOp::Ne:
        case BoundOp::Lt:
        case BoundOp::Le:
        case BoundOp::Gt:
        case BoundOp::Ge: {
          unify_numeric(lhs, rhs);
          if (lt.kind == TypeKind::Enum && rt.kind == TypeKind::Enum && lt.enum_index != rt.enum_index) {
            const BoundExpr& value = rhs->kind == BoundExprKind::EnumValue ? *rhs : *lhs;
            const BoundExpr& other = &value == rhs.get() ? *lhs : *rhs;
            if (value.kind == BoundExprKind::EnumValue) {
              const auto& en = rs_->enums[static_cast<std::size_t>(value.type.enum_index)];
              report("E0406", value.range,
                     fmt::format("`{}` is a value of {}, not of {}", en.values[static_cast<std::size_t>(value.index)],
                                 en.name, type_str(other.type.as_optional(false))));
              return error_node(r);
            }
          }
          if (!lhs->type.same_base(rhs->type)) {
            report("E0401", b.op_range, fmt::format("cannot compare {} with {}", type_str(lt.as_optional(false)),
                                                    type_str(rt.as_optional(false))));
            return error_node(r);
          }
          if (op != BoundOp::Eq && op != BoundOp::Ne && !ordered(lhs->type.kind)) {
            report("E0401", b.op_range, fmt::format("{} values have no order: `{}` does not apply", type_str(lt.as_optional(false)),
                                                    bound_op_spelling(op)));
            return error_node(r);
          }
          if (lhs->type.kind == TypeKind::List) return mismatch("compare");
          result = SemaType::of(TypeKind::Bool, optional_any(*lhs, *rhs));
          break;
        }
        case BoundOp::Add:
        case BoundOp::Sub: {
          const bool add = op == BoundOp::Add;
          unify_numeric(lhs, rhs);
          const TypeKind a = lhs->type.kind, c = rhs->type.kind;
          TypeKind k = TypeKind::Error;
          if (lhs->type.is_numeric() && a == c) k = a;
          else if (a == TypeKind::Duration && c == TypeKind::Duration) k = TypeKind::Duration;
          else if (a == TypeKind::Time && c == TypeKind::Duration) k = TypeKind::Time;
          else if (add && a == TypeKind::Duration && c == TypeKind::Time) k = TypeKind::Time;
          else if (!add && a == TypeKind::Time && c == TypeKind::Time) k = TypeKind::Duration;
          if (k == TypeKind::Error) return mismatch(add ? "add" : "subtract");
          result = SemaType::of(k, optional_any(*lhs, *rhs));
          break;
        }
        case BoundOp::Mul:
        case BoundOp::Div: {
          const bool mul = op == BoundOp::Mul;
          const TypeKind a = lhs->type.kind, c = rhs->type.kind;
          TypeKind k = TypeKind::Error;
          if (lhs->type.is_numeric() && rhs->type.is_numeric()) {
            if (mul) {
              unify_numeric(lhs, rhs);
              k = lhs->type.kind;
            } else {
              lhs = widen(std::move(lhs));
              rhs = widen(std::move(rhs));
              k = TypeKind::Number;  // `/` on numbers always gives a number
            }
          } else if (a == TypeKind::Duration && rhs->type.is_numeric()) {
            k = TypeKind::Duration;
          } else if (mul && lhs->type.is_numeric() && c == TypeKind::Duration) {
            k = TypeKind::Duration;
          } else if (!mul && a == TypeKind::Duration && c == TypeKind::Duration) {
            k = TypeKind::Number;
          }
          if (k == TypeKind::Error) return mismatch(mul ? "multiply" : "divide");
          result = SemaType::of(k, optional_any(*lhs, *rhs));
          break;
        }
        default: return error_node(r);
      }
      auto out = make_bound(BoundExprKind::Binary, result, r);
      out->op = op;
      out->children.push_back(std::move(lhs));
      out->children.push_back(std::move(rhs));
      return out;
    }
    case SyntaxExprKind::In: {
      const auto& in = as<SyntaxIn>(*e);
      auto value = expr(in.value.get(), ctx);
      if (!value || value->type.is_error()) return error_node(r);
      auto out = make_bound(BoundExprKind::In, SemaType::of(TypeKind::Bool, value->type.optional), r);
      out->negated = in.negated;
      const SemaType vt = value->type.as_optional(false);
      auto fits = [&](BoundExprPtr& item) -> bool {
        if (!item || item->type.is_error()) return false;
        if (vt.is_numeric() && item->type.is_numeric() && vt.kind != item->type.kind) {
          if (vt.kind == TypeKind::Number) item = widen(std::move(item));
          else return true;  // an int checked against a number bound: compared as numbers by lowering
        }
        if (item->type.same_base(vt)) return true;
        if (item->kind == BoundExprKind::EnumValue && vt.kind == TypeKind::Enum) {
          const auto& en = rs_->enums[static_cast<std::size_t>(item->type.enum_index)];
          report("E0406", item->range, fmt::format("`{}` is a value of {}, not of {}",
                                                   en.values[static_cast<std::size_t>(item->index)], en.name, type_str(vt)));
        } else {
          report("E0401", item->range, fmt::format("cannot look for {} among {}", type_str(vt),
                                                   type_str(item->type.as_optional(false))));
        }
        return false;
      };
      bool ok = true;
      if (in.target) {
        if (in.target->kind == SyntaxExprKind::List) {
          auto list = make_bound(BoundExprKind::List, SemaType::list_of(vt.kind, vt.enum_index), in.target->range);
          for (const auto& item : as<SyntaxList>(*in.target).items) {
            auto bi = expr(item.get(), ctx);
            ok = fits(bi) && ok;
            if (bi) list->children.push_back(std::move(bi));
          }
          out->children.push_back(std::move(value));
          out->children.push_back(std::move(list));
        } else {
          auto target = expr(in.target.get(), ctx);
          if (!target || target->type.is_error()) return error_node(r);
          if (target->type.kind != TypeKind::List) {
            report("E0401", target->range, fmt::format("`in` looks into a list or a range `lo..hi`, but this is {}",
                                                       type_str(target->type.as_optional(false))));
            return error_node(r);
          }
          SemaType elem = target->type.elem == TypeKind::Enum ? SemaType::enum_type(target->type.enum_index)
                                                               : SemaType::of(target->type.elem);
          if (!elem.same_base(vt)) {
            report("E0401", r, fmt::format("cannot look for {} in {}", type_str(vt), type_str(target->type.as_optional(false))));
            return error_node(r);
          }
          out->type.optional = out->type.optional || target->type.optional;
          out->children.push_back(std::move(value));
          out->children.push_back(std::move(target));
        }
      } else {
        auto lo = expr(in.lo.get(), ctx), hi = expr(in.hi.get(), ctx);
        ok = fits(lo) && ok;
        ok = fits(hi) && ok;
        if (ok && !ordered(vt.kind)) {
          report("E0401", r, fmt::format("{} values have no order: a range does not apply", type_str(vt)));
          ok = false;
        }
        out->children.push_back(std::move(value));
        if (lo) out->children.push_back(std::move(lo));
        if (hi) out->children.push_back(std::move(hi));
      }
      return ok ? std::move(out) : error_node(r);
    }
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
      auto then_e = expr(i.then_expr.get(), ctx, want);
      narrowed_ = std::move(saved);
      if (cond) proven_present_if_false(*cond, narrowed_);
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
    case SyntaxExprKind::Call: {
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
          if (a->kind == SyntaxExprKind::Name && calendars_.count(as<SyntaxNameExpr>(*a).name)) {
            auto cal = make_bound(BoundExprKind::Calendar, SemaType::of(TypeKind::Calendar), a->range);
            cal->index = calendars_.at(as<SyntaxNameExpr>(*a).name);
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
        auto arg = expr(a, ctx, kind == ParamKind::Duration ? Want::Duration : Want::Any);
        if (!arg || arg->type.is_error()) {
          ok = false;
          continue;
        }
        if (kind != ParamKind::Any && !stdlib::accepts(kind, value_type(arg->type.kind))) {
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
