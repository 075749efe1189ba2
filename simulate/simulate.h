// `iwd simulate`: the real runtime on a simulated clock, fed by a scenario's arrivals and
// worked by its simulated agents (docs/simulate.md). Same scenario and seed, same results.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "runtime/abi.h"
#include "runtime/events.h"
#include "runtime/intern.h"
#include "runtime/runtime.h"
#include "simulate/scenario.h"

namespace iwd::simulate {

// What one replication measured over its window [start + warmup, start + length), of all items
// or of one process's: waits are from capture until an agent first takes the item (the first
// accepted offer: the first offer itself unless RONA let it ring out), of the items captured in
// the window (an item counts for the process it was first in).
struct Measures {
  std::int64_t arrivals = 0;        // items captured in the window
  std::int64_t waited = 0;          // of them, not taken at once
  std::int64_t answered_within = 0; // of them, taken within run.answer_within
  double mean_wait_s = 0;
  double p50_s = 0, p90_s = 0, p95_s = 0, p99_s = 0;
  // Little's law over the window: L the time-average of items waiting to be taken,
  // lambda the arrivals per second, W the mean wait.
  double little_l = 0, little_lambda = 0, little_w_s = 0;
};

struct Replication : Measures {
  std::vector<Measures> by_process;  // one per process of the rules, in their order
  std::int64_t peak_open = 0;        // the most items open at once (what memory grows with)
  // Per agent group, in the scenario's order: of its agents' logged-in time in the window, the
  // percentage they held at least one item.
  std::vector<double> occupancy_by_group;
  // Backlog over time: the mean number of items waiting to be taken in each 15-minute interval
  // from the start (warm-up included) to the end.
  std::vector<double> backlog_by_interval;
  // Service level over time: in each 15-minute interval from the start to the end, the items
  // captured, and of them those taken within run.answer_within.
  std::vector<std::int64_t> captured_by_interval, answered_within_by_interval;
};

struct Options {
  // Each runtime event, with the replication's number (from 0) and the runtime: the history
  // writer of `iwd simulate --history` (history/recorder.h).
  std::function<void(int, const runtime::Event&, const runtime::Runtime&)> observe;
  // How far the run is: the replication's number (from 0) and the simulated time reached (ms
  // from the start, up to the run's length), each hundredth of the length and at its end.
  std::function<void(int, std::int64_t)> progress;
};

// Runs every replication. False and *error when the rules cannot be used or a capture is
// refused (a value the rules' decoder does not take).
bool run(const runtime::abi::RulesV1& rules, runtime::StringPool& pool, const Scenario& scenario, const Options& options,
         std::vector<Replication>* out, std::string* error);

// The mean of per-replication values and the half-width of its 95% interval (Student's t with
// n - 1 degrees of freedom; 0 for one value).
struct Interval {
  double mean = 0, half_width = 0;
};
Interval interval95(const std::vector<double>& values);

// The rules' item schema, for parse_scenario: from a runtime made and dropped at once.
bool schema_of(const runtime::abi::RulesV1& rules, runtime::StringPool& pool, runtime::Schema* schema, std::string* error);

}  // namespace iwd::simulate
