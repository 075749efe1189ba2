// Runtime: the work item lifecycle driven by the source system: capture, update, cancel,
// hold, resume, restart, reschedule, complete.
#include <fmt/format.h>

#include <cassert>

#include "runtime/outcome.h"
#include "runtime/runtime.h"

namespace iwd::runtime {

std::uint32_t Runtime::open_slot(std::uint32_t id, ItemRecord record, Classification c) {
  std::uint32_t i;
  if (!free_items_.empty()) {
    i = free_items_.back();
    free_items_.pop_back();
  } else {
    i = static_cast<std::uint32_t>(items_.size());
    items_.emplace_back();
  }
  if (id >= item_by_id_.size()) item_by_id_.resize(std::max<std::size_t>(pool_.size(), std::size_t{id} + 1), kNoIndex);
  item_by_id_[id] = i;
  ++open_count_;
  WorkItem& item = items_[i];
  item.id = id;
  item.serial = next_serial_++;
  commit(i, std::move(record), std::move(c));
  return i;
}

Status Runtime::capture(ItemRecord record) { return capture(std::move(record), Evaluated{}); }

Status Runtime::capture(ItemRecord record, const Evaluated& ahead) {
  if (record.slot_count() != schema_.attributes.size())
    return Status::fail(Refusal::BadInput, fmt::format("the item has {} attribute slots; the rules' schema has {}", record.slot_count(),
                                    schema_.attributes.size()));
  if (!record.present(kSlotId)) return Status::fail(Refusal::BadInput, "a captured item needs an `id`");
  const std::uint32_t id = record.get_string(kSlotId);
  if (item_index(id) != kNoIndex) return Status::fail(Refusal::Conflict, fmt::format("an open item with id `{}` exists", name(id)));
  const std::int64_t t = now();
  record.set_int(kSlotCapturedAt, t);
  if (const int slot = schema_.last_agent_slot(); slot >= 0) record.clear(static_cast<std::uint32_t>(slot));  // no one held it yet
  Classification c = ahead.at == t ? classified(record, ahead.result, t) : classify(record, t);
  if (c.process < 0) {
    Event e;
    e.kind = EventKind::ItemStateChanged;
    e.cause = Cause::Capture;
    e.at = t;
    e.item = id;
    e.to_item = e.state = ItemState::Rejected;
    e.captured_at = t;
    e.detail = c.rejection;
    stamp_dimensions(e, record);
    sink_.on_event(e);
    settle();
    return Status::done();
  }
  const std::uint32_t i = open_slot(id, std::move(record), std::move(c));
  WorkItem& item = items_[i];
  const bool queued = place(i, t, /*priced=*/true);  // commit() priced it at t: a queued item's age is not negative
  emit_item(item, ItemState::None, Cause::Capture, kNoIndex);
  if (queued) offer_item(i);
  settle();
  return Status::done();
}

Status Runtime::update(ItemRecord record) {
  if (record.slot_count() != schema_.attributes.size())
    return Status::fail(Refusal::BadInput, fmt::format("the item has {} attribute slots; the rules' schema has {}", record.slot_count(),
                                    schema_.attributes.size()));
  if (!record.present(kSlotId)) return Status::fail(Refusal::BadInput, "an update needs the item's `id`");
  const std::uint32_t i = item_index(record.get_string(kSlotId));
  if (i == kNoIndex) return Status::fail(Refusal::NotFound, fmt::format("no open item `{}`", name(record.get_string(kSlotId))));
  const std::int64_t t = now();
  record.set_int(kSlotCapturedAt, items_[i].record.get_int(kSlotCapturedAt));
  if (const int slot = schema_.last_agent_slot(); slot >= 0) {  // the runtime's to set: kept
    const auto s = static_cast<std::uint32_t>(slot);
    if (items_[i].record.present(s)) record.set_string(s, items_[i].record.get_string(s));
    else record.clear(s);
  }
  Classification c = classify(record, t);
  if (c.process < 0)
    return Status::fail(Refusal::RefusedByRules, fmt::format("update of `{}` refused, the rules reject the new attributes: {}",
                                    name(items_[i].id), c.rejection));
  const ItemState from = items_[i].state;
  if (from == ItemState::Queued) leave_queues(i);
  commit(i, std::move(record), std::move(c));
  WorkItem& item = items_[i];
  switch (from) {
    case ItemState::Deferred:
    case ItemState::Queued:
      if (place(i, t)) {
        emit_item(item, from, Cause::Update, kNoIndex);
        offer_item(i);
      } else {
        emit_item(item, from, Cause::Update, kNoIndex);
      }
      break;
    case ItemState::Offered: {
      const abi::Agent view = agents_[item.agent].view();
      if (!activates_later(item, t) &&
          rules_.eligible(rules_.ctx, item.process, &item.record, &item.clock, item.age(t), &view)) {
        emit_item(item, from, Cause::Update, item.agent);
        break;
      }
      const std::uint32_t a = leave_agent(i);
      place(i, t);
      emit_item(item, from, Cause::Update, a);
      offer_item(i);
      offer_agent(a);
      break;
    }
    default:  // held, assigned, parked, done_pending: they stay, with the new classification
      emit_item(item, from, Cause::Update, item.agent);
      break;
  }
  settle();
  return Status::done();
}

Status Runtime::cancel(std::uint32_t id) {
  const std::uint32_t i = item_index(id);
  if (i == kNoIndex) return Status::fail(Refusal::NotFound, fmt::format("no open item `{}`", name(id)));
  end(i, ItemState::Canceled, Cause::Cancel);
  settle();
  return Status::done();
}

Status Runtime::hold(std::uint32_t id) {
  const std::uint32_t i = item_index(id);
  if (i == kNoIndex) return Status::fail(Refusal::NotFound, fmt::format("no open item `{}`", name(id)));
  WorkItem& item = items_[i];
  const ItemState from = item.state;
  if (from != ItemState::Deferred && from != ItemState::Queued && from != ItemState::Offered)
    return illegal(item, "only a deferred, queued or offered item can be held");
  std::uint32_t freed = kNoIndex;
  if (from == ItemState::Queued) leave_queues(i);
  if (from == ItemState::Offered) freed = leave_agent(i);
  set_deadline(i, kDeadlineState, abi::kNone);
  item.state = ItemState::Held;
  emit_item(item, from, Cause::Hold, freed);
  if (freed != kNoIndex) offer_agent(freed);
  settle();
  return Status::done();
}

Status Runtime::resume(std::uint32_t id) {
  const std::uint32_t i = item_index(id);
  if (i == kNoIndex) return Status::fail(Refusal::NotFound, fmt::format("no open item `{}`", name(id)));
  WorkItem& item = items_[i];
  if (item.state != ItemState::Held) return illegal(item, "only a held item can be resumed");
  const bool queued = place(i, now());
  emit_item(item, ItemState::Held, Cause::Resume, kNoIndex);
  if (queued) offer_item(i);
  settle();
  return Status::done();
}

Status Runtime::restart(std::uint32_t id) {
  const std::uint32_t i = item_index(id);
  if (i == kNoIndex) return Status::fail(Refusal::NotFound, fmt::format("no open item `{}`", name(id)));
  const std::int64_t t = now();
  ItemRecord record = items_[i].record;
  record.set_int(kSlotCapturedAt, t);
  Classification c = classify(record, t);
  if (c.process < 0)
    return Status::fail(Refusal::RefusedByRules, fmt::format("restart of `{}` refused, the rules reject it now: {}", name(id), c.rejection));
  WorkItem& item = items_[i];
  const ItemState from = item.state;
  const Detached d = detach(i);
  item.agent = kNoIndex;
  item.place = 0;
  set_deadline(i, kDeadlineState, abi::kNone);
  commit(i, std::move(record), std::move(c));
  place(i, t);
  emit_item(item, from, Cause::Restart, d.shown);
  offer_item(i);
  if (d.freed != kNoIndex) offer_agent(d.freed);
  settle();
  return Status::done();
}

Status Runtime::reschedule(std::uint32_t id, std::optional<std::int64_t> activate_at, std::optional<std::int64_t> due_at) {
  const std::uint32_t i = item_index(id);
  if (i == kNoIndex) return Status::fail(Refusal::NotFound, fmt::format("no open item `{}`", name(id)));
  if (items_[i].state == ItemState::DonePending)
    return illegal(items_[i], "a done item waits for the source; it cannot be rescheduled");
  const std::int64_t t = now();
  ItemRecord record = items_[i].record;
  auto set = [&record](std::uint32_t slot, std::optional<std::int64_t> v) {
    if (!v) return;
    if (*v == abi::kNone)
      record.clear(slot);
    else
      record.set_int(slot, *v);
  };
  set(kSlotActivateAt, activate_at);
  set(kSlotDueAt, due_at);
  Classification c = classify(record, t);
  if (c.process < 0)
    return Status::fail(Refusal::RefusedByRules, fmt::format("reschedule of `{}` refused, the rules reject it: {}", name(id), c.rejection));
  WorkItem& item = items_[i];
  const ItemState from = item.state;
  const Detached d = detach(i);
  if (from != ItemState::Held) item.agent = kNoIndex;
  set_deadline(i, kDeadlineState, abi::kNone);
  commit(i, std::move(record), std::move(c));
  if (from == ItemState::Held)
    item.state = ItemState::Held;
  else
    place(i, t);
  emit_item(item, from, Cause::Reschedule, d.shown);
  offer_item(i);
  if (d.freed != kNoIndex) offer_agent(d.freed);
  settle();
  return Status::done();
}

Status Runtime::complete(std::uint32_t id, std::uint32_t outcome) {
  const std::uint32_t i = item_index(id);
  if (i == kNoIndex) return Status::fail(Refusal::NotFound, fmt::format("no open item `{}`", name(id)));
  const ItemState s = items_[i].state;
  if (s != ItemState::Assigned && s != ItemState::DonePending && s != ItemState::Parked)
    return illegal(items_[i], "only an assigned, done or parked item can be completed (cancel withdraws it)");
  if (outcome != kNoId)
    if (std::string problem = outcome_problem(rules_, pool_.view(outcome)); !problem.empty()) return Status::fail(Refusal::BadInput, problem);
  end(i, ItemState::Completed, Cause::Complete, outcome);
  settle();
  return Status::done();
}

}  // namespace iwd::runtime
