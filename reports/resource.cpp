// resource-performance: per agent and interval, the offers and their answers, the items
// finished, the time spent on items (handle), in each agent state, and busy (holding an
// assigned item). Times are split at interval boundaries; counts go to the event's interval.
#include <algorithm>
#include <limits>
#include <map>
#include <optional>
#include <set>

#include "reports/builders.h"

namespace iwd::reports::detail {
namespace {

struct Cell {
  std::int64_t offered = 0, accepted = 0, rejected = 0, rona = 0, completed = 0;
  std::int64_t handle_ms = 0;                 // time items were assigned to the agent
  std::int64_t finished_ms = 0, finished = 0;  // work segments ended by done or complete
  std::int64_t ready_ms = 0, not_ready_ms = 0, busy_ms = 0;
  std::map<std::string, std::int64_t> not_ready_by_reason;

  bool empty() const {
    return offered == 0 && completed == 0 && handle_ms == 0 && ready_ms == 0 && not_ready_ms == 0 && busy_ms == 0 &&
           accepted == 0 && rejected == 0 && rona == 0;
  }
};

struct Agent {
  std::string state = "logged_out";
  std::string reason;
  std::optional<std::int64_t> since;  // when `state` began (unknown before the agent's first event)
  int assigned = 0;                   // items it holds in `assigned`
  std::int64_t busy_since = 0;
};

struct Work {  // an item in `assigned`
  std::size_t agent = 0;
  std::int64_t since = 0;
};

class ResourceBuilder final : public Builder {
 public:
  explicit ResourceBuilder(const Options& o) : o_(o), intervals_(o.from, o.to, o.interval, *o.zone) {}

  void add(const history::Record& r) override {
    if (o_.now && r.at > *o_.now) return;  // not happened yet
    last_at_ = std::max(last_at_, r.at);
    if (r.at >= o_.to) return;
    if (r.kind == history::RecordKind::Agent) return agent_event(r);
    if (r.kind != history::RecordKind::Item) return;
    const std::ptrdiff_t iv = intervals_.index_of(r.at);
    if (r.to == "offered" && r.from != "offered" && iv >= 0) cell(r.agent, iv).offered++;
    if (r.from == "offered" && r.to != "offered" && iv >= 0 && !r.agent.empty()) {
      if (r.to == "assigned") cell(r.agent, iv).accepted++;
      if (r.reason == "reject") cell(r.agent, iv).rejected++;
      if (r.reason == "offer_timeout") cell(r.agent, iv).rona++;
    }
    if (r.from == "parked" && r.to == "completed" && iv >= 0 && !r.agent.empty()) cell(r.agent, iv).completed++;
    // A work segment ends when the item leaves `assigned` or moves to another agent.
    if (Work* w = work_.find(r.item); w != nullptr && (r.to != "assigned" || r.agent != agents_.name(w->agent))) {
      end_work(*w, r.at);
      if (r.to == "done_pending" || r.to == "completed") {
        if (iv >= 0) {
          Cell& c = cell(w->agent, iv);
          c.completed++;
          c.finished_ms += r.at - w->since;
          c.finished++;
        }
      }
      work_.close(r.item);
    }
    if (r.to == "assigned" && !r.agent.empty() && work_.find(r.item) == nullptr) {
      Work& w = work_.open(r.item);
      w.agent = agents_.id(r.agent);
      w.since = r.at;
      Agent& a = agent(w.agent);
      if (a.assigned++ == 0) a.busy_since = r.at;
    }
  }

  stdlib::ParseResult<Table> finish() override {
    // What is still going on is counted up to `to`, or to `now` before it (without a clock,
    // to the history's last instant).
    const std::int64_t end = std::min(o_.to, o_.now.value_or(last_at_));
    work_.for_each([&](const std::string&, Work& w) { end_work(w, end); });
    for (std::size_t id = 0; id < state_.size(); ++id) close_state(id, end);
    return stdlib::ParseResult<Table>::success(table());
  }

 private:
  Agent& agent(std::size_t id) {
    if (state_.size() <= id) state_.resize(id + 1);
    return state_[id];
  }
  Cell& cell(std::size_t id, std::ptrdiff_t iv) {
    if (cells_.size() <= id) cells_.resize(id + 1);
    if (cells_[id].empty()) cells_[id].resize(intervals_.size());
    return cells_[id][static_cast<std::size_t>(iv)];
  }
  Cell& cell(const std::string& name, std::ptrdiff_t iv) { return cell(agents_.id(name), iv); }

  // Adds [begin, end) to a time measure of the agent, split over the intervals it overlaps.
  template <typename F>
  void spread(std::size_t id, std::int64_t begin, std::int64_t end, F&& add) {
    begin = std::max(begin, o_.from);
    end = std::min(end, o_.to);
    while (begin < end) {
      const auto iv = intervals_.index_of(begin);
      const std::int64_t stop = std::min(end, intervals_.end(static_cast<std::size_t>(iv)));
      add(cell(id, iv), stop - begin);
      begin = stop;
    }
  }

  void end_work(const Work& w, std::int64_t at) {
    spread(w.agent, w.since, at, [](Cell& c, std::int64_t ms) { c.handle_ms += ms; });
    Agent& a = agent(w.agent);
    if (--a.assigned == 0) spread(w.agent, a.busy_since, at, [](Cell& c, std::int64_t ms) { c.busy_ms += ms; });
  }

  void close_state(std::size_t id, std::int64_t at) {
    Agent& a = agent(id);
    if (!a.since) return;
    if (a.state == "ready") spread(id, *a.since, at, [](Cell& c, std::int64_t ms) { c.ready_ms += ms; });
    if (a.state == "not_ready") {
      const std::string reason = a.reason.empty() ? std::string(kNone) : a.reason;
      spread(id, *a.since, at, [&](Cell& c, std::int64_t ms) {
        reasons_.insert(reason);
        c.not_ready_ms += ms;
        c.not_ready_by_reason[reason] += ms;
      });
    }
    a.since = at;
  }

  void agent_event(const history::Record& r) {
    const std::size_t id = agents_.id(r.agent);
    close_state(id, r.at);
    Agent& a = agent(id);
    a.state = r.to;
    a.reason = r.to == "not_ready" ? r.reason : std::string();
    a.since = r.at;
  }

  Table table() {
    Table t;
    t.title = "Resource performance, " + intervals_.label(0) + " to " + local_time(o_.to, *o_.zone) + ", every " +
              std::string(interval_name(o_.interval)) + " (" + o_.zone->name() + ")";
    t.columns = {{"interval", CellType::Text},    {"agent", CellType::Text},        {"offered", CellType::Count},
                 {"accepted", CellType::Count},   {"rejected", CellType::Count},    {"rona", CellType::Count},
                 {"completed", CellType::Count},  {"handle", CellType::Duration},   {"avg_handle", CellType::Duration},
                 {"ready", CellType::Duration},   {"not_ready", CellType::Duration}, {"busy", CellType::Duration},
                 {"occupancy", CellType::Percent}};
    for (const auto& reason : reasons_) t.columns.push_back({"not_ready_" + reason, CellType::Duration});
    std::vector<std::size_t> order(agents_.size());
    for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
    std::sort(order.begin(), order.end(), [&](auto a, auto b) { return agents_.name(a) < agents_.name(b); });
    for (std::size_t i = 0; i < intervals_.size(); ++i)
      for (std::size_t id : order) {
        if (id >= cells_.size() || cells_[id].empty() || cells_[id][i].empty()) continue;
        const Cell& c = cells_[id][i];
        reports::Cell avg = std::monostate{}, occupancy = std::monostate{};
        if (c.finished > 0) avg = static_cast<double>(c.finished_ms) / static_cast<double>(c.finished);
        const std::int64_t logged_in = c.ready_ms + c.not_ready_ms;
        if (logged_in > 0) occupancy = 100.0 * static_cast<double>(c.busy_ms) / static_cast<double>(logged_in);
        // One by one: g++ 12 sees an uninitialized string in an initializer list of variants.
        std::vector<reports::Cell> row;
        row.emplace_back(intervals_.label(i));
        row.emplace_back(agents_.name(id));
        for (std::int64_t n : {c.offered, c.accepted, c.rejected, c.rona, c.completed, c.handle_ms})
          row.emplace_back(n);
        row.push_back(avg);
        for (std::int64_t n : {c.ready_ms, c.not_ready_ms, c.busy_ms}) row.emplace_back(n);
        row.push_back(occupancy);
        for (const auto& reason : reasons_) {
          auto it = c.not_ready_by_reason.find(reason);
          const std::int64_t ms = it == c.not_ready_by_reason.end() ? 0 : it->second;
          row.emplace_back(ms);
        }
        t.rows.push_back(std::move(row));
      }
    return t;
  }

  Options o_;
  Intervals intervals_;
  Names agents_;
  std::vector<Agent> state_;
  std::vector<std::vector<Cell>> cells_;  // [agent][interval]
  OpenItems<Work> work_;
  std::set<std::string> reasons_;  // not-ready reasons with time in the range
  std::int64_t last_at_ = std::numeric_limits<std::int64_t>::min();
};

}  // namespace

std::unique_ptr<Builder> make_resource_builder(const Options& o) { return std::make_unique<ResourceBuilder>(o); }

}  // namespace iwd::reports::detail
