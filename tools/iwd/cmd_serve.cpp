// `iwd serve [--rules PATH|BUNDLE] [--data DIR] [--listen HOST:PORT] [--config FILE]
// [--port-file FILE] [--store postgresql://... [--node NAME --advertise http://HOST:PORT]]`:
// the runtime on the real clock behind the HTTP/JSON API of docs/api.md, every accepted change
// in a durable journal (DIR/journal.db, or PostgreSQL: docs/deployment.md) before it is
// acknowledged, replayed at start. Without a configuration (no API tokens) it listens on loopback only.
#include <fmt/format.h>

#include <signal.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <charconv>
#include <chrono>
#include <csignal>
#include <fstream>
#include <filesystem>
#include <iostream>
#include <thread>

#include "compiler/diag/render.h"
#include "runtime/clock.h"
#include "server/auth.h"
#include "server/config.h"
#include "server/engine.h"
#include "server/http.h"
#include "server/journal.h"
#include "server/metrics.h"
#include "server/offer_hub.h"
#include "server/ruleset.h"
#include "server/store_lease.h"
#include "server/workspaces.h"
#include "tools/iwd/commands.h"
#include "tools/iwd/lazy_libraries.h"

namespace iwd::cli {
namespace {

struct ServeOptions {
  std::string rules, data, listen, config, port_file, store;
  std::string node, advertise;  // a node of a deployment (docs/deployment.md, "Running nodes")
};

// `--store`: a PostgreSQL URI or libpq's key=value conninfo (docs/deployment.md, "Store").
bool postgresql_store(const std::string& store) {
  return store.starts_with("postgresql://") || store.starts_with("postgres://") || store.find('=') != std::string::npos;
}

// The journal in PostgreSQL, under the lease of workspace `default` (server/store_lease.h),
// with the event history and the notifications' outbox beside it, written in its
// transactions; the other workspaces there too, each under a lease of its own
// (server/workspaces.h). The exit status when not: 1 (held by another node, or the database
// unavailable: a supervisor tries again) or kExitUsage.
int open_postgresql_store(const std::string& store, const std::string& data, const std::string& node,
                          std::unique_ptr<server::StoreLease>* lease, std::unique_ptr<server::Journal>* journal) {
  // Workspaces a run without --store created here over the API (DIR/workspaces/{ws}) are in
  // SQLite files: refused rather than left unserved or split between the two stores.
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(std::filesystem::path(data) / "workspaces", ec))
    if (entry.is_directory() && entry.path().filename().string().front() != '.') {
      std::cerr << "iwd serve: --store postgresql://: " << entry.path().string()
                << " is a workspace kept in SQLite, which a service on PostgreSQL does not serve: serve it without "
                   "--store, or move the folder aside\n";
      return kExitUsage;
    }
  std::string error;
  pgstore::Code code = pgstore::Code::Ok;
  *lease = server::StoreLease::acquire({store, "default", node}, &code, &error);
  if (!*lease) {
    std::cerr << "iwd serve: " << error
              << (code == pgstore::Code::Held ? " (another iwd serve holds it: it is renewed while that one runs)" : "")
              << "\n";
    return code == pgstore::Code::Failed ? kExitUsage : 1;
  }
  *journal = server::Journal::open_postgresql(store, "default", (*lease)->epoch(), &error);
  if (!*journal) {
    std::cerr << "iwd serve: " << error << "\n";
    return 1;
  }
  (*journal)->set_retry_until([l = lease->get()] { return l->deadline(); });
  return kExitOk;
}

bool loopback(const std::string& host) { return host == "127.0.0.1" || host == "localhost" || host == "::1"; }

int run_serve(const ServeOptions& opts) {
  // Every library opened now: one missing or broken stops the start (exit 2, named), not the
  // server in the middle of the first request that calls it (tools/iwd/lazy_libraries.h).
  if (const char* why = nullptr; !cli::open_lazy_libraries(&why)) {
    std::cerr << "iwd serve: cannot load a library: " << (why ? why : "unknown error") << "\n";
    return kExitUsage;  // an environment problem, as a lazy stub's (lazy_libraries.cpp)
  }
  server::ServerConfig config;
  std::string error;
  if (!opts.config.empty()) {
    auto loaded = server::load_config(opts.config, &error);
    if (!loaded) {
      std::cerr << "iwd serve: " << error << "\n";
      return kExitUsage;
    }
    config = std::move(*loaded);
  }
  const std::string listen = !opts.listen.empty() ? opts.listen : config.listen.value_or("127.0.0.1:8080");
  const std::string data = !opts.data.empty() ? opts.data : config.data.value_or("iwd-data");
  config.data = data;  // the folder in force: GET /v1/reports/{kind} reads its history
  const auto colon = listen.rfind(':');
  if (colon == std::string::npos) {
    std::cerr << "iwd serve: --listen is HOST:PORT, e.g. 127.0.0.1:8080\n";
    return kExitUsage;
  }
  std::string host = listen.substr(0, colon);
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);  // [::1]:8080
  const std::string port_text = listen.substr(colon + 1);
  int port = -1;
  const auto [port_end, port_error] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
  if (port_text.empty() || port_error != std::errc() || port_end != port_text.data() + port_text.size() || port < 0 ||
      port > 65535) {
    std::cerr << "iwd serve: the port in --listen `" << listen << "` is not a number from 0 to 65535\n";
    return kExitUsage;
  }
  server::Authenticator auth(config.tokens);
  if (!auth.enabled() && !loopback(host)) {
    std::cerr << "iwd serve: no API tokens are configured (--config), so the server listens on loopback only "
                 "(127.0.0.1, ::1), not on "
              << host << "\n";
    return kExitUsage;
  }
  // Every connection is a file descriptor: raise the soft limit toward max_connections (and
  // the journal's few), as far as the hard limit allows, and say when that is short.
  if (rlimit files{}; getrlimit(RLIMIT_NOFILE, &files) == 0) {
    const rlim_t wanted = static_cast<rlim_t>(config.max_connections) + config.reserved_connections + 64;
    if (files.rlim_cur < wanted) {
      files.rlim_cur = std::min(wanted, files.rlim_max);
      setrlimit(RLIMIT_NOFILE, &files);
    }
    if (files.rlim_cur < wanted)
      std::cerr << fmt::format("iwd serve: the open-file limit ({}) allows about {} connections, not max_connections {}\n",
                               files.rlim_cur, files.rlim_cur > 64 ? files.rlim_cur - 64 : 0, config.max_connections);
  }
  // SIGINT and SIGTERM stop the server cleanly; blocked here so every thread inherits it.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

  runtime::StringPool pool;
  server::Ruleset rules;  // none: the journal's rules in force
  compiler::Diagnostics diagnostics;
  if (!opts.rules.empty()) switch (server::load_ruleset_path(opts.rules, pool, &rules, &error, &diagnostics)) {
      case server::RulesetStatus::Ok: break;
      case server::RulesetStatus::RuleErrors: compiler::render_text(std::cerr, diagnostics); return kExitFindings;
      case server::RulesetStatus::Failed:
      case server::RulesetStatus::BadUpload: std::cerr << "iwd serve: " << error << "\n"; return kExitUsage;
    }
  std::unique_ptr<server::Journal> journal;
  std::atomic<bool> lost{false};
  std::unique_ptr<server::StoreLease> lease;  // with --store postgresql://: stopped before `lost` and the journal go
  const std::string node = server::node_name();  // the holder of this process's leases
  if (!opts.store.empty()) {
    if (!postgresql_store(opts.store)) {
      std::cerr << "iwd serve: --store is a PostgreSQL URI (postgresql://...) or conninfo (host=... dbname=...), not `"
                << opts.store << "`\n";
      return kExitUsage;
    }
  }
  if (!opts.node.empty() && (opts.store.empty() || !opts.advertise.starts_with("http://"))) {
    std::cerr << "iwd serve: --node runs a node of a deployment over PostgreSQL: it needs --store postgresql://... and "
                 "--advertise http://HOST:PORT, the address the other nodes reach this one at\n";
    return kExitUsage;
  }
  if (!opts.node.empty()) {
    // A node: the deployment's workspaces, `default` among them, are placed over the nodes
    // (server/workspaces.h) and served in PostgreSQL; this engine on --data's SQLite answers only
    // the node's own /healthz and /metrics (the routes at the top are the deployment's default).
    if (!(journal = server::Journal::open(data, &error))) {
      std::cerr << "iwd serve: " << error << "\n";
      return kExitUsage;
    }
  } else if (!opts.store.empty()) {
    if (const int status = open_postgresql_store(opts.store, data, node, &lease, &journal); status != kExitOk) return status;
    // Lost: nothing more is acknowledged (503), and the service stops as a SIGTERM stops it.
    lease->keep([&lost, j = journal.get()](const std::string& why) {
      j->fence(why);
      lost = true;
      std::cerr << "iwd serve: the lease of workspace default is lost: " << why
                << "; nothing more is acknowledged, stopping (start it again to take the lease once it is free)\n";
      kill(getpid(), SIGTERM);
    });
  } else if (!(journal = server::Journal::open(data, &error))) {
    std::cerr << "iwd serve: " << error << "\n";
    return kExitUsage;
  }
  runtime::SystemClock clock;
  server::Metrics metrics;
  server::OfferHub hub;
  auto engine =
      server::Engine::start(std::move(rules), pool, *journal, clock, metrics, hub, server::engine_options(config), &error);
  if (!engine) {
    std::cerr << "iwd serve: " << error << "\n";
    return kExitUsage;
  }
  // The other workspaces (server/workspaces.h): DIR/workspaces/{ws}, each its own engine.
  const auto workspaces_started = std::chrono::steady_clock::now();
  server::WorkspaceRegistry::Deployment deployment{data, &config, &auth, &metrics, engine.get(), !auth.enabled()};
  if (!opts.store.empty()) {  // in PostgreSQL, each under its lease
    deployment.store = opts.store;
    deployment.node = node;
    deployment.node_name = opts.node;
    deployment.advertise = opts.advertise;
    if (!opts.rules.empty()) deployment.default_rules = opts.rules;
  }
  if (lease)  // one node: a lease lost stops the service as the default's does
    deployment.lost = [&lost](const std::string& ws, const std::string& why) {
      lost = true;
      std::cerr << "iwd serve: the lease of workspace " << ws << " is lost: " << why
                << "; nothing more is acknowledged in it, stopping (start it again to take the lease once it is free)\n";
      kill(getpid(), SIGTERM);
    };
  auto workspaces = server::WorkspaceRegistry::open(std::move(deployment), clock, &error);
  if (!workspaces) {
    std::cerr << "iwd serve: " << error << "\n";
    return kExitUsage;
  }
  server::ServerContext top{engine.get(), &metrics, &hub, &config, &pool};
  if (!opts.node.empty()) {  // the node's own /healthz, /readyz and lines in /metrics (server/node_status.h)
    top.node = [w = workspaces.get()] { return w->node_status(); };
    metrics.also_render([w = workspaces.get()] { return server::node_metrics(w->node_status()); });
  }
  server::HttpFrontEnd http(top, auth);
  http.serve_workspaces(workspaces.get());
  const int bound = http.bind(host, port, &error);
  if (bound < 0) {
    std::cerr << "iwd serve: " << error << "\n";
    return kExitUsage;
  }
  if (!opts.port_file.empty()) std::ofstream(opts.port_file) << bound << "\n";
  const auto& started = engine->start_stats();
  const std::string where = lease ? fmt::format("in PostgreSQL, workspace default at epoch {} held by {}", lease->epoch(),
                                                lease->holder())
                                  : data + "/journal.db";
  std::cerr << fmt::format("iwd serve: {} on http://{}:{}; journal {} ({}{} lines replayed in {} ms: {}{})\n",
                           engine->ruleset_label(), host, bound, where, started.from_snapshot ? "a snapshot and " : "",
                           started.lines, started.ms, server::describe_stages(started),
                           started.reloads ? "; the rules given differ from the journal's: reloaded" : "");
  if (workspaces->size() > 0)
    std::cerr << fmt::format("iwd serve: {} more workspaces {}, started in {} ms\n", workspaces->size(),
                             !opts.store.empty() ? "in PostgreSQL" : "under " + data + "/workspaces",
                             std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() -
                                                                                   workspaces_started).count());
  if (!opts.node.empty())
    std::cerr << fmt::format("iwd serve: node {} of the deployment on {}, advertised as {}: serving the workspaces "
                             "placed on it as it acquires their leases\n",
                             workspaces->node(), opts.store.substr(0, opts.store.find('?')), opts.advertise);
  if (!auth.enabled())
    std::cerr << "iwd serve: no authentication configured (no --config with API tokens): listening on loopback only, "
                 "every caller may do everything\n";
  std::thread stopper([&http, &stop_signals] {
    int signal = 0;
    sigwait(&stop_signals, &signal);
    http.stop();
  });
  http.serve();
  // serve() returned: a stop signal, or the listener failed. Wake the stopper if needed.
  pthread_kill(stopper.native_handle(), SIGTERM);
  stopper.join();
  workspaces.reset();  // each workspace's engine answers and commits what is in flight
  engine.reset();  // answers and commits what is in flight
  if (lost) {
    std::cerr << "iwd serve: stopped: a workspace's lease was lost\n";
    return 1;
  }
  std::cerr << "iwd serve: stopped\n";
  return kExitOk;
}

}  // namespace

void register_serve(CLI::App& app) {
  auto opts = std::make_shared<ServeOptions>();
  auto* cmd = app.add_subcommand("serve", "Run the runtime behind an HTTP/JSON API with a durable journal");
  cmd->add_option("--rules", opts->rules,
                  "The ruleset: a file, a folder with one root file, or a bundle. Without it, the rules in force in the "
                  "journal (the last uploaded)");
  cmd->add_option("--data", opts->data, "The folder of the journal (journal.db); default iwd-data");
  cmd->add_option("--listen", opts->listen, "HOST:PORT (port 0: any free port); default 127.0.0.1:8080");
  cmd->add_option("--config", opts->config, "The configuration: API tokens and roles, limits (docs/api.md)");
  cmd->add_option("--port-file", opts->port_file, "Write the port listened on to this file");
  cmd->add_option("--store", opts->store,
                  "Keep the journal in PostgreSQL (a postgresql:// URI or a conninfo) under the lease of workspace "
                  "default, instead of DIR/journal.db (docs/deployment.md)");
  cmd->add_option("--node", opts->node,
                  "Run as a node of a deployment over --store (docs/deployment.md, \"Running nodes\"): NAME, the "
                  "same after a restart; the workspaces are placed over the live nodes and each served by the node "
                  "holding its lease, the default workspace (the routes at the top) among them");
  cmd->add_option("--advertise", opts->advertise,
                  "With --node: http://HOST:PORT, the address other nodes and clients reach this node at");
  cmd->callback([opts] { set_exit_code(run_serve(*opts)); });
}

}  // namespace iwd::cli
