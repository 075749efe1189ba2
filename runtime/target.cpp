#include "runtime/target.h"

#include <cstring>

namespace iwd::runtime {

std::int32_t Target::proficiency(const Agent& a) const {
  std::int32_t sum = 0;
  if (kind != abi::kStageSkill) return 0;
  if (skills_known) {
    for (std::uint32_t s : skills)
      if (s < a.skills.size() && a.skills[s] > 0) sum += a.skills[s];
  } else {
    for (std::int8_t level : a.skills)
      if (level > 0) sum += level;
  }
  return sum;
}

namespace {

void append(std::string& key, std::int64_t v) {
  char bytes[sizeof v];
  std::memcpy(bytes, &v, sizeof v);
  key.append(bytes, sizeof v);
}

}  // namespace

std::string target_key(const abi::Stage& s, const abi::ExpressionReads* reads, const Schema& schema,
                       const ItemRecord& item, std::uint64_t serial) {
  std::string key;
  switch (s.kind) {
    case abi::kStageAgent:
    case abi::kStageGroup:
      if (s.value == abi::kNone) return key;
      key.push_back(s.kind == abi::kStageAgent ? 'a' : 'g');
      append(key, s.value);
      return key;
    default:
      break;
  }
  if (!s.reads_item) {
    key.push_back('s');
    append(key, s.expression);
    return key;
  }
  if (reads == nullptr || reads->reads_inputs) {
    // Who it admits depends on this item's clock, or on values the rules do not name.
    key.push_back('i');
    append(key, s.expression);
    append(key, static_cast<std::int64_t>(serial));
    return key;
  }
  key.push_back('v');
  append(key, s.expression);
  for (std::uint32_t k = 0; k < reads->slot_count; ++k) {
    const std::uint32_t slot = reads->slots[k];
    if (slot >= item.slot_count() || !item.present(slot)) {
      key.push_back('-');
      continue;
    }
    key.push_back('+');
    if (slot < schema.attributes.size() && is_list(schema.attributes[slot].type)) {
      // A list slot holds an index into the record's lists: its elements are the value.
      const auto list = item.list(slot);
      append(key, static_cast<std::int64_t>(list.size()));
      for (std::int64_t x : list) append(key, x);
    } else {
      append(key, item.get_int(slot));
    }
  }
  return key;
}

}  // namespace iwd::runtime
