// One entry of the event history (docs/reporting.md): a lifecycle event the runtime emitted,
// with what reports need to know about the item and the agent at that instant, in names
// rather than interned ids so that it outlives the runtime, a ruleset reload and a restart.
// The history store (history/store.h) keeps these; reports (reports/) read them back in
// `seq` order. Agent events have no item; item events may have no agent.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace iwd::history {

// The replay output's four event kinds (docs/replay.md).
enum class RecordKind : std::uint8_t { Item, Priority, Widen, Agent };
// "item", "priority", "widen", "agent"
const char* record_kind_name(RecordKind k);

struct Record {
  std::int64_t seq = 0;  // 1, 2, ... in the order the runtime emitted them (assigned by the store)
  std::int64_t at = 0;   // ms since the epoch
  RecordKind kind = RecordKind::Item;
  std::string item;      // the item's id; empty for agent events
  // Item events: the cause (runtime::cause_name: "capture", "offer", "offer_timeout", ...).
  // Agent events: the not-ready reason code, or empty.
  std::string reason;
  std::string from, to;  // states: runtime::item_state_name or runtime::agent_state_name
  std::string agent;     // who got the offer, holds the item or gave it up; the agent of an agent event
  std::string department, process;  // the item's classification; empty when it has none (rejected)
  std::int64_t priority = 0;        // the priority in force after the event
  std::int64_t previous_priority = 0;  // Priority events
  int stage = -1;                   // Widen events: the stage index in the process's target plan
  std::optional<std::int64_t> due;  // the item's due instant (ms), if it has one
  bool overdue = false;             // due and at > due
  // The item's `report by` values (LANGUAGE.md section 11): name and value as text, in the
  // rules' order; an absent value is left out.
  std::vector<std::pair<std::string, std::string>> dimensions;
  std::string outcome;  // done/complete: the outcome code given, or empty
  std::string detail;   // a rejection's reason text; done/complete: the note given (holds_note); or empty
  // Who did it: the API token's name, or "rules" (classification, priority, widening, offers)
  // or "timer" (timeouts, expiry, activation) for what the runtime did by itself; "replay" in a
  // replay's history for the script's lines.
  std::string actor;
};

// Whether `r`'s detail is a note: the free text an agent's done or a source's complete gave
// with its outcome (docs/reporting.md); those records have no other detail.
inline bool holds_note(const Record& r) {
  return r.kind == RecordKind::Item && (r.reason == "done" || r.reason == "complete");
}

}  // namespace iwd::history
