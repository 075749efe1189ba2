// The lease of a workspace for `iwd serve --store postgresql://...` (docs/deployment.md,
// "Leases with fencing"): acquired at start, renewed every ttl/3 from a thread of its own on a
// connection of its own, so that neither a busy committer nor a slow request delays a
// renewal. The node's own deadline is counted from the moment a renewal was SENT
// (pgstore/lease.h), less a tenth of the ttl for clocks that tick at slightly different
// rates: past it, unless a renewal came back, the lease is lost for this process, which then
// acknowledges nothing more (Journal::fence, Journal::retry_until) and stops.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "pgstore/connection.h"
#include "pgstore/lease.h"

namespace iwd::server {

class StoreLease {
 public:
  struct Options {
    std::string conninfo;
    std::string workspace = "default";
    std::string node;  // unique to this process's life (node_name())
    std::chrono::milliseconds ttl{2000};
  };
  // The lease, or null with *error and *code: Held (another node holds it: its name and how
  // much longer), Unavailable (the database cannot be reached), Failed.
  static std::unique_ptr<StoreLease> acquire(const Options& options, pgstore::Code* code, std::string* error);
  // Stops renewing; releases the lease unless it was lost, so that a restart takes it at once.
  ~StoreLease();
  StoreLease(const StoreLease&) = delete;
  StoreLease& operator=(const StoreLease&) = delete;

  std::int64_t epoch() const { return lease_.epoch; }
  const std::string& holder() const { return lease_.holder; }
  // Until when this process may act as the holder (see above). Any thread.
  std::chrono::steady_clock::time_point deadline() const { return deadline_.load(); }
  // Starts renewing; `lost` is called once, from the renewing thread, when a renewal is
  // refused (Fenced: another node took over) or none came back before the deadline.
  void keep(std::function<void(const std::string& why)> lost);

 private:
  StoreLease(const Options& options, pgstore::Lease lease);
  void renewing();
  Options options_;
  pgstore::Connection conn_;
  pgstore::Lease lease_;
  std::atomic<std::chrono::steady_clock::time_point> deadline_;
  std::function<void(const std::string&)> lost_;
  std::mutex mu_;
  std::condition_variable wake_;
  bool stopping_ = false, gone_ = false;
  std::thread thread_;
};

// A node name unique to this process's life: the host, the pid and the start instant
// (docs/deployment.md, "An answer that never came").
std::string node_name();

}  // namespace iwd::server
