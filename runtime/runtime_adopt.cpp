// Runtime: adopting an open item from a runtime on another ruleset (hot reload in the
// server): classified again now, put back in the state it had.
#include <fmt/format.h>

#include "runtime/runtime.h"

namespace iwd::runtime {

Status Runtime::adopt(ItemRecord record, ItemState state, std::uint32_t agent_id, std::int64_t state_deadline,
                      const PriorityOverride* override) {
  if (record.slot_count() != schema_.attributes.size())
    return Status::fail(Refusal::BadInput, fmt::format("the item has {} attribute slots; the rules' schema has {}", record.slot_count(),
                                    schema_.attributes.size()));
  if (!record.present(kSlotId)) return Status::fail(Refusal::BadInput, "an adopted item needs an `id`");
  const std::uint32_t id = record.get_string(kSlotId);
  if (item_index(id) != kNoIndex) return Status::fail(Refusal::Conflict, fmt::format("an open item with id `{}` exists", name(id)));
  if (!is_open(state)) return Status::fail(Refusal::BadInput, fmt::format("item `{}`: only an open item can be adopted", name(id)));
  const bool needs_agent = state == ItemState::Offered || state == ItemState::Assigned || state == ItemState::Parked;
  const std::uint32_t a = needs_agent ? agent_index(agent_id) : kNoIndex;
  if (needs_agent && a == kNoIndex)
    return Status::fail(Refusal::NotFound, fmt::format("item `{}` is with agent `{}`, who is unknown here", name(id), name(agent_id)));
  // Assigned or parked, the item is held by that agent: its last_agent (the record of rules
  // built before last_agent existed has none to carry).
  if (const int slot = schema_.last_agent_slot(); slot >= 0 && (state == ItemState::Assigned || state == ItemState::Parked))
    record.set_string(static_cast<std::uint32_t>(slot), agents_[a].id);
  const std::int64_t t = now();
  Classification c = classify(record, t);
  if (c.process < 0)
    return Status::fail(Refusal::RefusedByRules, fmt::format("item `{}`: the new rules reject it: {}", name(id), c.rejection));

  const std::uint32_t i = open_slot(id, std::move(record), std::move(c));
  WorkItem& item = items_[i];
  if (override && (override->until == abi::kNone || override->until > t)) {
    overrides_[i] = *override;
    item.priority = with_override(i, item.priority);  // the rules' priority, as commit() computed it
  }

  bool queued = false;
  switch (state) {
    case ItemState::Offered: {
      const abi::Agent view = agents_[a].view();
      if (agents_[a].logged_in() && agents_[a].has_room(item.media) && !activates_later(item, t) &&
          rules_.eligible(rules_.ctx, item.process, &item.record, &item.clock, item.age(t), &view)) {
        item.state = ItemState::Offered;
        item.agent = a;
        item.charged_media = item.media;
        charge(a, i);
        set_deadline(i, kDeadlineState, state_deadline);
      } else {
        queued = place(i, t);
      }
      break;
    }
    case ItemState::Assigned:
      item.state = ItemState::Assigned;
      item.agent = a;
      item.charged_media = item.media;
      charge(a, i);
      break;
    case ItemState::Parked:
      item.state = ItemState::Parked;
      item.agent = a;
      break;
    case ItemState::DonePending:
      item.state = ItemState::DonePending;
      set_deadline(i, kDeadlineState, state_deadline);
      break;
    case ItemState::Held:
      item.state = ItemState::Held;
      break;
    default:  // deferred, queued
      queued = place(i, t);
      break;
  }
  emit_item(item, ItemState::None, Cause::Reload, item.agent);
  if (queued) offer_item(i);
  settle();
  return Status::done();
}

}  // namespace iwd::runtime
