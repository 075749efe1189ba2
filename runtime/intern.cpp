#include "runtime/intern.h"

#include <bit>
#include <cassert>
#include <mutex>
#include <stdexcept>

namespace iwd::runtime {

StringPool::StringPool() = default;

StringPool::~StringPool() {
  for (auto& c : chunks_) delete[] c.load(std::memory_order_relaxed);
}

StringPool::Location StringPool::locate(std::uint32_t id) {
  const std::uint64_t n = std::uint64_t{id} + (std::uint64_t{1} << kFirstChunkBits);
  const auto k = static_cast<std::size_t>(std::bit_width(n)) - (kFirstChunkBits + 1);
  return {k, static_cast<std::size_t>(n - (std::uint64_t{1} << (kFirstChunkBits + k)))};
}

std::uint64_t StringPool::hash(std::string_view s) { return std::hash<std::string_view>{}(s); }

std::string_view StringPool::text(std::uint32_t id) const {
  const Location loc = locate(id);
  return chunks_[loc.chunk].load(std::memory_order_acquire)[loc.offset];
}

std::optional<std::uint32_t> StringPool::lookup(std::string_view s, std::uint64_t h) const {
  if (slots_.empty()) return std::nullopt;
  const std::size_t mask = slots_.size() - 1;
  const std::uint64_t tag = h >> 32;
  for (std::size_t i = (h >> 32) & mask;; i = (i + 1) & mask) {
    const std::uint64_t slot = slots_[i];
    if (slot == 0) return std::nullopt;
    const auto id = static_cast<std::uint32_t>(slot) - 1;
    if ((slot >> 32) == tag && text(id) == s) return id;
  }
}

void StringPool::insert(std::uint32_t id, std::uint64_t h) {
  // Keep the table at most 70% full: grow (double) and place every id again. A slot's place
  // comes from the hash bits it stores (the upper 32), so growing reads no string and hashes
  // nothing: it is a pass over the table, not a pause in proportion to the text interned.
  if (std::size_t{live_} * 10 > slots_.size() * 7) {
    std::vector<std::uint64_t> old = std::move(slots_);
    slots_.assign(std::max<std::size_t>(1024, old.size() * 2), 0);
    const std::size_t mask = slots_.size() - 1;
    for (std::uint64_t slot : old)
      if (slot != 0) {
        std::size_t i = (slot >> 32) & mask;
        while (slots_[i] != 0) i = (i + 1) & mask;
        slots_[i] = slot;
      }
  }
  const std::size_t mask = slots_.size() - 1;
  std::size_t i = (h >> 32) & mask;
  while (slots_[i] != 0) i = (i + 1) & mask;
  slots_[i] = ((h >> 32) << 32) | (std::uint64_t{id} + 1);
}

std::optional<std::uint32_t> StringPool::find(std::string_view s) const {
  const std::uint64_t h = hash(s);
  std::shared_lock lock(mutex_);
  return lookup(s, h);
}

std::uint32_t StringPool::intern(std::string_view s) {
  const std::uint64_t h = hash(s);
  {
    std::shared_lock lock(mutex_);
    if (auto id = lookup(s, h); id && kinds_[*id] == kPinned) return *id;
  }
  std::unique_lock lock(mutex_);
  if (auto id = lookup(s, h)) {
    kinds_[*id] = kPinned;  // an item's id that is also a value: never released
    return *id;
  }
  return add(s, h, kPinned);
}

std::uint32_t StringPool::intern_item(std::string_view s) {
  const std::uint64_t h = hash(s);
  {
    std::shared_lock lock(mutex_);
    if (auto id = lookup(s, h)) return *id;
  }
  std::unique_lock lock(mutex_);
  if (auto id = lookup(s, h)) return *id;
  return add(s, h, kItem);
}

std::uint32_t StringPool::next_number() {
  const std::uint64_t oldest = readers_.empty() ? UINT64_MAX : *readers_.begin();
  while (!retired_.empty() && retired_.front().epoch < oldest) {
    free_.push_back(retired_.front().id);
    retired_.pop_front();
  }
  if (!free_.empty()) {
    const std::uint32_t id = free_.back();
    free_.pop_back();
    return id;
  }
  const std::uint32_t id = size_.load(std::memory_order_relaxed);
  if (id == UINT32_MAX) throw std::length_error("string pool is full");
  return id;
}

std::uint32_t StringPool::add(std::string_view s, std::uint64_t h, std::uint8_t kind) {
  const std::uint32_t id = next_number();
  const Location loc = locate(id);
  std::string* chunk = chunks_[loc.chunk].load(std::memory_order_relaxed);
  if (chunk == nullptr) {
    chunk = new std::string[std::size_t{1} << (kFirstChunkBits + loc.chunk)];
    chunks_[loc.chunk].store(chunk, std::memory_order_release);
  }
  // A reused number's old string goes now: no reader can view it any more.
  if (chunk[loc.offset].capacity() > 2 * s.size() + 16) std::string().swap(chunk[loc.offset]);
  chunk[loc.offset].assign(s.data(), s.size());
  ++live_;
  insert(id, h);
  if (id == kinds_.size()) {
    kinds_.push_back(kind);
    size_.store(id + 1, std::memory_order_release);
  } else {
    kinds_[id] = kind;
  }
  return id;
}

void StringPool::erase(std::uint32_t id) {
  const std::size_t mask = slots_.size() - 1;
  std::size_t i = (hash(text(id)) >> 32) & mask;
  while (static_cast<std::uint32_t>(slots_[i]) != id + 1) i = (i + 1) & mask;
  // Backward shift: move up each later slot of the run whose home is not in (i, j].
  for (std::size_t j = (i + 1) & mask; slots_[j] != 0; j = (j + 1) & mask) {
    const std::size_t home = (slots_[j] >> 32) & mask;
    const bool stays = (i <= j) ? (i < home && home <= j) : (i < home || home <= j);
    if (stays) continue;
    slots_[i] = slots_[j];
    i = j;
  }
  slots_[i] = 0;
}

bool StringPool::release(std::uint32_t id) {
  std::unique_lock lock(mutex_);
  assert(id < kinds_.size());
  if (kinds_[id] != kItem) return false;
  erase(id);
  kinds_[id] = kReleased;
  --live_;
  retired_.push_back({id, epoch_++});
  return true;
}

std::uint32_t StringPool::live() const {
  std::shared_lock lock(mutex_);
  return live_;
}

bool StringPool::releasable(std::uint32_t id) const {
  std::shared_lock lock(mutex_);
  assert(id < kinds_.size());
  return kinds_[id] != kPinned;
}

StringPool::Reader StringPool::reader() const {
  std::unique_lock lock(mutex_);
  readers_.insert(epoch_);
  return Reader(this, epoch_);
}

StringPool::Reader::~Reader() {
  if (pool_ == nullptr) return;
  std::unique_lock lock(pool_->mutex_);
  pool_->readers_.erase(pool_->readers_.find(epoch_));
}

std::string_view StringPool::view(std::uint32_t id) const {
  assert(id < size());
  return text(id);
}

}  // namespace iwd::runtime
