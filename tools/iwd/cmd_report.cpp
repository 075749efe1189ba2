// `iwd report KIND --from --to [--by DIM] [--interval 15m|1h|1d|1w|1mo] [--tz ZONE | --rules RULES]
//  [--item ID] [--format text|csv|json] (--history FILE | --data DIR)`: the historical reports
// (docs/reporting.md, "Measures") over an event history: a `iwd replay --history` file or the
// data folder of `iwd serve`. Every option is checked before anything is read, and nothing is
// printed on standard output unless the whole report is computed.
#include <unistd.h>

#include <filesystem>
#include <iostream>
#include <limits>

#include <fmt/format.h>

#include "compiler/load/load.h"
#include "compiler/lower/program.h"
#include "history/store.h"
#include "reports/report.h"
#include "stdlib/time.h"
#include "stdlib/time_zone.h"
#include "tools/iwd/commands.h"

namespace iwd::cli {
namespace {

struct ReportCliOptions {
  std::string kind, from, to, by, interval = "15m", tz, rules, item, format = "text", history, data;
};

int usage(const std::string& message) {
  std::cerr << "iwd report: " << message << "\n";
  return kExitUsage;
}

// An instant (`2026-01-05T09:00:00Z`) or a date, read as the zone's local midnight.
stdlib::ParseResult<std::int64_t> parse_bound(const std::string& text, const stdlib::TimeZone& zone) {
  using R = stdlib::ParseResult<std::int64_t>;
  if (text.size() == 10) {
    auto d = stdlib::parse_date(text);
    if (!d.ok()) return R::failure(d.error);
    return R::success(zone.from_local(stdlib::civil_from_days(d.value), 0).ms_since_epoch);
  }
  auto t = stdlib::parse_instant(text);
  if (!t.ok()) return R::failure(t.error);
  return R::success(t.value.instant.ms_since_epoch);
}

// The zone of --tz, else the `timezone` of --rules, else UTC.
const stdlib::TimeZone* zone_of(const ReportCliOptions& o, std::string* error) {
  std::string name = o.tz.empty() ? "UTC" : o.tz;
  if (!o.rules.empty()) {
    runtime::StringPool pool;
    compiler::LoadOptions load;
    load.jit = false;
    compiler::LoadResult loaded = compiler::load_rules(o.rules, pool, load);
    if (!loaded.rules) {
      *error = "--rules: cannot load '" + o.rules + "'" + (loaded.error.empty() ? " (it has errors)" : ": " + loaded.error);
      return nullptr;
    }
    name = loaded.rules->program().timezone;
  }
  if (!stdlib::is_valid_time_zone(name)) {
    *error = "unknown time zone `" + name + "`";
    return nullptr;
  }
  const stdlib::TimeZone* zone = stdlib::TimeZone::find(name);
  if (zone == nullptr) *error = "cannot read time zone `" + name + "`";
  return zone;
}

int run_report(const ReportCliOptions& o) {
  auto kind = reports::parse_report_kind(o.kind);
  if (!kind.ok()) return usage(kind.error);
  auto interval = reports::parse_interval(o.interval);
  if (!interval.ok()) return usage("--interval: " + interval.error);
  auto format = reports::parse_format(o.format);
  if (!format.ok()) return usage("--format: " + format.error);
  if (o.history.empty() == o.data.empty()) return usage("give one of --history FILE or --data DIR");
  if (!o.tz.empty() && !o.rules.empty()) return usage("give --tz or --rules, not both");
  std::string error;
  const stdlib::TimeZone* zone = zone_of(o, &error);
  if (zone == nullptr) return usage(error);

  reports::Options options;
  options.kind = kind.value;
  options.interval = interval.value;
  options.zone = zone;
  options.by = o.by;
  options.item = o.item;
  auto from = parse_bound(o.from, *zone);
  if (!from.ok()) return usage("--from: " + from.error);
  auto to = parse_bound(o.to, *zone);
  if (!to.ok()) return usage("--to: " + to.error);
  options.from = from.value;
  options.to = to.value;
  auto builder = reports::make_builder(options);
  if (!builder.ok()) return usage(builder.error);

  // The store: a history file must be one (the reader would take a folder as a data folder).
  const std::string& path = o.history.empty() ? o.data : o.history;
  std::error_code ec;
  if (!o.history.empty() && !std::filesystem::is_regular_file(o.history, ec))
    return usage("--history: no history file '" + o.history + "'");
  if (!o.data.empty() && !std::filesystem::is_regular_file(std::filesystem::path(o.data) / "journal.db", ec))
    return usage("--data: no service data in '" + o.data + "' (no journal.db)");
  auto store = history::Store::open_reader(path, &error);
  if (!store) return usage(error);

  // A range that starts before what retention kept would count the purged items as missing.
  std::optional<std::int64_t> first_seq, first_at;
  if (!store->read_range(std::numeric_limits<std::int64_t>::min(), std::numeric_limits<std::int64_t>::max(),
                         [&](const history::Record& r) {
                           first_seq = r.seq;
                           first_at = r.at;
                           return false;
                         },
                         &error))
    return usage(error);
  if (first_seq && *first_seq > 1 && options.from < *first_at)
    return usage(fmt::format("--from {} is before the history kept (retention): the oldest record is at {}",
                             o.from, stdlib::format_instant(stdlib::Instant{*first_at})));

  // One pass from the beginning: the records before --from give the open items and agents.
  const bool progress = isatty(STDERR_FILENO) != 0;
  std::int64_t count = 0;
  auto visit = [&](const history::Record& r) {
    builder.value->add(r);
    if (progress && ++count % 1'000'000 == 0) std::cerr << fmt::format("\riwd report: {}M records", count / 1'000'000);
    return true;
  };
  const bool ok = kind.value == reports::ReportKind::TaskDetail
                      ? store->read_item(o.item, visit, &error)
                      : store->read_range(std::numeric_limits<std::int64_t>::min(), options.to, visit, &error);
  if (progress && count >= 1'000'000) std::cerr << "\n";
  if (!ok) return usage(error);
  // The first record at or after --to, if any, tells that the history goes on to --to: what is
  // still going on (an agent's state, work in hand) is then counted up to --to, not to the last
  // record before it.
  if (kind.value != reports::ReportKind::TaskDetail &&
      !store->read_range(options.to, std::numeric_limits<std::int64_t>::max(),
                         [&](const history::Record& r) {
                           builder.value->add(r);
                           return false;
                         },
                         &error))
    return usage(error);
  auto table = builder.value->finish();
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
  cmd->add_option("--interval", opts->interval, "15m, 1h, 1d, 1w or 1mo")->capture_default_str();
  cmd->add_option("--tz", opts->tz, "The intervals' IANA time zone (default UTC)");
  cmd->add_option("--rules", opts->rules, "Take the time zone from this ruleset's `timezone`");
  cmd->add_option("--item", opts->item, "task-detail: the item's id");
  cmd->add_option("--format", opts->format, "text, csv or json")->capture_default_str();
  cmd->add_option("--history", opts->history, "A history file (iwd replay --history)");
  cmd->add_option("--data", opts->data, "The data folder of iwd serve");
  cmd->callback([opts] { set_exit_code(run_report(*opts)); });
}

}  // namespace iwd::cli
