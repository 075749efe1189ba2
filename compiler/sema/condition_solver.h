// An exact decision procedure for the conditions of a ruleset (stage: sema). Used by the
// condition lints (lint_conditions*.cpp) and reusable wherever a question "is there an
// item for which these conditions hold / do not hold?" must be answered.
//
// The exact fragment: comparisons (== != < <= > >=), `in [list]`, `not in [list]` and ranges
// `in lo..hi` between an attribute (custom or core; bool, int, number, string, enum, time,
// duration, date; optional or not; also `attr ?? constant`) and constants, `CONST in LIST`
// for list attributes, `has(attr)`, bool attributes used as conditions, `and or not`,
// `cond ?? cond`, literals and defines built from these. Semantics follow LANGUAGE.md
// section 4: three-valued logic as in SQL, an absent value makes comparisons absent, a
// condition that ends absent does not hold.
//
// How it decides: every attribute's domain is split into finitely many cells by the
// constants that the conditions mention (each constant, each non-empty open interval between
// two of them, "any other string", and "absent" for optional attributes); every atom is
// constant on a cell, so a search over one representative per cell is exact. A query is a
// conjunction of "C holds" / "C does not hold"; the search assigns the attributes the query
// mentions one by one, evaluating the conditions on partial assignments (sets of possible
// truth values) to prune early, and merges cells that no atom of the query tells apart.
// A query splits into parts that share no attribute; each part is decided (and cached) on
// its own, so the "reaches department d" part shared by many queries is searched once.
// Numbers are doubles (no double lies strictly between two adjacent ones); strings compare
// bytewise.
//
// Anything outside the fragment (arithmetic, other functions, `now`, comparisons of two
// attributes, if/then/else, ...) becomes an opaque atom that may take any truth value. A
// query is then still answered exactly when the opaque atoms cannot change the answer
// (an Unsat answer is always exact); otherwise the answer is Unknown and names the
// conditions that blocked it. A search that exceeds a cap also answers Unknown.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "compiler/sema/bound.h"

namespace iwd::compiler {

class ConditionSolver {
 public:
  using CondId = std::int32_t;

  // `search_cap`: the most work (condition nodes evaluated) one search may do before it
  // answers Unknown; the default keeps a search to some milliseconds.
  explicit ConditionSolver(const BoundRuleset& rs, std::int64_t search_cap = 2000000);
  // A solver given the conditions `other` was given, in the same order (so the same ids,
  // cells and answers), without compiling them again; it shares nothing with `other`.
  struct CopyConditions {};
  ConditionSolver(const ConditionSolver& other, CopyConditions);
  ~ConditionSolver();
  ConditionSolver(const ConditionSolver&) = delete;
  ConditionSolver& operator=(const ConditionSolver&) = delete;

  // Compiles a condition (a bool expression; null: always holds). The same expression
  // compiled twice gives the same id.
  CondId add(const BoundExpr* cond);

  // True when the condition lies entirely in the exact fragment.
  bool exact(CondId c) const;
  // The first part of the condition beyond the exact fragment, in the language's syntax,
  // e.g. "`hour(now)`" or "`hour(now)` (in define `busy`)"; empty when exact or when the
  // only such parts are erroneous expressions (already reported by the binder).
  std::string beyond_text(CondId c) const;
  // True when the condition holds a part that failed to bind (typed Error): such parts are
  // opaque but never reported.
  bool has_error(CondId c) const;
  const BoundExpr* expr(CondId c) const;

  struct Literal {
    CondId cond;
    bool holds;  // true: the condition holds; false: it does not hold (false or absent)
  };

  enum class Verdict : std::uint8_t { Sat, Unsat, Unknown };

  // One cell chosen for one variable of an example item.
  struct ExampleValue {
    std::int32_t var;
    std::int32_t cell;
  };

  struct Result {
    Verdict verdict = Verdict::Unknown;
    std::vector<ExampleValue> example;  // Sat: an item that satisfies the query (minimal)
    std::vector<CondId> blocking;       // Unknown: conditions whose opaque parts left it open
    bool capped = false;                // Unknown: the search hit its cap
  };

  Result solve(std::span<const Literal> query);
  bool satisfiable(std::span<const Literal> query) { return solve(query).verdict == Verdict::Sat; }

  // "segment = Gold and deal_value = 20000", "no deal_value", "tags = [\"vip\"]"; "any item"
  // parts are joined with ", " and " and ". Empty example: "".
  std::string example_text(const std::vector<ExampleValue>& example) const;

  // Statistics, for tests and benchmarks: the work done by every search so far.
  std::int64_t nodes_visited() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// A bound expression in the language's own syntax: `segment == Gold and deal_value > 10000`,
// `amount in 1..5`, `"vip" in tags`, `hour(now)`. For messages.
std::string condition_text(const BoundRuleset& rs, const BoundExpr& e);

}  // namespace iwd::compiler
