// `iwd report KIND --from --to [--by DIM] [--interval 15m|1h|1d|1w|1mo] [--tz ZONE | --rules RULES]
//  [--item ID] [--format text|csv|json] (--history FILE | --data DIR)`: the historical reports
// (docs/reporting.md, "Measures") over an event history: a `iwd replay --history` file or the
// data folder of `iwd serve`. Every option is checked before anything is read, and nothing is
// printed on standard output unless the whole report is computed.
#include <unistd.h>

#include <filesystem>
#include <iostream>

#include <fmt/format.h>

#include "compiler/load/load.h"
#include "history/store.h"
#include "reports/run.h"
#include "stdlib/time.h"
#include "tools/iwd/commands.h"

namespace iwd::cli {
namespace {

struct ReportCliOptions {
  std::string kind, from, to, by, interval, tz, rules, item, format = "text", history, data, now;
};

int usage(const std::string& message) {
  std::cerr << "iwd report: " << message << "\n";
  return kExitUsage;
}

// The zone of --tz, else the `timezone` of --rules, else UTC.
bool zone_name(const ReportCliOptions& o, std::string* name, std::string* error) {
  *name = o.tz;
  if (o.rules.empty()) return true;
  runtime::StringPool pool;
  compiler::LoadOptions load;
  load.jit = false;
  compiler::LoadResult loaded = compiler::load_rules(o.rules, pool, load);
  if (!loaded.rules) {
    *error = "--rules: cannot load '" + o.rules + "'" + (loaded.error.empty() ? " (it has errors)" : ": " + loaded.error);
    return false;
  }
  *name = loaded.rules->timezone();
  return true;
}

int run_report(const ReportCliOptions& o) {
  auto format = reports::parse_format(o.format);
  if (!format.ok()) return usage("--format: " + format.error);
  if (o.history.empty() == o.data.empty()) return usage("give one of --history FILE or --data DIR");
  if (!o.tz.empty() && !o.rules.empty()) return usage("give --tz or --rules, not both");
  std::string error, zone;
  if (!zone_name(o, &zone, &error)) return usage(error);
  auto options = reports::parse_request({o.kind, o.from, o.to, o.by, o.interval, zone, o.item}, "--");
  if (!options.ok()) return usage(options.error);
  if (!o.now.empty()) {  // else the history's last record (run_report)
    auto now = stdlib::parse_instant(o.now);
    if (!now.ok()) return usage("--now: " + now.error);
    options.value.now = now.value.instant.ms_since_epoch;
  }

  // The store: a history file must be one (the reader would take a folder as a data folder).
  std::error_code ec;
  if (!o.history.empty() && !std::filesystem::is_regular_file(o.history, ec))
    return usage("--history: no history file '" + o.history + "'");
  if (!o.data.empty() && !std::filesystem::is_regular_file(std::filesystem::path(o.data) / "journal.db", ec))
    return usage("--data: no service data in '" + o.data + "' (no journal.db)");
  auto store = history::Store::open_reader(o.history.empty() ? o.data : o.history, &error);
  if (!store) return usage(error);

  const bool progress = isatty(STDERR_FILENO) != 0;
  bool failed = false, shown = false;
  auto table = reports::run_report(*store, options.value, &failed, [&](std::int64_t n) {
    if (!progress) return;
    std::cerr << fmt::format("\riwd report: {}M records", n / 1'000'000);
    shown = true;
  });
  if (shown) std::cerr << "\n";
  if (!table.ok()) return usage(table.error);
  std::cout << reports::render(table.value, format.value);
  return kExitOk;
}

}  // namespace

void register_report(CLI::App& app) {
  auto opts = std::make_shared<ReportCliOptions>();
  auto* cmd = app.add_subcommand("report", "Compute a historical report from an event history (docs/reporting.md)");
  cmd->add_option("kind", opts->kind,
                  "intraday-process, segment-service-level, resource-performance, task-detail, task-work-detail "
                  "or outcome")
      ->required();
  cmd->add_option("--from", opts->from, "The range's start: an instant, or a date (local midnight)")->required();
  cmd->add_option("--to", opts->to, "The range's end (excluded): an instant, or a date (local midnight)")->required();
  cmd->add_option("--by", opts->by, "Group by process (default), department or a `report by` dimension");
  cmd->add_option("--interval", opts->interval, "15m (default), 1h, 1d, 1w or 1mo");
  cmd->add_option("--tz", opts->tz, "The intervals' IANA time zone (default UTC)");
  cmd->add_option("--rules", opts->rules, "Take the time zone from this ruleset's `timezone`");
  cmd->add_option("--item", opts->item, "task-detail: the item's id");
  cmd->add_option("--now", opts->now,
                  "The report's clock, an instant: nothing after it is counted, the last interval is the one "
                  "holding it (default: the history's last record)");
  cmd->add_option("--format", opts->format, "text, csv or json")->capture_default_str();
  cmd->add_option("--history", opts->history, "A history file (iwd replay --history)");
  cmd->add_option("--data", opts->data, "The data folder of iwd serve");
  cmd->callback([opts] { set_exit_code(run_report(*opts)); });
}

}  // namespace iwd::cli
