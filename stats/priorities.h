// A group's priorities (stats/queue_stats.h): the multiset of its open items' priorities, for
// the range a request shows. Every capture and end updates it in each of the item's groups
// (five with four `report by` dimensions), and a group holds few distinct priorities at a
// time (a start, a boost, a step or two of age): those live in the group's own cache line,
// only the rest in a map. The std::map alone cost a cold node or two per update, the largest
// part of removing an item from its groups.
#pragma once

#include <algorithm>
#include <array>
#include <cassert>
#include <cstdint>
#include <map>

namespace iwd::stats {

class Priorities {
 public:
  void add(std::int64_t p) {
    if (std::uint32_t* c = inline_count(p)) {
      ++*c;
    } else if (n_ < kInline && (more_.empty() || !more_.contains(p))) {
      value_[n_] = p;
      count_[n_++] = 1;
    } else {
      ++more_[p];
    }
  }
  // `p` must be held.
  void remove(std::int64_t p) {
    if (std::uint32_t* c = inline_count(p)) {
      if (--*c > 0) return;
      // Its slot taken by the last one: the inline values are in no order.
      const auto i = static_cast<std::size_t>(c - count_.data());
      --n_;
      value_[i] = value_[n_];
      count_[i] = count_[n_];
      return;
    }
    const auto it = more_.find(p);
    assert(it != more_.end());
    if (--it->second == 0) more_.erase(it);
  }
  bool empty() const { return n_ == 0 && more_.empty(); }
  // Both meaningful when not empty().
  std::int64_t min() const {
    std::int64_t m = more_.empty() ? value_[0] : more_.begin()->first;
    for (std::uint8_t i = 0; i < n_; ++i) m = std::min(m, value_[i]);
    return m;
  }
  std::int64_t max() const {
    std::int64_t m = more_.empty() ? value_[0] : more_.rbegin()->first;
    for (std::uint8_t i = 0; i < n_; ++i) m = std::max(m, value_[i]);
    return m;
  }

 private:
  static constexpr std::uint8_t kInline = 4;
  std::uint32_t* inline_count(std::int64_t p) {
    for (std::uint8_t i = 0; i < n_; ++i)
      if (value_[i] == p) return &count_[i];
    return nullptr;
  }

  // A value is held inline or in more_, never in both.
  std::array<std::int64_t, kInline> value_{};
  std::array<std::uint32_t, kInline> count_{};
  std::uint8_t n_ = 0;
  std::map<std::int64_t, std::uint32_t> more_;
};

}  // namespace iwd::stats
