// A report over a history store (history/store.h): the options from their text (the same for
// `iwd report` and `GET /v1/reports/KIND`), and the one pass that reads the store for them.
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "history/store.h"
#include "reports/report.h"
#include "reports/table.h"
#include "stdlib/result.h"

namespace iwd::reports {

// The options as the user gave them, as text; empty: the default.
struct Request {
  std::string kind, from, to, by, interval, tz, item;
};

// Checks every option, naming the first bad one in the error as the user wrote it
// (`--from` or `from` is `param_prefix` + "from"): the kind, the zone (default UTC), the
// range (an instant, or a date read as the zone's local midnight; from before to), the interval
// (default 15m), and what the kind needs (--by, --item).
stdlib::ParseResult<Options> parse_request(const Request& request, const std::string& param_prefix);

// Computes the report from the store: the records from the history's beginning to `to` in seq
// order (an item's through its index for task-detail), and the first one after, which tells
// that the history goes on to `to`. Without options.now, now is the history's last record's
// instant (Options::now: the rows end with the interval that holds it). An error (for the user) when the range starts before what
// retention kept, or when the history contradicts the options (an unknown --by); `failed` is
// set when the store could not be read (an environment failure, not the user's).
// `progress` is called with the number of records read, every million.
stdlib::ParseResult<Table> run_report(history::Store& store, const Options& options, bool* failed,
                                      const std::function<void(std::int64_t)>& progress = {});

}  // namespace iwd::reports
