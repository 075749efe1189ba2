#include "compiler/lower/schema_of.h"

namespace iwd::compiler {
namespace {

runtime::SlotType slot_type(const SemaType& t) {
  using runtime::SlotType;
  switch (t.kind) {
    case TypeKind::Bool: return SlotType::Bool;
    case TypeKind::Number: return SlotType::Number;
    case TypeKind::String: return SlotType::String;
    case TypeKind::Time: return SlotType::Time;
    case TypeKind::Duration: return SlotType::Duration;
    case TypeKind::Enum: return SlotType::Enum;
    case TypeKind::List:
      return t.elem == TypeKind::String ? SlotType::StringList : t.elem == TypeKind::Enum ? SlotType::EnumList : SlotType::IntList;
    default: return SlotType::Int;
  }
}

}  // namespace

runtime::Schema schema_of(const BoundRuleset& rs) {
  runtime::Schema schema = runtime::Schema::core();
  for (const auto& e : rs.enums) schema.enums.push_back({e.name, e.values});
  for (std::size_t i = runtime::kCoreSlotCount; i < rs.attributes.size(); ++i) {
    const auto& a = rs.attributes[i];
    runtime::AttributeSpec spec;
    spec.name = a.name;
    spec.type = slot_type(a.type);
    spec.optional = a.type.optional;
    spec.required = a.required;
    spec.enum_index = a.type.enum_index;
    if (a.default_value) {
      const BoundExpr& v = *a.default_value;
      runtime::DefaultValue d;
      if (v.kind == BoundExprKind::List) {
        for (const auto& item : v.children) {
          if (item->type.kind == TypeKind::String) d.texts.push_back(item->string_value);
          else d.integers.push_back(item->kind == BoundExprKind::EnumValue ? item->index : item->int_value);
        }
      } else if (v.type.kind == TypeKind::Number) {
        d.number = v.number_value;
      } else if (v.type.kind == TypeKind::String) {
        d.text = v.string_value;
      } else {
        d.integer = v.kind == BoundExprKind::EnumValue ? v.index : v.int_value;
      }
      spec.default_value = std::move(d);
    }
    schema.attributes.push_back(std::move(spec));
  }
  return schema;
}

}  // namespace iwd::compiler
