// Outcomes (LANGUAGE.md 1.1 section 11): whether a code given when an item is marked done or
// completed is one the rules declare in `outcomes { }`. Shared by the runtime (which refuses
// an undeclared one, changing nothing), `iwd replay` and `iwd serve`.
#pragma once

#include <string>
#include <string_view>

#include "runtime/abi.h"

namespace iwd::runtime {

// "" when `outcome` is declared by `rules`; else one sentence saying why not, listing the
// declared outcomes and, when one is close, "did you mean `X`?".
std::string outcome_problem(const abi::RulesV1& rules, std::string_view outcome);

}  // namespace iwd::runtime
