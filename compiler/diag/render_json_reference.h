// render_json's reference (render.h): the same JSON Lines built through nlohmann::json, one
// object per diagnostic, as render_json wrote them before it wrote its JSON directly. Its
// output must equal render_json's byte for byte; the tests compare the two.
#pragma once

#include <ostream>
#include <vector>

#include "compiler/diag/diagnostic.h"
#include "compiler/source/source.h"

namespace iwd::compiler {

void render_json_via_library(std::ostream& out, const SourceManager& sm, const std::vector<Diagnostic>& diags);

}  // namespace iwd::compiler
