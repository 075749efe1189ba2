// A queue of timed entries, earliest first, for instants that nearly always come in order (a
// capture instant, or that instant plus an age bound): those go to the back of a FIFO, with no
// heap to sift through cold memory; the few that come early (an item moved to another group,
// a rebuild in item-table order) go to a heap beside it. Entries are dropped lazily: top()
// skips those `live` rejects, and compact() drops them all when they outnumber the others.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <vector>

namespace iwd::stats {

// T has `std::int64_t at`.
template <typename T>
class MinQueue {
 public:
  void push(const T& v) {
    if (head_ == fifo_.size() || fifo_.back().at <= v.at) {
      fifo_.push_back(v);
    } else {
      late_.push_back(v);
      std::push_heap(late_.begin(), late_.end(), later);
    }
  }
  std::size_t size() const { return fifo_.size() - head_ + late_.size(); }

  // The earliest entry `live` accepts (those it rejects before it are dropped); null: none.
  template <typename Live>
  const T* top(Live live) {
    while (head_ < fifo_.size() && !live(fifo_[head_])) advance();
    while (!late_.empty() && !live(late_.front())) pop_late();
    const T* a = head_ < fifo_.size() ? &fifo_[head_] : nullptr;
    const T* b = late_.empty() ? nullptr : &late_.front();
    return !a ? b : !b ? a : b->at < a->at ? b : a;
  }
  // Drops the entry top() returned.
  void pop(const T* t) {
    if (head_ < fifo_.size() && t == &fifo_[head_]) advance();
    else pop_late();
  }
  // Every entry `live` rejects dropped at once.
  template <typename Live>
  void compact(Live live) {
    fifo_.erase(fifo_.begin(), fifo_.begin() + static_cast<std::ptrdiff_t>(head_));
    head_ = 0;
    std::erase_if(fifo_, [&](const T& v) { return !live(v); });
    std::erase_if(late_, [&](const T& v) { return !live(v); });
    std::make_heap(late_.begin(), late_.end(), later);
  }

 private:
  static bool later(const T& a, const T& b) { return a.at > b.at; }
  void advance() {
    if (++head_ == fifo_.size()) {
      fifo_.clear();
      head_ = 0;
    } else if (head_ >= 1024 && 2 * head_ >= fifo_.size()) {
      fifo_.erase(fifo_.begin(), fifo_.begin() + static_cast<std::ptrdiff_t>(head_));
      head_ = 0;
    }
  }
  void pop_late() {
    std::pop_heap(late_.begin(), late_.end(), later);
    late_.pop_back();
  }

  std::vector<T> fifo_;  // non-decreasing `at` from head_ on
  std::size_t head_ = 0;
  std::vector<T> late_;  // a min-heap on `at`
};

}  // namespace iwd::stats
