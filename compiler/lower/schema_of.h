// The runtime's item schema of a checked ruleset: attribute slots in record order, their
// types, optionality, defaults and enums (what a bundle carries for the runtime).
#pragma once

#include "compiler/sema/bound.h"
#include "runtime/schema.h"

namespace iwd::compiler {

runtime::Schema schema_of(const BoundRuleset& rs);

}  // namespace iwd::compiler
