#include "reports/run.h"

#include <limits>

#include <fmt/format.h>

#include "reports/aggregated.h"
#include "stdlib/time.h"
#include "stdlib/time_zone.h"

namespace iwd::reports {
namespace {

constexpr std::int64_t kBeginning = std::numeric_limits<std::int64_t>::min();
constexpr std::int64_t kEnd = std::numeric_limits<std::int64_t>::max();

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

}  // namespace

stdlib::ParseResult<Options> parse_request(const Request& q, const std::string& p) {
  using R = stdlib::ParseResult<Options>;
  Options o;
  auto kind = parse_report_kind(q.kind);
  if (!kind.ok()) return R::failure(kind.error);
  o.kind = kind.value;
  const std::string zone = q.tz.empty() ? "UTC" : q.tz;
  if (!stdlib::is_valid_time_zone(zone) || (o.zone = stdlib::TimeZone::find(zone)) == nullptr)
    return R::failure(p + "tz: unknown time zone `" + zone + "`");
  if (q.from.empty() || q.to.empty()) return R::failure("give " + p + "from and " + p + "to");
  auto from = parse_bound(q.from, *o.zone);
  if (!from.ok()) return R::failure(p + "from: " + from.error);
  auto to = parse_bound(q.to, *o.zone);
  if (!to.ok()) return R::failure(p + "to: " + to.error);
  o.from = from.value;
  o.to = to.value;
  if (o.from >= o.to)
    return R::failure(p + "from " + stdlib::format_instant(stdlib::Instant{o.from}) + " is not before " + p + "to " +
                      stdlib::format_instant(stdlib::Instant{o.to}));
  if (!q.interval.empty()) {
    auto interval = parse_interval(q.interval);
    if (!interval.ok()) return R::failure(p + "interval: " + interval.error);
    o.interval = interval.value;
  }
  o.by = q.by;
  o.item = q.item;
  auto builder = make_builder(o);  // what the kind needs, and from before to
  if (!builder.ok()) return R::failure(builder.error);
  return R::success(o);
}

namespace {

stdlib::ParseResult<Table> in_snapshot(history::Store& store, const Options& options, bool* failed,
                                       const std::function<void(std::int64_t)>& progress) {
  using R = stdlib::ParseResult<Table>;
  std::string error;
  auto store_failed = [&] {
    *failed = true;
    return R::failure(error);
  };
  // A range that starts before what retention kept would miss the purged items: refused.
  std::optional<std::int64_t> first_seq, first_at;
  auto first = [&](const history::Record& r) {
    first_seq = r.seq;
    first_at = r.at;
    return false;
  };
  if (!store.read_range(kBeginning, kEnd, first, &error)) return store_failed();
  Options o = options;
  if (first_seq && *first_seq > 1 && o.from < *first_at)
    return R::failure(fmt::format("the range starts at {}, before the history kept (retention): its oldest record is at {}",
                                  stdlib::format_instant(stdlib::Instant{o.from}),
                                  stdlib::format_instant(stdlib::Instant{*first_at})));
  // The report's clock: the caller's (a server's), else the history's last record.
  const std::optional<std::int64_t> last_at = store.last_at(&error);
  if (!last_at && !error.empty()) return store_failed();
  const bool given = o.now.has_value();
  if (!given || (o.now_is_clock && last_at && *last_at > *o.now)) o.now = last_at;
  if (o.now && *o.now < o.from)
    return R::failure(fmt::format("nothing has happened in the range yet: it starts at {}, after {} ({})",
                                  stdlib::format_instant(stdlib::Instant{o.from}),
                                  given ? "now" : "the history's last record",
                                  stdlib::format_instant(stdlib::Instant{*o.now})));
  auto builder = make_builder(o);
  if (!builder.ok()) return R::failure(builder.error);
  // A day's item flow from its aggregates (a few thousand rows) rather than its records;
  // not when records come after `now` (the aggregates cannot leave them out).
  const bool after_now = last_at && o.now && *last_at > *o.now;
  if (history::Aggregates* aggregates = store.aggregates(); aggregates && !o.records_only && !after_now)
    if (auto table = detail::aggregated_report(*aggregates, o, failed)) return std::move(*table);
  Builder& b = *builder.value;
  std::int64_t count = 0;
  auto visit = [&](const history::Record& r) {
    b.add(r);
    if (progress && ++count % 1'000'000 == 0) progress(count);
    return true;
  };
  if (o.kind == ReportKind::TaskDetail) {
    if (!store.read_item(o.item, visit, &error)) return store_failed();
  } else {
    if (!store.read_range(kBeginning, o.to, visit, &error)) return store_failed();
    // The first record at or after `to`, if any: what is still going on counts up to `to`.
    auto after = [&](const history::Record& r) {
      b.add(r);
      return false;
    };
    if (!store.read_range(o.to, kEnd, after, &error)) return store_failed();
  }
  return b.finish();
}

}  // namespace

stdlib::ParseResult<Table> run_report(history::Store& store, const Options& options, bool* failed,
                                      const std::function<void(std::int64_t)>& progress) {
  *failed = false;
  std::optional<stdlib::ParseResult<Table>> table;
  std::string error;
  // One read transaction: the records, the aggregates and the items' state of one instant,
  // however the service writes meanwhile.
  store.in_read_transaction([&] {
    table = in_snapshot(store, options, failed, progress);
    return true;
  }, &error);
  if (!table) {
    *failed = true;
    return stdlib::ParseResult<Table>::failure(error);
  }
  return std::move(*table);
}

}  // namespace iwd::reports
