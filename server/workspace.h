// One workspace besides the default (server/workspaces.h): its engine, journal, hub, tokens and
// routes, and in PostgreSQL its lease (its own, or a cluster::Node's epoch). Internal to the
// registry (workspaces.cpp, workspaces_node.cpp).
#pragma once

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <thread>

#include <fmt/format.h>

#include "pgstore/connection.h"
#include "server/journal.h"
#include "server/ruleset.h"
#include "server/store_lease.h"
#include "server/workspace_catalog.h"
#include "server/workspaces.h"

namespace iwd::server {

namespace fs = std::filesystem;

// Where a workspace is kept in PostgreSQL, when it is (Deployment::store).
struct PgPlace {
  std::string conninfo, node;
  std::function<void(const std::string& workspace, const std::string& why)> lost;
  bool fresh = false;  // a create: what the name left (a create cut short, a delete) is erased first
  // The epoch of the lease a cluster::Node holds for it (iwd serve --node), which renews it and
  // says when it is lost; 0: the workspace takes and keeps a lease of its own (StoreLease).
  std::int64_t epoch = 0;
};

// One workspace besides the default: everything it runs on, its own. Members in the order
// they stop in reverse: the routes, the engine (answering what is in flight), then its lease
// (renewals stop; its rows erased first when deleted), hub, journal and pool; `doomed` last,
// after the files are closed.
class Workspace {
 public:
  enum class Origin { Config, Api };
  Workspace(std::string name, fs::path folder, ServerConfig settings, Origin origin, std::optional<PgPlace> pg)
      : name_(std::move(name)), folder_(std::move(folder)), origin_(origin), config_(std::move(settings)), pg_(std::move(pg)) {
    config_.data = folder_.string();  // its reports and item histories read its own history
    config_.workspace = name_;
  }
  ~Workspace() {
    table_.reset();
    engine_.reset();
    if (erase_) {  // deleted: its catalog row went before the delete answered; now the rest
      pgstore::Connection conn(pg_->conninfo);
      if (pgstore::Status s = catalog::erase(conn, name_, epoch()); !s.ok())
        std::fprintf(stderr, "iwd serve: the rows of deleted workspace %s stay until a create of its name: %s\n",
                     name_.c_str(), s.message.c_str());
    }
    lease_.reset();  // its thread may fence the journal until it stopped
    journal_.reset();
    if (!doomed_.empty()) {  // deleted: the folder renamed aside before the delete answered
      std::error_code ignored;
      fs::remove_all(doomed_, ignored);
    }
  }
  // Opens its journal and starts its engine with `rules` (none: the journal's).
  bool start(Ruleset rules, runtime::Clock& clock, std::string* error) {
    if (pg_) {
      if (!open_postgresql(error)) return false;
    } else {
      std::error_code ec;
      fs::create_directories(folder_, ec);
      if (!(journal_ = Journal::open(folder_.string(), error))) return false;
    }
    engine_ = Engine::start(std::move(rules), pool_, *journal_, clock, metrics_, hub_, engine_options(config_), error);
    if (!engine_) return false;
    auth_ = std::make_unique<Authenticator>(config_.tokens);
    table_ = std::make_unique<RouteTable>(ServerContext{engine_.get(), &metrics_, &hub_, &config_, &pool_}, *auth_);
    return true;
  }
  // In PostgreSQL: records the workspace in the catalog at its lease's epoch (a create's last
  // step, or a declared workspace's mark), or forgets it (a delete's first: its rows go when
  // its engine stopped).
  bool record(const std::string& settings, std::string* error) {
    pgstore::Connection conn(pg_->conninfo);
    const pgstore::Status s =
        catalog::record(conn, {name_, origin_ == Origin::Config ? "config" : "api", settings}, epoch());
    return s.ok() || (*error = s.message, false);
  }
  bool forget(std::string* error) {
    pgstore::Connection conn(pg_->conninfo);
    const pgstore::Status s = catalog::forget(conn, name_, epoch());
    if (!s.ok()) return *error = s.message, false;
    erase_ = true;
    return true;
  }

  // A create's start found the name in the catalog (created meanwhile on another node).
  bool exists() const { return exists_; }
  // The epoch its rows are written at (PostgreSQL only).
  std::int64_t epoch() const { return lease_ ? lease_->epoch() : pg_->epoch; }
  // Its lease is lost: nothing more is acknowledged (any thread).
  void fence(const std::string& why) {
    if (journal_) journal_->fence(why);
  }
  const std::string& name() const { return name_; }
  const fs::path& folder() const { return folder_; }
  Origin origin() const { return origin_; }
  bool in_postgresql() const { return pg_.has_value(); }
  const ServerConfig& config() const { return config_; }
  runtime::StringPool& pool() { return pool_; }
  const RouteTable& table() const { return *table_; }
  Engine& engine() const { return *engine_; }
  OfferHub& hub() { return hub_; }
  void doom(fs::path renamed) { doomed_ = std::move(renamed); }

 private:
  // The workspace's lease (waiting out a holder that stopped without releasing it: a kill -9's
  // lease runs out within its ttl), then its journal at the lease's epoch; a create erases what
  // the name left first.
  bool open_postgresql(std::string* error) {
    if (pg_->epoch > 0) {  // a node's: the node renews the lease, and fences the journal when it is lost
      if (!(journal_ = Journal::open_postgresql(pg_->conninfo, name_, pg_->epoch, error))) return false;
      journal_->set_retry_until([] { return std::chrono::steady_clock::now() + std::chrono::seconds(1); });
      return true;
    }
    const StoreLease::Options options{pg_->conninfo, name_, pg_->node};
    // Held or Unavailable (a row lock of a killed holder's statement still running, say): tried
    // again, for longer than a lease can run.
    const auto began = std::chrono::steady_clock::now(), until = began + 5 * options.ttl;
    pgstore::Code code = pgstore::Code::Ok;
    std::optional<pgstore::Connection> probe;
    while (!(lease_ = StoreLease::acquire(options, &code, error))) {
      const auto now = std::chrono::steady_clock::now();
      if ((code != pgstore::Code::Held && code != pgstore::Code::Unavailable) || now >= until) {
        *error += fmt::format(" (tried for {} ms)", std::chrono::duration_cast<std::chrono::milliseconds>(now - began).count());
        return false;
      }
      // A create that loses a race for a new name: once the winner has put the name in the
      // catalog, the node its placement names holds the lease to serve it, so waiting for the
      // lease would end only at `until`. The name is taken: say so now.
      if (pg_->fresh && code == pgstore::Code::Held) {
        if (!probe) probe.emplace(pg_->conninfo);  // one connection for every try
        bool taken = false;
        if (pgstore::Status s = catalog::has(*probe, name_, &taken); s.ok() && taken)
          return exists_ = true, *error = fmt::format("workspace `{}` exists", name_), false;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    error->clear();  // a refusal of a try before is not why a later step fails
    if (pg_->fresh) {
      pgstore::Connection conn(pg_->conninfo);
      // Under the lease, the catalog says whether the name is taken: a create on a node that had
      // not read the catalog since another node created it must not erase that workspace's rows.
      bool taken = false;
      if (pgstore::Status s = catalog::has(conn, name_, &taken); !s.ok()) return *error = s.message, false;
      if (taken) return exists_ = true, *error = fmt::format("workspace `{}` exists", name_), false;
      if (pgstore::Status s = catalog::erase(conn, name_, lease_->epoch()); !s.ok()) return *error = s.message, false;
    }
    if (!(journal_ = Journal::open_postgresql(pg_->conninfo, name_, lease_->epoch(), error))) return false;
    journal_->set_retry_until([l = lease_.get()] { return l->deadline(); });
    lease_->keep([this](const std::string& why) {
      journal_->fence(why);
      if (pg_->lost) pg_->lost(name_, why);
    });
    return true;
  }

  std::string name_;
  fs::path folder_, doomed_;
  Origin origin_;
  ServerConfig config_;
  std::optional<PgPlace> pg_;
  bool erase_ = false;  // forgotten by the catalog: its rows go once its engine stopped
  bool exists_ = false;  // see exists()
  runtime::StringPool pool_;
  std::unique_ptr<Journal> journal_;
  std::unique_ptr<StoreLease> lease_;
  Metrics metrics_;
  OfferHub hub_;
  std::unique_ptr<Engine> engine_;
  std::unique_ptr<Authenticator> auth_;
  std::unique_ptr<RouteTable> table_;
};

}  // namespace iwd::server
