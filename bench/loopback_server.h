// What the in-process `iwd serve` benchmarks share: the Engine and HTTP front end of `iwd serve`
// on a free loopback port, over a fresh journal in a temporary folder (WAL, synchronous=FULL),
// torn down (and its folder removed) at the end; and a percentile of measured latencies.
#pragma once

#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "runtime/clock.h"
#include "server/config.h"
#include "server/engine.h"
#include "server/http.h"
#include "server/journal.h"
#include "server/metrics.h"
#include "server/offer_hub.h"
#include "server/ruleset.h"

namespace iwd::bench {

struct LoopbackServer {
  std::string dir;
  runtime::StringPool pool;
  runtime::SystemClock clock;
  server::Metrics metrics;
  server::OfferHub hub;
  server::ServerConfig config;
  server::Authenticator auth{{}};
  std::unique_ptr<server::Journal> journal;
  std::unique_ptr<server::Engine> engine;
  std::unique_ptr<server::HttpFrontEnd> http;
  std::thread serving;
  int port = -1;

  // `name` names the folder (one a process); examples/enterprise.iwd is the ruleset.
  explicit LoopbackServer(const std::string& name, server::EngineOptions options = {})
      : dir(std::filesystem::temp_directory_path() / (name + "_" + std::to_string(::getpid()))) {
    std::filesystem::remove_all(dir);
    std::string error;
    server::Ruleset rules;
    server::load_ruleset_path(std::string(IWD_SOURCE_DIR) + "/examples/enterprise.iwd", pool, &rules, &error);
    journal = server::Journal::open(dir, &error);
    engine = server::Engine::start(std::move(rules), pool, *journal, clock, metrics, hub, options, &error);
    if (!engine) std::fprintf(stderr, "start failed: %s\n", error.c_str());
    http = std::make_unique<server::HttpFrontEnd>(server::ServerContext{engine.get(), &metrics, &hub, &config, &pool}, auth);
    port = http->bind("127.0.0.1", 0);
    serving = std::thread([this] { http->serve(); });
  }
  ~LoopbackServer() {
    http->stop();
    serving.join();
    http.reset();
    engine.reset();
    journal.reset();
    std::filesystem::remove_all(dir);
  }
};

// The p-th quantile (0..1) of `v` (nearest rank); 0 for none.
inline double percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v[std::min(v.size() - 1, static_cast<std::size_t>(p * static_cast<double>(v.size())))];
}

}  // namespace iwd::bench
