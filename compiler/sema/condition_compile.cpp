// The condition solver, compilation (see condition_solver.h for the fragment and the method):
// a bound condition becomes a tree of nodes over atoms (an attribute's variable, an operator
// and constants) and opaque parts (anything beyond the fragment); defines compile once.
#include "compiler/sema/condition_solver_internal.h"

#include <algorithm>

#include "stdlib/functions.h"

namespace iwd::compiler {

bool ConditionSolver::Impl::constant(const BoundExpr& e, Value& v, TypeKind& kind) const {
  switch (e.kind) {
    case BoundExprKind::Literal:
      kind = e.type.kind;
      switch (e.type.kind) {
        case TypeKind::Int:
        case TypeKind::Time:
        case TypeKind::Duration:
        case TypeKind::Date:
        case TypeKind::Bool: v.num = static_cast<long double>(e.int_value); return true;
        case TypeKind::Number:
          if (std::isnan(e.number_value)) return false;
          v.num = static_cast<long double>(e.number_value);
          return true;
        case TypeKind::String: v.str = e.string_value; return true;
        default: return false;
      }
    case BoundExprKind::EnumValue:
      kind = TypeKind::Enum;
      v.num = e.index;
      return e.index >= 0;
    case BoundExprKind::Widen:
      if (!constant(e.child(0), v, kind)) return false;
      kind = TypeKind::Number;
      return true;
    case BoundExprKind::Unary:
      if (e.op != BoundOp::Neg || !constant(e.child(0), v, kind)) return false;
      if (kind != TypeKind::Int && kind != TypeKind::Number && kind != TypeKind::Duration) return false;
      v.num = -v.num;
      return true;
    case BoundExprKind::Define: {
      const auto& d = rs.defines[static_cast<std::size_t>(e.index)];
      return d.value && constant(*d.value, v, kind);
    }
    default: return false;
  }
}

bool ConditionSolver::Impl::term(const BoundExpr& e, Term& t) const {
  switch (e.kind) {
    case BoundExprKind::Attribute: {
      if (e.index < 0 || static_cast<std::size_t>(e.index) >= rs.attributes.size()) return false;
      if (dom_of(attribute(e.index).type.kind) == Dom::Unsupported) return false;
      t.attr = e.index;
      return true;
    }
    case BoundExprKind::Widen: return term(e.child(0), t);
    case BoundExprKind::Define: {
      const auto& d = rs.defines[static_cast<std::size_t>(e.index)];
      return d.value && term(*d.value, t);
    }
    case BoundExprKind::Binary: {
      if (e.op != BoundOp::Coalesce) return false;
      Term inner;
      TypeKind k;
      if (!term(e.child(0), inner) || inner.has_fallback || !constant(e.child(1), t.fallback, k)) return false;
      t.attr = inner.attr;
      t.has_fallback = true;
      return true;
    }
    default: return false;
  }
}

std::int32_t ConditionSolver::Impl::var_for_value(std::int32_t attr) {
  if (auto it = value_var.find(attr); it != value_var.end()) return it->second;
  Var v;
  v.kind = VarKind::Value;
  v.attr = attr;
  v.type = attribute(attr).type.kind;
  v.dom = dom_of(v.type);
  v.optional = attribute(attr).type.optional;
  vars.push_back(std::move(v));
  const auto id = static_cast<std::int32_t>(vars.size() - 1);
  value_var[attr] = id;
  return id;
}

std::int32_t ConditionSolver::Impl::var_for_presence(std::int32_t attr) {
  if (auto it = presence_var.find(attr); it != presence_var.end()) return it->second;
  Var v;
  v.kind = VarKind::ListPresence;
  v.attr = attr;
  v.dom = Dom::Bool;
  v.type = TypeKind::List;
  v.optional = true;
  vars.push_back(std::move(v));
  const auto id = static_cast<std::int32_t>(vars.size() - 1);
  presence_var[attr] = id;
  return id;
}

std::int32_t ConditionSolver::Impl::var_for_elem(std::int32_t attr, const Value& value, TypeKind kind, const BoundExpr& spelled) {
  std::string key = kind == TypeKind::String ? "s" + value.str : fmt::format("n{}", static_cast<double>(value.num));
  if (auto it = elem_var.find({attr, key}); it != elem_var.end()) return it->second;
  Var v;
  v.kind = VarKind::ListElem;
  v.attr = attr;
  v.dom = Dom::Bool;
  v.type = kind;
  v.elem = value;
  v.elem_text = condition_text(rs, spelled);
  vars.push_back(std::move(v));
  const auto id = static_cast<std::int32_t>(vars.size() - 1);
  elem_var[{attr, key}] = id;
  return id;
}

std::int32_t ConditionSolver::Impl::atom_node(std::int32_t var, Op op, std::vector<Value> consts, const Term* t) {
  std::string key = fmt::format("{}|{}|", var, static_cast<int>(op));
  const bool str = vars[static_cast<std::size_t>(var)].dom == Dom::String;
  auto add_key = [&](const Value& v) { key += str ? escape_string(v.str) + "," : fmt::format("{},", static_cast<double>(v.num)) + fmt::format("{:a};", static_cast<double>(v.num)); };
  for (const auto& c : consts) add_key(c);
  if (t && t->has_fallback) {
    key += "??";
    add_key(t->fallback);
  }
  std::int32_t id;
  if (auto it = atom_key.find(key); it != atom_key.end()) {
    id = it->second;
  } else {
    Atom a;
    a.var = var;
    a.op = op;
    a.consts = std::move(consts);
    if (t && t->has_fallback) {
      a.has_fallback = true;
      a.fallback = t->fallback;
    }
    atoms.push_back(std::move(a));
    id = static_cast<std::int32_t>(atoms.size() - 1);
    vars[static_cast<std::size_t>(var)].atoms.push_back(id);
    atom_key.emplace(std::move(key), id);
    dirty = true;
  }
  if (building) {
    if (std::find(building->atoms.begin(), building->atoms.end(), id) == building->atoms.end()) building->atoms.push_back(id);
    if (std::find(building->vars.begin(), building->vars.end(), var) == building->vars.end()) building->vars.push_back(var);
  }
  return push(Node{NodeKind::Atom, 0, -1, -1, id});
}

const BoundExpr* ConditionSolver::Impl::culprit(const BoundExpr& e) const {
  Term t;
  Value v;
  TypeKind k;
  switch (e.kind) {
    case BoundExprKind::Widen: return culprit(e.child(0));
    case BoundExprKind::Binary:
      switch (e.op) {
        case BoundOp::Eq: case BoundOp::Ne: case BoundOp::Lt: case BoundOp::Le: case BoundOp::Gt: case BoundOp::Ge:
        case BoundOp::Coalesce:
          for (const auto& c : e.children)
            if (!term(*c, t) && !constant(*c, v, k) && c->kind != BoundExprKind::Attribute) return culprit(*c);
          return &e;
        default: return &e;
      }
    case BoundExprKind::In:
      for (const auto& c : e.children) {
        if (c->kind == BoundExprKind::List) {
          for (const auto& item : c->children)
            if (!constant(*item, v, k)) return culprit(*item);
          continue;
        }
        if (!term(*c, t) && !constant(*c, v, k) && c->kind != BoundExprKind::Attribute) return culprit(*c);
      }
      return &e;
    default: return &e;
  }
}

std::int32_t ConditionSolver::Impl::opaque_node(const BoundExpr& e) {
  Opaque o;
  o.e = &e;
  o.error = e.type.is_error() || contains_error(e);
  if (!o.error) {
    o.text = "`" + condition_text(rs, *culprit(e)) + "`";
    if (!define_stack.empty()) o.text += fmt::format(" (in define `{}`)", define_stack.back());
  }
  opaques.push_back(std::move(o));
  const auto id = static_cast<std::int32_t>(opaques.size() - 1);
  if (building) building->opaques.push_back(id);
  const std::uint8_t mask = e.type.optional ? kAll : (kF | kT);
  return push(Node{NodeKind::Opaque, mask, -1, -1, id});
}

bool ConditionSolver::Impl::contains_error(const BoundExpr& e) {
  if (e.type.is_error()) return true;
  for (const auto& c : e.children)
    if (c && contains_error(*c)) return true;
  return false;
}

Op ConditionSolver::Impl::flip(Op op) {
  switch (op) {
    case Op::Lt: return Op::Gt;
    case Op::Le: return Op::Ge;
    case Op::Gt: return Op::Lt;
    case Op::Ge: return Op::Le;
    default: return op;
  }
}

std::uint8_t ConditionSolver::Impl::fold(Op op, Dom d, const Value& a, const Value& b) {
  return comparison_holds(op, compare(d, a, b)) ? kT : kF;
}

std::int32_t ConditionSolver::Impl::compile(const BoundExpr& e) {
  if (e.type.is_error()) return opaque_node(e);
  switch (e.kind) {
    case BoundExprKind::Literal:
      if (e.type.kind == TypeKind::Bool) return constant_node(e.int_value ? kT : kF);
      return opaque_node(e);
    case BoundExprKind::Absent: return constant_node(kU);
    case BoundExprKind::Define: {
      const auto& d = rs.defines[static_cast<std::size_t>(e.index)];
      if (!d.value) return opaque_node(e);
      if (auto it = define_node.find(e.index); it != define_node.end()) {
        // Reuse the compiled body; record its parts in the condition being built.
        if (building) collect_parts(it->second, *building);
        return it->second;
      }
      define_stack.push_back(d.name);
      const std::int32_t n = compile(*d.value);
      define_stack.pop_back();
      define_node[e.index] = n;
      return n;
    }
    case BoundExprKind::Attribute: {
      Term t;
      if (e.type.kind != TypeKind::Bool || !term(e, t)) return opaque_node(e);
      return atom_node(var_for_value(t.attr), Op::IsTrue, {});
    }
    case BoundExprKind::Unary:
      if (e.op == BoundOp::Not) return unary(NodeKind::Not, compile(e.child(0)));
      return opaque_node(e);
    case BoundExprKind::Binary: {
      switch (e.op) {
        case BoundOp::And: { auto a = compile(e.child(0)); return binary(NodeKind::And, a, compile(e.child(1))); }
        case BoundOp::Or: { auto a = compile(e.child(0)); return binary(NodeKind::Or, a, compile(e.child(1))); }
        case BoundOp::Coalesce: {
          Term t;
          if (e.type.kind == TypeKind::Bool && term(e, t)) return atom_node(var_for_value(t.attr), Op::IsTrue, {}, &t);
          if (e.type.kind != TypeKind::Bool) return opaque_node(e);
          auto a = compile(e.child(0));
          return binary(NodeKind::Coalesce, a, compile(e.child(1)));
        }
        case BoundOp::Eq: case BoundOp::Ne: case BoundOp::Lt: case BoundOp::Le: case BoundOp::Gt: case BoundOp::Ge: {
          static const std::map<BoundOp, Op> kOps = {{BoundOp::Eq, Op::Eq}, {BoundOp::Ne, Op::Ne}, {BoundOp::Lt, Op::Lt},
                                                     {BoundOp::Le, Op::Le}, {BoundOp::Gt, Op::Gt}, {BoundOp::Ge, Op::Ge}};
          Op op = kOps.at(e.op);
          Term t;
          Value v, w;
          TypeKind k, k2;
          const bool l_term = term(e.child(0), t);
          if (l_term && constant(e.child(1), v, k)) return atom_node(var_for_value(t.attr), op, {v}, &t);
          if (!l_term && term(e.child(1), t) && constant(e.child(0), v, k)) return atom_node(var_for_value(t.attr), flip(op), {v}, &t);
          if (constant(e.child(0), v, k) && constant(e.child(1), w, k2))
            return constant_node(fold(op, k == TypeKind::String ? Dom::String : Dom::Number, v, w));
          // A condition compared with true or false: `vip == true` (a table's define column).
          if ((op == Op::Eq || op == Op::Ne) && e.child(0).type.kind == TypeKind::Bool) {
            for (int side = 0; side < 2; ++side) {
              if (!constant(e.child(static_cast<std::size_t>(side)), v, k) || k != TypeKind::Bool) continue;
              const std::int32_t n = compile(e.child(static_cast<std::size_t>(1 - side)));
              return (v.num != 0) == (op == Op::Eq) ? n : unary(NodeKind::Not, n);
            }
          }
          return opaque_node(e);
        }
        default: return opaque_node(e);
      }
    }
    case BoundExprKind::In: return compile_in(e);
    case BoundExprKind::Call: {
      if (e.builtin == stdlib::Builtin::Has && e.children.size() == 1 && e.child(0).kind == BoundExprKind::Attribute) {
        const std::int32_t attr = e.child(0).index;
        if (attr < 0 || static_cast<std::size_t>(attr) >= rs.attributes.size()) return opaque_node(e);
        const auto& a = attribute(attr);
        if (!a.type.optional) return constant_node(kT);
        if (a.type.kind == TypeKind::List) return atom_node(var_for_presence(attr), Op::Has, {});
        if (dom_of(a.type.kind) == Dom::Unsupported) return opaque_node(e);
        return atom_node(var_for_value(attr), Op::Has, {});
      }
      return opaque_node(e);
    }
    default: return opaque_node(e);
  }
}

const BoundExpr* ConditionSolver::Impl::constant_list(const BoundExpr& e) const {
  if (e.kind == BoundExprKind::List) return &e;
  if (e.kind == BoundExprKind::Define) {
    const auto& d = rs.defines[static_cast<std::size_t>(e.index)];
    return d.value ? constant_list(*d.value) : nullptr;
  }
  return nullptr;
}

std::int32_t ConditionSolver::Impl::compile_in(const BoundExpr& e) {
  if (e.children.size() < 2) return opaque_node(e);
  const BoundExpr& value = e.child(0);
  Term t;
  Value v;
  TypeKind k;
  if (e.children.size() == 3) {  // a range
    Value lo, hi;
    TypeKind k2;
    if (!term(value, t) || !constant(e.child(1), lo, k) || !constant(e.child(2), hi, k2)) return opaque_node(e);
    return atom_node(var_for_value(t.attr), e.negated ? Op::NotInRange : Op::InRange, {lo, hi}, &t);
  }
  const BoundExpr& target = e.child(1);
  if (const BoundExpr* list = constant_list(target)) {
    std::vector<Value> items;
    for (const auto& item : list->children) {
      Value iv;
      if (!item || !constant(*item, iv, k)) return opaque_node(e);
      items.push_back(iv);
    }
    if (term(value, t)) return atom_node(var_for_value(t.attr), e.negated ? Op::NotInList : Op::InList, std::move(items), &t);
    if (constant(value, v, k)) {
      bool found = false;
      for (const auto& iv : items) found = found || compare(k == TypeKind::String ? Dom::String : Dom::Number, iv, v) == 0;
      return constant_node(found != e.negated ? kT : kF);
    }
    return opaque_node(e);
  }
  // CONST in LIST_ATTRIBUTE
  if (target.kind == BoundExprKind::Attribute && target.index >= 0 &&
      static_cast<std::size_t>(target.index) < rs.attributes.size() && constant(value, v, k)) {
    const auto& a = attribute(target.index);
    if (a.type.kind != TypeKind::List) return opaque_node(e);
    std::int32_t n = atom_node(var_for_elem(target.index, v, k, value), Op::Elem, {});
    if (a.type.optional) n = binary(NodeKind::Guard, atom_node(var_for_presence(target.index), Op::Presence, {}), n);
    return e.negated ? unary(NodeKind::Not, n) : n;
  }
  return opaque_node(e);
}

std::int64_t ConditionSolver::Impl::tree_size(std::int32_t n) const {
  const Node& nd = nodes[static_cast<std::size_t>(n)];
  return 1 + (nd.a >= 0 ? tree_size(nd.a) : 0) + (nd.b >= 0 ? tree_size(nd.b) : 0);
}

void ConditionSolver::Impl::collect_parts(std::int32_t n, Cond& c) {
  const Node& nd = nodes[static_cast<std::size_t>(n)];
  switch (nd.kind) {
    case NodeKind::Atom: {
      if (std::find(c.atoms.begin(), c.atoms.end(), nd.ref) == c.atoms.end()) c.atoms.push_back(nd.ref);
      const std::int32_t var = atoms[static_cast<std::size_t>(nd.ref)].var;
      if (std::find(c.vars.begin(), c.vars.end(), var) == c.vars.end()) c.vars.push_back(var);
      break;
    }
    case NodeKind::Opaque:
      if (std::find(c.opaques.begin(), c.opaques.end(), nd.ref) == c.opaques.end()) c.opaques.push_back(nd.ref);
      break;
    default:
      if (nd.a >= 0) collect_parts(nd.a, c);
      if (nd.b >= 0) collect_parts(nd.b, c);
      break;
  }
}

ConditionSolver::CondId ConditionSolver::Impl::add(const BoundExpr* e) {
  if (auto it = cond_of.find(e); it != cond_of.end()) return it->second;
  Cond c;
  c.e = e;
  building = &c;
  c.root = e ? compile(*e) : constant_node(kT);
  building = nullptr;
  // Defines compiled earlier for another condition contributed through collect_parts;
  // gather everything once more so the lists are complete.
  Cond full;
  collect_parts(c.root, full);
  c.atoms = std::move(full.atoms);
  c.vars = std::move(full.vars);
  c.size = tree_size(c.root);
  c.opaques = std::move(full.opaques);
  conds.push_back(std::move(c));
  const auto id = static_cast<CondId>(conds.size() - 1);
  cond_of[e] = id;
  return id;
}

}  // namespace iwd::compiler
