// Runtime: deadlines. Each item has at most one deadline per kind (work_item.h) and one entry
// in the heap, at its earliest; fire_due() wakes exactly the items whose instant has come.
#include "runtime/runtime.h"

namespace iwd::runtime {

void Runtime::set_deadline(std::uint32_t i, Deadline kind, std::int64_t at) {
  WorkItem& item = items_[i];
  if (item.deadlines[kind] == at) return;
  item.deadlines[kind] = at;
  deadlines_.set(i, item.next_deadline(), item.serial);
}

void Runtime::fire_due() {
  firing_ = true;
  const std::int64_t t = now();
  while (!deadlines_.empty() && deadlines_.top().at <= t) {
    const std::uint32_t i = deadlines_.top().item;
    for (std::uint8_t kind = 0; kind < kDeadlineCount; ++kind) {
      WorkItem& item = items_[i];
      if (!is_open(item.state)) break;  // an earlier deadline ended it
      const std::int64_t at = item.deadlines[kind];
      if (at == abi::kNone || at > t) continue;
      item.deadlines[kind] = abi::kNone;
      fire(i, static_cast<Deadline>(kind));
    }
    if (is_open(items_[i].state)) deadlines_.set(i, items_[i].next_deadline(), items_[i].serial);
  }
  firing_ = false;
}

void Runtime::fire(std::uint32_t i, Deadline kind) {
  WorkItem& item = items_[i];
  switch (kind) {
    case kDeadlineExpire:
      end(i, ItemState::Expired, Cause::Expire);
      return;
    case kDeadlineState:
      if (item.state == ItemState::Deferred) {
        enter_queue(i);
        emit_item(item, ItemState::Deferred, Cause::Activate, kNoIndex);
        offer_item(i);
      } else if (item.state == ItemState::Offered) {
        return_offer(i, Cause::OfferTimeout);
      } else if (item.state == ItemState::DonePending) {
        enter_queue(i);
        emit_item(item, ItemState::DonePending, Cause::CompleteTimeout, kNoIndex);
        offer_item(i);
      }
      return;
    case kDeadlinePriority:
      if (item.state == ItemState::Queued) on_priority_due(i);
      return;
    case kDeadlineStage:
      if (item.state == ItemState::Queued) on_stage_due(i);
      return;
    case kDeadlineCount:
      break;
  }
}

void Runtime::on_priority_due(std::uint32_t i) {
  WorkItem& item = items_[i];
  const std::int64_t age = item.age(now());
  const std::int64_t p = with_override(i, rules_.priority(rules_.ctx, item.process, &item.record, &item.clock, age));
  if (p != item.priority) {
    const std::int64_t previous = item.priority;
    item.priority = p;
    for (std::uint32_t k = 0; k < item.stage_count; ++k)
      if (item.stage(k).queued())
        targets_[item.stage(k).target].items_for(item.media).reprioritize(item.stage(k).position, p, items_);
    Event e = item_event(EventKind::PriorityChanged, Cause::Age, item);  // item.priority is p now
    e.previous_priority = previous;
    sink_.on_event(e);
  }
  schedule_priority(i, age);
}

void Runtime::on_stage_due(std::uint32_t i) {
  join_open_stages(i, true);
  offer_item(i);
}

void Runtime::schedule_priority(std::uint32_t i, std::int64_t age) {
  WorkItem& item = items_[i];
  abi::NextChange next;
  rules_.next_change(rules_.ctx, item.process, &item.record, &item.clock, age, &next);
  std::int64_t at = abi::kNone;
  if (!next.never) at = std::max(item.clock.start + next.age, now() + 1);  // always forward
  if (const PriorityOverride* o = overrides_.empty() ? nullptr : priority_override(item); o && o->until != abi::kNone)
    at = at == abi::kNone ? o->until : std::min(at, o->until);  // the override ends: the rules' priority again
  set_deadline(i, kDeadlinePriority, at);
}

void Runtime::schedule_stage(std::uint32_t i, std::int64_t age) {
  WorkItem& item = items_[i];
  std::int64_t next = abi::kNone;
  for (std::uint32_t k = 0; k < item.stage_count; ++k) {
    const std::int64_t opens = item.stage(k).opens_at;
    if (opens != abi::kNone && opens > age && (next == abi::kNone || opens < next)) next = opens;
  }
  set_deadline(i, kDeadlineStage, next == abi::kNone ? abi::kNone : item.clock.start + next);
}

}  // namespace iwd::runtime
