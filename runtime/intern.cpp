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

std::optional<std::uint32_t> StringPool::find(std::string_view s) const {
  std::shared_lock lock(mutex_);
  auto it = index_.find(s);
  if (it == index_.end()) return std::nullopt;
  return it->second;
}

std::uint32_t StringPool::intern(std::string_view s) {
  if (auto id = find(s)) return *id;
  std::unique_lock lock(mutex_);
  if (auto it = index_.find(s); it != index_.end()) return it->second;
  const std::uint32_t id = size_.load(std::memory_order_relaxed);
  if (id == UINT32_MAX) throw std::length_error("string pool is full");
  const Location loc = locate(id);
  std::string* chunk = chunks_[loc.chunk].load(std::memory_order_relaxed);
  if (chunk == nullptr) {
    chunk = new std::string[std::size_t{1} << (kFirstChunkBits + loc.chunk)];
    chunks_[loc.chunk].store(chunk, std::memory_order_release);
  }
  chunk[loc.offset].assign(s.data(), s.size());
  index_.emplace(std::string_view(chunk[loc.offset]), id);
  size_.store(id + 1, std::memory_order_release);
  return id;
}

std::string_view StringPool::view(std::uint32_t id) const {
  assert(id < size());
  const Location loc = locate(id);
  return chunks_[loc.chunk].load(std::memory_order_acquire)[loc.offset];
}

}  // namespace iwd::runtime
