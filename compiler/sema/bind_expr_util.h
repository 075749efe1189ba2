// Private to compiler/sema: small helpers shared by the bind_*.cpp files that bind
// expressions.
#pragma once

#include <array>
#include <algorithm>
#include <set>

#include "compiler/sema/bind_internal.h"

namespace iwd::compiler::bindutil {

inline constexpr std::array<std::string_view, 7> kWeekdays = {"mon", "tue", "wed", "thu", "fri", "sat", "sun"};

inline BoundExprPtr error_node(SourceRange range) { return make_bound(BoundExprKind::Literal, SemaType{}, range); }

inline bool optional_any(const BoundExpr& a, const BoundExpr& b) { return a.type.optional || b.type.optional; }

// int -> number, keeping optionality.
inline BoundExprPtr widen(BoundExprPtr e) {
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
inline void unify_numeric(BoundExprPtr& a, BoundExprPtr& b) {
  if (a->type.is_numeric() && b->type.is_numeric() && a->type.kind != b->type.kind) {
    a = widen(std::move(a));
    b = widen(std::move(b));
  }
}

inline BoundOp binary_op(SyntaxBinaryOp op) {
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

inline bool ordered(TypeKind k) {
  return k == TypeKind::Int || k == TypeKind::Number || k == TypeKind::Duration || k == TypeKind::Time ||
         k == TypeKind::Date || k == TypeKind::String || k == TypeKind::Weekday;
}

inline stdlib::ValueType value_type(TypeKind k) {
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

inline TypeKind type_kind(stdlib::ValueType v) {
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
inline std::int32_t has_attribute(const BoundExpr& e) {
  if (e.kind == BoundExprKind::Call && e.builtin == stdlib::Builtin::Has && e.children.size() == 1 &&
      e.child(0).kind == BoundExprKind::Attribute)
    return e.child(0).index;
  return -1;
}

// Attributes that a condition proves present when it holds: has(x), has(x) and ...
inline void proven_present(const BoundExpr& e, std::set<std::int32_t>& out) {
  if (auto a = has_attribute(e); a >= 0) out.insert(a);
  if (e.kind == BoundExprKind::Binary && e.op == BoundOp::And) {
    proven_present(e.child(0), out);
    proven_present(e.child(1), out);
  }
}

// Attributes that a condition proves present when it does NOT hold: not has(x), or of them.
inline void proven_present_if_false(const BoundExpr& e, std::set<std::int32_t>& out) {
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
inline const BoundExpr* optional_source(const BoundExpr& e) {
  if (!e.type.optional) return nullptr;
  if (e.kind == BoundExprKind::Attribute || e.kind == BoundExprKind::Define) return &e;
  for (const auto& c : e.children)
    if (const auto* s = optional_source(*c)) return s;
  return nullptr;
}


}  // namespace iwd::compiler::bindutil
