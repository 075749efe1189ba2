#include "server/workspaces.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "pgstore/schema.h"
#include "server/journal.h"
#include "server/ruleset.h"
#include "server/workspace.h"
#include "server/workspace_catalog.h"

namespace iwd::server {

namespace fs = std::filesystem;
using ojson = nlohmann::ordered_json;

EngineOptions engine_options(const ServerConfig& config) {
  EngineOptions o;
  o.compact_every = config.compact_every;
  o.history = config.history;
  o.history_retention_days = config.history_retention_days;
  o.idempotency_window_ms = config.idempotency_window_ms;
  o.subscriptions = config.subscriptions;
  o.retry = config.retry;
  o.outbox = config.outbox;
  return o;
}

namespace {

constexpr const char* kSettingsFile = "workspace.json";
// In the folder of a workspace declared in the configuration, once it started (before anything
// of it is acknowledged): its folder holds data even though it has no workspace.json.
constexpr const char* kDeclaredFile = "declared";
constexpr std::size_t kStartThreads = 4;  // workspaces started at once at start

// fsync of a file or a folder (a rename or a new entry durable in its folder).
bool sync_path(const fs::path& p) {
  const int fd = ::open(p.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;
  const bool ok = ::fsync(fd) == 0;
  ::close(fd);
  return ok;
}

// `text` as `file`, durably: written beside it, synced, renamed over it, its folder synced.
bool write_durably(const fs::path& file, const std::string& text, std::string* error) {
  const fs::path temp = file.string() + ".tmp";
  {
    std::ofstream out(temp, std::ios::binary | std::ios::trunc);
    out << text;
    if (!out.flush()) return *error = fmt::format("cannot write {}", temp.string()), false;
  }
  std::error_code ec;
  if (!sync_path(temp) || (fs::rename(temp, file, ec), ec) || !sync_path(file.parent_path()))
    return *error = fmt::format("cannot store {}{}", file.string(), ec ? ": " + ec.message() : ""), false;
  return true;
}

ojson describe(const std::string& name, const char* origin, const std::string& ruleset) {
  return ojson{{"name", name}, {"origin", origin}, {"ruleset", ruleset},
               {"base", name == "default" ? std::string() : "/v1/workspaces/" + name}};
}

const char* origin_name(Workspace::Origin o) { return o == Workspace::Origin::Config ? "config" : "api"; }

// A declared workspace, once started, leaves a mark that its data is a declared workspace's:
// the `declared` file in its folder, or its catalog row in PostgreSQL.
bool mark_declared(Workspace& ws, std::string* error) {
  if (ws.in_postgresql()) return ws.record("", error);
  return fs::exists(ws.folder() / kDeclaredFile) || write_durably(ws.folder() / kDeclaredFile, "declared in the configuration\n", error);
}

}  // namespace

WorkspaceRegistry::WorkspaceRegistry(Deployment deployment, runtime::Clock& clock) : d_(std::move(deployment)), clock_(clock) {
  admin_auth_ = std::make_unique<Authenticator>(d_.config->admin_tokens);
  deployment_ = std::make_unique<RouteTable>(ServerContext{nullptr, d_.metrics, nullptr, d_.config, nullptr}, *admin_auth_,
                                             [this](ServerContext&) { return admin_routes(); });
  reaper_ = std::thread([this] {
    std::unique_lock<std::mutex> lock(mu_);
    while (!stopping_) {
      changed_.wait_for(lock, std::chrono::milliseconds(100));
      // A retired workspace no request holds any more stops here, off the front end's thread.
      std::vector<std::shared_ptr<Workspace>> done;
      for (auto it = retired_.begin(); it != retired_.end();)
        if (it->use_count() == 1) done.push_back(std::move(*it)), it = retired_.erase(it);
        else ++it;
      for (auto c = creators_.begin(); c != creators_.end();)
        if (*c->done) c->thread.join(), c = creators_.erase(c);  // finished creates
        else ++c;
      // Their names stay in a node's list (its lease held) until they stopped: a deleted one's
      // rows are erased at that lease's epoch.
      std::vector<std::string> names;
      for (const auto& ws : done) names.push_back(ws->name()), reaping_.insert(ws->name());
      lock.unlock();
      done.clear();
      lock.lock();
      for (const std::string& n : names) reaping_.erase(reaping_.find(n));
    }
  });
}

WorkspaceRegistry::~WorkspaceRegistry() {
  if (node_) node_->stop();  // every workspace lost (a snapshot, its requests answered), its lease released
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
    changed_.notify_all();
  }
  reaper_.join();
  if (starter_.joinable()) starter_.join();
  for (Creator& c : creators_) c.thread.join();  // each answers (its front end may be gone: no one reads it)
  std::vector<std::shared_ptr<Workspace>> all;
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (auto& [name, ws] : live_) all.push_back(std::move(ws));
    for (auto& ws : retired_) all.push_back(std::move(ws));
    live_.clear();
    retired_.clear();
  }
  // A request answered before the front end stopped may still hold its workspace for a moment
  // (its exchange goes after the answer, on the workspace's committer thread): the last
  // reference must be dropped here, as the reaper does, for a workspace's engine cannot stop
  // from its own thread (its committer would join itself).
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  for (const auto& ws : all)
    while (ws.use_count() > 1 && std::chrono::steady_clock::now() < deadline)
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
  all.clear();
}

struct WorkspaceRegistry::Job {
  std::shared_ptr<Workspace> ws;
  std::optional<std::string> rules_path;  // a declared workspace's
  std::string error;                      // "workspace `x`: ..." when it did not start
};

std::shared_ptr<Workspace> WorkspaceRegistry::make(const std::string& name, ServerConfig settings, bool declared,
                                                   bool fresh, std::int64_t epoch) const {
  std::optional<PgPlace> pg;
  if (!d_.store.empty()) pg = PgPlace{d_.store, d_.node, d_.lost, fresh, epoch};
  return std::make_shared<Workspace>(name, fs::path(d_.data) / "workspaces" / name, std::move(settings),
                                     declared ? Workspace::Origin::Config : Workspace::Origin::Api, std::move(pg));
}

bool WorkspaceRegistry::from_folders(std::vector<Job>* jobs, std::string* error) {
  const fs::path root = fs::path(d_.data) / "workspaces";
  std::error_code ec;
  fs::create_directories(root, ec);
  if (ec) return *error = fmt::format("cannot create {}: {}", root.string(), ec.message()), false;
  auto fail = [error](const std::string& name, const std::string& why) {
    *error = fmt::format("workspace `{}`: {}", name, why);
    return false;
  };
  std::set<std::string> declared;
  for (const WorkspaceDecl& w : d_.config->workspaces) declared.insert(w.name);
  for (const fs::directory_entry& entry : fs::directory_iterator(root, ec)) {
    const std::string name = entry.path().filename().string();
    if (!entry.is_directory()) continue;
    // A leading `.`: a delete (renamed aside) cut short; no settings: a create cut short.
    const bool settings = fs::exists(entry.path() / kSettingsFile);
    // Declared before and not any more (a configuration edited, a name mistyped): its items
    // are kept, and the service does not start without a decision about them.
    if (name.front() != '.' && !settings && !declared.count(name) && fs::exists(entry.path() / kDeclaredFile))
      return fail(name, fmt::format("{} holds the data of a workspace declared in the configuration before and not any "
                                    "more: declare it again to serve its items, or move the folder away to drop them",
                                    entry.path().string()));
    if (name.front() == '.' || (!settings && !declared.count(name))) {
      std::fprintf(stderr, "iwd serve: removing %s (a workspace's %s cut short)\n", entry.path().c_str(),
                   name.front() == '.' ? "delete" : "create");
      fs::remove_all(entry.path(), ec);
      continue;
    }
    if (std::string why = workspace_name_problem(name); !why.empty() || name == "default")
      return fail(name, fmt::format("{} holds a folder that is no workspace's", root.string()));
    if (declared.count(name)) {
      if (settings) return fail(name, "declared in the configuration and also created over the API: delete one of them");
      continue;  // started as declared
    }
    std::ifstream in(entry.path() / kSettingsFile, std::ios::binary);
    std::ostringstream text;
    text << in.rdbuf();
    std::string why;
    auto parsed = parse_workspace_settings(nlohmann::json::parse(text.str(), nullptr, false),
                                           (entry.path() / kSettingsFile).string(), &why);
    if (!parsed) return fail(name, why);
    jobs->push_back({make(name, std::move(*parsed), false, false), std::nullopt, {}});
  }
  if (ec) return *error = fmt::format("cannot read {}: {}", root.string(), ec.message()), false;
  return true;
}

bool WorkspaceRegistry::from_catalog(std::vector<Job>* jobs, std::string* error) {
  pgstore::Connection conn(d_.store);
  std::vector<catalog::Entry> entries;
  pgstore::Status s = pgstore::create_schema(conn);
  if (s.ok()) s = catalog::list(conn, &entries);
  if (!s.ok()) return *error = s.message, false;
  std::set<std::string> declared;
  for (const WorkspaceDecl& w : d_.config->workspaces) declared.insert(w.name);
  for (const catalog::Entry& e : entries) {
    auto fail = [&](const std::string& why) { return *error = fmt::format("workspace `{}`: {}", e.name, why), false; };
    if (e.origin == "config") {
      if (!declared.count(e.name))  // as the `declared` mark on SQLite
        return fail("PostgreSQL holds the data of a workspace declared in the configuration before and not any more: "
                    "declare it again to serve its items, or delete its row from iwd_workspaces to drop them (its "
                    "rows are erased by the next create of its name)");
      continue;  // started as declared
    }
    if (declared.count(e.name)) return fail("declared in the configuration and also created over the API: delete one of them");
    std::string why;
    auto parsed = parse_workspace_settings(nlohmann::json::parse(e.settings, nullptr, false),
                                           fmt::format("iwd_workspaces' row of {}", e.name), &why);
    if (!parsed) return fail(why);
    jobs->push_back({make(e.name, std::move(*parsed), false, false), std::nullopt, {}});
  }
  return true;
}

std::unique_ptr<WorkspaceRegistry> WorkspaceRegistry::open(Deployment deployment, runtime::Clock& clock, std::string* error) {
  std::unique_ptr<WorkspaceRegistry> r(new WorkspaceRegistry(std::move(deployment), clock));
  // Each workspace's rules loaded and its engine started on a few threads at once (below:
  // their journals, pools and engines are their own), so the start grows with N / threads.
  std::vector<Job> jobs;
  if (!(r->d_.store.empty() ? r->from_folders(&jobs, error) : r->from_catalog(&jobs, error))) return nullptr;
  for (const WorkspaceDecl& decl : r->d_.config->workspaces)
    jobs.push_back({r->make(decl.name, decl.config, true, false), decl.rules, {}});
  if (!r->d_.node_name.empty()) {  // a node: each starts when this node acquires its lease (workspaces_node.cpp)
    std::map<std::string, Known> known;
    for (const Job& job : jobs) {
      if (!r->d_.open && job.ws->config().tokens.empty())
        return *error = fmt::format("workspace `{}`: it has no `tokens`: with authentication, every workspace has its own",
                                    job.ws->name()), nullptr;
      known[job.ws->name()] = Known{job.ws->config(), job.rules_path};
    }
    r->start_node(std::move(known));
    return r;
  }
  std::atomic<std::size_t> next{0};
  auto work = [&jobs, &next, &clock, open = r->d_.open] {
    for (std::size_t k; (k = next++) < jobs.size();) {
      Job& job = jobs[k];
      std::string why;
      Ruleset rules;
      if (job.rules_path && load_ruleset_path(*job.rules_path, job.ws->pool(), &rules, &why) != RulesetStatus::Ok)
        why = why.empty() ? fmt::format("the rules {} have errors (iwd check {})", *job.rules_path, *job.rules_path) : why;
      else if (!open && job.ws->config().tokens.empty())
        why = "it has no `tokens`: with authentication, every workspace has its own";
      else if (job.ws->start(std::move(rules), clock, &why) && (!job.rules_path || mark_declared(*job.ws, &why)))
        continue;
      job.error = fmt::format("workspace `{}`: {}", job.ws->name(), why);
    }
  };
  std::vector<std::thread> threads;
  for (unsigned t = 1; t < std::min<std::size_t>(jobs.size(), kStartThreads); ++t) threads.emplace_back(work);
  work();
  for (std::thread& t : threads) t.join();
  for (Job& job : jobs) {
    if (!job.error.empty()) return *error = job.error, nullptr;  // the others stop with `r`
    r->live_[job.ws->name()] = std::move(job.ws);
  }
  return r;
}

std::shared_ptr<Workspace> WorkspaceRegistry::live(const std::string& name) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = live_.find(name);
  return it == live_.end() ? nullptr : it->second;
}

std::shared_ptr<const RouteTable> WorkspaceRegistry::find(const std::string& name) const {
  std::shared_ptr<Workspace> ws = live(name);
  if (!ws && node_ && known(name)) return elsewhere(name);
  if (!ws) return nullptr;
  const RouteTable* table = &ws->table();
  return std::shared_ptr<const RouteTable>(std::move(ws), table);  // holds the workspace
}

std::size_t WorkspaceRegistry::size() const {
  std::lock_guard<std::mutex> lock(mu_);
  return live_.size();
}

bool WorkspaceRegistry::token_elsewhere(std::string_view authorization, const RouteTable& except) const {
  Reply ignored;
  auto takes = [&](const Authenticator& a) { return a.enabled() && a.identify(authorization, &ignored).has_value(); };
  if (&except != deployment_.get() && takes(*admin_auth_)) return true;
  if (&except.auth != d_.default_auth && takes(*d_.default_auth)) return true;
  std::lock_guard<std::mutex> lock(mu_);
  for (const auto& [name, ws] : live_)
    if (&ws->table() != &except && takes(ws->table().auth)) return true;
  return false;
}

void WorkspaceRegistry::close_streams() {
  std::lock_guard<std::mutex> lock(mu_);
  for (const auto& [name, ws] : live_) ws->hub().close_all();
  for (const auto& ws : retired_) ws->hub().close_all();
}

void WorkspaceRegistry::retire(std::shared_ptr<Workspace> ws) {
  ws->hub().close_all();  // its offer streams end (their clients find it gone)
  std::lock_guard<std::mutex> lock(mu_);
  retired_.push_back(std::move(ws));
  changed_.notify_all();
}

Reply WorkspaceRegistry::create(const std::string& name, const nlohmann::json& body) {
  const auto began = std::chrono::steady_clock::now();
  auto ms_since = [](std::chrono::steady_clock::time_point t) {
    return static_cast<long long>(
        std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t).count());
  };
  const fs::path folder = fs::path(d_.data) / "workspaces" / name;
  nlohmann::json settings = body;
  settings.erase("rules");
  std::string why;
  auto config = parse_workspace_settings(settings, "the workspace's settings", &why);
  if (!config) return error_reply(422, "bad_settings", why);
  if (!d_.open && config->tokens.empty())
    return error_reply(422, "no_tokens", "a workspace has its own `tokens` (this deployment authenticates every request)");
  {  // each token opens one workspace
    std::lock_guard<std::mutex> lock(mu_);
    std::vector<const std::vector<ApiToken>*> taken{&d_.config->tokens, &d_.config->admin_tokens};
    for (const auto& [other, ws] : live_) taken.push_back(&ws->config().tokens);
    for (std::size_t k = 0; k < config->tokens.size(); ++k)
      for (const auto* tokens : taken)
        for (const ApiToken& t : *tokens)
          if (t.token == config->tokens[k].token)
            return error_reply(409, "token_in_use", fmt::format("tokens[{}].token is already another workspace's: each token opens one", k));
  }
  auto ws = make(name, std::move(*config), false, true);
  const nlohmann::json& rules_json = body["rules"];
  Ruleset rules;
  compiler::Diagnostics diagnostics;
  const RulesetStatus s = load_ruleset_upload(rules_json.is_string() ? rules_json.get<std::string>() : rules_json.dump(),
                                              ws->pool(), &rules, &why, &diagnostics);
  if (s == RulesetStatus::BadUpload) return error_reply(400, "bad_upload", "`rules`: " + why);
  if (s != RulesetStatus::Ok) {
    Reply refused = s == RulesetStatus::RuleErrors ? error_reply(422, "rule_errors", "the rules have errors; no workspace was created")
                                                   : error_reply(422, "rules_unusable", why);
    refused.body["error"]["diagnostics"] = diagnostics_json(diagnostics);
    return refused;
  }
  const long long compiled_ms = ms_since(began);
  std::error_code ec;
  const bool pg = ws->in_postgresql();
  if (!pg) fs::remove_all(folder, ec);  // a create cut short left it (no workspace.json: never acknowledged)
  ojson stored(settings);
  // Its settings written last, once its journal holds its rules: workspace.json, or its row in
  // the catalog (PostgreSQL: in the workspace's start, what the name left was erased first).
  if (!ws->start(std::move(rules), clock_, &why) ||
      !(pg ? ws->record(stored.dump(), &why)
           : write_durably(folder / kSettingsFile, stored.dump(2) + "\n", &why) && sync_path(folder.parent_path()))) {
    const bool exists = ws->exists();
    ws.reset();
    if (!pg) fs::remove_all(folder, ec);
    if (exists) return error_reply(409, "workspace_exists", fmt::format("workspace `{}` exists", name));
    return error_reply(503, "create_failed", fmt::format("workspace `{}` was not created: {}", name, why));
  }
  const std::string label = ws->engine().ruleset_label();
  const long long started_ms = ms_since(began);
  if (node_) {  // created under a lease of its own, then handed to the node its placement names
    ServerConfig settings_kept = ws->config();
    ws.reset();  // its engine stops and its lease is released
    const long long released_ms = ms_since(began);
    {
      std::lock_guard<std::mutex> lock(mu_);
      known_[name] = Known{std::move(settings_kept), std::nullopt};
    }
    // Answered once a node serves it: known by this node's last scan, and started when it is this one.
    const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    auto served = [&] {
      const std::optional<std::string> owner = owner_of(name);
      return owner && (*owner != d_.advertise || live(name));
    };
    while (!served() && std::chrono::steady_clock::now() < until) std::this_thread::sleep_for(std::chrono::milliseconds(20));
    ojson body = describe(name, "api", label);
    body["owner"] = owner_of(name).value_or("");
    std::fprintf(stderr,
                 "iwd serve: workspace %s created (rules compiled at %lld ms, stored at %lld, its lease released at %lld, "
                 "%s at %lld ms)\n",
                 name.c_str(), compiled_ms, started_ms, released_ms,
                 served() ? "served" : "not served yet", ms_since(began));
    return Reply{201, std::move(body)};
  }
  std::fprintf(stderr, "iwd serve: workspace %s created (rules compiled at %lld ms, stored at %lld ms)\n", name.c_str(),
               compiled_ms, started_ms);
  std::lock_guard<std::mutex> lock(mu_);
  live_[name] = std::move(ws);
  return Reply{201, describe(name, "api", label)};
}

Reply WorkspaceRegistry::remove(const std::string& name) {
  std::shared_ptr<Workspace> ws = live(name);
  if (ws && ws->in_postgresql() && ws->origin() == Workspace::Origin::Api) {
    // Out of the catalog first, durably (its other rows go once its engine stopped), then out of the names.
    std::string why;
    if (!ws->forget(&why))
      return error_reply(503, "delete_failed", fmt::format("workspace `{}` stays: {}", name, why));
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (auto it = live_.find(name); it != live_.end() && it->second == ws) live_.erase(it);
      // A node: out of the deployment's list once it stopped (the reaper), then its lease released.
      known_.erase(name);
    }
    retire(std::move(ws));
    return Reply{200, ojson{{"deleted", name}}};
  }
  ws.reset();
  if (node_ && known(name) && !live(name)) return not_here(name);
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = live_.find(name);
    if (it == live_.end()) return error_reply(404, "no_workspace", fmt::format("there is no workspace `{}`", name));
    if (it->second->origin() == Workspace::Origin::Config)
      return error_reply(409, "declared", fmt::format("workspace `{}` is declared in the configuration: remove it there", name));
    // Out of the names first: no request reaches it any more, the folder can go aside.
    const fs::path aside =
        it->second->folder().parent_path() / fmt::format(".deleted-{}-{}-{}", name, ::getpid(), ++deletes_);
    std::error_code ec;
    fs::rename(it->second->folder(), aside, ec);
    if (ec || !sync_path(aside.parent_path()))
      return error_reply(503, "delete_failed", fmt::format("workspace `{}` stays: {}", name, ec ? ec.message() : "cannot sync"));
    ws = std::move(it->second);
    live_.erase(it);
    ws->doom(aside);
  }
  retire(std::move(ws));
  return Reply{200, ojson{{"deleted", name}}};
}

std::vector<Route> WorkspaceRegistry::admin_routes() {
  constexpr RoleSet kAdmin = roles({});
  // Without `admin_tokens` the admin routes are open only when nothing is authenticated.
  auto allowed = [this](const Responder& res) {
    if (admin_auth_->enabled() || d_.open) return true;
    res(error_reply(403, "no_admin_tokens", "workspaces are managed with a deployment token: none is configured (`admin_tokens`)"));
    return false;
  };
  auto name_of = [](const Call& call, const Responder& res) -> std::optional<std::string> {
    std::string name = call.param(1);
    if (std::string why = workspace_name_problem(name); !why.empty()) return res(error_reply(400, "bad_workspace", why)), std::nullopt;
    return name;
  };
  std::vector<Route> r;
  r.push_back({"GET", "/v1/admin/workspaces", kAdmin, [this, allowed](const Call&, const Responder& res) {
                 if (!allowed(res)) return;
                 if (node_) {  // the deployment's, read from PostgreSQL off the front end's thread
                   std::lock_guard<std::mutex> lock(mu_);
                   auto done = std::make_shared<std::atomic<bool>>(false);
                   creators_.push_back({std::thread([this, res, done] {
                                          res(deployment_list());
                                          *done = true;
                                        }),
                                        done});
                   return;
                 }
                 ojson list = ojson::array();
                 list.push_back(describe("default", "default", d_.default_engine ? d_.default_engine->ruleset_label() : ""));
                 std::lock_guard<std::mutex> lock(mu_);
                 for (const auto& [name, ws] : live_)
                   list.push_back(describe(name, origin_name(ws->origin()), ws->engine().ruleset_label()));
                 res(Reply{200, ojson{{"workspaces", std::move(list)}}});
               }});
  r.push_back({"GET", "/v1/admin/workspaces/{ws}", kAdmin, [this, allowed, name_of](const Call& call, const Responder& res) {
                 auto name = name_of(call, res);
                 if (!name || !allowed(res)) return;
                 if (*name == "default" && !node_)
                   return res(Reply{200, describe("default", "default", d_.default_engine ? d_.default_engine->ruleset_label() : "")});
                 auto ws = live(*name);
                 if (!ws && node_ && known(*name)) return res(not_here(*name));  // moved meanwhile
                 if (!ws) return res(error_reply(404, "no_workspace", fmt::format("there is no workspace `{}`", *name)));
                 ojson body = describe(*name, *name == "default" ? "default" : origin_name(ws->origin()), ws->engine().ruleset_label());
                 if (node_) body["owner"] = d_.advertise, body["node"] = node(), body["epoch"] = ws->epoch();  // this node
                 res(Reply{200, std::move(body)});
               }});
  r.back().to_owner = true;
  r.push_back({"PUT", "/v1/admin/workspaces/{ws}", kAdmin, [this, allowed, name_of](const Call& call, const Responder& res) {
                 auto name = name_of(call, res);
                 nlohmann::json body;
                 if (!name || !allowed(res) || !body_object(call, res, &body)) return;
                 if (!body.contains("rules") || !(body["rules"].is_string() || body["rules"].is_object()))
                   return res(error_reply(422, "no_rules", "`rules` is the workspace's rules: the text of an .iwd file, or "
                                                           "{\"files\": {NAME: TEXT}, \"root\": NAME}"));
                 std::lock_guard<std::mutex> lock(mu_);
                 // A node knows the catalog's workspaces as of its last read: one created on another
                 // node since is not known here yet, and one another node served may have been
                 // deleted since, so the catalog is asked (and asked again under the create's lease).
                 auto k = known_.find(*name);
                 const bool recheck = node_ && (k == known_.end() || !k->second.rules) && !live_.count(*name);
                 if (*name == "default" || live_.count(*name) || (k != known_.end() && !recheck) || creating_.count(*name))
                   return res(error_reply(409, "workspace_exists",
                                          fmt::format("workspace `{}` exists{}", *name, creating_.count(*name) ? " (being created)" : "")));
                 creating_.insert(*name);
                 auto done = std::make_shared<std::atomic<bool>>(false);
                 creators_.push_back({std::thread([this, name = *name, body = std::move(body), res, done, recheck] {
                                        std::string why;
                                        Reply reply;
                                        if (recheck && still_in_catalog(name, &why))
                                          reply = error_reply(409, "workspace_exists", fmt::format("workspace `{}` exists", name));
                                        else if (!why.empty())
                                          reply = error_reply(503, "create_failed", fmt::format("workspace `{}` was not created: {}", name, why));
                                        else
                                          reply = create(name, body);
                                        {
                                          std::lock_guard<std::mutex> relock(mu_);
                                          creating_.erase(name);
                                        }
                                        res(reply);
                                        *done = true;
                                      }),
                                      done});
               }});
  r.push_back({"DELETE", "/v1/admin/workspaces/{ws}", kAdmin, [this, allowed, name_of](const Call& call, const Responder& res) {
                 auto name = name_of(call, res);
                 if (!name || !allowed(res)) return;
                 if (*name == "default")
                   return res(error_reply(409, "default", "the default workspace is the deployment's own: it is not deleted"));
                 res(remove(*name));
               }});
  r.back().to_owner = true;  // with --node, answered by the workspace's owner: a delete from any node
  return r;
}

}  // namespace iwd::server
