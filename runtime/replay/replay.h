// `iwd replay`: drives a Runtime on a simulated clock from a script of JSON lines and prints
// every event as a JSON line. Formats: docs/replay.md. Same script, same output, byte for byte.
#pragma once

#include <cstdint>
#include <functional>
#include <iosfwd>
#include <memory>
#include <span>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "runtime/abi.h"
#include "runtime/events.h"
#include "runtime/intern.h"
#include "runtime/runtime.h"
#include "stdlib/time.h"

namespace iwd::runtime::replay {

struct ReplayOptions {
  bool auto_accept = false;  // every offer is accepted at once by its agent
  stdlib::Instant start{1767603600000};  // 2026-01-05T09:00:00Z: the instant of "at": "0s"
  RuntimeOptions runtime;
  // Called with each event as it is emitted, and the runtime emitting it, which still holds
  // what the event is about (`iwd replay --history`: history/recorder.h).
  std::function<void(const Event&, const Runtime&)> observe;
  // `run` applies consecutive capture lines at one instant together (Session::apply_captures);
  // false: one by one (the same output: the test of the batch path compares the two).
  bool batch_captures = true;
};

struct ReplaySummary {
  std::size_t operations = 0;  // lines that did something
  std::size_t events = 0;
  std::size_t errors = 0;      // lines refused (each printed as an error object)
};

// Runs the script. False (and *error) only when the rules table cannot be used; bad lines
// are reported in the output and counted, and the rest of the script goes on.
bool run(const abi::RulesV1& rules, StringPool& pool, std::istream& script, std::ostream& out,
         const ReplayOptions& options, ReplaySummary* summary, std::string* error);

// The operations of a script (docs/replay.md), named once where a line or a request is read
// (parse_line, the server's routes) and dispatched by this enum after that.
enum class Op : std::uint8_t {
  None,  // a line that only moves the clock
  Capture, Update, Cancel, Hold, Resume, Restart, Reschedule, Complete, Agent,
  Accept, Reject, Done, Park, Pull, Return, Transfer, Assign, Requeue, Priority, Start,
};
// The operation's name in scripts and journal lines ("capture", ...; "" for None).
std::string_view op_name(Op op);
// The operation of that name, or Op::None when there is none.
Op op_named(std::string_view name);

// One line of a script.
struct ScriptLine {
  std::int64_t at = 0;  // ms since the epoch
  Op op = Op::None;
  // The operation's JSON value, parsed once where the line or request was read and handed
  // to the runtime as it is (no text in between).
  nlohmann::json value;
  // `"by"`: who made the change (a service's journal names the source of each capture, so
  // that recovery knows whose the item is: docs/api.md); the runtime does not read it.
  std::string by = {};  // (an initializer: lines made without it need not say so)
};
// A capture line decoded and evaluated ahead of being applied (Session::prepare_captures).
struct PreparedCapture {
  std::int64_t at = abi::kNone;  // the instant it was prepared at; kNone: not prepared
  Status refused;                // the line's value refused before the runtime sees it, or done
  ItemRecord record;             // decoded (when not refused)
  Runtime::Evaluated evaluated;
};

// A runtime on a simulated clock driven by script lines, one at a time: what `run` uses, and
// what a service replays its journal with (the journal's lines are script lines).
class Session {
 public:
  // Events go to `events` (may be null). Call init() first.
  Session(const abi::RulesV1& rules, StringPool& pool, const ReplayOptions& options, EventSink* events);
  ~Session();
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;
  bool init(std::string* error);
  // Moves the clock to the line's instant (every deadline up to it fires, each at its own
  // instant), then does its operation: done, or refused (nothing changed then) with its code
  // and why, the message starting with the operation's name ("cancel: no open item `W9`").
  // A line the script's format does not allow (time going back, a malformed value) is BadInput.
  Status apply(const ScriptLine& line);
  // Parses first (parse_line; its problem is BadInput); the parsed line into *parsed if given.
  Status apply_text(std::string_view text, ScriptLine* parsed = nullptr);
  // The values of capture lines at instant `at` decoded and evaluated together (issue 19: one
  // call of the rules' batch entry point for them all, Runtime::evaluate_captures), the clock
  // moved to `at` first as apply() would. apply(lines[k], &prepared[k]) then does what
  // apply(lines[k]) would (the same events, state and refusals); the lines must be applied in
  // order, each with its own PreparedCapture, with no other line in between. With `at` before
  // now nothing is prepared (apply refuses each line: time does not go back).
  std::vector<PreparedCapture> prepare_captures(std::int64_t at, std::span<const nlohmann::json* const> values);
  Status apply(const ScriptLine& line, PreparedCapture* ahead);
  // Capture lines at one instant: prepare_captures() and apply() of each in turn, its status
  // to done(k, status) as soon as it is applied.
  void apply_captures(std::span<const ScriptLine> lines, const std::function<void(std::size_t, const Status&)>& done);
  std::int64_t start() const;  // the instant "at": "0s" names (parse_line's `start`)
  // The clock to `t` (ms since the epoch) when later than now, firing deadlines.
  void advance(std::int64_t t);
  std::int64_t now() const;
  Runtime& runtime();
  std::size_t events_seen() const;

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

// Parses a script line (not blank, not a comment): "" or the problem. `start` is the
// instant durations count from.
std::string parse_line(std::string_view text, std::int64_t start, ScriptLine* out);

// An event as one line of JSON (no newline). An item event of rules with `report by` ends
// with "dimensions": {NAME: VALUE, ...}, each value as the attribute's type writes it (an
// enum by its value's name; null when absent); `schema` (the rules' item schema) gives the
// types, and without it every value is written as the number its record slot holds.
std::string event_json(const Event& e, const abi::RulesV1& rules, const StringPool& pool,
                       const Schema* schema = nullptr);
// Just the "dimensions" object of an item event, as event_json writes it, or "" when the
// event carries none (rules without `report by`, agent events).
std::string dimensions_json(const Event& e, const abi::RulesV1& rules, const StringPool& pool,
                            const Schema* schema);

}  // namespace iwd::runtime::replay
