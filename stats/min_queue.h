// A queue of timed entries, earliest first, for instants that nearly always come in order (a
// capture instant, or that instant plus an age bound): those go to the back of a FIFO, with no
// heap to sift through cold memory; the few that come early (an item moved to another group,
// a rebuild in item-table order) go to a heap beside it. Entries are dropped lazily: top()
// skips those `live` rejects, and compact() drops them all when they outnumber the others.
//
// The FIFO is kept in fixed blocks (BlockFifo): a vector's doubling copied a queue of a million
// entries, and faulted in twice its memory, in the middle of an event; blocks never move, and
// those emptied at the front or by compact() are reused at the back. Its entries have
// positions that stay put as the front is popped (the age cursors of stats/queue_stats.h);
// filter() moves positions handed to it along with the entries.
//
// A compaction of a large queue (a million entries, each checked against a cold item entry)
// would hold the engine thread for a few hundred milliseconds: sweep() does it a few entries
// at a time instead, spread over the events that push to the queue.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <vector>

namespace iwd::stats {

template <typename T>
class BlockFifo {
 public:
  static constexpr std::size_t kBlock = 2048;  // entries: 32 KiB of 16-byte ones

  bool empty() const { return blocks_.empty(); }
  std::size_t size() const { return empty() ? 0 : blocks_.size() * kBlock - head_ - (kBlock - tail_); }
  T& front() { return blocks_.front()[head_]; }
  T& back() { return back_[tail_ - 1]; }
  // Through back_, kept beside tail_: a push touches the FIFO's header and the entry's line,
  // not blocks_'s array too (a third line, cold for a group's FIFO pushed now and then).
  void push_back(const T& v) {
    if (empty() || tail_ == kBlock) {
      blocks_.push_back(take_block());
      back_ = blocks_.back().get();
      tail_ = 0;
    }
    back_[tail_++] = v;
  }
  void pop_front() {
    ++head_;
    ++popped_;
    if (head_ == kBlock || (blocks_.size() == 1 && head_ == tail_)) drop_front();
  }
  // Positions: front() is at begin(), back() at end() - 1; a position keeps its entry while
  // the front is popped (filter() moves them).
  std::uint64_t begin() const { return popped_; }
  std::uint64_t end() const { return popped_ + size(); }
  // The entry at position `p`, in [begin(), end()).
  T& at(std::uint64_t p) {
    const std::size_t i = head_ + static_cast<std::size_t>(p - popped_);
    return blocks_[i / kBlock][i % kBlock];
  }
  // An incremental filter(): start_sweep(), then sweep() calls that each look at up to `n`
  // entries, until it returns false. The entries kept move down over the ones dropped; the
  // place a kept entry leaves is `kill`ed (made an entry `keep` rejects, its order key as it
  // was), so that what lies between the written and the read part is never taken for live.
  // Meanwhile the queue is used as usual: pushes at the back, pops at the front, at() (reading
  // a killed entry there), and positions moved by the caller (age cursors), provided none of
  // them rests between the written and the read part (a cursor that moves over entries
  // `keep` rejects never stops there). Each of `positions` at the read position comes to the
  // write position, as filter() moves it. The last call drops the entries after the written
  // part (its blocks to the spares).
  void start_sweep() {
    sweeping_ = true;
    read_ = write_ = begin();
  }
  bool sweeping() const { return sweeping_; }
  template <typename Keep, typename Kill>
  bool sweep(Keep keep, Kill kill, std::size_t n, std::span<std::uint64_t> positions = {}) {
    if (!sweeping_) return false;
    write_ = std::max(write_, begin());  // the front popped past it (entries all dropped)
    read_ = std::max(read_, write_);
    for (; n > 0 && read_ < end(); --n, ++read_) {
      for (std::uint64_t& p : positions)
        if (p == read_) p = write_;
      T& v = at(read_);
      if (!keep(v)) continue;
      if (write_ != read_) {
        at(write_) = v;
        kill(v);
      }
      ++write_;
    }
    if (read_ < end()) return true;
    for (std::uint64_t& p : positions) p = std::min(p, write_);
    truncate(write_);
    sweeping_ = false;
    return false;
  }
  // Drops the entries at `position` and after (in [begin(), end()]).
  void truncate(std::uint64_t position) {
    const std::size_t i = head_ + static_cast<std::size_t>(position - popped_);
    const std::size_t wb = i / kBlock, wi = i % kBlock;  // one past the last entry kept
    while (blocks_.size() > wb + (wi != 0)) {
      give_back(std::move(blocks_.back()));
      blocks_.pop_back();
    }
    tail_ = wi == 0 ? kBlock : wi;
    back_ = empty() ? nullptr : blocks_.back().get();
    if (empty()) head_ = tail_ = 0;
    else if (blocks_.size() == 1 && head_ == tail_) drop_front();
  }

  // Keeps the entries `keep` accepts, in order. Each of `positions` comes to the first entry
  // kept at or after its own (end() when none; begin() when it was before it).
  template <typename Keep>
  void filter(Keep keep, std::span<std::uint64_t> positions = {}) {
    const std::size_t n = size();
    for (std::uint64_t& p : positions) p = std::clamp(p, begin(), end()) - popped_;  // relative, in [0, n]
    std::size_t rb = 0, ri = head_, wb = 0, wi = head_, kept = 0;  // read and write positions
    for (std::size_t k = 0; k < n; ++k) {
      for (std::uint64_t& p : positions)
        if (p == k) p = ~std::uint64_t{kept};  // moved (marked, so that it is not moved twice)
      const T& v = blocks_[rb][ri];
      if (keep(v)) {
        blocks_[wb][wi] = v;
        if (++wi == kBlock) wi = 0, ++wb;
        ++kept;
      }
      if (++ri == kBlock) ri = 0, ++rb;
    }
    for (std::uint64_t& p : positions) p = popped_ + (p == n ? kept : ~p);
    truncate(popped_ + kept);  // (wb, wi): one past the last entry kept
    sweeping_ = false;  // done, whatever a sweep had left
  }

 private:
  std::unique_ptr<T[]> take_block() {
    if (spare_.empty()) return std::make_unique_for_overwrite<T[]>(kBlock);
    std::unique_ptr<T[]> b = std::move(spare_.back());
    spare_.pop_back();
    return b;
  }
  // A block emptied: kept for the back while the spares are fewer than the blocks in use
  // (the queue may grow back to that), freed otherwise.
  void give_back(std::unique_ptr<T[]> b) {
    if (spare_.size() <= blocks_.size()) spare_.push_back(std::move(b));
  }
  void drop_front() {
    give_back(std::move(blocks_.front()));
    blocks_.erase(blocks_.begin());  // a few hundred pointers moved once per kBlock pops
    head_ = 0;
    if (blocks_.empty()) tail_ = 0, back_ = nullptr;
  }

  std::vector<std::unique_ptr<T[]>> blocks_;  // none when empty
  std::size_t head_ = 0;  // the first entry in blocks_.front()
  std::size_t tail_ = 0;  // one past the last in blocks_.back() (kBlock: it is full)
  T* back_ = nullptr;     // blocks_.back()'s entries
  bool sweeping_ = false;  // here, in the line a push reads
  std::vector<std::unique_ptr<T[]>> spare_;
  std::uint64_t popped_ = 0;  // the position of front(): entries ever popped (last: off a push's lines)
  std::uint64_t read_ = 0, write_ = 0;  // a sweep's positions: the next looked at, the next written
};

// T has `std::int64_t at`.
template <typename T>
class MinQueue {
 public:
  void push(const T& v) {
    if (fifo_.empty() || fifo_.back().at <= v.at) {
      fifo_.push_back(v);
    } else {
      late_.push_back(v);
      std::push_heap(late_.begin(), late_.end(), later);
    }
  }
  std::size_t size() const { return fifo_.size() + late_.size(); }

  // The earliest entry `live` accepts (those it rejects before it are dropped); null: none.
  template <typename Live>
  const T* top(Live live) {
    while (!fifo_.empty() && !live(fifo_.front())) fifo_.pop_front();
    while (!late_.empty() && !live(late_.front())) pop_late();
    const T* a = fifo_.empty() ? nullptr : &fifo_.front();
    const T* b = late_.empty() ? nullptr : &late_.front();
    return !a ? b : !b ? a : b->at < a->at ? b : a;
  }
  // Drops the entry top() returned.
  void pop(const T* t) {
    if (!fifo_.empty() && t == &fifo_.front()) fifo_.pop_front();
    else pop_late();
  }
  // Every entry `live` rejects dropped at once.
  template <typename Live>
  void compact(Live live) {
    fifo_.filter(live);
    std::erase_if(late_, [&](const T& v) { return !live(v); });
    std::make_heap(late_.begin(), late_.end(), later);
  }
  // The same a few entries at a time: start_compaction() drops the heap's (few) entries `live`
  // rejects at once and starts a sweep of the FIFO, which each compact_step() carries on by up
  // to `n` entries (BlockFifo::sweep; `kill` makes an entry `live` rejects, keeping its `at`).
  template <typename Live>
  void start_compaction(Live live) {
    std::erase_if(late_, [&](const T& v) { return !live(v); });
    std::make_heap(late_.begin(), late_.end(), later);
    fifo_.start_sweep();
  }
  bool compacting() const { return fifo_.sweeping(); }
  template <typename Live, typename Kill>
  void compact_step(Live live, Kill kill, std::size_t n) {
    fifo_.sweep(live, kill, n);
  }

 private:
  static bool later(const T& a, const T& b) { return a.at > b.at; }
  void pop_late() {
    std::pop_heap(late_.begin(), late_.end(), later);
    late_.pop_back();
  }

  BlockFifo<T> fifo_;  // non-decreasing `at`
  std::vector<T> late_;  // a min-heap on `at`
};

}  // namespace iwd::stats
