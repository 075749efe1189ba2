// The HTTP front end (GNU libmicrohttpd): every route of server/routes.h behind
// authentication, body size limits and JSON errors, on one event-loop thread (epoll). A
// request waiting for the engine does not hold a thread: its connection is suspended, and
// resumed when the answer comes (after its batch is durable). Offer streams (Server-Sent
// Events) are suspended the same way between messages.
#pragma once

#include <memory>
#include <string>

#include "server/auth.h"
#include "server/routes.h"

namespace iwd::server {

class HttpFrontEnd {
 public:
  HttpFrontEnd(ServerContext ctx, const Authenticator& auth);
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
