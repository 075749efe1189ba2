// The catalog of diagnostic codes. Codes are stable: once released, a code keeps its
// meaning. Every code has a golden test and an entry in docs/diagnostics.md (a test checks).
#pragma once

#include <span>
#include <string_view>

#include "compiler/diag/diagnostic.h"

namespace iwd::compiler {

struct DiagCodeInfo {
  std::string_view code;     // "E0101"
  std::string_view name;     // "syntax-error": a short kebab-case name, used in SARIF rules
  Severity severity;         // default severity
  std::string_view summary;  // one line, for docs and SARIF rule descriptions
};

std::span<const DiagCodeInfo> all_diag_codes();
// nullptr when the code is unknown.
const DiagCodeInfo* find_diag_code(std::string_view code);

}  // namespace iwd::compiler
