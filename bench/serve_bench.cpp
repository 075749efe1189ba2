// `iwd serve` on loopback, in process (the same Engine and HTTP front end as `iwd serve`, a
// fresh journal in a temporary folder, WAL, synchronous=FULL):
// - BM_DurableCreates: clients on keep-alive connections posting creates; creates per second
//   and latency. (The headline figure uses wrk against the real binary: bench/serve_load.sh.)
// - BM_OffersEndToEnd: sources post creates; agents hold an offer stream (SSE) each and accept
//   and complete every offer they get. Offers per second end to end, and the latency from a
//   create being sent to its offer arriving on the agent's stream.
// - BM_BatchCreates: batch creates, captures evaluated together or one by one (issue 19).
#include <benchmark/benchmark.h>
#include <fmt/format.h>
#include <httplib.h>
#include <sys/resource.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <filesystem>
#include <mutex>
#include <sstream>
#include <thread>
#include <unordered_map>

#include "bench/loopback_server.h"


namespace {

using namespace iwd;
using Clock = std::chrono::steady_clock;

// A server on a free loopback port, torn down (and its folder removed) at the end.
struct Server : bench::LoopbackServer {
  Server() : LoopbackServer("iwd_serve_bench") {}
};

using bench::percentile;

// A client on one keep-alive connection, without Nagle's delay.
void keep_alive(httplib::Client& client) {
  client.set_keep_alive(true);
  client.set_tcp_nodelay(true);
}

double process_cpu_seconds() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) + static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec) * 1e-6;
}

void BM_DurableCreates(benchmark::State& state) {
  const int clients = static_cast<int>(state.range(0));
  const int per_client = 2000;
  for (auto _ : state) {
    Server s;
    std::vector<std::vector<double>> latencies(static_cast<std::size_t>(clients));
    std::atomic<int> failures{0};
    const auto t0 = Clock::now();
    std::vector<std::thread> threads;
    for (int c = 0; c < clients; ++c)
      threads.emplace_back([&, c] {
        httplib::Client client("127.0.0.1", s.port);
        keep_alive(client);
        for (int n = 0; n < per_client; ++n) {
          const std::string body = "{\"id\":\"c" + std::to_string(c) + "-" + std::to_string(n) +
                                   "\",\"department\":\"Sales\",\"segment\":\"Silver\"}";
          const auto sent = Clock::now();
          auto res = client.Post("/v1/items", body, "application/json");
          latencies[static_cast<std::size_t>(c)].push_back(std::chrono::duration<double, std::milli>(Clock::now() - sent).count());
          if (!res || res->status != 201) {
            if (failures++ == 0)
              std::fprintf(stderr, "first failure: %s\n", res ? (std::to_string(res->status) + " " + res->body).c_str() : httplib::to_string(res.error()).c_str());
          }
        }
      });
    for (auto& t : threads) t.join();
    const double seconds = std::chrono::duration<double>(Clock::now() - t0).count();
    std::vector<double> all;
    for (const auto& l : latencies) all.insert(all.end(), l.begin(), l.end());
    state.counters["creates_per_s"] = static_cast<double>(all.size()) / seconds;
    state.counters["p50_ms"] = percentile(all, 0.50);
    state.counters["p99_ms"] = percentile(all, 0.99);
    state.counters["failures"] = failures.load();
    const auto commits = s.engine->commit_stats();
    state.counters["lines_per_commit"] = static_cast<double>(commits.lines) / static_cast<double>(std::max<std::uint64_t>(1, commits.transactions));
  }
}

// POST /v1/items/batch (issue 19): clients posting batches of 100 creates of new ids, the
// engine's consecutive captures evaluated together (Arg 1: EngineOptions::batch_captures) or
// one by one (Arg 0), in one process for an alternated comparison. Creates per second, and the
// process's CPU time per create (the clients' included: the same both ways).
void BM_BatchCreates(benchmark::State& state) {
  const bool batch = state.range(0) != 0;
  const int clients = 4, per_client = 50, size = 100;
  for (auto _ : state) {
    server::EngineOptions options;
    options.batch_captures = batch;
    bench::LoopbackServer s("iwd_serve_bench_batch", options);
    std::atomic<int> failures{0};
    const auto t0 = Clock::now();
    const double cpu0 = process_cpu_seconds();
    std::vector<std::thread> threads;
    for (int c = 0; c < clients; ++c)
      threads.emplace_back([&, c] {
        httplib::Client client("127.0.0.1", s.port);
        keep_alive(client);
        static const char* const kSegments[] = {"Gold", "Silver", "Bronze"};
        for (int n = 0; n < per_client; ++n) {
          std::string body = "{\"items\":[";
          for (int k = 0; k < size; ++k) {
            body += fmt::format("{}{{\"id\":\"c{}-{}-{}\",\"department\":\"Sales\",\"segment\":\"{}\",\"deal_value\":{}}}",
                                k ? "," : "", c, n, k, kSegments[(n + k) % 3], (n * 7919 + k * 104729) % 20000);
          }
          body += "]}";
          auto res = client.Post("/v1/items/batch", body, "application/json");
          if ((!res || res->status != 200 || res->body.find("\"status\":201") == std::string::npos) && failures++ == 0)
            std::fprintf(stderr, "first failure: %s\n", res ? (std::to_string(res->status) + " " + res->body.substr(0, 300)).c_str() : httplib::to_string(res.error()).c_str());
        }
      });
    for (auto& t : threads) t.join();
    const double seconds = std::chrono::duration<double>(Clock::now() - t0).count();
    const double creates = static_cast<double>(clients) * per_client * size;
    state.counters["creates_per_s"] = creates / seconds;
    state.counters["cpu_us_per_create"] = (process_cpu_seconds() - cpu0) * 1e6 / creates;
    state.counters["failures"] = failures.load();
    const auto commits = s.engine->commit_stats();
    state.counters["lines_per_commit"] = static_cast<double>(commits.lines) / static_cast<double>(std::max<std::uint64_t>(1, commits.transactions));
  }
}

void BM_OffersEndToEnd(benchmark::State& state) {
  const int agents = static_cast<int>(state.range(0));
  const int sources = 4, per_source = 2500;
  const int total = sources * per_source;
  for (auto _ : state) {
    Server s;
    std::mutex mu;
    std::unordered_map<std::string, Clock::time_point> sent_at;
    std::vector<double> offer_ms;
    std::atomic<int> completed{0}, failures{0};
    std::vector<std::unique_ptr<httplib::Client>> streams;
    std::vector<std::thread> agent_threads;
    for (int a = 0; a < agents; ++a) {
      const std::string id = "agent" + std::to_string(a);
      httplib::Client setup("127.0.0.1", s.port);
      setup.Put(("/v1/agents/" + id).c_str(),
                R"({"skills":{"sales_processing":8,"legacy_processing":2},"capacity":{"workitem":4,"total":4}})", "application/json");
      agent_threads.emplace_back([&, id] {
        httplib::Client stream("127.0.0.1", s.port), actions("127.0.0.1", s.port);
        actions.set_keep_alive(true);
        actions.set_tcp_nodelay(true);
        std::string buffer;
        stream.Get(("/v1/agents/" + id + "/offers/stream").c_str(), [&](const char* data, std::size_t n) {
          buffer.append(data, n);
          for (std::size_t end; (end = buffer.find("\n\n")) != std::string::npos; buffer.erase(0, end + 2)) {
            const std::string message = buffer.substr(0, end);
            if (message.rfind("event: offer\n", 0) != 0) continue;
            const auto p = message.find("\"id\":\"") + 6;
            const std::string item = message.substr(p, message.find('"', p) - p);
            {
              std::lock_guard<std::mutex> lock(mu);
              if (auto it = sent_at.find(item); it != sent_at.end())
                offer_ms.push_back(std::chrono::duration<double, std::milli>(Clock::now() - it->second).count());
            }
            auto accepted = actions.Post(("/v1/items/" + item + "/accept").c_str(), "", "application/json");
            auto done = actions.Post(("/v1/items/" + item + "/complete").c_str(), "", "application/json");
            if (!accepted || accepted->status != 200 || !done || done->status != 200) ++failures;
            if (++completed >= total) return false;
          }
          return true;
        });
      });
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(200));  // the streams are open
    const auto t0 = Clock::now();
    std::vector<std::thread> source_threads;
    for (int c = 0; c < sources; ++c)
      source_threads.emplace_back([&, c] {
        httplib::Client client("127.0.0.1", s.port);
        keep_alive(client);
        for (int n = 0; n < per_source; ++n) {
          const std::string id = "e" + std::to_string(c) + "-" + std::to_string(n);
          {
            std::lock_guard<std::mutex> lock(mu);
            sent_at[id] = Clock::now();
          }
          auto res = client.Post("/v1/items", "{\"id\":\"" + id + "\",\"department\":\"Sales\",\"segment\":\"Gold\"}", "application/json");
          if (!res || res->status != 201) ++failures;
        }
      });
    for (auto& t : source_threads) t.join();
    const auto deadline = Clock::now() + std::chrono::seconds(60);
    while (completed < total && Clock::now() < deadline) std::this_thread::sleep_for(std::chrono::milliseconds(5));
    const double seconds = std::chrono::duration<double>(Clock::now() - t0).count();
    s.hub.close_all();  // ends the streams
    for (auto& t : agent_threads) t.join();
    state.counters["offers_accepted_completed_per_s"] = completed.load() / seconds;
    state.counters["offer_p50_ms"] = percentile(offer_ms, 0.50);
    state.counters["offer_p99_ms"] = percentile(offer_ms, 0.99);
    state.counters["completed"] = completed.load();
    state.counters["failures"] = failures.load();
  }
}

}  // namespace

BENCHMARK(BM_DurableCreates)->Arg(1)->Arg(8)->Arg(32)->Iterations(1)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_BatchCreates)->Arg(0)->Arg(1)->Iterations(1)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_OffersEndToEnd)->Arg(16)->Iterations(1)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK_MAIN();
