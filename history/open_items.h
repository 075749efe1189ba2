// The open items' state the history's aggregates keep in memory (history/aggregates.h), found
// by item id. A create looks its item up (and misses) once per record: in a std::unordered_map
// of every open item that was a walk of a bucket's chain, a cache miss per node, and a node
// allocated per item, 2-3% of a durable create's CPU at a few hundred thousand open items
// (bench/RESULTS.md). Here the states sit in a deque (stable addresses, nothing moved as it
// grows, a freed state reused) and the index is open addressing over 8-byte slots, each the
// high half of the id's hash and the state's number, so a miss reads one slot and a hit one
// slot and its state.
//
// Each state also has the row it is written to in history_agg_items: numbers given in creation
// order, so that a checkpoint appends the new items' rows at the end of the table's b-tree
// instead of scattering them over its pages as a key by id did.
#pragma once

#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "history/dimension_sets.h"

namespace iwd::history {

class OpenItems {
 public:
  struct State {
    std::string item;
    std::uint32_t number = 0;  // its place among the states
    std::int64_t row = 0;      // in history_agg_items
    bool live = false;         // an open item's (false: a free entry)
    bool written = false;      // its row is in the table (written at a checkpoint)
    bool touched = false;      // changed since the last checkpoint
    std::string process, department;
    std::int64_t dimension_set = 0;
    const DimensionSets::Set* dimensions = nullptr;  // the owner's copy of the set
    std::optional<std::int64_t> captured_at, queued_at, assigned_since, due;
    bool offered = false;
    std::int64_t handle_ms = 0;
    std::string outcome;
  };

  State* find(std::string_view item);
  // Starts loading `item`'s home slot into the cache (find() then reads it there): a caller
  // with several items to look up asks for all of their slots first, so that their cache
  // misses overlap instead of coming one after the other (one per record at a few hundred
  // thousand open items, the largest cost of the history's counting in `iwd serve`).
  void prefetch(std::string_view item) const {
    if (!slots_.empty()) __builtin_prefetch(&slots_[home(hash(item))]);
  }
  // A state for `item`, which has none: blank but for its id and the row `row`.
  State& insert(std::string_view item, std::int64_t row);
  // The item ended: its state goes (its row, if written, to delete at the next checkpoint).
  void erase(State& s);
  // Marks `s` changed since the last checkpoint.
  void touch(State& s) {
    if (s.touched) return;
    s.touched = true;
    touched_.push_back(s.number);
  }
  // The states changed since the last checkpoint, in row order (marked written: the caller
  // writes them, or forgets every state when it cannot), and the rows of the items written
  // before and ended since; checkpointed() once they are written.
  std::vector<State*> changed();
  const std::vector<std::int64_t>& gone() const { return gone_; }
  void checkpointed() {
    touched_.clear();
    gone_.clear();
  }

  std::size_t size() const { return size_; }
  void clear();
  // Calls `f` with each open item's state, in no particular order.
  template <typename F>
  void for_each(F&& f) const {
    for (const State& s : states_)
      if (s.live) f(s);
  }

 private:
  static std::uint32_t hash(std::string_view item);
  std::size_t home(std::uint32_t tag) const { return tag & (slots_.size() - 1); }
  void grow();

  // A slot: 32 bits of the id's hash (its low bits are its home slot: the table grows without
  // reading an id again), and the state's number + 1 (0: empty).
  struct Slot {
    std::uint32_t tag = 0, state = 0;
  };
  std::deque<State> states_;
  std::vector<std::uint32_t> free_;     // numbers of free states
  std::vector<Slot> slots_;             // a power of two, at most half full
  std::size_t size_ = 0;
  std::vector<std::uint32_t> touched_;  // numbers of states touched (a number may repeat: see touch)
  std::vector<std::int64_t> gone_;
};

}  // namespace iwd::history
