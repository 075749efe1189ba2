// Where a compilation reads its files (clang's virtual file system, in spirit): the disk, or a
// set of texts in memory (an upload to the server). The compilation names files as the set
// does (those names appear in diagnostics), asks the set what an `import` names and reads it
// through the set: a set in memory never touches the disk.
#pragma once

#include <cstddef>
#include <map>
#include <string>

namespace iwd::compiler {

class SourceFiles {
 public:
  virtual ~SourceFiles() = default;

  // What `import "<target>"` in the file named `from` names.
  struct Resolved {
    std::string name;   // the file's name in this set (to show and to read); empty on error
    std::string key;    // equal for two names of the same file
    std::string error;  // why the import names no file of this set (e.g. it leaves the set)
  };
  virtual Resolved resolve(const std::string& from, const std::string& target) const = 0;
  // The key of a file named directly (a root).
  virtual std::string key(const std::string& name) const = 0;
  // Reads a file. False with *error set to a one-line reason.
  virtual bool read(const std::string& name, std::string* text, std::string* error) const = 0;
};

// The disk: names are paths (relative ones to the current directory); an import is resolved
// relative to the importing file's folder and shown relative to the current directory when
// it lies beneath it; keys are canonical paths.
class DiskFiles final : public SourceFiles {
 public:
  Resolved resolve(const std::string& from, const std::string& target) const override;
  std::string key(const std::string& name) const override;
  bool read(const std::string& name, std::string* text, std::string* error) const override;
};

// The process's disk (stateless, shared).
const DiskFiles& disk_files();

// Texts in memory, by name. Names are relative paths with `/` between folders ("main.iwd",
// "lib/calendars.iwd"): no empty, `.` or `..` part, no leading `/`, no `\`, no control
// character. An import is resolved relative to the importing file's folder, inside the set
// only: an absolute path or one whose `..` leave the set is an error, never a read of the
// disk.
class MemoryFiles final : public SourceFiles {
 public:
  // Adds (or replaces) a file. False with *error when the name breaks the rule above.
  bool add(const std::string& name, std::string text, std::string* error);
  std::size_t size() const { return files_.size(); }
  bool contains(const std::string& name) const { return files_.count(name) != 0; }

  Resolved resolve(const std::string& from, const std::string& target) const override;
  std::string key(const std::string& name) const override { return name; }
  bool read(const std::string& name, std::string* text, std::string* error) const override;

  // Why `name` is not a valid name for a file of a set in memory; empty when it is.
  static std::string check_name(const std::string& name);

 private:
  std::map<std::string, std::string> files_;
};

}  // namespace iwd::compiler
