// `iwd simulate --chart FILE`: an SVG of the backlog and the service level over the run, each
// 15 minutes from the start, the means over the replications; plain SVG that a browser shows
// without other tools (docs/simulate.md).
#pragma once

#include <string>
#include <vector>

#include "simulate/simulate.h"

namespace iwd::simulate {

// Two panels, one above the other, 960 x 640: the mean number waiting to be taken, from 0 to
// its highest value; the share of the items captured in the interval taken within
// run.answer_within, from 0 to 100% (no point where no item was captured). The x axis is
// labelled with the intervals' start, eight times at most.
std::string chart_svg(const std::vector<Replication>& reps, const Run& run, const std::string& title);

}  // namespace iwd::simulate
