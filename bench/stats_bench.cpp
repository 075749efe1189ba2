// The real-time views of `iwd serve` (issue 15) at scale: the Engine and HTTP front end of
// `iwd serve` in process (a fresh journal in a temporary folder), with 10,000 agents and N open
// items (examples/enterprise.iwd; a quarter of the items overdue, a quarter due in the next
// hour), then on one keep-alive connection:
//
//   queue_process, queue_department   GET /v1/stats/queue?by=process | department
//   agents                            GET /v1/agents?limit=100 (the first page)
//   agents_filtered                   GET /v1/agents?state=not_ready&skill=reception&limit=100
//                                     (a filter that reads most of the 10,000 agents)
//   workbins                          GET /v1/workbins?limit=100
// each 1,000 times: p50 and p99 in ms (_p50_ms, _p99_ms), from sent to answered (a read waits
// for its batch like every request). figures_us: the engine thread's time to compute the
// figures by process, p99 over 1,000 reads. rebuild_ms: a restart's one scan (the tracker
// built from the runtime); stats_bytes_per_item: the heap it holds per open item.
//
// BM_Views/1000000 takes a few minutes and about 3 GB; BM_Views/100000 for a quick look.
#include <benchmark/benchmark.h>
#include <httplib.h>
#include <malloc.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <thread>

#include "bench/loopback_server.h"
#include "stdlib/time.h"

namespace {

using namespace iwd;
using Clock = std::chrono::steady_clock;
using json = nlohmann::json;

double ms_since(Clock::time_point t0) { return std::chrono::duration<double, std::milli>(Clock::now() - t0).count(); }

using bench::percentile;

// Snapshots only when asked: the figures measure the views, not a compaction meanwhile.
server::EngineOptions without_snapshots() {
  server::EngineOptions options;
  options.compact_every = 0;
  return options;
}

struct Service : bench::LoopbackServer {
  Service() : LoopbackServer("iwd_stats_bench", without_snapshots()) {}

  void apply(std::vector<server::Change> batch, int expected) {
    for (const server::Reply& r : engine->changes(std::move(batch)))
      if (r.status != expected) std::fprintf(stderr, "change: %d %s\n", r.status, r.body.dump().c_str());
  }

  // 10,000 agents (a third not ready, 20 groups, sales or finance skills, some reception),
  // then `items` captures in batches of 1,000.
  void populate(int items) {
    std::vector<server::Change> batch;
    for (int a = 0; a < 10'000; ++a) {
      json agent{{"id", "agent" + std::to_string(a)}, {"groups", {"team" + std::to_string(a % 20)}}};
      agent["skills"] = a % 2 ? json{{"sales_processing", 8}, {"legacy_processing", 2}} : json{{"finance_processing", 6}};
      if (a % 10 == 0) agent["skills"]["reception"] = 1;
      agent["state"] = a % 3 ? "ready" : "not_ready";
      batch.push_back(server::Change{runtime::replay::Op::Agent, std::move(agent), {}});
      if (batch.size() == 1000) apply(std::exchange(batch, {}), 200);
    }
    static const char* departments[] = {"Sales", "Finance", "Legal"};
    static const char* segments[] = {"Gold", "Silver", "Bronze"};
    const std::int64_t now = clock.now().ms_since_epoch;
    for (int k = 0; k < items; ++k) {
      json item{{"id", "I" + std::to_string(k)}, {"department", departments[k % 3]}, {"segment", segments[(k / 3) % 3]}};
      if (k % 4 == 0) item["due_at"] = stdlib::format_instant(stdlib::Instant{now - 3'600'000});
      if (k % 4 == 1) item["due_at"] = stdlib::format_instant(stdlib::Instant{now + 1'800'000});
      batch.push_back(server::Change{runtime::replay::Op::Capture, std::move(item), {}});
      if (batch.size() == 1000) apply(std::exchange(batch, {}), 201);
    }
    apply(std::move(batch), 201);
  }
};

std::size_t heap_in_use() {
  const struct mallinfo2 m = mallinfo2();
  return m.uordblks + m.hblkhd;
}

void BM_Views(benchmark::State& state) {
  const int items = static_cast<int>(state.range(0));
  for (auto _ : state) {
    Service s;
    const auto t0 = Clock::now();
    s.populate(items);
    state.counters["populate_s"] = ms_since(t0) / 1000;
    httplib::Client client("127.0.0.1", s.port);
    client.set_keep_alive(true);
    client.set_tcp_nodelay(true);
    const std::pair<const char*, const char*> routes[] = {
        {"queue_process", "/v1/stats/queue?by=process"},
        {"queue_department", "/v1/stats/queue?by=department"},
        {"agents", "/v1/agents?limit=100"},
        {"agents_filtered", "/v1/agents?state=not_ready&skill=reception&limit=100"},
        {"workbins", "/v1/workbins?limit=100"},
    };
    for (const auto& [name, path] : routes) {
      std::vector<double> ms;
      for (int n = 0; n < 1000; ++n) {
        const auto sent = Clock::now();
        auto res = client.Get(path);
        ms.push_back(ms_since(sent));
        if (!res || res->status != 200) {
          state.SkipWithError(name);
          return;
        }
      }
      state.counters[std::string(name) + "_p50_ms"] = percentile(ms, 0.50);
      state.counters[std::string(name) + "_p99_ms"] = percentile(ms, 0.99);
    }
    // The engine thread's own time for the figures, and a restart's rebuild with its memory.
    std::vector<double> us;
    server::Engine* engine = s.engine.get();
    for (int n = 0; n < 1000; ++n)
      engine->read([&us, engine](const runtime::Runtime& rt, std::int64_t now) {
        const auto t = Clock::now();
        benchmark::DoNotOptimize(engine->stats().queue.figures(rt, "process", now));
        us.push_back(ms_since(t) * 1000);
        return server::Reply{200, {}};
      });
    state.counters["figures_p99_us"] = percentile(us, 0.99);
    engine->read([&state, items](const runtime::Runtime& rt, std::int64_t now) {
      const std::size_t before = heap_in_use();
      const auto t = Clock::now();
      auto tracker = std::make_unique<stats::Tracker>();
      tracker->rebuild(rt, now);
      state.counters["rebuild_ms"] = ms_since(t);
      state.counters["stats_bytes_per_item"] = static_cast<double>(heap_in_use() - before) / items;
      state.counters["open_items"] = static_cast<double>(rt.open_items());
      return server::Reply{200, {}};
    });
  }
}

}  // namespace

BENCHMARK(BM_Views)->Arg(100'000)->Arg(1'000'000)->Iterations(1)->Unit(benchmark::kSecond);

BENCHMARK_MAIN();
