// Explanations: expressions as written and values as the language writes them; a function's
// run explained from the interpreter's registers.
#include "compiler/explain/explain_expr.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>

#include "stdlib/time.h"

namespace iwd::compiler {
namespace {

std::string quote(std::string_view s) {
  std::string out = "\"";
  for (unsigned char c : s) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\t': out += "\\t"; break;
      default:
        if (c < 0x20) out += fmt::format("\\u{{{:x}}}", c);
        else out += static_cast<char>(c);
    }
  }
  return out + "\"";
}

bool is_logical(const BoundExpr& e) {
  return (e.kind == BoundExprKind::Binary && (e.op == BoundOp::And || e.op == BoundOp::Or)) ||
         (e.kind == BoundExprKind::Unary && e.op == BoundOp::Not) || e.kind == BoundExprKind::Define;
}

// The operands of a logical node: a chain `a and b and c` gives a, b, c; a define its body's.
void operands(const BoundRuleset& rs, const BoundExpr& e, std::vector<const BoundExpr*>& out) {
  if (e.kind == BoundExprKind::Binary) {
    for (const auto& c : e.children) {
      if (c->kind == BoundExprKind::Binary && c->op == e.op) operands(rs, *c, out);
      else out.push_back(c.get());
    }
  } else if (e.kind == BoundExprKind::Unary) {
    out.push_back(&e.child(0));
  } else if (e.kind == BoundExprKind::Define) {
    const BoundExpr& body = *rs.defines[static_cast<std::size_t>(e.index)].value;
    if (is_logical(body) && body.kind != BoundExprKind::Define) operands(rs, body, out);
    else out.push_back(&body);
  }
}

}  // namespace

std::string open_hours_text(std::int64_t ms) {
  // Open time in hours (`28h54m`), never in 24-hour days: a day of open time is not a day.
  const std::int64_t hours = ms / 3'600'000;
  const std::int64_t rest = ms % 3'600'000;
  if (hours == 0) return stdlib::format_duration(stdlib::Duration{ms});
  return rest == 0 ? fmt::format("{}h", hours) : fmt::format("{}h{}", hours, stdlib::format_duration(stdlib::Duration{rest}));
}
std::string instant_text(std::int64_t ms) { return stdlib::format_instant(stdlib::Instant{ms}); }

std::string ExprExplainer::location(const SourceRange& range) const {
  if (!range.valid()) return {};
  return fmt::format("{}:{}", r_.sm.file(range.file).path, range.begin.line);
}

std::string ExprExplainer::source_text(const SourceRange& range) const {
  if (!range.valid()) return {};
  const std::string& text = r_.sm.file(range.file).text;
  const std::size_t b = utf8_byte_offset(text, range.begin.offset), e = utf8_byte_offset(text, range.end.offset);
  std::string out;
  bool blank = false;
  for (std::size_t i = b; i < e && i < text.size(); ++i) {
    const char c = text[i];
    if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
      blank = true;
      continue;
    }
    if (blank && !out.empty()) out += ' ';
    blank = false;
    out += c;
  }
  return out;
}

std::string ExprExplainer::text(const BoundExpr& e, bool synthesized) const {
  if (!synthesized) return source_text(e.range);
  switch (e.kind) {
    case BoundExprKind::Binary: {
      auto side = [&](const BoundExpr& c) {
        const std::string t = text(c, true);
        const bool paren = e.op == BoundOp::And && c.kind == BoundExprKind::Binary && c.op == BoundOp::Or;
        return paren ? "(" + t + ")" : t;
      };
      return fmt::format("{} {} {}", side(e.child(0)), bound_op_spelling(e.op), side(e.child(1)));
    }
    case BoundExprKind::Unary:
      return fmt::format("{} ({})", bound_op_spelling(e.op), text(e.child(0), true));
    case BoundExprKind::In:
      if (e.children.size() == 3)
        return fmt::format("{} in {}..{}", text(e.child(0), true), text(e.child(1), true), text(e.child(2), true));
      return source_text(e.range);
    default: return source_text(e.range);
  }
}

std::string ExprExplainer::value_text(const Value& v, VTag tag, std::int32_t enum_index, VTag element,
                                      const EvalEnv& env) const {
  if (!v.present) return "absent";
  const Program& p = r_.program;
  switch (tag) {
    case VTag::Bool: return v.i ? "true" : "false";
    case VTag::Int: return std::to_string(v.i);
    case VTag::Number: return stdlib::format_number(v.f);
    case VTag::String: return quote(env.string_text(v.i));
    case VTag::Time:
      return v.i == TimeInputs::kDueNever ? "absent" : instant_text(v.i);  // `due` without a due instant
    case VTag::Duration: return stdlib::format_duration(stdlib::Duration{v.i});
    case VTag::BusinessDays: return fmt::format("{}bd", v.i);
    case VTag::Date: return stdlib::format_date(v.i);
    case VTag::Weekday: return std::string(stdlib::weekday_name(static_cast<stdlib::Weekday>(v.i)));
    case VTag::Enum:
      if (enum_index >= 0 && v.i >= 0 && static_cast<std::size_t>(v.i) < p.enums[static_cast<std::size_t>(enum_index)].size())
        return p.enums[static_cast<std::size_t>(enum_index)][static_cast<std::size_t>(v.i)];
      return std::to_string(v.i);
    case VTag::List: {
      std::vector<std::int64_t> values;
      if (!env.list_values(v.i, &values)) return "[...]";
      std::string out = "[";
      for (std::size_t k = 0; k < values.size(); ++k)
        out += (k ? ", " : "") + value_text(Value::of_int(values[k]), element, enum_index, VTag::Int, env);
      return out + "]";
    }
    case VTag::Calendar: return p.calendar_names.at(static_cast<std::size_t>(v.i));
    case VTag::Zone: return quote(p.zones.at(static_cast<std::size_t>(v.i)));
    case VTag::Regex: return quote(p.regexes.at(static_cast<std::size_t>(v.i)));
  }
  return std::to_string(v.i);
}

std::string ExprExplainer::attribute_value(std::uint32_t slot, const EvalEnv& env) const {
  const ProgramAttribute& a = r_.program.attributes[slot];
  return value_text(env.attribute(slot), a.tag, a.enum_index, a.element, env);
}

std::string ExprExplainer::register_value(FunctionRef f, std::uint32_t reg, const std::vector<Value>& regs,
                                          const EvalEnv& env) const {
  const ProgramFunction& fn = r_.program.functions[static_cast<std::size_t>(f)];
  for (const Instr& in : fn.code) {
    if (in.dst != reg) continue;
    if (in.op == Op::LoadAttr) {
      const ProgramAttribute& a = r_.program.attributes[in.a];
      return value_text(regs[reg], a.tag, a.enum_index, a.element, env);
    }
    return value_text(regs[reg], in.tag, in.enum_index, VTag::Int, env);
  }
  return "absent";
}

void ExprExplainer::add_parts(FunctionRef f, const BoundExpr& e, const std::vector<Value>& regs, const EvalEnv& env,
                              bool synthesized, int depth, std::vector<ExplainedExpr>& out) const {
  if (!is_logical(e) || depth > 4) return;
  std::vector<const BoundExpr*> ops;
  operands(r_.rs, e, ops);
  // A define's body is written where the define is, not built from table cells.
  const bool synth = synthesized && e.kind != BoundExprKind::Define;
  for (const BoundExpr* o : ops) {
    const std::int64_t reg = r_.registers.find(f, o);
    if (reg < 0) continue;
    ExplainedExpr part;
    part.text = text(*o, synth);
    part.value = register_value(f, static_cast<std::uint32_t>(reg), regs, env);
    add_parts(f, *o, regs, env, synth, depth + 1, part.parts);
    out.push_back(std::move(part));
  }
}

ExplainedExpr ExprExplainer::explain(FunctionRef f, const BoundExpr& root, const EvalEnv& env, const TimeInputs& in,
                                     bool synthesized) const {
  ExplainedExpr x;
  x.text = text(root, synthesized);
  x.location = location(root.range);
  if (f < 0) return x;
  const ProgramFunction& fn = r_.program.functions[static_cast<std::size_t>(f)];
  const std::vector<Value> regs = r_.interp.registers(f, env, in);
  x.value = register_value(f, fn.result, regs, env);
  add_parts(f, root, regs, env, synthesized, 0, x.parts);
  std::vector<std::pair<Op, std::uint32_t>> seen;
  for (const Instr& ins : fn.code) {
    if (ins.op != Op::LoadAttr && ins.op != Op::LoadSkill && ins.op != Op::LoadAgent && ins.op != Op::LoadInput) continue;
    if (std::find(seen.begin(), seen.end(), std::make_pair(ins.op, ins.a)) != seen.end()) continue;
    seen.emplace_back(ins.op, ins.a);
    std::string name;
    switch (ins.op) {
      case Op::LoadAttr: name = r_.program.attributes[ins.a].name; break;
      case Op::LoadSkill: name = r_.program.skills[ins.a]; break;
      case Op::LoadAgent: name = "agent." + r_.program.strings[ins.a]; break;
      default: name = input_name(static_cast<Input>(ins.a)); break;
    }
    x.reads.push_back({name, register_value(f, ins.dst, regs, env)});
  }
  return x;
}

}  // namespace iwd::compiler
