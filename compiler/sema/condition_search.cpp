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
  for (auto a : q.qatoms[k]) atom_mask[static_cast<std::size_t>(a)] = union_mask[static_cast<std::size_t>(a)];
  return false;
}

const ConditionSolver::Result& ConditionSolver::Impl::cached_part(const std::vector<Literal>& part) {
  // The same large part, literal for literal, as the last one (the lints ask about every pair
  // of processes of a department with "reaches department d" in each query): no key to build.
  auto same = [](const Literal& a, const Literal& b) { return a.cond == b.cond && a.holds == b.holds; };
  if (last_part_result && part.size() == last_part.size() &&
      std::equal(part.begin(), part.end(), last_part.begin(), same))
    return *last_part_result;
  std::vector<std::int32_t> key;
  key.reserve(part.size());
  for (const auto& l : part) key.push_back(l.cond * 2 + (l.holds ? 1 : 0));
  // Often in order already (the conditions of a prefix such as "reaches department d" are
  // numbered as written): checking is linear where sorting them again is not.
  if (!std::is_sorted(key.begin(), key.end())) std::sort(key.begin(), key.end());
  key.erase(std::unique(key.begin(), key.end()), key.end());
  auto it = part_cache.find(key);
  if (it == part_cache.end()) it = part_cache.emplace(std::move(key), solve_part(part)).first;
  if (part.size() >= kLastPartMin) {  // the map's nodes stay put until finalize clears it
    last_part = part;
    last_part_result = &it->second;
  }
  return it->second;
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
  std::vector<std::vector<Literal>> parts;
  for (const auto& l : lits) {
    const Cond& c = conds[static_cast<std::size_t>(l.cond)];
    if (c.vars.empty()) {
      parts.push_back({l});
      continue;
    }
    auto& part = var_part[static_cast<std::size_t>(find(c.vars[0]))];
    if (part < 0) {
      part = static_cast<std::int32_t>(parts.size());
      parts.emplace_back();
    }
    parts[static_cast<std::size_t>(part)].push_back(l);
  }
  Result out;
  out.verdict = Verdict::Sat;
  for (auto& part : parts) {
    const Result& r = cached_part(part);
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

std::vector<std::int32_t> ConditionSolver::Impl::segment_representatives(const Var& v, const std::vector<std::int32_t>& query_atoms) const {
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
  std::vector<std::size_t> const_at;  // value-order indices of the cells that are a constant of the query
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
  std::vector<std::int32_t> points, others;
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
  out = std::move(points);
  out.insert(out.end(), others.begin(), others.end());
  if (v.optional) out.push_back(v.by_value.back());
  return out;
}

ConditionSolver::Result ConditionSolver::Impl::solve_part(std::span<const Literal> lits) {
  if (atom_mask.size() < atoms.size()) atom_mask.resize(atoms.size(), kAll);
  Query q;
  q.lits.assign(lits.begin(), lits.end());
  q.blocked.assign(q.lits.size(), 0);
  // The vars of the query and, per var, its atoms and literals.
  // As (var, atom) and (var, literal) pairs sorted by var: one allocation each, not a map's
  // node per var.
  std::vector<std::pair<std::int32_t, std::int32_t>> var_atoms, var_lits;
  std::size_t n_atoms = 0, n_vars = 0;
  for (const auto& l : q.lits) {
    n_atoms += conds[static_cast<std::size_t>(l.cond)].atoms.size();
    n_vars += conds[static_cast<std::size_t>(l.cond)].vars.size();
  }
  var_atoms.reserve(n_atoms);
  var_lits.reserve(n_vars);
  for (std::size_t li = 0; li < q.lits.size(); ++li) {
    const Cond& c = conds[static_cast<std::size_t>(q.lits[li].cond)];
    for (auto a : c.atoms) var_atoms.push_back({atoms[static_cast<std::size_t>(a)].var, a});
    for (auto v : c.vars) var_lits.push_back({v, static_cast<std::int32_t>(li)});
    if (!c.opaques.empty()) q.opaque_lits.push_back(static_cast<std::int32_t>(li));
  }
  std::sort(var_atoms.begin(), var_atoms.end());
  std::stable_sort(var_lits.begin(), var_lits.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  if (union_mask.size() < atoms.size()) union_mask.resize(atoms.size(), 0);
  struct Entry {
    std::int32_t var;
    std::vector<std::int32_t> atoms, lits, reps;
  };
  std::vector<Entry> entries;
  std::size_t ai = 0;
  for (std::size_t vi = 0; vi < var_lits.size();) {
    // Every var of a literal's condition has an atom of it (c.vars are the atoms' vars).
    const std::int32_t var = var_lits[vi].first;
    Entry en;
    en.var = var;
    for (; vi < var_lits.size() && var_lits[vi].first == var; ++vi) en.lits.push_back(var_lits[vi].second);
    en.lits.erase(std::unique(en.lits.begin(), en.lits.end()), en.lits.end());
    while (ai < var_atoms.size() && var_atoms[ai].first < var) ++ai;
    for (; ai < var_atoms.size() && var_atoms[ai].first == var; ++ai) en.atoms.push_back(var_atoms[ai].second);
    en.atoms.erase(std::unique(en.atoms.begin(), en.atoms.end()), en.atoms.end());
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
      union_mask[static_cast<std::size_t>(a)] = m;
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
      for (auto a : q.qatoms[k]) atom_mask[static_cast<std::size_t>(a)] = union_mask[static_cast<std::size_t>(a)];
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

}  // namespace iwd::compiler
