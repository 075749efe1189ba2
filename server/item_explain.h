// An open item's explanation (GET /v1/items/{id}/explain, server/routes_item_explain.cpp).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "runtime/runtime.h"
#include "server/reply.h"
#include "server/ruleset.h"

namespace iwd::server {

inline constexpr std::size_t kMaxExplainedAgents = 50;  // logged-in agents explained; the rest counted
inline constexpr std::int32_t kMaxCurvePoints = 1000;

// On the engine thread, inside a read: item `id` explained now under `rules` (those in force),
// with its priority curve when curve_points > 0 (2 to kMaxCurvePoints). 404 when it is not
// open; 403 when `only_agent` (an agent token's agent) is given and the item is not with that
// agent; 409 `no_source` when the rules came from a bundle.
Reply explain_open_item(const Ruleset& rules, const runtime::Runtime& rt, std::int64_t now, const std::string& id,
                        std::int32_t curve_points, const std::string& only_agent = "");

}  // namespace iwd::server
