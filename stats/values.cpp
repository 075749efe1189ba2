#include "stats/values.h"

#include <bit>

#include "stdlib/text.h"
#include "stdlib/time.h"

namespace iwd::stats {

std::string value_text(const runtime::Runtime& rt, std::uint32_t slot, std::int64_t raw) {
  const runtime::Schema& schema = rt.schema();
  if (slot >= schema.attributes.size()) return std::to_string(raw);
  const runtime::AttributeSpec& a = schema.attributes[slot];
  switch (a.type) {
    case runtime::SlotType::Bool: return raw != 0 ? "true" : "false";
    case runtime::SlotType::Number: return stdlib::format_number(std::bit_cast<double>(raw));
    case runtime::SlotType::String:
      return static_cast<std::uint64_t>(raw) < rt.pool().size() ? std::string(rt.pool().view(static_cast<std::uint32_t>(raw)))
                                                                 : std::to_string(raw);
    case runtime::SlotType::Time: return stdlib::format_instant(stdlib::Instant{raw});
    case runtime::SlotType::Duration: return stdlib::format_duration(stdlib::Duration{raw});
    case runtime::SlotType::Enum: {
      const auto& values = schema.enums[static_cast<std::size_t>(a.enum_index)].values;
      return raw >= 0 && static_cast<std::size_t>(raw) < values.size() ? values[static_cast<std::size_t>(raw)] : std::to_string(raw);
    }
    default: return std::to_string(raw);
  }
}

}  // namespace iwd::stats
