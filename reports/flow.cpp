// The item-flow reports: intraday-process, segment-service-level and outcome share one pass
// that counts, per group (process, department or a `report by` value) and interval, the items
// that enter and end, the open ones at each interval's end and the times of the completed ones.
#include <algorithm>
#include <cassert>
#include <cmath>
#include <limits>
#include <map>
#include <optional>

#include "reports/builders.h"
#include "reports/flow_table.h"

namespace iwd::reports::detail {
namespace {

struct Item {
  std::size_t group = 0;
  std::optional<std::int64_t> captured_at;  // unknown for an item seen first after its capture
  std::optional<std::int64_t> queued_at;    // when it first entered distribution
  bool offered = false;                     // its first offer is counted
  std::optional<std::int64_t> assigned_since;
  std::int64_t handle_ms = 0;               // time assigned, over every agent
  std::optional<std::int64_t> due;
  bool overdue_counted = false;             // counted in overdue_[group]
  std::uint32_t version = 0;                // of its entry in the due heap
  std::string outcome;                      // the last outcome given (done, complete)
};

struct DueEntry {  // an open item that becomes overdue at the end of the interval it waits in
  std::uint32_t slot, version;
};

class FlowBuilder final : public Builder {
 public:
  explicit FlowBuilder(const Options& o)
      : o_(o), intervals_(o.from, o.to, o.interval, *o.zone),
        by_(o.by.empty() ? std::string("process") : o.by), now_(o.now.value_or(std::numeric_limits<std::int64_t>::max())),
        due_at_end_(intervals_.size()) {}

  void add(const history::Record& r) override {
    if (!by_seen_) dims_.add(r);  // the names only tell an unknown --by what there is
    if (r.at >= o_.to || r.at > now_) return;
    advance(r.at);
    if (r.kind != history::RecordKind::Item) return;
    // After advance(), the interval of an instant in the range is the first one not closed
    // (unless the history went back in time: then search).
    std::ptrdiff_t iv = -1;
    if (r.at >= o_.from)
      iv = r.at >= intervals_.begin(next_end_) ? static_cast<std::ptrdiff_t>(next_end_) : intervals_.index_of(r.at);
    const std::size_t g = groups_.id(group_value(r, by_, by_seen_));
    if (r.to == "rejected") {
      if (iv >= 0) cell(g, iv).rejected++;
      return;
    }
    std::uint32_t slot = 0;
    Item* it = items_.find(r.item, &slot);
    if (r.from == "none" || it == nullptr) {
      // A capture; a reload (or an item whose earlier records are gone) is open, not new.
      if (it != nullptr) drop(*it);
      it = &items_.open(r.item, &slot);
      it->group = g;
      open_[g]++;
      if (r.from == "none" && r.reason != "reload") {
        it->captured_at = r.at;
        if (iv >= 0) cell(g, iv).entered++;
      }
    }
    // A new item, a new group or a new due: (re)enter the due heap under a new version.
    bool reenter = r.from == "none" || it->version == 0;
    if (it->group != g) {  // reclassified into another group
      uncount_overdue(*it);
      open_[it->group]--;
      open_[g]++;
      it->group = g;
      reenter = true;
    }
    if (it->due != r.due) {
      uncount_overdue(*it);
      it->due = r.due;
      reenter = true;
    }
    if (reenter && it->due) {
      it->version = ++versions_;
      wait_for_due(*it->due, slot, it->version);
    }
    if (!r.outcome.empty()) it->outcome = r.outcome;
    if (r.from == r.to) return;
    if (r.to == "queued" && !it->queued_at) it->queued_at = r.at;
    if (r.to == "offered" && !it->offered) {
      it->offered = true;
      if (iv >= 0 && it->queued_at) {
        cell(g, iv).first_offer_ms += r.at - *it->queued_at;
        cell(g, iv).first_offers++;
      }
    }
    if (r.from == "assigned" && it->assigned_since) it->handle_ms += r.at - *it->assigned_since;
    it->assigned_since.reset();
    if (r.to == "assigned") it->assigned_since = r.at;
    if (is_end_state(r.to)) end(*it, r, iv);
  }

  std::size_t completion_times_held() const {
    std::size_t n = 0;
    for (const auto& row : cells_)
      for (const FlowCell& c : row) n += c.complete_ms.capacity();
    return n;
  }

  stdlib::ParseResult<Table> finish() override {
    using R = stdlib::ParseResult<Table>;
    if (!by_seen_ && by_ != "process" && by_ != "department")
      return R::failure(unknown_dimension(by_, dims_.names()));
    advance(o_.to);
    return R::success(flow_table(o_, intervals_, by_, groups_, cells_));
  }

 private:
  FlowCell& cell(std::size_t g, std::ptrdiff_t iv) {
    if (cells_.size() <= g) cells_.resize(g + 1);
    auto& row = cells_[g];
    if (row.empty()) row.resize(intervals_.size());
    return row[static_cast<std::size_t>(iv)];
  }

  // The item becomes overdue at the end of the first interval that ends after its due, unless
  // that end is passed (then at the next end to come) or it is after the range (never here).
  // Buckets by interval rather than a heap by due: one pass over each at its end.
  void wait_for_due(std::int64_t due, std::uint32_t slot, std::uint32_t version) {
    if (due >= intervals_.to()) return;
    std::size_t k = due < intervals_.from() ? 0 : static_cast<std::size_t>(intervals_.index_of(due));
    k = std::max(k, next_end_);
    if (k < due_at_end_.size()) due_at_end_[k].push_back({slot, version});
  }

  void uncount_overdue(Item& it) {
    if (it.overdue_counted) overdue_[it.group]--;
    it.overdue_counted = false;
    it.version = ++versions_;
  }

  void drop(Item& it) {
    uncount_overdue(it);
    open_[it.group]--;
  }

  void end(Item& it, const history::Record& r, std::ptrdiff_t iv) {
    if (iv >= 0) {
      FlowCell& c = cell(it.group, iv);
      if (r.to == "canceled") c.canceled++;
      if (r.to == "expired") c.expired++;
      if (r.to == "completed") {
        c.completed++;
        if (r.overdue) c.completed_overdue++;
        if (it.captured_at) c.complete_ms.push_back(r.at - *it.captured_at);
        c.handle_ms += it.handle_ms;
        c.handled++;
        c.outcomes[it.outcome.empty() ? std::string(kNone) : it.outcome]++;
      }
    }
    drop(it);
    items_.close(r.item);
  }

  // Closes every interval that ends at or before `t`: the backlog and overdue at its end.
  void advance(std::int64_t t) {
    while (next_end_ < intervals_.size() && intervals_.end(next_end_) <= t) {
      // The open items whose due is before this end are overdue at it; at the end of the
      // interval that holds `now`, those whose due is before now (the end has not come).
      const std::int64_t at = std::min(intervals_.end(next_end_), now_);
      for (const DueEntry& e : due_at_end_[next_end_]) {
        Item& it = items_.at(e.slot);
        if (it.version != e.version || it.overdue_counted || *it.due >= at) continue;
        it.overdue_counted = true;
        overdue_[it.group]++;
      }
      std::vector<DueEntry>().swap(due_at_end_[next_end_]);
      for (std::size_t g = 0; g < groups_.size(); ++g) {
        // No completion lands in an interval once its end is passed: keep what the table prints.
        if (g < cells_.size() && !cells_[g].empty()) settle(cells_[g][next_end_]);
        if (open_[g] == 0 && (cells_.size() <= g || cells_[g].empty())) continue;
        FlowCell& c = cell(g, static_cast<std::ptrdiff_t>(next_end_));
        c.backlog = open_[g];
        c.overdue = overdue_[g];
      }
      ++next_end_;
    }
  }

  Options o_;
  Intervals intervals_;
  std::string by_;
  std::int64_t now_;  // the report's clock: records after it are not counted
  bool by_seen_ = false;
  DimensionNames dims_;
  Names groups_;
  OpenItems<Item> items_;
  std::vector<std::vector<FlowCell>> cells_;  // [group][interval]; empty for a group never counted
  struct Counter {
    std::vector<std::int64_t> v;
    std::int64_t& operator[](std::size_t g) {
      if (v.size() <= g) v.resize(g + 1);
      return v[g];
    }
  } open_, overdue_;  // per group, now
  std::vector<std::vector<DueEntry>> due_at_end_;  // [interval]: the items to check at its end
  std::size_t next_end_ = 0;  // the first interval whose end is not reached
  std::uint32_t versions_ = 0;  // the last version given: unique over slots and their reuse
};

}  // namespace

std::unique_ptr<Builder> make_flow_builder(const Options& o) { return std::make_unique<FlowBuilder>(o); }

std::size_t completion_times_held(const Builder& b) {
  const auto* flow = dynamic_cast<const FlowBuilder*>(&b);
  assert(flow != nullptr && "not an item-flow report's builder");
  return flow->completion_times_held();
}

}  // namespace iwd::reports::detail
