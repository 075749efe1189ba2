// Binder: operators and membership; mistakes name both types in the analyst's terms.
#include <fmt/format.h>

#include <algorithm>
#include <cctype>

#include "compiler/sema/bind_expr_util.h"
#include "stdlib/spelling.h"

namespace iwd::compiler {
using namespace bindutil;
namespace {

// `department == Sales`: an unknown bare name compared with a string attribute (or define)
// is almost surely text without its quotes. Adds the quoted string as a fix-it to the
// E0302 already reported for the name.
void suggest_quoted(const BoundRuleset& rs, DiagnosticBag& diags, const SyntaxExpr* side, const BoundExpr* bound,
                    const BoundExpr* other) {
  if (!side || side->kind != SyntaxExprKind::Name || (bound && !bound->type.is_error())) return;
  if (!other || other->type.is_error() || other->type.kind != TypeKind::String) return;
  if (other->kind != BoundExprKind::Attribute && other->kind != BoundExprKind::Define) return;
  const std::string& name = as<SyntaxNameExpr>(*side).name;
  for (auto it = diags.all().rbegin(); it != diags.all().rend(); ++it) {
    if (it->code != "E0302" || !(it->range == side->range)) continue;
    const std::string& whose = other->kind == BoundExprKind::Attribute
                                   ? rs.attributes[static_cast<std::size_t>(other->index)].name
                                   : rs.defines[static_cast<std::size_t>(other->index)].name;
    const std::string quoted = "\"" + name + "\"";
    // `Sales` for the define `sales`: a name that differs only in case is no better guess.
    std::erase_if(it->fixits, [&](const FixIt& f) {
      return f.replacement.size() == name.size() &&
             std::equal(name.begin(), name.end(), f.replacement.begin(), [](char a, char b) {
               return std::tolower(static_cast<unsigned char>(a)) == std::tolower(static_cast<unsigned char>(b));
             });
    });
    it->notes.push_back(fmt::format("`{}` is a string: text is written in double quotes", whose));
    it->fixits.insert(it->fixits.begin(), FixIt{side->range, quoted, fmt::format("did you mean the string `{}`?", quoted)});
    return;
  }
}

}  // namespace

BoundExprPtr Binder::bind_binary(const SyntaxExpr* e, NameContext ctx, Want want) {
  const SourceRange r = e->range;
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
  if (op == BoundOp::Eq || op == BoundOp::Ne) {
    suggest_quoted(*rs_, diags_, b.lhs.get(), lhs.get(), rhs.get());
    suggest_quoted(*rs_, diags_, b.rhs.get(), rhs.get(), lhs.get());
  }
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

BoundExprPtr Binder::bind_in(const SyntaxExpr* e, NameContext ctx, Want want) {
  const SourceRange r = e->range;
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
        suggest_quoted(*rs_, diags_, item.get(), bi.get(), value.get());
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

}  // namespace iwd::compiler
