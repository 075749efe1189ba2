// What `iwd eval` and `iwd explain` share: the capture instant, agents and items from the
// command line.
#pragma once

#include <cstdint>
#include <string>

#include "compiler/interp/record_env.h"
#include "compiler/lower/program.h"
#include "runtime/intern.h"
#include "runtime/item_json.h"

namespace iwd::cli {

// `--at`: an ISO 8601 instant; empty: now. False with `error` set when malformed.
bool parse_at(const std::string& text, std::int64_t* at, std::string* error);

// `--agent` JSON: {"skills": {...}, "groups": [...], "id": "...", "attributes": {...}}, skills
// checked against the program's. Empty on success, else the problem in one sentence.
std::string parse_agent(const compiler::Program& program, runtime::StringPool& pool, const std::string& text,
                        compiler::Agent* agent);

// Decoding items for what-if evaluation: captured at `at` unless the item says, `id` "eval".
runtime::DecodeOptions eval_decode_options(std::int64_t at);

}  // namespace iwd::cli
