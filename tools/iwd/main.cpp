// `iwd`: the one command-line tool. Subcommands live in their own files (cmd_*.cpp).
#include <CLI/CLI.hpp>

#include <iostream>

#include "tools/iwd/commands.h"

int main(int argc, char** argv) {
  CLI::App app{"iwd: rules compiler and work distribution runtime"};
  app.set_version_flag("--version", std::string("iwd ") + IWD_VERSION);
  app.require_subcommand(1);

  iwd::cli::register_check(app);
  iwd::cli::register_parse(app);
  iwd::cli::register_eval(app);
  iwd::cli::register_test(app);
  iwd::cli::register_fmt(app);
  iwd::cli::register_explain(app);
  iwd::cli::register_replay(app);
  iwd::cli::register_build(app);
  iwd::cli::register_serve(app);
  iwd::cli::register_report(app);
  iwd::cli::register_simulate(app);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    // Usage problems exit 2, like every other environment problem; --help exits 0.
    int code = app.exit(e);
    return code == 0 ? 0 : 2;
  }
  return iwd::cli::exit_code();
}
