// Lowering (stage: lower): a checked BoundRuleset to a Program. Only called on a ruleset
// without errors.
#pragma once

#include <cstdint>
#include <memory>
#include <unordered_map>
#include <vector>

#include "compiler/lower/program.h"
#include "compiler/sema/bound.h"

namespace iwd::compiler {

// Where each expression node's value lives: per function (by FunctionRef), the register that
// holds the value of every node of the BoundRuleset lowered into it (a define's nodes once
// per function that uses it). Explanations read a condition's parts from these registers, so
// the values they show are the ones the rule program computed.
struct NodeRegisters {
  std::vector<std::unordered_map<const BoundExpr*, std::uint32_t>> functions;
  // The register of `node` in function `f`, or -1 when it has none (a constant list after `in`).
  std::int64_t find(FunctionRef f, const BoundExpr* node) const;
};

std::unique_ptr<Program> lower_program(const BoundRuleset& rs, NodeRegisters* registers = nullptr);

}  // namespace iwd::compiler
