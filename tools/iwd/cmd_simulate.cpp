// `iwd simulate RULES SCENARIO [--format text|json|csv] [--interval I] [--history FILE] [--chart FILE] [--no-jit] [--progress]
// [--agents +N@GROUP]... [--rules-b RULES] [--scenario-b SCENARIO]`: the runtime on a simulated
// clock fed by a scenario (docs/simulate.md). The scenario is checked against the rules before
// anything runs; one row per replication (waits from capture until an agent takes the item,
// Little's law), then the operations-data reports of the first replication's history, all rendered by the
// reports' renderers. With --agents, --rules-b or --scenario-b: a comparison of the two setups
// over the same arrivals instead.
#include <fmt/format.h>

#include <filesystem>
#include <functional>
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
#include "simulate/chart.h"
#include "simulate/compare.h"
#include "simulate/simulate.h"
#include "tools/iwd/commands.h"

namespace iwd::cli {
namespace {

struct SimulateCliOptions {
  std::string rules, scenario, format = "text", history, interval = "1h", chart;
  bool no_jit = false;
  bool progress = false;  // the progress line on stderr even when it is not a terminal
  std::vector<std::string> agents;  // comparison mode: B is A with these changes,
  std::string rules_b, scenario_b;  // or with these rules, or this scenario
  bool comparing() const { return !agents.empty() || !rules_b.empty() || !scenario_b.empty(); }
};

int fail(const std::string& message) {
  std::cerr << "iwd simulate: " << message << "\n";
  return kExitUsage;
}

// The progress line of a long run, rewritten in place on stderr ("iwd simulate: A: replication
// 2/5, 37%"), ended by a line break after the last replication; on a terminal, or with
// --progress. None otherwise (a script's stderr stays clean).
std::function<void(int, std::int64_t)> progress_line(const SimulateCliOptions& o, const simulate::Run& run, std::string side) {
  if (!o.progress && ::isatty(STDERR_FILENO) == 0) return {};
  return [side = std::move(side), replications = run.replications, length = run.length_ms](int rep, std::int64_t at) {
    const std::int64_t percent = length > 0 ? at * 100 / length : 100;
    std::cerr << fmt::format("\riwd simulate: {}replication {}/{}, {}%", side, rep + 1, replications, percent)
              << (rep + 1 == replications && at >= length ? "\n" : "") << std::flush;
  };
}

// One row per replication, then (with several) their mean and the half-width of its 95%
// interval ("mean", "ci95" in the replication column).
reports::Table table_of(const std::vector<simulate::Replication>& reps) {
  using reports::CellType;
  reports::Table t;
  t.title = "Simulation: waits from capture until an agent takes the item, per replication";
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

// The reports of docs/reporting.md over the first replication's measured window, by the same
// builders as `iwd report` (reports/report.h), fed its events' history records as they happen
// (no store to write and read back): intraday process, and segment service level by each
// `report by` dimension of the rules (it needs one).
bool window_builders(const simulate::Run& run, const std::string& interval, const runtime::abi::RulesV1& rules,
                     std::vector<std::unique_ptr<reports::Builder>>* out, std::string* error) {
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
    options.value.now = run.start + run.length_ms;  // the run went on to its end, whatever its last record
    auto builder = reports::make_builder(options.value);
    if (!builder.ok()) {
      *error = builder.error;
      return false;
    }
    out->push_back(std::move(builder.value));
  }
  return true;
}

// Occupancy per agent group: each replication's, by the group's name.
simulate::Keyed occupancy_by_group(const std::vector<simulate::Replication>& reps, const std::vector<simulate::AgentGroup>& groups) {
  simulate::Keyed out;
  for (std::size_t g = 0; g < groups.size(); ++g) {
    out.emplace_back(groups[g].name, std::vector<double>{});
    for (const auto& r : reps) out.back().second.push_back(r.occupancy_by_group[g]);
  }
  return out;
}

// Occupancy per agent group: the mean over the replications and the half-width of its 95%
// interval (empty with one replication).
reports::Table occupancy_table(const std::vector<simulate::Replication>& reps, const std::vector<simulate::AgentGroup>& groups) {
  using reports::CellType;
  reports::Table t;
  t.title = "Occupancy per agent group: of the logged-in time in the window, the share holding an item";
  t.columns = {{"group", CellType::Text}, {"agents", CellType::Count}, {"occupancy", CellType::Percent}, {"ci95", CellType::Percent}};
  const simulate::Keyed values = occupancy_by_group(reps, groups);
  for (std::size_t g = 0; g < groups.size(); ++g) {
    const simulate::Interval i = simulate::interval95(values[g].second);
    t.rows.push_back({groups[g].name, std::int64_t{groups[g].count}, i.mean, reps.size() > 1 ? reports::Cell(i.half_width) : reports::Cell()});
  }
  return t;
}

// Backlog over time: for each interval of `width` ms (a multiple of 15 minutes) from the start,
// by its start, each replication's mean number waiting to be taken (the last interval may be
// shorter: each 15 minutes weighs as much).
simulate::Keyed backlog_by_interval(const std::vector<simulate::Replication>& reps, const simulate::Run& run, std::int64_t width) {
  simulate::Keyed out;
  const auto per = static_cast<std::size_t>(width / simulate::kIntervalMs);
  const std::size_t n = reps.empty() ? 0 : reps[0].backlog_by_interval.size();
  for (std::size_t k = 0; k < n; k += per) {
    out.emplace_back(stdlib::format_instant(stdlib::Instant{run.start + static_cast<std::int64_t>(k) * simulate::kIntervalMs}),
                     std::vector<double>{});
    for (const auto& r : reps) {
      double sum = 0;
      const std::size_t end = std::min(n, k + per);
      for (std::size_t j = k; j < end; ++j) sum += r.backlog_by_interval[j];
      out.back().second.push_back(sum / static_cast<double>(end - k));
    }
  }
  return out;
}

// Backlog over time: the mean over the replications of each interval's, with the half-width of
// its 95% interval.
reports::Table backlog_table(const std::vector<simulate::Replication>& reps, const simulate::Run& run, std::int64_t width,
                             const std::string& interval) {
  using reports::CellType;
  reports::Table t;
  t.title = fmt::format("Backlog over time: mean items waiting to be taken, every {} from the start", interval);
  t.columns = {{"from", CellType::Text}, {"backlog", CellType::Count}, {"ci95", CellType::Count}};
  for (const auto& [from, values] : backlog_by_interval(reps, run, width)) {
    const simulate::Interval i = simulate::interval95(values);
    t.rows.push_back({from, i.mean, reps.size() > 1 ? reports::Cell(i.half_width) : reports::Cell()});
  }
  return t;
}

// The replications' table, the occupancy, the backlog, then the reports: one JSON object for --format json,
// tables separated by a blank line otherwise.
std::string render_all(const std::vector<reports::Table>& tables, reports::Format format) {
  if (format != reports::Format::Json) {
    std::string out;
    for (const auto& t : tables) out += (out.empty() ? "" : "\n") + reports::render(t, format);
    return out;
  }
  nlohmann::ordered_json all;
  all["replications"] = nlohmann::ordered_json::parse(reports::render(tables[0], format));
  all["occupancy"] = nlohmann::ordered_json::parse(reports::render(tables[1], format));
  all["backlog"] = nlohmann::ordered_json::parse(reports::render(tables[2], format));
  all["reports"] = nlohmann::ordered_json::array();
  for (std::size_t k = 3; k < tables.size(); ++k)
    all["reports"].push_back(nlohmann::ordered_json::parse(reports::render(tables[k], format)));
  return all.dump(2) + "\n";
}

// A ruleset and a scenario checked against it. -1, or the exit status (the problem said).
struct Setup {
  compiler::LoadResult loaded;
  simulate::Scenario scenario;
  const runtime::abi::RulesV1& rules() const { return loaded.rules->table(); }
};
int load_setup(const std::string& rules, const std::string& scenario, bool no_jit, runtime::StringPool& pool, Setup* out) {
  std::ifstream file(scenario);
  if (!file) return fail("cannot read '" + scenario + "'");
  std::stringstream text;
  text << file.rdbuf();
  compiler::LoadOptions load;
  load.jit = !no_jit;
  out->loaded = compiler::load_rules(rules, pool, load);
  if (out->loaded.status == compiler::LoadStatus::RuleErrors) {
    compiler::render_text(std::cerr, out->loaded.diagnostics);
    return kExitFindings;
  }
  if (!out->loaded.rules) return fail(out->loaded.error);
  std::string error;
  runtime::Schema schema;
  if (!simulate::schema_of(out->rules(), pool, &schema, &error)) return fail(error);
  auto parsed = simulate::parse_scenario(text.str(), out->rules(), schema);
  if (!parsed.ok()) {  // the user's file: a finding, like the rules' errors
    std::cerr << "iwd simulate: " << scenario << ": " << parsed.error << "\n";
    return kExitFindings;
  }
  out->scenario = std::move(parsed.value);
  return -1;
}

// A comparison table's rows: the means on each side, B - A, and the half-width of its 95%
// interval over the paired replications (none with one replication).
void compared_rows(const std::vector<simulate::Compared>& rows, std::size_t replications, reports::Table* t) {
  auto cell = [](std::optional<double> v) { return v ? reports::Cell(*v) : reports::Cell(); };
  for (const simulate::Compared& c : rows) {
    const bool paired = c.difference && replications > 1;
    t->rows.push_back({c.scope, cell(c.a), cell(c.b), c.difference ? cell(c.difference->mean) : reports::Cell(),
                       paired ? cell(c.difference->half_width) : reports::Cell()});
  }
}

simulate::Side side_of(const Setup& setup, std::vector<simulate::Replication> reps) {
  simulate::Side side{std::move(reps), {}};
  for (std::int32_t k = 0; k < setup.rules().process_count; ++k) side.process_names.emplace_back(setup.rules().process_names[k]);
  return side;
}

// One table a measure: a row for every item ("all"), then one a process; the means on each
// side, B - A, and the half-width of its 95% interval over the paired replications.
std::vector<reports::Table> comparison_tables(const simulate::Side& a, const simulate::Side& b, const simulate::Run& run,
                                              const std::string& labels) {
  using reports::CellType;
  struct Measure {
    std::string name;
    CellType type;
    simulate::MeasureOf of;
  };
  const Measure measures[] = {
      {"arrivals in the window", CellType::Count, [](const simulate::Measures& m) { return static_cast<double>(m.arrivals); }},
      {fmt::format("service level: share taken within {} (%)", stdlib::format_duration(stdlib::Duration{run.answer_within_ms})),
       CellType::Percent, [](const simulate::Measures& m) { return 100.0 * (m.arrivals ? static_cast<double>(m.answered_within) / static_cast<double>(m.arrivals) : 0.0); }},
      {"mean wait until taken (s)", CellType::Count, [](const simulate::Measures& m) { return m.mean_wait_s; }},
      {"p90 wait until taken (s)", CellType::Count, [](const simulate::Measures& m) { return m.p90_s; }},
      {"backlog: mean items waiting to be taken", CellType::Count, [](const simulate::Measures& m) { return m.little_l; }},
  };
  std::vector<reports::Table> out;
  for (const Measure& m : measures) {
    reports::Table t;
    t.title = fmt::format("Comparison, {}; {}", m.name, labels);
    t.columns = {{"scope", CellType::Text}, {"a", m.type}, {"b", m.type}, {"b_minus_a", m.type}, {"ci95", m.type}};
    compared_rows(simulate::compare(a, b, m.of), a.reps.size(), &t);
    out.push_back(std::move(t));
  }
  return out;
}

// The occupancy per agent group (by name: A's groups, then those only B has) and the backlog
// over time (every `interval` from the start), compared as the measures are; the group or the
// interval's start in the `scope` column, as every comparison table has it.
std::vector<reports::Table> compared_over_groups_and_time(const Setup& a, const simulate::Side& side_a, const Setup& b,
                                                          const simulate::Side& side_b, std::int64_t width,
                                                          const std::string& interval, const std::string& labels) {
  using reports::CellType;
  std::vector<reports::Table> out(2);
  out[0].title = fmt::format("Comparison, occupancy per agent group (%); {}", labels);
  out[0].columns = {{"scope", CellType::Text}, {"a", CellType::Percent}, {"b", CellType::Percent},
                    {"b_minus_a", CellType::Percent}, {"ci95", CellType::Percent}};
  compared_rows(simulate::compare_keyed(occupancy_by_group(side_a.reps, a.scenario.agents),
                                        occupancy_by_group(side_b.reps, b.scenario.agents)),
                side_a.reps.size(), &out[0]);
  out[1].title = fmt::format("Comparison, backlog over time: mean items waiting to be taken, every {} from the start; {}", interval, labels);
  out[1].columns = {{"scope", CellType::Text}, {"a", CellType::Count}, {"b", CellType::Count}, {"b_minus_a", CellType::Count},
                    {"ci95", CellType::Count}};
  compared_rows(simulate::compare_keyed(backlog_by_interval(side_a.reps, a.scenario.run, width),
                                        backlog_by_interval(side_b.reps, b.scenario.run, width)),
                side_a.reps.size(), &out[1]);
  return out;
}

int run_comparison(const SimulateCliOptions& o, reports::Format format, std::int64_t width) {
  if (!o.history.empty()) return fail("--history: not with a comparison (run each setup on its own for its history)");
  if (!o.chart.empty()) return fail("--chart: not with a comparison (run each setup on its own for its chart)");
  runtime::StringPool pool;
  Setup a, b;
  if (int status = load_setup(o.rules, o.scenario, o.no_jit, pool, &a); status >= 0) return status;
  const std::string& rules_b = o.rules_b.empty() ? o.rules : o.rules_b;
  const std::string& scenario_b = o.scenario_b.empty() ? o.scenario : o.scenario_b;
  if (int status = load_setup(rules_b, scenario_b, o.no_jit, pool, &b); status >= 0) return status;
  for (const std::string& spec : o.agents)
    if (std::string problem = simulate::adjust_agents(&b.scenario, spec); !problem.empty()) return fail("--agents: " + problem);
  if (a.scenario.run.replications != b.scenario.run.replications)
    return fail(fmt::format("the scenarios' replications differ ({} and {}): a comparison pairs them",
                            a.scenario.run.replications, b.scenario.run.replications));
  std::string error;
  std::vector<simulate::Replication> reps_a, reps_b;
  simulate::Options options_a, options_b;
  options_a.progress = progress_line(o, a.scenario.run, "A: ");
  options_b.progress = progress_line(o, b.scenario.run, "B: ");
  if (!simulate::run(a.rules(), pool, a.scenario, options_a, &reps_a, &error)) return fail("A: " + error);
  if (!simulate::run(b.rules(), pool, b.scenario, options_b, &reps_b, &error)) return fail("B: " + error);
  const std::string label_a = fmt::format("{} with {}", o.rules, o.scenario);
  std::string label_b = fmt::format("{} with {}", rules_b, scenario_b);
  for (const std::string& spec : o.agents) label_b += " " + spec;
  const std::string labels = fmt::format("A: {}, B: {}", label_a, label_b);
  const simulate::Side side_a = side_of(a, std::move(reps_a)), side_b = side_of(b, std::move(reps_b));
  auto tables = comparison_tables(side_a, side_b, a.scenario.run, labels);
  for (auto& t : compared_over_groups_and_time(a, side_a, b, side_b, width, o.interval, labels)) tables.push_back(std::move(t));
  if (format != reports::Format::Json) {
    std::string out;
    for (const auto& t : tables) out += (out.empty() ? "" : "\n") + reports::render(t, format);
    std::cout << out;
    return kExitOk;
  }
  nlohmann::ordered_json all;
  all["a"] = label_a;
  all["b"] = label_b;
  all["comparison"] = nlohmann::ordered_json::array();
  for (const auto& t : tables) all["comparison"].push_back(nlohmann::ordered_json::parse(reports::render(t, format)));
  std::cout << all.dump(2) << "\n";
  return kExitOk;
}

int run_simulate(const SimulateCliOptions& o) {
  auto format = reports::parse_format(o.format);
  if (!format.ok()) return fail("--format: " + format.error);
  auto width = stdlib::parse_duration(o.interval);
  if (!width.ok() || width.value.ms <= 0 || width.value.ms % simulate::kIntervalMs != 0)
    return fail("--interval: `" + o.interval + "`: 15m, 1h or 1d (a multiple of 15 minutes)");
  if (o.comparing()) return run_comparison(o, format.value, width.value.ms);
  runtime::StringPool pool;
  Setup setup;
  if (int status = load_setup(o.rules, o.scenario, o.no_jit, pool, &setup); status >= 0) return status;
  const auto& loaded = setup.loaded;
  auto& scenario = setup.scenario;
  std::string error;

  // The first replication's events as the records `iwd replay --history` writes (the same
  // recorder), fed to the reports' builders as they happen; with --history, also written to
  // that file in transactions of kHistoryBatch records (only the first replication: each
  // starts at the same instant, and a history's instants never go back).
  std::vector<std::unique_ptr<reports::Builder>> builders;
  if (!window_builders(scenario.run, o.interval, loaded.rules->table(), &builders, &error)) return fail("the reports: " + error);
  std::unique_ptr<history::Store> store;
  history::Recorder recorder;
  std::vector<history::Record> pending;
  std::string history_error;
  constexpr std::size_t kHistoryBatch = 10'000;
  if (!o.history.empty()) {
    std::error_code ec;
    for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(o.history + suffix, ec);
    if (!(store = history::Store::create(o.history, &error))) return fail("--history: " + error);
  }
  simulate::Options options;
  options.progress = progress_line(o, scenario.run, "");
  options.observe = [&](int replication, const runtime::Event& e, const runtime::Runtime& rt) {
    if (replication > 0) return;
    history::Record r = recorder.record(e, rt, "simulate");
    for (auto& b : builders) b->add(r);
    if (!store) return;
    pending.push_back(std::move(r));
    if (pending.size() >= kHistoryBatch && history_error.empty()) {
      store->append(pending, &history_error);
      pending.clear();
    }
  };
  std::vector<simulate::Replication> reps;
  if (!simulate::run(loaded.rules->table(), pool, scenario, options, &reps, &error)) return fail(error);
  if (store && history_error.empty()) store->append(pending, &history_error);
  if (!history_error.empty()) return fail("--history: " + history_error);
  store.reset();
  if (!o.chart.empty()) {
    std::ofstream chart(o.chart, std::ios::binary | std::ios::trunc);
    chart << simulate::chart_svg(reps, scenario.run, fmt::format("{} with {}", o.rules, o.scenario));
    if (!chart.flush()) return fail("--chart: cannot write '" + o.chart + "'");
  }
  std::vector<reports::Table> tables{table_of(reps), occupancy_table(reps, scenario.agents),
                                     backlog_table(reps, scenario.run, width.value.ms, o.interval)};
  for (auto& b : builders) {
    auto table = b->finish();
    if (!table.ok()) return fail("the reports: " + table.error);
    tables.push_back(std::move(table.value));
  }
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
  cmd->add_option("--chart", opts->chart, "Also write an SVG chart of the backlog and the service level over the run to this file");
  cmd->add_flag("--progress", opts->progress, "Show the progress line on stderr even when it is not a terminal");
  cmd->add_option("--agents", opts->agents, "Compare with B: the scenario with +N (or -N) agents in a group, +N@GROUP");
  cmd->add_option("--rules-b", opts->rules_b, "Compare with B: these rules");
  cmd->add_option("--scenario-b", opts->scenario_b, "Compare with B: this scenario (give it the same seed)");
  cmd->callback([opts] { set_exit_code(run_simulate(*opts)); });
}

}  // namespace iwd::cli
