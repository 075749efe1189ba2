// Types as the checker sees them (stage: sema). A SemaType is a small value: a kind, an
// optional flag, and for enums (and lists of enums) which enum.
#pragma once

#include <cstdint>
#include <string>

namespace iwd::compiler {

struct SymbolTable;

enum class TypeKind : std::uint8_t {
  Error,     // already reported: checks that meet it stay silent
  Bool, Int, Number, String, Time, Duration,
  Weekday,   // mon..sun, from weekday(t) and the bare names
  Date,      // from date(t) and date literals
  TimeOfDay, // calendar hours only
  Percent,   // a share: becomes a Duration (of the SLA) where a duration is expected
  Enum,      // a declared enum: enum_index says which
  List,      // list<elem>
  Calendar,  // a calendar passed by name to a time function
  Absent,    // known to be absent (an empty optional)
  BusinessDays,  // `5bd`: a count of a calendar's open days, not a duration; only in an `sla` with
                 // a calendar and as add_business's count (docs/language.md, "Business days")
};

struct SemaType {
  TypeKind kind = TypeKind::Error;
  bool optional = false;
  TypeKind elem = TypeKind::Error;  // List: the element kind (String, Int or Enum)
  std::int32_t enum_index = -1;     // Enum, or List of Enum: index into BoundRuleset::enums

  static SemaType of(TypeKind k, bool opt = false) { return SemaType{k, opt, TypeKind::Error, -1}; }
  static SemaType enum_type(std::int32_t index, bool opt = false) { return SemaType{TypeKind::Enum, opt, TypeKind::Error, index}; }
  static SemaType list_of(TypeKind elem, std::int32_t enum_index = -1, bool opt = false) {
    return SemaType{TypeKind::List, opt, elem, enum_index};
  }
  bool is_error() const { return kind == TypeKind::Error; }
  bool is_numeric() const { return kind == TypeKind::Int || kind == TypeKind::Number; }
  SemaType as_optional(bool opt = true) const { SemaType t = *this; t.optional = opt; return t; }
  // Same type, ignoring optionality.
  bool same_base(const SemaType& o) const {
    return kind == o.kind && (kind != TypeKind::Enum || enum_index == o.enum_index) &&
           (kind != TypeKind::List || (elem == o.elem && enum_index == o.enum_index));
  }
  friend bool operator==(const SemaType&, const SemaType&) = default;
};

}  // namespace iwd::compiler
