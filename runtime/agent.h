// An agent as the runtime holds it: who it is for the rules (skills, groups, attributes),
// how much work it may hold (capacity per media), its state, and where it is published as
// available (a seat in each target it belongs to, per media it has room for).
#pragma once

#include <cstdint>
#include <utility>
#include <vector>

#include "runtime/abi.h"
#include "runtime/events.h"

namespace iwd::runtime {

inline constexpr std::int32_t kUnlimited = 0x7fffffff;

// How much an agent may hold at once, as given: a `capacity` declaration of the ruleset or
// explicit numbers. Offered and assigned items count; parked and done items do not.
struct CapacitySpec {
  std::vector<std::pair<std::uint32_t, std::int32_t>> media;  // media name (interned), limit
  std::int32_t other_media = 0;   // the limit for a media not listed
  std::int32_t total = kUnlimited;
};

// The agent's rank among the available members of one target: the distribution policy's
// order, best first. Longest idle: the oldest `idle_since` first. Highest proficiency: the
// highest proficiency in the target first, then longest idle. Login order breaks ties.
struct AgentRank {
  std::int32_t proficiency = 0;
  std::int64_t idle_since = 0;
  std::uint64_t serial = 0;
  std::uint32_t agent = 0;
  bool operator<(const AgentRank& o) const {
    if (proficiency != o.proficiency) return proficiency > o.proficiency;
    if (idle_since != o.idle_since) return idle_since < o.idle_since;
    return serial < o.serial;
  }
};

struct Agent {
  // A target the agent belongs to (some stage of it admits the agent), with the agent's
  // proficiency there (0 under the longest-idle policy).
  struct Membership {
    std::uint32_t target;
    std::int32_t proficiency;
  };
  // Where the agent is published as available: target, media, proficiency used.
  struct Seat {
    std::uint32_t target;
    std::uint32_t media;
    std::int32_t proficiency;
  };

  std::uint32_t id = kNoId;  // interned
  AgentState state = AgentState::LoggedOut;
  std::uint32_t reason = kNoId;      // NotReady: the reason code, interned (kNoId: none given)
  std::vector<std::int8_t> skills;   // per skill of the ruleset; -1: lacks it
  std::vector<std::uint32_t> groups;
  std::vector<std::uint32_t> attribute_names, attribute_values;
  std::vector<std::int32_t> limits;  // per media index; beyond: other_media
  std::int32_t other_media = 0;
  std::int32_t total = kUnlimited;
  std::vector<std::int32_t> load;    // per media index: items offered to or assigned to it
  std::int32_t load_total = 0;
  std::vector<std::uint32_t> held;   // the items offered or assigned to it (item indices)
  std::int64_t idle_since = 0;       // became ready, got an offer, or gave up an item
  // When the agent entered its state (with its reason): the instant of the event that brought
  // them (GET /v1/agents' time in state). Saved with the runtime's state, so a restart keeps it.
  std::int64_t state_since = 0;
  std::uint64_t serial = 0;          // order of first login
  std::vector<Membership> targets;   // while logged in
  std::vector<Seat> seats;           // while published
  std::int64_t seat_idle_since = 0;  // idle_since when published

  std::int32_t limit(std::uint32_t media) const { return media < limits.size() ? limits[media] : other_media; }
  std::int32_t load_of(std::uint32_t media) const { return media < load.size() ? load[media] : 0; }
  bool has_room(std::uint32_t media) const {
    return load_of(media) < limit(media) && (total == kUnlimited || load_total < total);
  }
  bool logged_in() const { return state != AgentState::LoggedOut; }
  // The agent as the rules read it; valid until the agent changes.
  abi::Agent view() const;
};

}  // namespace iwd::runtime
