// Runtime: construction, lookups and events.
#include "runtime/runtime.h"

#include <fmt/format.h>

#include <algorithm>
#include <stdexcept>

namespace iwd::runtime {

std::string_view refusal_name(Refusal r) {
  switch (r) {
    case Refusal::None: return "none";
    case Refusal::NotFound: return "not_found";
    case Refusal::IllegalTransition: return "illegal_transition";
    case Refusal::RefusedByRules: return "refused_by_rules";
    case Refusal::Conflict: return "conflict";
    case Refusal::BadInput: return "bad_input";
    case Refusal::AgentUnavailable: return "agent_unavailable";
    case Refusal::StateUnusable: return "state_unusable";
  }
  return "?";
}

Status Status::fail(Refusal code, std::string message, ItemState state) {
  // A refusal without a code would reach a client as the wrong HTTP status: a bug, caught here.
  if (code == Refusal::None) throw std::logic_error("Status::fail without a refusal code: " + message);
  return Status(code, std::move(message), state);
}

std::unique_ptr<Runtime> Runtime::create(const abi::RulesV1& rules, StringPool& pool, Clock& clock, EventSink& sink,
                                         const RuntimeOptions& options, std::string* error) {
  if (const char* problem = abi::check_table(&rules); *problem) {
    *error = problem;
    return nullptr;
  }
  if (rules.process_count < 0 || rules.skill_count < 0 || rules.capacity_count < 0 ||
      (rules.process_count > 0 && (!rules.process_names || !rules.stage_counts)) ||
      (rules.skill_count > 0 && !rules.skill_names) || (rules.capacity_count > 0 && !rules.capacities)) {
    *error = "the rules table's counts and arrays do not agree";
    return nullptr;
  }
  for (std::int32_t p = 0; p < rules.process_count; ++p)
    if (rules.stage_counts[p] > 0xffff) {
      *error = fmt::format("process {} of the rules table has {} target stages; at most 65535", p, rules.stage_counts[p]);
      return nullptr;
    }
  auto schema = Schema::parse(rules.schema ? rules.schema : "");
  if (!schema.ok()) {
    *error = "the rules table's schema: " + schema.error;
    return nullptr;
  }
  if (const std::int32_t n = abi::report_dimension_count(rules); n != 0) {
    bool fits = n > 0 && n <= Event::kMaxDimensions && rules.report_dimension_slots;
    for (std::int32_t k = 0; fits && k < n; ++k) fits = rules.report_dimension_slots[k] < schema.value.attributes.size();
    if (!fits) {
      *error = fmt::format("the rules table's `report by` dimensions do not fit (at most {}, each a slot of the schema)",
                           Event::kMaxDimensions);
      return nullptr;
    }
  }
  return std::unique_ptr<Runtime>(new Runtime(rules, pool, clock, sink, options, std::move(schema.value)));
}

Runtime::Runtime(const abi::RulesV1& rules, StringPool& pool, Clock& clock, EventSink& sink,
                 const RuntimeOptions& options, Schema schema)
    : rules_(rules), pool_(pool), clock_(clock), sink_(sink), options_(options), schema_(std::move(schema)) {
  reads_last_agent_ = abi::reads_last_agent(rules_);
  dimension_count_ = abi::report_dimension_count(rules_);
  rona_ = pool_.intern("rona");
  workitem_ = pool_.intern("workitem");
}

Runtime::~Runtime() = default;

std::uint32_t Runtime::item_index(std::uint32_t id) const {
  return id < item_by_id_.size() ? item_by_id_[id] : kNoIndex;
}

std::uint32_t Runtime::agent_index(std::uint32_t id) const {
  return id < agent_by_id_.size() ? agent_by_id_[id] : kNoIndex;
}

const WorkItem* Runtime::find_item(std::uint32_t id) const {
  const std::uint32_t i = item_index(id);
  return i == kNoIndex ? nullptr : &items_[i];
}

const Agent* Runtime::find_agent(std::uint32_t id) const {
  const std::uint32_t a = agent_index(id);
  return a == kNoIndex ? nullptr : &agents_[a];
}

void Runtime::set_state_since(std::uint32_t id, std::int64_t at) {
  if (const std::uint32_t a = agent_index(id); a != kNoIndex) agents_[a].state_since = at;
}

std::string Runtime::name(std::uint32_t id) const {
  return id < pool_.size() ? std::string(pool_.view(id)) : std::string("?");
}

Status Runtime::illegal(const WorkItem& item, std::string_view what) const {
  return Status::fail(Refusal::IllegalTransition,
                      fmt::format("item `{}` is {}: {}", name(item.id), item_state_name(item.state), what), item.state);
}

std::uint32_t Runtime::media_index(std::uint32_t media_id) {
  if (auto it = media_by_id_.find(media_id); it != media_by_id_.end()) return it->second;
  const auto m = static_cast<std::uint32_t>(media_ids_.size());
  media_ids_.push_back(media_id);
  media_by_id_.emplace(media_id, m);
  // Agents who take any media have room for this one too.
  for (std::uint32_t a = 0; a < agents_.size(); ++a)
    if (agents_[a].state == AgentState::Ready && agents_[a].other_media > 0) {
      withdraw(a);
      publish(a);
    }
  return m;
}

std::optional<CapacitySpec> Runtime::capacity_named(std::string_view name) const {
  for (std::int32_t c = 0; c < rules_.capacity_count; ++c) {
    const abi::Capacity& cap = rules_.capacities[c];
    if (name != cap.name) continue;
    CapacitySpec spec;
    auto limit = [](std::int64_t n) { return static_cast<std::int32_t>(std::clamp<std::int64_t>(n, 0, kUnlimited)); };
    for (std::uint32_t k = 0; k < cap.media_count; ++k) spec.media.emplace_back(pool_.intern(cap.media[k]), limit(cap.limits[k]));
    spec.total = cap.total == abi::kNone ? kUnlimited : limit(cap.total);
    return spec;
  }
  return std::nullopt;
}

CapacitySpec Runtime::default_capacity() const {
  if (rules_.capacity_count > 0) return *capacity_named(rules_.capacities[0].name);
  CapacitySpec one;
  one.other_media = 1;
  one.total = 1;
  return one;
}

void Runtime::emit_item(const WorkItem& item, ItemState from, Cause cause, std::uint32_t agent,
                        std::uint32_t outcome) const {
  Event e = item_event(EventKind::ItemStateChanged, cause, item);
  e.agent = agent == kNoIndex ? kNoId : agents_[agent].id;
  e.from_item = from;
  e.to_item = item.state;
  e.outcome = outcome;
  sink_.on_event(e);
}

Event Runtime::item_event(EventKind kind, Cause cause, const WorkItem& item) const {
  Event e;
  e.kind = kind;
  e.cause = cause;
  e.at = now();
  e.item = item.id;
  e.index = item_index(item.id);  // the item is still found by its id when it ends (end() emits first)
  e.process = item.process;
  e.priority = item.priority;
  e.captured_at = item.record.present(kSlotCapturedAt) ? item.record.get_int(kSlotCapturedAt) : item.clock.start;
  e.due = item.clock.due;
  e.state = item.state;
  stamp_dimensions(e, item.record);
  return e;
}

void Runtime::stamp_dimensions(Event& e, const ItemRecord& record) const {
  if (dimension_count_ == 0) return;
  e.dimension_count = static_cast<std::uint8_t>(dimension_count_);
  for (std::int32_t k = 0; k < dimension_count_; ++k) {
    const std::uint32_t slot = rules_.report_dimension_slots[k];
    if (!record.present(slot)) continue;
    e.dimensions_present |= static_cast<std::uint8_t>(1u << k);
    e.dimensions[k] = record.get_int(slot);
  }
}

void Runtime::emit_agent(const Agent& a, AgentState from, Cause cause) const {
  Event e;
  e.kind = EventKind::AgentStateChanged;
  e.cause = cause;
  e.at = now();
  e.agent = a.id;
  e.from_agent = from;
  e.to_agent = a.state;
  e.reason = a.state != AgentState::Ready ? a.reason : kNoId;  // not ready, or logged out with a reason
  sink_.on_event(e);
}

void Runtime::settle() {
  if (!firing_) fire_due();
}

bool run_until(Runtime& runtime, SimulatedClock& clock, stdlib::Instant t) {
  if (t < clock.now()) return false;
  for (std::int64_t next = runtime.next_deadline(); next != abi::kNone && next <= t.ms_since_epoch;
       next = runtime.next_deadline()) {
    clock.set(stdlib::Instant{std::max(next, clock.now().ms_since_epoch)});
    runtime.fire_due();
  }
  clock.set(t);
  runtime.fire_due();
  return true;
}

}  // namespace iwd::runtime
