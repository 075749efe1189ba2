// The condition solver, search (see condition_solver.h): a query's conditions evaluated on
// partial assignments (sets of truth values), the depth-first search over one representative
// cell per segment, and the split of a query into parts that share no variable, each cached.
#include "compiler/sema/condition_solver_internal.h"

#include <algorithm>

namespace iwd::compiler {

std::uint8_t ConditionSolver::Impl::eval(std::int32_t n) const {
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

bool ConditionSolver::Impl::dfs(Query& q, std::size_t k) {
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
  const auto qatoms = q.qatoms(k);
  for (auto cell : *q.reps[k]) {
    for (auto a : qatoms) atom_mask[static_cast<std::size_t>(a)] = atoms[static_cast<std::size_t>(a)].table[static_cast<std::size_t>(cell)];
    bool ok = true;
    for (auto li : q.lits_of(k)) {
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
  for (auto a : qatoms) atom_mask[static_cast<std::size_t>(a)] = union_mask[static_cast<std::size_t>(a)];
  return false;
}

const ConditionSolver::Impl::Cached& ConditionSolver::Impl::cached_part(std::span<const Literal> part) {
  // The same large part, literal for literal, as the last one (the lints ask about every pair
  // of processes of a department with "reaches department d" in each query): no key to build.
  auto same = [](const Literal& a, const Literal& b) { return a.cond == b.cond && a.holds == b.holds; };
  if (last_part_result && part.size() == last_part.size() &&
      std::equal(part.begin(), part.end(), last_part.begin(), same))
    return *last_part_result;
  Key& key = part_key;  // copied into the map (its arena) only when new
  key.clear();
  for (const auto& l : part) key.push_back(l.cond * 2 + (l.holds ? 1 : 0));
  // Often in order already (the conditions of a prefix such as "reaches department d" are
  // numbered as written): checking is linear where sorting them again is not.
  if (!std::is_sorted(key.begin(), key.end())) std::sort(key.begin(), key.end());
  key.erase(std::unique(key.begin(), key.end()), key.end());
  const std::uint64_t h = KeyMap<Cached>::hash(key);
  const Cached* found = part_cache.find(key, h);
  if (!found) {
    const Result r = solve_part(part);
    found = part_cache.insert(key, h, r, &arena);
  }
  if (part.size() >= kLastPartMin) {  // the map's values stay put until finalize clears it
    last_part.assign(part.begin(), part.end());
    last_part_result = found;
  }
  return *found;
}

ConditionSolver::Result ConditionSolver::Impl::solve(std::span<const Literal> lits) {
  finalize();
  if (var_stamp.size() < vars.size()) {
    var_stamp.resize(vars.size(), 0);
    var_parent.resize(vars.size());
    var_part.resize(vars.size());
  }
  if (++stamp == 0) {  // wrapped: no var may look current
    std::fill(var_stamp.begin(), var_stamp.end(), 0);
    stamp = 1;
  }
  auto find = [&](std::int32_t v) {  // union-find over the query's vars
    while (var_parent[static_cast<std::size_t>(v)] != v) {
      auto& pv = var_parent[static_cast<std::size_t>(v)];
      pv = var_parent[static_cast<std::size_t>(pv)];
      v = pv;
    }
    return v;
  };
  for (const auto& l : lits) {
    const Cond& c = conds[static_cast<std::size_t>(l.cond)];
    for (auto v : c.vars)
      if (var_stamp[static_cast<std::size_t>(v)] != stamp) {
        var_stamp[static_cast<std::size_t>(v)] = stamp;
        var_parent[static_cast<std::size_t>(v)] = v;
        var_part[static_cast<std::size_t>(v)] = -1;
      }
    for (std::size_t i = 1; i < c.vars.size(); ++i) {
      const auto a = find(c.vars[0]), b = find(c.vars[i]);
      if (a != b) var_parent[static_cast<std::size_t>(b)] = a;
    }
  }
  // The parts in the order of their first literal; a literal without vars is a part alone.
  // Each part's literals in query order, the parts one after another in part_lits.
  lit_part.resize(lits.size());
  std::uint32_t n_parts = 0;
  for (std::size_t i = 0; i < lits.size(); ++i) {
    const Cond& c = conds[static_cast<std::size_t>(lits[i].cond)];
    if (c.vars.empty()) {
      lit_part[i] = static_cast<std::int32_t>(n_parts++);
      continue;
    }
    auto& part = var_part[static_cast<std::size_t>(find(c.vars[0]))];
    if (part < 0) part = static_cast<std::int32_t>(n_parts++);
    lit_part[i] = part;
  }
  part_at.assign(n_parts + 1, 0);
  for (std::size_t i = 0; i < lits.size(); ++i) ++part_at[static_cast<std::size_t>(lit_part[i]) + 1];
  for (std::uint32_t p = 0; p < n_parts; ++p) part_at[p + 1] += part_at[p];
  part_lits.resize(lits.size());
  for (std::size_t i = 0; i < lits.size(); ++i) part_lits[part_at[static_cast<std::size_t>(lit_part[i])]++] = lits[i];
  for (std::uint32_t p = n_parts; p > 0; --p) part_at[p] = part_at[p - 1];  // back to each part's start
  part_at[0] = 0;
  Result out;
  out.verdict = Verdict::Sat;
  for (std::uint32_t p = 0; p < n_parts; ++p) {
    const Cached& r = cached_part(std::span<const Literal>(part_lits.data() + part_at[p], part_lits.data() + part_at[p + 1]));
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

void ConditionSolver::Impl::segment_representatives(const Var& v, std::span<const std::int32_t> query_atoms,
                                                   std::vector<std::int32_t>& out) {
  out.clear();
  const bool ordered_dom = v.kind == VarKind::Value && (v.dom == Dom::Int || v.dom == Dom::Number || v.dom == Dom::String);
  if (!ordered_dom) {
    for (std::size_t i = 0; i < v.cells.size(); ++i) out.push_back(static_cast<std::int32_t>(i));
    return;
  }
  const std::size_t present = v.by_value.size() - (v.optional ? 1 : 0);
  const Dom d = v.dom;
  auto value_at = [&](std::size_t i) -> const Value& { return v.cells[static_cast<std::size_t>(v.by_value[i])].v; };
  std::vector<std::size_t>& bounds = seg_bounds;
  bounds.assign({0, present});
  std::vector<std::size_t>& const_at = seg_const_at;  // value-order indices of the cells that are a constant of the query
  const_at.clear();
  for (auto a : query_atoms)
    for (const auto& c : atoms[static_cast<std::size_t>(a)].consts) {
      std::size_t lo = 0, hi = present;  // first index with value >= c
      while (lo < hi) {
        const std::size_t mid = (lo + hi) / 2;
        if (compare(d, value_at(mid), c) < 0) lo = mid + 1;
        else hi = mid;
      }
      bounds.push_back(lo);
      if (lo < present && compare(d, value_at(lo), c) == 0) {
        bounds.push_back(lo + 1);
        const_at.push_back(lo);
      }
    }
  std::sort(bounds.begin(), bounds.end());
  bounds.erase(std::unique(bounds.begin(), bounds.end()), bounds.end());
  std::sort(const_at.begin(), const_at.end());
  std::vector<std::int32_t>&points = seg_points, &others = seg_others;
  points.clear();
  others.clear();
  for (std::size_t i = 0; i + 1 < bounds.size(); ++i) {
    const std::size_t b = bounds[i], e = bounds[i + 1];
    if (e - b == 1 && i > 0) {
      // A single cell right after a boundary: a constant of the query, or a lone gap. (Cells
      // hold distinct values, so the cell equal to a constant is the one its search found;
      // looking it up there, not comparing every constant again, keeps a query with many
      // constants on one attribute, as "reaches department d" is, from costing their square.)
      const bool is_const = std::binary_search(const_at.begin(), const_at.end(), b);
      (is_const ? points : others).push_back(v.by_value[b]);
      continue;
    }
    others.push_back(v.by_value[b == 0 ? e - 1 : b]);
  }
  out.assign(points.begin(), points.end());
  out.insert(out.end(), others.begin(), others.end());
  if (v.optional) out.push_back(v.by_value.back());
}

ConditionSolver::Result ConditionSolver::Impl::solve_part(std::span<const Literal> lits) {
  if (atom_mask.size() < atoms.size()) atom_mask.resize(atoms.size(), kAll);
  if (union_mask.size() < atoms.size()) union_mask.resize(atoms.size(), 0);
  Query& q = query;
  q.lits = lits;
  q.blocked.assign(q.lits.size(), 0);
  q.opaque_lits.clear();
  q.maybe = q.capped = false;
  q.visited = 0;
  // The vars of the query and, per var, its atoms and literals: (var, atom) and (var,
  // literal) pairs sorted by var (the literals of one var in query order: they are pushed so).
  auto& var_atoms = sp_var_atoms;
  auto& var_lits = sp_var_lits;
  var_atoms.clear();
  var_lits.clear();
  for (std::size_t li = 0; li < q.lits.size(); ++li) {
    const Cond& c = conds[static_cast<std::size_t>(q.lits[li].cond)];
    for (auto a : c.atoms) var_atoms.push_back({atoms[static_cast<std::size_t>(a)].var, a});
    for (auto v : c.vars) var_lits.push_back({v, static_cast<std::int32_t>(li)});
    if (!c.opaques.empty()) q.opaque_lits.push_back(static_cast<std::int32_t>(li));
  }
  std::sort(var_atoms.begin(), var_atoms.end());
  std::sort(var_lits.begin(), var_lits.end());
  // Per var, in var order: its atoms and literals (without repeats), its cells to try.
  sp_var.clear();
  sp_atoms.clear();
  sp_lits.clear();
  sp_reps.clear();
  sp_atoms_at.assign(1, 0);
  sp_lits_at.assign(1, 0);
  std::size_t ai = 0;
  for (std::size_t vi = 0; vi < var_lits.size();) {
    // Every var of a literal's condition has an atom of it (c.vars are the atoms' vars).
    const std::int32_t var = var_lits[vi].first;
    for (; vi < var_lits.size() && var_lits[vi].first == var; ++vi)
      if (sp_lits.size() == sp_lits_at.back() || sp_lits.back() != var_lits[vi].second) sp_lits.push_back(var_lits[vi].second);
    while (ai < var_atoms.size() && var_atoms[ai].first < var) ++ai;
    const std::size_t atoms_begin = sp_atoms.size();
    for (; ai < var_atoms.size() && var_atoms[ai].first == var; ++ai)
      if (sp_atoms.size() == atoms_begin || sp_atoms.back() != var_atoms[ai].second) sp_atoms.push_back(var_atoms[ai].second);
    const std::span<const std::int32_t> en_atoms(sp_atoms.data() + atoms_begin, sp_atoms.data() + sp_atoms.size());
    // Cells that no atom of the query tells apart are one: keep the first of each kind.
    Key& key = sp_key;
    key.assign(en_atoms.begin(), en_atoms.end());
    key.push_back(-1 - var);
    const std::uint64_t key_hash = KeyMap<std::pmr::vector<std::int32_t>>::hash(key);
    const std::pmr::vector<std::int32_t>* found = reps_cache.find(key, key_hash);
    if (!found) {
      const Var& v = vars[static_cast<std::size_t>(var)];
      auto same = [&](std::int32_t x, std::int32_t y) {
        for (auto a : en_atoms) {
          const auto& t = atoms[static_cast<std::size_t>(a)].table;
          if (t[static_cast<std::size_t>(x)] != t[static_cast<std::size_t>(y)]) return false;
        }
        return true;
      };
      std::vector<std::int32_t>& cands = sp_cands;
      segment_representatives(v, en_atoms, cands);
      // Keep the first candidate of each signature; signatures are compared by hash
      // first, then exactly.
      auto& by_hash = sp_by_hash;
      by_hash.resize(cands.size());
      for (std::size_t i = 0; i < cands.size(); ++i) {
        std::uint64_t h = 1469598103934665603ull;
        for (auto a : en_atoms)
          h = (h ^ atoms[static_cast<std::size_t>(a)].table[static_cast<std::size_t>(cands[i])]) * 1099511628211ull;
        by_hash[i] = {h, i};
      }
      std::sort(by_hash.begin(), by_hash.end());
      auto& keep = sp_keep;
      keep.assign(cands.size(), 0);
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
      auto* made = reps_cache.insert(key, key_hash, &arena);  // in the arena
      made->reserve(static_cast<std::size_t>(std::count(keep.begin(), keep.end(), 1)));
      for (std::size_t i = 0; i < cands.size(); ++i)
        if (keep[i]) made->push_back(cands[i]);
      found = made;
    }
    const std::pmr::vector<std::int32_t>& reps = *found;  // the map's values stay put until finalize
    for (auto a : en_atoms) {
      std::uint8_t m = 0;
      for (auto cell : reps) m |= atoms[static_cast<std::size_t>(a)].table[static_cast<std::size_t>(cell)];
      union_mask[static_cast<std::size_t>(a)] = m;
      atom_mask[static_cast<std::size_t>(a)] = m;
    }
    sp_var.push_back(var);
    sp_reps.push_back(&reps);
    sp_atoms_at.push_back(static_cast<std::uint32_t>(sp_atoms.size()));
    sp_lits_at.push_back(static_cast<std::uint32_t>(sp_lits.size()));
  }
  // Most constrained first; then the smaller domain (a stable insertion sort: a part has few vars).
  const std::size_t n_vars = sp_var.size();
  auto n_lits = [&](std::uint32_t i) { return sp_lits_at[i + 1] - sp_lits_at[i]; };
  auto before = [&](std::uint32_t x, std::uint32_t y) {
    if (n_lits(x) != n_lits(y)) return n_lits(x) > n_lits(y);
    return sp_reps[x]->size() < sp_reps[y]->size();
  };
  sp_rank.resize(n_vars);
  for (std::size_t i = 0; i < n_vars; ++i) {
    const auto x = static_cast<std::uint32_t>(i);
    std::size_t j = i;
    for (; j > 0 && before(x, sp_rank[j - 1]); --j) sp_rank[j] = sp_rank[j - 1];
    sp_rank[j] = x;
  }
  q.order.clear();
  q.reps.clear();
  q.atoms.clear();
  q.lits_on.clear();
  q.atoms_at.assign(1, 0);
  q.lits_at.assign(1, 0);
  for (std::size_t k = 0; k < n_vars; ++k) {
    const std::uint32_t i = sp_rank[k];
    q.order.push_back(sp_var[i]);
    q.reps.push_back(sp_reps[i]);
    q.atoms.insert(q.atoms.end(), sp_atoms.begin() + sp_atoms_at[i], sp_atoms.begin() + sp_atoms_at[i + 1]);
    q.lits_on.insert(q.lits_on.end(), sp_lits.begin() + sp_lits_at[i], sp_lits.begin() + sp_lits_at[i + 1]);
    q.atoms_at.push_back(static_cast<std::uint32_t>(q.atoms.size()));
    q.lits_at.push_back(static_cast<std::uint32_t>(q.lits_on.size()));
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
      for (auto a : q.qatoms(k)) atom_mask[static_cast<std::size_t>(a)] = union_mask[static_cast<std::size_t>(a)];
      bool still = true;
      for (const auto& l : q.lits)
        if (!definite(l, eval(conds[static_cast<std::size_t>(l.cond)].root))) {
          still = false;
          break;
        }
      if (still) {
        kept[k] = false;
      } else {
        for (auto a : q.qatoms(k))
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
    for (auto a : q.qatoms(k)) atom_mask[static_cast<std::size_t>(a)] = kAll;
  return r;
}

}  // namespace iwd::compiler
