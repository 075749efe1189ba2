// Internal to the HTTP front end (http.cpp, http_stream.cpp): one request in flight, and one
// offer stream. Both are shared between libmicrohttpd's thread and whoever answers (the group
// committer's thread, the hub's publisher), under their own mutex.
#pragma once

#include <microhttpd.h>

#include <atomic>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "server/http.h"
#include "server/offer_hub.h"
#include "server/proxy.h"
#include "server/routes.h"

namespace iwd::server {

// MHD_resume_connection for a connection of the HTTP front end, and a wake of the loop that
// runs libmicrohttpd (HttpFrontEnd::Impl::loop), which would otherwise see the resume only at
// its next event or timeout. Any thread.
void resume_connection(MHD_Connection* connection);

struct StreamState {
  std::mutex mu;
  MHD_Connection* connection = nullptr;
  std::shared_ptr<OfferSubscription> subscription;
  OfferHub* hub = nullptr;
  std::shared_ptr<const void> keep;  // its workspace, alive while the stream is
  std::string pending;  // text not yet handed to the connection
  std::size_t sent = 0;
  bool suspended = false, keep_alive_due = false, gone = false;

  // Resumes the connection if it waits for something to send (any thread).
  void wake(bool keep_alive);
};

struct Exchange {
  MHD_Connection* connection = nullptr;
  std::string target;  // the request target exactly as received: path and query, undecoded
  bool started = false;  // its headers are in (libmicrohttpd's thread only)
  Request req;
  std::string authorization, request_type;  // the request's Authorization and Content-Type
  bool too_large = false;   // the body was over the limit (it is dropped)
  bool dispatched = false;  // the handler has run (libmicrohttpd's thread only)
  bool queued = false;      // the response is queued (libmicrohttpd's thread only)
  bool close = false;       // the connection closes after the reply (a refused request)
  std::string allow;        // a 405's Allow header: the methods the path takes
  std::string if_none_match;  // the request's If-None-Match (the console's files revalidate)
  std::vector<std::pair<std::string, std::string>> headers;  // more response headers (the console's)
  std::function<void(int status)> on_answer;  // counts the answer and the request in flight
  OfferHub* hub = nullptr;             // a workspace's offer hub (null: the default's)
  std::shared_ptr<const void> keep;    // a workspace's routes, alive while its request is

  std::mutex mu;
  bool answered = false, suspended = false;
  int status = 0;
  std::string content_type, body;
  std::shared_ptr<StreamState> stream;
  std::shared_ptr<ProxyCall> proxied;  // answered by the owner of its workspace: its body from there

  // Records the answer, resumes the connection if it was suspended waiting for it.
  void answer(int status, std::string content_type, std::string body, std::shared_ptr<StreamState> stream = nullptr);
};

// When workspace `name` is not served here (`place`): answers `x` with 503 and Retry-After
// (no owner now, or `x` was forwarded here already) or forwards it to the owner through
// `proxy` (not null then), and true; false when `x` is for here (or for no workspace: the caller's 404).
bool route_elsewhere(Proxy* proxy, const WorkspaceDirectory::Place& place, const std::string& name,
                     const std::shared_ptr<Exchange>& x, const Responder& res);

// The response for an answered exchange (libmicrohttpd's thread): a buffer, or a stream.
MHD_Response* stream_response(const std::shared_ptr<StreamState>& stream);
// Every live stream (the keep-alive timer and stop() go through them).
class StreamRegistry {
 public:
  void add(const std::shared_ptr<StreamState>& s);
  // Calls f for each live stream; forgets the ended ones. The number still live.
  std::size_t each(const std::function<void(StreamState&)>& f);

 private:
  std::mutex mu_;
  std::vector<std::weak_ptr<StreamState>> streams_;
};

}  // namespace iwd::server
