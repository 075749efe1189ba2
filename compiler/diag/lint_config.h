// Allowing and denying warnings and lints.
//
// - In a file, a comment `// iwd:allow(W0610)` or `// iwd:allow(W0610, W0614)` (also in a
//   `/* */` comment, anywhere in the file) silences those codes for diagnostics located in
//   that file. Catalog names work too: `// iwd:allow(unused-define)`.
// - On the command line, `--allow CODE` silences a code everywhere; `--deny CODE` makes a
//   warning or note with that code an error; `--deny-warnings` makes every remaining
//   warning an error.
// - Deny wins: over a command-line allow of the same code and over a file's allow.
// - Only W (warning) and I (note) codes can be allowed or denied. Errors stay errors: an
//   E code on the command line is a usage error; in a file comment it is ignored with a
//   warning, like a code the catalog does not know.
#pragma once

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "compiler/diag/diagnostic.h"

namespace iwd::compiler {

struct LintConfig {
  std::set<std::string> allow, deny;  // codes, e.g. "W0610"
  bool deny_warnings = false;
};

// The catalog code for a code or name as a user writes it ("W0610", "w0610",
// "unused-define"), or nothing when the catalog has no such code.
std::optional<std::string> resolve_lint_code(std::string_view text);

// Checks and normalizes the codes of a command line (`--allow`, `--deny`): each is
// resolved to its catalog code. Returns a one-line message for the first bad one (an
// unknown code, or an error code given to --allow or --deny), or an empty string.
std::string normalize_lint_config(LintConfig& config);

// A file's `iwd:allow(...)` comment.
struct AllowComment {
  std::uint32_t line = 0;            // 1-based
  std::vector<std::string> codes;    // resolved catalog codes that may be allowed
  std::vector<std::string> unknown;  // as written: codes and names the catalog does not know
  std::vector<std::string> errors;   // error codes, which cannot be allowed
};
// Finds the `iwd:allow(...)` comments of a file's text (strings are skipped).
std::vector<AllowComment> find_allow_comments(std::string_view text);

// Applies the command line and the files' allow comments to `diags`: removes allowed
// diagnostics and raises denied ones to errors. When `warnings` is given, it receives one
// line per unusable code in an allow comment: "rules.iwd:3: ...".
void apply_lint_config(const SourceManager& sm, std::vector<Diagnostic>& diags, const LintConfig& config,
                       std::vector<std::string>* warnings);

}  // namespace iwd::compiler
