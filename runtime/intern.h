// StringPool: interns strings to dense uint32 ids (0, 1, 2, ... in order of first sight), so
// that string equality in compiled rules is an integer compare.
//
// Thread-safety:
//  - intern() and find() may be called from any number of threads; they take an internal
//    mutex (find() a shared lock, intern() of a new string an exclusive one).
//
// Memory: a string of up to 15 bytes costs its std::string slot (32 bytes) and about 12
// bytes of index (an open-addressing table of 8-byte slots, at most 70% full): the runtime
// interns every item's id, so this is part of the cost of a queued item.
//  - view(id) and size() are lock-free: strings live in append-only chunks that never move,
//    and an id is published (release) only after its string is fully built, so any id a
//    thread has obtained from intern()/find() (or via any happens-before edge) can be viewed
//    concurrently with further interning. The returned view stays valid for the pool's life.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <vector>

namespace iwd::runtime {

class StringPool {
 public:
  StringPool();
  ~StringPool();
  StringPool(const StringPool&) = delete;
  StringPool& operator=(const StringPool&) = delete;

  // The id of `s`, adding it when new. Ids are dense and never reused.
  std::uint32_t intern(std::string_view s);
  // The id of `s` if already interned; never inserts.
  std::optional<std::uint32_t> find(std::string_view s) const;
  // The string of an id previously returned by intern()/find(). Lock-free. The id must be
  // below size(); checked by assert only.
  std::string_view view(std::uint32_t id) const;
  // How many strings are interned.
  std::uint32_t size() const { return size_.load(std::memory_order_acquire); }

 private:
  static constexpr std::uint32_t kFirstChunkBits = 10;  // chunk k holds 1024 << k strings
  static constexpr std::size_t kMaxChunks = 23;         // enough for 2^32 ids

  struct Location {
    std::size_t chunk;
    std::size_t offset;
  };
  static Location locate(std::uint32_t id);
  static std::uint64_t hash(std::string_view s);
  std::string_view text(std::uint32_t id) const;  // no bounds assert (the index's own ids)
  // The index, under mutex_: a slot is 0 (empty) or (upper 32 bits of the hash) << 32 |
  // (id + 1); linear probing; the capacity is a power of two.
  std::optional<std::uint32_t> lookup(std::string_view s, std::uint64_t h) const;
  void insert(std::uint32_t id, std::uint64_t h);

  std::array<std::atomic<std::string*>, kMaxChunks> chunks_{};
  std::atomic<std::uint32_t> size_{0};
  mutable std::shared_mutex mutex_;
  std::vector<std::uint64_t> slots_;
};

}  // namespace iwd::runtime
