#include "stats/queue_stats.h"

#include <algorithm>
#include <cassert>

#include "stats/values.h"

namespace iwd::stats {

using runtime::ItemState;
using runtime::WorkItem;

namespace {

std::uint8_t age_bucket(std::int64_t age) {
  std::uint8_t b = 0;
  while (b + 1 < kAgeBuckets && age >= kAgeBounds[b + 1]) ++b;
  return b;
}

// kFar, kSoon, kOverdue or kNever (the Phase values) of a due instant at `now`.
std::uint8_t due_phase(std::int64_t due, std::int64_t now) {
  if (due == runtime::abi::kNone) return 3;
  if (now > due) return 2;
  return due < now + kHourMs ? 1 : 0;
}

// What an open item is counted by: the instant it was captured (its clock's start when the
// record has none, as for a record built by hand), and its due instant.
std::int64_t captured_of(const WorkItem& w) {
  return w.record.present(runtime::kSlotCapturedAt) ? w.record.get_int(runtime::kSlotCapturedAt) : w.clock.start;
}


}  // namespace

void QueueStats::reset(const runtime::Runtime& rt) {
  *this = QueueStats();
  rt_ = &rt;
  processes_.resize(static_cast<std::size_t>(rt.rules().process_count));
  dimensions_ = std::min(runtime::abi::report_dimension_count(rt.rules()), runtime::Event::kMaxDimensions);
  dims_.resize(static_cast<std::size_t>(dimensions_));
}

void QueueStats::rebuild(const runtime::Runtime& rt, std::int64_t now) {
  reset(rt);
  now_ = now;
  for (const WorkItem& w : rt.items())
    if (runtime::is_open(w.state)) refresh(w.id, rt, now);
}

void QueueStats::on_event(const runtime::Event& e, const runtime::Runtime& rt) {
  if (&rt != rt_) reset(rt);  // a reload: the new runtime's events bring every open item back
  if (e.item == runtime::kNoId) return;
  if (e.at > now_) advance(e.at);
  refresh(e.item, rt, now_);
}

void QueueStats::refresh(std::uint32_t id, const runtime::Runtime& rt, std::int64_t at) {
  while (entries_.size() <= id) entries_.emplace_back();  // by the interned id: no lookup on the way
  const WorkItem* w = rt.find_item(id);
  if (w && !runtime::is_open(w->state)) w = nullptr;
  Entry& e = entries_[id];
  if (!w) {
    if (e.state != 0) remove(id);
    return;
  }
  if (e.state != 0) {
    if (e.cells[0] == static_cast<std::uint32_t>(w->process) && e.captured == captured_of(*w) && e.due == w->clock.due &&
        same_dimensions(id, *w)) {
      // The usual case: a state or priority change.
      const auto state = static_cast<std::uint8_t>(w->state);
      if (e.state != state || e.priority != w->priority) {
        const std::int64_t old_priority = e.priority;
        const std::uint8_t old_state = e.state;
        e.state = state;
        e.priority = w->priority;
        each_cell(id, [&](Cell& c) {
          --c.by_state[old_state - 1u];
          ++c.by_state[state - 1u];
          if (old_priority != e.priority) {
            c.priorities.remove(old_priority);
            c.priorities.add(e.priority);
          }
        });
      }
      return;
    }
    remove(id);
  }
  if (dimensions_ >= kInline)
    while (extra_cells_.size() < (std::size_t{id} + 1) * kExtra) extra_cells_.emplace_back();
  insert(id, *w, at);
}

std::uint32_t QueueStats::dimension_group(int k, const WorkItem& w) {
  Dimension& d = dims_[static_cast<std::size_t>(k)];
  const std::uint32_t s = rt_->rules().report_dimension_slots[k];
  auto add = [&d](std::int64_t value) {
    d.values.push_back(value);
    d.cells.emplace_back();
    return static_cast<std::uint32_t>(d.cells.size() - 1);
  };
  if (!w.record.present(s)) {
    if (d.absent == kNone) d.absent = add(0);
    return d.absent;
  }
  const std::int64_t v = w.record.get_int(s);
  return d.group_of.find_or_add(v, [&] { return add(v); });
}

bool QueueStats::same_dimensions(std::uint32_t id, const WorkItem& w) const {
  for (int k = 0; k < dimensions_; ++k) {
    const std::uint32_t s = rt_->rules().report_dimension_slots[k];
    const Dimension& d = dims_[static_cast<std::size_t>(k)];
    const std::uint32_t g = group(id, k);
    if (!w.record.present(s)) {
      if (g != d.absent) return false;
    } else if (g == d.absent || d.values[g] != w.record.get_int(s)) {
      return false;
    }
  }
  return true;
}

template <typename F>
void QueueStats::each_cell(std::uint32_t id, F f) {
  f(processes_[entries_[id].cells[0]]);
  for (int k = 0; k < dimensions_; ++k) f(dims_[static_cast<std::size_t>(k)].cells[group(id, k)]);
}

void QueueStats::insert(std::uint32_t id, const WorkItem& w, std::int64_t at) {
  Entry& e = entries_[id];
  assert(w.process >= 0 && static_cast<std::size_t>(w.process) < processes_.size());
  e.cells[0] = static_cast<std::uint32_t>(w.process);
  e.captured = captured_of(w);
  e.due = w.clock.due;
  e.priority = w.priority;
  e.state = static_cast<std::uint8_t>(w.state);
  e.age = age_bucket(at - e.captured);
  e.phase = static_cast<Phase>(due_phase(e.due, at));
  for (int k = 0; k < dimensions_; ++k) group(id, k) = dimension_group(k, w);
  each_cell(id, [&](Cell& c) {
    ++c.open;
    ++c.by_state[e.state - 1u];
    ++c.ages[e.age];
    if (e.phase == kSoon) ++c.due_soon;
    if (e.phase == kOverdue) ++c.overdue;
    c.priorities.add(e.priority);
    push_capture(c.oldest, id);
  });
  ++live_;
  push_crossing(id, false);
  push_crossing(id, true);
}

void QueueStats::remove(std::uint32_t id) {
  Entry& e = entries_[id];
  each_cell(id, [&](Cell& c) {
    --c.open;
    --c.by_state[e.state - 1u];
    --c.ages[e.age];
    if (e.phase == kSoon) --c.due_soon;
    if (e.phase == kOverdue) --c.overdue;
    c.priorities.remove(e.priority);
    // Entries of gone items are dropped at the front; past twice the live items they are
    // dropped all at once, so the queue stays within a constant of them.
    if (c.oldest.size() > 2 * static_cast<std::size_t>(c.open) + 16) {
      ++e.stamp;  // this entry's own goes stale too
      c.oldest.in_order.filter([this](const Ref& r) { return entries_[r.entry].stamp == r.stamp; });
      c.oldest.late.compact([this](const Stamped& s) { return live(s); });
      --e.stamp;
    }
  });
  ++e.stamp;
  e.state = 0;
  --live_;
}

void QueueStats::push_crossing(std::uint32_t id, bool due) {
  const Entry& e = entries_[id];
  if (due) {
    if (e.phase == kOverdue || e.phase == kNever) return;
    // Into `due < now + 1h` at due - 1h + 1, into `now > due` at due + 1.
    due_crossings_.push(Stamped{e.phase == kFar ? e.due - kHourMs + 1 : e.due + 1, id, e.stamp});
  } else {
    if (e.age + 1 >= kAgeBuckets) return;
    age_crossings_[e.age + 1u].push(Stamped{e.captured + kAgeBounds[e.age + 1u], id, e.stamp});
  }
  // Crossings of items gone or changed are dropped when they come up; past twice the live
  // items' (two each at most) they are dropped all at once.
  std::size_t queued = due_crossings_.size();
  for (const auto& q : age_crossings_) queued += q.size();
  if (queued > 4 * live_ + 1024) {
    const auto is_live = [this](const Stamped& s) { return live(s); };
    due_crossings_.compact(is_live);
    for (auto& q : age_crossings_) q.compact(is_live);
  }
}

void QueueStats::cross(const Stamped& c, bool due) {
  Entry& e = entries_[c.entry];
  if (due) {
    const auto from = e.phase;
    e.phase = static_cast<Phase>(due_phase(e.due, c.at));
    each_cell(c.entry, [&](Cell& cell) {
      cell.due_soon += (e.phase == kSoon) - (from == kSoon);
      cell.overdue += (e.phase == kOverdue) - (from == kOverdue);
    });
  } else {
    const std::uint8_t from = e.age;
    e.age = age_bucket(c.at - e.captured);
    each_cell(c.entry, [&](Cell& cell) {
      --cell.ages[from];
      ++cell.ages[e.age];
    });
  }
  push_crossing(c.entry, due);
}

void QueueStats::advance(std::int64_t now) {
  now_ = std::max(now_, now);
  const auto is_live = [this](const Stamped& s) { return live(s); };
  // Each crossing may queue the entry's next one (in another age queue, or the due queue):
  // round again until none is due.
  for (bool crossed = true; crossed;) {
    crossed = false;
    for (int k = 0; k <= kAgeBuckets; ++k) {
      MinQueue<Stamped>& q = k < kAgeBuckets ? age_crossings_[static_cast<std::size_t>(k)] : due_crossings_;
      while (const Stamped* t = q.top(is_live)) {
        if (t->at > now_) break;
        const Stamped c = *t;
        q.pop(t);
        cross(c, k == kAgeBuckets);
        crossed = true;
      }
    }
  }
}

void QueueStats::push_capture(Captures& c, std::uint32_t id) {
  const Entry& e = entries_[id];
  if (c.in_order.empty() || c.last <= e.captured) {
    c.in_order.push_back(Ref{id, e.stamp});
    c.last = e.captured;
  } else {
    c.late.push(Stamped{e.captured, id, e.stamp});
  }
}

std::int64_t QueueStats::oldest_of(Cell& c) const {
  BlockFifo<Ref>& q = c.oldest.in_order;
  while (!q.empty() && entries_[q.front().entry].stamp != q.front().stamp) q.pop_front();
  const Stamped* t = c.oldest.late.top([this](const Stamped& s) { return live(s); });
  if (q.empty()) return t ? t->at : 0;
  const std::int64_t at = entries_[q.front().entry].captured;
  return t ? std::min(t->at, at) : at;
}

std::vector<std::string> QueueStats::groupings(const runtime::Runtime& rt) {
  std::vector<std::string> out{"department", "process"};
  const int n = std::min(runtime::abi::report_dimension_count(rt.rules()), runtime::Event::kMaxDimensions);
  for (int k = 0; k < n; ++k) out.emplace_back(rt.rules().report_dimension_names[k]);
  return out;
}

void QueueStats::merge(GroupFigures& into, const Cell& c, std::int64_t oldest_age) {
  if (c.open == 0) return;
  const bool first = into.open == 0;
  for (int s = 0; s < kOpenStates; ++s) into.by_state[static_cast<std::size_t>(s)] += c.by_state[static_cast<std::size_t>(s)];
  for (int b = 0; b < kAgeBuckets; ++b) into.ages[static_cast<std::size_t>(b)] += c.ages[static_cast<std::size_t>(b)];
  into.open += c.open;
  into.overdue += c.overdue;
  into.due_next_hour += c.due_soon;
  const std::int64_t lo = c.priorities.min(), hi = c.priorities.max();
  into.oldest_age = first ? oldest_age : std::max(into.oldest_age, oldest_age);
  into.priority_min = first ? lo : std::min(into.priority_min, lo);
  into.priority_max = first ? hi : std::max(into.priority_max, hi);
}

std::optional<std::vector<GroupFigures>> QueueStats::figures(const runtime::Runtime& rt, std::string_view by,
                                                             std::int64_t now) {
  const std::vector<std::string> names = groupings(rt);
  const auto which = std::find(names.begin(), names.end(), by);
  if (which == names.end()) return std::nullopt;
  if (&rt != rt_) rebuild(rt, now);  // nothing fed yet (a test, or a runtime with no events)
  advance(now);
  std::vector<GroupFigures> out;
  const auto& rules = rt.rules();
  auto figure = [&](Cell& c, std::string name, GroupFigures* into) {
    if (c.open == 0) return;
    GroupFigures fresh;
    if (!into) into = &fresh;
    if (into->open == 0) into->name = std::move(name);
    merge(*into, c, now_ - oldest_of(c));
    if (into == &fresh) out.push_back(std::move(fresh));
  };
  if (by == "process") {
    for (std::size_t p = 0; p < processes_.size(); ++p) figure(processes_[p], rules.process_names[p], nullptr);
  } else if (by == "department") {
    // A department's figures are its processes' together (the default process has none: "").
    std::vector<GroupFigures> departments(static_cast<std::size_t>(rules.department_count) + 1);
    for (std::size_t p = 0; p < processes_.size(); ++p) {
      const std::int32_t d = rules.process_departments[p];
      figure(processes_[p], d < 0 ? "" : rules.department_names[d],
             &departments[d < 0 ? departments.size() - 1 : static_cast<std::size_t>(d)]);
    }
    for (auto& g : departments)
      if (g.open > 0) out.push_back(std::move(g));
  } else {
    const auto k = static_cast<std::size_t>(which - names.begin() - 2);
    Dimension& d = dims_[k];
    for (std::size_t g = 0; g < d.cells.size(); ++g)
      figure(d.cells[g], g == d.absent ? "" : value_text(rt, rules.report_dimension_slots[k], d.values[g]), nullptr);
  }
  std::sort(out.begin(), out.end(), [](const GroupFigures& a, const GroupFigures& b) { return a.name < b.name; });
  return out;
}

}  // namespace iwd::stats
