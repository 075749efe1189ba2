#pragma once

#include <ostream>
#include <sstream>
#include <string>

#include "compiler/sema/bound.h"

namespace iwd::compiler {

// The checked ruleset in a stable text form (`iwd parse --emit=bound`).
void dump_bound(std::ostream& out, const BoundRuleset& rs);
// One expression as a typed s-expression: `(== segment:Segment Segment.Gold):bool`.
std::string bound_expr_text(const BoundRuleset& rs, const BoundExpr* e);

}  // namespace iwd::compiler
