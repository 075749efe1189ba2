// StringPool: interns strings to dense uint32 ids (0, 1, 2, ... in order of first sight), so
// that string equality in compiled rules is an integer compare.
//
// Thread-safety:
//  - intern() and find() may be called from any number of threads; they take an internal
//    mutex (find() a shared lock, intern() of a new string an exclusive one).
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
#include <unordered_map>

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

  std::array<std::atomic<std::string*>, kMaxChunks> chunks_{};
  std::atomic<std::uint32_t> size_{0};
  mutable std::shared_mutex mutex_;
  std::unordered_map<std::string_view, std::uint32_t> index_;  // views into chunks_
};

}  // namespace iwd::runtime
