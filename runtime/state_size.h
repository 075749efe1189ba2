// The bytes Runtime::save_state reserves for its frame (runtime/state_frame.h): room for the
// largest items of the runtime's rules (a list's elements beyond a few are not counted: the
// frame then grows). A snapshot maps its frame of this size ahead, off the engine thread
// (server/snapshot_store.h), for the open items it expects then.
#pragma once

#include <cstddef>

namespace iwd::runtime {

class Runtime;

// For `open_items` open items (the runtime's own now, or as many as a later capture expects)
// and the runtime's agents and free item slots now.
std::size_t state_bytes(const Runtime& rt, std::size_t open_items);

}  // namespace iwd::runtime
