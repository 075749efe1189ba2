// What a Node asks PostgreSQL (docs/deployment.md, "Placement"): its membership row with a
// heartbeat, the other nodes, the leases of the workspaces, and the lease calls of pgstore.
// An interface so that a test can put a fault between the node and a real database (an answer
// lost after the statement committed); PgStore is the real one, one connection, used by the
// node's own thread only.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "pgstore/connection.h"
#include "pgstore/lease.h"

namespace iwd::cluster {

using pgstore::Code;
using pgstore::Lease;
using pgstore::Status;

// A node process: `name` is unique to the process's life (`base`, '#', a start id), so that a
// lease row naming it names this process and no earlier one of the same configuration.
struct NodeRow {
  std::string name;
  std::string base;     // the configured name: what placement hashes, stable across restarts
  std::string address;  // advertised, for the proxy
  bool alive = false;   // its heartbeat is fresh by the database's clock
  std::int64_t started = 0;  // the database's clock when it joined, microseconds: the later wins
};

// A workspace's lease row as read; `remaining` is the database's expires_at - now() (zero or
// less: expired).
struct LeaseRow {
  std::string workspace;
  std::optional<std::string> holder;  // nullopt once released
  std::int64_t epoch = 0;
  std::chrono::milliseconds remaining{0};
};

class Store {
 public:
  virtual ~Store() = default;
  // Creates or refreshes this node's row: heartbeat = now(). The first call also creates
  // iwd's tables when missing.
  virtual Status heartbeat(const NodeRow& me) = 0;
  // Removes this node's row (a clean stop).
  virtual Status leave(const std::string& name) = 0;
  // Every node row, alive when its heartbeat is younger than `fresh_for`.
  virtual Status nodes(std::chrono::milliseconds fresh_for, std::vector<NodeRow>* out) = 0;
  // The lease rows of `workspaces` that exist.
  virtual Status leases(const std::vector<std::string>& workspaces, std::vector<LeaseRow>* out) = 0;
  // pgstore's lease calls (pgstore/lease.h).
  virtual Status acquire(const std::string& workspace, const std::string& node, std::chrono::milliseconds ttl,
                         Lease* out) = 0;
  virtual Status renew(Lease* lease, std::chrono::milliseconds ttl) = 0;
  virtual Status release(const Lease& lease) = 0;
};

class PgStore final : public Store {
 public:
  explicit PgStore(std::string conninfo, pgstore::ConnectionOptions options = {});
  Status heartbeat(const NodeRow& me) override;
  Status leave(const std::string& name) override;
  Status nodes(std::chrono::milliseconds fresh_for, std::vector<NodeRow>* out) override;
  Status leases(const std::vector<std::string>& workspaces, std::vector<LeaseRow>* out) override;
  Status acquire(const std::string& workspace, const std::string& node, std::chrono::milliseconds ttl,
                 Lease* out) override;
  Status renew(Lease* lease, std::chrono::milliseconds ttl) override;
  Status release(const Lease& lease) override;

 private:
  pgstore::Connection c_;
  bool schema_ = false;  // created (or found) once
};

}  // namespace iwd::cluster
