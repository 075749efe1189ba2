// The queue statistics' figures as a brute-force scan of the runtime computes them (the
// tests of stats/queue_stats.h compare the views with it).
#pragma once

#include <algorithm>
#include <map>
#include <string>
#include <vector>

#include "runtime/runtime.h"
#include "stats/queue_stats.h"
#include "stats/values.h"
#include "tests/unit/runtime/harness.h"

namespace iwd::stats {

// The figures of grouping `by` as a scan of every open item computes them.
inline std::vector<GroupFigures> scan(const runtime::Runtime& rt, const std::string& by, std::int64_t now) {
  std::map<std::string, GroupFigures> groups;
  const auto& rules = rt.rules();
  using namespace runtime;
  using runtime::testing::kDay;
  using runtime::testing::kHour;
  for (const WorkItem& w : rt.items()) {
    if (!is_open(w.state)) continue;
    std::string name;
    if (by == "process") {
      name = rules.process_names[w.process];
    } else if (by == "department") {
      const std::int32_t d = rules.process_departments[w.process];
      name = d < 0 ? "" : rules.department_names[d];
    } else {
      int k = 0;
      while (rules.report_dimension_names[k] != by) ++k;
      const std::uint32_t slot = rules.report_dimension_slots[k];
      name = w.record.present(slot) ? value_text(rt, slot, w.record.get_int(slot)) : "";
    }
    GroupFigures& g = groups[name];
    g.name = name;
    const std::int64_t age = now - w.record.get_int(kSlotCapturedAt);
    const bool first = g.open++ == 0;
    ++g.by_state[static_cast<std::size_t>(w.state) - 1];
    g.oldest_age = first ? age : std::max(g.oldest_age, age);
    g.priority_min = first ? w.priority : std::min(g.priority_min, w.priority);
    g.priority_max = first ? w.priority : std::max(g.priority_max, w.priority);
    ++g.ages[age < kHour ? 0 : age < 4 * kHour ? 1 : age < kDay ? 2 : age < 3 * kDay ? 3 : 4];
    if (w.clock.due != abi::kNone && now > w.clock.due) ++g.overdue;
    if (w.clock.due != abi::kNone && w.clock.due >= now && w.clock.due < now + kHour) ++g.due_next_hour;
  }
  std::vector<GroupFigures> out;
  for (auto& [name, g] : groups) out.push_back(g);
  return out;
}

}  // namespace iwd::stats
