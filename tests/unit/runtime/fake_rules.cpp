#include "tests/unit/runtime/fake_rules.h"

#include <algorithm>

#include "runtime/item.h"

namespace iwd::runtime::testing {
namespace {

namespace abi = runtime::abi;

const FakeRules& self(void* ctx) { return *static_cast<const FakeRules*>(ctx); }

const char* const kProcessNames[] = {"Voice.Inbound", "BackOffice.Cases", "Leads.Any"};
const std::int32_t kProcessDepartments[] = {0, 1, 2};
const char* const kDepartmentNames[] = {"Voice", "BackOffice", "Leads"};
const char* const kSkillNames[] = {"phone", "back_office", "sales"};
const std::uint32_t kStageCounts[] = {1, 4, 2};
const char* const kCapacityMedia[] = {"voice", "workitem"};
const std::int64_t kCapacityLimits[] = {1, 2};
const abi::Capacity kCapacities[] = {{"standard", 2, kCapacityMedia, kCapacityLimits, 2}};

// Expression 3 reads `level` (slot 10, after the nine core attributes and `kind`) and skill
// sales; the others read skills only.
const std::uint32_t kLevelSlotArray[] = {kCoreSlotCount + 1};
const std::uint32_t kSkillsOf[][2] = {{kPhone, 0}, {kBackOffice, 0}, {kPhone, kBackOffice}, {kSales, 0}, {kSales, 0}};
const std::uint32_t kSkillCountOf[] = {1, 1, 2, 1, 1};

std::int64_t attr(const ItemRecord* item, std::uint32_t slot, std::int64_t otherwise) {
  return item->present(slot) ? item->get_int(slot) : otherwise;
}

std::int64_t level_of(const abi::Agent* a, std::uint32_t skill) {
  return a && skill < a->skill_count ? a->skills[skill] : -1;  // -1: lacks it
}

bool skill_holds(std::int32_t expression, const ItemRecord* item, std::uint32_t level_slot, const abi::Agent* a) {
  switch (expression) {
    case 0: return level_of(a, kPhone) > 0;
    case 1: return level_of(a, kBackOffice) > 5;
    case 2: return level_of(a, kBackOffice) > 0 || level_of(a, kPhone) > 8;
    case 3: return level_of(a, kSales) >= 0 && level_of(a, kSales) >= attr(item, level_slot, 0);
    case 4: return level_of(a, kSales) > 0;
    default: return false;
  }
}

std::int64_t priority_at(std::int32_t process, std::int64_t age) {
  switch (process) {
    case kVoice:
      if (age < 5 * kMinute) return 5000;
      return std::min<std::int64_t>(9000, 6000 + 10 * ((age - 5 * kMinute) / kMinute));
    case kCases:
      return std::min<std::int64_t>(1500, 1000 + 10 * (std::max<std::int64_t>(age, 0) / kHour));
    default:
      return std::max<std::int64_t>(100, 800 - 100 * (std::max<std::int64_t>(age, 0) / (10 * kMinute)));
  }
}

// The next age after `age` at which priority_at changes, or -1 for never.
std::int64_t next_change_after(std::int32_t process, std::int64_t age) {
  switch (process) {
    case kVoice:
      if (age < 5 * kMinute) return 5 * kMinute;
      if (priority_at(process, age) >= 9000) return -1;
      return 5 * kMinute + ((age - 5 * kMinute) / kMinute + 1) * kMinute;
    case kCases:
      if (priority_at(process, age) >= 1500) return -1;
      return (std::max<std::int64_t>(age, -1) / kHour + 1) * kHour;
    default:
      if (priority_at(process, age) <= 100) return -1;
      return (std::max<std::int64_t>(age, -1) / (10 * kMinute) + 1) * 10 * kMinute;
  }
}

void stages_of(const FakeRules& r, std::int32_t process, const ItemRecord* item, abi::Stage* out) {
  switch (process) {
    case kVoice:
      out[0] = abi::Stage{abi::kStageSkill, 0, 0, 0, abi::kNone};
      return;
    case kCases: {
      std::int64_t opens = 0;
      const bool preferred = item->present(kSlotPreferredAgent);
      out[0] = abi::Stage{abi::kStageAgent, 0, -1, 0,
                          preferred ? static_cast<std::int64_t>(item->get_string(kSlotPreferredAgent)) : abi::kNone};
      if (preferred) opens += 2 * kMinute;  // an absent agent's stage is skipped: its `for` does not count
      out[1] = abi::Stage{abi::kStageGroup, 0, -1, opens,
                          item->present(r.team_slot()) ? static_cast<std::int64_t>(item->get_string(r.team_slot())) : abi::kNone};
      opens += 5 * kMinute;
      out[2] = abi::Stage{abi::kStageSkill, 0, 1, opens, abi::kNone};
      opens += 10 * kMinute;
      out[3] = abi::Stage{abi::kStageSkill, 0, 2, opens, abi::kNone};
      return;
    }
    default:
      out[0] = abi::Stage{abi::kStageSkill, 1, 3, 0, abi::kNone};
      out[1] = abi::Stage{abi::kStageSkill, 0, 4, 30 * kMinute, abi::kNone};
      return;
  }
}

bool admits_stage(const FakeRules& r, std::int32_t process, std::uint32_t stage, const ItemRecord* item,
                  const abi::Agent* agent) {
  abi::Stage s[4];
  stages_of(r, process, item, s);
  switch (s[stage].kind) {
    case abi::kStageAgent:
      return s[stage].value != abi::kNone && agent && agent->id == static_cast<std::uint32_t>(s[stage].value);
    case abi::kStageGroup:
      return s[stage].value != abi::kNone && agent &&
             std::find(agent->groups, agent->groups + agent->group_count, static_cast<std::uint32_t>(s[stage].value)) !=
                 agent->groups + agent->group_count;
    default:
      return skill_holds(s[stage].expression, item, r.level_slot(), agent);
  }
}

}  // namespace

FakeRules::FakeRules(StringPool& pool) : pool_(pool) {
  schema_ = Schema::core();
  schema_.enums.push_back(EnumSpec{"Kind", {"Call", "Case", "Lead"}});
  AttributeSpec kind{"kind", SlotType::Enum, false, true, 0, std::nullopt};
  AttributeSpec level{"level", SlotType::Int, false, false, -1, DefaultValue{}};
  AttributeSpec team{"team", SlotType::String, true, false, -1, std::nullopt};
  kind_ = static_cast<std::uint32_t>(schema_.attributes.size());
  schema_.attributes.push_back(kind);
  level_ = static_cast<std::uint32_t>(schema_.attributes.size());
  schema_.attributes.push_back(level);
  team_ = static_cast<std::uint32_t>(schema_.attributes.size());
  schema_.attributes.push_back(team);
  schema_text_ = schema_.serialize();
  voice_ = pool_.intern("voice");
  workitem_ = pool_.intern("workitem");

  abi::RulesV1& t = table_;
  t.ctx = this;
  t.ruleset_name = "fake";
  t.ruleset_version = "1";
  t.schema = schema_text_.c_str();
  t.engine = "fake";
  t.process_count = 3;
  t.process_names = kProcessNames;
  t.process_departments = kProcessDepartments;
  t.department_count = 3;
  t.department_names = kDepartmentNames;
  t.skill_count = 3;
  t.skill_names = kSkillNames;
  t.capacity_count = 1;
  t.capacities = kCapacities;
  t.stage_counts = kStageCounts;

  t.classify = [](void* ctx, const ItemRecord* item, std::int64_t, std::int32_t* detail) -> std::int32_t {
    const FakeRules& r = self(ctx);
    if (!item->present(r.kind_slot())) {
      *detail = static_cast<std::int32_t>(r.kind_slot());
      return -1;
    }
    const std::int64_t kind = item->get_int(r.kind_slot());
    if (kind == kLead && attr(item, r.level_slot(), 0) < 0) {
      *detail = -1;
      return -1;
    }
    return static_cast<std::int32_t>(kind);
  };
  t.rejection = [](void* ctx, std::int32_t detail) -> const char* {
    if (detail == static_cast<std::int32_t>(self(ctx).kind_slot())) return "missing required attribute `kind`";
    return "no process takes the item: no department matches it and there is no default process";
  };
  t.clock = [](void*, std::int32_t process, const ItemRecord* item, std::int64_t now, abi::ItemClock* out) {
    out->classified_at = now;
    out->start = attr(item, kSlotActivateAt, item->get_int(kSlotCapturedAt));
    out->sla = process == kVoice ? 20 * kSecond : process == kCases ? 2 * kDay : abi::kNone;
    out->due = item->present(kSlotDueAt) ? item->get_int(kSlotDueAt)
               : out->sla == abi::kNone  ? abi::kNone
                                         : out->start + out->sla;
  };
  t.terms = [](void* ctx, std::int32_t process, const ItemRecord*, const abi::ItemClock*, abi::ProcessTerms* out) {
    *out = abi::ProcessTerms{};
    if (process == kVoice) {
      out->offer_timeout = 15 * kSecond;
      out->media = self(ctx).voice();
    } else if (process == kCases) {
      out->complete_within = kHour;
      out->expire_after = 3 * kDay;
    } else {
      out->offer_timeout = 20 * kSecond;
      out->expire_after = kHour;
    }
  };
  t.priority = [](void*, std::int32_t process, const ItemRecord*, const abi::ItemClock*, std::int64_t age) {
    return priority_at(process, age);
  };
  t.next_change = [](void*, std::int32_t process, const ItemRecord*, const abi::ItemClock*, std::int64_t age,
                     abi::NextChange* out) {
    const std::int64_t next = next_change_after(process, age);
    *out = abi::NextChange{next < 0 ? 0 : next, static_cast<std::uint8_t>(next < 0), 1};
  };
  t.stages = [](void* ctx, std::int32_t process, const ItemRecord* item, const abi::ItemClock*, abi::Stage* out) {
    stages_of(self(ctx), process, item, out);
  };
  t.admits = [](void* ctx, std::int32_t process, std::uint32_t stage, const ItemRecord* item, const abi::ItemClock*,
                const abi::Agent* agent) -> std::uint8_t { return admits_stage(self(ctx), process, stage, item, agent); };
  t.eligible = [](void* ctx, std::int32_t process, const ItemRecord* item, const abi::ItemClock*, std::int64_t age,
                  const abi::Agent* agent) -> std::uint8_t {
    const FakeRules& r = self(ctx);
    abi::Stage s[4];
    stages_of(r, process, item, s);
    for (std::uint32_t k = 0; k < kStageCounts[process]; ++k)
      if (s[k].opens_at != abi::kNone && s[k].opens_at <= age && admits_stage(r, process, k, item, agent)) return 1;
    return 0;
  };
  t.expression_reads = [](void*, std::int32_t expression, abi::ExpressionReads* out) {
    *out = abi::ExpressionReads{};
    if (expression < 0 || expression > 4) return;
    if (expression == 3) {
      out->slots = kLevelSlotArray;
      out->slot_count = 1;
    }
    out->skills = kSkillsOf[expression];
    out->skill_count = kSkillCountOf[expression];
  };
}

}  // namespace iwd::runtime::testing
