// Loading a ruleset for the runtime: from source (checked, lowered and compiled by the JIT)
// or from a bundle (no front end: the program is read, checked for consistency, and its
// native code linked). Either way the result fills the runtime's ABI table
// (runtime/abi.h), which is all the runtime sees.
//
// This is the loader's interface for the runtime's users (the server, the CLI): the table, the
// manifest, the load functions and their diagnostics as data. The front end, the interpreter
// and the JIT stay behind it (compiler/load/loaded_rules.h brings them in, for tools that show
// the rules as written or reach into the program).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "compiler/diag/diagnostic.h"
#include "compiler/load/manifest.h"
#include "runtime/abi.h"
#include "runtime/intern.h"
#include "runtime/schema.h"

namespace iwd::compiler {

struct Program;
class Interpreter;
class JitProgram;
class JitRunner;
class SourceFiles;
struct SourceRules;

struct LoadOptions {
  bool jit = true;           // false: the reference interpreter runs everything
  bool keep_object = false;  // keep the object file (for `iwd build`); needs `jit`
  // From source: keep the source files (LoadedRules::sources()), so that the bundle carries them.
  bool keep_sources = false;
  // Rules compiled lazily (from source, without keep_object): compile the parts left on a
  // thread of its own after load (JitProgram::start_background_compile), stopped when the
  // rules are destroyed, so that the threads evaluating items rarely compile a part.
  bool background_compile = false;
  // A bundle's native code linked by LLVM (RuntimeDyld: JitProgram::load), the differential
  // oracle of the tests, rather than by iwd's own ELF loader (JitProgram::load_native, issue 19).
  bool llvm_linker = false;
};

class LoadedRules {
 public:
  ~LoadedRules();
  LoadedRules(const LoadedRules&) = delete;
  LoadedRules& operator=(const LoadedRules&) = delete;

  // The runtime's view. Valid as long as this object.
  const runtime::abi::RulesV1& table() const { return table_; }

  const Program& program() const;
  // The rules' `timezone` (an IANA name; "UTC" without one), for those who see only this header.
  const std::string& timezone() const;
  const runtime::Schema& schema() const { return schema_; }
  const Interpreter& interpreter() const;
  runtime::StringPool& pool() const { return pool_; }
  const BundleManifest& manifest() const { return manifest_; }
  bool uses_jit() const { return jit_ != nullptr; }
  // The native code (null without the JIT): its lazily compiled parts and background compile.
  JitProgram* jit_program() const { return jit_.get(); }
  // The object files, when loaded with keep_object.
  const std::vector<std::string>& objects() const { return objects_; }
  // The bundle of these rules (needs keep_object), with their sources when kept.
  std::string bundle() const;
  // The source files (compiler/load/sources.h) when kept (LoadOptions::keep_sources) or read
  // from a bundle that has them; else empty.
  const std::string& sources() const { return sources_; }
  void set_sources(std::string text) { sources_ = std::move(text); }  // the loaders below

  // Builds a loaded ruleset from its parts (the loaders below use this).
  static std::unique_ptr<LoadedRules> make(std::unique_ptr<Program> program, runtime::Schema schema,
                                           BundleManifest manifest, runtime::StringPool& pool,
                                           const LoadOptions& options, const std::vector<std::string>& objects,
                                           std::string* error);

  struct Strings;  // the table's string storage (loaded_rules.cpp)

 private:
  friend struct TableEntry;  // the table's entry points (rules_table.cpp)
  explicit LoadedRules(runtime::StringPool& pool);
  void fill_table();

  runtime::StringPool& pool_;
  std::unique_ptr<Program> program_;
  runtime::Schema schema_;
  BundleManifest manifest_;
  std::string schema_text_;
  std::unique_ptr<Interpreter> interp_;
  std::unique_ptr<JitProgram> jit_;
  std::unique_ptr<JitRunner> runner_;
  std::vector<std::string> objects_;
  std::string sources_;
  std::vector<std::int64_t> string_ids_;  // Program::strings -> pool ids
  std::vector<std::uint8_t> skill_reads_item_;  // per function: reads item attributes or time inputs
  std::unique_ptr<Strings> strings_;
  runtime::abi::RulesV1 table_;
};

// What load_rules reports.
enum class LoadStatus {
  Ok,
  RuleErrors,   // the rules have errors (in `diagnostics`): exit 1
  Failed,       // the file could not be read, or the bundle cannot be used here: exit 2
};

struct LoadResult {
  std::unique_ptr<LoadedRules> rules;
  LoadStatus status = LoadStatus::Failed;
  std::string error;  // for Failed: one line naming the problem; for RuleErrors: "NAME has errors"
  // The compiler's diagnostics, sorted by file and position, with the files they point into:
  // for RuleErrors the errors (and the warnings beside them), for Ok the warnings if any. The
  // caller renders them (render.h: text in the CLI, JSON in the server).
  Diagnostics diagnostics;
};

// `path`: an .iwd file, a folder with one root file, or a bundle (recognized by its
// signature, whatever its name), read from the disk. With `source`, the rules must be source
// files (a bundle is refused) and `source` keeps their front end.
LoadResult load_rules(const std::string& path, runtime::StringPool& pool, const LoadOptions& options,
                      SourceRules* source = nullptr);
// Source files of a file set (compiler/source/files.h: the disk, or texts in memory such as an
// upload), from the root file named `root` in it; imports are read through the set only, and
// diagnostics name the files as the set does.
LoadResult load_rules(const SourceFiles& files, const std::string& root, runtime::StringPool& pool,
                      const LoadOptions& options, SourceRules* source = nullptr);
// A bundle already in memory.
LoadResult load_bundle(std::string_view bytes, runtime::StringPool& pool, const LoadOptions& options);

// This iwd's version, as bundles record it.
const char* compiler_version();

}  // namespace iwd::compiler
