#include "server/reply.h"

namespace iwd::server {

Reply error_reply(int status, const std::string& code, const std::string& message) {
  return Reply{status, nlohmann::ordered_json{{"error", {{"code", code}, {"message", message}}}}};
}

RefusalHttp refusal_http(runtime::Refusal refusal) {
  using runtime::Refusal;
  switch (refusal) {
    case Refusal::None: break;
    case Refusal::NotFound: return {404, "not_found"};
    case Refusal::IllegalTransition: return {409, "illegal_transition"};
    case Refusal::RefusedByRules: return {422, "refused"};
    // A conflict with what is there now (an agent's room or state, a clear with nothing to
    // clear): 409 as HTTP APIs answer state conflicts; the code stays `refused`.
    case Refusal::Conflict: return {409, "refused"};
    case Refusal::BadInput: return {422, "refused"};
    case Refusal::AgentUnavailable: return {409, "refused"};
    case Refusal::StateUnusable: return {422, "refused"};
  }
  return {};
}

Reply refusal_reply(const runtime::Status& refused) {
  const RefusalHttp http = refusal_http(refused.code);
  if (http.status == 0)  // not a refusal, or one without a mapping: a bug, not the client's
    return error_reply(500, "internal", "an internal error: an outcome without an answer (" + refused.error + ")");
  return error_reply(http.status, http.code, refused.error);
}

}  // namespace iwd::server
