// What the agents' views need beyond the runtime (issue 15, "Real-time views"): every
// agent's workbin (its parked items), kept from the runtime's events so that no request scans
// the items. Since when an agent is in its state is the runtime's (Agent::state_since: saved
// with its state, so a restart keeps it).
//
// Workbins: each item event brings the item up to date from the runtime (parked with its
// owner, or not); a new runtime (a reload) starts them over from its events.
#pragma once

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "runtime/chunked_vector.h"
#include "runtime/runtime.h"
#include "stats/prefetch.h"

namespace iwd::stats {

// Which agents GET /v1/agents lists.
struct AgentFilter {
  std::optional<runtime::AgentState> state;
  std::optional<std::uint32_t> group;  // interned group name
  std::optional<std::int32_t> skill;   // a skill index of the rules: the agent has it (level >= 0)
};

class AgentBook {
 public:
  void on_event(const runtime::Event& e, const runtime::Runtime& rt);
  // Starts over from the runtime.
  void rebuild(const runtime::Runtime& rt);

  // The agent's parked items (interned ids), in id order.
  std::vector<std::uint32_t> parked(std::uint32_t agent) const;
  // Up to `limit` agents (indices in rt.agents(), login order) that pass `filter`, from index
  // `from` on; *next: the index to continue from, or none at the end.
  static std::vector<std::uint32_t> agents(const runtime::Runtime& rt, const AgentFilter& filter, std::uint32_t from,
                                           std::size_t limit, std::optional<std::uint32_t>* next);
  // Up to `limit` parked items as (agent, item) interned ids in that order, after `after`
  // (exclusive; none: from the first), of one agent when `agent` is given; *next: the last
  // pair returned when more follow.
  std::vector<std::pair<std::uint32_t, std::uint32_t>> workbins(std::optional<std::pair<std::uint32_t, std::uint32_t>> after,
                                                                std::optional<std::uint32_t> agent, std::size_t limit,
                                                                std::optional<std::pair<std::uint32_t, std::uint32_t>>* next) const;
  std::size_t parked_count() const { return workbins_.size(); }
  bool holds(std::uint32_t id) const { return id < parked_with_.size() && parked_with_[id] != 0; }
  // As QueueStats::prefetch: the item's owner slot, read by on_event after the call.
  void prefetch(const runtime::Event& e) const {
    if (touches_workbin(e) && e.item < parked_with_.size()) stats::prefetch(&parked_with_[e.item]);
  }
  // Whether the event may change a workbin: an item parks, leaves one (pulled, returned,
  // ended, or moved by an update) or moves to another agent's (a transfer, Parked -> Parked).
  // Nothing else does, so the other events (offers, accepts, completions: nearly all) leave
  // the book alone and do not read the item's slot, cold for the item offered.
  static bool touches_workbin(const runtime::Event& e) {
    return e.item != runtime::kNoId && e.kind == runtime::EventKind::ItemStateChanged &&
           (e.from_item == runtime::ItemState::Parked || e.to_item == runtime::ItemState::Parked);
  }

 private:
  void refresh_item(std::uint32_t id, const runtime::Runtime& rt);

  const runtime::Runtime* rt_ = nullptr;
  // Per interned item id: its owner's id + 1 when parked, else 0. Chunks: growing with the
  // ids never copies what is there (a vector's doubling did, in the middle of an event).
  runtime::ChunkedVector<std::uint32_t> parked_with_;
  std::set<std::pair<std::uint32_t, std::uint32_t>> workbins_;  // (agent, item)
};

}  // namespace iwd::stats
