#include "stats/agent_book.h"

#include <algorithm>

namespace iwd::stats {

void AgentBook::rebuild(const runtime::Runtime& rt) {
  rt_ = &rt;
  parked_with_ = {};
  workbins_.clear();
  for (const runtime::WorkItem& w : rt.items())
    if (w.state == runtime::ItemState::Parked) refresh_item(w.id, rt);
}

void AgentBook::on_event(const runtime::Event& e, const runtime::Runtime& rt) {
  if (&rt != rt_) {  // a reload: the new runtime's events bring the parked items back
    rt_ = &rt;
    parked_with_ = {};
    workbins_.clear();
  }
  if (touches_workbin(e)) refresh_item(e.item, rt);
}

void AgentBook::refresh_item(std::uint32_t id, const runtime::Runtime& rt) {
  while (parked_with_.size() <= id) parked_with_.emplace_back();
  const runtime::WorkItem* w = rt.find_item(id);
  const std::uint32_t owner =
      w && w->state == runtime::ItemState::Parked && w->agent != runtime::kNoIndex ? rt.agents()[w->agent].id + 1 : 0;
  std::uint32_t& was = parked_with_[id];
  if (was == owner) return;
  if (was != 0) workbins_.erase({was - 1, id});
  if (owner != 0) workbins_.insert({owner - 1, id});
  was = owner;
}

std::vector<std::uint32_t> AgentBook::parked(std::uint32_t agent) const {
  std::vector<std::uint32_t> out;
  for (auto it = workbins_.lower_bound({agent, 0}); it != workbins_.end() && it->first == agent; ++it) out.push_back(it->second);
  return out;
}

std::vector<std::uint32_t> AgentBook::agents(const runtime::Runtime& rt, const AgentFilter& filter, std::uint32_t from,
                                             std::size_t limit, std::optional<std::uint32_t>* next) {
  std::vector<std::uint32_t> out;
  *next = std::nullopt;
  const auto& all = rt.agents();
  for (auto i = static_cast<std::size_t>(from); i < all.size(); ++i) {
    const runtime::Agent& a = all[i];
    if (filter.state && a.state != *filter.state) continue;
    if (filter.group && std::find(a.groups.begin(), a.groups.end(), *filter.group) == a.groups.end()) continue;
    if (filter.skill && (static_cast<std::size_t>(*filter.skill) >= a.skills.size() || a.skills[static_cast<std::size_t>(*filter.skill)] < 0))
      continue;
    if (out.size() == limit) {
      *next = static_cast<std::uint32_t>(i);
      break;
    }
    out.push_back(static_cast<std::uint32_t>(i));
  }
  return out;
}

std::vector<std::pair<std::uint32_t, std::uint32_t>> AgentBook::workbins(
    std::optional<std::pair<std::uint32_t, std::uint32_t>> after, std::optional<std::uint32_t> agent, std::size_t limit,
    std::optional<std::pair<std::uint32_t, std::uint32_t>>* next) const {
  std::vector<std::pair<std::uint32_t, std::uint32_t>> out;
  *next = std::nullopt;
  auto it = after ? workbins_.upper_bound(*after) : workbins_.lower_bound({agent.value_or(0), 0});
  for (; it != workbins_.end() && (!agent || it->first == *agent); ++it) {
    if (out.size() == limit) {
      *next = out.back();
      break;
    }
    out.push_back(*it);
  }
  return out;
}

}  // namespace iwd::stats
