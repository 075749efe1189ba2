// A node's own routes at the top of its paths (iwd serve --node; server/node_status.h): its
// health in place of the default engine's, and its readiness. Answered at once on the front
// end's thread: what they read is held under short locks.
#include "server/routes.h"

namespace iwd::server {

void node_routes(ServerContext& ctx, std::vector<Route>* routes) {
  const std::function<NodeStatus()> status = ctx.node;
  for (Route& r : *routes)
    if (r.method == "GET" && r.path == "/healthz")
      r.handler = [status](const Call&, const Responder& res) { res(node_health(status())); };
  routes->push_back({"GET", "/readyz", kPublic, [status](const Call&, const Responder& res) { res(node_readiness(status())); }});
}

}  // namespace iwd::server
