// One ruleset's compilation: a root file and everything it imports, parsed in ruleset
// order (an imported file's declarations stand where it is imported), then checked.
#pragma once

#include <cstddef>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "compiler/diag/diagnostic.h"
#include "compiler/source/files.h"
#include "compiler/sema/bound.h"
#include "compiler/syntax/syntax_decl.h"

namespace iwd::compiler {

// Imports nest at most this deep (a chain of files each importing the next); a deeper import
// is an error where it stands.
inline constexpr std::size_t kMaxImportDepth = 64;

class Compilation {
 public:
  // Files are read through `files` (the disk unless told otherwise), which must outlive this.
  Compilation(SourceManager& sm, DiagnosticBag& diags, const SourceFiles& files = disk_files())
      : sm_(sm), diags_(diags), files_(files) {}

  // Loads `path` (a name in the file set) and its imports. Returns false (and sets *io_error
  // to a one-line reason) when the root file itself cannot be read; problems with imports are
  // diagnostics.
  bool load_root(const std::string& path, std::string* io_error);
  // Same, for text already in memory (tests, `iwd check -`); its imports go through the set.
  void load_root_text(const std::string& path, std::string text);

  // Binding (names, types) and semantic checks; skipped when the files have syntax errors.
  void check();
  // The checked ruleset, after check() (null when it was skipped).
  const BoundRuleset* bound() const { return bound_.get(); }

  // Files in ruleset order (each once); an import splices its file in where it stands.
  const std::vector<const SyntaxFile*>& files() const { return order_; }
  // Every file read, including files imported through other files.
  const std::vector<FileId>& file_ids() const { return ids_; }
  bool has_syntax_errors() const { return syntax_errors_; }

 private:
  void load(FileId id, std::vector<FileId>& stack);
  void drop_unknown_names(std::size_t first);

  SourceManager& sm_;
  DiagnosticBag& diags_;
  const SourceFiles& files_;
  std::map<std::string, FileId> keys_;  // the file set's key of every file read
  std::vector<std::unique_ptr<SyntaxFile>> parsed_;
  std::vector<const SyntaxFile*> order_;
  std::vector<FileId> ids_;
  bool syntax_errors_ = false;
  std::ptrdiff_t missing_import_ = -1;  // the first `cannot import` error (E0201) in diags_, if any
  std::unique_ptr<BoundRuleset> bound_;
};

// The `.iwd` files that `iwd check` should treat as roots for the given paths: files as
// given; for a folder, every `.iwd` file below it that no other file there imports.
// Returns false with *io_error set for a path that does not exist.
bool collect_roots(const std::vector<std::string>& paths, std::vector<std::string>* roots,
                   std::string* io_error);

}  // namespace iwd::compiler
