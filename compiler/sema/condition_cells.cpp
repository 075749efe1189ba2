// The condition solver, domains (see condition_solver.h): each variable's values split into
// finitely many cells by the constants its atoms mention (each constant, the open intervals
// between them, "any other", "absent"), so that every atom is constant on a cell.
#include "compiler/sema/condition_solver_internal.h"

#include <algorithm>

namespace iwd::compiler {

bool ConditionSolver::Impl::string_between(const std::string* lo, const std::string* hi, std::string& out) {
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

long double ConditionSolver::Impl::other_number(const std::vector<Value>& consts) {
  for (long double n = 0;; n += 1) {
    bool taken = false;
    for (const auto& c : consts) taken = taken || c.num == n;
    if (!taken) return n;
  }
}

void ConditionSolver::Impl::fill_cells(Var& v) {
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
  // After an int's or a number's constants: one compared only for equality needs one other
  // value, and one with no constants a single value; true when those are all its cells.
  auto few_numbers = [&] {
    if (!ordered) point(Value{other_number(consts), {}});
    else if (consts.empty()) point(Value{0, {}});
    return !ordered || consts.empty();
  };
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
      if (few_numbers()) break;
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
      if (few_numbers()) break;
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

void ConditionSolver::Impl::build_cells(Var& v) {
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

std::uint8_t ConditionSolver::Impl::eval_atom(const Atom& a, const Var& v, const Cell& c) const {
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

// A comparison with one constant (or a range with two) is a step function of the value: over
// the present cells in value order it is decided by where its constants fall, found by binary
// search, rather than by comparing every cell (atoms times cells for an attribute compared
// with many different constants). Absent cells go through eval_atom (fallbacks).
bool ConditionSolver::Impl::fill_table_by_order(Atom& a, const Var& v) const {
  const bool single = a.op == Op::Eq || a.op == Op::Ne || a.op == Op::Lt || a.op == Op::Le || a.op == Op::Gt || a.op == Op::Ge;
  const bool range = a.op == Op::InRange || a.op == Op::NotInRange;
  if (v.kind != VarKind::Value || !(single || range) || a.consts.size() != (range ? 2u : 1u)) return false;
  const Dom d = v.dom;
  std::size_t present = 0;
  while (present < v.by_value.size() && !v.cells[static_cast<std::size_t>(v.by_value[present])].absent) ++present;
  auto first = [&](const Value& c, bool above) {  // first index with value >= c (> c when above)
    std::size_t lo = 0, hi = present;
    while (lo < hi) {
      const std::size_t mid = (lo + hi) / 2;
      const int k = compare(d, v.cells[static_cast<std::size_t>(v.by_value[mid])].v, c);
      if (k < 0 || (above && k == 0)) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
  const std::size_t lo0 = first(a.consts[0], false), hi0 = first(a.consts[0], true);
  const std::size_t hi1 = range ? first(a.consts[1], true) : 0;
  for (std::size_t i = 0; i < present; ++i) {
    const int k = i < lo0 ? -1 : i < hi0 ? 0 : 1;  // the value against the (first) constant
    const bool t = range ? (k >= 0 && i < hi1) != (a.op == Op::NotInRange) : comparison_holds(a.op, k);
    a.table[static_cast<std::size_t>(v.by_value[i])] = t ? kT : kF;
  }
  for (std::size_t i = present; i < v.by_value.size(); ++i) {
    const auto cell = static_cast<std::size_t>(v.by_value[i]);
    a.table[cell] = eval_atom(a, v, v.cells[cell]);
  }
  return true;
}

void ConditionSolver::Impl::finalize() {
  if (!dirty) return;
  for (auto& v : vars) build_cells(v);
  for (auto& a : atoms) {
    const Var& v = vars[static_cast<std::size_t>(a.var)];
    a.table.resize(v.cells.size());
    if (fill_table_by_order(a, v)) continue;
    for (std::size_t i = 0; i < v.cells.size(); ++i) a.table[i] = eval_atom(a, v, v.cells[i]);
  }
  reps_cache.clear();
  part_cache.clear();
  last_part_result = nullptr;
  dirty = false;
}

}  // namespace iwd::compiler
