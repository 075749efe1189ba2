// A ruleset's key in the store and the journal: "fnv1a64:HEX" of its bundle's bytes. Keys are
// stored, so the spelling never changes. A header of its own so that the journal, which checks
// a stored bundle against its key, needs neither the bundle format nor the loader.
#pragma once

#include <fmt/format.h>

#include <string>
#include <string_view>

#include "stdlib/hash.h"

namespace iwd::server {

inline std::string bundle_key(std::string_view bundle) { return fmt::format("fnv1a64:{:016x}", stdlib::fnv1a64(bundle)); }

}  // namespace iwd::server
