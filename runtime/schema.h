// The item schema: which attributes a work item carries, their types, defaults and enums.
// Derived from a checked ruleset by the compiler and carried in bundles as text (serialize /
// parse), so the runtime never needs the front end. The slot of an attribute in an
// ItemRecord (runtime/item.h) is its index in Schema::attributes.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "stdlib/result.h"

namespace iwd::runtime {

using stdlib::ParseResult;

enum class SlotType : std::uint8_t {
  Bool, Int, Number, String, Time, Duration, Enum, StringList, IntList, EnumList
};

// "bool", "int", "number", "string", "time", "duration", "enum", "list<string>",
// "list<int>", "list<enum>".
std::string_view slot_type_name(SlotType t);
std::optional<SlotType> slot_type_from_name(std::string_view name);
bool is_list(SlotType t);

struct EnumSpec {
  std::string name;
  std::vector<std::string> values;
  bool operator==(const EnumSpec&) const = default;
};

// A default value, tagged by the owning attribute's SlotType. Only the field that type uses
// is meaningful:
//   Bool (0/1), Int, Time (ms since epoch), Duration (ms), Enum (value index) -> integer
//   Number -> number;  String -> text;  IntList, EnumList (indices) -> integers;
//   StringList -> texts.
struct DefaultValue {
  std::int64_t integer = 0;
  double number = 0;
  std::string text;
  std::vector<std::int64_t> integers;
  std::vector<std::string> texts;
  bool operator==(const DefaultValue&) const = default;
};

struct AttributeSpec {
  std::string name;
  SlotType type = SlotType::Int;
  bool optional = false;  // `T?`: the value may be absent
  bool required = false;  // non-optional, no default, not set by the runtime: must be given
  std::int32_t enum_index = -1;  // into Schema::enums for Enum / EnumList, else -1
  std::optional<DefaultValue> default_value;
  bool operator==(const AttributeSpec&) const = default;
};

// Indices of the core attributes (LANGUAGE.md section 3); always the first nine. A schema
// of format version 1 (written before LANGUAGE.md 1.1) has only the first eight: its slot 8
// is its first custom attribute, and the runtime keeps no last_agent for its items.
enum CoreSlot : int {
  kSlotId = 0, kSlotSource, kSlotMedia, kSlotCapturedAt, kSlotDueAt, kSlotActivateAt,
  kSlotExpireAt, kSlotPreferredAgent, kSlotLastAgent, kCoreSlotCount
};
inline constexpr int kLegacyCoreSlotCount = 8;  // format version 1: no last_agent

struct Schema {
  std::vector<EnumSpec> enums;
  std::vector<AttributeSpec> attributes;
  // How many of `attributes` are core: kCoreSlotCount, or kLegacyCoreSlotCount for a schema
  // of format version 1 (a bundle built before last_agent existed, still loaded).
  int core_count = kCoreSlotCount;

  // Just the nine core attributes.
  static Schema core();

  // The slot of `last_agent`, which the runtime sets (the last agent who held the item), or
  // -1 for a schema of format version 1.
  int last_agent_slot() const { return core_count > kSlotLastAgent ? kSlotLastAgent : -1; }
  // Whether a source may give attribute `slot` (in a capture or an update): not last_agent.
  bool set_by_runtime(int slot) const { return slot == last_agent_slot() && slot >= 0; }

  // The slot of the attribute `name`, or -1. A linear scan: for decoding, not hot paths.
  int find(std::string_view name) const;
  int find_enum(std::string_view name) const;

  // Checks internal consistency: core attributes first and unchanged, unique names,
  // enum indices in range, defaults matching their types. "" when valid, else the problem.
  std::string validate() const;

  // A stable, versioned text form (a JSON document, keys sorted, format "iwd-schema",
  // version kFormatVersion; a schema of core_count kLegacyCoreSlotCount is written as version
  // 1). parse(serialize()) gives back an equal schema; parse reads both versions. It never
  // crashes on corrupt input: it reports one clear message.
  static constexpr int kFormatVersion = 2;
  std::string serialize() const;
  static ParseResult<Schema> parse(std::string_view text);

  bool operator==(const Schema&) const = default;
};

}  // namespace iwd::runtime
