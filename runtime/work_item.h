// One open work item as the runtime holds it: its record, classification, place in the
// universal queue, the target stages it joined and the instants it must wake up at.
#pragma once

#include <array>
#include <cstdint>
#include <memory>

#include "runtime/abi.h"
#include "runtime/chunked_vector.h"
#include "runtime/events.h"
#include "runtime/item.h"

namespace iwd::runtime {

inline constexpr std::uint32_t kNoIndex = 0xffffffffu;

// The instants an item wakes up at. At one instant they fire in this order.
enum Deadline : std::uint8_t {
  kDeadlineExpire,    // expire_at, or start + `expire after`: the earlier
  kDeadlineState,     // Deferred: activate_at; Offered: the offer timeout; DonePending: `complete within`
  kDeadlinePriority,  // Queued: the priority changes
  kDeadlineStage,     // Queued: the next target stage opens
  kDeadlineCount,
};

// One target stage of the item's process.
struct StageSlot {
  static constexpr std::uint32_t kNotQueued = 0xffffffffu;  // not in the target's queue
  static constexpr std::uint32_t kOpenElsewhere = 0xfffffffeu;  // open, in no queue of its own: it
                                                                 // admits no one, or an earlier open
                                                                 // stage has the same target
  std::int64_t opens_at = abi::kNone;     // the age it opens at; kNone: never
  std::uint32_t target = kNoIndex;        // kNoIndex: admits no one (an absent preferred agent)
  std::uint32_t position = kNotQueued;    // in the target's item queue for the item's media

  bool open() const { return position != kNotQueued; }
  bool queued() const { return position < kOpenElsewhere; }
};

struct WorkItem {
  ItemRecord record;
  abi::ItemClock clock;
  std::int64_t priority = 0;  // in force while queued; the last one computed otherwise
  std::uint64_t serial = 0;   // capture order, never reused: breaks ties between deadlines
  std::uint64_t place = 0;    // order of entry into distribution (capture, activation,
                              // restart); 0: none yet. Breaks ties between equal priorities
  std::array<std::int64_t, kDeadlineCount> deadlines{abi::kNone, abi::kNone, abi::kNone, abi::kNone};
  StageSlot first_stage;                       // stage 0 lives in the item (most plans are short)
  std::unique_ptr<StageSlot[]> later_stages;   // stages 1 .. stage_count - 1
  std::uint32_t id = kNoId;            // the source's key, interned
  std::uint32_t agent = kNoIndex;      // Offered, Assigned: the agent; Parked: the workbin's owner
  std::uint32_t media = 0;             // media index the item is distributed as
  std::uint32_t charged_media = 0;     // Offered, Assigned: the media counted against the agent
  std::int32_t process = -1;
  std::uint16_t stage_count = 0;       // RulesV1::stage_counts[process]
  ItemState state = ItemState::None;

  std::int64_t age(std::int64_t now) const { return now - clock.start; }
  StageSlot& stage(std::uint32_t k) { return k == 0 ? first_stage : later_stages[k - 1]; }
  const StageSlot& stage(std::uint32_t k) const { return k == 0 ? first_stage : later_stages[k - 1]; }
  void set_stage_count(std::uint16_t n) {
    stage_count = n;
    first_stage = StageSlot{};
    later_stages = n > 1 ? std::make_unique<StageSlot[]>(n - 1u) : nullptr;
  }
  std::int64_t next_deadline() const;  // the earliest, or kNone
};

// The runtime's item table: an item's index stays its own while it is open.
using ItemTable = ChunkedVector<WorkItem>;

// 184 bytes: with the record's block (8 + 8 + 8 per attribute), its later stage slots, one queue
// entry per open stage and one deadline entry, the memory of a queued item (bench/RESULTS.md).
static_assert(sizeof(WorkItem) <= 184);

}  // namespace iwd::runtime
