// What a route answers: a status and a JSON body. Errors are
// {"error": {"code": CODE, "message": MESSAGE}} (docs/api.md lists the codes).
#pragma once

#include <nlohmann/json.hpp>

#include <string>

namespace iwd::server {

struct Reply {
  int status = 200;
  nlohmann::ordered_json body;
};

Reply error_reply(int status, const std::string& code, const std::string& message);

}  // namespace iwd::server
