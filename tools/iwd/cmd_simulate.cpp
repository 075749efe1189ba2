// `iwd simulate RULES SCENARIO [--format text|json|csv] [--history FILE] [--no-jit]`: the
// runtime on a simulated clock fed by a scenario (docs/simulate.md). The scenario is checked
// against the rules before anything runs; one row per replication (waits from capture to the
// first offer, Little's law), rendered by the reports' renderers.
#include <fmt/format.h>

#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>

#include "compiler/diag/render.h"
#include "compiler/load/load.h"
#include "history/recorder.h"
#include "history/store.h"
#include "reports/table.h"
#include "simulate/simulate.h"
#include "tools/iwd/commands.h"

namespace iwd::cli {
namespace {

struct SimulateCliOptions {
  std::string rules, scenario, format = "text", history;
  bool no_jit = false;
};

int fail(const std::string& message) {
  std::cerr << "iwd simulate: " << message << "\n";
  return kExitUsage;
}

reports::Table table_of(const std::vector<simulate::Replication>& reps) {
  using reports::CellType;
  reports::Table t;
  t.title = "Simulation: waits from capture to the first offer, per replication";
  t.columns = {{"replication", CellType::Count}, {"arrivals", CellType::Count},     {"waited_share", CellType::Percent},
               {"answered_within_share", CellType::Percent}, {"mean_wait", CellType::Duration},
               {"p50_wait", CellType::Duration}, {"p90_wait", CellType::Duration}, {"p95_wait", CellType::Duration},
               {"p99_wait", CellType::Duration}, {"little_l", CellType::Text}, {"little_lambda_w", CellType::Text},
               {"peak_open", CellType::Count}};
  auto ms = [](double s) { return static_cast<std::int64_t>(std::llround(s * 1000)); };
  auto share = [](std::int64_t n, std::int64_t d) { return d ? 100.0 * static_cast<double>(n) / static_cast<double>(d) : 0.0; };
  for (std::size_t k = 0; k < reps.size(); ++k) {
    const auto& r = reps[k];
    t.rows.push_back({static_cast<std::int64_t>(k + 1), r.arrivals, share(r.waited, r.arrivals),
                      share(r.answered_within, r.arrivals), ms(r.mean_wait_s), ms(r.p50_s), ms(r.p90_s), ms(r.p95_s),
                      ms(r.p99_s), fmt::format("{:.4f}", r.little_l), fmt::format("{:.4f}", r.little_lambda * r.little_w_s),
                      r.peak_open});
  }
  return t;
}

int run_simulate(const SimulateCliOptions& o) {
  auto format = reports::parse_format(o.format);
  if (!format.ok()) return fail("--format: " + format.error);
  std::ifstream file(o.scenario);
  if (!file) return fail("cannot read '" + o.scenario + "'");
  std::stringstream text;
  text << file.rdbuf();
  runtime::StringPool pool;
  compiler::LoadOptions load;
  load.jit = !o.no_jit;
  compiler::LoadResult loaded = compiler::load_rules(o.rules, pool, load);
  if (loaded.status == compiler::LoadStatus::RuleErrors) {
    compiler::render_text(std::cerr, loaded.diagnostics);
    return kExitFindings;
  }
  if (!loaded.rules) return fail(loaded.error);
  std::string error;
  runtime::Schema schema;
  if (!simulate::schema_of(loaded.rules->table(), pool, &schema, &error)) return fail(error);
  auto scenario = simulate::parse_scenario(text.str(), loaded.rules->table(), schema);
  if (!scenario.ok()) {  // the user's file: a finding, like the rules' errors
    std::cerr << "iwd simulate: " << o.scenario << ": " << scenario.error << "\n";
    return kExitFindings;
  }

  // --history: the records `iwd replay --history` writes (the same recorder), of the first
  // replication (each starts at the same instant, and a history's instants never go back), in
  // transactions of kHistoryBatch records.
  std::unique_ptr<history::Store> store;
  history::Recorder recorder;
  std::vector<history::Record> pending;
  std::string history_error;
  constexpr std::size_t kHistoryBatch = 10'000;
  simulate::Options options;
  if (!o.history.empty()) {
    std::error_code ec;
    std::filesystem::remove(o.history, ec);
    for (const char* suffix : {"-wal", "-shm"}) std::filesystem::remove(o.history + suffix, ec);
    if (!(store = history::Store::create(o.history, &error))) return fail("--history: " + error);
    options.observe = [&](int replication, const runtime::Event& e, const runtime::Runtime& rt) {
      if (replication > 0) return;
      pending.push_back(recorder.record(e, rt, "simulate"));
      if (pending.size() >= kHistoryBatch && history_error.empty()) {
        store->append(pending, &history_error);
        pending.clear();
      }
    };
  }
  std::vector<simulate::Replication> reps;
  if (!simulate::run(loaded.rules->table(), pool, scenario.value, options, &reps, &error)) return fail(error);
  if (store && history_error.empty()) store->append(pending, &history_error);
  if (!history_error.empty()) return fail("--history: " + history_error);
  std::cout << reports::render(table_of(reps), format.value);
  return kExitOk;
}

}  // namespace

void register_simulate(CLI::App& app) {
  auto opts = std::make_shared<SimulateCliOptions>();
  auto* cmd = app.add_subcommand("simulate", "Run the runtime on a simulated clock fed by a scenario (docs/simulate.md)");
  cmd->add_option("rules", opts->rules, "The ruleset: a file, a folder with one root file, or a bundle")->required();
  cmd->add_option("scenario", opts->scenario, "The scenario: JSON with // comment lines")->required();
  cmd->add_option("--format", opts->format, "text, csv or json")->capture_default_str();
  cmd->add_option("--history", opts->history, "Also write the event history to this SQLite file (replaced)");
  cmd->add_flag("--no-jit", opts->no_jit, "Use the reference interpreter");
  cmd->callback([opts] { set_exit_code(run_simulate(*opts)); });
}

}  // namespace iwd::cli
