// Renderers for diagnostics: clang/rustc-style text, JSON (one object per diagnostic,
// one per line) and SARIF 2.1.0.
#pragma once

#include <ostream>
#include <string>

#include "compiler/diag/diagnostic.h"
#include "compiler/source/source.h"

namespace iwd::compiler {

struct TextRenderOptions {
  bool color = false;
  bool show_source = true;  // the source line with carets under the range
};

void render_text(std::ostream& out, const SourceManager& sm, const std::vector<Diagnostic>& diags,
                 const TextRenderOptions& opts = {});
// The same for diagnostics handed over as data; nothing when there are none.
void render_text(std::ostream& out, const Diagnostics& diags, const TextRenderOptions& opts = {});
// JSON Lines: one JSON object per diagnostic.
void render_json(std::ostream& out, const SourceManager& sm, const std::vector<Diagnostic>& diags);
// One SARIF 2.1.0 log with one run (tool "iwd"), with a rule entry for every code used.
void render_sarif(std::ostream& out, const SourceManager& sm, const std::vector<Diagnostic>& diags,
                  const std::string& tool_version);

}  // namespace iwd::compiler
