// GET /v1/me (docs/api.md, "Authentication"): who the caller is and what it may do, so that a
// client (the console) shows only what the token's role allows, and the rules' zone to every
// role (an agent's console shows its times there). The token itself is never echoed. What a
// role may do is read from the route table, not restated: the answer cannot drift from what
// the routes allow.
#include <string_view>

#include "server/routes.h"

namespace iwd::server {

namespace {

// The roles allowed on one route of the table (the viewer's included: all_routes adds it).
RoleSet roles_of(const std::vector<Route>& routes, std::string_view method, std::string_view path) {
  for (const Route& r : routes)
    if (r.method == method && r.path == path) return r.roles;
  return roles({});
}

struct Abilities {
  RoleSet read = 0, act = 0, admin = 0;
};

// Each ability stands for a family of routes: the supervisor's views (the queue's statistics),
// the supervisor's actions (assigning an item), the admin's changes (uploading rules).
const Abilities& abilities() {
  static const Abilities a = [] {
    ServerContext none;  // the handlers are only listed, never called
    const std::vector<Route> routes = all_routes(none);
    return Abilities{roles_of(routes, "GET", "/v1/stats/queue"), roles_of(routes, "POST", "/v1/items/{id}/assign"),
                     roles_of(routes, "PUT", "/v1/admin/rules")};
  }();
  return a;
}

}  // namespace

std::vector<Route> me_routes(ServerContext& ctx) {
  std::vector<Route> r;
  r.push_back({"GET", "/v1/me", roles({Role::Source, Role::Agent, Role::Supervisor, Role::Viewer}),
               [&ctx](const Call& call, const Responder& res) {
                 const Caller& c = call.caller;
                 const bool authenticated = ctx.config && !ctx.config->tokens.empty();
                 const Abilities& may = abilities();
                 nlohmann::ordered_json me{{"name", authenticated ? nlohmann::ordered_json(c.name) : nlohmann::ordered_json(nullptr)},
                                           {"role", role_name(c.role)}};
                 if (c.is_agent()) me["agent"] = c.agent;
                 me["authenticated"] = authenticated;
                 me["can_read"] = allows(may.read, c.role);
                 me["can_act"] = allows(may.act, c.role);
                 me["can_admin"] = allows(may.admin, c.role);
                 // The zone of the ruleset in force (the one GET /v1/admin/rules names, following
                 // hot reloads) and the attributes it types `time`: every role reads them, so an
                 // agent's console shows its times there, and only those attributes as times.
                 if (ctx.engine) {
                   const Engine::RulesInForce in_force = ctx.engine->rules_in_force();
                   me["timezone"] = in_force.timezone;
                   me["time_attributes"] = in_force.time_attributes;
                 }
                 send(res, Reply{200, std::move(me)});
               }});
  return r;
}

}  // namespace iwd::server
