// `iwd simulate RULES SCENARIO [--format text|json|csv] [--interval I] [--history FILE] [--no-jit]`:
// the runtime on a simulated clock fed by a scenario (docs/simulate.md). The scenario is checked
// against the rules before anything runs; one row per replication (waits from capture to the
// first offer, Little's law), then the operations-data reports of the first replication's
// history, all rendered by the reports' renderers.
#include <fmt/format.h>

#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>

#include <unistd.h>

#include <nlohmann/json.hpp>

#include "compiler/diag/render.h"
#include "compiler/load/load.h"
#include "history/recorder.h"
#include "history/store.h"
#include "reports/run.h"
#include "reports/table.h"
#include "simulate/simulate.h"
#include "tools/iwd/commands.h"

namespace iwd::cli {
namespace {

struct SimulateCliOptions {
  std::string rules, scenario, format = "text", history, interval = "1h";
  bool no_jit = false;
};

int fail(const std::string& message) {
  std::cerr << "iwd simulate: " << message << "\n";
  return kExitUsage;
}

// One row per replication, then (with several) their mean and the half-width of its 95%
// interval ("mean", "ci95" in the replication column).
reports::Table table_of(const std::vector<simulate::Replication>& reps) {
  using reports::CellType;
  reports::Table t;
  t.title = "Simulation: waits from capture to the first offer, per replication";
  t.columns = {{"replication", CellType::Text}, {"arrivals", CellType::Count},     {"waited_share", CellType::Percent},
               {"answered_within_share", CellType::Percent}, {"mean_wait", CellType::Duration},
               {"p50_wait", CellType::Duration}, {"p90_wait", CellType::Duration}, {"p95_wait", CellType::Duration},
               {"p99_wait", CellType::Duration}, {"little_l", CellType::Text}, {"little_lambda_w", CellType::Text},
               {"peak_open", CellType::Count}};
  auto share = [](std::int64_t n, std::int64_t d) { return d ? 100.0 * static_cast<double>(n) / static_cast<double>(d) : 0.0; };
  // Each measure per replication, in the columns' order after `replication`.
  std::vector<std::vector<double>> values;
  for (const auto& r : reps)
    values.push_back({static_cast<double>(r.arrivals), share(r.waited, r.arrivals), share(r.answered_within, r.arrivals),
                      r.mean_wait_s, r.p50_s, r.p90_s, r.p95_s, r.p99_s, r.little_l, r.little_lambda * r.little_w_s,
                      static_cast<double>(r.peak_open)});
  auto row = [&](std::string name, const std::vector<double>& v) {
    std::vector<reports::Cell> cells{std::move(name)};
    for (std::size_t c = 0; c < v.size(); ++c) {
      switch (t.columns[c + 1].type) {
        case CellType::Count: cells.emplace_back(static_cast<std::int64_t>(std::llround(v[c]))); break;
        case CellType::Duration: cells.emplace_back(static_cast<std::int64_t>(std::llround(v[c] * 1000))); break;
        case CellType::Percent: cells.emplace_back(v[c]); break;
        case CellType::Text: cells.emplace_back(fmt::format("{:.4f}", v[c])); break;
      }
    }
    t.rows.push_back(std::move(cells));
  };
  for (std::size_t k = 0; k < values.size(); ++k) row(std::to_string(k + 1), values[k]);
  if (values.size() > 1) {
    std::vector<double> mean, half;
    for (std::size_t c = 0; c < values[0].size(); ++c) {
      std::vector<double> column;
      for (const auto& v : values) column.push_back(v[c]);
      const simulate::Interval i = simulate::interval95(column);
      mean.push_back(i.mean);
      half.push_back(i.half_width);
    }
    row("mean", mean);
    row("ci95", half);
  }
  return t;
}

// The reports of docs/reporting.md over the first replication's measured window, computed from
// its history by the same code as `iwd report`: intraday process, and segment service level
// by each `report by` dimension of the rules (it needs one).
bool window_reports(const std::string& history, const simulate::Run& run, const std::string& interval,
                    const runtime::abi::RulesV1& rules, std::vector<reports::Table>* out, std::string* error) {
  auto store = history::Store::open_reader(history, error);
  if (!store) return false;
  std::vector<std::pair<std::string, std::string>> asked{{"intraday-process", ""}};
  for (std::int32_t k = 0; k < runtime::abi::report_dimension_count(rules); ++k)
    asked.emplace_back("segment-service-level", rules.report_dimension_names[k]);
  for (const auto& [kind, by] : asked) {
    auto options = reports::parse_request({kind, stdlib::format_instant(stdlib::Instant{run.start + run.warmup_ms}),
                                           stdlib::format_instant(stdlib::Instant{run.start + run.length_ms}), by,
                                           interval, "", ""},
                                          "--");
    if (!options.ok()) {
      *error = options.error;
      return false;
    }
    bool failed = false;
    auto table = reports::run_report(*store, options.value, &failed);
    if (!table.ok()) {
      *error = table.error;
      return false;
    }
    out->push_back(std::move(table.value));
  }
  return true;
}

// The replications' table, then the reports: one JSON object for --format json, tables
// separated by a blank line otherwise.
std::string render_all(const std::vector<reports::Table>& tables, reports::Format format) {
  if (format != reports::Format::Json) {
    std::string out;
    for (const auto& t : tables) out += (out.empty() ? "" : "\n") + reports::render(t, format);
    return out;
  }
  nlohmann::ordered_json all;
  all["replications"] = nlohmann::ordered_json::parse(reports::render(tables[0], format));
  all["reports"] = nlohmann::ordered_json::array();
  for (std::size_t k = 1; k < tables.size(); ++k)
    all["reports"].push_back(nlohmann::ordered_json::parse(reports::render(tables[k], format)));
  return all.dump(2) + "\n";
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
  // Without --history, a file of our own for the reports, removed at the end.
  const bool own_history = o.history.empty();
  const std::string history_path =
      own_history ? (std::filesystem::temp_directory_path() / fmt::format("iwd-simulate-{}.db", ::getpid())).string() : o.history;
  struct Remove {
    std::string path;
    ~Remove() {
      std::error_code ec;
      if (path.empty()) return;
      for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(path + suffix, ec);
    }
  } remove{own_history ? history_path : std::string()};
  std::unique_ptr<history::Store> store;
  history::Recorder recorder;
  std::vector<history::Record> pending;
  std::string history_error;
  constexpr std::size_t kHistoryBatch = 10'000;
  simulate::Options options;
  {
    std::error_code ec;
    for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(history_path + suffix, ec);
    if (!(store = history::Store::create(history_path, &error))) return fail("--history: " + error);
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
  store.reset();
  std::vector<reports::Table> tables{table_of(reps)};
  if (!window_reports(history_path, scenario.value.run, o.interval, loaded.rules->table(), &tables, &error)) return fail("the reports: " + error);
  std::cout << render_all(tables, format.value);
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
  cmd->add_option("--interval", opts->interval, "The reports' interval: 15m, 1h (default) or 1d");
  cmd->add_flag("--no-jit", opts->no_jit, "Use the reference interpreter");
  cmd->callback([opts] { set_exit_code(run_simulate(*opts)); });
}

}  // namespace iwd::cli
