// Workspaces (docs/deployment.md, "Workspaces"): one `iwd serve` hosts several independent
// workspaces, each with its own rules, agents, items, tokens, history, subscriptions and
// mappings, in a folder of its own (DIR/workspaces/{ws}/, its own journal.db) and run by an
// Engine of its own (its own engine thread and group committer). `/v1/workspaces/{ws}/...` is
// workspace ws's API (server/http.h). The default workspace is the data folder itself at the
// top of the paths, run by cmd_serve.cpp as before; this registry holds the others: those the
// configuration declares (`workspaces`) and those created over the API (PUT
// /v1/admin/workspaces/{ws}, kept by DIR/workspaces/{ws}/workspace.json). With --store
// postgresql:// the same in PostgreSQL: each workspace's rows under a lease of its own, and
// iwd_workspaces for what the folders say on SQLite (Deployment::store).
//
// A create is acknowledged once durable: the journal holds the rules and workspace.json its
// settings (written last, renamed into place and synced); a folder without workspace.json is a
// create cut short and removed at start, unless it holds the `declared` mark of a workspace the
// configuration declared before (then the start stops, naming it). A delete renames the folder out of the names (a
// leading `.`), durably, before it answers; the files go once the workspace's engine stopped.
// In PostgreSQL the catalog row is written last by a create and deleted first by a delete, and
// a create erases what a create cut short or a delete left of the name before it starts.
#pragma once

#include <atomic>
#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "cluster/node.h"
#include "pgstore/connection.h"
#include "runtime/clock.h"
#include "server/config.h"
#include "server/engine.h"
#include "server/http.h"
#include "server/node_status.h"

namespace iwd::server {

// The engine's options from a workspace's settings (the default's too).
EngineOptions engine_options(const ServerConfig& config);

class Workspace;  // workspaces.cpp

class WorkspaceRegistry final : public WorkspaceDirectory {
 public:
  struct Deployment {
    std::string data;                           // the data folder: DIR/workspaces/{ws}
    const ServerConfig* config = nullptr;       // the deployment's: its `workspaces`, `admin_tokens`
    const Authenticator* default_auth = nullptr;  // the default workspace's tokens
    Metrics* metrics = nullptr;                 // the default's: counts the admin routes' answers
    const Engine* default_engine = nullptr;     // the default's (its rules' label in the list)
    // No authentication anywhere (loopback only): a workspace may have no tokens, and the admin
    // routes need none. Otherwise every workspace has tokens, and the admin routes `admin_tokens`.
    bool open = false;
    // With `iwd serve --store postgresql://`: the conninfo. Each workspace's journal (its history
    // and outbox too) is then in PostgreSQL under a lease of its own held by `node`, and the
    // catalog (server/workspace_catalog.h) is what workspace.json and the `declared` mark are
    // on SQLite; nothing is kept under `data`. Empty: SQLite files under `data`.
    std::string store = {};
    std::string node = {};
    // A workspace's lease is lost (another node took it, or no renewal came back in time): its
    // journal acknowledges nothing more. Called once, from the lease's thread.
    std::function<void(const std::string& workspace, const std::string& why)> lost = {};
    // With `iwd serve --node NAME --advertise URL` (and `store`): this process is a node of a
    // deployment (cluster::Node, docs/deployment.md "Placement"): the workspaces (declared,
    // and the catalog's, read again at every scan) are placed over the live nodes, and this
    // node serves those whose lease it holds, from the moment it acquires one (its journal
    // opened at that epoch and recovered) until it loses it. Empty: every workspace here.
    std::string node_name = {};
    std::string advertise = {};
    // With `node_name`: the rules of workspace `default` (--rules; none: its journal's). The
    // default is then one workspace of the deployment like the others, placed and leased, in
    // PostgreSQL: its settings are the deployment's own (`tokens`, `history`, ...).
    std::optional<std::string> default_rules = {};
  };
  // Starts every workspace (the configuration's and those created before), after removing what
  // a create or a delete cut short. Null and *error naming the workspace on failure.
  static std::unique_ptr<WorkspaceRegistry> open(Deployment deployment, runtime::Clock& clock, std::string* error);
  ~WorkspaceRegistry() override;  // stops every workspace (answering what is in flight)

  std::shared_ptr<const RouteTable> find(const std::string& name) const override;
  const RouteTable& deployment() const override { return *deployment_; }
  bool token_elsewhere(std::string_view authorization, const RouteTable& except) const override;
  void close_streams() override;
  // Here when this node serves it (or `default`, but with --node); with --node, another node's
  // workspace (`default` too) is proxied to its owner (its advertised address without
  // `http://`), and one nobody holds now answered 503 with Retry-After by the front end.
  Place place(const std::string& name) const override;

  std::size_t size() const;  // live workspaces besides the default
  // With `node_name`: the node's name as in the lease rows, and who serves `name` (an
  // advertised address; nullopt: nobody now). A workspace the deployment has but another node
  // serves is answered 503 with Retry-After naming it (not_here).
  std::string node() const;
  std::optional<std::string> owner_of(const std::string& name) const;
  // With `node_name`: the node's store, heartbeat, leases and placements, and which of its
  // workspaces are started (its /healthz, /readyz and /metrics lines: server/node_status.h).
  NodeStatus node_status() const;

 private:
  WorkspaceRegistry(Deployment deployment, runtime::Clock& clock);
  std::vector<Route> admin_routes();
  // PUT /v1/admin/workspaces/{ws} on a thread of its own (compiling and starting take a while).
  Reply create(const std::string& name, const nlohmann::json& body);
  Reply remove(const std::string& name);
  std::shared_ptr<Workspace> live(const std::string& name) const;
  std::shared_ptr<Workspace> make(const std::string& name, ServerConfig settings, bool declared, bool fresh,
                                  std::int64_t epoch = 0) const;
  // The workspaces to start: DIR/workspaces's folders, or the catalog's rows (`true` when it
  // could say; *error naming the workspace otherwise), besides the declared ones.
  struct Job;
  bool from_folders(std::vector<Job>* jobs, std::string* error);
  bool from_catalog(std::vector<Job>* jobs, std::string* error);
  void retire(std::shared_ptr<Workspace> ws);  // stopped and removed once no request holds it

  // Node mode (workspaces_node.cpp).
  struct Known {
    ServerConfig settings;
    std::optional<std::string> rules;  // a declared workspace's rules path
  };
  void start_node(std::map<std::string, Known> declared);
  std::vector<std::string> deployment_workspaces();  // the node's thread: declared + the catalog's
  void acquired(const std::string& name, std::int64_t epoch);
  void lost(const std::string& name, const std::string& why, bool gracefully);
  void starting();  // the starter's thread: workspaces acquired, opened and recovered in turn
  bool known(const std::string& name) const;
  // A workspace of the deployment that another node serves, or none now (a takeover): every
  // route answers 503 not_here, naming the owner's address when there is one.
  Reply not_here(const std::string& name) const;
  std::shared_ptr<const RouteTable> elsewhere(const std::string& name) const;
  // GET /v1/admin/workspaces with --node: the deployment's workspaces (the default, the declared
  // ones, the catalog's) with the holder of each lease, its advertised address and epoch, as
  // PostgreSQL says now: the same list on every node. On the calling thread (not the front end's).
  Reply deployment_list() const;
  // A PUT of a name this node knows from the catalog's last read but does not serve: whether the
  // catalog still has it (a delete on its owner may have come since); forgotten here if not.
  bool still_in_catalog(const std::string& name, std::string* error);

  Deployment d_;
  runtime::Clock& clock_;
  std::unique_ptr<Authenticator> admin_auth_;
  std::unique_ptr<RouteTable> deployment_;
  mutable std::mutex mu_;
  std::condition_variable changed_;
  std::map<std::string, std::shared_ptr<Workspace>> live_;
  std::set<std::string> creating_;                  // names being created (a second PUT: 409)
  std::vector<std::shared_ptr<Workspace>> retired_;  // deleted, waiting for their last request
  std::multiset<std::string> reaping_;  // retired ones being stopped by the reaper now (mu_)
  unsigned deletes_ = 0;
  bool stopping_ = false;
  std::thread reaper_;
  struct Creator {
    std::thread thread;
    std::shared_ptr<std::atomic<bool>> done;
  };
  std::vector<Creator> creators_;  // joined once done (and all at the end)
  // Node mode.
  std::map<std::string, Known> known_;           // every workspace of the deployment (mu_)
  std::map<std::string, std::int64_t> wanted_;  // acquired and not lost since, at its epoch (mu_)
  std::vector<std::pair<std::string, std::int64_t>> to_start_;  // (mu_), for the starter
  std::thread starter_;
  std::unique_ptr<pgstore::Connection> catalog_;  // the node's thread's
  std::unique_ptr<cluster::Node> node_;           // last: stopped first (every workspace lost)
};

}  // namespace iwd::server
