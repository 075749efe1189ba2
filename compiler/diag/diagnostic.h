// Diagnostics: mistakes in a user's rules are data. Each has a stable code, a severity,
// a primary range, optional secondary labels, notes and fix-it suggestions. They are
// collected in a DiagnosticBag and rendered as text, JSON or SARIF (render.h).
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "compiler/source/source.h"

namespace iwd::compiler {

enum class Severity { Note, Warning, Error };
std::string_view severity_name(Severity s);  // "note", "warning", "error"

// A secondary location with a short message ("first declared here").
struct DiagLabel {
  SourceRange range;
  std::string message;
};

// A suggested edit: replace `range` with `replacement` (an empty range inserts).
struct FixIt {
  SourceRange range;
  std::string replacement;
  std::string message;  // e.g. "did you mean `every`?"
};

struct Diagnostic {
  std::string code;  // stable code, e.g. "E0101"; see codes.h
  Severity severity = Severity::Error;
  std::string message;
  SourceRange range;  // primary range (may be invalid for file-less diagnostics)
  std::vector<DiagLabel> labels;
  std::vector<std::string> notes;
  std::vector<FixIt> fixits;
};

// Diagnostics handed over as data (by the loader, to the CLI and the server, which render
// them): the list, and the files its ranges point into.
struct Diagnostics {
  std::vector<Diagnostic> list;
  std::shared_ptr<const SourceManager> sources;  // set whenever `list` is not empty
  bool has_errors() const;
};

// Collects diagnostics; caps the number of errors per file so that one broken file
// cannot flood the output.
class DiagnosticBag {
 public:
  // Adds a diagnostic with the code's default severity and returns it for decoration.
  Diagnostic& report(std::string_view code, SourceRange range, std::string message);
  void add(Diagnostic d);

  const std::vector<Diagnostic>& all() const { return diags_; }
  std::vector<Diagnostic>& all() { return diags_; }
  std::size_t error_count() const;
  std::size_t warning_count() const;
  bool has_errors() const { return error_count() != 0; }
  // Sorts by file, then position, keeping the order of equal positions.
  void sort();

 private:
  std::vector<Diagnostic> diags_;
};

}  // namespace iwd::compiler
