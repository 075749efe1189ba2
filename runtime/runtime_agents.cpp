// Runtime: agents log in, change (skills, groups, attributes, capacity) and change state.
#include <fmt/format.h>

#include "runtime/runtime.h"

namespace iwd::runtime {

Status Runtime::agent(const AgentUpdate& u) {
  if (u.id == kNoId) return Status::fail(Refusal::BadInput, "an agent needs an `id`");
  if (u.skills) {
    if (u.skills->size() != static_cast<std::size_t>(rules_.skill_count))
      return Status::fail(Refusal::BadInput, fmt::format("agent `{}`: {} skill levels given, the rules have {} skills", name(u.id),
                                      u.skills->size(), rules_.skill_count));
    for (std::int8_t level : *u.skills)
      if (level < -1 || level > 10)
        return Status::fail(Refusal::BadInput, fmt::format("agent `{}`: a skill level is a whole number from 0 to 10", name(u.id)));
  }
  std::uint32_t a = agent_index(u.id);
  if (u.capacity) {
    for (const auto& [media, limit] : u.capacity->media)
      if (limit < 0) return Status::fail(Refusal::BadInput, fmt::format("agent `{}`: a capacity is not negative", name(u.id)));
    if (u.capacity->other_media < 0 || u.capacity->total < 0)
      return Status::fail(Refusal::BadInput, fmt::format("agent `{}`: a capacity is not negative", name(u.id)));
  }
  // Media first: registering one may republish agents.
  std::vector<std::pair<std::uint32_t, std::int32_t>> limits;
  CapacitySpec capacity;
  if (u.capacity || a == kNoIndex) {
    capacity = u.capacity ? *u.capacity : default_capacity();
    for (const auto& [media, limit] : capacity.media) limits.emplace_back(media_index(media), limit);
  }
  if (a != kNoIndex && u.capacity) {
    const Agent& agent = agents_[a];
    for (std::uint32_t m = 0; m < agent.load.size(); ++m) {
      std::int32_t limit = capacity.other_media;
      for (const auto& [media, l] : limits)
        if (media == m) limit = l;
      if (agent.load[m] > limit)
        return Status::fail(Refusal::Conflict, fmt::format("agent `{}` holds {} `{}` items; a capacity of {} is below that", name(u.id),
                                        agent.load[m], name(media_ids_[m]), limit));
    }
    if (agent.load_total > capacity.total)
      return Status::fail(Refusal::Conflict, fmt::format("agent `{}` holds {} items; a total capacity of {} is below that", name(u.id),
                                      agent.load_total, capacity.total));
  }

  const bool fresh = a == kNoIndex;
  if (fresh) {
    a = static_cast<std::uint32_t>(agents_.size());
    agents_.emplace_back();
    Agent& agent = agents_.back();
    agent.id = u.id;
    agent.skills.assign(static_cast<std::size_t>(rules_.skill_count), -1);
    agent.serial = next_agent_serial_++;
    agent.state_since = now();
    if (u.id >= agent_by_id_.size()) agent_by_id_.resize(std::max<std::size_t>(pool_.size(), std::size_t{u.id} + 1), kNoIndex);
    agent_by_id_[u.id] = a;
  }
  withdraw(a);
  Agent& agent = agents_[a];
  if (fresh || u.capacity) {
    agent.limits.assign(media_ids_.size(), capacity.other_media);
    for (const auto& [media, limit] : limits) agent.limits[media] = limit;
    agent.other_media = capacity.other_media;
    agent.total = capacity.total;
  }
  const bool rules_view = u.skills || u.groups || u.attributes;
  if (u.skills) agent.skills = *u.skills;
  if (u.groups) agent.groups = *u.groups;
  if (u.attributes) {
    agent.attribute_names.clear();
    agent.attribute_values.clear();
    for (const auto& [n, v] : *u.attributes) {
      agent.attribute_names.push_back(n);
      agent.attribute_values.push_back(v);
    }
  }
  const AgentState was = agent.state;
  const std::uint32_t was_reason = agent.reason;
  const AgentState next = u.state ? *u.state : (fresh ? AgentState::Ready : was);
  if (next == AgentState::LoggedOut) {
    if (was != AgentState::LoggedOut) log_out(a, u.reason);
    else if (u.state) agent.reason = u.reason;  // (an agent restored logged out keeps its reason)
    settle();
    return Status::done();
  }
  agent.state = next;
  // A line that gives no state changes only the fields it gives: a not-ready agent keeps its
  // reason (docs/replay.md); one that sets the state sets the reason with it.
  agent.reason = next != AgentState::NotReady ? kNoId : u.state ? u.reason : was_reason;
  if (next == AgentState::Ready && was != AgentState::Ready) agent.idle_since = now();
  if (was == AgentState::LoggedOut || rules_view)
    join_targets(a);  // publishes
  else
    publish(a);
  if (was != next || agent.reason != was_reason) {
    agents_[a].state_since = now();
    emit_agent(agents_[a], was, Cause::AgentChange);
  }
  offer_agent(a);
  settle();
  return Status::done();
}

// The agent leaves: its offers and assignments go back to the queue (they keep their place);
// its workbin stays.
void Runtime::log_out(std::uint32_t a, std::uint32_t reason) {
  Agent& agent = agents_[a];
  const AgentState was = agent.state;
  agent.state = AgentState::LoggedOut;
  agent.reason = reason;  // kept while logged out: shown with the agent, in the event and the history
  agent.state_since = now();
  agent.targets.clear();
  emit_agent(agent, was, Cause::Logout);
  const std::vector<std::uint32_t> held = agent.held;
  for (std::uint32_t i : held) {
    const ItemState from = items_[i].state;
    leave_agent(i);
    enter_queue(i);
    emit_item(items_[i], from, Cause::Logout, a);
  }
  for (std::uint32_t i : held) offer_item(i);
}

}  // namespace iwd::runtime
