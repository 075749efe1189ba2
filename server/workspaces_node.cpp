// WorkspaceRegistry as a node of a deployment (`iwd serve --node`, docs/deployment.md
// "Takeover"): a cluster::Node places the deployment's workspaces over the live nodes and holds
// the leases of this node's; the registry serves a workspace from its `acquired` (its journal
// opened at that epoch, recovered from the latest snapshot and the journal after it, on the
// starter's thread so that the node's thread keeps renewing) to its `lost`.
#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cstdio>

#include "pgstore/schema.h"
#include "server/workspace.h"
#include "server/workspaces.h"

namespace iwd::server {

using ojson = nlohmann::ordered_json;

void WorkspaceRegistry::start_node(std::map<std::string, Known> declared) {
  known_ = std::move(declared);
  // The default too: one workspace of the deployment (its routes at the top on every node),
  // placed and leased as the others, with the deployment's settings and --rules.
  known_.emplace("default", Known{*d_.config, d_.default_rules});
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
      if (!it->second.rules && !api.count(it->first) && it->first != "default") it = known_.erase(it);
      else ++it;
  }
  std::set<std::string> names;
  for (const auto& [name, k] : known_) names.insert(name);
  // Deleted here and not stopped yet: its lease is kept until its rows are erased at its epoch.
  for (const auto& ws : retired_) names.insert(ws->name());
  names.insert(reaping_.begin(), reaping_.end());
  return {names.begin(), names.end()};
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
    // A declared workspace's mark in the catalog (the default has none: it is the deployment's own).
    ok = ok && ws->start(std::move(rules), clock_, &why) && (!what.rules || name == "default" || ws->record("", &why));
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
  if (live(name) || (name == "default" && !node_)) return {Place::Kind::here, {}};
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

Reply WorkspaceRegistry::deployment_list() const {
  pgstore::Connection conn(d_.store);
  std::vector<catalog::Entry> entries;
  pgstore::Rows leases;
  pgstore::Status s = catalog::list(conn, &entries);
  // A lease names its holder while it runs; the holder's advertised address is its node row's.
  if (s.ok())
    s = conn.exec("read the leases",
                  "SELECT l.workspace, l.epoch, n.name, n.address FROM iwd_lease l "
                  "LEFT JOIN iwd_node n ON n.name = l.holder AND l.expires_at > now()",
                  {}, &leases);
  if (!s.ok()) return error_reply(503, "store_unavailable", "the deployment's workspaces cannot be read now: " + s.message);
  std::map<std::string, std::size_t> lease_of;
  for (int r = 0; r < leases.size(); ++r) lease_of[*leases.at(r, 0)] = static_cast<std::size_t>(r);
  std::vector<std::pair<std::string, std::string>> all{{"default", "default"}};  // (name, origin)
  std::set<std::string> declared;
  for (const WorkspaceDecl& w : d_.config->workspaces) declared.insert(w.name);
  for (const std::string& name : declared) all.emplace_back(name, "config");
  for (const catalog::Entry& e : entries)
    if (e.origin == "api" && !declared.count(e.name)) all.emplace_back(e.name, "api");
  std::sort(all.begin() + 1, all.end());
  ojson list = ojson::array();
  for (const auto& [name, origin] : all) {
    ojson w{{"name", name}, {"origin", origin}, {"base", name == "default" ? std::string() : "/v1/workspaces/" + name},
            {"owner", nullptr}, {"node", nullptr}, {"epoch", 0}};
    if (auto l = lease_of.find(name); l != lease_of.end()) {
      const int r = static_cast<int>(l->second);
      w["epoch"] = leases.integer(r, 1);
      if (leases.at(r, 2)) w["node"] = *leases.at(r, 2), w["owner"] = *leases.at(r, 3);
    }
    list.push_back(std::move(w));
  }
  return Reply{200, ojson{{"workspaces", std::move(list)}}};
}

bool WorkspaceRegistry::still_in_catalog(const std::string& name, std::string* error) {
  pgstore::Connection conn(d_.store);
  bool found = false;
  if (pgstore::Status s = catalog::has(conn, name, &found); !s.ok()) return *error = s.message, false;
  if (found) return true;
  std::lock_guard<std::mutex> lock(mu_);
  if (auto k = known_.find(name); k != known_.end() && !k->second.rules && !live_.count(name)) known_.erase(k);
  return false;
}

NodeStatus WorkspaceRegistry::node_status() const {
  NodeStatus s;
  s.name = d_.node_name;
  s.advertise = d_.advertise;
  if (!node_) return s;
  s.process = node_->name();
  const cluster::Node::Health h = node_->health();
  s.store_up = h.store_up;
  s.scanned = h.scanned;
  if (h.heartbeat_age) s.heartbeat_age = static_cast<double>(h.heartbeat_age->count()) / 1000;
  s.node_ttl = static_cast<double>(h.node_ttl.count()) / 1000;
  s.placed.assign(h.placed.begin(), h.placed.end());
  if (h.settling_left) s.settling = static_cast<double>(h.settling_left->count()) / 1000;
  std::lock_guard<std::mutex> lock(mu_);
  for (const auto& [name, held] : h.owned)
    s.workspaces.push_back({name, held.epoch, static_cast<double>(held.left.count()) / 1000, live_.count(name) > 0});
  return s;
}

}  // namespace iwd::server
