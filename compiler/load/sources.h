// A ruleset's source files as a bundle keeps them (its "sources" section, compiler/load/bundle.h),
// so that rules loaded from a bundle (an upload, the service's store after a restart) can still
// be shown as written: `iwd serve`'s explanations (compiler/inspect) compile them again.
//
// Kept: the root's name, every file the compilation read (names as it showed them: the paths
// given on the command line, the names of an upload) with its text, in the order read, and
// what each `import` resolved to. Reading them back needs neither the disk nor the original
// file set: an import resolves to the file it resolved to then (a file set whose names are
// disk paths, e.g. "../shared/lib.iwd", cannot be resolved again in memory).
//
// The text is JSON: {"root": NAME, "files": [[NAME, TEXT]...], "imports": [[FROM, TARGET, NAME]...]}.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "compiler/source/files.h"
#include "compiler/source/source.h"

namespace iwd::compiler {

// Wraps the file set a compilation reads, remembering what each import resolved to.
class RecordingFiles final : public SourceFiles {
 public:
  explicit RecordingFiles(const SourceFiles& inner) : inner_(inner) {}
  Resolved resolve(const std::string& from, const std::string& target) const override;
  std::string key(const std::string& name) const override { return inner_.key(name); }
  bool read(const std::string& name, std::string* text, std::string* error) const override {
    return inner_.read(name, text, error);
  }
  // The sources text of a compilation from `root` that read the files `ids` of `sm` through
  // this set.
  std::string sources(const std::string& root, const SourceManager& sm, const std::vector<FileId>& ids) const;

 private:
  const SourceFiles& inner_;
  struct Import {
    std::string from, target;
    Resolved to;
  };
  mutable std::vector<Import> imports_;
};

// The files of a sources text, as a file set: imports resolve as they did when it was kept.
class StoredFiles final : public SourceFiles {
 public:
  // False with *error when `text` is not a sources text.
  bool parse(const std::string& text, std::string* error);
  const std::string& root() const { return root_; }
  Resolved resolve(const std::string& from, const std::string& target) const override;
  std::string key(const std::string& name) const override { return name; }
  bool read(const std::string& name, std::string* text, std::string* error) const override;

 private:
  std::string root_;
  std::map<std::string, std::string> files_;
  std::map<std::pair<std::string, std::string>, std::string> imports_;  // (from, target) -> name
};

}  // namespace iwd::compiler
