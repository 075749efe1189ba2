// The proxy to a workspace's owner (docs/deployment.md, "Routing: a proxy, not a 307"): a
// request for a workspace another node serves is forwarded there (one hop, libcurl's multi
// interface on a thread of its own) and the owner's answer streamed back as it comes, Server-Sent
// Events included. libmicrohttpd's thread never waits: it hands the request over and suspends
// the connection; this thread resumes it when the owner's status and headers are in, and again
// each time more of the body is. A slow client pauses the owner's transfer rather than growing a
// buffer; a client that goes away ends the owner's transfer; the owner's end ends the client's.
#pragma once

#include <chrono>
#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

struct MHD_Connection;
struct MHD_Response;

namespace iwd::server {

struct Exchange;    // http_exchange.h
struct ProxyCall;   // proxy.cpp: one forwarded request
struct ProxyCore;   // proxy.cpp: what the proxy's thread shares with the others

// The marker on a forwarded request: a node that receives it for a workspace it does not serve
// answers 503 rather than forwarding again (no loops). It carries no authority: a client that
// sends it only stops its own request from being forwarded.
inline constexpr const char* kProxiedHeader = "Iwd-Proxied";
// On a proxied answer: the owner's advertised address (clients and load balancers may go there).
inline constexpr const char* kOwnerHeader = "Iwd-Owner";

struct ProxyOptions {
  std::chrono::milliseconds connect_timeout{2000};
  // No byte from the owner for this long (seconds, at least one) fails the call: 502 before its
  // head, the client's connection cut after. Streams stay within it by their keep-alives.
  std::chrono::seconds idle_timeout{0};  // 0: HttpFrontEnd::serve_workspaces sets it
  std::size_t buffer_bytes = 256 * 1024;  // of an answer held for a slow client before the owner is paused
};

// What is forwarded: the request as received but for the hop-by-hop headers (proxy_headers).
struct ProxyRequest {
  std::string workspace, owner;  // owner: its advertised address, host:port
  std::string method, target;    // target: the path and query exactly as received
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
};

// The headers to forward from the client's: without the hop-by-hop ones (RFC 9110 7.6.1 and
// those named in Connection), Host (the owner's), Content-Length and Expect (libcurl's own) and
// the marker (added once by the proxy). Empty and *problem set when a name or value could
// inject a header (a control character, a name that is not an HTTP token).
std::vector<std::pair<std::string, std::string>> proxy_headers(const std::vector<std::pair<std::string, std::string>>& in,
                                                               std::string* problem);
// Empty when `target` can go to libcurl unchanged (origin-form: `/`, then visible ASCII but `#`),
// else the problem.
std::string proxy_target_problem(std::string_view target);

class Proxy {
 public:
  explicit Proxy(ProxyOptions options);
  ~Proxy();  // after close_all() and once libmicrohttpd is stopped
  Proxy(const Proxy&) = delete;
  Proxy& operator=(const Proxy&) = delete;

  // Forwards `request` for `x` (from libmicrohttpd's thread; returns at once). `x` is answered
  // with the owner's status and headers (and kOwnerHeader), its body then read by
  // proxy_response; or with 502 naming the owner and what failed.
  void forward(const std::shared_ptr<Exchange>& x, ProxyRequest request);
  // At stop: calls without an answer yet are answered 503, the others' bodies end (a stream
  // cleanly, a cut body with an error); later calls are answered 503 at once.
  void close_all();
  // Resumes every proxied response waiting for the owner; how many are still live.
  std::size_t wake_all();

 private:
  std::shared_ptr<ProxyCore> core_;
  std::thread thread_;
};

// The response of an exchange answered by the proxy (libmicrohttpd's thread): the owner's body
// as it comes, of the owner's Content-Length when it sent one.
MHD_Response* proxy_response(const std::shared_ptr<ProxyCall>& call);

}  // namespace iwd::server
