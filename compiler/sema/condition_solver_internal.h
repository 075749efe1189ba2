// The condition solver's internals (stage: sema), shared by its files: the truth-value masks,
// the values, variables, atoms and nodes a condition compiles to, and ConditionSolver::Impl,
// whose members are defined by concern in
//   condition_compile.cpp  bound conditions -> atoms, variables and a node tree;
//   condition_cells.cpp    each variable's domain split into cells by the conditions' constants;
//   condition_search.cpp   deciding a query: evaluation on partial assignments, the search,
//                          its split into independent parts and their cache;
//   condition_solver.cpp   examples as text and ConditionSolver's public members.
// Only those files include this header (condition_solver.h is the interface).
#pragma once

#include <fmt/format.h>

#include <cmath>
#include <algorithm>
#include <cstdint>
#include <limits>
#include <map>
#include <new>
#include <memory_resource>
#include <span>
#include <string>
#include <unordered_map>
#include <vector>

#include "compiler/sema/condition_solver.h"
#include "stdlib/text.h"

namespace iwd::compiler {
namespace solver {
// Truth values as bits, so that a set of possible values is a mask.
inline constexpr std::uint8_t kF = 1, kU = 2, kT = 4, kAll = kF | kU | kT;

// A constant or a cell's representative value.
struct Value {
  long double num = 0;  // int, number, time, duration, date; also bool (0/1) and enum (index)
  std::string str;      // strings
};

enum class Dom : std::uint8_t { Bool, Int, Number, String, Enum, Unsupported };

inline Dom dom_of(TypeKind k) {
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

inline int compare(Dom d, const Value& a, const Value& b) {
  if (d == Dom::String) return a.str < b.str ? -1 : a.str == b.str ? 0 : 1;
  return a.num < b.num ? -1 : a.num == b.num ? 0 : 1;
}

enum class Op : std::uint8_t { Eq, Ne, Lt, Le, Gt, Ge, InList, NotInList, InRange, NotInRange, Has, IsTrue, Elem, Presence };

inline bool ordered_op(Op op) {
  return op == Op::Lt || op == Op::Le || op == Op::Gt || op == Op::Ge || op == Op::InRange || op == Op::NotInRange;
}

// Whether a comparison `op` holds when its left side compares as `c` (<0, 0, >0) with its
// right side; false for the other ops.
inline bool comparison_holds(Op op, int c) {
  switch (op) {
    case Op::Eq: return c == 0;
    case Op::Ne: return c != 0;
    case Op::Lt: return c < 0;
    case Op::Le: return c <= 0;
    case Op::Gt: return c > 0;
    case Op::Ge: return c >= 0;
    default: return false;
  }
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

inline std::string escape_string(const std::string& s) {
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

inline constexpr long double kIntMin = static_cast<long double>(std::numeric_limits<std::int64_t>::min());
inline constexpr long double kIntMax = static_cast<long double>(std::numeric_limits<std::int64_t>::max());

}  // namespace solver
using namespace solver;  // NOLINT: the solver's files share these names, as one file did

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

  // The caches below live in `arena` until the solver goes (or finalize clears them): their
  // tens of thousands of small keys, lists and answers cost no free one by one. Keys are
  // looked up with a scratch vector of another resource (the same type: no copy to look up).
  using Key = std::pmr::vector<std::int32_t>;
  std::pmr::monotonic_buffer_resource arena;
  // A cache keyed by a list of integers: open addressing (linear probing, at most half full),
  // each slot the key's hash, the key and the value, both copied into the arena once; a lookup
  // compares hashes first and reads a key only on a hash's match (a std::unordered_map node a
  // lookup was a pointer chase and a vector's). Values stay put until clear(); nothing is
  // destroyed (their memory is the arena's).
  template <class V>
  class KeyMap {
   public:
    explicit KeyMap(std::pmr::memory_resource* m) : mem_(m) {}
    static std::uint64_t hash(std::span<const std::int32_t> k) {
      std::uint64_t h = 1469598103934665603ull;
      for (auto x : k) h = (h ^ static_cast<std::uint32_t>(x)) * 1099511628211ull;
      return h ^ (h >> 29);
    }
    V* find(std::span<const std::int32_t> k, std::uint64_t h) const {
      if (slots_.empty()) return nullptr;
      for (std::size_t i = h & (slots_.size() - 1);; i = (i + 1) & (slots_.size() - 1)) {
        const Slot& s = slots_[i];
        if (!s.value) return nullptr;
        if (s.hash == h && s.len == k.size() && std::equal(k.begin(), k.end(), s.key)) return s.value;
      }
    }
    // Adds k (not in the map) with a value made of args; returns it.
    template <class... A>
    V* insert(std::span<const std::int32_t> k, std::uint64_t h, A&&... args) {
      if ((count_ + 1) * 2 > slots_.size()) grow();
      auto* key = static_cast<std::int32_t*>(mem_->allocate(k.size() * sizeof(std::int32_t) + 1, alignof(std::int32_t)));
      std::copy(k.begin(), k.end(), key);
      V* value = new (mem_->allocate(sizeof(V), alignof(V))) V(std::forward<A>(args)...);
      place(Slot{h, key, k.size(), value});
      ++count_;
      return value;
    }
    void clear() {
      slots_.clear();
      count_ = 0;
    }

   private:
    struct Slot {
      std::uint64_t hash = 0;
      const std::int32_t* key = nullptr;
      std::size_t len = 0;
      V* value = nullptr;
    };
    void place(const Slot& s) {
      std::size_t i = s.hash & (slots_.size() - 1);
      while (slots_[i].value) i = (i + 1) & (slots_.size() - 1);
      slots_[i] = s;
    }
    void grow() {
      std::vector<Slot> old(slots_.empty() ? 64 : slots_.size() * 2);
      old.swap(slots_);
      for (const Slot& s : old)
        if (s.value) place(s);
    }
    std::pmr::memory_resource* mem_;
    std::vector<Slot> slots_;
    std::size_t count_ = 0;
  };
  // Per query: reduced domains, cached by (var, atoms of the query on it).
  KeyMap<std::pmr::vector<std::int32_t>> reps_cache{&arena};

  // Compilation state: the define being compiled, for messages; the cond's parts.
  std::vector<std::string> define_stack;
  Cond* building = nullptr;

  Impl(const BoundRuleset& r, std::int64_t c) : rs(r), cap(c) {}
  // The conditions of `o` compiled and their cells and tables built (the same ids, cells
  // and answers as if each had been added in the same order); no answer kept, no scratch.
  Impl(const Impl& o, std::int64_t c)
      : rs(o.rs), cap(c), vars(o.vars), atoms(o.atoms), nodes(o.nodes), opaques(o.opaques), conds(o.conds),
        cond_of(o.cond_of), value_var(o.value_var), presence_var(o.presence_var), elem_var(o.elem_var),
        atom_key(o.atom_key), define_node(o.define_node), dirty(o.dirty) {}

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
  bool constant(const BoundExpr& e, Value& v, TypeKind& kind) const;

  // A term: an attribute (possibly widened), or `attribute ?? constant`.
  struct Term {
    std::int32_t attr = -1;
    bool has_fallback = false;
    Value fallback;
  };
  bool term(const BoundExpr& e, Term& t) const;

  std::int32_t var_for_value(std::int32_t attr);
  std::int32_t var_for_presence(std::int32_t attr);
  std::int32_t var_for_elem(std::int32_t attr, const Value& value, TypeKind kind, const BoundExpr& spelled);

  std::int32_t atom_node(std::int32_t var, Op op, std::vector<Value> consts, const Term* t = nullptr);

  // The smallest part of a condition that puts it beyond the fragment, for messages.
  const BoundExpr* culprit(const BoundExpr& e) const;

  std::int32_t opaque_node(const BoundExpr& e);

  static bool contains_error(const BoundExpr& e);

  static Op flip(Op op);

  // Evaluates a comparison of two constants.
  static std::uint8_t fold(Op op, Dom d, const Value& a, const Value& b);

  std::int32_t compile(const BoundExpr& e);

  // The list a target of `in` names: a List of constants, possibly through a define.
  const BoundExpr* constant_list(const BoundExpr& e) const;

  std::int32_t compile_in(const BoundExpr& e);

  std::int64_t tree_size(std::int32_t n) const;

  // Records the atoms, vars and opaques under a node into a condition.
  void collect_parts(std::int32_t n, Cond& c);

  CondId add(const BoundExpr* e);

  // ---- domains --------------------------------------------------------------------

  // A readable string strictly between lo and hi (either may be missing), or false.
  static bool string_between(const std::string* lo, const std::string* hi, std::string& out);

  // The smallest non-negative integer not among the constants, for "any other" number.
  static long double other_number(const std::vector<Value>& consts);

  void fill_cells(Var& v);

  void build_cells(Var& v);

  std::uint8_t eval_atom(const Atom& a, const Var& v, const Cell& c) const;

  bool fill_table_by_order(Atom& a, const Var& v) const;

  void finalize();

  // ---- search ---------------------------------------------------------------------

  std::vector<std::uint8_t> atom_mask;  // per atom: the values it may take now
  // Per atom: the values it takes over the current query's representatives (only the query's
  // atoms are set). Kept across queries: sized by every atom, it would cost a query as much
  // as the ruleset has atoms (and a large allocation each time) if it were the query's own.
  std::vector<std::uint8_t> union_mask;

  std::uint8_t eval(std::int32_t n) const;

  // One search's state. A member reused by every solve_part (no query is solved inside
  // another), its vectors cleared and not freed: a query costs no allocation once they have
  // grown. Per position k of the search (a var): its cells to try (a list kept in
  // reps_cache), and the query's atoms and literals on it, flat: atoms[atoms_at[k] ..
  // atoms_at[k + 1]), lits_on[lits_at[k] .. lits_at[k + 1]).
  struct Query {
    std::span<const Literal> lits;
    std::vector<std::int32_t> order;                     // vars, in search order
    std::vector<const std::pmr::vector<std::int32_t>*> reps;  // per position: the cells to try
    std::vector<std::uint32_t> atoms_at, lits_at;
    std::vector<std::int32_t> atoms, lits_on;
    std::vector<std::int32_t> chosen;                    // per position: the cell chosen
    std::vector<std::int32_t> opaque_lits;               // literals whose condition has opaque parts
    std::vector<char> blocked;                           // per literal: left open at a leaf
    bool maybe = false, capped = false;
    std::int64_t visited = 0;

    std::span<const std::int32_t> qatoms(std::size_t k) const {
      return {atoms.data() + atoms_at[k], atoms.data() + atoms_at[k + 1]};
    }
    std::span<const std::int32_t> lits_of(std::size_t k) const {
      return {lits_on.data() + lits_at[k], lits_on.data() + lits_at[k + 1]};
    }
  };
  Query query;

  // solve_part's other scratch, reused likewise: (var, atom) and (var, literal) pairs of the
  // query, and per var of the query (in var order) its atoms and literals (flat, as in
  // Query), its cells to try and its place in the search order.
  std::vector<std::pair<std::int32_t, std::int32_t>> sp_var_atoms, sp_var_lits;
  std::vector<std::int32_t> sp_var, sp_atoms, sp_lits, sp_cands;
  Key sp_key;
  std::vector<std::uint32_t> sp_atoms_at, sp_lits_at, sp_rank;
  std::vector<const std::pmr::vector<std::int32_t>*> sp_reps;
  std::vector<std::pair<std::uint64_t, std::size_t>> sp_by_hash;
  std::vector<char> sp_keep;
  // segment_representatives' scratch.
  std::vector<std::size_t> seg_bounds, seg_const_at;
  std::vector<std::int32_t> seg_points, seg_others;

  static bool viable(const Literal& l, std::uint8_t m) { return l.holds ? (m & kT) != 0 : (m & (kF | kU)) != 0; }
  static bool definite(const Literal& l, std::uint8_t m) { return l.holds ? m == kT : (m & kT) == 0; }

  bool dfs(Query& q, std::size_t k);

  // Splits the query into parts that share no variable; each part is decided on its own
  // (the parts are independent) and remembered, so that a part that many queries share
  // (e.g. "the item reaches department d") is searched once.
  // A part's answer as kept (a Result in the arena).
  struct Cached {
    Verdict verdict = Verdict::Unknown;
    bool capped = false;
    std::pmr::vector<ExampleValue> example;
    std::pmr::vector<CondId> blocking;
    Cached(const Result& r, std::pmr::memory_resource* m)
        : verdict(r.verdict), capped(r.capped), example(r.example.begin(), r.example.end(), m),
          blocking(r.blocking.begin(), r.blocking.end(), m) {}
  };
  KeyMap<Cached> part_cache{&arena};
  // The last part of at least kLastPartMin literals looked up, as given, and its entry
  // (cleared with part_cache): a query repeating it skips building and hashing its key.
  static constexpr std::size_t kLastPartMin = 8;
  std::vector<Literal> last_part;
  const Cached* last_part_result = nullptr;
  Key part_key;  // cached_part's scratch
  const Cached& cached_part(std::span<const Literal> part);

  Result solve(std::span<const Literal> lits);
  // solve's scratch, kept across queries for the same reason as union_mask: per var, its
  // parent in the union-find (valid when var_stamp is the query's stamp) and its part.
  std::vector<std::int32_t> var_parent, var_part;
  std::vector<std::uint32_t> var_stamp;
  std::uint32_t stamp = 0;
  // The query's literals grouped by part (each part's in query order), and where each part
  // begins in it; per literal, its part.
  std::vector<Literal> part_lits;
  std::vector<std::uint32_t> part_at;
  std::vector<std::int32_t> lit_part;

  // Candidate cells for a query: every atom of the query is constant between two of its
  // constants, so the cells in value order split into segments at those constants, and one
  // cell per segment stands for all of it (a constant itself, or the cell just above the
  // constant before it, or, below every constant, the cell just below the first). Small
  // domains (bool, enum, lists) keep every cell. Order: the query's constants first, then
  // the other segments in value order, absent last.
  // Writes them to `out` (cleared first).
  void segment_representatives(const Var& v, std::span<const std::int32_t> query_atoms, std::vector<std::int32_t>& out);

  Result solve_part(std::span<const Literal> lits);

  // ---- examples -------------------------------------------------------------------

  std::string value_text(const Var& v, const Value& x) const;

  std::string example_text(const std::vector<ExampleValue>& ex) const;
};

}  // namespace iwd::compiler
