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
//    concurrently with further interning. The returned view stays valid for the pool's life,
//    except for an item id (below) once released.
//
// Item ids (issue 17): every item's id is interned, and a server that runs for months sees
// items without end. An id interned by intern_item() alone may be release()d when its item has
// ended, and its number is then given to a later string. Numbers are shared with values and
// rule constants, so a string also interned by intern() is pinned: never released, whichever
// came first. A released number is reused only once every Reader (a thread that views numbers
// it did not get from this pool under the caller's own ordering, such as a snapshot writer)
// that started before the release has ended: such a reader never sees a reused slot. The same
// string interned again after its release is a new life: it gets a number afresh.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <memory>
#include <deque>
#include <optional>
#include <set>
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
  // One above the highest number ever given (numbers are reused after release()).
  std::uint32_t size() const { return size_.load(std::memory_order_acquire); }

  // The id of an item's id `s`, adding it when new as releasable (see above).
  std::uint32_t intern_item(std::string_view s);
  // Forgets an id intern_item() gave: find() no longer knows it and its number is reused once
  // the readers that started before have ended. False (nothing done) for a pinned id (also
  // interned by intern(), e.g. a value or a constant) or one already released.
  bool release(std::uint32_t id);
  // How many strings are interned and not released.
  std::uint32_t live() const;
  // Whether `id` is an item's id alone (intern_item() and never intern()), released or not: a
  // snapshot says so of each string it keeps, so that a restart may release it too.
  bool releasable(std::uint32_t id) const;

  // While a Reader lives, no number released after it started is reused, so its holder may
  // view() any number it saw before. Readers are counted under the pool's mutex: take one per
  // pass (a snapshot), not per view.
  class Reader {
   public:
    Reader(Reader&& o) noexcept : pool_(o.pool_), epoch_(o.epoch_) { o.pool_ = nullptr; }
    Reader(const Reader&) = delete;
    Reader& operator=(const Reader&) = delete;
    Reader& operator=(Reader&&) = delete;
    ~Reader();

   private:
    friend class StringPool;
    Reader(const StringPool* pool, std::uint64_t epoch) : pool_(pool), epoch_(epoch) {}
    const StringPool* pool_;
    std::uint64_t epoch_;
  };
  Reader reader() const;

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
  void erase(std::uint32_t id);  // its index slot, by backward shift (no tombstones)
  std::uint32_t add(std::string_view s, std::uint64_t h, std::uint8_t kind);  // under mutex_
  std::uint32_t next_number();  // a reclaimed number or a new one, under mutex_

  enum Kind : std::uint8_t { kPinned, kItem, kReleased };

  std::array<std::atomic<std::string*>, kMaxChunks> chunks_{};
  std::atomic<std::uint32_t> size_{0};
  mutable std::shared_mutex mutex_;
  std::vector<std::uint64_t> slots_;
  std::uint32_t live_ = 0;                // under mutex_, as are the rest
  std::vector<std::uint8_t> kinds_;       // a Kind by number
  std::uint64_t epoch_ = 0;               // released numbers so far
  mutable std::multiset<std::uint64_t> readers_;  // the epoch each live Reader started in
  struct Retired {
    std::uint32_t id;
    std::uint64_t epoch;  // epoch_ at its release: readers started at or before it may view it
  };
  std::deque<Retired> retired_;  // released, in order, not yet reusable
  std::vector<std::uint32_t> free_;  // reusable numbers
};

}  // namespace iwd::runtime
