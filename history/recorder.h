// Runtime events as history records (history/record.h): the same code for `iwd serve` and
// `iwd replay --history`, so both keep the same history of the same operations.
//
// A record is read while its event is emitted (from an EventSink's on_event): the runtime
// still holds the item then, even the one an ended event is about, so its due instant is the
// one in force at that instant. Ids, processes, departments and `report by` values are
// written as text: a record outlives the runtime, a reload and a restart.
#pragma once

#include <cstdint>
#include <string_view>

#include "history/record.h"
#include "runtime/events.h"
#include "runtime/runtime.h"

namespace iwd::history {

// Who did what an event records: "rules" (offers, priority and widening by age, reload),
// "timer" (offer and complete timeouts, expiry, activation), else `requester` (the API
// token's name, or "replay"), or "timer" when there is none (the runtime acted by itself).
std::string_view actor_of(const runtime::Event& e, std::string_view requester);

// The record of `e` (seq 0: the writer numbers it), read from `rt` as it is while `e` is
// emitted. `requester`: who asked for the operation being applied ("" for none).
Record record_of(const runtime::Event& e, const runtime::Runtime& rt, std::string_view requester);

// Numbers records 1, 2, ... in the order the runtime emitted them. The server's history is one
// sequence over its whole life: recovery starts it where its latest snapshot left it
// (docs/reporting.md, "Recovery").
class Recorder {
 public:
  explicit Recorder(std::int64_t last_seq = 0) : last_seq_(last_seq) {}
  Record record(const runtime::Event& e, const runtime::Runtime& rt, std::string_view requester) {
    Record r = record_of(e, rt, requester);
    r.seq = ++last_seq_;
    return r;
  }
  std::int64_t last_seq() const { return last_seq_; }
  void set_last_seq(std::int64_t seq) { last_seq_ = seq; }

 private:
  std::int64_t last_seq_ = 0;
};

}  // namespace iwd::history
