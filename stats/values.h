// How the views name a `report by` value: as the item's attribute reads in the API.
#pragma once

#include <cstdint>
#include <string>

#include "runtime/runtime.h"

namespace iwd::stats {

// The text of the value `raw` held in record slot `slot` (ItemRecord's encoding): true/false,
// a string, an enum value's name, a number, an instant or a duration.
std::string value_text(const runtime::Runtime& rt, std::uint32_t slot, std::int64_t raw);

}  // namespace iwd::stats
