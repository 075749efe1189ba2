// DiagnosticBag: collecting, counting and ordering diagnostics.
#include "compiler/diag/diagnostic.h"

#include <algorithm>
#include <cassert>
#include <tuple>

#include "compiler/diag/codes.h"

namespace iwd::compiler {

std::string_view severity_name(Severity s) {
  switch (s) {
    case Severity::Note: return "note";
    case Severity::Warning: return "warning";
    case Severity::Error: return "error";
  }
  return "error";
}

Diagnostic& DiagnosticBag::report(std::string_view code, SourceRange range, std::string message) {
  const DiagCodeInfo* info = find_diag_code(code);
  assert(info != nullptr && "diagnostic code missing from the catalog in codes.cpp");
  Diagnostic d;
  d.code = std::string(code);
  d.severity = info != nullptr ? info->severity : Severity::Error;
  d.message = std::move(message);
  d.range = range;
  diags_.push_back(std::move(d));
  return diags_.back();
}

void DiagnosticBag::add(Diagnostic d) { diags_.push_back(std::move(d)); }

std::size_t DiagnosticBag::error_count() const {
  return static_cast<std::size_t>(
      std::count_if(diags_.begin(), diags_.end(), [](const Diagnostic& d) { return d.severity == Severity::Error; }));
}

std::size_t DiagnosticBag::warning_count() const {
  return static_cast<std::size_t>(std::count_if(
      diags_.begin(), diags_.end(), [](const Diagnostic& d) { return d.severity == Severity::Warning; }));
}

bool Diagnostics::has_errors() const {
  return std::any_of(list.begin(), list.end(), [](const Diagnostic& d) { return d.severity == Severity::Error; });
}

void DiagnosticBag::sort() {
  // Diagnostics without a file (kNoFile) come last.
  std::stable_sort(diags_.begin(), diags_.end(), [](const Diagnostic& a, const Diagnostic& b) {
    return std::tie(a.range.file, a.range.begin.line, a.range.begin.col) <
           std::tie(b.range.file, b.range.begin.line, b.range.begin.col);
  });
}

}  // namespace iwd::compiler
