// condition_text (see condition_solver.h): a bound expression written back in the language's
// own syntax, with the fewest parentheses its operators' precedence needs, for messages.
#include "compiler/sema/condition_solver_internal.h"

#include "stdlib/time.h"

namespace iwd::compiler {

namespace {

int precedence(const BoundExpr& e) {
  switch (e.kind) {
    case BoundExprKind::If: return 0;
    case BoundExprKind::Binary:
      switch (e.op) {
        case BoundOp::Coalesce: return 1;
        case BoundOp::Or: return 2;
        case BoundOp::And: return 3;
        case BoundOp::Eq: case BoundOp::Ne: case BoundOp::Lt: case BoundOp::Le: case BoundOp::Gt: case BoundOp::Ge: return 5;
        case BoundOp::Add: case BoundOp::Sub: return 6;
        case BoundOp::Mul: case BoundOp::Div: return 7;
        default: return 9;
      }
    case BoundExprKind::Unary: return e.op == BoundOp::Not ? 4 : 8;
    case BoundExprKind::In: return 5;
    case BoundExprKind::Widen: return precedence(e.child(0));
    default: return 9;
  }
}

class TextWriter {
 public:
  explicit TextWriter(const BoundRuleset& rs) : rs_(rs) {}

  std::string text(const BoundExpr& e, int min_prec = 0) const {
    std::string s = raw(e);
    return precedence(e) < min_prec ? "(" + s + ")" : s;
  }

 private:
  const BoundRuleset& rs_;

  std::string raw(const BoundExpr& e) const {
    switch (e.kind) {
      case BoundExprKind::Literal:
        switch (e.type.kind) {
          case TypeKind::Int: return fmt::format("{}", e.int_value);
          case TypeKind::Bool: return e.int_value ? "true" : "false";
          case TypeKind::Number: return stdlib::format_number(e.number_value);
          case TypeKind::String: return escape_string(e.string_value);
          case TypeKind::Duration: return stdlib::format_duration(stdlib::Duration{e.int_value});
          case TypeKind::Time: return stdlib::format_instant(stdlib::Instant{e.int_value});
          case TypeKind::Date: return stdlib::format_date(e.int_value);
          case TypeKind::BusinessDays: return fmt::format("{}bd", e.int_value);
          default: return "?";
        }
      case BoundExprKind::Attribute:
        return e.index >= 0 && static_cast<std::size_t>(e.index) < rs_.attributes.size()
                   ? rs_.attributes[static_cast<std::size_t>(e.index)].name
                   : "?";
      case BoundExprKind::Define: return rs_.defines[static_cast<std::size_t>(e.index)].name;
      case BoundExprKind::EnumValue: {
        if (e.type.enum_index < 0) return "?";
        const auto& en = rs_.enums[static_cast<std::size_t>(e.type.enum_index)];
        return static_cast<std::size_t>(e.index) < en.values.size() ? en.values[static_cast<std::size_t>(e.index)] : "?";
      }
      case BoundExprKind::Weekday: {
        static constexpr const char* kDays[] = {"mon", "tue", "wed", "thu", "fri", "sat", "sun"};
        return e.index >= 0 && e.index < 7 ? kDays[e.index] : "?";
      }
      case BoundExprKind::Time: return time_name_spelling(static_cast<TimeName>(e.index));
      case BoundExprKind::Skill: return rs_.skills[static_cast<std::size_t>(e.index)];
      case BoundExprKind::AgentAttribute: return "agent." + e.name;
      case BoundExprKind::Calendar: return rs_.calendars[static_cast<std::size_t>(e.index)].name;
      case BoundExprKind::ShareOfSla: return stdlib::format_number(e.number_value) + "% of sla";
      case BoundExprKind::Absent: return "absent";
      case BoundExprKind::Widen: return raw(e.child(0));
      case BoundExprKind::Call: {
        std::string s = std::string(stdlib::function(e.builtin).name) + "(";
        for (std::size_t i = 0; i < e.children.size(); ++i) s += (i ? ", " : "") + text(*e.children[i]);
        return s + ")";
      }
      case BoundExprKind::Unary:
        return e.op == BoundOp::Not ? "not " + text(e.child(0), 5) : "-" + text(e.child(0), 9);
      case BoundExprKind::Binary: {
        const int p = precedence(e);
        // Left-associative: the right operand needs a strictly higher precedence.
        const int rp = e.op == BoundOp::Coalesce ? p : p + 1;
        const int lp = e.op == BoundOp::Coalesce ? p + 1 : (p == 5 ? 6 : p);
        return text(e.child(0), lp) + " " + bound_op_spelling(e.op) + " " + text(e.child(1), rp);
      }
      case BoundExprKind::In: {
        std::string s = text(e.child(0), 6) + (e.negated ? " not in " : " in ");
        if (e.children.size() == 3) return s + text(e.child(1), 6) + ".." + text(e.child(2), 6);
        return s + text(e.child(1), 6);
      }
      case BoundExprKind::List: {
        std::string s = "[";
        for (std::size_t i = 0; i < e.children.size(); ++i) s += (i ? ", " : "") + text(*e.children[i]);
        return s + "]";
      }
      case BoundExprKind::If:
        return "if " + text(e.child(0)) + " then " + text(e.child(1)) + " else " + text(e.child(2));
    }
    return "?";
  }
};

}  // namespace

std::string condition_text(const BoundRuleset& rs, const BoundExpr& e) { return TextWriter(rs).text(e); }

}  // namespace iwd::compiler
