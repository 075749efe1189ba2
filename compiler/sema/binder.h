// Binding (stage: sema): names resolved, expressions typed, declarations checked, the
// result a BoundRuleset. Mistakes are reported as diagnostics; the returned ruleset is
// complete enough for lints even when there were errors (erroneous parts are typed Error).
#pragma once

#include <memory>
#include <vector>

#include "compiler/diag/diagnostic.h"
#include "compiler/sema/bound.h"
#include "compiler/syntax/syntax_decl.h"

namespace iwd::compiler {

std::unique_ptr<BoundRuleset> bind_ruleset(const SourceManager& sm, const std::vector<const SyntaxFile*>& files,
                                           DiagnosticBag& diags);

// The core attributes every work item has (LANGUAGE.md section 3), in record order.
struct CoreAttribute {
  std::string_view name;
  SemaType type;
};
const std::vector<CoreAttribute>& core_attributes();
bool is_core_attribute(std::string_view name);

}  // namespace iwd::compiler
