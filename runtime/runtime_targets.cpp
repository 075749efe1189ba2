// Runtime: targets and agents' membership in them. A target is made when the first item
// names it (a stage of its process) and goes when the last such item ends or is classified
// again; on creation every logged-in agent is asked once whether the target admits it.
#include <algorithm>
#include <cassert>

#include "runtime/runtime.h"

namespace iwd::runtime {

std::int32_t Runtime::proficiency(const Target& t, const Agent& a) const {
  return options_.policy == Policy::HighestProficiency ? t.proficiency(a) : 0;
}

bool Runtime::admits(const Target& t, const Agent& a) const {
  switch (t.kind) {
    case abi::kStageAgent:
      return t.value == static_cast<std::int64_t>(a.id);
    case abi::kStageGroup:
      return std::find(a.groups.begin(), a.groups.end(), static_cast<std::uint32_t>(t.value)) != a.groups.end();
    default: {
      const abi::Agent view = a.view();
      return rules_.admits(rules_.ctx, t.process, t.stage, &t.sample, &t.clock, &view) != 0;
    }
  }
}

std::uint32_t Runtime::acquire_target(const WorkItem& item, std::uint32_t stage, const abi::Stage& s) {
  abi::ExpressionReads reads;
  const bool known = s.kind == abi::kStageSkill && rules_.expression_reads != nullptr;
  if (known) rules_.expression_reads(rules_.ctx, s.expression, &reads);
  std::string key = target_key(s, known ? &reads : nullptr, schema_, item.record, item.serial);
  if (key.empty()) return kNoIndex;
  if (auto it = target_by_key_.find(key); it != target_by_key_.end()) {
    ++targets_[it->second].refs;
    return it->second;
  }
  std::uint32_t t;
  if (!free_targets_.empty()) {
    t = free_targets_.back();
    free_targets_.pop_back();
  } else {
    t = static_cast<std::uint32_t>(targets_.size());
    targets_.emplace_back();
  }
  Target& target = targets_[t];
  target.key = key;
  target.kind = s.kind;
  target.value = s.value;
  target.process = item.process;
  target.expression = s.expression;
  target.reads_item = s.reads_item != 0;
  target.stage = stage;
  if (s.kind == abi::kStageSkill) {
    target.sample = item.record;
    target.clock = item.clock;
  }
  if (known) {
    target.skills.assign(reads.skills, reads.skills + reads.skill_count);
    target.skills_known = true;
  }
  target.refs = 1;
  target_by_key_.emplace(std::move(key), t);

  auto join = [this, t](std::uint32_t a) {
    withdraw(a);
    agents_[a].targets.push_back(Agent::Membership{t, proficiency(targets_[t], agents_[a])});
    publish(a);
  };
  if (s.kind == abi::kStageAgent) {
    const std::uint32_t a = agent_index(static_cast<std::uint32_t>(s.value));
    if (a != kNoIndex && agents_[a].logged_in()) join(a);
  } else {
    for (std::uint32_t a = 0; a < agents_.size(); ++a)
      if (agents_[a].logged_in() && admits(targets_[t], agents_[a])) join(a);
  }
  return t;
}

void Runtime::release_target(std::uint32_t t) {
  Target& target = targets_[t];
  assert(target.refs > 0);
  if (--target.refs > 0) return;
  for ([[maybe_unused]] const ItemQueue& q : target.items) assert(q.empty());
  auto leave = [this, t](std::uint32_t a) {
    auto& list = agents_[a].targets;
    auto it = std::find_if(list.begin(), list.end(), [t](const Agent::Membership& m) { return m.target == t; });
    if (it == list.end()) return;
    withdraw(a);
    list.erase(it);
    publish(a);
  };
  if (target.kind == abi::kStageAgent) {
    const std::uint32_t a = agent_index(static_cast<std::uint32_t>(target.value));
    if (a != kNoIndex) leave(a);
  } else {
    for (std::uint32_t a = 0; a < agents_.size(); ++a)
      if (agents_[a].logged_in()) leave(a);
  }
  target_by_key_.erase(target.key);
  targets_[t] = Target{};
  free_targets_.push_back(t);
}

void Runtime::join_targets(std::uint32_t a) {
  withdraw(a);
  Agent& agent = agents_[a];
  agent.targets.clear();
  for (std::uint32_t t = 0; t < targets_.size(); ++t)
    if (targets_[t].refs > 0 && admits(targets_[t], agent))
      agent.targets.push_back(Agent::Membership{t, proficiency(targets_[t], agent)});
  publish(a);
}

}  // namespace iwd::runtime
