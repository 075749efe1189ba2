#include "compiler/driver/compilation.h"

#include <algorithm>
#include <filesystem>
#include <set>

#include "compiler/sema/binder.h"
#include "compiler/sema/checks.h"
#include "compiler/syntax/parse.h"

namespace iwd::compiler {
namespace fs = std::filesystem;

bool Compilation::load_root(const std::string& path, std::string* io_error) {
  std::string text;
  if (!files_.read(path, &text, io_error)) return false;
  FileId id = sm_.add(path, std::move(text));
  keys_.emplace(files_.key(path), id);
  std::vector<FileId> stack;
  load(id, stack);
  return true;
}

void Compilation::load_root_text(const std::string& path, std::string text) {
  FileId id = sm_.add(path, std::move(text));
  keys_.emplace(files_.key(path), id);
  std::vector<FileId> stack;
  load(id, stack);
}

void Compilation::load(FileId id, std::vector<FileId>& stack) {
  const std::size_t errors_before = diags_.error_count();
  parsed_.push_back(parse_file(sm_, id, diags_));
  if (diags_.error_count() != errors_before) syntax_errors_ = true;
  const SyntaxFile* file = parsed_.back().get();
  order_.push_back(file);
  ids_.push_back(id);
  stack.push_back(id);

  std::set<std::string> seen_here;
  for (const auto& decl : file->decls) {
    if (decl->kind != SyntaxDeclKind::Import) continue;
    const auto& imp = as<SyntaxImport>(*decl);
    if (imp.path.empty()) continue;
    auto cannot_import = [&](const std::string& why) {
      auto& d = diags_.report("E0201", imp.path_range, fmt::format("cannot import `{}`", imp.path));
      d.notes.push_back(why);
      d.notes.push_back("imports are resolved relative to the importing file's folder");
      if (missing_import_ < 0) missing_import_ = static_cast<std::ptrdiff_t>(diags_.all().size()) - 1;
    };
    const SourceFiles::Resolved target = files_.resolve(sm_.file(id).path, imp.path);
    if (!target.error.empty()) {
      cannot_import(target.error);
      continue;
    }
    const std::string& key = target.key;

    // Already part of this ruleset?
    auto known = keys_.find(key);
    if (known != keys_.end()) {
      const FileId existing = known->second;
      auto on_stack = std::find(stack.begin(), stack.end(), existing);
      if (on_stack != stack.end()) {
        auto& d = diags_.report("E0202", imp.path_range,
                                fmt::format("importing `{}` makes a cycle", imp.path));
        std::string chain;
        for (auto it = on_stack; it != stack.end(); ++it) chain += sm_.file(*it).path + " -> ";
        chain += sm_.file(existing).path;
        d.notes.push_back("the cycle: " + chain);
        d.notes.push_back("move the shared declarations into a file that both can import");
      } else if (!seen_here.insert(key).second) {
        // Importing a file twice from one file is a slip; reaching it again through
        // another file (a diamond) is normal and silent.
        diags_.report("W0203", imp.path_range,
                      fmt::format("`{}` is imported twice by this file; this import has no effect",
                                  imp.path));
      }
      continue;
    }
    seen_here.insert(key);
    if (stack.size() >= kMaxImportDepth) {
      cannot_import(fmt::format("imports nest more than {} files deep here: import the shared files from fewer levels",
                                kMaxImportDepth));
      continue;
    }
    std::string error, text;
    if (!files_.read(target.name, &text, &error)) {
      cannot_import(error);
      continue;
    }
    FileId child = sm_.add(target.name, std::move(text));
    keys_.emplace(key, child);
    load(child, stack);
  }
  stack.pop_back();
}

void Compilation::check() {
  if (syntax_errors_) return;  // names in half-parsed text would only add noise
  const std::size_t before = diags_.all().size();
  bound_ = bind_ruleset(sm_, order_, diags_);
  check_semantics(*bound_, diags_);
  lint_conditions(*bound_, diags_);
  lint_ruleset(*bound_, diags_);
  if (missing_import_ >= 0) drop_unknown_names(before);
}

// A file that cannot be imported may well declare the calendars, schemes, skills... that
// the others use: "unknown" errors about them would only repeat the missing import. They
// are dropped, and the import's error says so.
void Compilation::drop_unknown_names(std::size_t first) {
  static const std::set<std::string> kUnknown = {"E0302", "E0303", "E0304", "E0305", "E0306", "E0308", "E0312"};
  auto& all = diags_.all();
  std::vector<std::string> names;
  std::vector<Diagnostic> kept(all.begin(), all.begin() + static_cast<std::ptrdiff_t>(first));
  for (std::size_t i = first; i < all.size(); ++i) {
    if (!kUnknown.count(all[i].code)) {
      kept.push_back(std::move(all[i]));
      continue;
    }
    // The name is the first `quoted` part of "unknown calendar `office`".
    const std::string& m = all[i].message;
    const auto open = m.find('`'), close = open == std::string::npos ? open : m.find('`', open + 1);
    const std::string name = close == std::string::npos ? m : m.substr(open, close - open + 1);
    if (std::find(names.begin(), names.end(), name) == names.end()) names.push_back(name);
  }
  all = std::move(kept);
  if (names.empty()) return;
  std::string list;
  for (std::size_t i = 0; i < names.size() && i < 8; ++i) list += (i ? ", " : "") + names[i];
  if (names.size() > 8) list += fmt::format(" and {} more", names.size() - 8);
  all[static_cast<std::size_t>(missing_import_)].notes.push_back(
      fmt::format("names this ruleset uses but does not declare are not reported while an import is missing: {}",
                  list));
}

bool collect_roots(const std::vector<std::string>& paths, std::vector<std::string>* roots,
                   std::string* io_error) {
  for (const auto& p : paths) {
    std::error_code ec;
    if (fs::is_directory(p, ec)) {
      std::vector<std::string> files;
      for (fs::recursive_directory_iterator it(p, ec), end; !ec && it != end; it.increment(ec))
        if (it->is_regular_file(ec) && it->path().extension() == ".iwd") files.push_back(it->path().string());
      if (ec) {
        *io_error = fmt::format("cannot read folder '{}': {}", p, ec.message());
        return false;
      }
      std::sort(files.begin(), files.end());
      // Files imported by another file of the folder are checked through their importer.
      std::set<std::string> imported;
      for (const auto& f : files) {
        SourceManager sm;
        DiagnosticBag scratch;
        std::string err;
        FileId id = sm.load(f, &err);
        if (id == kNoFile) continue;
        auto ast = parse_file(sm, id, scratch);
        for (const auto& d : ast->decls)
          if (d->kind == SyntaxDeclKind::Import)
            imported.insert(disk_files().resolve(f, as<SyntaxImport>(*d).path).key);
      }
      for (const auto& f : files)
        if (!imported.count(disk_files().key(f))) roots->push_back(f);
    } else if (fs::exists(p, ec)) {
      roots->push_back(p);
    } else {
      *io_error = fmt::format("cannot read '{}': no such file or folder", p);
      return false;
    }
  }
  return true;
}

}  // namespace iwd::compiler
