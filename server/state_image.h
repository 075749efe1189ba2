// The state of a runtime as plain data: every agent (in login order) and every open item (in
// the order they are to be adopted), in terms that do not depend on a ruleset's indices
// (skills, media and attributes by name). Restoring an image into a fresh runtime goes through
// Runtime::agent and Runtime::adopt, so the same image restored at the same instant gives the
// same state, whatever runtime it came from. Two uses:
// - hot reload: the image of the running runtime restored into one on the new rules;
// - snapshots (compaction): the image stored in the journal, restored at recovery instead of
//   replaying the lines before it.
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "runtime/runtime.h"

namespace iwd::server {

struct AgentImage {
  std::string id;
  std::vector<std::pair<std::string, std::int32_t>> skills;  // name, level
  std::vector<std::string> groups;
  std::vector<std::pair<std::string, std::string>> attributes;
  std::vector<std::pair<std::string, std::int32_t>> media_limits;  // media name, limit
  std::int32_t other_media = 0, total = runtime::kUnlimited;
  runtime::AgentState state = runtime::AgentState::LoggedOut;
  std::optional<std::string> reason;
};

struct ItemImage {
  std::string attributes;  // encode_item's JSON object (captured_at included)
  runtime::ItemState state = runtime::ItemState::Queued;
  std::optional<std::string> agent;  // offered, assigned: the agent; parked: the workbin's owner
  std::int64_t state_deadline = runtime::abi::kNone;
};

struct StateImage {
  std::vector<AgentImage> agents;
  std::vector<ItemImage> items;
};

struct RestoreReport {
  std::size_t agents = 0, items = 0;
  std::set<std::string> dropped_attributes;
  std::vector<std::string> problems;  // at most kMaxProblems; `more_problems` counts the rest
  std::size_t more_problems = 0;
  static constexpr std::size_t kMaxProblems = 20;
  bool ok() const { return problems.empty(); }
};

// Assigned, parked, done and held items first, then offered ones, then deferred and queued
// ones in the order they entered distribution.
StateImage image_of(const runtime::Runtime& rt);
// Into a fresh runtime (no agents, no items), its clock at the instant of the image. Skills and
// attributes `to`'s rules do not declare are dropped (attributes reported); an item the schema
// cannot decode or the rules reject is a problem.
RestoreReport restore(const StateImage& image, runtime::Runtime& to);

nlohmann::json image_json(const StateImage& image);
// Null and *error when the JSON is not an image.
std::optional<StateImage> image_from_json(const nlohmann::json& j, std::string* error);

}  // namespace iwd::server
