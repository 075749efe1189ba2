// Diagnostics built by hand, for the renderers' tests: a range by lines and columns, and a
// diagnostic with a code, a severity, a range and a message.
#pragma once

#include <cstdint>
#include <string>

#include "compiler/diag/diagnostic.h"

namespace iwd::test {

inline compiler::SourceRange range_of(compiler::FileId f, std::uint32_t l1, std::uint32_t c1, std::uint32_t l2,
                                      std::uint32_t c2) {
  return compiler::SourceRange{f, compiler::SourceLoc{0, l1, c1}, compiler::SourceLoc{0, l2, c2}};
}

inline compiler::Diagnostic diag(std::string code, compiler::Severity s, compiler::SourceRange r, std::string message) {
  compiler::Diagnostic d;
  d.code = std::move(code);
  d.severity = s;
  d.range = r;
  d.message = std::move(message);
  return d;
}

}  // namespace iwd::test
