#include "server/node_status.h"

#include <fmt/format.h>

#include <algorithm>

namespace iwd::server {

using ojson = nlohmann::ordered_json;

namespace {

// A Prometheus label value: backslash, double quote and line feed escaped.
std::string label_value(const std::string& v) {
  std::string out;
  for (char c : v) {
    if (c == '\\' || c == '"') out += '\\', out += c;
    else if (c == '\n') out += "\\n";
    else out += c;
  }
  return out;
}

double rounded(double seconds) { return static_cast<double>(static_cast<std::int64_t>(seconds * 1000)) / 1000; }

const NodeStatus::Workspace* held(const NodeStatus& s, const std::string& name) {
  for (const NodeStatus::Workspace& w : s.workspaces)
    if (w.name == name) return &w;
  return nullptr;
}

}  // namespace

std::vector<std::string> NodeStatus::not_ready() const {
  std::vector<std::string> why;
  if (!store_up) why.push_back("the store (PostgreSQL) did not answer the node's last calls");
  if (!heartbeat_age)
    why.push_back("no heartbeat of the node has come back yet");
  else if (!heartbeat_held())
    why.push_back(fmt::format("the node's last heartbeat that came back was sent {:.1f} s ago (the others take it for "
                              "dead past {:.1f} s)",
                              *heartbeat_age, node_ttl));
  if (!scanned) why.push_back("the node has not read the leases and nodes yet");
  for (const std::string& ws : placed) {
    const Workspace* w = held(*this, ws);
    if (!w) why.push_back(fmt::format("workspace {} is placed on this node but its lease is not held here yet", ws));
    else if (!w->serving) why.push_back(fmt::format("workspace {} is being started here (its journal recovered)", ws));
  }
  for (const Workspace& w : workspaces)
    if (!w.serving && std::find(placed.begin(), placed.end(), w.name) == placed.end())
      why.push_back(fmt::format("workspace {} is being started here (its journal recovered)", w.name));
  return why;
}

Reply node_health(const NodeStatus& s) {
  const std::vector<std::string> problems = s.not_ready();
  ojson workspaces = ojson::array();
  for (const NodeStatus::Workspace& w : s.workspaces)
    workspaces.push_back(ojson{{"name", w.name}, {"epoch", w.epoch}, {"lease_seconds_left", rounded(w.lease_left)},
                               {"serving", w.serving}});
  ojson heartbeat{{"held", s.heartbeat_held()}, {"age_seconds", nullptr}};
  if (s.heartbeat_age) heartbeat["age_seconds"] = rounded(*s.heartbeat_age);
  // Liveness: the process answers. Without the store or its heartbeat it is degraded, which a
  // restart would not mend (the node waits and retries by itself): still 200.
  ojson body{{"status", s.store_up && s.heartbeat_held() ? "ok" : "degraded"},
             {"node", s.name},
             {"process", s.process},
             {"advertise", s.advertise},
             {"store", s.store_up ? "reachable" : "unreachable"},
             {"heartbeat", std::move(heartbeat)},
             {"ready", problems.empty()},
             {"workspaces", std::move(workspaces)},
             {"placed", s.placed},
             {"settling_seconds", nullptr},
             {"problems", problems}};
  if (s.settling) body["settling_seconds"] = rounded(*s.settling);
  return Reply{200, std::move(body)};
}

Reply node_readiness(const NodeStatus& s) {
  const std::vector<std::string> problems = s.not_ready();
  if (problems.empty()) {
    std::vector<std::string> serving;
    for (const NodeStatus::Workspace& w : s.workspaces) serving.push_back(w.name);
    return Reply{200, ojson{{"ready", true}, {"node", s.name}, {"workspaces", serving}}};
  }
  std::string message = fmt::format("node {} is not ready: ", s.name);
  for (std::size_t k = 0; k < problems.size(); ++k) message += (k ? "; " : "") + problems[k];
  Reply r = error_reply(503, "not_ready", message);
  r.body["ready"] = false;
  r.body["node"] = s.name;
  r.body["problems"] = problems;
  return r;
}

std::string node_metrics(const NodeStatus& s) {
  std::string out;
  auto gauge = [&out](const char* name, const char* help) { out += fmt::format("# HELP {} {}\n# TYPE {} gauge\n", name, help, name); };
  gauge("iwd_node_info", "This node of the deployment (iwd serve --node): its name, process and advertised address.");
  out += fmt::format("iwd_node_info{{node=\"{}\",process=\"{}\",advertise=\"{}\"}} 1\n", label_value(s.name),
                     label_value(s.process), label_value(s.advertise));
  gauge("iwd_node_store_up", "1 when the node's last round of calls to the store (PostgreSQL) was answered.");
  out += fmt::format("iwd_node_store_up {}\n", s.store_up ? 1 : 0);
  gauge("iwd_node_heartbeat_age_seconds",
        "Since the node's heartbeat that last came back was sent (-1: none yet); past the node ttl the others take it "
        "for dead.");
  out += fmt::format("iwd_node_heartbeat_age_seconds {}\n", s.heartbeat_age ? rounded(*s.heartbeat_age) : -1.0);
  gauge("iwd_node_ready", "1 when GET /readyz answers 200: store reachable, heartbeat held, every placed workspace served.");
  out += fmt::format("iwd_node_ready {}\n", s.not_ready().empty() ? 1 : 0);
  gauge("iwd_node_settling_seconds",
        "Back from an outage of the store, the time left of the node's settling (0: not settling): meanwhile it takes "
        "only the workspaces placed on it, while the other nodes come back.");
  out += fmt::format("iwd_node_settling_seconds {}\n", s.settling ? rounded(*s.settling) : 0.0);
  gauge("iwd_node_workspaces", "Workspaces whose lease this node holds.");
  out += fmt::format("iwd_node_workspaces {}\n", s.workspaces.size());
  gauge("iwd_node_workspace_epoch", "The epoch (fencing token) of each lease this node holds.");
  for (const NodeStatus::Workspace& w : s.workspaces)
    out += fmt::format("iwd_node_workspace_epoch{{workspace=\"{}\"}} {}\n", w.name, w.epoch);
  gauge("iwd_node_workspace_lease_seconds",
        "Until the node's own deadline for each lease it holds: it stops serving the workspace then unless a renewal "
        "came back.");
  for (const NodeStatus::Workspace& w : s.workspaces)
    out += fmt::format("iwd_node_workspace_lease_seconds{{workspace=\"{}\"}} {}\n", w.name, rounded(w.lease_left));
  gauge("iwd_node_workspace_serving", "1 when a workspace whose lease this node holds is started and served here.");
  for (const NodeStatus::Workspace& w : s.workspaces)
    out += fmt::format("iwd_node_workspace_serving{{workspace=\"{}\"}} {}\n", w.name, w.serving ? 1 : 0);
  return out;
}

}  // namespace iwd::server
