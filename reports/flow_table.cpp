#include "reports/flow_table.h"

#include <algorithm>
#include <cmath>

namespace iwd::reports::detail {
namespace {

std::string title(const Options& o, const Intervals& intervals, std::string_view what) {
  return std::string(what) + ", " + intervals.label(0) + " to " + local_time(o.to, *o.zone) + ", every " +
         std::string(interval_name(o.interval)) + " (" + o.zone->name() + ")";
}

// The cells with something in them, by interval then group name.
template <typename F>
void rows(const Intervals& intervals, const Names& groups, std::vector<std::vector<FlowCell>>& cells, F&& f) {
  std::vector<std::size_t> order(groups.size());
  for (std::size_t g = 0; g < order.size(); ++g) order[g] = g;
  std::sort(order.begin(), order.end(), [&](auto a, auto b) { return groups.name(a) < groups.name(b); });
  for (std::size_t i = 0; i < intervals.size(); ++i)
    for (std::size_t g : order)
      if (g < cells.size() && !cells[g].empty() && !cells[g][i].empty()) f(i, groups.name(g), cells[g][i]);
}

reports::Cell mean(std::int64_t sum, std::int64_t n) {
  if (n == 0) return std::monostate{};
  return static_cast<double>(sum) / static_cast<double>(n);
}
// Nearest rank: the smallest value with at least 90% of the values at or below it.
std::optional<std::int64_t> p90(std::vector<std::int64_t>& v) {
  if (v.empty()) return std::nullopt;
  const auto rank = static_cast<std::size_t>(std::ceil(0.9 * static_cast<double>(v.size())));
  std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(rank - 1), v.end());
  return v[rank - 1];
}

Table intraday(const Options& o, const Intervals& intervals, const std::string& by, const Names& groups,
              std::vector<std::vector<FlowCell>>& cells) {
  Table t;
  t.title = title(o, intervals, "Intraday process");
  t.columns = {{"interval", CellType::Text},      {by, CellType::Text},
               {"new", CellType::Count},          {"completed", CellType::Count},
               {"canceled", CellType::Count},     {"expired", CellType::Count},
               {"rejected", CellType::Count},     {"backlog", CellType::Count},
               {"overdue", CellType::Count},      {"completed_overdue", CellType::Count},
               {"avg_complete", CellType::Duration}, {"p90_complete", CellType::Duration},
               {"avg_handle", CellType::Duration},   {"avg_first_offer", CellType::Duration}};
  rows(intervals, groups, cells, [&](std::size_t i, const std::string& g, FlowCell& c) {
    settle(c);
    reports::Cell p90_complete = std::monostate{};
    if (c.settled_p90_ms) p90_complete = *c.settled_p90_ms;
    t.rows.push_back({intervals.label(i), g, c.entered, c.completed, c.canceled, c.expired, c.rejected, c.backlog,
                      c.overdue, c.completed_overdue, mean(c.settled_sum_ms, c.settled_n), p90_complete,
                      mean(c.handle_ms, c.handled), mean(c.first_offer_ms, c.first_offers)});
  });
  return t;
}

Table service_level(const Options& o, const Intervals& intervals, const std::string& by, const Names& groups,
              std::vector<std::vector<FlowCell>>& cells) {
  Table t;
  t.title = title(o, intervals, "Customer segment service level by " + by);
  t.columns = {{"interval", CellType::Text},         {by, CellType::Text},
               {"new", CellType::Count},             {"completed", CellType::Count},
               {"completed_in_sla", CellType::Count}, {"service_level", CellType::Percent},
               {"backlog", CellType::Count},         {"backlog_overdue", CellType::Count}};
  rows(intervals, groups, cells, [&](std::size_t i, const std::string& g, FlowCell& c) {
    const std::int64_t in_sla = c.completed - c.completed_overdue;
    reports::Cell level = std::monostate{};
    if (c.completed > 0) level = 100.0 * static_cast<double>(in_sla) / static_cast<double>(c.completed);
    t.rows.push_back({intervals.label(i), g, c.entered, c.completed, in_sla, level, c.backlog, c.overdue});
  });
  return t;
}

Table outcome(const Options& o, const Intervals& intervals, const std::string& by, const Names& groups,
              std::vector<std::vector<FlowCell>>& cells) {
  Table t;
  t.title = title(o, intervals, "Outcomes by " + by);
  t.columns = {{"interval", CellType::Text}, {by, CellType::Text}, {"outcome", CellType::Text},
               {"items", CellType::Count}};
  rows(intervals, groups, cells, [&](std::size_t i, const std::string& g, FlowCell& c) {
    for (const auto& [code, n] : c.outcomes) t.rows.push_back({intervals.label(i), g, code, n});
  });
  return t;
}

}  // namespace

void settle(FlowCell& c) {
  if (c.complete_ms.empty()) return;
  for (auto v : c.complete_ms) c.settled_sum_ms += v;
  c.settled_n += static_cast<std::int64_t>(c.complete_ms.size());
  const auto p = p90(c.complete_ms);
  c.settled_p90_ms = c.settled_p90_ms ? std::max(*c.settled_p90_ms, *p) : p;
  std::vector<std::int64_t>().swap(c.complete_ms);
}

Table flow_table(const Options& o, const Intervals& intervals, const std::string& by, const Names& groups,
                 std::vector<std::vector<FlowCell>>& cells) {
  switch (o.kind) {
    case ReportKind::SegmentServiceLevel: return service_level(o, intervals, by, groups, cells);
    case ReportKind::Outcome: return outcome(o, intervals, by, groups, cells);
    default: return intraday(o, intervals, by, groups, cells);
  }
}

}  // namespace iwd::reports::detail
