// Runtime: the steps the lifecycle's transitions share: classification, taking a new
// classification, expiry, deferral, leaving an agent, returning an offer, ending.
#include <cassert>

#include "runtime/runtime.h"

namespace iwd::runtime {

Runtime::Classification Runtime::classify(const ItemRecord& record, std::int64_t at) {
  Classification c;
  std::int32_t detail = 0;
  c.process = rules_.classify(rules_.ctx, &record, at, &detail);
  if (c.process < 0 || c.process >= rules_.process_count) {
    c.process = -1;
    c.rejection = rules_.rejection(rules_.ctx, detail);
    return c;
  }
  rules_.clock(rules_.ctx, c.process, &record, at, &c.clock);
  classify_rest(record, c);
  return c;
}

void Runtime::classify_rest(const ItemRecord& record, Classification& c) {
  rules_.terms(rules_.ctx, c.process, &record, &c.clock, &c.terms);
  std::uint32_t media = workitem_;
  if (c.terms.media != abi::kNone)
    media = static_cast<std::uint32_t>(c.terms.media);  // the process's media wins
  else if (record.present(kSlotMedia))
    media = record.get_string(kSlotMedia);
  c.media = media_index(media);
  c.stages.resize(rules_.stage_counts[c.process]);
  if (!c.stages.empty()) rules_.stages(rules_.ctx, c.process, &record, &c.clock, c.stages.data());
}

// The item takes its new record and classification. It must be in no queue.
void Runtime::commit(std::uint32_t i, ItemRecord record, Classification c) {
  WorkItem& item = items_[i];
  for (std::uint32_t k = 0; k < item.stage_count; ++k) {
    assert(!item.stage(k).open());
    if (item.stage(k).target != kNoIndex) release_target(item.stage(k).target);
  }
  item.record = std::move(record);
  item.process = c.process;
  item.clock = c.clock;
  item.media = c.media;
  assert(c.stages.size() <= 0xffff);
  item.set_stage_count(static_cast<std::uint16_t>(c.stages.size()));
  for (std::uint32_t k = 0; k < item.stage_count; ++k) {
    item.stage(k).opens_at = c.stages[k].opens_at;
    item.stage(k).target = acquire_target(item, k, c.stages[k]);
  }
  item.priority = with_override(
      i, c.priority ? *c.priority
                    : rules_.priority(rules_.ctx, item.process, &item.record, &item.clock, std::max<std::int64_t>(0, item.age(now()))));
  set_expiry(i, c.terms);
}

abi::ProcessTerms Runtime::terms_of(const WorkItem& item) const {
  abi::ProcessTerms t;
  rules_.terms(rules_.ctx, item.process, &item.record, &item.clock, &t);
  return t;
}

std::int64_t Runtime::after(std::int64_t duration) const {
  return duration == abi::kNone ? abi::kNone : now() + std::max<std::int64_t>(0, duration);
}

bool Runtime::activates_later(const WorkItem& item, std::int64_t at) const { return item.clock.start > at; }

void Runtime::set_expiry(std::uint32_t i, const abi::ProcessTerms& terms) {
  const WorkItem& item = items_[i];
  std::int64_t at = abi::kNone;
  if (item.record.present(kSlotExpireAt)) at = item.record.get_int(kSlotExpireAt);
  if (terms.expire_after != abi::kNone) {
    const std::int64_t limit = item.clock.start + std::max<std::int64_t>(0, terms.expire_after);
    if (at == abi::kNone || limit < at) at = limit;
  }
  set_deadline(i, kDeadlineExpire, at);
}

void Runtime::defer(std::uint32_t i) {
  WorkItem& item = items_[i];
  item.state = ItemState::Deferred;
  item.agent = kNoIndex;
  item.place = 0;  // it enters distribution anew when it activates
  set_deadline(i, kDeadlinePriority, abi::kNone);
  set_deadline(i, kDeadlineStage, abi::kNone);
  set_deadline(i, kDeadlineState, item.clock.start);
}

std::uint32_t Runtime::leave_agent(std::uint32_t i) {
  WorkItem& item = items_[i];
  assert(item.state == ItemState::Offered || item.state == ItemState::Assigned);
  const std::uint32_t a = item.agent;
  uncharge(a, i);
  item.agent = kNoIndex;
  set_deadline(i, kDeadlineState, abi::kNone);
  return a;
}

void Runtime::return_offer(std::uint32_t i, Cause cause) {
  const std::uint32_t a = leave_agent(i);
  Agent& agent = agents_[a];
  const AgentState was = agent.state;
  const std::uint32_t was_reason = agent.reason;
  withdraw(a);
  agent.state = AgentState::NotReady;
  agent.reason = rona_;
  enter_queue(i);
  emit_item(items_[i], ItemState::Offered, cause, a);
  if (was != AgentState::NotReady || was_reason != rona_) {
    agent.state_since = now();
    emit_agent(agent, was, cause);
  }
  offer_item(i);
}

void Runtime::note_holder(std::uint32_t i, std::uint32_t a) {
  const int slot = schema_.last_agent_slot();
  if (slot < 0) return;  // rules built before last_agent existed
  WorkItem& item = items_[i];
  const auto s = static_cast<std::uint32_t>(slot);
  const std::uint32_t id = agents_[a].id;
  if (item.record.present(s) && item.record.get_string(s) == id) return;
  item.record.set_string(s, id);
  if (!reads_last_agent_) return;
  // As an update of an attribute (Runtime::update) of an item that stays with its agent.
  Classification c = classify(item.record, now());
  if (c.process < 0) return;
  ItemRecord record = item.record;
  commit(i, std::move(record), std::move(c));
}

void Runtime::end(std::uint32_t i, ItemState final_state, Cause cause, std::uint32_t outcome) {
  WorkItem& item = items_[i];
  const ItemState from = item.state;
  const Detached d = detach(i);
  item.state = final_state;
  emit_item(item, from, cause, d.shown, outcome);
  for (std::uint32_t k = 0; k < item.stage_count; ++k)
    if (item.stage(k).target != kNoIndex) release_target(item.stage(k).target);
  deadlines_.set(i, abi::kNone, item.serial);
  if (!overrides_.empty()) overrides_.erase(i);
  item_by_id_[item.id] = kNoIndex;
  --open_count_;
  items_[i] = WorkItem{};
  free_items_.push_back(i);
  if (d.freed != kNoIndex) offer_agent(d.freed);
}

}  // namespace iwd::runtime

namespace iwd::runtime {

bool Runtime::place(std::uint32_t i, std::int64_t t, bool priced) {
  if (activates_later(items_[i], t)) {
    defer(i);
    return false;
  }
  enter_queue(i, priced);
  return true;
}

Runtime::Detached Runtime::detach(std::uint32_t i) {
  const ItemState from = items_[i].state;
  Detached d;
  if (from == ItemState::Queued) leave_queues(i);
  if (from == ItemState::Offered || from == ItemState::Assigned) d.freed = leave_agent(i);
  d.shown = d.freed != kNoIndex ? d.freed : items_[i].agent;
  return d;
}

}  // namespace iwd::runtime
