// `iwd serve`'s recovery and snapshots, in process: the Engine of `iwd serve` on the system clock
// with a fresh journal in a temporary folder (SQLite WAL, synchronous=FULL), no HTTP. Every
// start uses a string pool of its own, as a new process would.
//
// - BM_Restart/N: N open items (captures in batches of 1,000; 20 agents hold 40 of them), then
//     journal_restart_ms   the start from the plain journal (every capture replayed); _cpu_ms:
//                          its CPU time (recovery runs on the thread that starts the engine)
//     pause_ms             the engine thread's time on a snapshot (POST /v1/admin/compact): the
//                          gap between two reads queued just before and just after it
//     pause_cpu_ms         the CPU time the engine thread spent in that gap (less than pause_ms
//                          when other processes had the cores meanwhile)
//     stored_ms            from asking for the snapshot to its reply (the snapshot durable)
//     probe_max_ms         the slowest of the reads a client sent every 2 ms meanwhile (each is
//                          answered after its batch is durable, as every reply is)
//     snapshot_restart_ms  the start from that snapshot (and its _cpu_ms)
//     data_mb              the data folder's size after the snapshot
// - BM_RestartAfterReloads: 60,000 open items and 12 hot reloads between two rulesets, then a
//   restart (restart_ms), next to the restart before the reloads (before_reloads_ms).
// - BM_ImageParts/N: where a snapshot's time goes, on a replay session of N open items (no
//   journal): capture_ms (the copy on the engine thread), encode_ms (the image's head: the
//   strings), load_ms (into a fresh runtime on a fresh pool), image_mb.
//
// The sizes go up to 1,000,000 open items (about 3 GB of memory, a few minutes):
// --benchmark_filter='BM_Restart/(40000|200000)/' for the small ones.
#include <benchmark/benchmark.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <future>
#include <sstream>
#include <thread>
#include <time.h>

#include "runtime/clock.h"
#include "server/engine.h"
#include "server/journal.h"
#include "server/metrics.h"
#include "server/offer_hub.h"
#include "runtime/replay/replay.h"
#include "server/ruleset.h"
#include "server/state_image.h"
#include "stdlib/time.h"

namespace {

using namespace iwd;
using Clock = std::chrono::steady_clock;
using json = nlohmann::json;

const std::string kRules = std::string(IWD_SOURCE_DIR) + "/examples/enterprise.iwd";

double ms_since(Clock::time_point t0) { return std::chrono::duration<double, std::milli>(Clock::now() - t0).count(); }

// The calling thread's CPU time.
double thread_cpu_ms() {
  timespec t{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
  return static_cast<double>(t.tv_sec) * 1e3 + static_cast<double>(t.tv_nsec) / 1e6;
}

server::Ruleset load(runtime::StringPool& pool, const std::string& path) {
  server::Ruleset r;
  std::string error;
  if (server::load_ruleset_path(path, pool, &r, &error) != server::RulesetStatus::Ok)
    std::fprintf(stderr, "cannot load %s: %s\n", path.c_str(), error.c_str());
  return r;
}

// A service on a data folder: journal, engine and what they refer to, started again at will.
struct Service {
  std::filesystem::path dir =
      std::filesystem::temp_directory_path() / ("iwd_recovery_bench_" + std::to_string(::getpid()));
  std::unique_ptr<runtime::StringPool> pool;
  runtime::SystemClock clock;
  std::unique_ptr<server::Metrics> metrics;
  std::unique_ptr<server::OfferHub> hub;
  std::unique_ptr<server::Journal> journal;
  std::unique_ptr<server::Engine> engine;
  server::EngineOptions options{0};  // snapshots only when asked

  Service() { std::filesystem::remove_all(dir); }
  ~Service() {
    stop();
    std::filesystem::remove_all(dir);
  }
  void stop() {
    engine.reset();
    journal.reset();
    hub.reset();
    metrics.reset();
    pool.reset();
  }
  double start_cpu_ms = 0;  // the CPU time of the last start (recovery runs on the caller's thread)
  // Starts (a fresh pool, the rules loaded into it); the milliseconds Engine::start took.
  double start(const std::string& rules = kRules) {
    stop();
    pool = std::make_unique<runtime::StringPool>();
    metrics = std::make_unique<server::Metrics>();
    hub = std::make_unique<server::OfferHub>();
    std::string error;
    journal = server::Journal::open(dir.string(), &error);
    server::Ruleset r = rules.empty() ? server::Ruleset{} : load(*pool, rules);
    const auto t0 = Clock::now();
    const double cpu0 = thread_cpu_ms();
    engine = server::Engine::start(std::move(r), *pool, *journal, clock, *metrics, *hub, options, &error);
    const double ms = ms_since(t0);
    start_cpu_ms = thread_cpu_ms() - cpu0;
    if (!engine) std::fprintf(stderr, "start failed: %s\n", error.c_str());
    return ms;
  }
  double data_mb() const {
    std::uintmax_t bytes = 0;
    for (const auto& f : std::filesystem::directory_iterator(dir)) bytes += f.file_size();
    return static_cast<double>(bytes) / (1 << 20);
  }
};

// N open items: 20 agents registered first take 40 of them (accepted), the rest stay queued.
void populate(Service& s, int n) {
  for (int a = 0; a < 20; ++a)
    s.engine->change(server::Change{runtime::replay::Op::Agent,
                                    json{{"id", "agent" + std::to_string(a)},
                                         {"skills", {{"sales_processing", 8}, {"legacy_processing", 2}, {"finance_processing", 6}}}},
                                    {}});
  static const char* segments[] = {"Gold", "Silver", "Bronze"};
  for (int from = 0; from < n; from += 1000) {
    std::vector<server::Change> batch;
    for (int k = from; k < std::min(n, from + 1000); ++k) {
      json item{{"id", "I" + std::to_string(k)}, {"department", k % 2 ? "Sales" : "Finance"}, {"segment", segments[k % 3]}};
      if (k % 5 == 0) item["deal_value"] = k % 20000;
      if (k % 7 == 0) item["product"] = "P" + std::to_string(k % 100);
      if (k % 11 == 0) item["tags"] = json::array({"t" + std::to_string(k % 13), "x"});
      batch.push_back(server::Change{runtime::replay::Op::Capture, std::move(item), {}});
    }
    for (const server::Reply& r : s.engine->changes(std::move(batch)))
      if (r.status != 201) std::fprintf(stderr, "capture: %d %s\n", r.status, r.body.dump().c_str());
  }
  // Accept what was offered.
  std::vector<std::string> offered;
  s.engine->read([&offered](const runtime::Runtime& rt, std::int64_t) {
    for (const auto& item : rt.items())
      if (item.state == runtime::ItemState::Offered) offered.emplace_back(rt.pool().view(item.id));
    return server::Reply{200, {}};
  });
  for (const std::string& id : offered) s.engine->change(server::Change{runtime::replay::Op::Accept, json(id), {}});
}

struct SnapshotFigures {
  double pause_ms = 0, pause_cpu_ms = 0, stored_ms = 0, probe_max_ms = 0;
};

// A snapshot asked for while a client reads every 2 ms.
SnapshotFigures snapshot(Service& s) {
  SnapshotFigures f;
  // Hold the engine in a read until the two timing reads and the compact are queued behind it.
  std::promise<void> holding, release;
  std::shared_future<void> released = release.get_future().share();
  s.engine->read(
      [&holding, released](const runtime::Runtime&, std::int64_t) {
        holding.set_value();
        released.wait();
        return server::Reply{200, {}};
      },
      [](server::Reply) {});
  holding.get_future().wait();
  Clock::time_point before{}, after{};
  double cpu_before = 0, cpu_after = 0;
  s.engine->read([&before, &cpu_before](const runtime::Runtime&, std::int64_t) {
    before = Clock::now();
    cpu_before = thread_cpu_ms();
    return server::Reply{200, {}};
  }, [](server::Reply) {});
  std::promise<server::Reply> stored;
  s.engine->compact([&stored](server::Reply r) { stored.set_value(std::move(r)); });
  std::promise<void> timed;
  s.engine->read([&after, &cpu_after](const runtime::Runtime&, std::int64_t) {
    after = Clock::now();
    cpu_after = thread_cpu_ms();
    return server::Reply{200, {}};
  }, [&timed](server::Reply) { timed.set_value(); });
  std::atomic<bool> done{false};
  double probe_max = 0;
  std::thread probe([&] {
    while (!done) {
      const auto t0 = Clock::now();
      s.engine->read([](const runtime::Runtime&, std::int64_t) { return server::Reply{200, {}}; });
      probe_max = std::max(probe_max, ms_since(t0));
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
  });
  const auto t0 = Clock::now();
  release.set_value();
  auto reply = stored.get_future().get();
  f.stored_ms = ms_since(t0);
  timed.get_future().wait();
  done = true;
  probe.join();
  if (reply.status != 200) std::fprintf(stderr, "compact: %d %s\n", reply.status, reply.body.dump().c_str());
  f.pause_ms = std::chrono::duration<double, std::milli>(after - before).count();
  f.pause_cpu_ms = cpu_after - cpu_before;
  f.probe_max_ms = probe_max;
  return f;
}

void BM_Restart(benchmark::State& state) {
  const int n = static_cast<int>(state.range(0));
  for (auto _ : state) {
    Service s;
    s.start();
    populate(s, n);
    state.counters["journal_restart_ms"] = s.start();
    state.counters["journal_restart_cpu_ms"] = s.start_cpu_ms;
    state.counters["journal_lines"] = static_cast<double>(s.engine->start_stats().lines);
    const SnapshotFigures f = snapshot(s);
    state.counters["pause_ms"] = f.pause_ms;
    state.counters["pause_cpu_ms"] = f.pause_cpu_ms;
    state.counters["stored_ms"] = f.stored_ms;
    state.counters["probe_max_ms"] = f.probe_max_ms;
    s.engine.reset();
    state.counters["data_mb"] = s.data_mb();
    state.counters["snapshot_restart_ms"] = s.start();
    state.counters["snapshot_restart_cpu_ms"] = s.start_cpu_ms;
    if (!s.engine->start_stats().from_snapshot) std::fprintf(stderr, "the restart did not start from the snapshot\n");
    state.counters["open_items"] = s.engine->read([](const runtime::Runtime& rt, std::int64_t) {
      return server::Reply{200, json(rt.open_items())};
    }).body.get<double>();
  }
}

void BM_RestartAfterReloads(benchmark::State& state) {
  for (auto _ : state) {
    Service s;
    std::ifstream in(kRules);
    std::string text((std::istreambuf_iterator<char>(in)), {});
    const std::string from = "process Gold when segment == Gold {";
    text.replace(text.find(from), from.size(), "process Gold when segment == Gold or segment == Silver {");
    const auto other = s.dir.string() + "-other.iwd";
    std::ofstream(other) << text;
    s.start();
    populate(s, 60'000);
    state.counters["before_reloads_ms"] = s.start();
    state.counters["before_reloads_cpu_ms"] = s.start_cpu_ms;
    for (int k = 0; k < 12; ++k) {
      server::Reply r = s.engine->reload(load(*s.pool, k % 2 ? kRules : other));
      if (r.status != 200) std::fprintf(stderr, "reload: %d %s\n", r.status, r.body.dump().c_str());
    }
    s.engine.reset();
    state.counters["restart_ms"] = s.start("");  // the journal's rules
    state.counters["restart_cpu_ms"] = s.start_cpu_ms;
    state.counters["lines_replayed"] = static_cast<double>(s.engine->start_stats().lines);
    state.counters["from_snapshot"] = s.engine->start_stats().from_snapshot;
    std::filesystem::remove(other);
  }
}

void BM_ImageParts(benchmark::State& state) {
  const int n = static_cast<int>(state.range(0));
  constexpr std::int64_t kAt = 1795510800000;  // 2026-11-24T09:00:00Z
  for (auto _ : state) {
    runtime::StringPool pool;
    server::Ruleset rules = load(pool, kRules);
    std::string error;
    runtime::replay::Session session(rules.loaded->table(), pool, {}, nullptr);
    session.init(&error);
    const std::string at = stdlib::format_instant(stdlib::Instant{kAt});
    static const char* segments[] = {"Gold", "Silver", "Bronze"};
    server::CaptureIndex captured;
    for (int k = 0; k < n; ++k) {
      json item{{"id", "I" + std::to_string(k)}, {"department", k % 2 ? "Sales" : "Finance"}, {"segment", segments[k % 3]}};
      if (k % 5 == 0) item["deal_value"] = k % 20000;
      if (k % 7 == 0) item["product"] = "P" + std::to_string(k % 100);
      if (k % 11 == 0) item["tags"] = json::array({"t" + std::to_string(k % 13), "x"});
      session.apply(runtime::replay::ScriptLine{kAt, runtime::replay::Op::Capture, item.dump()});
      captured.set(pool.intern("I" + std::to_string(k)), server::CaptureMark{static_cast<std::uint64_t>(k)});
    }
    auto t0 = Clock::now();
    server::StateCapture capture = server::capture_state(session.runtime(), captured);
    state.counters["capture_ms"] = ms_since(t0);
    t0 = Clock::now();
    const std::string head = server::encode_image_head(capture, pool);
    state.counters["encode_ms"] = ms_since(t0);
    const std::string image = head + std::string(capture.frame.view());
    state.counters["image_mb"] = static_cast<double>(image.size()) / (1 << 20);
    runtime::StringPool fresh;
    server::Ruleset again = load(fresh, kRules);
    runtime::replay::Session copy(again.loaded->table(), fresh, {}, nullptr);
    copy.init(&error);
    copy.advance(kAt);
    server::CaptureIndex copied;
    t0 = Clock::now();
    const std::string problem = server::load_image(image, copy.runtime(), &copied);
    state.counters["load_ms"] = ms_since(t0);
    if (!problem.empty()) std::fprintf(stderr, "load: %s\n", problem.c_str());
  }
}

}  // namespace

BENCHMARK(BM_ImageParts)->Arg(200'000)->Arg(1'000'000)->Iterations(1)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_Restart)->Arg(40'000)->Arg(200'000)->Arg(1'000'000)->Iterations(1)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_RestartAfterReloads)->Iterations(1)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK_MAIN();
