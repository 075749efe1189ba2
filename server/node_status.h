// What a node of a deployment (`iwd serve --node`) says about itself at the top of its paths
// (docs/deployment.md, "Probing a node"): `GET /healthz` (liveness: always 200 while the
// process answers, with whether it reaches the store, holds its heartbeat, and which
// workspaces it serves), `GET /readyz` (200 only once the store answers, the heartbeat is held
// and every workspace placed on the node is served by it: what a load balancer asks) and the
// node's lines in its own `GET /metrics` (each node is a Prometheus target of its own).
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "server/reply.h"

namespace iwd::server {

struct NodeStatus {
  std::string name;       // configured (--node NAME)
  std::string process;    // as in the lease rows: NAME#start-id
  std::string advertise;  // --advertise
  bool store_up = false;  // the node's last round of calls to PostgreSQL was answered
  bool scanned = false;   // the nodes and leases read at least once since start
  std::optional<double> heartbeat_age;  // seconds since the heartbeat that last came back was sent
  double node_ttl = 0;                  // seconds: the others take the node for alive while younger
  struct Workspace {
    std::string name;
    std::int64_t epoch = 0;
    double lease_left = 0;  // seconds until the node's own deadline (it stops serving then unless renewed)
    bool serving = false;   // started here: its journal recovered, its requests answered
  };
  std::vector<Workspace> workspaces;  // those whose lease the node holds, by name
  std::vector<std::string> placed;    // placed on the node (rendezvous) at its last scan
  // Back from an outage of the store, seconds left of its settling (cluster/node.h): it takes
  // only the workspaces placed on it meanwhile, while the other nodes come back.
  std::optional<double> settling;

  bool heartbeat_held() const { return heartbeat_age && *heartbeat_age < node_ttl; }
  // Why the node is not ready, one phrase each (none: ready).
  std::vector<std::string> not_ready() const;
};

// GET /healthz: {"status": "ok"|"degraded", "node", "process", "advertise", "store":
// "reachable"|"unreachable", "heartbeat": {"held", "age_seconds"}, "ready", "workspaces":
// [{"name", "epoch", "lease_seconds_left", "serving"}], "placed", "settling_seconds" (null
// unless settling after an outage), "problems"}; always 200.
Reply node_health(const NodeStatus& s);
// GET /readyz: 200 {"ready": true, ...} or 503 not_ready naming each reason, `problems` listing them.
Reply node_readiness(const NodeStatus& s);
// The node's Prometheus lines: iwd_node_info{node,process,advertise}, iwd_node_store_up,
// iwd_node_heartbeat_age_seconds, iwd_node_ready, and per workspace it holds
// iwd_node_workspace_epoch, iwd_node_workspace_lease_seconds, iwd_node_workspace_serving.
std::string node_metrics(const NodeStatus& s);

}  // namespace iwd::server
