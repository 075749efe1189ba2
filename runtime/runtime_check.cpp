// Runtime::check(): every internal index recomputed from the items and agents and compared.
// For tests (the property tests call it after every event); linear in everything.
#include <fmt/format.h>

#include <algorithm>
#include <map>

#include "runtime/runtime.h"

namespace iwd::runtime {

std::string Runtime::check() const {
  const std::int64_t t = now();
  std::size_t open = 0;
  std::map<std::uint32_t, std::uint32_t> refs;  // target -> stages naming it
  std::vector<std::vector<std::int32_t>> load(agents_.size());
  std::vector<std::int32_t> load_total(agents_.size(), 0);
  for (std::uint32_t i = 0; i < items_.size(); ++i) {
    const WorkItem& item = items_[i];
    if (item.state == ItemState::None) {
      if (deadlines_.at(i) != abi::kNone) return fmt::format("free item slot {} has a deadline", i);
      continue;
    }
    const std::string who = name(item.id);
    if (!is_open(item.state)) return fmt::format("item `{}` is {} but still held", who, item_state_name(item.state));
    ++open;
    if (item_index(item.id) != i) return fmt::format("item `{}` is not found by its id", who);
    if (deadlines_.at(i) != item.next_deadline())
      return fmt::format("item `{}`: the deadline heap says {}, its earliest deadline is {}", who, deadlines_.at(i),
                         item.next_deadline());
    for (std::int64_t d : item.deadlines)
      if (d != abi::kNone && d <= t) return fmt::format("item `{}` has a deadline in the past", who);
    const bool queued = item.state == ItemState::Queued;
    if (!queued && (item.deadlines[kDeadlineStage] != abi::kNone || item.deadlines[kDeadlinePriority] != abi::kNone))
      return fmt::format("item `{}` is {} but has distribution deadlines", who, item_state_name(item.state));
    const bool state_deadline = item.state == ItemState::Deferred;
    if (state_deadline && item.deadlines[kDeadlineState] == abi::kNone)
      return fmt::format("item `{}` is {} without its deadline", who, item_state_name(item.state));
    if (!state_deadline && item.state != ItemState::DonePending && item.state != ItemState::Offered &&
        item.deadlines[kDeadlineState] != abi::kNone)
      return fmt::format("item `{}` is {} with a state deadline", who, item_state_name(item.state));
    const bool holds_agent = item.state == ItemState::Offered || item.state == ItemState::Assigned;
    if ((holds_agent || item.state == ItemState::Parked) != (item.agent != kNoIndex))
      return fmt::format("item `{}` is {} and {} an agent", who, item_state_name(item.state),
                         item.agent != kNoIndex ? "has" : "has no");
    if (holds_agent) {
      auto& l = load[item.agent];
      if (l.size() <= item.charged_media) l.resize(std::size_t{item.charged_media} + 1, 0);
      ++l[item.charged_media];
      ++load_total[item.agent];
      const auto& held = agents_[item.agent].held;
      if (std::find(held.begin(), held.end(), i) == held.end())
        return fmt::format("item `{}` is not in its agent's list", who);
    }
    if (queued && item.place == 0) return fmt::format("queued item `{}` has no place", who);
    const std::int64_t age = item.age(t);
    for (std::uint32_t k = 0; k < item.stage_count; ++k) {
      const StageSlot& slot = item.stage(k);
      if (slot.target != kNoIndex) ++refs[slot.target];
      const bool should_open = queued && slot.opens_at != abi::kNone && slot.opens_at <= age;
      if (slot.open() != should_open)
        return fmt::format("item `{}` stage {} is {} at age {}", who, k, slot.open() ? "open" : "closed", age);
      if (!slot.queued()) continue;
      const Target& target = targets_[slot.target];
      if (item.media >= target.items.size() || slot.position >= target.items[item.media].size())
        return fmt::format("item `{}` stage {} points past its queue", who, k);
      const ItemQueue::Entry& e = target.items[item.media].entries()[slot.position];
      if (e.item != i || e.slot != k || e.priority != item.priority || e.place != item.place)
        return fmt::format("item `{}` stage {}: its queue entry is another's or stale", who, k);
    }
  }
  if (open != open_count_) return fmt::format("{} open items counted, {} found", open_count_, open);

  for (std::uint32_t ti = 0; ti < targets_.size(); ++ti) {
    const Target& target = targets_[ti];
    if (target.refs == 0) continue;
    if (refs[ti] != target.refs) return fmt::format("target {} has {} references, {} found", ti, target.refs, refs[ti]);
    for (const ItemQueue& q : target.items) {
      const auto& e = q.entries();
      for (std::size_t p = 1; p < e.size(); ++p)
        if (ItemQueue::before(e[p], e[(p - 1) / 2])) return fmt::format("target {}: its item queue is out of order", ti);
      for (const auto& entry : e)
        if (items_[entry.item].state != ItemState::Queued) return fmt::format("target {} queues an item that is not queued", ti);
    }
  }
  for (const auto& [ti, n] : refs)
    if (targets_[ti].refs != n) return fmt::format("target {} is named by {} stages but has {} references", ti, n, targets_[ti].refs);

  for (std::uint32_t a = 0; a < agents_.size(); ++a) {
    const Agent& agent = agents_[a];
    const std::string who = name(agent.id);
    if (agent.load_total != load_total[a]) return fmt::format("agent `{}` counts {} items, holds {}", who, agent.load_total, load_total[a]);
    if (agent.held.size() != static_cast<std::size_t>(load_total[a])) return fmt::format("agent `{}`: its item list is stale", who);
    for (std::uint32_t m = 0; m < std::max(agent.load.size(), load[a].size()); ++m) {
      const std::int32_t counted = agent.load_of(m), held = m < load[a].size() ? load[a][m] : 0;
      if (counted != held) return fmt::format("agent `{}` counts {} of media {}, holds {}", who, counted, m, held);
      if (held > agent.limit(m)) return fmt::format("agent `{}` is beyond its capacity for media {}", who, m);
    }
    if (agent.total != kUnlimited && agent.load_total > agent.total) return fmt::format("agent `{}` is beyond its total capacity", who);
    // Membership: exactly the live targets that admit it, while logged in.
    std::size_t members = 0;
    for (std::uint32_t ti = 0; ti < targets_.size(); ++ti) {
      if (targets_[ti].refs == 0 || !agent.logged_in()) continue;
      const bool in = std::any_of(agent.targets.begin(), agent.targets.end(), [ti](const Agent::Membership& m) { return m.target == ti; });
      if (in != admits(targets_[ti], agent)) return fmt::format("agent `{}`: cached membership of target {} is wrong", who, ti);
      members += in;
    }
    if (members != agent.targets.size()) return fmt::format("agent `{}` belongs to dead targets", who);
    // Seats: ready, per member target and media with room.
    std::size_t seats = 0;
    for (const Agent::Membership& m : agent.targets)
      for (std::uint32_t media = 0; media < media_ids_.size(); ++media) {
        const bool want = can_take(agent, media);
        const Target& target = targets_[m.target];
        const bool has = media < target.agents.size() &&
                         target.agents[media].count(AgentRank{m.proficiency, agent.seat_idle_since, agent.serial, a}) == 1;
        if (want != has) return fmt::format("agent `{}`: its availability in target {} for media {} is wrong", who, m.target, media);
        seats += has;
      }
    if (seats != agent.seats.size() || (!agent.seats.empty() && agent.seat_idle_since != agent.idle_since))
      return fmt::format("agent `{}`: its seats are stale", who);
  }
  for (std::uint32_t ti = 0; ti < targets_.size(); ++ti)
    for (const auto& set : targets_[ti].agents)
      for (const AgentRank& r : set)
        if (r.agent >= agents_.size() || agents_[r.agent].state != AgentState::Ready)
          return fmt::format("target {} offers an agent who is not ready", ti);
  for (const auto& [i, o] : overrides_)
    if (i >= items_.size() || !is_open(items_[i].state)) return fmt::format("a priority override of item slot {}, which is not open", i);
  return {};
}

}  // namespace iwd::runtime
