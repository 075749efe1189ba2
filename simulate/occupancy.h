// Occupancy per agent group (simulate.cpp): of the time its agents were logged in within the
// measured window, the share they held at least one item.
#pragma once

#include <algorithm>
#include <cstdint>
#include <unordered_map>
#include <vector>

namespace iwd::simulate {

class Occupancy {
 public:
  Occupancy(std::size_t groups, std::int64_t from, std::int64_t to) : logged_(groups), busy_(groups), from_(from), to_(to) {}

  void add_agent(std::uint32_t agent, std::uint32_t group) { agents_[agent].group = group; }
  // The agent's state (logged in or not) and the items it holds, from `at` (ms from the start).
  void logged_in(std::uint32_t agent, std::int64_t at, bool in) {
    if (Agent* a = advance(agent, at)) a->in = in;
  }
  void holds(std::uint32_t agent, std::int64_t at, int delta) {
    if (Agent* a = advance(agent, at)) a->held += delta;
  }
  int held(std::uint32_t agent) const {
    const auto it = agents_.find(agent);
    return it == agents_.end() ? 0 : it->second.held;
  }
  // Each group's percentage, up to the window's end (0 for a group never logged in).
  std::vector<double> shares() {
    for (auto& [id, a] : agents_) advance(id, to_);
    std::vector<double> out;
    for (std::size_t g = 0; g < logged_.size(); ++g) out.push_back(logged_[g] > 0 ? 100.0 * busy_[g] / logged_[g] : 0.0);
    return out;
  }

 private:
  struct Agent {
    std::uint32_t group = 0;
    bool in = false;
    int held = 0;
    std::int64_t last = 0;
  };
  Agent* advance(std::uint32_t agent, std::int64_t at) {
    const auto it = agents_.find(agent);
    if (it == agents_.end()) return nullptr;
    Agent& a = it->second;
    const std::int64_t from = std::max(a.last, from_), to = std::min(at, to_);
    if (to > from && a.in) {
      logged_[a.group] += static_cast<double>(to - from);
      if (a.held > 0) busy_[a.group] += static_cast<double>(to - from);
    }
    a.last = std::max(a.last, at);
    return &a;
  }
  std::unordered_map<std::uint32_t, Agent> agents_;
  std::vector<double> logged_, busy_;
  std::int64_t from_, to_;
};

}  // namespace iwd::simulate
