#include "history/open_items.h"

#include <algorithm>
#include <cassert>
#include <functional>

namespace iwd::history {

std::uint32_t OpenItems::hash(std::string_view item) {
  const std::uint64_t h = std::hash<std::string_view>{}(item);
  return static_cast<std::uint32_t>(h) ^ static_cast<std::uint32_t>(h >> 32);
}

OpenItems::State* OpenItems::find(std::string_view item) {
  if (slots_.empty()) return nullptr;
  const std::uint32_t tag = hash(item);
  for (std::size_t i = home(tag);; i = (i + 1) & (slots_.size() - 1)) {
    const Slot slot = slots_[i];
    if (slot.state == 0) return nullptr;
    if (slot.tag == tag && states_[slot.state - 1].item == item) return &states_[slot.state - 1];
  }
}

OpenItems::State& OpenItems::insert(std::string_view item, std::int64_t row) {
  assert(!find(item));
  if ((size_ + 1) * 2 > slots_.size()) grow();
  std::uint32_t number;
  if (!free_.empty()) {
    number = free_.back();
    free_.pop_back();
  } else {
    number = static_cast<std::uint32_t>(states_.size());
    states_.emplace_back();
  }
  State& s = states_[number];
  s.item.assign(item);
  s.number = number;
  s.row = row;
  s.live = true;
  const std::uint32_t tag = hash(item);
  std::size_t i = home(tag);
  while (slots_[i].state != 0) i = (i + 1) & (slots_.size() - 1);
  slots_[i] = Slot{tag, number + 1};
  ++size_;
  return s;
}

void OpenItems::erase(State& s) {
  assert(s.live);
  const std::size_t mask = slots_.size() - 1;
  std::size_t i = home(hash(s.item));
  while (slots_[i].state != s.number + 1) i = (i + 1) & mask;
  // Backward shift: the entries after the hole that may fill it move up (no tombstones, so a
  // miss still stops at the first empty slot).
  for (std::size_t j = (i + 1) & mask; slots_[j].state != 0; j = (j + 1) & mask) {
    const std::size_t k = home(slots_[j].tag);
    if (((j - k) & mask) >= ((j - i) & mask)) {
      slots_[i] = slots_[j];
      i = j;
    }
  }
  slots_[i] = Slot{};
  --size_;
  if (s.written) gone_.push_back(s.row);
  const std::uint32_t number = s.number;
  s = State{};
  s.number = number;
  free_.push_back(number);
}

void OpenItems::grow() {
  std::vector<Slot> old(std::max<std::size_t>(slots_.size() * 2, 1024));
  old.swap(slots_);
  const std::size_t mask = slots_.size() - 1;
  for (const Slot& slot : old) {
    if (slot.state == 0) continue;
    std::size_t i = home(slot.tag);
    while (slots_[i].state != 0) i = (i + 1) & mask;
    slots_[i] = slot;
  }
}

std::vector<OpenItems::State*> OpenItems::changed() {
  std::vector<State*> out;
  out.reserve(touched_.size());
  for (std::uint32_t number : touched_) {
    State& s = states_[number];
    if (!s.live || !s.touched) continue;  // ended since, or listed twice (its entry reused)
    s.touched = false;
    s.written = true;
    out.push_back(&s);
  }
  std::sort(out.begin(), out.end(), [](const State* a, const State* b) { return a->row < b->row; });
  return out;
}

void OpenItems::clear() {
  states_.clear();
  free_.clear();
  slots_.clear();
  size_ = 0;
  touched_.clear();
  gone_.clear();
}

}  // namespace iwd::history
