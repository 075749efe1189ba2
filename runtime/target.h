// A distribution target: the agents one kind of target stage admits. Items whose stages admit
// the same agents share a target: an `agent` stage by the agent's id, a `group` stage by the
// group, a `skill` stage by its compiled expression and, when the expression reads the item,
// the values of the attributes it reads (RulesV1::expression_reads). Each target keeps, per
// media, its queued items best first and its available members best first, so an agent that
// becomes ready looks at the heads of its targets' queues and never scans items.
#pragma once

#include <cstdint>
#include <set>
#include <string>
#include <vector>

#include "runtime/abi.h"
#include "runtime/agent.h"
#include "runtime/item.h"
#include "runtime/item_queue.h"
#include "runtime/schema.h"

namespace iwd::runtime {

struct Target {
  std::string key;
  std::uint8_t kind = abi::kStageSkill;
  std::int64_t value = abi::kNone;  // Agent: the agent's id; Group: the group's name (interned)
  // Skill: a stage with this expression, and an item it was made for, to ask the rules
  // whether an agent is admitted (RulesV1::admits).
  std::int32_t process = -1;
  std::uint32_t stage = 0;
  std::int32_t expression = -1;  // Skill: the stage's compiled expression (abi::Stage::expression)
  bool reads_item = false;       // Skill: abi::Stage::reads_item (both kept for snapshots)
  ItemRecord sample;
  abi::ItemClock clock;
  std::vector<std::uint32_t> skills;  // the skills the expression reads, for proficiency
  bool skills_known = false;          // false: proficiency counts every skill
  std::uint32_t refs = 0;             // stages of open items that name this target
  std::vector<ItemQueue> items;             // per media index
  std::vector<std::set<AgentRank>> agents;  // per media index: ready members with room

  ItemQueue& items_for(std::uint32_t media) {
    if (media >= items.size()) items.resize(std::size_t{media} + 1);
    return items[media];
  }
  std::set<AgentRank>& agents_for(std::uint32_t media) {
    if (media >= agents.size()) agents.resize(std::size_t{media} + 1);
    return agents[media];
  }
  // The agent's proficiency here: the sum of its levels in the skills the stage reads.
  std::int32_t proficiency(const Agent& a) const;
};

// The key of the target of stage `s` of an item: "" when the stage admits no one.
// `reads`: what the stage's expression reads (null when the rules do not say); `serial`
// identifies the item, for stages whose target cannot be shared.
std::string target_key(const abi::Stage& s, const abi::ExpressionReads* reads, const Schema& schema,
                       const ItemRecord& item, std::uint64_t serial);

}  // namespace iwd::runtime
