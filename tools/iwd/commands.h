#pragma once

#include <CLI/CLI.hpp>

namespace iwd::cli {

// Exit codes shared by every subcommand.
inline constexpr int kExitOk = 0;
inline constexpr int kExitFindings = 1;  // errors in the rules (or warnings with --deny-warnings)
inline constexpr int kExitUsage = 2;     // bad usage or input/output problems

void register_check(CLI::App& app);
void register_parse(CLI::App& app);
void register_eval(CLI::App& app);
void register_test(CLI::App& app);
void register_fmt(CLI::App& app);
void register_explain(CLI::App& app);
void register_replay(CLI::App& app);
void register_build(CLI::App& app);
void register_serve(CLI::App& app);
void register_report(CLI::App& app);
void register_simulate(CLI::App& app);

// Ends the process with `code` once std::cout, std::cerr and every FILE* are flushed, without
// destroying anything (cmd_check.cpp): for a command whose last act is its output.
[[noreturn]] void exit_without_freeing(int code);

// Set by the subcommand that ran.
int exit_code();
void set_exit_code(int code);

}  // namespace iwd::cli
