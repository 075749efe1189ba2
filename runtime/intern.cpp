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
  if ((std::size_t{id} + 1) * 10 > slots_.size() * 7) {
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
    if (auto id = lookup(s, h)) return *id;
  }
  std::unique_lock lock(mutex_);
  if (auto id = lookup(s, h)) return *id;
  const std::uint32_t id = size_.load(std::memory_order_relaxed);
  if (id == UINT32_MAX) throw std::length_error("string pool is full");
  const Location loc = locate(id);
  std::string* chunk = chunks_[loc.chunk].load(std::memory_order_relaxed);
  if (chunk == nullptr) {
    chunk = new std::string[std::size_t{1} << (kFirstChunkBits + loc.chunk)];
    chunks_[loc.chunk].store(chunk, std::memory_order_release);
  }
  chunk[loc.offset].assign(s.data(), s.size());
  insert(id, h);
  size_.store(id + 1, std::memory_order_release);
  return id;
}

std::string_view StringPool::view(std::uint32_t id) const {
  assert(id < size());
  return text(id);
}

}  // namespace iwd::runtime
