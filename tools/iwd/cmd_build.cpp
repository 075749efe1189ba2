// `iwd build RULES -o NAME.iwdb [--sources]`: checks and compiles a ruleset into a bundle that the
// runtime loads without the front end (compiler/load/bundle.h); with --sources the bundle also
// carries the source files, so that `iwd serve` running it can explain its items.
#include <fmt/format.h>

#include <cstdio>
#include <fstream>
#include <iostream>

#include "compiler/diag/render.h"
#include "compiler/load/loaded_rules.h"
#include "tools/iwd/commands.h"

namespace iwd::cli {
namespace {

struct BuildOptions {
  std::string rules, output;
  bool quiet = false, sources = false;
};

int run_build(const BuildOptions& opts) {
  runtime::StringPool pool;
  compiler::LoadOptions load;
  load.keep_object = true;
  load.keep_sources = opts.sources;
  compiler::LoadResult loaded = compiler::load_rules(opts.rules, pool, load);
  if (loaded.status == compiler::LoadStatus::RuleErrors) {
    compiler::render_text(std::cerr, loaded.diagnostics);
    return kExitFindings;
  }
  if (!loaded.rules) {
    std::cerr << "iwd build: " << loaded.error << "\n";
    return kExitUsage;
  }
  const std::string bytes = loaded.rules->bundle();
  // Written beside the target and renamed into place: a reader never sees half a bundle.
  const std::string temp = opts.output + ".tmp";
  {
    std::ofstream out(temp, std::ios::binary | std::ios::trunc);
    if (!out || !out.write(bytes.data(), static_cast<std::streamsize>(bytes.size())) || !out.flush()) {
      std::cerr << fmt::format("iwd build: cannot write '{}'\n", temp);
      std::remove(temp.c_str());
      return kExitUsage;
    }
  }
  if (std::rename(temp.c_str(), opts.output.c_str()) != 0) {
    std::cerr << fmt::format("iwd build: cannot write '{}'\n", opts.output);
    std::remove(temp.c_str());
    return kExitUsage;
  }
  if (!opts.quiet) {
    const auto& m = loaded.rules->manifest();
    const auto& p = loaded.rules->program();
    std::size_t native = 0;
    for (const auto& o : loaded.rules->objects()) native += o.size();
    std::cout << fmt::format("wrote {}: ruleset {}{}, {} processes, {} functions, {} bytes of native code for {} ({}), {} bytes\n",
                             opts.output, m.ruleset.empty() ? "(unnamed)" : m.ruleset,
                             m.ruleset_version.empty() ? "" : " version " + m.ruleset_version, p.processes.size(),
                             p.functions.size(), native, m.target.cpu, m.target.triple, bytes.size());
  }
  return kExitOk;
}

}  // namespace

void register_build(CLI::App& app) {
  auto opts = std::make_shared<BuildOptions>();
  auto* cmd = app.add_subcommand("build", "Compile a ruleset into a bundle that the runtime loads without the front end");
  cmd->add_option("rules", opts->rules, "The ruleset: a file, or a folder with one root file")->required();
  cmd->add_option("-o,--output", opts->output, "The bundle to write (NAME.iwdb)")->required();
  cmd->add_flag("-q,--quiet", opts->quiet, "Print nothing on success");
  cmd->add_flag("--sources", opts->sources,
                "Keep the source files in the bundle, so that `iwd serve` can explain its items (GET /v1/items/{id}/explain)");
  cmd->callback([opts] { set_exit_code(run_build(*opts)); });
}

}  // namespace iwd::cli
