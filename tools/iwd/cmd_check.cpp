// `iwd check [--format text|json|sarif] [--allow CODE]... [--deny CODE]... [--deny-warnings] PATH...`
#include <fmt/format.h>
#include <unistd.h>

#include <iostream>
#include <map>
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

int run_check(const CheckOptions& opts) {
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
  for (const auto& root : roots) {
    compiler::Compilation comp(sm, diags);
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
  return diags.has_errors() ? kExitFindings : kExitOk;
}

}  // namespace

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
