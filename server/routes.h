// The API's routes (docs/api.md; docs/openapi.json lists the same, as a test checks): each
// with its method, its path in OpenAPI form (`/v1/items/{id}`), the roles that may call it,
// and its handler. The handlers live per resource: routes_items.cpp (sources, and what agents
// and supervisors do to an item), routes_agents.cpp, routes_queue.cpp (supervisors),
// routes_admin.cpp, routes_ops.cpp (health, metrics).
#pragma once

#include <httplib.h>
#include <nlohmann/json.hpp>

#include <functional>
#include <string>
#include <vector>

#include "server/auth.h"
#include "server/config.h"
#include "server/engine.h"
#include "server/metrics.h"
#include "server/offer_hub.h"
#include "server/reply.h"

namespace iwd::server {

// What the handlers use. Null pointers are fine for listing the routes (tests).
struct ServerContext {
  Engine* engine = nullptr;
  Metrics* metrics = nullptr;
  OfferHub* hub = nullptr;
  const ServerConfig* config = nullptr;
  runtime::StringPool* pool = nullptr;
};

struct Call {
  const httplib::Request& req;
  const Caller& caller;
  std::string param(std::size_t k) const { return req.matches[static_cast<int>(k)]; }
};

using Handler = std::function<void(const Call&, httplib::Response&)>;

inline constexpr RoleSet kPublic = 0xff;  // no token needed

struct Route {
  std::string method;  // GET, POST, PUT, PATCH
  std::string path;    // OpenAPI form: /v1/items/{id}
  RoleSet roles;
  Handler handler;
};

std::vector<Route> item_routes(ServerContext& ctx);
std::vector<Route> agent_routes(ServerContext& ctx);
std::vector<Route> queue_routes(ServerContext& ctx);
std::vector<Route> admin_routes(ServerContext& ctx);
std::vector<Route> ops_routes(ServerContext& ctx);
std::vector<Route> all_routes(ServerContext& ctx);

// Helpers for handlers.
void send(httplib::Response& res, const Reply& r);
// The body as a JSON object; false after answering 400 (an empty body is {} when `empty_ok`).
bool body_object(const Call& call, httplib::Response& res, nlohmann::json* out, bool empty_ok = false);
// A 403 when an agent token acts for another agent: false after answering.
bool own_agent(const Call& call, httplib::Response& res, const std::string& agent);

}  // namespace iwd::server
