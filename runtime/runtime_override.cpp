// Runtime: a supervisor's priority overrides (docs/lifecycle.md, "Priority overrides"). The
// rules' priority is computed as ever; an override is applied on top of it where the runtime
// takes a priority (entering the queue, a classification, each step of the scheme), so the
// rules' table and its ABI are unchanged. Overrides live in a map by item index, empty unless
// a supervisor set one: the common path pays one emptiness test.
#include <fmt/format.h>

#include "runtime/runtime.h"

namespace iwd::runtime {

std::int64_t Runtime::apply_override(std::uint32_t i, std::int64_t p) {
  const auto it = overrides_.find(i);
  if (it == overrides_.end()) return p;
  const PriorityOverride& o = it->second;
  if (o.until != abi::kNone && o.until <= now()) {
    overrides_.erase(it);  // its time is over: the rules' priority again
    return p;
  }
  return o.kind == PriorityOverride::Kind::Fixed ? o.value : p + o.value;
}

const PriorityOverride* Runtime::priority_override(const WorkItem& item) const {
  if (overrides_.empty() || !is_open(item.state)) return nullptr;
  const auto it = overrides_.find(item_index(item.id));
  if (it == overrides_.end() || (it->second.until != abi::kNone && it->second.until <= now())) return nullptr;
  return &it->second;
}

void Runtime::reprioritize(std::uint32_t i, Cause cause, bool always) {
  WorkItem& item = items_[i];
  const std::int64_t age = std::max<std::int64_t>(0, item.age(now()));
  const std::int64_t p = with_override(i, rules_.priority(rules_.ctx, item.process, &item.record, &item.clock, age));
  const std::int64_t previous = item.priority;
  if (p != previous) {
    item.priority = p;
    for (std::uint32_t k = 0; k < item.stage_count; ++k)
      if (item.state == ItemState::Queued && item.stage(k).queued())
        targets_[item.stage(k).target].items_for(item.media).reprioritize(item.stage(k).position, p, items_);
  }
  if (item.state == ItemState::Queued) schedule_priority(i, age);  // an override's end is a deadline
  if (p == previous && !always) return;
  Event e = item_event(EventKind::PriorityChanged, cause, item);
  e.previous_priority = previous;
  sink_.on_event(e);
}

Status Runtime::override_priority(std::uint32_t id, const PriorityOverride& o) {
  const std::uint32_t i = item_index(id);
  if (i == kNoIndex) return Status::fail(Refusal::NotFound, fmt::format("no open item `{}`", name(id)));
  if (o.value > PriorityOverride::kLimit || o.value < -PriorityOverride::kLimit)
    return Status::fail(Refusal::BadInput, fmt::format("a priority override of {} is out of range (at most {} either way)", o.value,
                                                       PriorityOverride::kLimit));
  if (o.until != abi::kNone && o.until <= now())
    return Status::fail(Refusal::BadInput, fmt::format("the override's `until` {} is not after now ({})",
                                                       stdlib::format_instant(stdlib::Instant{o.until}), stdlib::format_instant(clock_.now())));
  overrides_[i] = o;
  reprioritize(i, Cause::Override, true);
  settle();
  return Status::done();
}

Status Runtime::clear_priority_override(std::uint32_t id) {
  const std::uint32_t i = item_index(id);
  if (i == kNoIndex) return Status::fail(Refusal::NotFound, fmt::format("no open item `{}`", name(id)));
  if (!priority_override(items_[i]))
    return Status::fail(Refusal::Conflict, fmt::format("item `{}` has no priority override to clear", name(id)));
  overrides_.erase(i);
  reprioritize(i, Cause::Override, true);
  settle();
  return Status::done();
}

void Runtime::end_override_when_handled(std::uint32_t i) {
  const auto it = overrides_.find(i);
  if (it == overrides_.end() || !it->second.until_handled) return;
  overrides_.erase(it);
  // The rules' priority at once (an event when it differs), not at the next queueing: what
  // the item shows is what a reload or a restart would compute for it.
  reprioritize(i, Cause::Override, false);
}

}  // namespace iwd::runtime
