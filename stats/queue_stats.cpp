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
  // By capture instant, so that each group's FIFO takes them all, however old (push_capture).
  std::vector<std::pair<std::int64_t, std::uint32_t>> open;
  const runtime::ItemTable& items = rt.items();
  for (std::size_t i = 0; i < items.size(); ++i)
    if (runtime::is_open(items[i].state)) open.emplace_back(captured_of(items[i]), static_cast<std::uint32_t>(i));
  std::sort(open.begin(), open.end());
  for (const auto& o : open) refresh(o.second, rt);
}

void QueueStats::on_event(const runtime::Event& e, const runtime::Runtime& rt) {
  if (&rt != rt_) {
    reset(rt);  // a reload: the new runtime's events bring every open item back
    now_ = e.at;  // (no item counted yet: any instant will do)
  }
  if (e.item == runtime::kNoId || e.index == runtime::kNoId) return;  // an agent's, or an item never opened
  const std::size_t swept = swept_;
  refresh(e.index, rt);
  most_swept_ = std::max(most_swept_, swept_ - swept);
}


void QueueStats::refresh(std::uint32_t s, const runtime::Runtime& rt) {
  const runtime::ItemTable& items = rt.items();
  const WorkItem* w = s < items.size() && runtime::is_open(items[s].state) ? &items[s] : nullptr;
  const bool held = s < entries_.size() && entries_[s].state != 0;
  if (!w) {
    if (held) remove(s);
    return;
  }
  if (held) {
    Entry& e = entries_[s];
    if (e.cells[0] == static_cast<std::uint32_t>(w->process) && e.captured == captured_of(*w) && e.due == w->clock.due &&
        same_dimensions(s, *w)) {
      // The usual case: a state or priority change.
      const auto state = static_cast<std::uint8_t>(w->state);
      if (e.state != state || e.priority != w->priority) {
        const std::int64_t old_priority = e.priority;
        const std::uint8_t old_state = e.state;
        e.state = state;
        e.priority = w->priority;
        each_cell(s, [&](Cell& c) {
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
    remove(s);
  } else {
    while (entries_.size() <= s) entries_.emplace_back();
    if (dimensions_ >= kInline)
      while (extra_cells_.size() < (std::size_t{s} + 1) * kExtra) extra_cells_.emplace_back();
  }
  insert(s, *w);
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

bool QueueStats::same_dimensions(std::uint32_t entry, const WorkItem& w) const {
  for (int k = 0; k < dimensions_; ++k) {
    const std::uint32_t s = rt_->rules().report_dimension_slots[k];
    const Dimension& d = dims_[static_cast<std::size_t>(k)];
    const std::uint32_t g = group(entry, k);
    if (!w.record.present(s)) {
      if (g != d.absent) return false;
    } else if (g == d.absent || d.values[g] != w.record.get_int(s)) {
      return false;
    }
  }
  return true;
}

template <typename F>
void QueueStats::each_cell(std::uint32_t s, F f) {
  f(processes_[entries_[s].cells[0]]);
  for (int k = 0; k < dimensions_; ++k) f(dims_[static_cast<std::size_t>(k)].cells[group(s, k)]);
}

// Counted at now_ (the ages and due phase as a read at now_ saw them), whatever the event's
// instant: the next read moves the entry on from there with the others.
void QueueStats::insert(std::uint32_t s, const WorkItem& w) {
  Entry& e = entries_[s];
  assert(w.process >= 0 && static_cast<std::size_t>(w.process) < processes_.size());
  e.cells[0] = static_cast<std::uint32_t>(w.process);
  e.captured = captured_of(w);
  e.due = w.clock.due;
  e.priority = w.priority;
  e.state = static_cast<std::uint8_t>(w.state);
  e.phase = static_cast<Phase>(due_phase(e.due, now_));
  const std::uint8_t bucket = age_bucket(now_ - e.captured);
  for (int k = 0; k < dimensions_; ++k) group(s, k) = dimension_group(k, w);
  each_cell(s, [&](Cell& c) {
    ++c.open;
    ++c.by_state[e.state - 1u];
    ++c.ages[bucket];
    if (e.phase == kSoon) ++c.due_soon;
    if (e.phase == kOverdue) ++c.overdue;
    c.priorities.add(e.priority);
    push_capture(c, s, bucket);
  });
  ++live_;
  push_crossing(s);
}

void QueueStats::remove(std::uint32_t s) {
  Entry& e = entries_[s];
  const std::uint8_t bucket = age_bucket(now_ - e.captured);  // where insert and the reads since put it
  if (++e.stamp == kDeadStamp) e.stamp = 0;  // its refs and crossing go stale
  each_cell(s, [&](Cell& c) {
    --c.open;
    --c.by_state[e.state - 1u];
    --c.ages[bucket];
    if (e.phase == kSoon) --c.due_soon;
    if (e.phase == kOverdue) --c.overdue;
    c.priorities.remove(e.priority);
    // Refs of gone items are dropped at the front by a read; past twice the live items a
    // sweep drops them, a few an event, so the group's refs stay within a constant of its items.
    if (c.oldest.in_order.sweeping())
      sweep(c);
    else if (c.oldest.in_order.size() + static_cast<std::size_t>(c.late) > 2 * static_cast<std::size_t>(c.open) + 16)
      compact(c);
  });
  e.state = 0;
  --live_;
}

// The late set (few items) at once, the FIFO by a sweep (sweep(), at the group's events).
void QueueStats::compact(Cell& c) {
  swept_ += c.oldest.late.size();
  std::erase_if(c.oldest.late, [this](const Stamped& s) { return !live(s); });
  c.late = static_cast<std::int32_t>(c.oldest.late.size());
  c.oldest.in_order.start_sweep();
  sweep(c);
}

// kSweepStep refs further: more than the one ref an event adds, so it ends.
void QueueStats::sweep(Cell& c) {
  swept_ += std::min(kSweepStep, c.oldest.in_order.size());
  c.oldest.in_order.sweep([this](const Ref& r) { return live(r); }, [](Ref& r) { r.stamp = kDeadStamp; }, kSweepStep,
                          c.oldest.ages_passed);
}

void QueueStats::push_crossing(std::uint32_t s) {
  const Entry& e = entries_[s];
  if (e.phase == kOverdue || e.phase == kNever) return;
  // Into `due < now + 1h` at due - 1h + 1, into `now > due` at due + 1.
  due_crossings_.push(Stamped{e.phase == kFar ? e.due - kHourMs + 1 : e.due + 1, s, e.stamp});
  // Crossings of items gone or changed are dropped when they come up; past twice the live
  // items' (one each at most) a sweep drops them, kSweepStep a crossing pushed.
  const auto is_live = [this](const Stamped& s) { return live(s); };
  if (due_crossings_.compacting()) {
    swept_ += kSweepStep;
    due_crossings_.compact_step(is_live, [](Stamped& s) { s.stamp = kDeadStamp; }, kSweepStep);
  } else if (due_crossings_.size() > 2 * live_ + 1024) {
    due_crossings_.start_compaction(is_live);
  }
}

void QueueStats::cross(const Stamped& c) {
  Entry& e = entries_[c.entry];
  const auto from = e.phase;
  e.phase = static_cast<Phase>(due_phase(e.due, c.at));
  each_cell(c.entry, [&](Cell& cell) {
    cell.due_soon += (e.phase == kSoon) - (from == kSoon);
    cell.overdue += (e.phase == kOverdue) - (from == kOverdue);
  });
  push_crossing(c.entry);
}

void QueueStats::advance(std::int64_t now) {
  if (now <= now_) return;
  const auto is_live = [this](const Stamped& s) { return live(s); };
  // A crossing queues the entry's next one, later: taken in the same pass if due by now.
  while (const Stamped* t = due_crossings_.top(is_live)) {
    if (t->at > now) break;
    const Stamped c = *t;
    due_crossings_.pop(t);
    cross(c);
  }
  for (Cell& c : processes_) age(c, now);
  for (Dimension& d : dims_)
    for (Cell& c : d.cells) age(c, now);
  now_ = now;
}

// The group's items that passed an age bound between now_ and `now` move to the next bucket:
// those of in_order after the bound's cursor (in capture order: up to the first that has not
// passed it), those of late in the range of instants that passes it.
void QueueStats::age(Cell& c, std::int64_t now) {
  if (c.open == 0) return;  // no live ref: the cursors may lag (push_capture copes)
  Captures& o = c.oldest;
  for (std::size_t b = 1; b < kAgeBuckets; ++b) {
    const std::int64_t bound = kAgeBounds[b];
    std::uint64_t& p = o.ages_passed[b - 1];
    p = std::max(p, o.in_order.begin());
    for (; p < o.in_order.end(); ++p) {
      const Ref r = o.in_order.at(p);
      if (!live(r)) continue;  // gone: counted nowhere
      if (entries_[r.entry].captured + bound > now) break;
      --c.ages[b - 1];
      ++c.ages[b];
    }
    if (c.late == 0) continue;
    // Instants in (now_ - bound, now - bound]: under the bound at now_, at or over it at now.
    auto it = o.late.upper_bound(Stamped{now_ - bound, kNone, kNone});
    while (it != o.late.end() && it->at <= now - bound) {
      if (!live(*it)) {
        it = o.late.erase(it);
        continue;
      }
      --c.ages[b - 1];
      ++c.ages[b];
      ++it;
    }
    c.late = static_cast<std::int32_t>(o.late.size());
  }
}

// In in_order when that keeps it in capture order, else in late. An item already past bounds
// at now_ (a rebuild's, a reload's) puts those bounds' cursors after it: every ref it passes
// that way is stale (a live one after a cursor is younger than the bound at now_, so younger
// than this item, which comes after it in capture order).
void QueueStats::push_capture(Cell& c, std::uint32_t s, std::uint8_t bucket) {
  const Entry& e = entries_[s];
  Captures& o = c.oldest;
  if (o.in_order.sweeping()) sweep(c);
  if (o.in_order.empty() || o.last <= e.captured) {
    o.in_order.push_back(Ref{s, e.stamp});
    o.last = e.captured;
    for (std::uint8_t b = 1; b <= bucket; ++b) o.ages_passed[b - 1u] = o.in_order.end();
  } else {
    o.late.insert(Stamped{e.captured, s, e.stamp});
    c.late = static_cast<std::int32_t>(o.late.size());
  }
}

std::int64_t QueueStats::oldest_of(Cell& c) {
  BlockFifo<Ref>& q = c.oldest.in_order;
  while (!q.empty() && !live(q.front())) q.pop_front();
  auto& late = c.oldest.late;
  while (!late.empty() && !live(*late.begin())) late.erase(late.begin());
  c.late = static_cast<std::int32_t>(late.size());
  if (q.empty()) return late.empty() ? 0 : late.begin()->at;
  const std::int64_t at = entries_[q.front().entry].captured;
  return late.empty() ? at : std::min(late.begin()->at, at);
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
