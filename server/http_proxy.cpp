// The front end's side of routing (docs/deployment.md, "Routing: a proxy, not a 307"): a
// request for a workspace served elsewhere is refused (503 with Retry-After) while nobody owns
// it, or when another node forwarded it here already (one hop: never forwarded twice, so never a
// loop), and otherwise handed to the proxy (server/proxy.h) as it was received.
#include <fmt/format.h>
#include <microhttpd.h>

#include "server/http_exchange.h"
#include "server/reply.h"

namespace iwd::server {

WorkspaceDirectory::Place WorkspaceDirectory::place(const std::string& name) const {
  return {name == "default" || find(name) ? Place::Kind::here : Place::Kind::none, {}};
}

namespace {

using Headers = std::vector<std::pair<std::string, std::string>>;

MHD_Result collect_header(void* cls, MHD_ValueKind, const char* key, const char* value) {
  static_cast<Headers*>(cls)->emplace_back(key ? key : "", value ? value : "");
  return MHD_YES;
}

// host:port (a name, an IPv4 address or a bracketed IPv6 one): nothing that would change the
// URL libcurl is given (a path, user info, a query).
bool plain_address(const std::string& a) {
  if (a.empty()) return false;
  for (char c : a)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '.' && c != '-' && c != ':' && c != '[' && c != ']' && c != '_')
      return false;
  return true;
}

}  // namespace

bool route_elsewhere(Proxy* proxy, const WorkspaceDirectory::Place& place, const std::string& name,
                     const std::shared_ptr<Exchange>& x, const Responder& res) {
  using Kind = WorkspaceDirectory::Place::Kind;
  if (place.kind == Kind::here || place.kind == Kind::none) return false;
  const bool forwarded = MHD_lookup_connection_value(x->connection, MHD_HEADER_KIND, kProxiedHeader) != nullptr;
  if (place.kind == Kind::no_owner || forwarded) {
    x->headers.emplace_back("Retry-After", "1");
    if (place.kind == Kind::no_owner)
      res(error_reply(503, "no_owner", fmt::format("no node serves workspace `{}` now (it is being taken over); retry", name)));
    else
      res(error_reply(503, "not_owner",
                      fmt::format("this node does not serve workspace `{}` (it moved meanwhile); a request forwarded once is "
                                  "not forwarded again: retry",
                                  name)));
    return true;
  }
  // An advertised address may be written as a URL (`iwd serve --advertise http://host:port`).
  std::string owner = place.owner;
  if (owner.rfind("http://", 0) == 0) owner = owner.substr(7);
  if (!owner.empty() && owner.back() == '/') owner.pop_back();
  if (!plain_address(owner)) {
    x->headers.emplace_back(kOwnerHeader, place.owner);
    res(error_reply(502, "proxy_failed",
                    fmt::format("workspace `{}` is served by `{}`, which is not a host:port address", name, place.owner)));
    return true;
  }
  if (std::string problem = proxy_target_problem(x->target); !problem.empty()) {
    res(error_reply(400, "bad_path", problem));
    return true;
  }
  Headers received;
  MHD_get_connection_values(x->connection, MHD_HEADER_KIND, collect_header, &received);
  std::string problem;
  Headers headers = proxy_headers(received, &problem);
  if (!problem.empty()) {
    res(error_reply(400, "bad_header", problem));
    return true;
  }
  proxy->forward(x, ProxyRequest{name, owner, x->req.method, x->target, std::move(headers), std::move(x->req.body)});
  return true;
}

}  // namespace iwd::server
