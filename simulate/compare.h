// Comparison mode of `iwd simulate` (docs/simulate.md): the same arrivals (same seed, each
// stream its own draws) through two setups, A and B, replication by replication; each measure
// on both sides, and the difference B - A with the half-width of its 95% interval over the
// paired replications (common random numbers: the pairs' differences vary far less than two
// independent runs would).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "simulate/simulate.h"

namespace iwd::simulate {

struct Side {
  std::vector<Replication> reps;
  std::vector<std::string> process_names;  // the rules' processes, in Replication::by_process's order
};

// One measure of one scope ("all", or a process's name) on both sides: the means over the
// replications; none on a side whose rules have no such process.
struct Compared {
  std::string scope;
  std::optional<double> a, b;
  std::optional<Interval> difference;  // B - A, paired by replication: on both sides only
};

// Of every item, then of each process either side's items were in (A's order, then B's own),
// the measure `of` compared. Both sides have as many replications (the caller checks).
using MeasureOf = double (*)(const Measures&);
std::vector<Compared> compare(const Side& a, const Side& b, MeasureOf of);

// Values by key (an agent group's name, an interval's start), one per replication: the rows by
// key, A's keys in their order then those only B has, as compare()'s (paired by replication).
using Keyed = std::vector<std::pair<std::string, std::vector<double>>>;
std::vector<Compared> compare_keyed(const Keyed& a, const Keyed& b);

}  // namespace iwd::simulate
