// Queue statistics (issue 15, "Real-time views"): the open items counted per group of a
// grouping (department, process, or a `report by` dimension of the rules, LANGUAGE.md
// section 11), kept up to date from the runtime's events instead of scanning the items for
// each request.
//
// - Every item event names an item and its index in the runtime's item table; the views keep
//   one entry per index, a mirror of the table: an event brings its index's entry up to date
//   from the runtime as it is then (the item open there, its state, process, dimensions,
//   capture and due instants, priority; none when the index is free). So what the stats hold
//   is what the runtime holds once the events of an operation are fed, whatever items came
//   and went at an index during the operation (an index is an item's while it is open).
// - What changes with time and not with events (age buckets, due within the next hour,
//   overdue) is counted as of the last read's instant (now_), and a read brings it to its own:
//   - due-ness: each item has its next crossing queued (stats/min_queue.h: instants that come
//     in order cost no heap), and the read goes through those up to its instant;
//   - age: a group's open items by capture instant are in its own FIFO (for its oldest, too),
//     with a cursor per age bound: the items before it were past that bound at now_; a read
//     moves each cursor over the items that passed it since, from one bucket to the next. An
//     item captured out of order, or already past a bound when it comes (a rebuild, a reload,
//     an item moved between groups), goes to the group's `late` set, ordered by its instant,
//     whose items that passed a bound are found by their range.
//   So an event never looks at the clock; a capture pushes one ref per group and one crossing.
//   A request costs O(groups + items that crossed since the last one x log n).
// - Refs and crossings of items gone stay until dropped: at a group's front by a read, or by a
//   compaction once they outnumber the live ones. A compaction reads the item entry of every
//   ref (a cold line each: 1.8 million for a group of 900,000 items, a few hundred ms), so it
//   is spread over the group's next events, kSweepStep refs an event (BlockFifo::sweep).
// - A hot reload (Runtime::adopt, events with cause reload) comes as events of a new runtime:
//   the stats start over from them. A restart: rebuild() from the recovered runtime (a scan).
//
// Definitions (docs/api.md, "Queue statistics"): the age of an item is now - its captured_at;
// an item is overdue when now is after its due instant, and due within the next hour when
// its due instant is in [now, now + 1 h). Items without a due instant are never either.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "runtime/chunked_vector.h"
#include "runtime/runtime.h"
#include "stats/prefetch.h"
#include "stats/min_queue.h"
#include "stats/priorities.h"
#include "stats/value_index.h"

namespace iwd::stats {

inline constexpr int kOpenStates = 7;  // deferred .. held (runtime::ItemState 1 .. 7)
inline constexpr int kAgeBuckets = 5;  // under 1h, 1h-4h, 4h-1d, 1d-3d, 3d and over
inline constexpr std::int64_t kHourMs = 3'600'000;
// The lower bound of each age bucket, ms.
inline constexpr std::array<std::int64_t, kAgeBuckets> kAgeBounds{0, kHourMs, 4 * kHourMs, 24 * kHourMs, 72 * kHourMs};

// One group's figures at an instant.
struct GroupFigures {
  std::string name;                            // the process, department or dimension value ("" absent)
  std::array<std::int64_t, kOpenStates> by_state{};  // index: ItemState - 1
  std::int64_t open = 0, overdue = 0, due_next_hour = 0;
  std::array<std::int64_t, kAgeBuckets> ages{};
  std::int64_t oldest_age = 0;                 // ms; meaningful when open > 0
  std::int64_t priority_min = 0, priority_max = 0;  // meaningful when open > 0
  bool operator==(const GroupFigures&) const = default;
};

class QueueStats {
 public:
  // From the runtime's events, in order (the engine thread).
  void on_event(const runtime::Event& e, const runtime::Runtime& rt);
  // Starts over from the runtime's open items at `now` (one scan: at start).
  void rebuild(const runtime::Runtime& rt, std::int64_t now);

  // The names `by` accepts: "department", "process", then the rules' `report by` dimensions.
  static std::vector<std::string> groupings(const runtime::Runtime& rt);
  // The non-empty groups of grouping `by` at `now` (not before the last event), by name;
  // nullopt when `by` is not one of groupings().
  std::optional<std::vector<GroupFigures>> figures(const runtime::Runtime& rt, std::string_view by, std::int64_t now);
  std::size_t tracked() const { return live_; }
  // Entries ever made: one per index of the runtime's item table, so at most the most items
  // open at once (the runtime gives an ended item's index to the next one). Not by item id:
  // the views never hold an id, which the engine may then give to another item at once.
  std::size_t entries() const { return entries_.size(); }
  // The most refs and crossings a compaction looked at in one event (it is spread: a few per
  // group an event).
  std::size_t most_swept() const { return most_swept_; }
  // Starts loading the entry of the event's item, as the runtime emits it: the entry of an
  // item offered or completed is cold, and the rest of the runtime's call runs while it comes
  // (on_event reads it after the call). Its address is the event's index: no load first.
  void prefetch(const runtime::Event& e) const {
    if (e.index < entries_.size()) stats::prefetch(&entries_[e.index]);
  }

 private:
  static constexpr std::uint32_t kNone = 0xffffffffu;
  // A stamp no entry has: refs and crossings left behind by a sweep (BlockFifo::sweep).
  static constexpr std::uint32_t kDeadStamp = 0xffffffffu;
  static constexpr std::size_t kSweepStep = 4;  // refs a group's sweep looks at per event
  // An entry's instant, valid while the entry's stamp is `stamp`.
  struct Stamped {
    std::int64_t at;
    std::uint32_t entry, stamp;
  };
  struct ByInstant {
    bool operator()(const Stamped& a, const Stamped& b) const {
      return a.at != b.at ? a.at < b.at : a.entry != b.entry ? a.entry < b.entry : a.stamp < b.stamp;
    }
  };
  // A group's open items by capture, for the oldest and the ages: those captured in order and
  // under an hour old at now_ (nearly all) in a FIFO of 8 bytes each (their instant is the
  // entry's while the stamp holds, so it is not copied: a capture writes to five of these),
  // the rest in a set with their instant. Entries gone stale are dropped lazily.
  struct Ref {
    std::uint32_t entry, stamp;
  };
  struct Captures {
    std::int64_t last = 0;  // the instant of in_order's back
    BlockFifo<Ref> in_order;  // with last, in one line: what a capture reads and writes
    // What a read or a compaction reads, after. ages_passed[b - 1]: the position in in_order
    // before which every live ref was kAgeBounds[b] old or more at now_ (and none after).
    std::array<std::uint64_t, kAgeBuckets - 1> ages_passed{};
    std::set<Stamped, ByInstant> late;
  };
  // A group's counts: one per process (grouping 0) and one per value of each dimension.
  // An event touches an item's cell in every grouping (five with four dimensions), so each
  // is laid out by what an event reads: the counts in the first cache line (every event),
  // the oldest captures' back in the second (a capture), the priorities' few values in a
  // line of their own (a capture, an end, a priority change). Counts of open items fit 32 bits.
  // ages: at now_.
  struct alignas(64) Cell {
    std::array<std::int32_t, kOpenStates> by_state{};
    std::int32_t open = 0, overdue = 0, due_soon = 0;
    std::array<std::int32_t, kAgeBuckets> ages{};
    std::int32_t late = 0;  // oldest.late.size(), here so that an end need not read the set
    alignas(64) Captures oldest;
    alignas(64) Priorities priorities;
  };
  enum Phase : std::uint8_t { kFar, kSoon, kOverdue, kNever };  // of the due instant, at now_
  // Cells kept in an entry: its process's, then its group's in each of the first kInline - 1
  // dimensions; the rest (an eighth dimension) in extra_cells_.
  static constexpr int kInline = 8;
  // One cache line per open item: an event on an item read cold (the one offered is among the
  // oldest) brings its keys and all of its cells in at once. Its values of the dimensions are
  // not kept: a group's value is (Dimension::values), in memory every event touches.
  // Entries are by the runtime's item index (Event::index), not by the item's id: the event
  // gives the entry's address before anything is read (an id's entry, through a table by id,
  // was two dependent cold loads for the item offered), an ended item's entry goes to the
  // next item the runtime opens there (the last freed first: its line is still in the cache),
  // and the entries do not grow with the ids. The stamp goes on counting across the items of
  // an index, so the refs and crossings of an earlier one stay stale. An index whose next
  // item has the same keys (process, dimensions, capture and due instants) keeps its entry,
  // refs and crossing: they count the new item as they counted the old.
  struct alignas(64) Entry {
    std::int64_t captured = 0, due = 0, priority = 0;
    std::uint32_t stamp = 0;  // bumped when the keys change (stale heap entries); never kDeadStamp
    std::uint8_t state = 0;  // 0: no open item by that id
    Phase phase = kNever;
    std::array<std::uint32_t, kInline> cells{};  // [0] the process, [1 + k] dims_[k]'s group
  };
  static_assert(sizeof(Entry) == 64);

  void reset(const runtime::Runtime& rt);
  // Entry `s` made what the runtime's item table holds at index `s`.
  void refresh(std::uint32_t s, const runtime::Runtime& rt);
  void insert(std::uint32_t s, const runtime::WorkItem& w);
  void remove(std::uint32_t s);
  // Brings the time-dependent counts from now_ to `now` (a read).
  void advance(std::int64_t now);
  void age(Cell& c, std::int64_t now);
  std::uint32_t dimension_group(int k, const runtime::WorkItem& w);
  // Of entry `s`.
  std::uint32_t& group(std::uint32_t s, int k) {
    return k + 1 < kInline ? entries_[s].cells[static_cast<std::size_t>(k) + 1]
                           : extra_cells_[std::size_t{s} * kExtra + static_cast<std::size_t>(k - (kInline - 1))];
  }
  std::uint32_t group(std::uint32_t s, int k) const { return const_cast<QueueStats*>(this)->group(s, k); }
  bool same_dimensions(std::uint32_t entry, const runtime::WorkItem& w) const;
  // The cells entry `s` counts in: its process, then its value of each dimension.
  template <typename F>
  void each_cell(std::uint32_t s, F f);
  void push_crossing(std::uint32_t s);
  void push_capture(Cell& c, std::uint32_t s, std::uint8_t bucket);
  void compact(Cell& c);
  void sweep(Cell& c);
  std::int64_t oldest_of(Cell& c);
  bool live(const Stamped& s) const { return entries_[s.entry].stamp == s.stamp; }
  bool live(const Ref& r) const { return entries_[r.entry].stamp == r.stamp; }
  void cross(const Stamped& c);
  static void merge(GroupFigures& into, const Cell& c, std::int64_t oldest);

  const runtime::Runtime* rt_ = nullptr;  // the runtime fed: another one (a reload) starts over
  std::int64_t now_ = 0;  // the instant the ages and due phases are counted at (the last read)
  runtime::ChunkedVector<Entry> entries_;  // by the runtime's item index (grows without moving)
  std::size_t live_ = 0;
  int dimensions_ = 0;
  runtime::ChunkedVector<std::uint32_t> extra_cells_;  // entry * kExtra + k - (kInline - 1): dims_[k]'s group
  static constexpr int kExtra = runtime::Event::kMaxDimensions - (kInline - 1);
  std::vector<Cell> processes_;
  struct Dimension {
    ValueIndex group_of;  // present value -> cell
    std::uint32_t absent = kNone;
    std::vector<std::int64_t> values;  // per cell: the value (absent: see absent)
    std::vector<Cell> cells;
  };
  std::vector<Dimension> dims_;
  // Each open entry's next crossing of its due phase (into the next hour, past due).
  MinQueue<Stamped> due_crossings_;
  std::size_t swept_ = 0, most_swept_ = 0;  // refs and crossings looked at by sweeps: all, the most in one event
};

}  // namespace iwd::stats
