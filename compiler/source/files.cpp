// The disk and sets of texts in memory as sources of a compilation's files.
#include "compiler/source/files.h"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <vector>

#include <fmt/format.h>

namespace iwd::compiler {
namespace fs = std::filesystem;

namespace {

std::string normalize(const fs::path& p) {
  std::error_code ec;
  fs::path abs = fs::weakly_canonical(p, ec);
  return (ec ? p.lexically_normal() : abs).string();
}

// A display path: relative to the current directory when it lies beneath it.
std::string display_path(const fs::path& p) {
  std::error_code ec;
  fs::path rel = fs::relative(p, fs::current_path(ec), ec);
  if (!ec && !rel.empty() && *rel.begin() != "..") return rel.string();
  return p.string();
}

std::vector<std::string> split(const std::string& s) {
  std::vector<std::string> parts;
  std::size_t start = 0;
  for (std::size_t i = 0; i <= s.size(); ++i)
    if (i == s.size() || s[i] == '/') {
      parts.push_back(s.substr(start, i - start));
      start = i + 1;
    }
  return parts;
}

}  // namespace

SourceFiles::Resolved DiskFiles::resolve(const std::string& from, const std::string& target) const {
  const fs::path path = fs::path(from).parent_path() / target;
  return Resolved{display_path(path), normalize(path), {}};
}

std::string DiskFiles::key(const std::string& name) const { return normalize(name); }

bool DiskFiles::read(const std::string& name, std::string* text, std::string* error) const {
  auto fail = [&](int err) {
    if (error) *error = fmt::format("cannot read '{}': {}", name, std::strerror(err));
    return false;
  };
  std::FILE* f = std::fopen(name.c_str(), "rb");
  if (f == nullptr) return fail(errno);
  text->clear();
  char buf[1 << 16];
  std::size_t n = 0;
  while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) text->append(buf, n);
  const int err = std::ferror(f) ? errno : 0;
  std::fclose(f);
  if (err != 0) return fail(err);
  return true;
}

const DiskFiles& disk_files() {
  static const DiskFiles disk;
  return disk;
}

std::string MemoryFiles::check_name(const std::string& name) {
  if (name.empty()) return "a file name is empty";
  if (name.size() > 255) return fmt::format("the file name `{}...` is longer than 255 bytes", name.substr(0, 40));
  for (unsigned char c : name)
    if (c < 0x20 || c == 0x7f) return "a file name holds a control character";
  if (name.find('\\') != std::string::npos)
    return fmt::format("the file name `{}` holds a `\\`: separate folders with `/`", name);
  if (name.front() == '/') return fmt::format("the file name `{}` is an absolute path: name files relative to the ruleset", name);
  for (const auto& part : split(name))
    if (part.empty() || part == "." || part == "..")
      return fmt::format("the file name `{}` has an empty, `.` or `..` part: name each file by its one relative path", name);
  return {};
}

bool MemoryFiles::add(const std::string& name, std::string text, std::string* error) {
  if (auto why = check_name(name); !why.empty()) {
    if (error) *error = why;
    return false;
  }
  files_[name] = std::move(text);
  return true;
}

SourceFiles::Resolved MemoryFiles::resolve(const std::string& from, const std::string& target) const {
  Resolved r;
  const bool drive = target.size() >= 2 && target[1] == ':' &&
                     ((target[0] >= 'A' && target[0] <= 'Z') || (target[0] >= 'a' && target[0] <= 'z'));
  if (!target.empty() && (target.front() == '/' || target.front() == '\\' || drive)) {
    r.error = fmt::format("`{}` is an absolute path: an import names one of the ruleset's own files, relative to the importing file",
                          target);
    return r;
  }
  std::vector<std::string> parts = split(from);
  parts.pop_back();  // the importing file's folder
  for (const auto& part : split(target)) {
    if (part.empty() || part == ".") continue;
    if (part == "..") {
      if (parts.empty()) {
        r.error = fmt::format("`{}` leads outside the ruleset's files: an import names one of the ruleset's own files", target);
        return r;
      }
      parts.pop_back();
      continue;
    }
    parts.push_back(part);
  }
  std::string name;
  for (const auto& part : parts) name += (name.empty() ? "" : "/") + part;
  if (auto why = check_name(name); !why.empty()) {
    r.error = why;
    return r;
  }
  r.name = name;
  r.key = name;
  return r;
}

bool MemoryFiles::read(const std::string& name, std::string* text, std::string* error) const {
  auto it = files_.find(name);
  if (it == files_.end()) {
    if (error) *error = fmt::format("the ruleset's files hold no `{}`", name);
    return false;
  }
  *text = it->second;
  return true;
}

}  // namespace iwd::compiler
