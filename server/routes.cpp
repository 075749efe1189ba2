#include "server/routes.h"

#include "runtime/item_json.h"

namespace iwd::server {

std::vector<Route> all_routes(ServerContext& ctx) {
  std::vector<Route> all;
  for (auto part : {item_routes, agent_routes, queue_routes, stats_routes, report_routes, item_history_routes, admin_routes, ops_routes,
                    me_routes})
    for (Route& r : part(ctx)) all.push_back(std::move(r));
  for (Route& r : item_explain_routes(ctx)) all.push_back(std::move(r));  // routes_item_explain.cpp
  // A viewer reads what a supervisor reads (every GET open to supervisors) and changes nothing:
  // one rule here rather than a role to remember on each new route.
  for (Route& r : all)
    if (r.method == "GET" && r.roles != kPublic && allows(r.roles, Role::Supervisor))
      r.roles = static_cast<RoleSet>(r.roles | static_cast<RoleSet>(Role::Viewer));
  return all;
}

bool body_object(const Call& call, const Responder& res, nlohmann::json* out, bool empty_ok) {
  if (empty_ok && call.req.body.find_first_not_of(" \t\r\n") == std::string::npos) {
    *out = nlohmann::json::object();
    return true;
  }
  std::string problem = runtime::json_nesting_error(call.req.body, 64);
  if (problem.empty()) {
    try {
      *out = nlohmann::json::parse(call.req.body);
    } catch (const nlohmann::json::exception& e) {
      problem = "malformed JSON: " + runtime::json_error_text(e.what());
    }
  }
  if (!problem.empty()) {
    send(res, error_reply(400, "malformed_json", problem));
    return false;
  }
  if (!out->is_object()) {
    send(res, error_reply(400, "not_an_object", "the body is a JSON object"));
    return false;
  }
  return true;
}

bool own_agent(const Call& call, const Responder& res, const std::string& agent) {
  if (auto refusal = Authenticator::forbid_other_agent(call.caller, agent)) {
    send(res, *refusal);
    return false;
  }
  return true;
}

}  // namespace iwd::server
