// Expressions of the AST (stage: syntax). Built from the parse tree by the AST builder;
// every node carries its source range. No ANTLR type appears here.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "compiler/source/source.h"

namespace iwd::compiler {

struct SyntaxName {
  std::string text;
  SourceRange range;
};

enum class SyntaxExprKind { Literal, Name, Member, Call, Unary, Binary, In, List, If, PercentOf };

struct SyntaxExpr {
  SyntaxExprKind kind;
  SourceRange range;
  // The longest path from here to a leaf (1 for a leaf): the builder keeps it under
  // kMaxNesting (compiler/syntax/parse.h), so the stages that walk the tree by recursion cannot
  // overflow the stack.
  std::uint32_t height = 1;
  explicit SyntaxExpr(SyntaxExprKind k) : kind(k) {}
  virtual ~SyntaxExpr() = default;
  SyntaxExpr(const SyntaxExpr&) = delete;
  SyntaxExpr& operator=(const SyntaxExpr&) = delete;
};
using SyntaxExprPtr = std::unique_ptr<SyntaxExpr>;

enum class SyntaxLiteralKind { Int, Number, String, Bool, Duration, Percent, Instant, Date, TimeOfDay, BusinessDays, Invalid };

// A literal with its decoded value. `Invalid` literals were reported while building and
// stand in for what the user wrote so that later stages need not special-case errors.
struct SyntaxLiteral : SyntaxExpr {
  SyntaxLiteralKind lit = SyntaxLiteralKind::Invalid;
  std::string spelling;      // the source text
  std::int64_t int_value = 0;   // Int; Bool (0/1); Duration and Instant (ms); Date (days since epoch); TimeOfDay (minutes);
                                // BusinessDays (the count of open days of `5bd`: not a duration)
  double number_value = 0;      // Number; Percent (12.5 for 12.5%)
  std::string string_value;     // String, decoded
  int utc_offset_minutes = 0;   // Instant: the offset as written
  SyntaxLiteral() : SyntaxExpr(SyntaxExprKind::Literal) {}
};

// A bare name: an attribute, define, enum value, skill, calendar... decided by sema.
struct SyntaxNameExpr : SyntaxExpr {
  std::string name;
  SyntaxNameExpr() : SyntaxExpr(SyntaxExprKind::Name) {}
};

// `base.member`: `item.segment`, `agent.region`, `Segment.Gold`.
struct SyntaxMember : SyntaxExpr {
  SyntaxExprPtr base;
  SyntaxName member;
  SyntaxMember() : SyntaxExpr(SyntaxExprKind::Member) {}
};

struct SyntaxCall : SyntaxExpr {
  SyntaxName callee;
  std::vector<SyntaxExprPtr> args;
  SyntaxCall() : SyntaxExpr(SyntaxExprKind::Call) {}
};

enum class SyntaxUnaryOp { Negate, Not };
struct SyntaxUnary : SyntaxExpr {
  SyntaxUnaryOp op = SyntaxUnaryOp::Negate;
  SyntaxExprPtr operand;
  SyntaxUnary() : SyntaxExpr(SyntaxExprKind::Unary) {}
};

enum class SyntaxBinaryOp { Coalesce, Or, And, Eq, Ne, Lt, Le, Gt, Ge, Add, Sub, Mul, Div };
const char* binary_op_spelling(SyntaxBinaryOp op);  // "??", "or", "==", ...

struct SyntaxBinary : SyntaxExpr {
  SyntaxBinaryOp op = SyntaxBinaryOp::Add;
  SyntaxExprPtr lhs, rhs;
  SourceRange op_range;
  SyntaxBinary() : SyntaxExpr(SyntaxExprKind::Binary) {}
};

// `value [not] in target` or `value [not] in lo..hi`.
struct SyntaxIn : SyntaxExpr {
  bool negated = false;
  SyntaxExprPtr value;
  SyntaxExprPtr target;  // a list, an attribute of list type...; null when a range
  SyntaxExprPtr lo, hi;  // the inclusive range, when given
  SyntaxIn() : SyntaxExpr(SyntaxExprKind::In) {}
};

struct SyntaxList : SyntaxExpr {
  std::vector<SyntaxExprPtr> items;
  SyntaxList() : SyntaxExpr(SyntaxExprKind::List) {}
};

struct SyntaxIf : SyntaxExpr {
  SyntaxExprPtr cond, then_expr, else_expr;
  SyntaxIf() : SyntaxExpr(SyntaxExprKind::If) {}
};

// `75% of sla`: a share of a duration-valued name.
struct SyntaxPercentOf : SyntaxExpr {
  double percent = 0;
  SyntaxName of;  // `sla`
  SyntaxPercentOf() : SyntaxExpr(SyntaxExprKind::PercentOf) {}
};

template <class T>
const T& as(const SyntaxExpr& e) { return static_cast<const T&>(e); }

}  // namespace iwd::compiler
