// `iwd check [--format text|json|sarif] [--deny-warnings] PATH...`
#include <fmt/format.h>
#include <unistd.h>

#include <iostream>
#include <map>
#include <set>

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
  bool quiet = false;
};

// A diagnostic reached through two roots (a file imported by both) is reported once.
void dedupe(std::vector<compiler::Diagnostic>& diags) {
  std::set<std::tuple<std::string, compiler::FileId, std::uint32_t, std::uint32_t, std::string>> seen;
  std::vector<compiler::Diagnostic> out;
  for (auto& d : diags)
    if (seen.emplace(d.code, d.range.file, d.range.begin.line, d.range.begin.col, d.message).second)
      out.push_back(std::move(d));
  diags = std::move(out);
}

int run_check(const CheckOptions& opts) {
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
  for (const auto& root : roots) {
    compiler::Compilation comp(sm, diags);
    if (!comp.load_root(root, &io_error)) {
      std::cerr << "iwd check: " << io_error << "\n";
      return kExitUsage;
    }
    comp.check();
    for (auto id : comp.file_ids()) files_seen.insert(sm.file(id).path);
  }
  files = files_seen.size();
  if (opts.deny_warnings)
    for (auto& d : diags.all())
      if (d.severity == compiler::Severity::Warning) d.severity = compiler::Severity::Error;
  diags.sort();
  dedupe(diags.all());

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
  cmd->add_flag("--deny-warnings", opts->deny_warnings, "Treat every warning as an error");
  cmd->add_option("--color", opts->color, "Color the text output")
      ->check(CLI::IsMember({"auto", "always", "never"}))
      ->capture_default_str();
  cmd->add_flag("-q,--quiet", opts->quiet, "No summary line");
  cmd->callback([opts] { set_exit_code(run_check(*opts)); });
}

}  // namespace iwd::cli
