// `iwd serve` on loopback: durable creates per second and their latency, with clients on
// keep-alive connections posting items to an in-process server (the same Service and HTTP
// front end as `iwd serve`, a fresh journal in a temporary folder).
#include <benchmark/benchmark.h>
#include <httplib.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <filesystem>
#include <sstream>
#include <thread>

#include "runtime/clock.h"
#include "server/http.h"
#include "server/journal.h"
#include "server/engine.h"
#include "server/metrics.h"
#include "server/offer_hub.h"
#include "server/ruleset.h"
#include "server/config.h"

namespace {

using namespace iwd;

void BM_DurableCreates(benchmark::State& state) {
  const int clients = static_cast<int>(state.range(0));
  const int per_client = 500;
  for (auto _ : state) {
    const std::string dir = std::filesystem::temp_directory_path() / ("iwd_serve_bench_" + std::to_string(::getpid()));
    std::filesystem::remove_all(dir);
    runtime::StringPool pool;
    std::ostringstream diags;
    std::string error;
    server::Ruleset rules;
    server::load_ruleset_path(std::string(IWD_SOURCE_DIR) + "/examples/enterprise.iwd", pool, diags, &rules, &error);
    auto journal = server::Journal::open(dir, &error);
    runtime::SystemClock clock;
    server::Metrics metrics;
    server::OfferHub hub;
    server::ServerConfig config;
    server::Authenticator auth({});
    auto service = server::Engine::start(std::move(rules), pool, *journal, clock, metrics, hub, &error);
    server::HttpFrontEnd http(server::ServerContext{service.get(), &metrics, &hub, &config, &pool}, auth);
    const int port = http.bind("127.0.0.1", 0);
    std::thread serving([&http] { http.serve(); });
    std::vector<std::vector<double>> latencies(static_cast<std::size_t>(clients));
    std::atomic<int> failures{0};
    const auto t0 = std::chrono::steady_clock::now();
    std::vector<std::thread> threads;
    for (int c = 0; c < clients; ++c)
      threads.emplace_back([&, c] {
        httplib::Client client("127.0.0.1", port);
        client.set_keep_alive(true);
        client.set_tcp_nodelay(true);
        for (int n = 0; n < per_client; ++n) {
          const std::string body = "{\"id\":\"c" + std::to_string(c) + "-" + std::to_string(n) +
                                   "\",\"department\":\"Sales\",\"segment\":\"Silver\"}";
          const auto s = std::chrono::steady_clock::now();
          auto res = client.Post("/v1/items", body, "application/json");
          latencies[static_cast<std::size_t>(c)].push_back(
              std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - s).count());
          if (!res || res->status != 201) ++failures;
        }
      });
    for (auto& t : threads) t.join();
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    http.stop();
    serving.join();
    std::vector<double> all;
    for (const auto& l : latencies) all.insert(all.end(), l.begin(), l.end());
    std::sort(all.begin(), all.end());
    state.counters["creates_per_s"] = static_cast<double>(all.size()) / seconds;
    state.counters["p50_ms"] = all[all.size() / 2];
    state.counters["p99_ms"] = all[all.size() * 99 / 100];
    state.counters["failures"] = failures.load();
    state.counters["journal_lines"] = static_cast<double>(journal->size());
    service.reset();
    std::filesystem::remove_all(dir);
  }
}

}  // namespace

BENCHMARK(BM_DurableCreates)->Arg(1)->Arg(8)->Arg(32)->Iterations(1)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK_MAIN();
