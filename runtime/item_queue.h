// ItemQueue: the queued items of one target and one media, best first: priority highest
// first, then the earliest place (entry into distribution). A binary heap that records each
// item's position in its StageSlot, so an item leaves or moves in O(log n).
#pragma once

#include <cstdint>
#include <vector>

#include "runtime/work_item.h"

namespace iwd::runtime {

class ItemQueue {
 public:
  struct Entry {
    std::int64_t priority;
    std::uint64_t place;
    std::uint32_t item;  // index into the runtime's items
    std::uint32_t slot;  // which of the item's stages holds the position
  };
  // Whether `a` goes before `b` in the universal queue's order.
  static bool before(const Entry& a, const Entry& b) {
    return a.priority != b.priority ? a.priority > b.priority : a.place < b.place;
  }

  bool empty() const { return heap_.empty(); }
  std::size_t size() const { return heap_.size(); }
  const Entry& top() const { return heap_.front(); }
  const std::vector<Entry>& entries() const { return heap_; }

  void push(const Entry& e, ItemTable& items);
  void erase(std::uint32_t position, ItemTable& items);
  // The item at `position` now has `priority`.
  void reprioritize(std::uint32_t position, std::int64_t priority, ItemTable& items);

 private:
  void place_at(std::uint32_t position, const Entry& e, ItemTable& items);
  void sift_up(std::uint32_t position, ItemTable& items);
  void sift_down(std::uint32_t position, ItemTable& items);

  std::vector<Entry> heap_;
};

// DeadlineHeap: each item's earliest deadline, earliest first (ties: capture order). One
// entry per item, so the heap never holds stale entries and no periodic sweep is needed.
class DeadlineHeap {
 public:
  struct Entry {
    std::int64_t at;
    std::uint32_t serial;  // the item's capture serial, low 32 bits: ties at one instant go in
                           // capture order (after 2^32 captures, still in a fixed order)
    std::uint32_t item;
  };

  bool empty() const { return heap_.empty(); }
  std::size_t size() const { return heap_.size(); }
  const Entry& top() const { return heap_.front(); }
  // Sets item's wake-up instant (abi::kNone removes it).
  void set(std::uint32_t item, std::int64_t at, std::uint64_t serial);
  // Whether the item is in the heap, and at which instant (for consistency checks).
  std::int64_t at(std::uint32_t item) const;

 private:
  static bool before(const Entry& a, const Entry& b) {
    return a.at != b.at ? a.at < b.at : a.serial != b.serial ? a.serial < b.serial : a.item < b.item;
  }
  void put(std::uint32_t position, const Entry& e);
  void sift_up(std::uint32_t position);
  void sift_down(std::uint32_t position);

  std::vector<Entry> heap_;
  std::vector<std::uint32_t> position_;  // per item index; kNoIndex: not in the heap
};

}  // namespace iwd::runtime
