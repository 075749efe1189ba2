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
    const auto va = values(a, process, of), vb = values(b, process, of);
    Compared c{scope.first, std::nullopt, std::nullopt, std::nullopt};
    if (va) c.a = interval95(*va).mean;
    if (vb) c.b = interval95(*vb).mean;
    if (va && vb) {
      std::vector<double> d;
      for (std::size_t r = 0; r < va->size(); ++r) d.push_back((*vb)[r] - (*va)[r]);
      c.difference = interval95(d);
    }
    out.push_back(std::move(c));
  }
  return out;
}

}  // namespace iwd::simulate
