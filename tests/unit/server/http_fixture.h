// The service over real HTTP on loopback, in process: an engine on a simulated clock over a data
// folder of its own (engine_fixture.h) behind the HTTP front end with the given configuration
// (its tokens), and a small blocking client. For the tests of routes, roles and refusals that
// a client sees (supervisor_routes_test.cpp).
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <chrono>
#include <string>
#include <thread>

#include "server/config.h"
#include "server/http.h"
#include "tests/unit/server/engine_fixture.h"

namespace iwd::server::testing {

struct HttpReply {
  int status = 0;
  std::string body;
  nlohmann::json json() const { return nlohmann::json::parse(body, nullptr, false); }
};

// A connection to `port` on loopback whose sends and receives wait `timeout_s` at most; -1 if refused.
inline int connect_loopback(int port, int timeout_s = 10) {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return -1;
  timeval limit{timeout_s, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &limit, sizeof limit);
  setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &limit, sizeof limit);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<std::uint16_t>(port));
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

// Every byte of `data` sent on `fd` (as far as the peer takes them).
inline void send_all(int fd, const std::string& data) {
  for (std::size_t sent = 0; sent < data.size();) {
    const ssize_t n = ::send(fd, data.data() + sent, data.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) return;
    sent += static_cast<std::size_t>(n);
  }
}

// `request` (a whole HTTP/1.1 request, `Connection: close`) on a connection of its own, the
// reply read to the end ("" when nobody answered); every wait bounded by 10 s. `delay`: before
// reading (a slow client).
inline std::string http_roundtrip(int port, const std::string& request, std::chrono::milliseconds delay = {}) {
  const int fd = connect_loopback(port);
  if (fd < 0) return {};
  send_all(fd, request);
  std::this_thread::sleep_for(delay);
  std::string reply;
  char buffer[8192];
  for (ssize_t n; (n = ::recv(fd, buffer, sizeof buffer, 0)) > 0;) reply.append(buffer, static_cast<std::size_t>(n));
  ::close(fd);
  return reply;
}

// The text of a request: its line, Host, `Connection: close`, `more_headers` (each ending in
// CRLF), the bearer `token` if any, and a JSON body unless a GET.
inline std::string http_request(const std::string& method, const std::string& target, const std::string& token,
                                const std::string& body = {}, const std::string& more_headers = {}) {
  std::string r = method + " " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n" + more_headers;
  if (!token.empty()) r += "Authorization: Bearer " + token + "\r\n";
  if (method != "GET") r += "Content-Type: application/json\r\nContent-Length: " + std::to_string(body.size()) + "\r\n";
  return r + "\r\n" + body;
}

// One request on a connection of its own (`Connection: close`), read to the end; every wait
// bounded by 10 s. Status 0: no answer.
inline HttpReply http_call(int port, const std::string& method, const std::string& path, const std::string& token,
                           const std::string& body = {}) {
  HttpReply out;
  const std::string reply = http_roundtrip(port, http_request(method, path, token, body));
  const auto end = reply.find("\r\n\r\n");
  if (reply.rfind("HTTP/1.1 ", 0) != 0 || end == std::string::npos) return out;
  out.status = std::stoi(reply.substr(9, 3));
  out.body = reply.substr(end + 4);
  return out;
}

class HttpFixture : public EngineFixture {
 protected:
  HttpFixture(std::string name, std::int64_t start) : EngineFixture(std::move(name), start) {}
  void TearDown() override {
    if (http_) http_->stop();
    http_.reset();
    EngineFixture::TearDown();
  }
  // Starts the engine with `rules` and the front end with the configuration `config_json`.
  void serve(const std::string& rules, const std::string& config_json) {
    std::string error;
    auto config = parse_config(config_json, "test", &error);
    ASSERT_TRUE(config) << error;
    config_ = *config;
    config_.data = dir_.string();
    auth_ = std::make_unique<Authenticator>(config_.tokens);
    start_on(rules);
    http_ = std::make_unique<HttpFrontEnd>(ServerContext{engine_.get(), &metrics_, &hub_, &config_, &pool_}, *auth_);
    port_ = http_->bind("127.0.0.1", 0, &error);
    ASSERT_GT(port_, 0) << error;
  }
  HttpReply call(const std::string& token, const std::string& method, const std::string& path, const std::string& body = {}) {
    return http_call(port_, method, path, token, body);
  }

  ServerConfig config_;
  std::unique_ptr<Authenticator> auth_;
  std::unique_ptr<HttpFrontEnd> http_;
  int port_ = 0;
};

}  // namespace iwd::server::testing
