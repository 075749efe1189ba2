// Runtime: distribution. Queued items sit in the queues of their open targets; ready agents
// with room sit in their targets' available sets. An item that becomes distributable goes to
// the best available agent of its open targets; an agent that can take work gets the best
// item at the heads of its targets' queues.
#include <algorithm>
#include <cassert>

#include "runtime/runtime.h"

namespace iwd::runtime {

void Runtime::enter_queue(std::uint32_t i, bool priced) {
  WorkItem& item = items_[i];
  item.state = ItemState::Queued;
  item.agent = kNoIndex;
  if (item.place == 0) item.place = next_place_++;
  set_deadline(i, kDeadlineState, abi::kNone);
  const std::int64_t age = item.age(now());
  if (!priced) item.priority = with_override(i, rules_.priority(rules_.ctx, item.process, &item.record, &item.clock, age));
  schedule_priority(i, age);
  join_open_stages(i, false);
}

void Runtime::join_open_stages(std::uint32_t i, bool announce) {
  WorkItem& item = items_[i];
  const std::int64_t age = item.age(now());
  for (std::uint32_t k = 0; k < item.stage_count; ++k) {
    StageSlot& slot = item.stage(k);
    if (slot.open() || slot.opens_at == abi::kNone || slot.opens_at > age) continue;
    bool elsewhere = slot.target == kNoIndex;
    for (std::uint32_t j = 0; j < item.stage_count && !elsewhere; ++j)
      elsewhere = item.stage(j).queued() && item.stage(j).target == slot.target;
    if (elsewhere) {
      slot.position = StageSlot::kOpenElsewhere;
      continue;
    }
    targets_[slot.target].items_for(item.media).push(ItemQueue::Entry{item.priority, item.place, i, k}, items_);
    if (announce) {
      Event e = item_event(EventKind::TargetWidened, Cause::Age, item);
      e.stage = static_cast<std::int32_t>(k);
      sink_.on_event(e);
    }
  }
  schedule_stage(i, age);
}

void Runtime::leave_queues(std::uint32_t i) {
  WorkItem& item = items_[i];
  for (std::uint32_t k = 0; k < item.stage_count; ++k) {
    StageSlot& slot = item.stage(k);
    if (slot.queued())
      targets_[slot.target].items_for(item.media).erase(slot.position, items_);
    else
      slot.position = StageSlot::kNotQueued;
  }
  set_deadline(i, kDeadlineStage, abi::kNone);
  set_deadline(i, kDeadlinePriority, abi::kNone);
}

void Runtime::offer_item(std::uint32_t i) {
  const WorkItem& item = items_[i];
  if (item.state != ItemState::Queued) return;
  bool found = false;
  AgentRank best;
  for (std::uint32_t k = 0; k < item.stage_count; ++k) {
    const StageSlot& slot = item.stage(k);
    if (!slot.queued()) continue;
    const Target& t = targets_[slot.target];
    if (item.media >= t.agents.size() || t.agents[item.media].empty()) continue;
    const AgentRank& head = *t.agents[item.media].begin();
    if (!found || head < best) {
      best = head;
      found = true;
    }
  }
  if (found) make_offer(i, best.agent);
}

void Runtime::offer_agent(std::uint32_t a) {
  for (;;) {
    const Agent& agent = agents_[a];
    if (agent.state != AgentState::Ready) return;
    bool found = false;
    ItemQueue::Entry best{};
    for (const Agent::Membership& m : agent.targets) {
      const Target& t = targets_[m.target];
      for (std::uint32_t media = 0; media < t.items.size(); ++media) {
        if (t.items[media].empty() || !agent.has_room(media)) continue;
        const ItemQueue::Entry& head = t.items[media].top();
        if (!found || ItemQueue::before(head, best)) {
          best = head;
          found = true;
        }
      }
    }
    if (!found) return;
    make_offer(best.item, a);
  }
}

void Runtime::make_offer(std::uint32_t i, std::uint32_t a, Cause cause) {
  WorkItem& item = items_[i];
  assert(item.state == ItemState::Queued && can_take(agents_[a], item.media));
  leave_queues(i);
  item.state = ItemState::Offered;
  item.agent = a;
  item.charged_media = item.media;
  charge(a, i);
  set_deadline(i, kDeadlineState, after(terms_of(item).offer_timeout));  // kNone: no timeout
  emit_item(item, ItemState::Queued, cause, a);
}

void Runtime::charge(std::uint32_t a, std::uint32_t i) {
  const std::uint32_t media = items_[i].charged_media;
  withdraw(a);
  Agent& agent = agents_[a];
  if (media >= agent.load.size()) agent.load.resize(std::size_t{media} + 1, 0);
  ++agent.load[media];
  ++agent.load_total;
  agent.held.push_back(i);
  agent.idle_since = now();
  publish(a);
}

void Runtime::uncharge(std::uint32_t a, std::uint32_t i) {
  const std::uint32_t media = items_[i].charged_media;
  withdraw(a);
  Agent& agent = agents_[a];
  assert(media < agent.load.size() && agent.load[media] > 0);
  --agent.load[media];
  --agent.load_total;
  agent.held.erase(std::find(agent.held.begin(), agent.held.end(), i));
  agent.idle_since = now();
  publish(a);
}

void Runtime::withdraw(std::uint32_t a) {
  Agent& agent = agents_[a];
  for (const Agent::Seat& s : agent.seats)
    targets_[s.target].agents[s.media].erase(AgentRank{s.proficiency, agent.seat_idle_since, agent.serial, a});
  agent.seats.clear();
}

void Runtime::publish(std::uint32_t a) {
  Agent& agent = agents_[a];
  assert(agent.seats.empty());
  if (agent.state != AgentState::Ready) return;
  agent.seat_idle_since = agent.idle_since;
  const auto media_count = static_cast<std::uint32_t>(media_ids_.size());
  for (std::uint32_t media = 0; media < media_count; ++media) {
    if (!agent.has_room(media)) continue;
    for (const Agent::Membership& m : agent.targets) {
      targets_[m.target].agents_for(media).insert(AgentRank{m.proficiency, agent.idle_since, agent.serial, a});
      agent.seats.push_back(Agent::Seat{m.target, media, m.proficiency});
    }
  }
}

}  // namespace iwd::runtime
