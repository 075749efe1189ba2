// A dimension's values to their cells (stats/queue_stats.h): found at every capture, once per
// `report by` dimension. Open addressing in one array with a multiplicative hash: the
// std::unordered_map it replaces spent most of its time in the division of its bucket index
// and in following a node to its key.
#pragma once

#include <cstdint>
#include <vector>

namespace iwd::stats {

class ValueIndex {
 public:
  // The cell of `value`; when it has none, `fresh()` gives it one (called once per new value).
  template <typename Fresh>
  std::uint32_t find_or_add(std::int64_t value, Fresh fresh) {
    if (2 * (used_ + 1) > slots_.size()) grow();
    for (std::size_t i = home(value);; i = (i + 1) & (slots_.size() - 1)) {
      Slot& s = slots_[i];
      if (s.cell == kEmpty) {
        s = Slot{value, fresh()};
        ++used_;
        return s.cell;
      }
      if (s.value == value) return s.cell;
    }
  }

 private:
  static constexpr std::uint32_t kEmpty = 0xffffffffu;
  struct Slot {
    std::int64_t value = 0;
    std::uint32_t cell = kEmpty;
  };
  // Fibonacci hashing: the top bits of the product, so that values that differ in their low
  // bits only (small ints, interned ids, enum indexes) spread over the table.
  std::size_t home(std::int64_t value) const {
    return static_cast<std::size_t>((static_cast<std::uint64_t>(value) * 0x9E3779B97F4A7C15ull) >> (64 - bits_));
  }
  void grow() {
    std::vector<Slot> old = std::move(slots_);
    bits_ = old.empty() ? 4 : bits_ + 1;
    slots_.assign(std::size_t{1} << bits_, Slot{});
    for (const Slot& s : old)
      if (s.cell != kEmpty)
        for (std::size_t i = home(s.value);; i = (i + 1) & (slots_.size() - 1))
          if (slots_[i].cell == kEmpty) {
            slots_[i] = s;
            break;
          }
  }

  std::vector<Slot> slots_;  // a power of two, at most half used
  std::size_t used_ = 0;
  int bits_ = 0;
};

}  // namespace iwd::stats
