// The real-time views' state in one place, fed the runtime's events on the engine thread
// (server/engine.cpp) and read there by the routes (server/routes_stats.cpp).
#pragma once

#include "stats/agent_book.h"
#include "stats/queue_stats.h"

namespace iwd::stats {

class Tracker final {
 public:
  void on_event(const runtime::Event& e, const runtime::Runtime& rt) {
    queue.on_event(e, rt);
    agents.on_event(e, rt);
  }
  // Called as the runtime emits an event, before on_event (which must wait for the end of the
  // call): starts loading what on_event will read of the event's item.
  void prefetch(const runtime::Event& e) const {
    if (e.item == runtime::kNoId) return;
    queue.prefetch(e);
    agents.prefetch(e);
  }
  // Whether an entry is kept for item number `id` (a parked item's: the queue statistics keep
  // theirs by the runtime's item index, not by id): the engine releases an ended item's number
  // only when none is, so that the number given to another id never meets a stale entry.
  bool holds(std::uint32_t id) const { return agents.holds(id); }
  void rebuild(const runtime::Runtime& rt, std::int64_t now) {
    queue.rebuild(rt, now);
    agents.rebuild(rt);
  }
  QueueStats queue;
  AgentBook agents;
};

}  // namespace iwd::stats
