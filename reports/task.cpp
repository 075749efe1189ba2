// task-detail (one item's every event) and task-work-detail (the work segments of the items
// that more than one agent worked on).
#include <algorithm>
#include <optional>
#include <set>

#include "reports/builders.h"

namespace iwd::reports::detail {
namespace {

std::string_view kind_name(history::RecordKind k) {
  switch (k) {
    case history::RecordKind::Item: return "item";
    case history::RecordKind::Priority: return "priority";
    case history::RecordKind::Widen: return "widen";
    case history::RecordKind::Agent: return "agent";
  }
  return "?";
}

class TaskBuilder final : public Builder {
 public:
  explicit TaskBuilder(const Options& o) : o_(o) {
    t_.title = "Task detail of " + o.item + ", " + local_time(o.from, *o.zone) + " to " + local_time(o.to, *o.zone) +
               " (" + o.zone->name() + ")";
    t_.columns = {{"seq", CellType::Count},     {"at", CellType::Text},        {"event", CellType::Text},
                  {"from", CellType::Text},     {"to", CellType::Text},        {"reason", CellType::Text},
                  {"agent", CellType::Text},    {"process", CellType::Text},   {"priority", CellType::Count},
                  {"due", CellType::Text},      {"overdue", CellType::Text},   {"outcome", CellType::Text},
                  {"actor", CellType::Text},    {"detail", CellType::Text}};
  }

  void add(const history::Record& r) override {
    if (r.item != o_.item || r.at < o_.from || r.at >= o_.to || (o_.now && r.at > *o_.now)) return;
    auto text = [](const std::string& s) -> reports::Cell {
      if (s.empty()) return std::monostate{};
      return s;
    };
    std::string what = std::string(kind_name(r.kind));
    if (r.kind == history::RecordKind::Widen) what += " stage " + std::to_string(r.stage);
    reports::Cell from = text(r.from), to = text(r.to);
    if (r.kind == history::RecordKind::Priority) {  // from and to: the priorities
      from = std::to_string(r.previous_priority);
      to = std::to_string(r.priority);
    }
    t_.rows.push_back({r.seq, local_time(r.at, *o_.zone), what, from, to, text(r.reason),
                       text(r.agent), text(r.process), r.priority,
                       r.due ? reports::Cell(local_time(*r.due, *o_.zone)) : reports::Cell(std::monostate{}),
                       std::string(r.overdue ? "yes" : "no"), text(r.outcome), text(r.actor), text(r.detail)});
  }

  stdlib::ParseResult<Table> finish() override { return stdlib::ParseResult<Table>::success(std::move(t_)); }

 private:
  Options o_;
  Table t_;
};

struct Segment {
  std::string agent;
  std::int64_t begin = 0;
  std::optional<std::int64_t> end;  // none: still working at the history's end
  std::string began_by, ended_by;   // the reasons of the events that opened and closed it
};

struct Life {  // one item from capture to its end
  std::string process;
  std::vector<Segment> segments;
};

class WorkBuilder final : public Builder {
 public:
  explicit WorkBuilder(const Options& o) : o_(o) {}

  void add(const history::Record& r) override {
    if (r.kind != history::RecordKind::Item || r.to == "rejected" || r.at >= o_.to || (o_.now && r.at > *o_.now))
      return;
    Life* life = lives_.find(r.item);
    if (life == nullptr || r.from == "none") life = &lives_.open(r.item);
    if (!r.process.empty()) life->process = r.process;
    Segment* open = life->segments.empty() || life->segments.back().end ? nullptr : &life->segments.back();
    if (open != nullptr && (r.to != "assigned" || r.agent != open->agent)) {
      open->end = r.at;
      open->ended_by = r.reason;
      open = nullptr;
    }
    if (r.to == "assigned" && open == nullptr && !r.agent.empty())
      life->segments.push_back({r.agent, r.at, std::nullopt, r.reason, {}});
    if (is_end_state(r.to)) {
      emit(r.item, *life);
      lives_.close(r.item);
    }
  }

  stdlib::ParseResult<Table> finish() override {
    lives_.for_each([&](const std::string& id, Life& life) { emit(id, life); });
    std::sort(rows_.begin(), rows_.end(), [](const Row& a, const Row& b) {
      return std::tie(a.item, a.segment.begin) < std::tie(b.item, b.segment.begin);
    });
    Table t;
    t.title = "Task work detail, " + local_time(o_.from, *o_.zone) + " to " + local_time(o_.to, *o_.zone) + " (" +
              o_.zone->name() + ")";
    t.columns = {{"item", CellType::Text},   {"process", CellType::Text},      {"agent", CellType::Text},
                 {"start", CellType::Text},  {"end", CellType::Text},          {"duration", CellType::Duration},
                 {"began_by", CellType::Text}, {"ended_by", CellType::Text}};
    for (const Row& row : rows_) {
      const Segment& s = row.segment;
      reports::Cell end = std::monostate{}, duration = std::monostate{}, ended_by = std::monostate{};
      if (s.end) {
        end = local_time(*s.end, *o_.zone);
        duration = *s.end - s.begin;
        ended_by = s.ended_by;
      }
      t.rows.push_back({row.item, row.process, s.agent, local_time(s.begin, *o_.zone), end, duration, s.began_by,
                        ended_by});
    }
    return stdlib::ParseResult<Table>::success(std::move(t));
  }

 private:
  struct Row {
    std::string item, process;
    Segment segment;
  };

  // The segments in the range of an item whose life had more than one agent.
  void emit(const std::string& id, const Life& life) {
    std::set<std::string_view> agents;
    for (const Segment& s : life.segments) agents.insert(s.agent);
    if (agents.size() < 2) return;
    for (const Segment& s : life.segments)
      if (s.begin < o_.to && (!s.end || *s.end > o_.from || (*s.end == s.begin && s.begin >= o_.from)))
        rows_.push_back({id, life.process, s});
  }

  Options o_;
  OpenItems<Life> lives_;
  std::vector<Row> rows_;
};

}  // namespace

std::unique_ptr<Builder> make_task_builder(const Options& o) { return std::make_unique<TaskBuilder>(o); }
std::unique_ptr<Builder> make_work_builder(const Options& o) { return std::make_unique<WorkBuilder>(o); }

}  // namespace iwd::reports::detail
