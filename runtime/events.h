// What the runtime tells the world: every item state change (an offer is one: queued ->
// offered), priority change, target widening and agent state change, as typed events in the
// order they happen. `iwd replay` prints them (docs/replay.md).
#pragma once

#include <cstdint>
#include <limits>
#include <string_view>

namespace iwd::runtime {

// The lifecycle of a work item (docs/lifecycle.md). None is the `from` of a capture.
enum class ItemState : std::uint8_t {
  None,
  Deferred,     // captured, not distributed before its activate_at
  Queued,       // in distribution
  Offered,      // offered to one agent, who has `offer timeout` to accept
  Assigned,     // an agent works on it
  DonePending,  // the agent marked it done; the source has not confirmed yet
  Parked,       // in an agent's personal workbin
  Held,         // no distribution and no reprioritization until resumed
  Completed,    // ended: the source confirmed
  Canceled,     // ended: the source withdrew it
  Expired,      // ended: still open at expire_at or after `expire after`
  Rejected,     // never entered: classification refused it
};
// "deferred", "queued", "offered", "assigned", "done_pending", "parked", "held",
// "completed", "canceled", "expired", "rejected"; None is "none".
std::string_view item_state_name(ItemState s);
constexpr bool is_open(ItemState s) { return s >= ItemState::Deferred && s <= ItemState::Held; }

enum class AgentState : std::uint8_t { LoggedOut, Ready, NotReady };
std::string_view agent_state_name(AgentState s);  // "logged_out", "ready", "not_ready"

// What made something happen.
enum class Cause : std::uint8_t {
  Capture, Activate, Offer, Accept, Reject, OfferTimeout, Done, Complete, CompleteTimeout, Park, Pull,
  Return, Transfer, Hold, Resume, Cancel, Expire, Update, Restart, Reschedule, Logout, AgentChange,
  Age,  // the item's age reached an instant of its priority scheme or target plan
  Reload,  // carried over to a runtime on a new ruleset (Runtime::adopt)
  Assign,  // a supervisor offered a queued item to a named agent (Runtime::assign)
  Requeue,  // a supervisor pulled an offered item back to the queue (Runtime::requeue)
  Override,  // a supervisor set or cleared an item's priority override
};
// "capture", "activate", "offer", "accept", "reject", "offer_timeout", "done", "complete",
// "complete_timeout", "park", "pull", "return", "transfer", "hold", "resume", "cancel",
// "expire", "update", "restart", "reschedule", "logout", "agent", "age", "reload", "assign",
// "requeue", "override".
std::string_view cause_name(Cause c);

enum class EventKind : std::uint8_t {
  ItemStateChanged,  // from_item -> to_item
  PriorityChanged,   // previous_priority -> priority
  TargetWidened,     // stage `stage` opened while the item was queued
  AgentStateChanged, // from_agent -> to_agent
};

inline constexpr std::uint32_t kNoId = 0xffffffffu;

struct Event {
  EventKind kind = EventKind::ItemStateChanged;
  Cause cause = Cause::Capture;
  std::int64_t at = 0;            // ms since the epoch
  std::uint32_t item = kNoId;     // the item's id, interned (kNoId for agent events)
  std::uint32_t agent = kNoId;    // the agent's id, interned: who got the offer, holds the item,
                                  // or gave it up; the agent of an agent event
  std::int32_t process = -1;      // -1: none (a rejection)
  // Item events: the item's index in the runtime's item table (Runtime::items()) when the
  // event was emitted; kNoId for an item never opened (a rejected capture). An index stays an
  // item's while it is open; once it ends, the next item opened may take it. The views keep
  // their entries by it (stats/queue_stats.h) and start loading the entry as the event comes.
  std::uint32_t index = kNoId;
  std::int64_t priority = 0;      // the item's priority in force
  // Item events: the item's keys as they were at the event, so that a consumer (the real-time
  // views, stats/queue_stats.h) need not read the item back. The runtime emits an item's event
  // after changing it, so an item's last event of a call holds what the item is after the call.
  std::int64_t captured_at = 0;   // its record's captured_at (its clock's start without one)
  std::int64_t due = std::numeric_limits<std::int64_t>::min();  // its due instant (abi::kNone: never due)
  ItemState from_item = ItemState::None, to_item = ItemState::None;
  ItemState state = ItemState::None;  // item events: its state (to_item of a state change; the
                                      // unchanged state of a priority change or a widening)
  AgentState from_agent = AgentState::LoggedOut, to_agent = AgentState::LoggedOut;
  std::int64_t previous_priority = 0;  // PriorityChanged
  std::int32_t stage = -1;             // TargetWidened: the stage index in the process's plan
  std::uint32_t reason = kNoId;        // AgentStateChanged to NotReady: the reason code, interned
  const char* detail = nullptr;        // to Rejected: why (valid as long as the rules table)
  std::uint32_t outcome = kNoId;       // Done and Complete: the outcome given, interned (kNoId: none)
  // Item events: the item's `report by` values (LANGUAGE.md section 11) as they were at the
  // event, in the rules' order (RulesV1::report_dimension_slots). Each as its record slot holds
  // it: bool 0/1, int, string (interned id), enum (value index). None without `report by`.
  static constexpr int kMaxDimensions = 8;
  std::uint8_t dimension_count = 0;
  std::uint8_t dimensions_present = 0;  // bit k: dimension k has a value (else it is absent)
  std::int64_t dimensions[kMaxDimensions] = {};
};

class EventSink {
 public:
  virtual ~EventSink() = default;
  virtual void on_event(const Event& e) = 0;
};

}  // namespace iwd::runtime
