#include "server/http_guard.h"

#include <netinet/in.h>
#include <sys/socket.h>

#include <vector>

#include "server/metrics.h"

namespace iwd::server {

std::string address_key(const sockaddr* address, socklen_t length) {
  if (address && address->sa_family == AF_INET && length >= static_cast<socklen_t>(sizeof(sockaddr_in))) {
    const auto* v4 = reinterpret_cast<const sockaddr_in*>(address);
    return std::string(reinterpret_cast<const char*>(&v4->sin_addr), sizeof v4->sin_addr);
  }
  if (address && address->sa_family == AF_INET6 && length >= static_cast<socklen_t>(sizeof(sockaddr_in6))) {
    const auto* v6 = reinterpret_cast<const sockaddr_in6*>(address);
    return std::string(reinterpret_cast<const char*>(&v6->sin6_addr), sizeof v6->sin6_addr);
  }
  return {};
}

ConnectionGuard::ConnectionGuard(Limits limits, Metrics* metrics)
    : limits_(limits), metrics_(metrics), reaper_([this] { reap(); }) {}

ConnectionGuard::~ConnectionGuard() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  stop_.notify_all();
  reaper_.join();
}

bool ConnectionGuard::admit(const sockaddr* address, socklen_t length) {
  if (limits_.per_address == 0) return true;
  std::lock_guard<std::mutex> lock(mu_);
  const auto it = per_address_.find(address_key(address, length));
  if (it == per_address_.end() || it->second < limits_.per_address) return true;
  if (metrics_) metrics_->count_connection_refused(false);
  return false;
}

void ConnectionGuard::started(MHD_Connection* c, int fd, const sockaddr* address, socklen_t length) {
  std::lock_guard<std::mutex> lock(mu_);
  Entry& e = open_[c];
  e.fd = fd;
  e.address = address_key(address, length);
  e.since = std::chrono::steady_clock::now();
  ++per_address_[e.address];
}

void ConnectionGuard::closed(MHD_Connection* c) {
  std::lock_guard<std::mutex> lock(mu_);
  const auto it = open_.find(c);
  if (it == open_.end()) return;
  if (auto a = per_address_.find(it->second.address); a != per_address_.end() && --a->second == 0) per_address_.erase(a);
  open_.erase(it);
}

void ConnectionGuard::set_phase(MHD_Connection* c, Phase p) {
  std::lock_guard<std::mutex> lock(mu_);
  const auto it = open_.find(c);
  if (it == open_.end()) return;
  it->second.phase = p;
  it->second.since = std::chrono::steady_clock::now();
}

void ConnectionGuard::headers_in(MHD_Connection* c) { set_phase(c, Phase::Body); }
void ConnectionGuard::dispatched(MHD_Connection* c) { set_phase(c, Phase::Busy); }
void ConnectionGuard::completed(MHD_Connection* c) { set_phase(c, Phase::Idle); }

bool ConnectionGuard::over_limit() const {
  std::lock_guard<std::mutex> lock(mu_);
  return open_.size() > limits_.max_connections;
}

void ConnectionGuard::reap() {
  std::unique_lock<std::mutex> lock(mu_);
  while (!stopping_) {
    stop_.wait_for(lock, std::chrono::milliseconds(250));
    const auto now = std::chrono::steady_clock::now();
    for (auto& [connection, e] : open_) {
      std::chrono::milliseconds allowed{0};
      switch (e.phase) {
        case Phase::Fresh: allowed = limits_.header_timeout; break;
        case Phase::Body: allowed = limits_.body_timeout; break;
        case Phase::Idle: allowed = limits_.idle_timeout; break;
        case Phase::Busy: continue;
      }
      if (e.fd < 0 || now - e.since < allowed) continue;
      // The event loop sees the end of the stream and closes the connection itself.
      ::shutdown(e.fd, SHUT_RDWR);
      e.fd = -1;
      if (metrics_) metrics_->count_connection_refused(true);
    }
  }
}

}  // namespace iwd::server
