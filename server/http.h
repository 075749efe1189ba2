// The HTTP front end (GNU libmicrohttpd): every route of server/routes.h behind
// authentication, body size limits and JSON errors, on one event-loop thread (epoll). A
// request waiting for the engine does not hold a thread: its connection is suspended, and
// resumed when the answer comes (after its batch is durable). Offer streams (Server-Sent
// Events) are suspended the same way between messages.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "server/auth.h"
#include "server/proxy.h"
#include "server/routes.h"

namespace iwd::server {

// One workspace's routes as the front end dispatches them: its context, its tokens, and the
// routes made for that context (they keep a reference to `ctx`, so a table does not move).
struct RouteTable {
  // `make`: the routes (all_routes: a workspace's API).
  RouteTable(ServerContext context, const Authenticator& authenticator,
             const std::function<std::vector<Route>(ServerContext&)>& make = all_routes);
  RouteTable(const RouteTable&) = delete;
  RouteTable& operator=(const RouteTable&) = delete;
  struct Compiled {
    const Route* route;
    std::vector<std::string> segments;  // the path split at `/`: literals, and "" for a {parameter}
  };
  ServerContext ctx;
  const Authenticator& auth;
  std::vector<Route> routes;
  std::vector<Compiled> compiled;
};

// The workspaces besides the default (server/workspaces.h): `/v1/workspaces/{ws}/v1-path` is
// workspace ws's `/v1/v1-path` (and `/v1/workspaces/{ws}/healthz`, `/metrics`, `/ui/` its own);
// `/v1/workspaces/default/...` is the default workspace, whose routes are also at the top.
class WorkspaceDirectory {
 public:
  virtual ~WorkspaceDirectory() = default;
  // Workspace `name`'s routes (a valid name, not `default`), null when there is no such
  // workspace. The pointer keeps the workspace alive while a request to it is in flight.
  virtual std::shared_ptr<const RouteTable> find(const std::string& name) const = 0;
  // The deployment's own routes (/v1/admin/workspaces...), matched before the default's.
  virtual const RouteTable& deployment() const = 0;
  // A token that `except` refuses but another workspace (or the deployment) takes: 403, not 401.
  virtual bool token_elsewhere(std::string_view authorization, const RouteTable& except) const = 0;
  virtual void close_streams() = 0;  // at stop: every workspace's offer streams end

  // Where workspace `name` (`default` too) is served, asked for every request that names one
  // (docs/deployment.md, "Routing: a proxy, not a 307").
  struct Place {
    enum class Kind {
      here,      // this node serves it: find()'s routes (the default's: the front end's own)
      owner,     // another node does: requests are proxied to `owner` (server/proxy.h)
      no_owner,  // the deployment's, but no node holds it now (a takeover): 503 with Retry-After
      none,      // no such workspace: 404
    };
    Kind kind = Kind::here;
    std::string owner;  // Kind::owner: the owner's advertised address, host:port
  };
  // By default (one node): here when find() has it or it is `default`, none otherwise.
  virtual Place place(const std::string& name) const;
};

class HttpFrontEnd {
 public:
  HttpFrontEnd(ServerContext ctx, const Authenticator& auth);
  // With workspaces (before bind()); `workspaces` outlives the front end. Requests for those
  // it places on other nodes go there through a proxy with `proxy`'s options (its idle timeout
  // 0: twice the streams' keep-alive and 5 s, so that a stream's keep-alives keep it open).
  void serve_workspaces(WorkspaceDirectory* workspaces, ProxyOptions proxy = {});
  ~HttpFrontEnd();
  // Listens on `port` at `host` (an IPv4 or IPv6 address, or localhost; 0: a free port) and
  // starts serving; the port bound, or -1 (and *error).
  int bind(const std::string& host, int port, std::string* error = nullptr);
  void serve();  // after bind(): waits until stop()
  // Refuses new requests (503), ends the offer streams, waits for the requests in flight to
  // be answered, then closes every connection.
  void stop();

  struct Impl;  // http.cpp (its callbacks reach it)

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace iwd::server
