// Runtime: its exact state saved and loaded (snapshots). What is saved is what decides the
// runtime's next steps; what is derived from it is built again on load:
// - saved: the item table's size and free slots (an item keeps its slot), each open item's
//   record, process, clock, media, priority, serial, place, deadlines, state, agent and which
//   of its stages are queued; each agent in login order with its skills, groups, attributes,
//   limits, load, held items in order, idle instant and serial; the media in order; the
//   serial counters;
// - derived: targets (from each item's stages as the rules gave them, saved: kind, expression
//   or agent or group, opening age), agents' memberships and seats, the target queues and the
//   deadline heap. Their internal order differs from the running runtime's, but every choice made from
//   them is by a total order (priority and place; idle instant and serial; instant and serial).
// - version 2: after the items, the priority overrides (index, kind, until handled, value,
//   until) in index order; a version 1 state (before overrides) has none and still loads.
// - version 3: then each agent's state_since, in login order (what a restart needs for the
//   time in state); a state before it gives each agent the instant of the state.
// No event is emitted and no deadline fires: the saved runtime was settled at its instant.
#include <fmt/format.h>

#include <algorithm>

#include "runtime/runtime.h"
#include "runtime/state_size.h"

namespace iwd::runtime {
namespace {

// The layout's version: a change to what is saved bumps it, and load_state keeps reading the
// versions before (a snapshot is all a journal has of its history).
constexpr std::uint32_t kStateVersion = 3;
constexpr std::uint32_t kFirstVersionWithOverrides = 2;
constexpr std::uint32_t kFirstVersionWithStateSince = 3;

enum StagePosition : std::uint8_t { kStageClosed = 0, kStageQueued = 1, kStageElsewhere = 2 };

// An open item's fields of fixed width, written as one block (no padding: 8-byte fields first).
struct ItemFixed {
  std::int64_t priority;
  std::uint64_t serial, place;
  std::int64_t classified_at, start, sla, due;
  std::int64_t deadlines[kDeadlineCount];
  std::uint32_t index, id, media, charged_media, agent;
  std::int32_t process;
  std::uint32_t stage_count, state;
};
static_assert(sizeof(ItemFixed) == 8 * 11 + 4 * 8, "ItemFixed has no padding");

// The slots of the schema whose words are not plain values: strings (interned ids) and lists.
struct SpecialSlots {
  std::vector<std::uint32_t> strings, lists;
  std::vector<bool> string_list;  // per entry of `lists`
  std::vector<bool> plain;        // per slot: neither
  explicit SpecialSlots(const Schema& schema) : plain(schema.attributes.size(), true) {
    for (std::uint32_t s = 0; s < schema.attributes.size(); ++s) {
      const SlotType t = schema.attributes[s].type;
      plain[s] = t != SlotType::String && !is_list(t);
      if (t == SlotType::String) strings.push_back(s);
      if (is_list(t)) {
        lists.push_back(s);
        string_list.push_back(t == SlotType::StringList);
      }
    }
  }
};

template <typename T>
void write_vector(FrameWriter& out, const std::vector<T>& v) {
  out.u32(static_cast<std::uint32_t>(v.size()));
  if (!v.empty()) out.raw(v.data(), v.size() * sizeof(T));
}

template <typename T>
std::vector<T> read_vector(FrameReader& in) {
  std::vector<T> v(in.count(sizeof(T)));
  if (!v.empty()) in.raw(v.data(), v.size() * sizeof(T));
  return v;
}

}  // namespace

std::size_t state_bytes(const Runtime& rt, std::size_t open_items) {
  std::size_t strings = 0;
  for (const auto& a : rt.schema().attributes) strings += a.type == SlotType::String ? 1 : 0;
  std::uint32_t max_stages = 0;
  for (std::int32_t p = 0; p < rt.rules().process_count; ++p) max_stages = std::max(max_stages, rt.rules().stage_counts[p]);
  return open_items * (sizeof(ItemFixed) + 8 * (rt.schema().attributes.size() + 3) + 4 * strings + 15 * std::size_t{max_stages} + 32) +
         rt.agents().size() * 256 + 4 * (rt.items().size() - rt.open_items()) + 1024;
}

void Runtime::save_state(FrameWriter& out) const {
  const SpecialSlots special(schema_);
  // Room for the largest items, so that it seldom grows (a frame mapped ahead of this size,
  // server/snapshot_store.h, does not grow at all).
  out.reserve(state_bytes(*this, open_count_));
  out.u32(kStateVersion);
  out.u32(static_cast<std::uint32_t>(schema_.attributes.size()));
  out.i32(rules_.skill_count);
  out.i32(rules_.process_count);
  out.i64(now());
  out.u64(next_serial_);
  out.u64(next_place_);
  out.u64(next_agent_serial_);
  out.u32(static_cast<std::uint32_t>(media_ids_.size()));
  for (std::uint32_t m : media_ids_) out.id(m);

  out.u32(static_cast<std::uint32_t>(agents_.size()));
  for (const Agent& a : agents_) {
    out.id(a.id);
    out.u8(static_cast<std::uint8_t>(a.state));
    out.id(a.reason);
    write_vector(out, a.skills);
    out.u32(static_cast<std::uint32_t>(a.groups.size()));
    for (std::uint32_t g : a.groups) out.id(g);
    out.u32(static_cast<std::uint32_t>(a.attribute_names.size()));
    for (std::size_t k = 0; k < a.attribute_names.size(); ++k) {
      out.id(a.attribute_names[k]);
      out.id(a.attribute_values[k]);
    }
    write_vector(out, a.limits);
    out.i32(a.other_media);
    out.i32(a.total);
    write_vector(out, a.load);
    out.i32(a.load_total);
    write_vector(out, a.held);
    out.i64(a.idle_since);
    out.u64(a.serial);
    out.i64(a.seat_idle_since);
  }

  out.u32(static_cast<std::uint32_t>(items_.size()));
  write_vector(out, free_items_);
  out.u32(static_cast<std::uint32_t>(open_count_));
  for (std::uint32_t i = 0; i < items_.size(); ++i) {
    const WorkItem& item = items_[i];
    if (!is_open(item.state)) continue;
    ItemFixed f{};
    f.priority = item.priority;
    f.serial = item.serial;
    f.place = item.place;
    f.classified_at = item.clock.classified_at;
    f.start = item.clock.start;
    f.sla = item.clock.sla;
    f.due = item.clock.due;
    for (std::size_t k = 0; k < kDeadlineCount; ++k) f.deadlines[k] = item.deadlines[k];
    f.index = i;
    f.id = item.id;
    f.media = item.media;
    f.charged_media = item.charged_media;
    f.agent = item.agent;
    f.process = item.process;
    f.stage_count = item.stage_count;
    f.state = static_cast<std::uint32_t>(item.state);
    out.raw(&f, sizeof f);
    out.id(item.id);  // marked (the block holds it too)
    // Each stage as the rules gave it (what its target is made from), where it stands.
    for (std::uint32_t k = 0; k < item.stage_count; ++k) {
      const StageSlot& s = item.stage(k);
      out.u8(s.queued() ? kStageQueued : s.open() ? kStageElsewhere : kStageClosed);
      out.i64(s.opens_at);
      const Target* t = s.target == kNoIndex ? nullptr : &targets_[s.target];
      const std::uint8_t kind = t ? t->kind : std::uint8_t{abi::kStageAgent};  // none: an agent stage naming no one
      out.u8(kind);
      if (kind == abi::kStageSkill) {
        out.i32(t->expression);
        out.u8(t->reads_item ? 1 : 0);
      } else {
        out.id(t ? static_cast<std::uint32_t>(t->value) : kNoId);
      }
    }
    // The record: presence and slot words as they are (strings are ids, marked), then each
    // present list's elements.
    const ItemRecord& r = item.record;
    out.u32(r.slot_count());
    out.raw(r.data() + 1, 8 * (std::size_t{r.presence_words()} + r.slot_count()));
    for (std::uint32_t s : special.strings)
      if (r.present(s)) out.id(r.get_string(s));
    for (std::size_t k = 0; k < special.lists.size(); ++k) {
      if (!r.present(special.lists[k])) continue;
      const auto list = r.list(special.lists[k]);
      out.u32(static_cast<std::uint32_t>(list.size()));
      for (std::int64_t v : list) {
        if (special.string_list[k]) out.id(static_cast<std::uint32_t>(v));
        else out.i64(v);
      }
    }
  }
  std::vector<std::uint32_t> overridden;
  for (const auto& [i, o] : overrides_) overridden.push_back(i);
  std::sort(overridden.begin(), overridden.end());  // the same state, the same bytes
  out.u32(static_cast<std::uint32_t>(overridden.size()));
  for (std::uint32_t i : overridden) {
    const PriorityOverride& o = overrides_.at(i);
    out.u32(i);
    out.u8(static_cast<std::uint8_t>(o.kind));
    out.u8(o.until_handled ? 1 : 0);
    out.i64(o.value);
    out.i64(o.until);
  }
  for (const Agent& a : agents_) out.i64(a.state_since);
}

Status Runtime::load_state(FrameReader& in) {
  if (!items_.empty() || !agents_.empty() || !media_ids_.empty())
    return Status::fail(Refusal::StateUnusable, "a state loads into a fresh runtime only");
  try {
    const std::uint32_t version = in.u32();
    if (version < 1 || version > kStateVersion)
      return Status::fail(Refusal::StateUnusable,
                          fmt::format("the state is of version {}; this runtime reads versions 1 to {}", version, kStateVersion));
    const std::uint32_t slots = in.u32();
    const std::int32_t skills = in.i32(), processes = in.i32();
    if (slots != schema_.attributes.size() || skills != rules_.skill_count || processes != rules_.process_count)
      return Status::fail(Refusal::StateUnusable, "the state was saved under other rules (its schema, skills or processes differ)");
    if (const std::int64_t at = in.i64(); at != now())
      return Status::fail(Refusal::StateUnusable, fmt::format("the state is of {}; the runtime's clock is at {}",
                                      stdlib::format_instant(stdlib::Instant{at}), stdlib::format_instant(clock_.now())));
    next_serial_ = in.u64();
    next_place_ = in.u64();
    next_agent_serial_ = in.u64();
    for (std::uint32_t m = 0, n = in.count(4); m < n; ++m)
      if (media_index(in.id()) != m) throw FrameError("a media is listed twice");

    const std::uint32_t agent_count = in.count(32);
    agents_.reserve(agent_count);
    for (std::uint32_t k = 0; k < agent_count; ++k) {
      Agent& a = agents_.emplace_back();
      a.id = in.id();
      const std::uint8_t state = in.u8();
      if (state > static_cast<std::uint8_t>(AgentState::NotReady)) throw FrameError("an agent's state is unknown");
      a.state = static_cast<AgentState>(state);
      a.reason = in.id();
      a.skills = read_vector<std::int8_t>(in);
      if (a.skills.size() != static_cast<std::size_t>(rules_.skill_count)) throw FrameError("an agent's skills do not fit");
      for (std::uint32_t g = 0, n = in.count(4); g < n; ++g) a.groups.push_back(in.id());
      for (std::uint32_t t = 0, n = in.count(8); t < n; ++t) {
        a.attribute_names.push_back(in.id());
        a.attribute_values.push_back(in.id());
      }
      a.limits = read_vector<std::int32_t>(in);
      a.other_media = in.i32();
      a.total = in.i32();
      a.load = read_vector<std::int32_t>(in);
      a.load_total = in.i32();
      a.held = read_vector<std::uint32_t>(in);
      a.idle_since = in.i64();
      a.serial = in.u64();
      a.seat_idle_since = in.i64();
      if (a.id == kNoId || agent_index(a.id) != kNoIndex) throw FrameError("an agent is listed twice");
      if (a.id >= agent_by_id_.size()) agent_by_id_.resize(std::max<std::size_t>(pool_.size(), std::size_t{a.id} + 1), kNoIndex);
      agent_by_id_[a.id] = k;
    }

    const std::uint32_t table = in.u32();
    for (std::uint32_t i = 0; i < table; ++i) items_.emplace_back();
    free_items_ = read_vector<std::uint32_t>(in);
    for (std::uint32_t i : free_items_)
      if (i >= table) throw FrameError("a free item slot is out of the table");
    const std::uint32_t open = in.count(sizeof(ItemFixed));
    if (std::size_t{open} + free_items_.size() != table) throw FrameError("the open items and free slots do not fill the table");
    const SpecialSlots special(schema_);
    std::vector<abi::Stage> stages;
    for (std::uint32_t n = 0; n < open; ++n) {
      ItemFixed f;
      in.raw(&f, sizeof f);
      const std::uint32_t id = in.id();
      const auto state = static_cast<ItemState>(f.state);
      if (f.index >= table || items_[f.index].state != ItemState::None || f.state > 0xff || !is_open(state))
        throw FrameError("an item's slot or state does not fit");
      if (f.process < 0 || f.process >= rules_.process_count || f.stage_count != rules_.stage_counts[f.process] ||
          f.media >= media_ids_.size() || f.charged_media >= media_ids_.size() ||
          (f.agent != kNoIndex && f.agent >= agents_.size()))
        throw FrameError("an item's process, media or agent does not fit");
      std::vector<std::uint8_t> positions(f.stage_count);
      stages.assign(f.stage_count, abi::Stage{});
      for (std::uint32_t k = 0; k < f.stage_count; ++k) {
        positions[k] = in.u8();
        abi::Stage& st = stages[k];
        st.opens_at = in.i64();
        st.kind = in.u8();
        if (st.kind == abi::kStageSkill) {
          st.expression = in.i32();
          st.reads_item = in.u8();
        } else if (st.kind == abi::kStageAgent || st.kind == abi::kStageGroup) {
          const std::uint32_t v = in.id();
          st.value = v == kNoId ? abi::kNone : static_cast<std::int64_t>(v);
        } else {
          throw FrameError("an item's stage is of no known kind");
        }
      }

      if (in.u32() != schema_.attributes.size()) throw FrameError("an item's record does not fit the schema");
      ItemRecord record(schema_);
      std::vector<std::uint64_t> words(std::size_t{record.presence_words()} + record.slot_count());
      in.raw(words.data(), 8 * words.size());
      const std::uint64_t* presence = words.data();
      const std::uint64_t* value = words.data() + record.presence_words();
      const auto present = [presence](std::uint32_t s) { return (presence[s >> 6] >> (s & 63)) & 1; };
      for (std::uint32_t s = 0; s < record.slot_count(); ++s)
        if (present(s) && special.plain[s]) record.set_int(s, static_cast<std::int64_t>(value[s]));
      for (std::uint32_t s : special.strings)
        if (present(s)) record.set_string(s, in.id());
      for (std::size_t k = 0; k < special.lists.size(); ++k) {
        if (!present(special.lists[k])) continue;
        std::vector<std::int64_t> list(in.count(4));
        for (auto& v : list) v = special.string_list[k] ? static_cast<std::int64_t>(in.id()) : in.i64();
        record.set_list(special.lists[k], std::move(list));
      }
      if (!record.present(kSlotId) || record.get_string(kSlotId) != id || item_index(id) != kNoIndex)
        throw FrameError("an item's id does not fit");

      const std::uint32_t i = f.index;
      WorkItem& item = items_[i];
      item.record = std::move(record);
      item.clock = abi::ItemClock{f.classified_at, f.start, f.sla, f.due};
      item.priority = f.priority;
      item.serial = f.serial;
      item.place = f.place;
      item.id = id;
      item.agent = f.agent;
      item.media = f.media;
      item.charged_media = f.charged_media;
      item.process = f.process;
      item.state = state;
      if (id >= item_by_id_.size()) item_by_id_.resize(std::max<std::size_t>(pool_.size(), std::size_t{id} + 1), kNoIndex);
      item_by_id_[id] = i;
      ++open_count_;
      item.set_stage_count(static_cast<std::uint16_t>(f.stage_count));
      for (std::uint32_t k = 0; k < item.stage_count; ++k) {
        item.stage(k).opens_at = stages[k].opens_at;
        item.stage(k).target = acquire_target(item, k, stages[k]);
      }
      for (std::uint32_t k = 0; k < item.stage_count; ++k) {
        if (positions[k] == kStageElsewhere) {
          item.stage(k).position = StageSlot::kOpenElsewhere;
        } else if (positions[k] == kStageQueued) {
          if (state != ItemState::Queued || item.stage(k).target == kNoIndex) throw FrameError("an item's queue does not fit");
          targets_[item.stage(k).target].items_for(item.media).push(ItemQueue::Entry{item.priority, item.place, i, k}, items_);
        } else if (positions[k] != kStageClosed) {
          throw FrameError("an item's stage is in no known position");
        }
      }
      for (std::size_t k = 0; k < kDeadlineCount; ++k) item.deadlines[k] = f.deadlines[k];
      if (const std::int64_t next = item.next_deadline(); next != abi::kNone) deadlines_.set(i, next, item.serial);
    }
    for (std::uint32_t a = 0; a < agents_.size(); ++a)
      for (std::uint32_t i : agents_[a].held)
        if (i >= table || items_[i].agent != a ||
            (items_[i].state != ItemState::Offered && items_[i].state != ItemState::Assigned))
          throw FrameError("an agent holds an item that is not with it");
    if (version >= kFirstVersionWithOverrides) {
      for (std::uint32_t k = 0, n = in.count(22); k < n; ++k) {
        const std::uint32_t i = in.u32();
        PriorityOverride o;
        const std::uint8_t kind = in.u8(), handled = in.u8();
        o.value = in.i64();
        o.until = in.i64();
        if (i >= table || !is_open(items_[i].state) || kind > 1 || handled > 1 || overrides_.count(i))
          throw FrameError("a priority override does not fit its item");
        o.kind = static_cast<PriorityOverride::Kind>(kind);
        o.until_handled = handled != 0;
        overrides_[i] = o;
      }
    }
    for (Agent& a : agents_) a.state_since = version >= kFirstVersionWithStateSince ? in.i64() : now();
    if (!in.done()) throw FrameError("bytes are left after its end");
  } catch (const FrameError& e) {
    return Status::fail(Refusal::StateUnusable, std::string("the state is damaged: ") + e.what());
  }
  return Status::done();
}

}  // namespace iwd::runtime
