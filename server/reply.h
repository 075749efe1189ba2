// What a route answers: a status and a JSON body. Errors are
// {"error": {"code": CODE, "message": MESSAGE}} (docs/api.md lists the codes).
#pragma once

#include <nlohmann/json.hpp>

#include <string>

#include "runtime/runtime.h"

namespace iwd::server {

struct Reply {
  Reply() = default;
  Reply(int s, nlohmann::ordered_json b, std::string t = {}) : status(s), body(std::move(b)), text(std::move(t)) {}
  int status = 200;
  nlohmann::ordered_json body;
  std::string text;  // when not empty: the body, already rendered as JSON (the hot paths)
  nlohmann::ordered_json json() const { return text.empty() ? body : nlohmann::ordered_json::parse(text); }
};

Reply error_reply(int status, const std::string& code, const std::string& message);

// A runtime refusal's HTTP status and error code (docs/api.md): the one table from
// runtime::Refusal to the API. {0, ""} for Refusal::None (not a refusal) or a code the table
// lacks (a test walks every code).
struct RefusalHttp {
  int status = 0;
  const char* code = "";
};
RefusalHttp refusal_http(runtime::Refusal refusal);
// The reply to a refused change: its code's status and error code, its message.
Reply refusal_reply(const runtime::Status& refused);

}  // namespace iwd::server
