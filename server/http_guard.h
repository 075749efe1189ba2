// The front end's defence against clients that hold connections without finishing requests
// (slowloris) or take every connection from one address (docs/api.md, "Limits"):
// - a new connection must send its request's headers within `header_timeout`, and a request's
//   body must arrive within `body_timeout` of its headers; a connection that kept a request
//   alive may wait `idle_timeout` for the next one. A connection past its deadline is shut
//   down (the event loop then closes it); one being answered or streaming is never cut.
// - one client address holds at most `per_address` connections (0: no cap); more are refused
//   at accept.
// - past `max_connections`, `reserved` more connections are accepted for the operators: on
//   them only /healthz, /metrics and admin or supervisor callers are served (others get 503).
// Every callback runs on libmicrohttpd's thread; the reaper thread shuts sockets down under
// the same mutex, and a connection leaves the table (libmicrohttpd's "closed" notice) before
// its socket is closed, so the reaper never touches a socket number that was reused.
#pragma once

#include <sys/socket.h>

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <unordered_map>

struct MHD_Connection;

namespace iwd::server {

class Metrics;

class ConnectionGuard {
 public:
  struct Limits {
    unsigned max_connections = 10000, reserved = 16, per_address = 0;
    std::chrono::milliseconds header_timeout{10'000}, body_timeout{10'000}, idle_timeout{30'000};
  };
  ConnectionGuard(Limits limits, Metrics* metrics);
  ~ConnectionGuard();  // stops the reaper
  ConnectionGuard(const ConnectionGuard&) = delete;
  ConnectionGuard& operator=(const ConnectionGuard&) = delete;

  // The connection limit to give libmicrohttpd: max_connections and the reserve.
  unsigned hard_limit() const { return limits_.max_connections + limits_.reserved; }
  // At accept: false when the address holds its cap already.
  bool admit(const sockaddr* address, socklen_t length);
  void started(MHD_Connection* c, int fd, const sockaddr* address, socklen_t length);
  void closed(MHD_Connection* c);
  void headers_in(MHD_Connection* c);   // a request's headers are in; its body follows
  void dispatched(MHD_Connection* c);   // the request is complete: it is being answered
  void completed(MHD_Connection* c);    // answered; the connection waits for another request
  // True when more than max_connections are open: the reserve is in use.
  bool over_limit() const;

 private:
  enum class Phase : std::uint8_t { Fresh, Body, Busy, Idle };
  struct Entry {
    int fd = -1;
    std::string address;
    Phase phase = Phase::Fresh;
    std::chrono::steady_clock::time_point since;
  };
  void set_phase(MHD_Connection* c, Phase p);
  void reap();

  const Limits limits_;
  Metrics* metrics_;
  mutable std::mutex mu_;
  std::condition_variable stop_;
  bool stopping_ = false;
  std::unordered_map<MHD_Connection*, Entry> open_;
  std::map<std::string, unsigned> per_address_;
  std::thread reaper_;
};

// The address part of a socket address, as bytes (the key of the per-address cap).
std::string address_key(const sockaddr* address, socklen_t length);

}  // namespace iwd::server
