// Lowering (stage: lower): a checked BoundRuleset to a Program. Only called on a ruleset
// without errors.
#pragma once

#include <memory>

#include "compiler/lower/program.h"
#include "compiler/sema/bound.h"

namespace iwd::compiler {

std::unique_ptr<Program> lower_program(const BoundRuleset& rs);

}  // namespace iwd::compiler
