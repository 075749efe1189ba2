// Lowering expressions: one BoundExpr tree to one straight-line function.
#include "compiler/lower/lower_expr.h"

#include <cassert>

namespace iwd::compiler {

VTag tag_of(const SemaType& t) {
  switch (t.kind) {
    case TypeKind::Bool: return VTag::Bool;
    case TypeKind::Int: return VTag::Int;
    case TypeKind::Number: return VTag::Number;
    case TypeKind::String: return VTag::String;
    case TypeKind::Time: return VTag::Time;
    case TypeKind::Duration: return VTag::Duration;
    case TypeKind::Date: return VTag::Date;
    case TypeKind::Weekday: return VTag::Weekday;
    case TypeKind::Enum: return VTag::Enum;
    case TypeKind::List: return VTag::List;
    case TypeKind::Calendar: return VTag::Calendar;
    case TypeKind::BusinessDays: return VTag::BusinessDays;
    default: return VTag::Int;
  }
}

VType vtype_of(const SemaType& t) {
  if (t.kind == TypeKind::Bool) return VType::Bool;
  if (t.kind == TypeKind::Number) return VType::F64;
  return VType::I64;
}

std::int64_t ProgramConstants::string(const std::string& s) {
  auto [it, fresh] = strings_.emplace(s, static_cast<std::int64_t>(p_.strings.size()));
  if (fresh) p_.strings.push_back(s);
  return it->second;
}

std::int64_t ProgramConstants::regex(const std::string& s) {
  auto [it, fresh] = regexes_.emplace(s, static_cast<std::int64_t>(p_.regexes.size()));
  if (fresh) p_.regexes.push_back(s);
  return it->second;
}

std::int64_t ProgramConstants::zone(const std::string& s) {
  auto [it, fresh] = zones_.emplace(s, static_cast<std::int64_t>(p_.zones.size()));
  if (fresh) p_.zones.push_back(s);
  return it->second;
}

std::int64_t ProgramConstants::list(Program::ConstList l) {
  p_.lists.push_back(std::move(l));
  return static_cast<std::int64_t>(p_.lists.size() - 1);
}

ProgramFunction FunctionBuilder::build(const BoundExpr& e) {
  f_.result = expr(e);
  f_.type = f_.reg_types[f_.result];
  f_.tag = f_.code.back().tag;
  for (const auto& in : f_.code)
    if (in.dst == f_.result) f_.tag = in.tag;
  return std::move(f_);
}

std::uint32_t FunctionBuilder::emit(Instr in) {
  in.dst = static_cast<std::uint32_t>(f_.reg_types.size());
  f_.reg_types.push_back(in.type);
  f_.code.push_back(std::move(in));
  return f_.code.back().dst;
}

std::uint32_t FunctionBuilder::const_i(std::int64_t v, VTag tag) {
  Instr in;
  in.op = Op::ConstI;
  in.type = tag == VTag::Bool ? VType::Bool : VType::I64;
  in.tag = tag;
  in.imm = v;
  return emit(in);
}

std::uint32_t FunctionBuilder::expr(const BoundExpr& e) {
  const std::uint32_t r = lower_node(e);
  if (nodes_) nodes_->emplace(&e, r);
  return r;
}

std::uint32_t FunctionBuilder::lower_node(const BoundExpr& e) {
  Instr in;
  in.type = vtype_of(e.type);
  in.tag = tag_of(e.type);
  in.enum_index = e.type.kind == TypeKind::Enum ? e.type.enum_index : -1;
  switch (e.kind) {
    case BoundExprKind::Literal:
      if (e.type.kind == TypeKind::Number) {
        in.op = Op::ConstF;
        in.fimm = e.number_value;
        return emit(in);
      }
      if (e.type.kind == TypeKind::String) return const_i(consts_.string(e.string_value), VTag::String);
      return const_i(e.int_value, in.tag);
    case BoundExprKind::Absent:
      in.op = Op::Absent;
      return emit(in);
    case BoundExprKind::Attribute:
      in.op = Op::LoadAttr;
      in.a = static_cast<std::uint32_t>(e.index);
      return emit(in);
    case BoundExprKind::Define: {
      auto it = defines_.find(e.index);
      if (it != defines_.end()) return it->second;
      const std::uint32_t r = expr(*rs_.defines[static_cast<std::size_t>(e.index)].value);
      defines_.emplace(e.index, r);
      return r;
    }
    case BoundExprKind::EnumValue:
      in.op = Op::ConstI;
      in.imm = e.index;
      return emit(in);
    case BoundExprKind::Weekday: return const_i(e.index, VTag::Weekday);
    case BoundExprKind::Calendar: return const_i(e.index, VTag::Calendar);
    case BoundExprKind::Time:
      in.op = Op::LoadInput;
      in.a = static_cast<std::uint32_t>(e.index);  // TimeName and Input share their order
      if (in.a == static_cast<std::uint32_t>(Input::Sla)) in.a = static_cast<std::uint32_t>(Input::Window);  // 1.1: due - start
      return emit(in);
    case BoundExprKind::Skill:
      in.op = Op::LoadSkill;
      in.a = static_cast<std::uint32_t>(e.index);
      return emit(in);
    case BoundExprKind::AgentAttribute:
      in.op = Op::LoadAgent;
      in.a = static_cast<std::uint32_t>(consts_.string(e.name));
      return emit(in);
    case BoundExprKind::Widen:
      in.op = Op::IntToNumber;
      in.a = expr(e.child(0));
      return emit(in);
    case BoundExprKind::ShareOfSla:
      in.op = Op::ShareOfSla;
      in.fimm = e.number_value / 100.0;
      return emit(in);
    case BoundExprKind::Unary:
      in.op = e.op == BoundOp::Not ? Op::Not : Op::Neg;
      in.a = expr(e.child(0));
      return emit(in);
    case BoundExprKind::Binary: return binary(e);
    case BoundExprKind::In: return membership(e);
    case BoundExprKind::If:
      in.op = Op::Select;
      in.c = expr(e.child(0));
      in.a = expr(e.child(1));
      in.b = expr(e.child(2));
      return emit(in);
    case BoundExprKind::Call: return call(e);
    case BoundExprKind::List:
      break;  // lists stand only after `in`, handled there
  }
  assert(false && "expression kind not lowered");
  return const_i(0, VTag::Int);
}

std::uint32_t FunctionBuilder::binary(const BoundExpr& e) {
  Instr in;
  in.type = vtype_of(e.type);
  in.tag = tag_of(e.type);
  switch (e.op) {
    case BoundOp::Coalesce: in.op = Op::Coalesce; break;
    case BoundOp::Or: in.op = Op::Or; break;
    case BoundOp::And: in.op = Op::And; break;
    case BoundOp::Eq: in.op = Op::Eq; break;
    case BoundOp::Ne: in.op = Op::Ne; break;
    case BoundOp::Lt: in.op = Op::Lt; break;
    case BoundOp::Le: in.op = Op::Le; break;
    case BoundOp::Gt: in.op = Op::Gt; break;
    case BoundOp::Ge: in.op = Op::Ge; break;
    case BoundOp::Add: in.op = Op::Add; break;
    case BoundOp::Sub: in.op = Op::Sub; break;
    case BoundOp::Mul: in.op = Op::Mul; break;
    case BoundOp::Div: in.op = Op::Div; break;
    default: assert(false && "not a binary operator");
  }
  in.a = expr(e.child(0));
  in.b = expr(e.child(1));
  return emit(in);
}

std::uint32_t FunctionBuilder::membership(const BoundExpr& e) {
  const std::uint32_t value = expr(e.child(0));
  Instr in;
  in.type = VType::Bool;
  in.tag = VTag::Bool;
  in.a = value;
  if (e.children.size() == 3) {
    in.op = Op::InRange;
    in.b = expr(e.child(1));
    in.c = expr(e.child(2));
  } else if (e.child(1).kind == BoundExprKind::List) {
    // A list of constants becomes a constant list; otherwise an `or` of equalities.
    const auto& items = e.child(1).children;
    bool constant = true;
    for (const auto& it : items)
      constant = constant && (it->kind == BoundExprKind::Literal || it->kind == BoundExprKind::EnumValue ||
                              it->kind == BoundExprKind::Weekday);
    if (constant) {
      Program::ConstList list;
      list.tag = tag_of(e.child(0).type);
      for (const auto& it : items) {
        if (it->type.kind == TypeKind::Number) list.numbers.push_back(it->number_value);
        else if (it->type.kind == TypeKind::String) list.values.push_back(consts_.string(it->string_value));
        else list.values.push_back(it->kind == BoundExprKind::Literal ? it->int_value : it->index);
      }
      in.op = Op::InList;
      in.b = static_cast<std::uint32_t>(consts_.list(std::move(list)));
    } else {
      std::uint32_t acc = const_i(0, VTag::Bool);
      for (const auto& it : items) {
        Instr eq;
        eq.op = Op::Eq;
        eq.type = VType::Bool;
        eq.tag = VTag::Bool;
        eq.a = value;
        eq.b = expr(*it);
        const std::uint32_t r = emit(eq);
        Instr orr;
        orr.op = Op::Or;
        orr.type = VType::Bool;
        orr.tag = VTag::Bool;
        orr.a = acc;
        orr.b = r;
        acc = emit(orr);
      }
      if (!e.negated) return acc;
      Instr n;
      n.op = Op::Not;
      n.type = VType::Bool;
      n.tag = VTag::Bool;
      n.a = acc;
      return emit(n);
    }
  } else {
    in.op = Op::InAttrList;
    in.b = expr(e.child(1));
  }
  const std::uint32_t r = emit(in);
  if (!e.negated) return r;
  Instr n;
  n.op = Op::Not;
  n.type = VType::Bool;
  n.tag = VTag::Bool;
  n.a = r;
  return emit(n);
}

std::uint32_t FunctionBuilder::call(const BoundExpr& e) {
  Instr in;
  in.op = Op::Call;
  in.type = vtype_of(e.type);
  in.tag = tag_of(e.type);
  in.builtin = e.builtin;
  const auto& fn = stdlib::function(e.builtin);
  for (std::size_t i = 0; i < e.children.size(); ++i) {
    const BoundExpr& arg = e.child(i);
    const auto kind = fn.param(i);
    if (kind == stdlib::ParamKind::StringLiteral) {
      in.args.push_back(const_i(consts_.regex(arg.string_value), VTag::Regex));
    } else if (kind == stdlib::ParamKind::CalendarOrZone && arg.kind == BoundExprKind::Literal &&
               arg.type.kind == TypeKind::String) {
      in.args.push_back(const_i(consts_.zone(arg.string_value), VTag::Zone));
    } else {
      in.args.push_back(expr(arg));
    }
  }
  return emit(in);
}

}  // namespace iwd::compiler
