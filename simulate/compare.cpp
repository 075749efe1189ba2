// Comparison of two sides' replications, measure by measure and scope by scope.
#include "simulate/compare.h"

#include <algorithm>
#include <cassert>

namespace iwd::simulate {
namespace {

// The measure in each replication, of every item (process -1) or of the named process; none
// when the side's rules have no such process.
std::optional<std::vector<double>> values(const Side& side, const std::string* process, MeasureOf of) {
  std::vector<double> out;
  if (process == nullptr) {
    for (const Replication& r : side.reps) out.push_back(of(r));
    return out;
  }
  const auto it = std::find(side.process_names.begin(), side.process_names.end(), *process);
  if (it == side.process_names.end()) return std::nullopt;
  const auto k = static_cast<std::size_t>(it - side.process_names.begin());
  for (const Replication& r : side.reps) out.push_back(of(r.by_process[k]));
  return out;
}

// Whether any replication of the side saw an item in the process.
bool used(const Side& side, std::size_t process) {
  return std::any_of(side.reps.begin(), side.reps.end(), [&](const Replication& r) { return r.by_process[process].arrivals > 0; });
}

// A row: the means of each side's values, and B - A paired by replication when both have them.
Compared compared(const std::string& scope, const std::optional<std::vector<double>>& va,
                  const std::optional<std::vector<double>>& vb) {
  Compared c{scope, std::nullopt, std::nullopt, std::nullopt};
  if (va) c.a = interval95(*va).mean;
  if (vb) c.b = interval95(*vb).mean;
  if (va && vb) {
    assert(va->size() == vb->size());
    std::vector<double> d;
    for (std::size_t r = 0; r < va->size(); ++r) d.push_back((*vb)[r] - (*va)[r]);
    c.difference = interval95(d);
  }
  return c;
}

}  // namespace

std::vector<Compared> compare(const Side& a, const Side& b, MeasureOf of) {
  assert(a.reps.size() == b.reps.size());
  std::vector<std::pair<std::string, bool>> scopes{{"all", false}};  // name, a process
  for (const Side* side : {&a, &b})
    for (std::size_t k = 0; k < side->process_names.size(); ++k) {
      const std::string& name = side->process_names[k];
      if (used(*side, k) && std::none_of(scopes.begin(), scopes.end(), [&](const auto& s) { return s.second && s.first == name; }))
        scopes.emplace_back(name, true);
    }
  std::vector<Compared> out;
  for (const auto& scope : scopes) {
    const std::string* process = scope.second ? &scope.first : nullptr;
    out.push_back(compared(scope.first, values(a, process, of), values(b, process, of)));
  }
  return out;
}

std::vector<Compared> compare_keyed(const Keyed& a, const Keyed& b) {
  auto find = [](const Keyed& side, const std::string& key) -> std::optional<std::vector<double>> {
    for (const auto& [k, v] : side)
      if (k == key) return v;
    return std::nullopt;
  };
  std::vector<Compared> out;
  for (const auto& [key, v] : a) out.push_back(compared(key, v, find(b, key)));
  for (const auto& [key, v] : b)
    if (!find(a, key)) out.push_back(compared(key, std::nullopt, v));
  return out;
}

}  // namespace iwd::simulate
