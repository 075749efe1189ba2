// The historical reports of issue 15 (docs/reporting.md, "Measures"), each computed in one
// streaming pass over the event history in seq order: the builder keeps state only for the
// open items and agents and an accumulator per group and interval, never the records.
//
//   auto b = reports::make_builder(options);   // checks the options
//   for each record of the history, in seq order: b->add(record);
//   auto table = b->finish();                  // the report, or an error on its options
//
// Feed it the history from its beginning (or as far back as it is kept), not from `from`:
// the records before `from` say which items are open (the backlog) and what agents are doing
// when the range starts; they are not counted. Records at or after `to` are not counted either:
// the reader may stop at the first of them, which tells that the history goes on to `to` (what
// is still going on, an agent's state or work in hand, is counted up to `to`; without such a
// record, up to the history's last instant).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "history/record.h"
#include "reports/intervals.h"
#include "reports/table.h"
#include "stdlib/result.h"
#include "stdlib/tz.h"

namespace iwd::reports {

enum class ReportKind : std::uint8_t {
  IntradayProcess,      // per process (or --by) and interval: flow, backlog, times
  SegmentServiceLevel,  // per `report by` value and interval: completed within SLA
  ResourcePerformance,  // per agent and interval: offers, handle, state times, occupancy
  TaskDetail,           // one item's every event
  TaskWorkDetail,       // the work segments of items handled by more than one agent
  Outcome,              // completed items per outcome code, per process (or --by) and interval
};
// "intraday-process", "segment-service-level", "resource-performance", "task-detail",
// "task-work-detail", "outcome"; an error names the unknown kind and lists these.
stdlib::ParseResult<ReportKind> parse_report_kind(std::string_view text);
std::string_view report_kind_name(ReportKind k);

struct Options {
  ReportKind kind = ReportKind::IntradayProcess;
  std::int64_t from = 0, to = 0;  // ms since the epoch, [from, to)
  IntervalKind interval = IntervalKind::Minutes15;
  const stdlib::TimeZone* zone = nullptr;  // the intervals' and the instants' zone
  // The grouping of intraday-process and outcome ("process" by default) and of
  // segment-service-level (required there): "process", "department" or a `report by` name.
  std::string by;
  std::string item;  // task-detail: the item's id
  // The report's clock: what happened after it has not happened yet. Its records are not
  // counted, the intervals end with the one that holds it, and that interval's measures at
  // its end (backlog, overdue) and the times still running are as of `now`. Unset: nothing
  // is cut (run_report sets it, from the history's last record when the caller gives none).
  std::optional<std::int64_t> now;
  // `now` is a clock read as the report begins (a service's): a record stamped after it (written
  // since) moves it to that record's instant, the history read being the report's.
  bool now_is_clock = false;
  // run_report: from the records even where the history's aggregates could answer (tests
  // and benchmarks compare the two).
  bool records_only = false;
};

class Builder {
 public:
  virtual ~Builder() = default;
  virtual void add(const history::Record& r) = 0;
  // The report. An error when the history contradicts the options: a --by that is no
  // dimension of any record.
  virtual stdlib::ParseResult<Table> finish() = 0;
};

// A builder for the options, or an error naming the bad option (--from not before --to, no
// item for task-detail, --by missing where it is required).
stdlib::ParseResult<std::unique_ptr<Builder>> make_builder(const Options& options);

}  // namespace iwd::reports
