// Replay: parsing an `agent` line (docs/replay.md).
#pragma once

#include <nlohmann/json.hpp>

#include <string>

#include "runtime/abi.h"
#include "runtime/intern.h"
#include "runtime/runtime.h"

namespace iwd::runtime::replay {

// The update an `agent` line asks for: "" or what is wrong with it (unknown fields and skills
// get a suggestion; levels are 0 to 10; a capacity is a declaration's name or numbers).
std::string parse_agent(const nlohmann::json& v, const abi::RulesV1& rules, StringPool& pool, const Runtime& runtime,
                        AgentUpdate* out);

}  // namespace iwd::runtime::replay
