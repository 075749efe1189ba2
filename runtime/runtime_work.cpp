// Runtime: what agents (and supervisors) do with items: accept, reject, done, park, pull,
// return, transfer, assign, requeue.
#include <fmt/format.h>

#include "runtime/outcome.h"
#include "runtime/runtime.h"

namespace iwd::runtime {

Status Runtime::accept(std::uint32_t id, std::uint32_t agent) {
  const std::uint32_t i = item_index(id);
  if (i == kNoIndex) return Status::fail(Refusal::NotFound, fmt::format("no open item `{}`", name(id)));
  WorkItem& item = items_[i];
  if (item.state != ItemState::Offered) return illegal(item, "only an offered item can be accepted");
  if (agent != kNoId && agent != agents_[item.agent].id)
    return Status::fail(Refusal::IllegalTransition,
                        fmt::format("item `{}` is offered to `{}`, not to `{}`", name(id), name(agents_[item.agent].id), name(agent)),
                        item.state);
  set_deadline(i, kDeadlineState, abi::kNone);
  item.state = ItemState::Assigned;
  note_holder(i, item.agent);
  emit_item(item, ItemState::Offered, Cause::Accept, item.agent);
  if (!overrides_.empty()) end_override_when_handled(i);
  settle();
  return Status::done();
}

Status Runtime::reject(std::uint32_t id, std::uint32_t agent) {
  const std::uint32_t i = item_index(id);
  if (i == kNoIndex) return Status::fail(Refusal::NotFound, fmt::format("no open item `{}`", name(id)));
  WorkItem& item = items_[i];
  if (item.state != ItemState::Offered) return illegal(item, "only an offered item can be rejected");
  if (agent != kNoId && agent != agents_[item.agent].id)
    return Status::fail(Refusal::IllegalTransition,
                        fmt::format("item `{}` is offered to `{}`, not to `{}`", name(id), name(agents_[item.agent].id), name(agent)),
                        item.state);
  return_offer(i, Cause::Reject);
  settle();
  return Status::done();
}

Status Runtime::done(std::uint32_t id, std::uint32_t outcome) {
  const std::uint32_t i = item_index(id);
  if (i == kNoIndex) return Status::fail(Refusal::NotFound, fmt::format("no open item `{}`", name(id)));
  WorkItem& item = items_[i];
  // Whatever its state: the rules, not the moment, keep agents from ending such an item.
  if (abi::source_completes(rules_, item.process))
    return Status::fail(Refusal::RefusedByRules,
                        fmt::format("item `{}` cannot be marked done by an agent: only the source completes the items of "
                                    "process `{}` (`complete by source`); the source completes it, or a supervisor cancels it",
                                    name(id), rules_.process_names[item.process]));
  if (item.state != ItemState::Assigned) return illegal(item, "only an assigned item can be marked done");
  if (outcome != kNoId)
    if (std::string problem = outcome_problem(rules_, pool_.view(outcome)); !problem.empty()) return Status::fail(Refusal::BadInput, problem);
  const std::uint32_t a = leave_agent(i);
  item.state = ItemState::DonePending;
  set_deadline(i, kDeadlineState, after(terms_of(item).complete_within));
  emit_item(item, ItemState::Assigned, Cause::Done, a, outcome);
  offer_agent(a);
  settle();
  return Status::done();
}

Status Runtime::park(std::uint32_t id) {
  const std::uint32_t i = item_index(id);
  if (i == kNoIndex) return Status::fail(Refusal::NotFound, fmt::format("no open item `{}`", name(id)));
  WorkItem& item = items_[i];
  if (item.state != ItemState::Assigned) return illegal(item, "only an assigned item can be parked");
  const std::uint32_t a = leave_agent(i);
  item.agent = a;  // the workbin's owner
  item.state = ItemState::Parked;
  note_holder(i, a);
  emit_item(item, ItemState::Assigned, Cause::Park, a);
  offer_agent(a);
  settle();
  return Status::done();
}

Status Runtime::pull(std::uint32_t id) {
  const std::uint32_t i = item_index(id);
  if (i == kNoIndex) return Status::fail(Refusal::NotFound, fmt::format("no open item `{}`", name(id)));
  WorkItem& item = items_[i];
  if (item.state != ItemState::Parked) return illegal(item, "only a parked item can be pulled");
  const std::uint32_t a = item.agent;
  if (!agents_[a].logged_in()) return Status::fail(Refusal::AgentUnavailable, fmt::format("agent `{}` is logged out", name(agents_[a].id)));
  if (!agents_[a].has_room(item.media))
    return Status::fail(Refusal::AgentUnavailable, fmt::format("agent `{}` has no room for another `{}` item", name(agents_[a].id), name(media_ids_[item.media])));
  item.state = ItemState::Assigned;
  item.charged_media = item.media;
  charge(a, i);
  note_holder(i, a);
  emit_item(item, ItemState::Parked, Cause::Pull, a);
  settle();
  return Status::done();
}

Status Runtime::return_to_queue(std::uint32_t id) {
  const std::uint32_t i = item_index(id);
  if (i == kNoIndex) return Status::fail(Refusal::NotFound, fmt::format("no open item `{}`", name(id)));
  WorkItem& item = items_[i];
  if (item.state != ItemState::Parked) return illegal(item, "only a parked item can be returned to the queue");
  const std::uint32_t owner = item.agent;
  enter_queue(i);
  emit_item(item, ItemState::Parked, Cause::Return, owner);
  offer_item(i);
  settle();
  return Status::done();
}

Status Runtime::assign(std::uint32_t id, std::uint32_t agent) {
  const std::uint32_t i = item_index(id);
  if (i == kNoIndex) return Status::fail(Refusal::NotFound, fmt::format("no open item `{}`", name(id)));
  const std::uint32_t a = agent_index(agent);
  if (a == kNoIndex) return Status::fail(Refusal::NotFound, fmt::format("no agent `{}`", name(agent)));
  WorkItem& item = items_[i];
  if (item.state != ItemState::Queued) return illegal(item, "only a queued item can be assigned to an agent");
  const Agent& to = agents_[a];
  if (to.state != AgentState::Ready)
    return Status::fail(Refusal::AgentUnavailable, fmt::format("agent `{}` is {}: only a ready agent can be assigned an item", name(agent),
                                                               agent_state_name(to.state)));
  if (!to.has_room(item.media))
    return Status::fail(Refusal::AgentUnavailable, fmt::format("agent `{}` has no room for another `{}` item", name(agent), name(media_ids_[item.media])));
  make_offer(i, a, Cause::Assign);
  settle();
  return Status::done();
}

Status Runtime::requeue(std::uint32_t id) {
  const std::uint32_t i = item_index(id);
  if (i == kNoIndex) return Status::fail(Refusal::NotFound, fmt::format("no open item `{}`", name(id)));
  WorkItem& item = items_[i];
  if (item.state != ItemState::Offered) return illegal(item, "only an offered item can be pulled back to the queue");
  const std::uint32_t a = leave_agent(i);
  enter_queue(i);
  emit_item(item, ItemState::Offered, Cause::Requeue, a);
  offer_item(i);
  offer_agent(a);
  settle();
  return Status::done();
}

Status Runtime::transfer(std::uint32_t id, std::uint32_t to_agent) {
  const std::uint32_t i = item_index(id);
  if (i == kNoIndex) return Status::fail(Refusal::NotFound, fmt::format("no open item `{}`", name(id)));
  const std::uint32_t b = agent_index(to_agent);
  if (b == kNoIndex) return Status::fail(Refusal::NotFound, fmt::format("no agent `{}`", name(to_agent)));
  WorkItem& item = items_[i];
  if (item.state != ItemState::Assigned && item.state != ItemState::Parked)
    return illegal(item, "only an assigned or parked item can be transferred");
  if (item.agent == b) return Status::fail(Refusal::Conflict, fmt::format("item `{}` is already with `{}`", name(id), name(to_agent)));
  if (item.state == ItemState::Parked) {
    item.agent = b;
    note_holder(i, b);
    emit_item(item, ItemState::Parked, Cause::Transfer, b);
    settle();
    return Status::done();
  }
  if (!agents_[b].logged_in()) return Status::fail(Refusal::AgentUnavailable, fmt::format("agent `{}` is logged out", name(to_agent)));
  if (!agents_[b].has_room(item.media))
    return Status::fail(Refusal::AgentUnavailable, fmt::format("agent `{}` has no room for another `{}` item", name(to_agent), name(media_ids_[item.media])));
  const std::uint32_t a = leave_agent(i);
  item.state = ItemState::Assigned;
  item.agent = b;
  item.charged_media = item.media;
  charge(b, i);
  note_holder(i, b);
  emit_item(item, ItemState::Assigned, Cause::Transfer, b);
  offer_agent(a);
  settle();
  return Status::done();
}

}  // namespace iwd::runtime
