// Runtime: every open work item in one universal queue, distributed to agents exactly as the
// compiled rules say (runtime/abi.h), on any Clock. docs/lifecycle.md describes the states
// and transitions; this header is the API.
//
// - Items are classified at capture (process, clock, terms, priority, target stages) through
//   the rules table. A queued item's priority and stage openings change at exact instants:
//   each item has one entry in a deadline heap (its earliest deadline), nothing is swept.
// - Distribution: items are grouped by target (runtime/target.h) into ordered queues per
//   media; each logged-in agent's membership in each target is computed once (through
//   RulesV1::admits) and kept. An agent that can take work is offered the best-ranked item
//   at the heads of its targets' queues; an item that becomes distributable, or whose target
//   widens, goes to the best available member of its open targets by the policy.
// - Every public operation leaves the runtime settled at clock.now(): all deadlines up to now
//   have fired, and no ready agent with room for a media waits while an item of that media
//   it is eligible for is queued.
// - Deterministic: the same calls at the same instants give the same events. Not thread-safe:
//   one thread drives a Runtime. An EventSink must not call the runtime back from on_event();
//   it collects what it wants to act on and acts after the call returns (as --auto-accept does).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "runtime/abi.h"
#include "runtime/agent.h"
#include "runtime/clock.h"
#include "runtime/events.h"
#include "runtime/intern.h"
#include "runtime/item.h"
#include "runtime/item_queue.h"
#include "runtime/schema.h"
#include "runtime/state_frame.h"
#include "runtime/target.h"
#include "runtime/work_item.h"

namespace iwd::runtime {

// Why an operation was refused, named for what the caller can do about it. Every refusal
// carries one (Status::fail requires it); the server answers each with the HTTP status and
// error code of one table (server/reply.cpp), so rewording a message never changes the API.
enum class Refusal : std::uint8_t {
  None,               // not refused: the operation was done
  NotFound,           // no open item (or no agent) by that id: check the id; the item may have ended
  IllegalTransition,  // the item's state, or the agent it is offered to, does not allow this now
  RefusedByRules,     // the rules reject the item as it would be (update, restart, reschedule, adopt),
                      // or do not let this be done to it (an agent's done where `complete by source`)
  Conflict,           // contradicts what is there: the id is open already, the item is already
                      // with that agent, the agent holds more than the capacity asked for
  BadInput,           // malformed or out of range (JSON, attributes, skills, capacity, outcome,
                      // script line): fix the request
  AgentUnavailable,   // the agent cannot take the item now (logged out, no room): later, or another
  StateUnusable,      // a saved state that does not fit this runtime (version, rules, clock, damage)
};
inline constexpr Refusal kLastRefusal = Refusal::StateUnusable;
// "not_found", "illegal_transition", ...: the code's name (for logs and tests).
std::string_view refusal_name(Refusal r);

// The outcome of an operation: done, or refused with a code and one sentence saying why not
// (nothing changed then).
class Status {
 public:
  Status() = default;  // done
  static Status done() { return {}; }
  // `code` is never Refusal::None and `message` never empty. `state`: with IllegalTransition,
  // the item's state that does not allow the operation.
  static Status fail(Refusal code, std::string message, ItemState state = ItemState::None);
  bool ok() const { return code == Refusal::None; }

  Refusal code = Refusal::None;
  std::string error;  // the message: empty when done
  ItemState state = ItemState::None;  // IllegalTransition: the item's state then

 private:
  Status(Refusal c, std::string m, ItemState s) : code(c), error(std::move(m)), state(s) {}
};

enum class Policy : std::uint8_t {
  LongestIdle,         // fair: the agent idle longest (no cherry-picking)
  HighestProficiency,  // the agent with the highest levels in the skills the stage reads
};

struct RuntimeOptions {
  Policy policy = Policy::LongestIdle;
};

// Login, or a change of an agent. Fields left empty keep their value (a new agent: no
// skills, no groups, no attributes, the default capacity, ready).
struct AgentUpdate {
  std::uint32_t id = kNoId;  // interned
  std::optional<std::vector<std::int8_t>> skills;  // per skill of the ruleset, -1: lacks it
  std::optional<std::vector<std::uint32_t>> groups;
  std::optional<std::vector<std::pair<std::uint32_t, std::uint32_t>>> attributes;  // name, value
  std::optional<CapacitySpec> capacity;
  std::optional<AgentState> state;
  std::uint32_t reason = kNoId;  // with state NotReady or LoggedOut: the reason code
};

// A supervisor's override of an item's priority (docs/lifecycle.md, "Priority overrides"),
// applied after the rules' priority (the rules' table is not asked anything new): a fixed
// value replaces it, a boost is added to it, as the scheme moves with the item's age.
struct PriorityOverride {
  enum class Kind : std::uint8_t { Fixed, Boost };
  Kind kind = Kind::Fixed;
  std::int64_t value = 0;           // the priority (Fixed), or what is added to the rules' (Boost)
  std::int64_t until = abi::kNone;  // it ends at this instant (kNone: not by time)
  bool until_handled = false;       // it ends when an agent next accepts the item
  // The largest value or boost taken: far beyond any scheme's, and no sum can overflow.
  static constexpr std::int64_t kLimit = 1'000'000'000'000'000;
};

class Runtime {
 public:
  // Null and *error set when the table cannot be used (abi::check_table) or its schema does
  // not parse. `rules`, `pool`, `clock` and `sink` must outlive the runtime.
  static std::unique_ptr<Runtime> create(const abi::RulesV1& rules, StringPool& pool, Clock& clock,
                                         EventSink& sink, const RuntimeOptions& options, std::string* error);
  ~Runtime();
  Runtime(const Runtime&) = delete;
  Runtime& operator=(const Runtime&) = delete;

  const Schema& schema() const { return schema_; }
  const abi::RulesV1& rules() const { return rules_; }
  StringPool& pool() const { return pool_; }

  // --- The source system. Items are named by their `id` (interned).
  // A new item in the schema's layout; its captured_at becomes now. Rejected by the rules:
  // a Rejected event, and ok (the rejection is the outcome).
  Status capture(ItemRecord item);
  // Captures evaluated together (issue 19): the rules' batch entry point (abi::evaluate_batch)
  // classifies, clocks and prices many records in one call where capture() makes three calls a
  // record. evaluate_captures() prepares each record as capture() would now (captured_at set,
  // last_agent cleared) and evaluates it; capture(record, ahead) then does exactly what
  // capture(record) does (the same events, state and refusals), taking the classification from
  // `ahead` when it was made at this instant. A record capture() would refuse before asking the
  // rules (slots, no id) is left unevaluated.
  struct Evaluated {
    std::int64_t at = abi::kNone;  // the instant evaluated at; kNone: not evaluated
    abi::BatchResult result;       // classify, clock at `at`, priority at age 0
  };
  void evaluate_captures(std::span<ItemRecord* const> records, std::span<Evaluated> out) const;
  Status capture(ItemRecord item, const Evaluated& ahead);
  // New attributes for an open item (the whole record, same id; captured_at is kept): the item
  // is classified again. Refused when the rules reject the new record.
  Status update(ItemRecord item);
  Status cancel(std::uint32_t id);
  Status hold(std::uint32_t id);
  Status resume(std::uint32_t id);
  // Classified again as if captured now: it loses its agent and its place.
  Status restart(std::uint32_t id);
  // A new activate_at and/or due_at (abi::kNone clears one); it leaves its agent.
  Status reschedule(std::uint32_t id, std::optional<std::int64_t> activate_at, std::optional<std::int64_t> due_at);
  // The source confirms the item is done (assigned, done_pending or parked).
  // `outcome` (interned; kNoId: none) must be declared in the rules' `outcomes { }`
  // (outcome.h), else nothing changes; the Completed event (done: the DonePending one) carries it.
  Status complete(std::uint32_t id, std::uint32_t outcome = kNoId);

  // --- Agents. `agent`: kNoId accepts whichever agent holds the item.
  Status agent(const AgentUpdate& update);
  Status accept(std::uint32_t item, std::uint32_t agent);
  Status reject(std::uint32_t item, std::uint32_t agent);
  Status done(std::uint32_t item, std::uint32_t outcome = kNoId);  // the agent marks it done: done_pending until the source confirms
  Status park(std::uint32_t item);  // into the assigned agent's workbin
  Status pull(std::uint32_t item);  // out of the workbin, back to its owner
  Status return_to_queue(std::uint32_t item);  // a supervisor returns a parked item
  // A supervisor offers a queued item to `agent`, even one outside the item's targets: the
  // agent must be ready and have room for the item's media. An offer like any other (offer
  // timeout, accept, reject), caused by Assign.
  Status assign(std::uint32_t item, std::uint32_t agent);
  // A supervisor pulls an offered item back to the queue (cause Requeue): unlike a rejection
  // the agent stays as it is, and the item goes to the best available agent again (which may
  // be the same one when it is in the item's targets).
  Status requeue(std::uint32_t item);
  // Assigned: to another agent; parked: into another agent's workbin.
  Status transfer(std::uint32_t item, std::uint32_t to_agent);

  // --- Priority overrides (runtime_override.cpp), of an open item in any state. Each emits a
  // PriorityChanged event with cause Override (also when the priority stays the same: the
  // history records the supervisor's action). A queued item moves in its queues at once.
  // Refused: no open item; `until` not after now, a value beyond PriorityOverride::kLimit.
  Status override_priority(std::uint32_t item, const PriorityOverride& o);
  Status clear_priority_override(std::uint32_t item);  // refused when the item has none
  // The override in force on the item, or null.
  const PriorityOverride* priority_override(const WorkItem& item) const;

  // --- Hot reload (a new ruleset): an open item carried over from a runtime on other rules.
  // `record` is in this runtime's schema and keeps its captured_at; the item is classified
  // now under these rules (process, clock, priority, targets) and put back where it was:
  // - deferred or queued: placed again (adopt queued items in their old order to keep it);
  // - offered to `agent`: the offer stands, with its timeout at `state_deadline`, when that
  //   agent is logged in, has room and is eligible under these rules; else back to the queue;
  // - assigned to `agent`, parked in `agent`'s workbin, held, done_pending (its `complete
  //   within` at `state_deadline`): as it was, with the new classification.
  // Agents must be adopted first (agent()). One ItemStateChanged event from None, cause
  // Reload. Refused (nothing changes) when the rules reject the record now.
  // `override`: the item's priority override in the old runtime, kept (its `until` passed: dropped).
  Status adopt(ItemRecord record, ItemState state, std::uint32_t agent, std::int64_t state_deadline,
               const PriorityOverride* override = nullptr);
  // The instant an item's state times out (offer timeout, `complete within`), or abi::kNone.
  std::int64_t state_deadline(const WorkItem& item) const { return item.deadlines[kDeadlineState]; }

  // --- Snapshots (runtime/runtime_state.cpp): the runtime's exact state, everything that
  // decides what it does next (each item's record, classification, place, priority, deadlines
  // and slot; each agent with its idle instant and what it holds; the serials), copied without
  // calling the rules. load_state() into a fresh runtime on the same rules, its clock at the
  // instant of the save, gives a runtime that does exactly what this one would: the same
  // events for the same calls. Targets, memberships and queues are derived again (the rules
  // are asked only which agents each target admits). A state that does not fit (damaged,
  // other rules) is refused, the runtime left unusable.
  void save_state(FrameWriter& out) const;
  Status load_state(FrameReader& in);

  // --- Time. The earliest deadline of any item (abi::kNone: none); fire_due() handles every
  // deadline at or before clock.now(), in instant order. A driver of a simulated clock steps
  // it to each deadline in turn (run_until below).
  std::int64_t next_deadline() const { return deadlines_.empty() ? abi::kNone : deadlines_.top().at; }
  void fire_due();

  // --- Inspection.
  const WorkItem* find_item(std::uint32_t id) const;
  const Agent* find_agent(std::uint32_t id) const;
  const ItemTable& items() const { return items_; }  // free slots have state None
  const std::vector<Agent>& agents() const { return agents_; }
  // Carries an agent's Agent::state_since over (a hot reload restores the agents into a new
  // runtime, which would otherwise count their time in state from the reload).
  void set_state_since(std::uint32_t id, std::int64_t at);
  std::size_t open_items() const { return open_count_; }
  std::size_t target_count() const { return target_by_key_.size(); }
  std::uint32_t media_id(std::uint32_t media_index) const { return media_ids_[media_index]; }
  // A capacity declaration of the ruleset by name, resolved to interned media names.
  std::optional<CapacitySpec> capacity_named(std::string_view name) const;
  // What a new agent gets: the ruleset's first capacity declaration, else one item of any media.
  CapacitySpec default_capacity() const;
  // Every internal index checked against the items and agents: "" or the first problem.
  std::string check() const;

 private:
  Runtime(const abi::RulesV1& rules, StringPool& pool, Clock& clock, EventSink& sink, const RuntimeOptions& options,
          Schema schema);

  // What classification gives an item (computed before anything changes).
  struct Classification {
    std::int32_t process = -1;
    abi::ItemClock clock;
    abi::ProcessTerms terms;
    std::uint32_t media = 0;  // media index
    std::vector<abi::Stage> stages;
    const char* rejection = nullptr;
    std::optional<std::int64_t> priority;  // the rules' priority at commit()'s age, when known (a batch)
  };

  std::int64_t now() const { return clock_.now().ms_since_epoch; }
  std::uint32_t item_index(std::uint32_t id) const;
  std::uint32_t agent_index(std::uint32_t id) const;
  std::string name(std::uint32_t id) const;  // an interned id's text, for messages
  // IllegalTransition with the item's state: "item `W1` is queued: WHAT".
  Status illegal(const WorkItem& item, std::string_view what) const;
  std::uint32_t media_index(std::uint32_t media_id);

  // Lifecycle (runtime_items.cpp).
  Classification classify(const ItemRecord& record, std::int64_t now);
  // The rest of a classification whose process and clock are known: terms, media, stages.
  void classify_rest(const ItemRecord& record, Classification& c);
  // The classification of `record` at `t` from evaluate_captures()'s answers for it.
  Classification classified(const ItemRecord& record, const abi::BatchResult& r, std::int64_t t);
  void commit(std::uint32_t i, ItemRecord record, Classification c);
  // A slot for a new open item `id` (reused or new), indexed and counted, its record committed.
  std::uint32_t open_slot(std::uint32_t id, ItemRecord record, Classification c);
  abi::ProcessTerms terms_of(const WorkItem& item) const;
  std::int64_t after(std::int64_t duration) const;  // now + duration; kNone for none, 0 if negative
  bool activates_later(const WorkItem& item, std::int64_t now) const;
  void set_expiry(std::uint32_t i, const abi::ProcessTerms& terms);
  void defer(std::uint32_t i);
  void end(std::uint32_t i, ItemState final_state, Cause cause, std::uint32_t outcome = kNoId);
  // Deferred when it activates later than t, else queued; true when queued. `priced`: the
  // item's priority is the rules' at t already (commit() at t asked at the same age).
  bool place(std::uint32_t i, std::int64_t t, bool priced = false);
  // Out of the queues, or away from its agent (whose capacity is freed): `freed` is that
  // agent (kNoIndex: none), `shown` the agent an event names (freed, else the item's own).
  struct Detached {
    std::uint32_t freed = kNoIndex, shown = kNoIndex;
  };
  Detached detach(std::uint32_t i);
  std::uint32_t leave_agent(std::uint32_t i);  // frees the agent's capacity; returns the agent
  void return_offer(std::uint32_t i, Cause cause);  // back to the queue; the agent not ready (rona)
  // Agent `a` holds item i now (assigned to it, or parked in its workbin): its last_agent
  // (LANGUAGE.md section 3). When that changes and the rules read it, the item is classified
  // again as for an update (it must be in no queue); when the rules would reject it so, it
  // keeps its classification.
  void note_holder(std::uint32_t i, std::uint32_t a);
  void emit_item(const WorkItem& item, ItemState from, Cause cause, std::uint32_t agent,
                 std::uint32_t outcome = kNoId) const;
  // The item's `report by` values (RulesV1::report_dimension_slots) into an event of it.
  void stamp_dimensions(Event& e, const ItemRecord& record) const;
  // An event of `kind` about the item now: its id, process, priority and dimensions set.
  Event item_event(EventKind kind, Cause cause, const WorkItem& item) const;
  void emit_agent(const Agent& a, AgentState from, Cause cause) const;
  void settle();

  // Distribution (runtime_distribution.cpp).
  void enter_queue(std::uint32_t i, bool priced = false);  // state Queued: priority, open stages, queues, deadlines
  void leave_queues(std::uint32_t i);  // out of every target queue; stage and priority deadlines off
  void join_open_stages(std::uint32_t i, bool announce);
  void offer_item(std::uint32_t i);    // to the best available agent, if any
  void offer_agent(std::uint32_t a);   // the best items while the agent can take work
  void make_offer(std::uint32_t i, std::uint32_t a, Cause cause = Cause::Offer);
  void charge(std::uint32_t a, std::uint32_t i);    // item i now counts against agent a
  void uncharge(std::uint32_t a, std::uint32_t i);  // no longer
  void withdraw(std::uint32_t a);  // out of every target's available agents
  void publish(std::uint32_t a);   // into them, when ready, per media with room
  bool can_take(const Agent& a, std::uint32_t media) const { return a.state == AgentState::Ready && a.has_room(media); }

  // Targets and membership (runtime_targets.cpp).
  std::uint32_t acquire_target(const WorkItem& item, std::uint32_t stage, const abi::Stage& s);
  void release_target(std::uint32_t t);
  bool admits(const Target& t, const Agent& a) const;
  void join_targets(std::uint32_t a);   // computes the agent's memberships (logged in)
  std::int32_t proficiency(const Target& t, const Agent& a) const;

  // Deadlines (runtime_timers.cpp).
  void set_deadline(std::uint32_t i, Deadline kind, std::int64_t at);
  void fire(std::uint32_t i, Deadline kind);
  void on_priority_due(std::uint32_t i);
  void on_stage_due(std::uint32_t i);
  void schedule_priority(std::uint32_t i, std::int64_t age);
  void schedule_stage(std::uint32_t i, std::int64_t age);

  // Agents (runtime_agents.cpp).
  void log_out(std::uint32_t a, std::uint32_t reason = kNoId);  // reason: why (a supervisor's), or none

  // Priority overrides (runtime_override.cpp). The rules' priority `p` of item i with its
  // override applied (an override whose `until` has come is dropped first). With no override
  // anywhere this is one test of an empty map: the cost of the feature when unused.
  std::int64_t with_override(std::uint32_t i, std::int64_t p) {
    return overrides_.empty() ? p : apply_override(i, p);
  }
  std::int64_t apply_override(std::uint32_t i, std::int64_t p);
  // The priority computed again now and, when it changed (or `always`), a PriorityChanged event.
  void reprioritize(std::uint32_t i, Cause cause, bool always);
  // An override `until_handled` ends when the item is accepted: the rules' priority again.
  void end_override_when_handled(std::uint32_t i);

  const abi::RulesV1& rules_;
  StringPool& pool_;
  Clock& clock_;
  EventSink& sink_;
  RuntimeOptions options_;
  Schema schema_;
  bool firing_ = false;

  ItemTable items_;
  std::vector<std::uint32_t> free_items_;
  std::vector<std::uint32_t> item_by_id_;  // per interned id: item index, or kNoIndex
  std::size_t open_count_ = 0;
  std::uint64_t next_serial_ = 1;
  std::uint64_t next_place_ = 1;
  DeadlineHeap deadlines_;

  std::vector<Agent> agents_;  // never removed: a logged-out agent keeps its workbin
  std::vector<std::uint32_t> agent_by_id_;  // per interned id: agent index, or kNoIndex
  std::uint64_t next_agent_serial_ = 1;

  std::vector<Target> targets_;
  std::vector<std::uint32_t> free_targets_;
  std::unordered_map<std::string, std::uint32_t> target_by_key_;

  std::vector<std::uint32_t> media_ids_;  // per media index: the media's name, interned
  std::unordered_map<std::uint32_t, std::uint32_t> media_by_id_;
  std::unordered_map<std::uint32_t, PriorityOverride> overrides_;  // by item index: open items only
  bool reads_last_agent_ = false;   // the rules read last_agent (abi::reads_last_agent)
  std::int32_t dimension_count_ = 0;  // abi::report_dimension_count(rules_), at most Event::kMaxDimensions
  std::uint32_t rona_ = kNoId;       // the reason code "rona", interned
  std::uint32_t workitem_ = kNoId;   // the default media "workitem", interned
};

// Steps a simulated clock through every deadline up to `t`, firing each at its instant, then
// sets it to `t`. False when `t` is before the clock (nothing happens).
bool run_until(Runtime& runtime, SimulatedClock& clock, stdlib::Instant t);

}  // namespace iwd::runtime
