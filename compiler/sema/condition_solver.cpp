// The exact condition solver (see condition_solver.h for the fragment and the method).
#include "compiler/sema/condition_solver.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <unordered_map>

#include "stdlib/functions.h"
#include "stdlib/time.h"

namespace iwd::compiler {
namespace {

// Truth values as bits, so that a set of possible values is a mask.
constexpr std::uint8_t kF = 1, kU = 2, kT = 4, kAll = kF | kU | kT;

// A constant or a cell's representative value.
struct Value {
  long double num = 0;  // int, number, time, duration, date; also bool (0/1) and enum (index)
  std::string str;      // strings
};

enum class Dom : std::uint8_t { Bool, Int, Number, String, Enum, Unsupported };

Dom dom_of(TypeKind k) {
  switch (k) {
    case TypeKind::Bool: return Dom::Bool;
    case TypeKind::Int:
    case TypeKind::Time:
    case TypeKind::Duration:
    case TypeKind::Date: return Dom::Int;
    case TypeKind::Number: return Dom::Number;
    case TypeKind::String: return Dom::String;
    case TypeKind::Enum: return Dom::Enum;
    default: return Dom::Unsupported;
  }
}

int compare(Dom d, const Value& a, const Value& b) {
  if (d == Dom::String) return a.str < b.str ? -1 : a.str == b.str ? 0 : 1;
  return a.num < b.num ? -1 : a.num == b.num ? 0 : 1;
}

enum class Op : std::uint8_t { Eq, Ne, Lt, Le, Gt, Ge, InList, NotInList, InRange, NotInRange, Has, IsTrue, Elem, Presence };

bool ordered_op(Op op) {
  return op == Op::Lt || op == Op::Le || op == Op::Gt || op == Op::Ge || op == Op::InRange || op == Op::NotInRange;
}

struct Cell {
  bool absent = false;
  Value v;
};

enum class VarKind : std::uint8_t { Value, ListElem, ListPresence };

struct Var {
  VarKind kind = VarKind::Value;
  std::int32_t attr = -1;
  Dom dom = Dom::Unsupported;  // Value: the attribute's domain; ListElem: the element's
  TypeKind type = TypeKind::Error;
  bool optional = false;
  Value elem;             // ListElem: the element
  std::string elem_text;  // ListElem: the element as written
  std::vector<Cell> cells;           // in preference order (constants first, absent last)
  std::vector<std::int32_t> by_value;  // the cells in value order, absent last
  std::vector<std::int32_t> atoms;
};

struct Atom {
  std::int32_t var = -1;
  Op op = Op::Eq;
  std::vector<Value> consts;
  bool has_fallback = false;
  Value fallback;
  std::vector<std::uint8_t> table;  // per cell of the var: the truth value as a bit
};

enum class NodeKind : std::uint8_t { Const, Atom, Opaque, Not, And, Or, Coalesce, Guard };
struct Node {
  NodeKind kind = NodeKind::Const;
  std::uint8_t mask = kT;  // Const: the value; Opaque: the values it may take
  std::int32_t a = -1, b = -1;
  std::int32_t ref = -1;  // Atom: the atom; Opaque: the opaque
};

struct Opaque {
  const BoundExpr* e = nullptr;
  std::string text;  // "`hour(now)`", "`hour(now)` (in define `busy`)"
  bool error = false;
};

struct Cond {
  const BoundExpr* e = nullptr;
  std::int32_t root = -1;
  std::int64_t size = 1;  // nodes under root: the cost of one evaluation
  std::vector<std::int32_t> vars, atoms, opaques;
};

std::string escape_string(const std::string& s) {
  std::string out = "\"";
  for (unsigned char c : s) {
    if (c == '"') out += "\\\"";
    else if (c == '\\') out += "\\\\";
    else if (c == '\n') out += "\\n";
    else if (c == '\t') out += "\\t";
    else if (c < 0x20 || c == 0x7f) out += fmt::format("\\u{{{:X}}}", static_cast<unsigned>(c));
    else out += static_cast<char>(c);
  }
  return out + "\"";
}

std::string number_text(double d) {
  if (std::isfinite(d) && d == std::floor(d) && std::fabs(d) < 1e15) return fmt::format("{}", static_cast<std::int64_t>(d));
  return fmt::format("{}", d);
}

constexpr long double kIntMin = static_cast<long double>(std::numeric_limits<std::int64_t>::min());
constexpr long double kIntMax = static_cast<long double>(std::numeric_limits<std::int64_t>::max());

}  // namespace

struct ConditionSolver::Impl {
  const BoundRuleset& rs;
  std::int64_t cap;
  std::int64_t visited_total = 0;

  std::vector<Var> vars;
  std::vector<Atom> atoms;
  std::vector<Node> nodes;
  std::vector<Opaque> opaques;
  std::vector<Cond> conds;
  std::map<const BoundExpr*, CondId> cond_of;
  std::map<std::int32_t, std::int32_t> value_var, presence_var;
  std::map<std::pair<std::int32_t, std::string>, std::int32_t> elem_var;
  std::map<std::string, std::int32_t> atom_key;
  std::map<std::int32_t, std::int32_t> define_node;  // define index -> compiled node
  bool dirty = false;

  struct KeyHash {
    std::size_t operator()(const std::vector<std::int32_t>& k) const {
      std::size_t h = 1469598103934665603ull;
      for (auto x : k) h = (h ^ static_cast<std::size_t>(static_cast<std::uint32_t>(x))) * 1099511628211ull;
      return h;
    }
  };
  // Per query: reduced domains, cached by (var, atoms of the query on it).
  std::unordered_map<std::vector<std::int32_t>, std::vector<std::int32_t>, KeyHash> reps_cache;

  // Compilation state: the define being compiled, for messages; the cond's parts.
  std::vector<std::string> define_stack;
  Cond* building = nullptr;

  Impl(const BoundRuleset& r, std::int64_t c) : rs(r), cap(c) {}

  const BoundAttribute& attribute(std::int32_t i) const { return rs.attributes[static_cast<std::size_t>(i)]; }

  // ---- compilation ----------------------------------------------------------------

  std::int32_t push(Node n) {
    nodes.push_back(n);
    return static_cast<std::int32_t>(nodes.size() - 1);
  }
  std::int32_t constant_node(std::uint8_t mask) { return push(Node{NodeKind::Const, mask, -1, -1, -1}); }
  std::int32_t unary(NodeKind k, std::int32_t a) { return push(Node{k, 0, a, -1, -1}); }
  std::int32_t binary(NodeKind k, std::int32_t a, std::int32_t b) { return push(Node{k, 0, a, b, -1}); }

  // A constant: a literal, an enum value, `-literal`, a define whose value is a constant.
  bool constant(const BoundExpr& e, Value& v, TypeKind& kind) const {
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

  // A term: an attribute (possibly widened), or `attribute ?? constant`.
  struct Term {
    std::int32_t attr = -1;
    bool has_fallback = false;
    Value fallback;
  };
  bool term(const BoundExpr& e, Term& t) const {
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

  std::int32_t var_for_value(std::int32_t attr) {
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
  std::int32_t var_for_presence(std::int32_t attr) {
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
  std::int32_t var_for_elem(std::int32_t attr, const Value& value, TypeKind kind, const BoundExpr& spelled) {
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

  std::int32_t atom_node(std::int32_t var, Op op, std::vector<Value> consts, const Term* t = nullptr) {
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

  // The smallest part of a condition that puts it beyond the fragment, for messages.
  const BoundExpr* culprit(const BoundExpr& e) const {
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

  std::int32_t opaque_node(const BoundExpr& e) {
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

  static bool contains_error(const BoundExpr& e) {
    if (e.type.is_error()) return true;
    for (const auto& c : e.children)
      if (c && contains_error(*c)) return true;
    return false;
  }

  static Op flip(Op op) {
    switch (op) {
      case Op::Lt: return Op::Gt;
      case Op::Le: return Op::Ge;
      case Op::Gt: return Op::Lt;
      case Op::Ge: return Op::Le;
      default: return op;
    }
  }

  // Evaluates a comparison of two constants.
  static std::uint8_t fold(Op op, Dom d, const Value& a, const Value& b) {
    const int c = compare(d, a, b);
    bool r = false;
    switch (op) {
      case Op::Eq: r = c == 0; break;
      case Op::Ne: r = c != 0; break;
      case Op::Lt: r = c < 0; break;
      case Op::Le: r = c <= 0; break;
      case Op::Gt: r = c > 0; break;
      case Op::Ge: r = c >= 0; break;
      default: break;
    }
    return r ? kT : kF;
  }

  std::int32_t compile(const BoundExpr& e) {
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

  // The list a target of `in` names: a List of constants, possibly through a define.
  const BoundExpr* constant_list(const BoundExpr& e) const {
    if (e.kind == BoundExprKind::List) return &e;
    if (e.kind == BoundExprKind::Define) {
      const auto& d = rs.defines[static_cast<std::size_t>(e.index)];
      return d.value ? constant_list(*d.value) : nullptr;
    }
    return nullptr;
  }

  std::int32_t compile_in(const BoundExpr& e) {
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

  std::int64_t tree_size(std::int32_t n) const {
    const Node& nd = nodes[static_cast<std::size_t>(n)];
    return 1 + (nd.a >= 0 ? tree_size(nd.a) : 0) + (nd.b >= 0 ? tree_size(nd.b) : 0);
  }

  // Records the atoms, vars and opaques under a node into a condition.
  void collect_parts(std::int32_t n, Cond& c) {
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

  CondId add(const BoundExpr* e) {
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

  // ---- domains --------------------------------------------------------------------

  // A readable string strictly between lo and hi (either may be missing), or false.
  static bool string_between(const std::string* lo, const std::string* hi, std::string& out) {
    auto inside = [&](const std::string& s) { return (!lo || s > *lo) && (!hi || s < *hi); };
    for (const char* c : {"other", "x", "a", "A", "0", "zzz", "~"})
      if (inside(c)) { out = c; return true; }
    if (lo)
      for (const char* suffix : {"x", "a", "0", " ", "\x01"})
        if (inside(*lo + suffix)) { out = *lo + suffix; return true; }
    if (lo && inside(*lo + std::string(1, '\0'))) { out = *lo + std::string(1, '\0'); return true; }
    if (!lo && inside(std::string())) { out.clear(); return true; }
    return false;
  }

  // The smallest non-negative integer not among the constants, for "any other" number.
  static long double other_number(const std::vector<Value>& consts) {
    for (long double n = 0;; n += 1) {
      bool taken = false;
      for (const auto& c : consts) taken = taken || c.num == n;
      if (!taken) return n;
    }
  }

  void fill_cells(Var& v) {
    v.cells.clear();
    if (v.kind == VarKind::ListElem) {
      v.cells.push_back(Cell{false, Value{1, {}}});  // contains it
      v.cells.push_back(Cell{false, Value{0, {}}});
      return;
    }
    if (v.kind == VarKind::ListPresence) {
      v.cells.push_back(Cell{false, Value{1, {}}});
      v.cells.push_back(Cell{true, {}});
      return;
    }
    std::vector<Value> consts;
    bool ordered = false;
    for (auto a : v.atoms) {
      const Atom& at = atoms[static_cast<std::size_t>(a)];
      ordered = ordered || ordered_op(at.op);
      for (const auto& c : at.consts) consts.push_back(c);
    }
    const Dom d = v.dom;
    std::sort(consts.begin(), consts.end(), [d](const Value& a, const Value& b) { return compare(d, a, b) < 0; });
    consts.erase(std::unique(consts.begin(), consts.end(), [d](const Value& a, const Value& b) { return compare(d, a, b) == 0; }),
                 consts.end());
    auto point = [&](Value x) { v.cells.push_back(Cell{false, std::move(x)}); };
    switch (d) {
      case Dom::Bool:
        point(Value{1, {}});
        point(Value{0, {}});
        break;
      case Dom::Enum: {
        const auto& en = rs.enums[static_cast<std::size_t>(attribute(v.attr).type.enum_index)];
        for (std::size_t i = 0; i < en.values.size(); ++i) point(Value{static_cast<long double>(i), {}});
        break;
      }
      case Dom::Int: {
        for (const auto& c : consts)
          if (c.num == std::floor(c.num) && c.num >= kIntMin && c.num <= kIntMax) point(c);
        if (!ordered) {
          point(Value{other_number(consts), {}});
          break;
        }
        if (consts.empty()) {
          point(Value{0, {}});
          break;
        }
        // Intervals: below the first, between two, above the last; an integer in each.
        const long double first = consts.front().num;
        const long double below = first > 0 ? 0 : std::ceil(first) - 1;
        if (below >= kIntMin) point(Value{below, {}});
        for (std::size_t i = 0; i + 1 < consts.size(); ++i) {
          const long double w = std::floor(consts[i].num) + 1;
          if (w < consts[i + 1].num && w >= kIntMin && w <= kIntMax) point(Value{w, {}});
        }
        const long double above = std::floor(consts.back().num) + 1;
        if (above <= kIntMax) point(Value{above < 0 ? 0 : above, {}});
        break;
      }
      case Dom::Number: {
        for (const auto& c : consts) point(c);
        if (!ordered) {
          point(Value{other_number(consts), {}});
          break;
        }
        if (consts.empty()) {
          point(Value{0, {}});
          break;
        }
        const double first = static_cast<double>(consts.front().num);
        if (first > -HUGE_VAL) {
          double w = first > 0 ? 0.0 : first - 1;
          if (!(w < first)) w = std::nextafter(first, -HUGE_VAL);
          point(Value{w, {}});
        }
        for (std::size_t i = 0; i + 1 < consts.size(); ++i) {
          const double a = static_cast<double>(consts[i].num), b = static_cast<double>(consts[i + 1].num);
          double w = std::floor(a) + 1;
          if (!(w > a && w < b)) w = a + (b - a) / 2;
          if (w > a && w < b) point(Value{w, {}});
        }
        const double last = static_cast<double>(consts.back().num);
        if (last < HUGE_VAL) {
          double w = last < 0 ? 0.0 : std::floor(last) + 1;
          if (!(w > last)) w = std::nextafter(last, HUGE_VAL);
          point(Value{w, {}});
        }
        break;
      }
      case Dom::String: {
        for (const auto& c : consts) point(c);
        std::string w;
        if (!ordered) {
          for (int i = 1;; ++i) {
            w = i == 1 ? "other" : fmt::format("other{}", i);
            bool taken = false;
            for (const auto& c : consts) taken = taken || c.str == w;
            if (!taken) break;
          }
          point(Value{0, w});
          break;
        }
        if (consts.empty()) {
          point(Value{0, "other"});
          break;
        }
        if (string_between(nullptr, &consts.front().str, w)) point(Value{0, w});
        for (std::size_t i = 0; i + 1 < consts.size(); ++i)
          if (string_between(&consts[i].str, &consts[i + 1].str, w)) point(Value{0, w});
        if (string_between(&consts.back().str, nullptr, w)) point(Value{0, w});
        break;
      }
      case Dom::Unsupported: break;
    }
    if (v.optional) v.cells.push_back(Cell{true, {}});
  }

  void build_cells(Var& v) {
    fill_cells(v);
    const Dom d = v.dom;
    v.by_value.resize(v.cells.size());
    for (std::size_t i = 0; i < v.cells.size(); ++i) v.by_value[i] = static_cast<std::int32_t>(i);
    std::stable_sort(v.by_value.begin(), v.by_value.end(), [&v, d](std::int32_t a, std::int32_t b) {
      const Cell& ca = v.cells[static_cast<std::size_t>(a)];
      const Cell& cb = v.cells[static_cast<std::size_t>(b)];
      if (ca.absent != cb.absent) return cb.absent;
      return !ca.absent && compare(d, ca.v, cb.v) < 0;
    });
  }

  std::uint8_t eval_atom(const Atom& a, const Var& v, const Cell& c) const {
    switch (a.op) {
      case Op::Has: return c.absent ? kF : kT;
      case Op::Presence: return c.absent ? kU : kT;
      case Op::Elem: return c.v.num != 0 ? kT : kF;
      default: break;
    }
    const Value* x = &c.v;
    if (c.absent) {
      if (!a.has_fallback) return kU;
      x = &a.fallback;
    }
    const Dom d = v.dom;
    auto cmp = [&](std::size_t i) { return compare(d, *x, a.consts[i]); };
    switch (a.op) {
      case Op::IsTrue: return x->num != 0 ? kT : kF;
      case Op::Eq: return cmp(0) == 0 ? kT : kF;
      case Op::Ne: return cmp(0) != 0 ? kT : kF;
      case Op::Lt: return cmp(0) < 0 ? kT : kF;
      case Op::Le: return cmp(0) <= 0 ? kT : kF;
      case Op::Gt: return cmp(0) > 0 ? kT : kF;
      case Op::Ge: return cmp(0) >= 0 ? kT : kF;
      case Op::InList:
      case Op::NotInList: {
        bool found = false;
        for (std::size_t i = 0; i < a.consts.size(); ++i) found = found || cmp(i) == 0;
        return found != (a.op == Op::NotInList) ? kT : kF;
      }
      case Op::InRange:
      case Op::NotInRange: {
        const bool in = cmp(0) >= 0 && cmp(1) <= 0;
        return in != (a.op == Op::NotInRange) ? kT : kF;
      }
      default: return kU;
    }
  }

  void finalize() {
    if (!dirty) return;
    for (auto& v : vars) build_cells(v);
    for (auto& a : atoms) {
      const Var& v = vars[static_cast<std::size_t>(a.var)];
      a.table.resize(v.cells.size());
      for (std::size_t i = 0; i < v.cells.size(); ++i) a.table[i] = eval_atom(a, v, v.cells[i]);
    }
    reps_cache.clear();
    part_cache.clear();
    dirty = false;
  }

  // ---- search ---------------------------------------------------------------------

  std::vector<std::uint8_t> atom_mask;  // per atom: the values it may take now

  std::uint8_t eval(std::int32_t n) const {
    const Node& nd = nodes[static_cast<std::size_t>(n)];
    switch (nd.kind) {
      case NodeKind::Const:
      case NodeKind::Opaque: return nd.mask;
      case NodeKind::Atom: return atom_mask[static_cast<std::size_t>(nd.ref)];
      case NodeKind::Not: {
        const std::uint8_t m = eval(nd.a);
        return static_cast<std::uint8_t>((m & kU) | ((m & kT) ? kF : 0) | ((m & kF) ? kT : 0));
      }
      case NodeKind::And: {
        const std::uint8_t x = eval(nd.a);
        if (x == kF) return kF;
        const std::uint8_t y = eval(nd.b);
        std::uint8_t r = 0;
        if ((x & kT) && (y & kT)) r |= kT;
        if ((x & kF) || (y & kF)) r |= kF;
        if (((x & kU) && (y & (kU | kT))) || ((x & kT) && (y & kU))) r |= kU;
        return r;
      }
      case NodeKind::Or: {
        const std::uint8_t x = eval(nd.a);
        if (x == kT) return kT;
        const std::uint8_t y = eval(nd.b);
        std::uint8_t r = 0;
        if ((x & kT) || (y & kT)) r |= kT;
        if ((x & kF) && (y & kF)) r |= kF;
        if (((x & kU) && (y & (kU | kF))) || ((x & kF) && (y & kU))) r |= kU;
        return r;
      }
      case NodeKind::Coalesce: {
        const std::uint8_t x = eval(nd.a);
        std::uint8_t r = x & static_cast<std::uint8_t>(~kU);
        if (x & kU) r |= eval(nd.b);
        return r;
      }
      case NodeKind::Guard: {
        const std::uint8_t g = eval(nd.a);
        std::uint8_t r = 0;
        if (g & kU) r |= kU;
        if (g & (kF | kT)) r |= eval(nd.b);
        return r;
      }
    }
    return kAll;
  }

  struct Query {
    std::vector<Literal> lits;
    std::vector<std::int32_t> order;                     // vars, in search order
    std::vector<std::vector<std::int32_t>> reps;         // per position: the cells to try
    std::vector<std::vector<std::int32_t>> qatoms;       // per position: the query's atoms on the var
    std::vector<std::vector<std::int32_t>> lits_of;      // per position: the literals mentioning the var
    std::vector<std::uint8_t> union_mask;                // per atom (indexed like atom ids): over reps
    std::vector<std::int32_t> chosen;                    // per position: the cell chosen
    std::vector<std::int32_t> opaque_lits;               // literals whose condition has opaque parts
    std::vector<char> blocked;                           // per literal: left open at a leaf
    bool maybe = false, capped = false;
    std::int64_t visited = 0;
  };

  static bool viable(const Literal& l, std::uint8_t m) { return l.holds ? (m & kT) != 0 : (m & (kF | kU)) != 0; }
  static bool definite(const Literal& l, std::uint8_t m) { return l.holds ? m == kT : (m & kT) == 0; }

  bool dfs(Query& q, std::size_t k) {
    if (++q.visited > cap) {  // `visited` counts evaluated nodes: the search's work
      q.capped = true;
      return false;
    }
    if (k == q.order.size()) {
      bool all = true;
      for (auto li : q.opaque_lits) {
        const Literal& l = q.lits[static_cast<std::size_t>(li)];
        if (!definite(l, eval(conds[static_cast<std::size_t>(l.cond)].root))) {
          all = false;
          q.blocked[static_cast<std::size_t>(li)] = 1;
        }
      }
      if (!all) q.maybe = true;
      return all;
    }
    for (auto cell : q.reps[k]) {
      for (auto a : q.qatoms[k]) atom_mask[static_cast<std::size_t>(a)] = atoms[static_cast<std::size_t>(a)].table[static_cast<std::size_t>(cell)];
      bool ok = true;
      for (auto li : q.lits_of[k]) {
        const Literal& l = q.lits[static_cast<std::size_t>(li)];
        q.visited += conds[static_cast<std::size_t>(l.cond)].size;
        if (!viable(l, eval(conds[static_cast<std::size_t>(l.cond)].root))) {
          ok = false;
          break;
        }
      }
      q.chosen[k] = cell;
      if (ok && dfs(q, k + 1)) return true;
      if (q.capped) break;
    }
    for (auto a : q.qatoms[k]) atom_mask[static_cast<std::size_t>(a)] = q.union_mask[static_cast<std::size_t>(a)];
    return false;
  }

  // Splits the query into parts that share no variable; each part is decided on its own
  // (the parts are independent) and remembered, so that a part that many queries share
  // (e.g. "the item reaches department d") is searched once.
  std::unordered_map<std::vector<std::int32_t>, Result, KeyHash> part_cache;

  Result solve(std::span<const Literal> lits) {
    finalize();
    std::vector<std::int32_t> parent(vars.size(), -1);  // union-find over vars
    auto find = [&](std::int32_t v) {
      while (parent[static_cast<std::size_t>(v)] != v) {
        auto& pv = parent[static_cast<std::size_t>(v)];
        pv = parent[static_cast<std::size_t>(pv)];
        v = pv;
      }
      return v;
    };
    for (const auto& l : lits) {
      const Cond& c = conds[static_cast<std::size_t>(l.cond)];
      for (auto v : c.vars)
        if (parent[static_cast<std::size_t>(v)] < 0) parent[static_cast<std::size_t>(v)] = v;
      for (std::size_t i = 1; i < c.vars.size(); ++i) {
        const auto a = find(c.vars[0]), b = find(c.vars[i]);
        if (a != b) parent[static_cast<std::size_t>(b)] = a;
      }
    }
    std::vector<std::pair<std::int32_t, std::vector<Literal>>> parts;  // by root var; -1: a literal without vars
    for (const auto& l : lits) {
      const Cond& c = conds[static_cast<std::size_t>(l.cond)];
      const std::int32_t root = c.vars.empty() ? -1 : find(c.vars[0]);
      auto it = root < 0 ? parts.end()
                         : std::find_if(parts.begin(), parts.end(), [root](const auto& p) { return p.first == root; });
      if (it == parts.end()) parts.push_back({root, {l}});
      else it->second.push_back(l);
    }
    Result out;
    out.verdict = Verdict::Sat;
    for (auto& [root, part] : parts) {
      (void)root;
      std::vector<std::int32_t> key;
      key.reserve(part.size());
      for (const auto& l : part) key.push_back(l.cond * 2 + (l.holds ? 1 : 0));
      std::sort(key.begin(), key.end());
      key.erase(std::unique(key.begin(), key.end()), key.end());
      auto it = part_cache.find(key);
      if (it == part_cache.end()) it = part_cache.emplace(std::move(key), solve_part(part)).first;
      const Result& r = it->second;
      if (r.verdict == Verdict::Unsat) {
        Result unsat;
        unsat.verdict = Verdict::Unsat;
        return unsat;
      }
      if (r.verdict == Verdict::Unknown) {
        out.verdict = Verdict::Unknown;
        out.capped = out.capped || r.capped;
        for (auto c : r.blocking)
          if (std::find(out.blocking.begin(), out.blocking.end(), c) == out.blocking.end()) out.blocking.push_back(c);
      }
      out.example.insert(out.example.end(), r.example.begin(), r.example.end());
    }
    if (out.verdict != Verdict::Sat) {
      out.example.clear();
      return out;
    }
    std::sort(out.example.begin(), out.example.end(), [this](const ExampleValue& a, const ExampleValue& b) {
      const Var& va = vars[static_cast<std::size_t>(a.var)];
      const Var& vb = vars[static_cast<std::size_t>(b.var)];
      if (va.attr != vb.attr) return va.attr < vb.attr;
      return a.var < b.var;
    });
    return out;
  }

  // Candidate cells for a query: every atom of the query is constant between two of its
  // constants, so the cells in value order split into segments at those constants, and one
  // cell per segment stands for all of it (a constant itself, or the cell just above the
  // constant before it, or, below every constant, the cell just below the first). Small
  // domains (bool, enum, lists) keep every cell. Order: the query's constants first, then
  // the other segments in value order, absent last.
  std::vector<std::int32_t> segment_representatives(const Var& v, const std::vector<std::int32_t>& query_atoms) const {
    std::vector<std::int32_t> out;
    const bool ordered_dom = v.kind == VarKind::Value && (v.dom == Dom::Int || v.dom == Dom::Number || v.dom == Dom::String);
    if (!ordered_dom) {
      for (std::size_t i = 0; i < v.cells.size(); ++i) out.push_back(static_cast<std::int32_t>(i));
      return out;
    }
    const std::size_t present = v.by_value.size() - (v.optional ? 1 : 0);
    const Dom d = v.dom;
    auto value_at = [&](std::size_t i) -> const Value& { return v.cells[static_cast<std::size_t>(v.by_value[i])].v; };
    std::vector<std::size_t> bounds = {0, present};
    for (auto a : query_atoms)
      for (const auto& c : atoms[static_cast<std::size_t>(a)].consts) {
        std::size_t lo = 0, hi = present;  // first index with value >= c
        while (lo < hi) {
          const std::size_t mid = (lo + hi) / 2;
          if (compare(d, value_at(mid), c) < 0) lo = mid + 1;
          else hi = mid;
        }
        bounds.push_back(lo);
        if (lo < present && compare(d, value_at(lo), c) == 0) bounds.push_back(lo + 1);
      }
    std::sort(bounds.begin(), bounds.end());
    bounds.erase(std::unique(bounds.begin(), bounds.end()), bounds.end());
    std::vector<std::int32_t> points, others;
    for (std::size_t i = 0; i + 1 < bounds.size(); ++i) {
      const std::size_t b = bounds[i], e = bounds[i + 1];
      if (e - b == 1 && i > 0) {
        // A single cell right after a boundary: a constant of the query, or a lone gap.
        bool is_const = false;
        for (auto a : query_atoms)
          for (const auto& c : atoms[static_cast<std::size_t>(a)].consts) is_const = is_const || compare(d, value_at(b), c) == 0;
        (is_const ? points : others).push_back(v.by_value[b]);
        continue;
      }
      others.push_back(v.by_value[b == 0 ? e - 1 : b]);
    }
    out = std::move(points);
    out.insert(out.end(), others.begin(), others.end());
    if (v.optional) out.push_back(v.by_value.back());
    return out;
  }

  Result solve_part(std::span<const Literal> lits) {
    if (atom_mask.size() < atoms.size()) atom_mask.resize(atoms.size(), kAll);
    Query q;
    q.lits.assign(lits.begin(), lits.end());
    q.blocked.assign(q.lits.size(), 0);
    // The vars of the query and, per var, its atoms and literals.
    std::map<std::int32_t, std::pair<std::vector<std::int32_t>, std::vector<std::int32_t>>> per_var;
    for (std::size_t li = 0; li < q.lits.size(); ++li) {
      const Cond& c = conds[static_cast<std::size_t>(q.lits[li].cond)];
      for (auto a : c.atoms) per_var[atoms[static_cast<std::size_t>(a)].var].first.push_back(a);
      for (auto v : c.vars) per_var[v].second.push_back(static_cast<std::int32_t>(li));
      if (!c.opaques.empty()) q.opaque_lits.push_back(static_cast<std::int32_t>(li));
    }
    q.union_mask.assign(atoms.size(), 0);
    struct Entry {
      std::int32_t var;
      std::vector<std::int32_t> atoms, lits, reps;
    };
    std::vector<Entry> entries;
    for (auto& [var, al] : per_var) {
      Entry en;
      en.var = var;
      en.atoms = std::move(al.first);
      std::sort(en.atoms.begin(), en.atoms.end());
      en.atoms.erase(std::unique(en.atoms.begin(), en.atoms.end()), en.atoms.end());
      en.lits = std::move(al.second);
      en.lits.erase(std::unique(en.lits.begin(), en.lits.end()), en.lits.end());
      // Cells that no atom of the query tells apart are one: keep the first of each kind.
      std::vector<std::int32_t> key = en.atoms;
      key.push_back(-1 - var);
      auto it = reps_cache.find(key);
      if (it == reps_cache.end()) {
        const Var& v = vars[static_cast<std::size_t>(var)];
        auto same = [&](std::int32_t x, std::int32_t y) {
          for (auto a : en.atoms) {
            const auto& t = atoms[static_cast<std::size_t>(a)].table;
            if (t[static_cast<std::size_t>(x)] != t[static_cast<std::size_t>(y)]) return false;
          }
          return true;
        };
        const std::vector<std::int32_t> cands = segment_representatives(v, en.atoms);
        // Keep the first candidate of each signature; signatures are compared by hash
        // first, then exactly.
        std::vector<std::pair<std::uint64_t, std::size_t>> by_hash(cands.size());
        for (std::size_t i = 0; i < cands.size(); ++i) {
          std::uint64_t h = 1469598103934665603ull;
          for (auto a : en.atoms)
            h = (h ^ atoms[static_cast<std::size_t>(a)].table[static_cast<std::size_t>(cands[i])]) * 1099511628211ull;
          by_hash[i] = {h, i};
        }
        std::sort(by_hash.begin(), by_hash.end());
        std::vector<char> keep(cands.size(), 0);
        for (std::size_t i = 0; i < by_hash.size();) {
          std::size_t j = i;
          while (j < by_hash.size() && by_hash[j].first == by_hash[i].first) ++j;
          for (std::size_t k = i; k < j; ++k) {  // in candidate order within one hash
            bool known = false;
            for (std::size_t m = i; m < k && !known; ++m)
              known = keep[by_hash[m].second] && same(cands[by_hash[m].second], cands[by_hash[k].second]);
            if (!known) keep[by_hash[k].second] = 1;
          }
          i = j;
        }
        std::vector<std::int32_t> reps;
        for (std::size_t i = 0; i < cands.size(); ++i)
          if (keep[i]) reps.push_back(cands[i]);
        it = reps_cache.emplace(std::move(key), std::move(reps)).first;
      }
      en.reps = it->second;
      for (auto a : en.atoms) {
        std::uint8_t m = 0;
        for (auto cell : en.reps) m |= atoms[static_cast<std::size_t>(a)].table[static_cast<std::size_t>(cell)];
        q.union_mask[static_cast<std::size_t>(a)] = m;
        atom_mask[static_cast<std::size_t>(a)] = m;
      }
      entries.push_back(std::move(en));
    }
    // Most constrained first; then the smaller domain.
    std::stable_sort(entries.begin(), entries.end(), [](const Entry& a, const Entry& b) {
      if (a.lits.size() != b.lits.size()) return a.lits.size() > b.lits.size();
      return a.reps.size() < b.reps.size();
    });
    for (auto& en : entries) {
      q.order.push_back(en.var);
      q.reps.push_back(std::move(en.reps));
      q.qatoms.push_back(std::move(en.atoms));
      q.lits_of.push_back(std::move(en.lits));
    }
    q.chosen.assign(q.order.size(), -1);

    Result r;
    // Literals that fail before any choice.
    for (const auto& l : q.lits)
      if (!viable(l, eval(conds[static_cast<std::size_t>(l.cond)].root))) {
        r.verdict = Verdict::Unsat;
        return r;
      }
    const bool found = dfs(q, 0);
    visited_total += q.visited;
    if (found) {
      r.verdict = Verdict::Sat;
      // Minimize: drop every var whose value does not matter.
      std::vector<bool> kept(q.order.size(), true);
      for (std::size_t k = 0; k < q.order.size(); ++k) {
        for (auto a : q.qatoms[k]) atom_mask[static_cast<std::size_t>(a)] = q.union_mask[static_cast<std::size_t>(a)];
        bool still = true;
        for (const auto& l : q.lits)
          if (!definite(l, eval(conds[static_cast<std::size_t>(l.cond)].root))) {
            still = false;
            break;
          }
        if (still) {
          kept[k] = false;
        } else {
          for (auto a : q.qatoms[k])
            atom_mask[static_cast<std::size_t>(a)] = atoms[static_cast<std::size_t>(a)].table[static_cast<std::size_t>(q.chosen[k])];
        }
      }
      for (std::size_t k = 0; k < q.order.size(); ++k)
        if (kept[k]) r.example.push_back(ExampleValue{q.order[k], q.chosen[k]});
      std::sort(r.example.begin(), r.example.end(), [this](const ExampleValue& a, const ExampleValue& b) {
        const Var& va = vars[static_cast<std::size_t>(a.var)];
        const Var& vb = vars[static_cast<std::size_t>(b.var)];
        if (va.attr != vb.attr) return va.attr < vb.attr;
        return a.var < b.var;
      });
    } else if (q.capped || q.maybe) {
      r.verdict = Verdict::Unknown;
      r.capped = q.capped;
      for (std::size_t li = 0; li < q.lits.size(); ++li)
        if (q.blocked[li] && std::find(r.blocking.begin(), r.blocking.end(), q.lits[li].cond) == r.blocking.end())
          r.blocking.push_back(q.lits[li].cond);
    } else {
      r.verdict = Verdict::Unsat;
    }
    // Leave every atom unconstrained for the next query.
    for (std::size_t k = 0; k < q.order.size(); ++k)
      for (auto a : q.qatoms[k]) atom_mask[static_cast<std::size_t>(a)] = kAll;
    return r;
  }

  // ---- examples -------------------------------------------------------------------

  std::string value_text(const Var& v, const Value& x) const {
    switch (v.type) {
      case TypeKind::Bool: return x.num != 0 ? "true" : "false";
      case TypeKind::Enum: {
        const auto& en = rs.enums[static_cast<std::size_t>(attribute(v.attr).type.enum_index)];
        const auto i = static_cast<std::size_t>(x.num);
        return i < en.values.size() ? en.values[i] : "?";
      }
      case TypeKind::String: return escape_string(x.str);
      case TypeKind::Int: return fmt::format("{}", static_cast<std::int64_t>(x.num));
      case TypeKind::Number: return number_text(static_cast<double>(x.num));
      case TypeKind::Time: return stdlib::format_instant(stdlib::Instant{static_cast<std::int64_t>(x.num)});
      case TypeKind::Duration: return stdlib::format_duration(stdlib::Duration{static_cast<std::int64_t>(x.num)});
      case TypeKind::Date: return stdlib::format_date(static_cast<std::int64_t>(x.num));
      default: return "?";
    }
  }

  std::string example_text(const std::vector<ExampleValue>& ex) const {
    std::vector<std::string> parts;
    for (std::size_t i = 0; i < ex.size();) {
      const Var& v = vars[static_cast<std::size_t>(ex[i].var)];
      const std::string& name = attribute(v.attr).name;
      if (v.kind == VarKind::Value) {
        const Cell& c = v.cells[static_cast<std::size_t>(ex[i].cell)];
        parts.push_back(c.absent ? "no " + name : name + " = " + value_text(v, c.v));
        ++i;
        continue;
      }
      // A list: its presence and the elements chosen.
      bool absent = false;
      std::vector<std::string> in;
      std::size_t j = i;
      for (; j < ex.size() && vars[static_cast<std::size_t>(ex[j].var)].attr == v.attr; ++j) {
        const Var& w = vars[static_cast<std::size_t>(ex[j].var)];
        const Cell& c = w.cells[static_cast<std::size_t>(ex[j].cell)];
        if (w.kind == VarKind::ListPresence) absent = absent || c.absent;
        else if (c.v.num != 0) in.push_back(w.elem_text);
      }
      if (absent) {
        parts.push_back("no " + name);
      } else {
        std::string list;
        for (const auto& s : in) list += (list.empty() ? "" : ", ") + s;
        parts.push_back(name + " = [" + list + "]");
      }
      i = j;
    }
    std::string out;
    for (std::size_t i = 0; i < parts.size(); ++i) {
      if (i) out += i + 1 == parts.size() ? " and " : ", ";
      out += parts[i];
    }
    return out;
  }
};

ConditionSolver::ConditionSolver(const BoundRuleset& rs, std::int64_t search_cap)
    : impl_(std::make_unique<Impl>(rs, search_cap)) {}
ConditionSolver::~ConditionSolver() = default;

ConditionSolver::CondId ConditionSolver::add(const BoundExpr* cond) { return impl_->add(cond); }

bool ConditionSolver::exact(CondId c) const { return impl_->conds[static_cast<std::size_t>(c)].opaques.empty(); }

std::string ConditionSolver::beyond_text(CondId c) const {
  for (auto o : impl_->conds[static_cast<std::size_t>(c)].opaques) {
    const auto& op = impl_->opaques[static_cast<std::size_t>(o)];
    if (!op.error) return op.text;
  }
  return "";
}

bool ConditionSolver::has_error(CondId c) const {
  for (auto o : impl_->conds[static_cast<std::size_t>(c)].opaques)
    if (impl_->opaques[static_cast<std::size_t>(o)].error) return true;
  return false;
}

const BoundExpr* ConditionSolver::expr(CondId c) const { return impl_->conds[static_cast<std::size_t>(c)].e; }

ConditionSolver::Result ConditionSolver::solve(std::span<const Literal> query) { return impl_->solve(query); }

std::string ConditionSolver::example_text(const std::vector<ExampleValue>& example) const {
  return impl_->example_text(example);
}

std::int64_t ConditionSolver::nodes_visited() const { return impl_->visited_total; }

// ---- condition_text ---------------------------------------------------------------

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
          case TypeKind::Number: return number_text(e.number_value);
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
      case BoundExprKind::ShareOfSla: return number_text(e.number_value) + "% of sla";
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
