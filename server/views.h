// Items and agents as the API shows them (docs/api.md, "Objects").
#pragma once

#include <nlohmann/json.hpp>

#include "runtime/runtime.h"

namespace iwd::server {

// {"id", "state", "process", "priority", "due", "overdue", "agent", "attributes"}
nlohmann::ordered_json item_view(const runtime::Runtime& rt, const runtime::WorkItem& item, std::int64_t now);
// The same, rendered straight to text (no JSON tree): what single-item replies send.
std::string item_view_text(const runtime::Runtime& rt, const runtime::WorkItem& item, std::int64_t now);
// {"id", "state", "reason", "skills", "groups", "load"}
nlohmann::ordered_json agent_view(const runtime::Runtime& rt, const runtime::Agent& agent);

}  // namespace iwd::server
