// `iwd check [--format text|json|sarif] [--allow CODE]... [--deny CODE]... [--deny-warnings] PATH...`
#include <fmt/format.h>
#include <unistd.h>
#if defined(__GLIBC__)
#if __GLIBC_PREREQ(2, 33)
#define IWD_GLIBC_HEAP 1  // mallopt, mallinfo2 and a brk heap (prepare_heap)
#include <malloc.h>
#include <sys/mman.h>
#endif
#endif

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <map>
#include <memory>
#include <set>

#include "compiler/diag/lint_config.h"
#include "compiler/diag/render.h"
#include "compiler/driver/compilation.h"
#include "tools/iwd/commands.h"

namespace iwd::cli {
namespace {

int g_exit = kExitOk;

struct CheckOptions {
  std::vector<std::string> paths;
  std::string format = "text";
  std::string color = "auto";
  bool deny_warnings = false;
  std::vector<std::string> allow, deny;
  bool quiet = false;
};

// A diagnostic reached through two roots (a file imported by both) is reported once. Each
// root reads the file under its own FileId, so the path tells them apart.
void dedupe(const compiler::SourceManager& sm, std::vector<compiler::Diagnostic>& diags) {
  std::set<std::tuple<std::string, std::string, std::uint32_t, std::uint32_t, std::string>> seen;
  std::vector<compiler::Diagnostic> out;
  for (auto& d : diags) {
    const std::string path = d.range.file == compiler::kNoFile ? "" : sm.file(d.range.file).path;
    if (seen.emplace(d.code, path, d.range.begin.line, d.range.begin.col, d.message).second) out.push_back(std::move(d));
  }
  diags = std::move(out);
}

// Unused-declaration lints (W0610 to W0614) judge one ruleset. A file that several rulesets
// import (a shared library of defines) is unused only where none of them uses it: such a
// finding is kept only if every ruleset that read the file reported it.
bool is_unused_lint(const std::string& code) { return code >= "W0610" && code <= "W0614"; }

struct RootRun {
  std::size_t first = 0, last = 0;  // its diagnostics: [first, last) of the bag
  std::set<std::string> files;      // paths: each root reads a shared file under its own FileId
};

void keep_unused_found_by_every_root(const compiler::SourceManager& sm, std::vector<compiler::Diagnostic>& diags,
                                     const std::vector<RootRun>& runs) {
  using Key = std::tuple<std::string, std::string, std::uint32_t, std::uint32_t>;
  auto key = [&sm](const compiler::Diagnostic& d) {
    return Key{d.code, sm.file(d.range.file).path, d.range.begin.line, d.range.begin.col};
  };
  std::map<Key, std::size_t> found;  // how many roots reported it
  for (const auto& run : runs) {
    std::set<Key> once;
    for (std::size_t i = run.first; i < run.last; ++i)
      if (is_unused_lint(diags[i].code) && diags[i].range.valid()) once.insert(key(diags[i]));
    for (const auto& k : once) ++found[k];
  }
  std::vector<compiler::Diagnostic> out;
  for (auto& d : diags) {
    if (is_unused_lint(d.code) && d.range.valid()) {
      std::size_t readers = 0;
      for (const auto& run : runs) readers += run.files.count(sm.file(d.range.file).path);
      if (found[key(d)] < readers) continue;
    }
    out.push_back(std::move(d));
  }
  diags = std::move(out);
}

// A check of a large file allocates some tens of MiB in small pieces, which a fresh process
// takes from the kernel a 4 KiB page fault at a time (about 8,000 of the 10,900 faults of the
// 10K-line file, bench/RESULTS.md). Here the heap grows 64 MiB ahead at once, keeps what is
// freed (a short process), takes large blocks from the heap too, and the part grown is marked
// for transparent huge pages (the kernel's "madvise" mode), so a 2 MiB page comes with one
// fault. Only the memory's layout changes. Skipped where the heap is not glibc's brk heap
// (a sanitizer's allocator: the break does not move).
void prepare_heap() {
#if defined(IWD_GLIBC_HEAP)
  constexpr std::size_t kHuge = std::size_t{2} << 20;
  mallopt(M_MMAP_THRESHOLD, 64 << 20);
  mallopt(M_TRIM_THRESHOLD, 512 << 20);
  mallopt(M_TOP_PAD, 64 << 20);
  // Larger than the heap's free top (which static initialisers may have left at a few MiB),
  // so that the heap grows by it and the pad now.
  const std::size_t top = mallinfo2().keepcost;
  const auto before = reinterpret_cast<std::uintptr_t>(sbrk(0));
  void* grow = std::malloc(top + (std::size_t{1} << 20));
  const auto after = reinterpret_cast<std::uintptr_t>(sbrk(0));
  const auto at = reinterpret_cast<std::uintptr_t>(grow);
#if defined(MADV_HUGEPAGE)
  if (grow && after > before && at < after && after - at < (std::uintptr_t{1} << 30)) {  // in the brk heap
    const std::uintptr_t begin = (at + kHuge - 1) & ~(kHuge - 1), end = after & ~(kHuge - 1);
    if (end > begin) madvise(reinterpret_cast<void*>(begin), end - begin, MADV_HUGEPAGE);
  }
#endif
  std::free(grow);
#endif
}

int run_check(const CheckOptions& opts) {
  prepare_heap();
  compiler::LintConfig lint;
  lint.allow.insert(opts.allow.begin(), opts.allow.end());
  lint.deny.insert(opts.deny.begin(), opts.deny.end());
  lint.deny_warnings = opts.deny_warnings;
  if (std::string problem = compiler::normalize_lint_config(lint); !problem.empty()) {
    std::cerr << "iwd check: " << problem << "\n";
    return kExitUsage;
  }
  std::vector<std::string> roots;
  std::string io_error;
  if (!compiler::collect_roots(opts.paths, &roots, &io_error)) {
    std::cerr << "iwd check: " << io_error << "\n";
    return kExitUsage;
  }
  compiler::SourceManager sm;
  compiler::DiagnosticBag diags;
  std::size_t files = 0;
  std::set<std::string> files_seen;
  std::vector<RootRun> runs;
  // The last root's compilation is left for the process's end (exit_without_freeing); each
  // earlier one is freed before the next is made, as before.
  std::unique_ptr<compiler::Compilation> last;
  for (const auto& root : roots) {
    last.reset();
    last = std::make_unique<compiler::Compilation>(sm, diags);
    compiler::Compilation& comp = *last;
    RootRun run;
    run.first = diags.all().size();
    if (!comp.load_root(root, &io_error)) {
      std::cerr << "iwd check: " << io_error << "\n";
      return kExitUsage;
    }
    comp.check();
    run.last = diags.all().size();
    for (auto id : comp.file_ids()) {
      files_seen.insert(sm.file(id).path);
      run.files.insert(sm.file(id).path);
    }
    runs.push_back(std::move(run));
  }
  files = files_seen.size();
  keep_unused_found_by_every_root(sm, diags.all(), runs);
  std::vector<std::string> allow_problems;
  compiler::apply_lint_config(sm, diags.all(), lint, &allow_problems);
  for (const auto& w : allow_problems) std::cerr << "iwd check: warning: " << w << "\n";
  diags.sort();
  dedupe(sm, diags.all());

  if (opts.format == "json") {
    compiler::render_json(std::cout, sm, diags.all());
  } else if (opts.format == "sarif") {
    compiler::render_sarif(std::cout, sm, diags.all(), IWD_VERSION);
  } else {
    compiler::TextRenderOptions text;
    text.color = opts.color == "always" || (opts.color == "auto" && isatty(STDOUT_FILENO));
    compiler::render_text(std::cout, sm, diags.all(), text);
    if (!opts.quiet) {
      const auto errors = diags.error_count(), warnings = diags.warning_count();
      std::cout << fmt::format("checked {} file{}: {} error{}, {} warning{}\n", files, files == 1 ? "" : "s",
                               errors, errors == 1 ? "" : "s", warnings, warnings == 1 ? "" : "s");
    }
  }
  exit_without_freeing(diags.has_errors() ? kExitFindings : kExitOk);
}

}  // namespace

// Ends the process once everything has been written, without destroying what the check built
// (the last root's AST, bound tree and solver, the sources and the diagnostics): as clang does
// with -disable-free, the kernel takes the memory back at once, where the destructors would walk
// and free every node. Everything is written first: std::cout (through stdout's buffer, as it
// is synced with stdio), std::cerr, and every FILE*; std::_Exit then skips the destructors and
// the atexit handlers (none of which writes anything for `iwd check` or `iwd eval`). The exit
// code is the one main would have returned. cli/check_exit and cli/eval_threads check that nothing
// is lost.
void exit_without_freeing(int code) {
  std::cout.flush();
  std::cerr.flush();
  std::fflush(nullptr);
  std::_Exit(code);
}

int exit_code() { return g_exit; }
void set_exit_code(int code) { g_exit = code; }

void register_check(CLI::App& app) {
  auto opts = std::make_shared<CheckOptions>();
  auto* cmd = app.add_subcommand("check", "Check rule files for errors and warnings");
  cmd->add_option("paths", opts->paths, "Files or folders (every .iwd file below a folder)")->required();
  cmd->add_option("--format", opts->format, "Output format")
      ->check(CLI::IsMember({"text", "json", "sarif"}))
      ->capture_default_str();
  cmd->add_option("--allow", opts->allow, "Silence a warning or lint code (repeatable), e.g. --allow W0610")
      ->take_all()
      ->allow_extra_args(false);
  cmd->add_option("--deny", opts->deny, "Make a warning or lint code an error (repeatable); wins over --allow")
      ->take_all()
      ->allow_extra_args(false);
  cmd->add_flag("--deny-warnings", opts->deny_warnings, "Treat every remaining warning as an error");
  cmd->add_option("--color", opts->color, "Color the text output")
      ->check(CLI::IsMember({"auto", "always", "never"}))
      ->capture_default_str();
  cmd->add_flag("-q,--quiet", opts->quiet, "No summary line");
  cmd->callback([opts] { set_exit_code(run_check(*opts)); });
}

}  // namespace iwd::cli
