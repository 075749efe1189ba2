// `iwd serve --rules PATH|BUNDLE [--data DIR] [--listen HOST:PORT] [--port-file FILE]`: the
// runtime on the real clock behind the HTTP/JSON API of docs/api.md, every accepted change in
// a durable journal (DIR/journal.db) before it is acknowledged, replayed at start.
#include <fmt/format.h>

#include <csignal>
#include <fstream>
#include <iostream>
#include <thread>

#include "compiler/load/loaded_rules.h"
#include "runtime/clock.h"
#include "server/http.h"
#include "server/journal.h"
#include "server/service.h"
#include "tools/iwd/commands.h"

namespace iwd::cli {
namespace {

struct ServeOptions {
  std::string rules, data = "iwd-data", listen = "127.0.0.1:8080", port_file;
};

int run_serve(const ServeOptions& opts) {
  const auto colon = opts.listen.rfind(':');
  if (colon == std::string::npos) {
    std::cerr << "iwd serve: --listen is HOST:PORT, e.g. 127.0.0.1:8080\n";
    return kExitUsage;
  }
  const std::string host = opts.listen.substr(0, colon);
  const int port = std::atoi(opts.listen.c_str() + colon + 1);
  if (host != "127.0.0.1" && host != "localhost" && host != "::1") {
    std::cerr << "iwd serve: without authentication the server listens on loopback only (127.0.0.1, ::1)\n";
    return kExitUsage;
  }
  // SIGINT and SIGTERM stop the server cleanly; blocked here so every thread inherits it.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

  runtime::StringPool pool;
  compiler::LoadResult loaded = compiler::load_rules(opts.rules, pool, compiler::LoadOptions{}, std::cerr);
  if (loaded.status == compiler::LoadStatus::RuleErrors) return kExitFindings;
  if (!loaded.rules) {
    std::cerr << "iwd serve: " << loaded.error << "\n";
    return kExitUsage;
  }
  std::string error;
  auto journal = server::Journal::open(opts.data, &error);
  if (!journal) {
    std::cerr << "iwd serve: " << error << "\n";
    return kExitUsage;
  }
  runtime::SystemClock clock;
  auto service = server::Service::start(loaded.rules->table(), pool, *journal, clock, &error);
  if (!service) {
    std::cerr << "iwd serve: " << error << "\n";
    return kExitUsage;
  }
  server::HttpFrontEnd http(*service);
  const int bound = http.bind(host, port);
  if (bound < 0) {
    std::cerr << fmt::format("iwd serve: cannot listen on {}:{}\n", host, port);
    return kExitUsage;
  }
  if (!opts.port_file.empty()) std::ofstream(opts.port_file) << bound << "\n";
  std::cerr << fmt::format("iwd serve: {} ({} processes, {}) on http://{}:{}; journal {}/journal.db ({} lines replayed in {} ms); "
                           "no authentication configured: loopback only\n",
                           loaded.rules->manifest().ruleset.empty() ? opts.rules : loaded.rules->manifest().ruleset,
                           loaded.rules->program().processes.size(), loaded.rules->table().engine, host, bound, opts.data,
                           service->stats().recovered_lines, service->stats().recovery_ms);
  std::thread stopper([&http, &stop_signals] {
    int signal = 0;
    sigwait(&stop_signals, &signal);
    http.stop();
  });
  http.serve();
  // serve() returned: a stop signal, or the listener failed. Wake the stopper if needed.
  pthread_kill(stopper.native_handle(), SIGTERM);
  stopper.join();
  std::cerr << "iwd serve: stopped\n";
  return kExitOk;
}

}  // namespace

void register_serve(CLI::App& app) {
  auto opts = std::make_shared<ServeOptions>();
  auto* cmd = app.add_subcommand("serve", "Run the runtime behind an HTTP/JSON API with a durable journal");
  cmd->add_option("--rules", opts->rules, "The ruleset: a file, a folder with one root file, or a bundle")->required();
  cmd->add_option("--data", opts->data, "The folder of the journal (journal.db)")->capture_default_str();
  cmd->add_option("--listen", opts->listen, "HOST:PORT (port 0: any free port)")->capture_default_str();
  cmd->add_option("--port-file", opts->port_file, "Write the port listened on to this file");
  cmd->callback([opts] { set_exit_code(run_serve(*opts)); });
}

}  // namespace iwd::cli
