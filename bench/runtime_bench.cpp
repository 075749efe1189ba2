// The runtime at scale (issue 5): 1,000,000 queued items with 10 custom attributes, 10,000
// agents, 50 distinct targets (one `skill sK > 0` stage per process), real rules loaded
// through the JIT (compiler/load) and reached through the ABI table only.
//
//   BM_AgentReadyToOffer  an agent that was not ready becomes ready and is offered the best
//                         item of its targets: the time of that one call, p50 and p99 over
//                         every iteration (counters p50_us, p99_us). Between samples, untimed,
//                         the agent rejects the offer (the item keeps its place).
//   BM_EventMix           sustained events: per iteration the source captures an item, the
//                         source completes an assigned item, its agent is offered the next
//                         queued item and accepts it: 4 events (capture, complete, offer,
//                         accept); the queue stays at 1,000,000. The clock moves 1 ms an
//                         iteration. Counter events_per_s.
//   BM_MemoryPerQueuedItem  heap bytes (glibc mallinfo2: arena in use + mapped blocks) per queued item, measured while the
//                         1,000,000 items are captured (the interned id included); counters
//                         bytes_per_item and, without the id string pool, runtime_bytes_per_item.
//   BM_EventMix/report_by   the event mix on the same rules with `report by queue, region, tier,
//                         vip` (LANGUAGE.md 1.1 section 11): every item event copies 4 values.
//   BM_EventMix/reads_last_agent  the same rules with a boost that reads last_agent: each accept
//                         sets it and classifies the item again (LANGUAGE.md 1.1 section 3).
//                         Counter event_bytes: sizeof(runtime::Event).
//   BM_EventMix/plain_stats, report_by_stats  the mix with the real-time views fed
//                         (stats/tracker.h), as `iwd serve` feeds them: the events of each call
//                         gathered, then given to the tracker (built from the 1,000,000 items
//                         first, untimed); with `report by`, 4 dimensions grouped as well.
//                         plain_again, report_by_again: the mix without them once more, after.
//   BM_EventMixViews/plain, report_by  the cost of the views under the same load: blocks of
//                         1,000 iterations alternate, the events of one block fed to the tracker
//                         inside its timed stretch, of the next after it (untimed: the tracker
//                         stays whole); the thread's CPU time per iteration of each kind
//                         (cpu_ns_without, cpu_ns_with) and views_pct, the difference;
//                         views_pct_median, the difference in the median pair of blocks.
//   BM_ViewsPause/report_by  the longest the views hold the engine thread at once: the event mix
//                         with the views fed (as report_by_stats) for 1,400,000 iterations from
//                         a tracker rebuilt over the world, long enough for the refs and due
//                         crossings of items gone to outnumber the live ones twice over in
//                         every grouping (a compaction each); each call's events fed between
//                         two readings of the thread's CPU time: longest_ms, over_1ms (feeds
//                         over 1 ms), p999_us of all feeds; longest_wall_ms the same by the
//                         steady clock (with the time the thread waited for the core on a
//                         loaded machine).
//
// Each world is built once (about 10 s) and shared; run with --benchmark_filter to pick one.
#include <benchmark/benchmark.h>
#include <malloc.h>
#include <time.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <memory>
#include <random>
#include <sstream>

#include "compiler/diag/render.h"
#include "compiler/load/loaded_rules.h"
#include "runtime/runtime.h"
#include "stats/tracker.h"

namespace {

using namespace iwd;
using runtime::AgentState;

constexpr int kTargets = 50;
constexpr int kAgents = 10'000;
constexpr int kItems = 1'000'000;
constexpr int kWorkers = 1'000;  // agents of the event mix (ready, one item each)
constexpr std::int64_t kStart = 1767603600000;  // 2026-01-05T09:00:00Z

// The rules: plain, with `report by`, or with a boost that reads last_agent.
enum class Variant { Plain, ReportBy, ReadsLastAgent };

std::string ruleset_text(Variant v) {
  std::string s = "ruleset scale version \"1\"\nenum Tier { Gold, Silver, Bronze }\n";
  s += "attributes {\n  queue: int\n  region: string\n  amount: int\n  score: number\n  vip: bool = false\n"
       "  opened: time?\n  handling: duration?\n  tier: Tier = Bronze\n  product: string?\n  country: string = \"DE\"\n}\n";
  s += "skills {";
  for (int k = 0; k < kTargets; ++k) s += (k ? ", s" : " s") + std::to_string(k);
  s += " }\npriority standard { start 100  every 1h add 10  boost 50 when vip";
  if (v == Variant::ReadsLastAgent) s += "  boost 20 when has(last_agent)";
  s += "  max 1000 }\n";
  if (v == Variant::ReportBy) s += "report by queue, region, tier, vip\n";
  s += "department Work {\n  sla 1d\n  priority standard\n";
  for (int k = 0; k < kTargets; ++k) {
    s += "  process Q" + std::to_string(k);
    if (k + 1 < kTargets) s += " when queue == " + std::to_string(k);
    s += " { targets { skill s" + std::to_string(k) + " > 0 } }\n";
  }
  return s + "}\n";
}

// Bytes the process has allocated: the arena's chunks in use plus the blocks glibc maps on
// their own (large vectors).
std::size_t heap_in_use() {
  const struct mallinfo2 m = mallinfo2();
  return m.uordblks + m.hblkhd;
}

class CountingSink final : public runtime::EventSink {
 public:
  void on_event(const runtime::Event& e) override {
    ++events;
    if (e.kind == runtime::EventKind::ItemStateChanged && e.to_item == runtime::ItemState::Offered) last_offered = e.item;
    if (stats) {
      pending.push_back(e);
      if (prefetch) stats->prefetch(e);  // as server/engine.cpp's tap does
    }
  }
  // With the views on: the events of the last call to the tracker (not from on_event: a sink
  // must not read the runtime in the middle of a call).
  void flush(const runtime::Runtime& rt) {
    for (const runtime::Event& e : pending) stats->on_event(e, rt);
    pending.clear();
  }
  std::uint64_t events = 0;
  std::uint32_t last_offered = runtime::kNoId;
  stats::Tracker* stats = nullptr;
  bool prefetch = true;  // off: the events are only gathered (BM_EventMixViews' blocks without)
  std::vector<runtime::Event> pending;
};

struct World {
  runtime::StringPool pool;
  std::unique_ptr<compiler::LoadedRules> rules;
  runtime::SimulatedClock clock{stdlib::Instant{kStart}};
  CountingSink sink;
  std::unique_ptr<runtime::Runtime> rt;
  std::mt19937_64 rng{42};
  std::vector<std::uint32_t> agent_ids;
  std::uint64_t next_item = 0;
  std::vector<std::uint32_t> regions, products;
  double bytes_per_item = 0, runtime_bytes_per_item = 0;

  explicit World(Variant v) {
    const std::string path = "/tmp/iwd_runtime_bench" + std::to_string(static_cast<int>(v)) + ".iwd";
    std::ofstream(path) << ruleset_text(v);
    std::ostringstream diags;
    compiler::LoadResult r = compiler::load_rules(path, pool, compiler::LoadOptions{});
    compiler::render_text(diags, r.diagnostics);
    if (!r.rules) {
      std::fprintf(stderr, "%s\n%s\n", r.error.c_str(), diags.str().c_str());
      std::abort();
    }
    rules = std::move(r.rules);
    std::string error;
    rt = runtime::Runtime::create(rules->table(), pool, clock, sink, runtime::RuntimeOptions{}, &error);
    if (!rt) std::abort();
    for (const char* s : {"north", "south", "east", "west"}) regions.push_back(pool.intern(s));
    for (const char* s : {"loan", "card", "account"}) products.push_back(pool.intern(s));

    // 10,000 agents, not ready, each with 3 of the 50 skills: about 600 agents per target.
    for (int a = 0; a < kAgents; ++a) {
      runtime::AgentUpdate u;
      u.id = pool.intern("agent" + std::to_string(a));
      u.skills = std::vector<std::int8_t>(kTargets, -1);
      for (int k = 0; k < 3; ++k) (*u.skills)[rng() % kTargets] = static_cast<std::int8_t>(1 + rng() % 10);
      u.state = AgentState::NotReady;
      if (!rt->agent(u).ok()) std::abort();
      agent_ids.push_back(u.id);
    }
    // Every target exists before the items come (their creation asks 10,000 agents once).
    const std::size_t pool_before = pool.size();
    const std::size_t heap_before = heap_in_use();
    for (int i = 0; i < kItems; ++i)
      if (!rt->capture(item()).ok()) std::abort();
    const double heap = static_cast<double>(heap_in_use() - heap_before);
    bytes_per_item = heap / kItems;
    // What the interned ids alone cost: the same strings in a pool of their own.
    {
      const std::size_t before = heap_in_use();
      runtime::StringPool ids;
      for (int i = 0; i < kItems; ++i) ids.intern("W" + std::to_string(i));
      runtime_bytes_per_item = (heap - static_cast<double>(heap_in_use() - before)) / kItems;
    }
    std::fprintf(stderr, "world: %zu open items, %zu targets, %u strings interned for ids (%zu before)\n",
                 rt->open_items(), rt->target_count(), pool.size(), pool_before);
  }

  runtime::ItemRecord item() {
    const runtime::Schema& schema = rt->schema();
    runtime::ItemRecord r(schema);
    r.set_string(runtime::kSlotId, pool.intern("W" + std::to_string(next_item++)));
    r.set_string(runtime::kSlotSource, pool.intern("api"));
    r.set_string(runtime::kSlotMedia, pool.intern("workitem"));
    r.set_int(runtime::kSlotCapturedAt, clock.now().ms_since_epoch);
    auto slot = [&schema](const char* name) { return static_cast<std::uint32_t>(schema.find(name)); };
    r.set_int(slot("queue"), static_cast<std::int64_t>(rng() % kTargets));
    r.set_string(slot("region"), regions[rng() % regions.size()]);
    r.set_int(slot("amount"), static_cast<std::int64_t>(rng() % 100000));
    r.set_number(slot("score"), static_cast<double>(rng() % 1000) / 10.0);
    r.set_bool(slot("vip"), rng() % 10 == 0);
    r.set_int(slot("opened"), clock.now().ms_since_epoch - 3600000);
    r.set_int(slot("handling"), 600000);
    r.set_int(slot("tier"), static_cast<std::int64_t>(rng() % 3));
    r.set_string(slot("product"), products[rng() % products.size()]);
    r.set_string(slot("country"), pool.intern("DE"));
    return r;
  }
};

World& world(Variant v = Variant::Plain) {
  // Never destroyed: a World holds JIT code, and the JIT's process-wide state may be torn
  // down first at exit (a static made before it is destroyed after it).
  static World* worlds[3] = {};
  World*& w = worlds[static_cast<int>(v)];
  if (!w) w = new World(v);
  return *w;
}

double percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v[static_cast<std::size_t>(p * static_cast<double>(v.size() - 1))];
}

// Per Variant: the item each worker of the event mix holds (BM_EventMix readies them).
std::vector<std::uint32_t> workers_held[3];

void BM_AgentReadyToOffer(benchmark::State& state) {
  World& w = world();
  std::vector<double> samples;
  samples.reserve(1 << 20);
  std::size_t next = kWorkers;  // the event mix's workers are agents 0..999
  for (auto _ : state) {
    const std::uint32_t id = w.agent_ids[next];
    next = next + 1 < w.agent_ids.size() ? next + 1 : kWorkers;
    runtime::AgentUpdate ready;
    ready.id = id;
    ready.state = AgentState::Ready;
    w.sink.last_offered = runtime::kNoId;
    const auto t0 = std::chrono::steady_clock::now();
    const runtime::Status s = w.rt->agent(ready);
    const auto t1 = std::chrono::steady_clock::now();
    const double seconds = std::chrono::duration<double>(t1 - t0).count();
    state.SetIterationTime(seconds);
    samples.push_back(seconds * 1e6);
    if (!s.ok() || w.sink.last_offered == runtime::kNoId) {
      state.SkipWithError("no offer");
      break;
    }
    // Untimed: the agent rejects it (not ready again, rona); the item keeps its place.
    if (!w.rt->reject(w.sink.last_offered, id).ok()) std::abort();
  }
  state.counters["p50_us"] = percentile(samples, 0.50);
  state.counters["p99_us"] = percentile(samples, 0.99);
  state.counters["queued"] = static_cast<double>(w.rt->open_items());
}

// The workers of the event mix on rules `v`: ready, each holding one accepted item.
std::vector<std::uint32_t>& ready_workers(World& w, Variant v) {
  std::vector<std::uint32_t>& held = workers_held[static_cast<int>(v)];
  if (held.empty()) held.assign(kWorkers, runtime::kNoId);
  for (int a = 0; a < kWorkers; ++a) {
    if (held[a] != runtime::kNoId) continue;
    runtime::AgentUpdate ready;
    ready.id = w.agent_ids[a];
    ready.state = AgentState::Ready;
    ready.capacity = runtime::CapacitySpec{{}, 1, 1};
    w.sink.last_offered = runtime::kNoId;
    if (!w.rt->agent(ready).ok() || w.sink.last_offered == runtime::kNoId) std::abort();
    held[a] = w.sink.last_offered;
    if (!w.rt->accept(held[a], runtime::kNoId).ok()) std::abort();
  }
  return held;
}

// One iteration of the event mix: a capture, a completion (its agent offered the next item),
// the accept, a millisecond on the clock; `fed()` after each call (the views fed, as
// `iwd serve` feeds them the events of each call).
template <typename Fed>
void mix_once(World& w, std::vector<std::uint32_t>& held, std::size_t& a, Fed fed) {
  if (!w.rt->capture(w.item()).ok()) std::abort();
  fed();
  w.sink.last_offered = runtime::kNoId;
  if (!w.rt->complete(held[a]).ok()) std::abort();
  fed();
  if (w.sink.last_offered == runtime::kNoId) std::abort();
  held[a] = w.sink.last_offered;
  if (!w.rt->accept(held[a], runtime::kNoId).ok()) std::abort();
  fed();
  a = a + 1 < kWorkers ? a + 1 : 0;
  runtime::run_until(*w.rt, w.clock, w.clock.now() + stdlib::Duration{1});
  fed();
}

void BM_EventMix(benchmark::State& state, Variant v, bool with_stats = false) {
  World& w = world(v);
  std::vector<std::uint32_t>& held = ready_workers(w, v);
  stats::Tracker tracker;
  if (with_stats) {
    tracker.rebuild(*w.rt, w.clock.now().ms_since_epoch);
    w.sink.stats = &tracker;
  }
  auto flush = [&w, with_stats] {
    if (with_stats) w.sink.flush(*w.rt);
  };
  const std::uint64_t events_before = w.sink.events;
  std::size_t a = 0;
  for (auto _ : state) mix_once(w, held, a, flush);
  w.sink.stats = nullptr;
  if (with_stats) state.counters["tracked"] = static_cast<double>(tracker.queue.tracked());
  const auto events = static_cast<double>(w.sink.events - events_before);
  state.counters["events_per_s"] = benchmark::Counter(events, benchmark::Counter::kIsRate);
  state.counters["events_per_iter"] = events / static_cast<double>(state.iterations());
  state.counters["queued"] = static_cast<double>(w.rt->open_items());
  state.counters["event_bytes"] = sizeof(runtime::Event);
}

double thread_cpu_ns() {
  timespec t{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
  return static_cast<double>(t.tv_sec) * 1e9 + static_cast<double>(t.tv_nsec);
}

void BM_EventMixViews(benchmark::State& state, Variant v) {
  World& w = world(v);
  std::vector<std::uint32_t>& held = workers_held[static_cast<int>(v)];
  if (held.empty()) {
    state.SkipWithError("run BM_EventMix on these rules first (it readies the workers)");
    return;
  }
  stats::Tracker tracker;
  tracker.rebuild(*w.rt, w.clock.now().ms_since_epoch);
  w.sink.stats = &tracker;
  double ns[2] = {0, 0};
  std::int64_t blocks[2] = {0, 0};
  std::vector<double> pairs;  // per pair of blocks: with / without
  std::size_t a = 0;
  for (auto _ : state) {
    double pair[2] = {0, 0};
    for (int with = 0; with < 2; ++with) {
      w.sink.prefetch = with;
      const double t0 = thread_cpu_ns();
      for (int n = 0; n < 1000; ++n) {
        if (!w.rt->capture(w.item()).ok()) std::abort();
        if (with) w.sink.flush(*w.rt);
        w.sink.last_offered = runtime::kNoId;
        if (!w.rt->complete(held[a]).ok()) std::abort();
        if (with) w.sink.flush(*w.rt);
        held[a] = w.sink.last_offered;
        if (!w.rt->accept(held[a], runtime::kNoId).ok()) std::abort();
        if (with) w.sink.flush(*w.rt);
        a = a + 1 < kWorkers ? a + 1 : 0;
        runtime::run_until(*w.rt, w.clock, w.clock.now() + stdlib::Duration{1});
        if (with) w.sink.flush(*w.rt);
      }
      pair[with] = thread_cpu_ns() - t0;
      ns[with] += pair[with];
      ++blocks[with];
      w.sink.flush(*w.rt);  // the block without: fed now, untimed
    }
    pairs.push_back(pair[1] / pair[0]);
  }
  w.sink.stats = nullptr;
  w.sink.prefetch = true;
  const double without = ns[0] / static_cast<double>(blocks[0] * 1000), with = ns[1] / static_cast<double>(blocks[1] * 1000);
  state.counters["cpu_ns_without"] = without;
  state.counters["cpu_ns_with"] = with;
  state.counters["views_pct"] = 100.0 * (with - without) / without;
  // The same from the median pair: a burst of another process on the core (a shared machine)
  // falls on a few blocks, which move the sums but not the median.
  state.counters["views_pct_median"] = 100.0 * (percentile(pairs, 0.5) - 1.0);
}

void BM_ViewsPause(benchmark::State& state, Variant v) {
  World& w = world(v);
  std::vector<std::uint32_t>& held = ready_workers(w, v);
  stats::Tracker tracker;
  tracker.rebuild(*w.rt, w.clock.now().ms_since_epoch);
  w.sink.stats = &tracker;
  std::vector<float> feeds;  // us of CPU
  feeds.reserve(static_cast<std::size_t>(state.max_iterations) * 4);
  double longest_wall = 0;  // ms
  auto flush = [&w, &feeds, &longest_wall] {
    const auto t0 = std::chrono::steady_clock::now();
    const double c0 = thread_cpu_ns();
    w.sink.flush(*w.rt);
    feeds.push_back(static_cast<float>((thread_cpu_ns() - c0) / 1000.0));
    longest_wall = std::max(longest_wall, std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
  };
  std::size_t a = 0;
  for (auto _ : state) mix_once(w, held, a, flush);
  w.sink.stats = nullptr;
  std::sort(feeds.begin(), feeds.end());
  state.counters["longest_ms"] = feeds.empty() ? 0 : feeds.back() / 1000.0;
  state.counters["over_1ms"] = static_cast<double>(feeds.end() - std::upper_bound(feeds.begin(), feeds.end(), 1000.0f));
  state.counters["p999_us"] = feeds.empty() ? 0 : feeds[feeds.size() * 999 / 1000];
  state.counters["longest_wall_ms"] = longest_wall;
  state.counters["tracked"] = static_cast<double>(tracker.queue.tracked());
}

void BM_MemoryPerQueuedItem(benchmark::State& state) {
  World& w = world();
  for (auto _ : state) benchmark::DoNotOptimize(w.bytes_per_item);
  state.counters["bytes_per_item"] = w.bytes_per_item;
  state.counters["runtime_bytes_per_item"] = w.runtime_bytes_per_item;
}

}  // namespace

BENCHMARK(BM_MemoryPerQueuedItem)->Iterations(1);
BENCHMARK(BM_AgentReadyToOffer)->UseManualTime()->Iterations(100'000);
BENCHMARK_CAPTURE(BM_EventMix, plain, Variant::Plain)->Iterations(200'000);
BENCHMARK_CAPTURE(BM_EventMix, plain_stats, Variant::Plain, true)->Iterations(200'000);
BENCHMARK_CAPTURE(BM_EventMix, plain_again, Variant::Plain)->Iterations(200'000);
BENCHMARK_CAPTURE(BM_EventMix, report_by, Variant::ReportBy)->Iterations(200'000);
BENCHMARK_CAPTURE(BM_EventMix, report_by_stats, Variant::ReportBy, true)->Iterations(200'000);
BENCHMARK_CAPTURE(BM_EventMix, report_by_again, Variant::ReportBy)->Iterations(200'000);
BENCHMARK_CAPTURE(BM_EventMix, reads_last_agent, Variant::ReadsLastAgent)->Iterations(200'000);
BENCHMARK_CAPTURE(BM_EventMixViews, plain, Variant::Plain)->Iterations(100);
BENCHMARK_CAPTURE(BM_EventMixViews, report_by, Variant::ReportBy)->Iterations(100);
BENCHMARK_CAPTURE(BM_ViewsPause, report_by, Variant::ReportBy)->Iterations(1'400'000);

BENCHMARK_MAIN();
