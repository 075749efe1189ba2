// The HTTP front end (cpp-httplib): every route of server/routes.h behind authentication,
// body size limits and JSON errors, on a pool of worker threads (one per open connection).
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
  // Binds to `port` on `host` (0: a free port); the port bound, or -1.
  int bind(const std::string& host, int port);
  void serve();  // after bind(), until stop()
  void stop();   // ends the offer streams, then the server

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace iwd::server
