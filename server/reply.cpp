#include "server/reply.h"

namespace iwd::server {

Reply error_reply(int status, const std::string& code, const std::string& message) {
  return Reply{status, nlohmann::ordered_json{{"error", {{"code", code}, {"message", message}}}}};
}

}  // namespace iwd::server
