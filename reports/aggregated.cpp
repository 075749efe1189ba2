// The item-flow reports from the history's aggregates (history/aggregates.h): the cells of
// the 15-minute buckets summed into the report's intervals, the backlog and overdue count at
// each interval's end summed from their changes. The same cells as flow.cpp's pass over the
// records, so the same table (tests/unit/reports/aggregates_test.cpp holds them identical).
#include "reports/aggregated.h"

#include <limits>

#include "reports/builders.h"
#include "reports/flow_table.h"

namespace iwd::reports::detail {

namespace {

// Whether the aggregates hold what the report needs: a kind they count, intervals made of
// whole buckets (a range on quarter hours, a zone whose offsets are whole quarter hours), and
// a grouping kept from the first item record on and seen before `to` (else the scan says the
// dimension is unknown, naming the ones it met).
bool answerable(const Options& o, const Intervals& intervals, const std::string& by,
                const std::map<std::string, history::Grouping>& groupings) {
  if (o.kind != ReportKind::IntradayProcess && o.kind != ReportKind::SegmentServiceLevel &&
      o.kind != ReportKind::Outcome)
    return false;
  for (std::size_t i = 0; i < intervals.size(); ++i)
    if (intervals.begin(i) % history::kBucketMs != 0) return false;
  if (intervals.to() % history::kBucketMs != 0) return false;
  const auto g = groupings.find(by), process = groupings.find("process");
  return g != groupings.end() && process != groupings.end() && g->second.since_seq == process->second.since_seq &&
         g->second.since_at < o.to;
}

}  // namespace

std::optional<stdlib::ParseResult<Table>> aggregated_report(history::Aggregates& aggregates, const Options& options,
                                                            bool* failed) {
  const Options o = up_to_now(options);
  using R = stdlib::ParseResult<Table>;
  std::string error;
  const auto groupings = aggregates.groupings(&error);
  if (!groupings) {
    *failed = true;
    return R::failure(error);
  }
  const Intervals intervals(o.from, o.to, o.interval, *o.zone);
  const std::string by = o.by.empty() ? std::string("process") : o.by;
  if (!answerable(o, intervals, by, *groupings)) return std::nullopt;

  Names groups;
  std::vector<std::vector<FlowCell>> cells;      // [group][interval]
  std::vector<std::int64_t> open, overdue;       // per group, at the instant reached
  auto group = [&](const std::string& value) {
    const std::size_t g = groups.id(value);
    if (cells.size() <= g) {
      cells.resize(g + 1);
      open.resize(g + 1);
      overdue.resize(g + 1);
    }
    return g;
  };
  auto cell = [&](std::size_t g, std::size_t i) -> FlowCell& {
    if (cells[g].empty()) cells[g].resize(intervals.size());
    return cells[g][i];
  };
  std::size_t next = 0;  // the first interval whose end is not reached
  auto close_until = [&](std::int64_t bucket) {  // the counts at each end up to `bucket`
    for (; next < intervals.size() && intervals.end(next) <= bucket; ++next)
      for (std::size_t g = 0; g < cells.size(); ++g) {
        if (open[g] == 0 && overdue[g] == 0 && cells[g].empty()) continue;
        cell(g, next).backlog = open[g];
        cell(g, next).overdue = overdue[g];
      }
  };
  const bool ok =
      aggregates.changes_before(by, o.from,
                                [&](const std::string& value, std::int64_t backlog, std::int64_t late) {
                                  const std::size_t g = group(value);
                                  open[g] += backlog;
                                  overdue[g] += late;
                                },
                                &error) &&
      aggregates.read(by, o.from, o.to,
                      [&](std::int64_t bucket, const std::string& value, history::AggregateCell& a) {
                        close_until(bucket);
                        const std::size_t g = group(value);
                        FlowCell& c = cell(g, next);
                        c.entered += a.entered;
                        c.completed += a.completed;
                        c.canceled += a.canceled;
                        c.expired += a.expired;
                        c.rejected += a.rejected;
                        c.completed_overdue += a.completed_overdue;
                        c.complete_ms.insert(c.complete_ms.end(), a.complete_ms.begin(), a.complete_ms.end());
                        c.handle_ms += a.handle_ms;
                        c.handled += a.handled;
                        c.first_offer_ms += a.first_offer_ms;
                        c.first_offers += a.first_offers;
                        for (const auto& [code, n] : a.outcomes) c.outcomes[code] += n;
                        open[g] += a.backlog_change;
                        overdue[g] += a.overdue_change;
                      },
                      &error);
  if (!ok) {
    *failed = true;
    return R::failure(error);
  }
  close_until(std::numeric_limits<std::int64_t>::max());
  // The interval that holds `now` ends later: its overdue count is the items' due before now
  // (its backlog is right: no record comes after now), not before its end.
  if (o.now && *o.now < intervals.to()) {
    const std::size_t last = intervals.size() - 1;
    for (auto& row : cells)
      if (!row.empty()) row[last].overdue = 0;
    if (!aggregates.overdue_at(by, *o.now,
                               [&](const std::string& value, std::int64_t n) { cell(group(value), last).overdue = n; },
                               &error))
      return std::nullopt;  // the items' state cannot be read (a file of an older version): the records answer
  }
  return R::success(flow_table(o, intervals, by, groups, cells));
}

}  // namespace iwd::reports::detail
