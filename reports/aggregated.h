// Private to reports/: the item-flow reports answered from the history's aggregates
// (history/aggregates.h) instead of a pass over the records (docs/reporting.md, "Aggregates").
#pragma once

#include <optional>

#include "history/aggregates.h"
#include "reports/report.h"
#include "reports/table.h"
#include "stdlib/result.h"

namespace iwd::reports::detail {

// The report, or nullopt when the aggregates cannot answer it exactly (another kind, intervals
// not made of whole 15-minute UTC buckets, a grouping not kept from the history's first item
// record): then the records answer. A failure with *failed set when the store cannot be read.
std::optional<stdlib::ParseResult<Table>> aggregated_report(history::Aggregates& aggregates, const Options& o,
                                                            bool* failed);

}  // namespace iwd::reports::detail
