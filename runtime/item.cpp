#include "runtime/item.h"

#include <algorithm>
#include <cstring>

namespace iwd::runtime {

ItemRecord::ItemRecord(std::uint32_t slot_count) {
  const std::uint32_t p = presence_words_for(slot_count);
  words_.assign(1 + std::size_t{p} + slot_count, 0);
  const RecordHeader h{slot_count, p};
  std::memcpy(words_.data(), &h, sizeof h);
}

std::span<const std::int64_t> ItemRecord::list(std::uint32_t i) const {
  if (!present(i)) return {};
  const auto idx = slot(i);
  if (idx >= lists_.size()) return {};
  return lists_[idx];
}

void ItemRecord::set_list(std::uint32_t i, std::vector<std::int64_t> values) {
  if (present(i) && slot(i) < lists_.size()) {
    lists_[slot(i)] = std::move(values);
    return;
  }
  lists_.push_back(std::move(values));
  put(i, lists_.size() - 1);
}

void ItemRecord::clear(std::uint32_t i) {
  words_[1 + presence_words() + i] = 0;
  words_[1 + (i >> 6)] &= ~(std::uint64_t{1} << (i & 63));
}

}  // namespace iwd::runtime

extern "C" bool iwd_rt_list_contains(const iwd::runtime::ItemRecord* record, std::uint32_t slot,
                                     std::int64_t value) {
  if (record == nullptr || slot >= record->slot_count()) return false;
  auto l = record->list(slot);
  return std::find(l.begin(), l.end(), value) != l.end();
}
