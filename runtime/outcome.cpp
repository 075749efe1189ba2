// Outcomes: checking a code against the rules table's `outcomes { }` (see outcome.h).
#include "runtime/outcome.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <vector>

#include "stdlib/spelling.h"

namespace iwd::runtime {

std::string outcome_problem(const abi::RulesV1& rules, std::string_view outcome) {
  const std::int32_t n = abi::outcome_count(rules);
  std::vector<std::string_view> declared;
  for (std::int32_t i = 0; i < n; ++i) {
    const std::string_view name = rules.outcome_names[i] ? rules.outcome_names[i] : "";
    if (name == outcome) return {};
    declared.push_back(name);
  }
  if (declared.empty())
    return fmt::format("outcome `{}` is not declared: the rules declare no outcomes (`outcomes {{ ... }}`)", outcome);
  std::string out = fmt::format("outcome `{}` is not declared; the declared outcomes are {}", outcome,
                                fmt::join(declared, ", "));
  if (std::string best = stdlib::suggest_name(outcome, declared); !best.empty())
    out += fmt::format("; did you mean `{}`?", best);
  return out;
}

}  // namespace iwd::runtime
