#include "runtime/item_queue.h"

#include <cassert>

namespace iwd::runtime {
namespace {

// The two moves of a binary heap, shared by ItemQueue and DeadlineHeap: `before` orders two
// entries, `place(position, entry)` stores an entry and records where it now is.
template <class Entry, class Before, class Place>
void heap_sift_up(const std::vector<Entry>& heap, std::uint32_t position, Before before, Place place) {
  const Entry e = heap[position];
  while (position > 0) {
    const std::uint32_t parent = (position - 1) / 2;
    if (!before(e, heap[parent])) break;
    place(position, heap[parent]);
    position = parent;
  }
  place(position, e);
}

template <class Entry, class Before, class Place>
void heap_sift_down(const std::vector<Entry>& heap, std::uint32_t position, Before before, Place place) {
  const Entry e = heap[position];
  const auto n = static_cast<std::uint32_t>(heap.size());
  for (;;) {
    std::uint32_t child = 2 * position + 1;
    if (child >= n) break;
    if (child + 1 < n && before(heap[child + 1], heap[child])) ++child;
    if (!before(heap[child], e)) break;
    place(position, heap[child]);
    position = child;
  }
  place(position, e);
}

}  // namespace

void ItemQueue::place_at(std::uint32_t position, const Entry& e, ItemTable& items) {
  heap_[position] = e;
  items[e.item].stage(e.slot).position = position;
}

void ItemQueue::sift_up(std::uint32_t position, ItemTable& items) {
  heap_sift_up(heap_, position, before, [&](std::uint32_t at, const Entry& e) { place_at(at, e, items); });
}

void ItemQueue::sift_down(std::uint32_t position, ItemTable& items) {
  heap_sift_down(heap_, position, before, [&](std::uint32_t at, const Entry& e) { place_at(at, e, items); });
}

void ItemQueue::push(const Entry& e, ItemTable& items) {
  heap_.push_back(e);
  sift_up(static_cast<std::uint32_t>(heap_.size() - 1), items);
}

void ItemQueue::erase(std::uint32_t position, ItemTable& items) {
  assert(position < heap_.size());
  const Entry gone = heap_[position];
  const Entry last = heap_.back();
  heap_.pop_back();
  items[gone.item].stage(gone.slot).position = StageSlot::kNotQueued;
  if (position == heap_.size()) return;
  place_at(position, last, items);
  if (before(last, gone))
    sift_up(position, items);
  else
    sift_down(position, items);
}

void ItemQueue::reprioritize(std::uint32_t position, std::int64_t priority, ItemTable& items) {
  assert(position < heap_.size());
  const std::int64_t old = heap_[position].priority;
  heap_[position].priority = priority;
  if (priority > old)
    sift_up(position, items);
  else if (priority < old)
    sift_down(position, items);
}

void DeadlineHeap::put(std::uint32_t position, const Entry& e) {
  heap_[position] = e;
  position_[e.item] = position;
}

void DeadlineHeap::sift_up(std::uint32_t position) {
  heap_sift_up(heap_, position, before, [this](std::uint32_t at, const Entry& e) { put(at, e); });
}

void DeadlineHeap::sift_down(std::uint32_t position) {
  heap_sift_down(heap_, position, before, [this](std::uint32_t at, const Entry& e) { put(at, e); });
}

void DeadlineHeap::set(std::uint32_t item, std::int64_t at, std::uint64_t serial) {
  if (item >= position_.size()) position_.resize(std::size_t{item} + 1, kNoIndex);
  const std::uint32_t position = position_[item];
  if (at == abi::kNone) {
    if (position == kNoIndex) return;
    position_[item] = kNoIndex;
    const Entry gone = heap_[position];
    const Entry last = heap_.back();
    heap_.pop_back();
    if (position == heap_.size()) return;
    put(position, last);
    if (before(last, gone))
      sift_up(position);
    else
      sift_down(position);
    return;
  }
  const Entry e{at, static_cast<std::uint32_t>(serial), item};
  if (position == kNoIndex) {
    heap_.push_back(e);
    sift_up(static_cast<std::uint32_t>(heap_.size() - 1));
    return;
  }
  const Entry old = heap_[position];
  heap_[position] = e;
  if (before(e, old))
    sift_up(position);
  else
    sift_down(position);
}

std::int64_t DeadlineHeap::at(std::uint32_t item) const {
  if (item >= position_.size() || position_[item] == kNoIndex) return abi::kNone;
  return heap_[position_[item]].at;
}

}  // namespace iwd::runtime
