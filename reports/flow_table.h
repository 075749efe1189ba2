// Private to reports/: the item-flow reports' cells (per group and interval) and the tables
// made of them, shared by the pass over records (flow.cpp) and the reading of the history's
// aggregates (aggregated.cpp), so that both print the same bytes for the same counts.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "reports/builders.h"
#include "reports/intervals.h"
#include "reports/table.h"

namespace iwd::reports::detail {

struct FlowCell {
  std::int64_t entered = 0, completed = 0, canceled = 0, expired = 0, rejected = 0;
  std::int64_t backlog = 0, overdue = 0;  // at the interval's end
  std::int64_t completed_overdue = 0;
  // Capture to completion of the completed items, until the interval's end is passed; then
  // settle() reduces them to what the table prints, so a builder holds one interval's values.
  std::vector<std::int64_t> complete_ms;
  std::int64_t settled_n = 0, settled_sum_ms = 0;  // of the values settled
  std::optional<std::int64_t> settled_p90_ms;
  std::int64_t handle_ms = 0, handled = 0;
  std::int64_t first_offer_ms = 0, first_offers = 0;
  std::map<std::string, std::int64_t> outcomes;

  bool empty() const {
    return entered == 0 && completed == 0 && canceled == 0 && expired == 0 && rejected == 0 && backlog == 0 &&
           first_offers == 0;
  }
};

// Moves c.complete_ms into the settled count, sum and 90th percentile (nearest rank), freeing
// the vector. Exact when every value comes before the settling, as the records' `at` never
// decreases; values settled later (a history out of time order) keep count and sum exact and
// the larger of the two percentiles.
void settle(FlowCell& c);

// The report of kind o.kind (intraday-process, segment-service-level or outcome) from the
// cells [group][interval] (a group's row empty when it was never counted): the cells with
// something in them, by interval then group name. Settles the cells it prints.
Table flow_table(const Options& o, const Intervals& intervals, const std::string& by, const Names& groups,
                 std::vector<std::vector<FlowCell>>& cells);

// For tests: the completion times a flow builder (make_flow_builder) holds unsettled, in
// the capacity of its cells' vectors: one interval's at most while the records go forward.
std::size_t completion_times_held(const Builder& b);

}  // namespace iwd::reports::detail
