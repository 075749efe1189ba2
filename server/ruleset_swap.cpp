#include "server/ruleset_swap.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>

#include "runtime/item_json.h"

namespace iwd::server {
namespace {

using json = nlohmann::json;
using runtime::ItemState;

void problem(SwapReport* r, std::string text) {
  if (r->problems.size() < SwapReport::kMaxProblems) r->problems.push_back(std::move(text));
  else ++r->more_problems;
}

runtime::AgentUpdate carried_agent(const runtime::Runtime& from, const runtime::Runtime& to, const runtime::Agent& a) {
  runtime::AgentUpdate u;
  u.id = a.id;
  std::vector<std::int8_t> skills(static_cast<std::size_t>(to.rules().skill_count), std::int8_t{-1});
  for (std::size_t s = 0; s < a.skills.size() && s < static_cast<std::size_t>(from.rules().skill_count); ++s) {
    if (a.skills[s] < 0) continue;
    const std::string_view name = from.rules().skill_names[s];
    for (std::int32_t t = 0; t < to.rules().skill_count; ++t)
      if (name == to.rules().skill_names[t]) skills[static_cast<std::size_t>(t)] = a.skills[s];
  }
  u.skills = std::move(skills);
  u.groups = a.groups;
  std::vector<std::pair<std::uint32_t, std::uint32_t>> attributes;
  for (std::size_t k = 0; k < a.attribute_names.size(); ++k) attributes.emplace_back(a.attribute_names[k], a.attribute_values[k]);
  u.attributes = std::move(attributes);
  runtime::CapacitySpec capacity;
  for (std::uint32_t m = 0; m < a.limits.size(); ++m) capacity.media.emplace_back(from.media_id(m), a.limits[m]);
  capacity.other_media = a.other_media;
  capacity.total = a.total;
  u.capacity = std::move(capacity);
  u.state = a.state;
  u.reason = a.reason;
  return u;
}

int phase(ItemState s) {
  switch (s) {
    case ItemState::Assigned:
    case ItemState::Parked:
    case ItemState::DonePending:
    case ItemState::Held: return 0;
    case ItemState::Offered: return 1;
    default: return 2;
  }
}

}  // namespace

SwapReport transplant(const runtime::Runtime& from, runtime::Runtime& to) {
  SwapReport report;
  for (const runtime::Agent& a : from.agents()) {
    if (runtime::Status s = to.agent(carried_agent(from, to, a)); !s.ok())
      problem(&report, fmt::format("agent `{}`: {}", from.pool().view(a.id), s.error));
    else
      ++report.agents;
  }
  std::vector<const runtime::WorkItem*> open;
  for (const runtime::WorkItem& item : from.items())
    if (runtime::is_open(item.state)) open.push_back(&item);
  std::stable_sort(open.begin(), open.end(), [](const runtime::WorkItem* a, const runtime::WorkItem* b) {
    if (phase(a->state) != phase(b->state)) return phase(a->state) < phase(b->state);
    const std::uint64_t pa = a->place ? a->place : a->serial, pb = b->place ? b->place : b->serial;
    return pa < pb;
  });
  const runtime::Schema& schema = to.schema();
  for (const runtime::WorkItem* item : open) {
    const std::string_view id = from.pool().view(item->id);
    json attributes = json::parse(runtime::encode_item(from.schema(), from.pool(), item->record));
    for (auto it = attributes.begin(); it != attributes.end();) {
      const bool known = std::any_of(schema.attributes.begin(), schema.attributes.end(),
                                     [&](const auto& a) { return a.name == it.key(); });
      if (known) {
        ++it;
      } else {
        report.dropped_attributes.insert(it.key());
        it = attributes.erase(it);
      }
    }
    runtime::DecodeOptions options;
    options.allow_missing_required = true;
    auto record = runtime::decode_item(schema, to.pool(), attributes.dump(), options);
    if (!record.ok()) {
      problem(&report, fmt::format("item `{}`: {}", id, record.error));
      continue;
    }
    const std::uint32_t agent = item->agent != runtime::kNoIndex ? from.agents()[item->agent].id : runtime::kNoId;
    if (runtime::Status s = to.adopt(std::move(record.value), item->state, agent, from.state_deadline(*item)); !s.ok())
      problem(&report, s.error);
    else
      ++report.items;
  }
  return report;
}

}  // namespace iwd::server
