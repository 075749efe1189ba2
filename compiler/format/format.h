// `iwd fmt`: prints a file's AST in one canonical layout and puts every comment back where
// it was. The layout is documented in docs/fmt.md.
#pragma once

#include <string>

#include "compiler/diag/diagnostic.h"
#include "compiler/source/source.h"

namespace iwd::compiler {

struct FormatResult {
  bool ok = false;
  std::string text;   // the canonical text (when ok)
  std::string error;  // an internal failure (the output would not have been equivalent); empty otherwise
};

// Formats one file. Fails (ok == false, no text) when the file has syntax errors: these
// are reported into `diags`. Before returning, the result is checked: it must parse to the
// same AST (ranges aside) and hold every comment exactly once, else the call fails with
// `error` set and the file must be left as it is.
FormatResult format_source(const SourceManager& sm, FileId file, DiagnosticBag& diags);

// Convenience: formats a text given as a string (path is used in messages only).
FormatResult format_text(const std::string& path, const std::string& text, DiagnosticBag& diags);

// The `dump_ast` text with every `@l:c-l:c` range removed, for comparing two ASTs.
std::string strip_ast_ranges(const std::string& dump);

}  // namespace iwd::compiler
