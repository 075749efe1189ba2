// `iwd replay RULES SCRIPT.jsonl [--auto-accept] [--policy longest-idle|proficiency]
//  [--start INSTANT] [--no-jit] [--history FILE]`: the runtime on a simulated clock
// (docs/replay.md); --history writes the event history too (docs/reporting.md).
#include <fmt/format.h>

#include <filesystem>
#include <fstream>
#include <iostream>

#include "compiler/diag/render.h"
#include "compiler/load/load.h"
#include "history/recorder.h"
#include "history/store.h"
#include "runtime/replay/replay.h"
#include "tools/iwd/commands.h"

namespace iwd::cli {
namespace {

struct ReplayCliOptions {
  std::string rules, script, start, policy = "longest-idle", history;
  bool auto_accept = false, no_jit = false;
};

int run_replay(const ReplayCliOptions& opts) {
  runtime::replay::ReplayOptions options;
  options.auto_accept = opts.auto_accept;
  if (opts.policy == "proficiency")
    options.runtime.policy = runtime::Policy::HighestProficiency;
  else if (opts.policy != "longest-idle") {
    std::cerr << "iwd replay: --policy is longest-idle or proficiency\n";
    return kExitUsage;
  }
  if (!opts.start.empty()) {
    auto t = stdlib::parse_instant(opts.start);
    if (!t.ok()) {
      std::cerr << "iwd replay: --start: " << t.error << "\n";
      return kExitUsage;
    }
    options.start = t.value.instant;
  }
  std::ifstream file;
  std::istream* script = &std::cin;
  if (opts.script != "-") {
    file.open(opts.script);
    if (!file) {
      std::cerr << "iwd replay: cannot read '" << opts.script << "'\n";
      return kExitUsage;
    }
    script = &file;
  }
  runtime::StringPool pool;
  compiler::LoadOptions load;
  load.jit = !opts.no_jit;
  compiler::LoadResult loaded = compiler::load_rules(opts.rules, pool, load);
  if (loaded.status == compiler::LoadStatus::RuleErrors) {
    compiler::render_text(std::cerr, loaded.diagnostics);
    return kExitFindings;
  }
  if (!loaded.rules) {
    std::cerr << "iwd replay: " << loaded.error << "\n";
    return kExitUsage;
  }
  std::string error;
  // --history: the same records `iwd serve` keeps, the script's lines by the actor "replay";
  // written in transactions of kHistoryBatch records (a replayed day can be millions).
  std::unique_ptr<history::Store> store;
  history::Recorder recorder;
  std::vector<history::Record> pending;
  std::string history_error;
  constexpr std::size_t kHistoryBatch = 10'000;
  if (!opts.history.empty()) {
    std::error_code ec;
    std::filesystem::remove(opts.history, ec);  // a new history: seqs start at 1
    for (const char* suffix : {"-wal", "-shm"}) std::filesystem::remove(opts.history + suffix, ec);
    if (!(store = history::Store::create(opts.history, &error))) {
      std::cerr << "iwd replay: --history: " << error << "\n";
      return kExitUsage;
    }
    options.observe = [&](const runtime::Event& e, const runtime::Runtime& rt) {
      pending.push_back(recorder.record(e, rt, "replay"));
      if (pending.size() >= kHistoryBatch && history_error.empty()) {
        store->append(pending, &history_error);
        pending.clear();
      }
    };
  }
  runtime::replay::ReplaySummary summary;
  if (!runtime::replay::run(loaded.rules->table(), pool, *script, std::cout, options, &summary, &error)) {
    std::cerr << "iwd replay: " << error << "\n";
    return kExitUsage;
  }
  if (store && history_error.empty()) store->append(pending, &history_error);
  if (!history_error.empty()) {
    std::cerr << "iwd replay: --history: " << history_error << "\n";
    return kExitUsage;
  }
  std::cout.flush();
  if (summary.errors > 0) {
    std::cerr << fmt::format("iwd replay: {} line{} refused (see the \"error\" lines)\n", summary.errors,
                             summary.errors == 1 ? "" : "s");
    return kExitFindings;
  }
  return kExitOk;
}

}  // namespace

void register_replay(CLI::App& app) {
  auto opts = std::make_shared<ReplayCliOptions>();
  auto* cmd = app.add_subcommand("replay", "Drive the runtime on a simulated clock from a script of JSON lines");
  cmd->add_option("rules", opts->rules, "The ruleset: a file, a folder with one root file, or a bundle")->required();
  cmd->add_option("script", opts->script, "The script, one JSON object a line (- for standard input)")->required();
  cmd->add_flag("--auto-accept", opts->auto_accept, "Every offer is accepted at once by its agent");
  cmd->add_option("--policy", opts->policy, "Which available agent gets an item: longest-idle or proficiency")
      ->capture_default_str();
  cmd->add_option("--start", opts->start, "The instant durations in `at` count from (default 2026-01-05T09:00:00Z)");
  cmd->add_flag("--no-jit", opts->no_jit, "Use the reference interpreter");
  cmd->add_option("--history", opts->history,
                  "Also write the event history to this SQLite file (replaced; docs/reporting.md)");
  cmd->callback([opts] { set_exit_code(run_replay(*opts)); });
}

}  // namespace iwd::cli
