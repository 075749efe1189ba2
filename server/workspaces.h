// Workspaces (docs/deployment.md, "Workspaces"): one `iwd serve` hosts several independent
// workspaces, each with its own rules, agents, items, tokens, history, subscriptions and
// mappings, in a folder of its own (DIR/workspaces/{ws}/, its own journal.db) and run by an
// Engine of its own (its own engine thread and group committer). `/v1/workspaces/{ws}/...` is
// workspace ws's API (server/http.h). The default workspace is the data folder itself at the
// top of the paths, run by cmd_serve.cpp as before; this registry holds the others: those the
// configuration declares (`workspaces`) and those created over the API (PUT
// /v1/admin/workspaces/{ws}, kept by DIR/workspaces/{ws}/workspace.json).
//
// A create is acknowledged once durable: the journal holds the rules and workspace.json its
// settings (written last, renamed into place and synced); a folder without workspace.json is a
// create cut short and removed at start, unless it holds the `declared` mark of a workspace the
// configuration declared before (then the start stops, naming it). A delete renames the folder out of the names (a
// leading `.`), durably, before it answers; the files go once the workspace's engine stopped.
#pragma once

#include <atomic>
#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "runtime/clock.h"
#include "server/config.h"
#include "server/engine.h"
#include "server/http.h"

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
  };
  // Starts every workspace (the configuration's and those created before), after removing what
  // a create or a delete cut short. Null and *error naming the workspace on failure.
  static std::unique_ptr<WorkspaceRegistry> open(Deployment deployment, runtime::Clock& clock, std::string* error);
  ~WorkspaceRegistry() override;  // stops every workspace (answering what is in flight)

  std::shared_ptr<const RouteTable> find(const std::string& name) const override;
  const RouteTable& deployment() const override { return *deployment_; }
  bool token_elsewhere(std::string_view authorization, const RouteTable& except) const override;
  void close_streams() override;

  std::size_t size() const;  // live workspaces besides the default

 private:
  WorkspaceRegistry(Deployment deployment, runtime::Clock& clock);
  std::vector<Route> admin_routes();
  // PUT /v1/admin/workspaces/{ws} on a thread of its own (compiling and starting take a while).
  Reply create(const std::string& name, const nlohmann::json& body);
  Reply remove(const std::string& name);
  std::shared_ptr<Workspace> live(const std::string& name) const;
  void retire(std::shared_ptr<Workspace> ws);  // stopped and removed once no request holds it

  Deployment d_;
  runtime::Clock& clock_;
  std::unique_ptr<Authenticator> admin_auth_;
  std::unique_ptr<RouteTable> deployment_;
  mutable std::mutex mu_;
  std::condition_variable changed_;
  std::map<std::string, std::shared_ptr<Workspace>> live_;
  std::set<std::string> creating_;                  // names being created (a second PUT: 409)
  std::vector<std::shared_ptr<Workspace>> retired_;  // deleted, waiting for their last request
  unsigned deletes_ = 0;
  bool stopping_ = false;
  std::thread reaper_;
  struct Creator {
    std::thread thread;
    std::shared_ptr<std::atomic<bool>> done;
  };
  std::vector<Creator> creators_;  // joined once done (and all at the end)
};

}  // namespace iwd::server
