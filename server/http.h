// The HTTP/JSON front end of a Service (docs/api.md): routes to changes and reads.
#pragma once

#include <memory>
#include <string>

#include "server/service.h"

namespace iwd::server {

class HttpFrontEnd {
 public:
  explicit HttpFrontEnd(Service& service);
  ~HttpFrontEnd();
  // Binds to `port` on `host` (0: a free port); the port bound, or -1.
  int bind(const std::string& host, int port);
  void serve();  // after bind(), until stop()
  void stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace iwd::server
