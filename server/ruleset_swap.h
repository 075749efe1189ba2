// Hot reload: the state of a runtime carried over to a fresh runtime on another ruleset.
// Agents come first, in login order, with their skills (by name: a skill the new rules do not
// have is dropped), groups, attributes, capacity and state. Then every open item, through
// Runtime::adopt, re-evaluated under the new rules (process, due, priority and targets from
// its stored captured_at and attributes) and put back where it was: assigned, parked, done and
// held items first, then offered ones, then deferred and queued ones in their old order.
// Attributes the new schema does not declare are dropped (reported); an item the new schema
// cannot decode or the new rules reject is a problem, and any problem refuses the whole swap.
#pragma once

#include <set>
#include <string>
#include <vector>

#include "runtime/runtime.h"

namespace iwd::server {

struct SwapReport {
  std::size_t agents = 0, items = 0;
  std::set<std::string> dropped_attributes;
  std::vector<std::string> problems;  // at most kMaxProblems; `more_problems` counts the rest
  std::size_t more_problems = 0;
  static constexpr std::size_t kMaxProblems = 20;
  bool ok() const { return problems.empty(); }
};

// `to` must be fresh (no items, no agents), its clock at the instant of the swap.
SwapReport transplant(const runtime::Runtime& from, runtime::Runtime& to);

}  // namespace iwd::server
