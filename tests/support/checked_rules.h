// A ruleset through the front end for tests and benchmarks: loaded from text or a file,
// checked, and lowered on request; and the rulesets of the tree's example and test folders.
// What a test then asserts (no errors, or skipping rulesets that show mistakes) stays in the
// test.
#pragma once

#include <algorithm>
#include <filesystem>
#include <initializer_list>
#include <memory>
#include <string>
#include <vector>

#include "compiler/driver/compilation.h"
#include "compiler/lower/lower.h"

namespace iwd::test {

struct CheckedRules {
  compiler::SourceManager sm;
  compiler::DiagnosticBag diags;
  compiler::Compilation comp{sm, diags};
  std::unique_ptr<compiler::Program> program;  // after lower()
  std::string error;                           // why the root file could not be read

  // Whether it is checked and without errors (it can be lowered).
  bool ok() const { return error.empty() && !diags.has_errors() && comp.bound() != nullptr; }
  // The first diagnostic's message, or the read error: for an assertion's message.
  std::string first_problem() const { return diags.all().empty() ? error : diags.all().front().message; }
  compiler::Program& lower() {
    program = compiler::lower_program(*comp.bound());
    return *program;
  }
};

// Heap-allocated: the compilation holds references to the source manager and the bag.
inline std::unique_ptr<CheckedRules> check_text(const std::string& name, std::string text) {
  auto c = std::make_unique<CheckedRules>();
  c->comp.load_root_text(name, std::move(text));
  c->comp.check();
  return c;
}

inline std::unique_ptr<CheckedRules> check_file(const std::string& path) {
  auto c = std::make_unique<CheckedRules>();
  if (!c->comp.load_root(path, &c->error)) return c;
  c->comp.check();
  return c;
}

// The .iwd files (helpers named `_*` left out) of these folders below `root`, sorted.
inline std::vector<std::string> iwd_files(const std::string& root, std::initializer_list<const char*> folders) {
  std::vector<std::string> files;
  for (const char* dir : folders)
    for (const auto& e : std::filesystem::directory_iterator(root + dir))
      if (e.path().extension() == ".iwd" && e.path().filename().string()[0] != '_') files.push_back(e.path().string());
  std::sort(files.begin(), files.end());
  return files;
}

}  // namespace iwd::test
