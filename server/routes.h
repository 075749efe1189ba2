// The API's routes (docs/api.md; docs/openapi.json lists the same, as a test checks): each
// with its method, its path in OpenAPI form (`/v1/items/{id}`), the roles that may call it,
// and its handler. The handlers live per resource: routes_items.cpp (sources, and what agents
// and supervisors do to an item), routes_agents.cpp, routes_queue.cpp (supervisors),
// routes_admin.cpp, routes_ops.cpp (health, metrics).
#pragma once

#include <nlohmann/json.hpp>

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "server/auth.h"
#include "server/config.h"
#include "server/engine.h"
#include "server/metrics.h"
#include "server/node_status.h"
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
  // With `iwd serve --node`, on the routes at the top only: what the node says of itself, for
  // its /healthz and /readyz (routes_node.cpp). Empty otherwise.
  std::function<NodeStatus()> node = {};
};

// A request as the routes see it (the HTTP front end fills it in).
struct Request {
  std::string method, path, body;
  std::vector<std::string> params;  // the path's {parameters}, in order
  std::map<std::string, std::string> query;
  std::string accept;  // the Accept header (a report as CSV: text/csv)
  std::optional<std::string> query_value(const std::string& key) const {
    auto it = query.find(key);
    return it == query.end() ? std::nullopt : std::optional<std::string>(it->second);
  }
};

struct Exchange;  // one request in the front end (server/http.cpp)

// How a handler answers, exactly once, on any thread: at once, or later from an engine answer
// (it is an Engine::Answer). Copies share the one exchange.
class Responder {
 public:
  explicit Responder(std::shared_ptr<Exchange> x) : x_(std::move(x)) {}
  void operator()(const Reply& r) const;  // JSON
  void text(int status, const std::string& content_type, std::string body) const;
  // An offer stream (Server-Sent Events): `initial` first, then what the subscription gets,
  // until it closes or the client goes; `: keep-alive` comments in between.
  void stream(std::shared_ptr<OfferSubscription> subscription, std::vector<SseMessage> initial) const;

 private:
  std::shared_ptr<Exchange> x_;
};

struct Call {
  const Request& req;
  const Caller& caller;
  std::string param(std::size_t k) const { return req.params.at(k - 1); }  // 1-based, like regex groups
};

using Handler = std::function<void(const Call&, const Responder&)>;

inline constexpr RoleSet kPublic = 0xff;  // no token needed

struct Route {
  std::string method;  // GET, POST, PUT, PATCH
  std::string path;    // OpenAPI form: /v1/items/{id}
  RoleSet roles;
  Handler handler;
  // The body is JSON: sent with another Content-Type it is refused (415). False: any body
  // (an upload of rules text or a bundle).
  bool json_body = true;
  // A deployment's route about one workspace, its first parameter (GET and DELETE
  // /v1/admin/workspaces/{ws}): answered by the node serving that workspace, so proxied there
  // from any other (docs/deployment.md, "Running nodes").
  bool to_owner = false;
};

std::vector<Route> item_routes(ServerContext& ctx);
std::vector<Route> agent_routes(ServerContext& ctx);
std::vector<Route> queue_routes(ServerContext& ctx);
std::vector<Route> admin_routes(ServerContext& ctx);
std::vector<Route> ops_routes(ServerContext& ctx);
// With ctx.node: /healthz answered with the node's health and GET /readyz added (routes_node.cpp).
void node_routes(ServerContext& ctx, std::vector<Route>* routes);
std::vector<Route> stats_routes(ServerContext& ctx);  // routes_stats.cpp: real-time views
std::vector<Route> report_routes(ServerContext& ctx);  // routes_reports.cpp: historical reports
std::vector<Route> item_history_routes(ServerContext& ctx);  // routes_item_history.cpp: an item's audit trail
std::vector<Route> item_explain_routes(ServerContext& ctx);  // routes_item_explain.cpp: an item's explanation
std::vector<Route> me_routes(ServerContext& ctx);  // routes_me.cpp: who the caller is (GET /v1/me)
std::vector<Route> all_routes(ServerContext& ctx);

// Helpers for handlers.
inline void send(const Responder& res, const Reply& r) { res(r); }
// The body as a JSON object; false after answering 400 (an empty body is {} when `empty_ok`).
bool body_object(const Call& call, const Responder& res, nlohmann::json* out, bool empty_ok = false);
// A 403 when an agent token acts for another agent: false after answering.
bool own_agent(const Call& call, const Responder& res, const std::string& agent);
// A 403 when a source token reads or changes an item another source captured (a source is its
// token's name: docs/api.md, "Authentication"); nothing for other roles.
std::optional<Reply> forbid_other_source(const Caller& caller, const std::string& id, const std::string& source);
// GET /v1/items/{id} of an item that is not open (`not_open`, the 404 to give otherwise): its
// final state from the event history (routes_item_history.cpp).
void answer_ended_item(const ServerContext& ctx, const Caller& caller, const std::string& id, Reply not_open,
                       const Responder& res);

}  // namespace iwd::server
