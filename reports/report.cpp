#include "reports/report.h"

#include <algorithm>
#include <array>

#include "reports/builders.h"
#include "stdlib/time.h"

namespace iwd::reports {

namespace {
constexpr std::array<std::pair<std::string_view, ReportKind>, 6> kKinds = {{
    {"intraday-process", ReportKind::IntradayProcess},
    {"segment-service-level", ReportKind::SegmentServiceLevel},
    {"resource-performance", ReportKind::ResourcePerformance},
    {"task-detail", ReportKind::TaskDetail},
    {"task-work-detail", ReportKind::TaskWorkDetail},
    {"outcome", ReportKind::Outcome},
}};
}  // namespace

stdlib::ParseResult<ReportKind> parse_report_kind(std::string_view text) {
  using R = stdlib::ParseResult<ReportKind>;
  std::string list;
  for (const auto& [name, kind] : kKinds) {
    if (name == text) return R::success(kind);
    list += (list.empty() ? "" : ", ") + std::string(name);
  }
  return R::failure("unknown report `" + std::string(text) + "` (the reports are " + list + ")");
}

std::string_view report_kind_name(ReportKind k) {
  for (const auto& [name, kind] : kKinds)
    if (kind == k) return name;
  return "?";
}

stdlib::ParseResult<std::unique_ptr<Builder>> make_builder(const Options& o) {
  using R = stdlib::ParseResult<std::unique_ptr<Builder>>;
  if (o.zone == nullptr) return R::failure("no time zone for the report");
  if (o.from >= o.to)
    return R::failure("--from " + stdlib::format_instant(stdlib::Instant{o.from}) + " is not before --to " +
                      stdlib::format_instant(stdlib::Instant{o.to}));
  if (o.now && *o.now < o.from)
    return R::failure("nothing has happened in the range yet: it starts at " +
                      stdlib::format_instant(stdlib::Instant{o.from}) + ", after now (" +
                      stdlib::format_instant(stdlib::Instant{*o.now}) + ")");
  const Options cut = detail::up_to_now(o);
  switch (o.kind) {
    case ReportKind::IntradayProcess:
    case ReportKind::Outcome:
      return R::success(detail::make_flow_builder(cut));
    case ReportKind::SegmentServiceLevel:
      if (o.by.empty()) return R::failure("segment-service-level needs --by (a `report by` dimension)");
      return R::success(detail::make_flow_builder(cut));
    case ReportKind::ResourcePerformance: return R::success(detail::make_resource_builder(cut));
    case ReportKind::TaskDetail:
      if (o.item.empty()) return R::failure("task-detail needs --item (the item's id)");
      return R::success(detail::make_task_builder(o));
    case ReportKind::TaskWorkDetail: return R::success(detail::make_work_builder(o));
  }
  return R::failure("unknown report kind");
}

namespace detail {

Options up_to_now(const Options& o) {
  Options cut = o;
  if (o.now && *o.now >= o.from && *o.now < o.to && o.kind != ReportKind::TaskDetail &&
      o.kind != ReportKind::TaskWorkDetail) {
    const Intervals intervals(o.from, o.to, o.interval, *o.zone);
    cut.to = intervals.end(static_cast<std::size_t>(intervals.index_of(*o.now)));
  }
  return cut;
}

bool is_end_state(std::string_view s) { return s == "completed" || s == "canceled" || s == "expired"; }

bool is_open_state(std::string_view s) {
  return s == "deferred" || s == "queued" || s == "offered" || s == "assigned" || s == "done_pending" ||
         s == "parked" || s == "held";
}

std::string local_time(std::int64_t at, const stdlib::TimeZone& zone) {
  const stdlib::Instant t{at};
  return stdlib::format_instant(t, zone.offset_minutes(t));
}

std::string_view group_value(const history::Record& r, const std::string& by, bool& seen) {
  const std::string* v = nullptr;
  if (by == "process") {
    seen = true;
    v = &r.process;
  } else if (by == "department") {
    seen = true;
    v = &r.department;
  } else {
    for (const auto& [name, value] : r.dimensions)
      if (name == by) {
        seen = true;
        v = &value;
        break;
      }
  }
  return v == nullptr || v->empty() ? kNone : std::string_view(*v);
}

std::string unknown_dimension(const std::string& by, const std::vector<std::string>& names) {
  std::string list = "process, department";
  for (const auto& n : names) list += ", " + n;
  return "unknown dimension `" + by + "` for --by (the history has: " + list + ")";
}

void DimensionNames::add(const history::Record& r) {
  for (const auto& [name, value] : r.dimensions)
    if (std::find(names_.begin(), names_.end(), name) == names_.end()) names_.push_back(name);
}

std::size_t Names::id(std::string_view name) {
  auto it = ids_.find(name);
  if (it != ids_.end()) return it->second;
  names_.emplace_back(name);
  ids_.emplace(names_.back(), names_.size() - 1);
  return names_.size() - 1;
}

}  // namespace detail
}  // namespace iwd::reports
