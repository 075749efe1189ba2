#include "server/http.h"

#include <fmt/format.h>

#include <netinet/in.h>
#include <sys/socket.h>

#include <regex>

namespace iwd::server {

struct HttpFrontEnd::Impl {
  ServerContext ctx;
  const Authenticator& auth;
  std::vector<Route> routes;
  httplib::Server http;
  Impl(ServerContext c, const Authenticator& a) : ctx(c), auth(a) {}
};

namespace {

// /v1/items/{id}/done -> /v1/items/([^/]+)/done
std::string path_regex(const std::string& path) {
  static const std::regex param(R"(\{[a-z_]+\})");
  return std::regex_replace(path, param, "([^/]+)");
}

}  // namespace

HttpFrontEnd::HttpFrontEnd(ServerContext ctx, const Authenticator& auth) : impl_(std::make_unique<Impl>(ctx, auth)) {
  Impl& im = *impl_;
  const ServerConfig& config = *ctx.config;
  im.routes = all_routes(im.ctx);
  httplib::Server& http = im.http;
  const int threads = config.threads;
  http.new_task_queue = [threads] { return new httplib::ThreadPool(static_cast<std::size_t>(threads)); };
  http.set_payload_max_length(config.max_body_bytes);
  http.set_tcp_nodelay(true);  // replies go out at once (no Nagle delay on keep-alive connections)
  http.set_keep_alive_max_count(1000000);
  http.set_keep_alive_timeout(30);
  const std::size_t max_body = config.max_body_bytes;
  Metrics* metrics = ctx.metrics;
  http.set_error_handler([max_body](const httplib::Request&, httplib::Response& res) {
    if (!res.body.empty()) return;  // a route's own error
    if (res.status == 413) send(res, error_reply(413, "too_large", fmt::format("the body is over {} bytes", max_body)));
    else if (res.status == 404) send(res, error_reply(404, "no_route", "no such route"));
    else send(res, error_reply(res.status, "bad_request", "the request could not be read (a POST, PUT or PATCH without a body needs `Content-Length: 0`)"));
  });
  http.set_logger([metrics](const httplib::Request&, const httplib::Response& res) {
    if (metrics) metrics->count_request(res.status);
  });
  for (const Route& route : im.routes) {
    const Route* r = &route;
    const Authenticator* a = &im.auth;
    auto handler = [r, a](const httplib::Request& req, httplib::Response& res) {
      Caller caller;
      if (r->roles != kPublic) {
        Reply refusal;
        auto who = a->identify(req.get_header_value("Authorization"), &refusal);
        if (!who) return send(res, refusal);
        if (auto forbidden = Authenticator::forbid(*who, r->roles)) return send(res, *forbidden);
        caller = *who;
      }
      r->handler(Call{req, caller}, res);
    };
    const std::string pattern = path_regex(route.path);
    if (route.method == "GET") http.Get(pattern, handler);
    else if (route.method == "POST") http.Post(pattern, handler);
    else if (route.method == "PUT") http.Put(pattern, handler);
    else if (route.method == "PATCH") http.Patch(pattern, handler);
  }
}

HttpFrontEnd::~HttpFrontEnd() { stop(); }

namespace {

// Debian's cpp-httplib is a compiled library that listens with a backlog of 5: many clients
// connecting at once overflow it, and their SYNs wait for a retransmit (1 s, then 3 s). The
// library does not expose its socket, so the listening socket bound to `port` is found among
// the process's descriptors and given a deep backlog (listen() again only changes it).
void deepen_backlog(int port) {
  for (int fd = 0; fd < 4096; ++fd) {
    int listening = 0;
    socklen_t size = sizeof listening;
    if (getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &listening, &size) != 0 || !listening) continue;
    sockaddr_storage address{};
    socklen_t length = sizeof address;
    if (getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) != 0) continue;
    const int bound = address.ss_family == AF_INET ? ntohs(reinterpret_cast<sockaddr_in*>(&address)->sin_port)
                      : address.ss_family == AF_INET6 ? ntohs(reinterpret_cast<sockaddr_in6*>(&address)->sin6_port)
                                                      : -1;
    if (bound == port) ::listen(fd, 4096);
  }
}

}  // namespace

int HttpFrontEnd::bind(const std::string& host, int port) {
  const int bound = port == 0 ? impl_->http.bind_to_any_port(host.c_str()) : impl_->http.bind_to_port(host.c_str(), port) ? port : -1;
  if (bound > 0) deepen_backlog(bound);
  return bound;
}
void HttpFrontEnd::serve() { impl_->http.listen_after_bind(); }
void HttpFrontEnd::stop() {
  if (impl_->ctx.hub) impl_->ctx.hub->close_all();
  impl_->http.stop();
}

}  // namespace iwd::server
