// WorkspaceRegistry as a node of a deployment (`iwd serve --node`, docs/deployment.md
// "Takeover"): a cluster::Node places the deployment's workspaces over the live nodes and holds
// the leases of this node's; the registry serves a workspace from its `acquired` (its journal
// opened at that epoch, recovered from the latest snapshot and the journal after it, on the
// starter's thread so that the node's thread keeps renewing) to its `lost`.
#include <fmt/format.h>

#include <chrono>
#include <cstdio>

#include "pgstore/schema.h"
#include "server/workspace.h"
#include "server/workspaces.h"

namespace iwd::server {

using ojson = nlohmann::ordered_json;

void WorkspaceRegistry::start_node(std::map<std::string, Known> declared) {
  known_ = std::move(declared);
  catalog_ = std::make_unique<pgstore::Connection>(d_.store);
  starter_ = std::thread([this] { starting(); });
  cluster::NodeOptions o;
  o.name = d_.node_name;
  o.address = d_.advertise;
  o.workspaces = [this] { return deployment_workspaces(); };
  o.acquired = [this](const std::string& ws, std::int64_t epoch) { acquired(ws, epoch); };
  o.lost = [this](const std::string& ws, const cluster::Loss& why) {
    lost(ws, fmt::format("{} ({})", why.message, cluster::why_name(why.why)),
         why.why == cluster::Loss::Why::moved || why.why == cluster::Loss::Why::stopping);
  };
  node_ = std::make_unique<cluster::Node>(std::move(o), d_.store);
}

std::string WorkspaceRegistry::node() const { return node_ ? node_->name() : std::string(); }

std::optional<std::string> WorkspaceRegistry::owner_of(const std::string& name) const {
  return node_ ? node_->owner_of(name) : std::nullopt;
}

bool WorkspaceRegistry::known(const std::string& name) const {
  std::lock_guard<std::mutex> lock(mu_);
  return known_.count(name) > 0;
}

// The declared workspaces and the catalog's API-created ones, as the catalog says now (another
// node may have created or deleted one); the last list known when the database does not answer.
std::vector<std::string> WorkspaceRegistry::deployment_workspaces() {
  std::vector<catalog::Entry> entries;
  const bool read = catalog::list(*catalog_, &entries).ok();
  std::lock_guard<std::mutex> lock(mu_);
  if (read) {
    std::set<std::string> api;
    for (const catalog::Entry& e : entries) {
      if (e.origin != "api") continue;
      api.insert(e.name);
      if (known_.count(e.name)) continue;
      std::string why;
      auto parsed = parse_workspace_settings(nlohmann::json::parse(e.settings, nullptr, false),
                                             fmt::format("iwd_workspaces' row of {}", e.name), &why);
      if (parsed) known_[e.name] = Known{std::move(*parsed), std::nullopt};
      else std::fprintf(stderr, "iwd serve: workspace %s is not served: %s\n", e.name.c_str(), why.c_str());
    }
    for (auto it = known_.begin(); it != known_.end();)  // deleted elsewhere
      if (!it->second.rules && !api.count(it->first)) it = known_.erase(it);
      else ++it;
  }
  std::vector<std::string> names;
  for (const auto& [name, k] : known_) names.push_back(name);
  return names;
}

void WorkspaceRegistry::acquired(const std::string& name, std::int64_t epoch) {
  std::lock_guard<std::mutex> lock(mu_);
  wanted_[name] = epoch;
  to_start_.emplace_back(name, epoch);
  changed_.notify_all();
}

void WorkspaceRegistry::starting() {
  std::unique_lock<std::mutex> lock(mu_);
  for (;;) {
    changed_.wait(lock, [this] { return stopping_ || !to_start_.empty(); });
    if (stopping_) return;
    const auto [name, epoch] = to_start_.front();
    to_start_.erase(to_start_.begin());
    auto want = wanted_.find(name);
    auto k = known_.find(name);
    if (want == wanted_.end() || want->second != epoch || k == known_.end()) continue;  // lost meanwhile
    const Known what = k->second;
    lock.unlock();
    const auto began = std::chrono::steady_clock::now();
    auto ws = make(name, what.settings, what.rules.has_value(), false, epoch);
    std::string why;
    Ruleset rules;
    bool ok = !what.rules || load_ruleset_path(*what.rules, ws->pool(), &rules, &why) == RulesetStatus::Ok;
    ok = ok && ws->start(std::move(rules), clock_, &why) && (!what.rules || ws->record("", &why));
    const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - began).count();
    if (ok)
      std::fprintf(stderr, "iwd serve: serving workspace %s at epoch %lld (%s%lld lines replayed, %lld ms)\n", name.c_str(),
                   static_cast<long long>(epoch), ws->engine().start_stats().from_snapshot ? "a snapshot and " : "",
                   static_cast<long long>(ws->engine().start_stats().lines), static_cast<long long>(ms));
    else
      std::fprintf(stderr, "iwd serve: workspace %s at epoch %lld could not start: %s\n", name.c_str(),
                   static_cast<long long>(epoch), why.c_str());
    lock.lock();
    want = wanted_.find(name);
    if (ok && want != wanted_.end() && want->second == epoch) {
      live_[name] = std::move(ws);
      continue;
    }
    lock.unlock();
    ws.reset();  // lost while it started, or failed: stops here, off the lock
    lock.lock();
  }
}

void WorkspaceRegistry::lost(const std::string& name, const std::string& why, bool gracefully) {
  std::shared_ptr<Workspace> ws;
  {
    std::lock_guard<std::mutex> lock(mu_);
    wanted_.erase(name);
    if (auto it = live_.find(name); it != live_.end()) ws = std::move(it->second), live_.erase(it);
  }
  std::fprintf(stderr, "iwd serve: workspace %s is not served here any more: %s\n", name.c_str(), why.c_str());
  if (!ws) return;
  if (!gracefully) {  // the lease may be another's already: nothing more is written
    ws->fence(why);
    retire(std::move(ws));
    return;
  }
  // Handed over or stopping, the lease still held: a snapshot, so that the next owner replays
  // little, then the engine stops once its requests are answered (their commits land).
  ws->hub().close_all();
  ws->engine().compact();
  const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (ws.use_count() > 1 && std::chrono::steady_clock::now() < until)
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  if (ws.use_count() > 1) {  // a request still holds it: it stops when done, writing nothing more
    ws->fence("the workspace was handed over");
    retire(std::move(ws));
  }
}

WorkspaceDirectory::Place WorkspaceRegistry::place(const std::string& name) const {
  if (name == "default" || live(name)) return {Place::Kind::here, {}};
  if (!node_ || !known(name)) return {Place::Kind::none, {}};
  const std::optional<std::string> owner = owner_of(name);
  if (!owner || *owner == d_.advertise) return {Place::Kind::no_owner, {}};  // a takeover, or starting here
  return {Place::Kind::owner, owner->starts_with("http://") ? owner->substr(7) : *owner};
}

Reply WorkspaceRegistry::not_here(const std::string& name) const {
  const std::optional<std::string> owner = owner_of(name);
  const std::string why =
      !owner ? fmt::format("no node serves workspace `{}` now (it is being taken over): try again in a second", name)
      : *owner == d_.advertise
          ? fmt::format("workspace `{}` is being started on this node (its journal recovered): try again in a second", name)
          : fmt::format("workspace `{}` is served by the node at {}, not this one: send its requests there", name, *owner);
  Reply r = error_reply(503, "not_here", why);
  r.body["error"]["owner"] = owner.value_or("");
  r.body["error"]["retry_after_seconds"] = 1;
  return r;
}

std::shared_ptr<const RouteTable> WorkspaceRegistry::elsewhere(const std::string& name) const {
  static const Authenticator anyone(std::vector<ApiToken>{});  // the answer is the same for every caller
  return std::make_shared<RouteTable>(ServerContext{nullptr, d_.metrics, nullptr, d_.config, nullptr}, anyone,
                                      [this, name](ServerContext& ctx) {
                                        std::vector<Route> routes = all_routes(ctx);
                                        for (Route& r : routes) {
                                          r.json_body = false;
                                          r.handler = [this, name](const Call&, const Responder& res) { res(not_here(name)); };
                                        }
                                        return routes;
                                      });
}

}  // namespace iwd::server
