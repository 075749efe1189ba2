// `iwd parse --emit=ast FILE`: prints a stage of the compilation.
#include <iostream>

#include "compiler/diag/render.h"
#include "compiler/driver/compilation.h"
#include "compiler/jit/jit.h"
#include "compiler/lower/lower.h"
#include "compiler/sema/bound_dump.h"
#include "compiler/syntax/parse.h"
#include "tools/iwd/commands.h"

namespace iwd::cli {
namespace {

struct ParseOptions {
  std::string file;
  std::string emit = "ast";
};

int run_parse(const ParseOptions& opts) {
  compiler::SourceManager sm;
  compiler::DiagnosticBag diags;
  std::string error;
  if (opts.emit == "ast") {
    compiler::FileId id = sm.load(opts.file, &error);
    if (id == compiler::kNoFile) {
      std::cerr << "iwd parse: " << error << "\n";
      return kExitUsage;
    }
    auto ast = compiler::parse_file(sm, id, diags);
    diags.sort();
    compiler::render_text(std::cerr, sm, diags.all());
    compiler::dump_ast(std::cout, sm, *ast);
    return diags.has_errors() ? kExitFindings : kExitOk;
  }
  // The later stages see the whole ruleset: the file and what it imports.
  compiler::Compilation comp(sm, diags);
  if (!comp.load_root(opts.file, &error)) {
    std::cerr << "iwd parse: " << error << "\n";
    return kExitUsage;
  }
  comp.check();
  diags.sort();
  compiler::render_text(std::cerr, sm, diags.all());
  if (comp.bound() && !diags.has_errors()) {
    if (opts.emit == "bound") {
      compiler::dump_bound(std::cout, *comp.bound());
    } else {
      auto program = compiler::lower_program(*comp.bound());
      if (opts.emit == "program") compiler::dump_program(std::cout, *program);
      else std::cout << compiler::program_ir(*program, opts.emit == "ir-optimized");
    }
  }
  return diags.has_errors() ? kExitFindings : kExitOk;
}

}  // namespace

void register_parse(CLI::App& app) {
  auto opts = std::make_shared<ParseOptions>();
  auto* cmd = app.add_subcommand("parse", "Print a stage of the compilation of one file");
  cmd->add_option("file", opts->file, "The .iwd file")->required();
  cmd->add_option("--emit", opts->emit, "What to print")
      ->check(CLI::IsMember({"ast", "bound", "program", "ir", "ir-optimized"}))
      ->capture_default_str();
  cmd->callback([opts] { set_exit_code(run_parse(*opts)); });
}

}  // namespace iwd::cli
