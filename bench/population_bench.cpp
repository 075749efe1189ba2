// Evaluation over a realistic item population (issue 19): a benchmark that cannot flatter.
//
// The workload: 36 processes (6 departments x 3 segments x 2 regions), each with its own
// priority bounds, one scheme `start 100 + (if deal_value >= 10000 then 200 else 0)`,
// `every 1h add 25`, a plain 48h SLA. N distinct items are decoded up front from JSON (as the
// runtime's capture decodes them); each is classified, its clock computed and its priority
// read at age 5h through the runtime's ABI table (RulesV1, the JIT), and by the same rules
// written by hand in C++ over a compact struct, in the same run. Every iteration times one
// pass of each over the whole population (thread CPU time, alternated), so both figures and
// their ratio come from one run on the same machine state:
//
//   BM_Population/N       counters table_ns, hand_ns (per item) and ratio (table / hand);
//                         N = 100,000 and 1,000,000 are the issue's targets; N = 256 cycles
//                         in the CPU cache, as bench/eval_bench measured (labelled cached)
//   BM_PopulationBatch/N/0  the same through RulesV1's batch entry point, when the table has one
//                         (counters batch_ns, hand_ns, ratio); /N/1 over the records copied in
//                         order, their blocks adjacent (what an arena layout would give)
//   BM_PopulationNextChange/N  the next priority change at age 5h through the JIT's table (the
//                         generated iwd_next<k>) and through the interpreter's (the walk, as
//                         every table answered before): counters compiled_ns, walk_ns, ratio
//
// Before timing, every item's process, due instant and priority are checked equal between
// the table and the hand-written code (a benchmark of wrong answers measures nothing).
#include <benchmark/benchmark.h>
#include <fmt/format.h>
#include <time.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "compiler/diag/render.h"
#include "compiler/load/load.h"
#include "runtime/item_json.h"

namespace {

using namespace iwd;
namespace abi = runtime::abi;

constexpr std::int64_t kAt = 1767603600000;  // 2026-01-05T09:00:00Z
constexpr std::int64_t kHour = 3'600'000;
constexpr std::int64_t kAge = 5 * kHour;
constexpr const char* kDepartments[] = {"Sales", "Finance", "Legal", "Support", "Billing", "Claims"};
constexpr const char* kSegments[] = {"Gold", "Silver", "Bronze"};
constexpr const char* kRegions[] = {"EU", "US"};
constexpr int kProcesses = 36;

// Process k's priority bounds: distinct per process, and such that the clamp decides the
// priority of some items of most processes (both ways).
std::int64_t min_of(int k) { return 200 + 5 * k; }
std::int64_t max_of(int k) { return 300 + 10 * k; }

std::string population_rules() {
  std::string s = "ruleset population version \"1\"\n\nenum Segment { Gold, Silver, Bronze }\n\n";
  s += "attributes {\n  department: string\n  segment: Segment\n  region: string\n  deal_value: number\n}\n\n";
  s += "priority deal {\n  start 100 + (if deal_value >= 10000 then 200 else 0)\n  every 1h add 25\n}\n\n";
  int k = 0;
  for (const char* d : kDepartments) {
    s += fmt::format("department {0} when department == \"{0}\" {{\n  sla 48h\n  priority deal\n", d);
    for (const char* g : kSegments)
      for (const char* r : kRegions) {
        s += fmt::format("  process {0}{1} when segment == {0} and region == \"{1}\" {{\n    priority deal min {2} max {3}\n  }}\n",
                         g, r, min_of(k), max_of(k));
        ++k;
      }
    s += "}\n\n";
  }
  return s;
}

// The hand-written version's item: what these rules read, in 24 bytes.
struct Compact {
  std::uint32_t department = 0;  // interned
  std::uint32_t region = 0;      // interned
  std::int32_t segment = 0;      // Gold, Silver, Bronze
  std::int32_t pad = 0;
  double deal_value = 0;
  std::int64_t captured_at = 0;
};

struct Answer {
  std::int32_t process = -1;
  std::int64_t due = abi::kNone;
  std::int64_t priority = 0;
};

struct Hand {
  std::uint32_t departments[6] = {};
  std::uint32_t regions[2] = {};
  std::int64_t min[kProcesses] = {}, max[kProcesses] = {};

  // Classification, clock and priority at `age`, as the rules above say.
  Answer eval(const Compact& c, std::int64_t age) const {
    Answer a;
    // Written to compile without branches (selects), as a careful hand would: items come in
    // random process order, and a mispredicted branch costs more than the rest together.
    int d = -1, r = -1;
    for (int j = 0; j < 6; ++j) d = departments[j] == c.department ? j : d;
    for (int j = 0; j < 2; ++j) r = regions[j] == c.region ? j : r;
    if ((d | r) < 0) return a;
    const int k = d * 6 + c.segment * 2 + r;
    a.process = k;
    a.due = c.captured_at + 48 * kHour;
    double v = 100.0 + (c.deal_value >= 10000 ? 200.0 : 0.0) + 25.0 * std::floor(static_cast<double>(age) / kHour);
    v = std::min(std::max(v, static_cast<double>(min[k])), static_cast<double>(max[k]));
    a.priority = static_cast<std::int64_t>(v);
    return a;
  }
};

std::int64_t thread_ns() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<std::int64_t>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

struct Population {
  runtime::StringPool pool;
  std::unique_ptr<compiler::LoadedRules> rules;
  std::vector<runtime::ItemRecord> records;
  std::vector<Compact> compact;
  Hand hand;

  explicit Population(std::size_t n) {
    const std::string path = "/tmp/iwd_population_bench.iwd";
    std::ofstream(path) << population_rules();
    // IWD_BENCH_EAGER=1: compiled all at load (as for a bundle), not lazily (load_bench.cpp).
    compiler::LoadResult r = compiler::load_rules(path, pool, compiler::LoadOptions{.keep_object = std::getenv("IWD_BENCH_EAGER") != nullptr});
    if (!r.rules) {
      std::ostringstream diags;
      compiler::render_text(diags, r.diagnostics);
      std::fprintf(stderr, "%s\n%s\n", r.error.c_str(), diags.str().c_str());
      std::abort();
    }
    rules = std::move(r.rules);
    for (int d = 0; d < 6; ++d) hand.departments[d] = pool.intern(kDepartments[d]);
    for (int g = 0; g < 2; ++g) hand.regions[g] = pool.intern(kRegions[g]);
    for (int k = 0; k < kProcesses; ++k) hand.min[k] = min_of(k), hand.max[k] = max_of(k);

    // Items in random process order, decoded from JSON as a capture is, one after the other.
    std::mt19937_64 rng(19);
    records.reserve(n);
    compact.reserve(n);
    for (std::size_t i = 0; i < n; ++i) {
      const int d = static_cast<int>(rng() % 6), g = static_cast<int>(rng() % 3), reg = static_cast<int>(rng() % 2);
      const double deal = static_cast<double>(rng() % 20000);
      const std::int64_t captured = kAt - static_cast<std::int64_t>(rng() % 86'400) * 1000;
      const std::string text = fmt::format(
          R"({{"id": "P{}", "department": "{}", "segment": "{}", "region": "{}", "deal_value": {}, "captured_at": "{}"}})", i,
          kDepartments[d], kSegments[g], kRegions[reg], deal, stdlib::format_instant(stdlib::Instant{captured}));
      auto item = runtime::decode_item(rules->schema(), pool, text, runtime::DecodeOptions{});
      if (!item.ok()) {
        std::fprintf(stderr, "population item %zu: %s\n", i, item.error.c_str());
        std::abort();
      }
      records.push_back(std::move(item.value));
      compact.push_back(Compact{hand.departments[d], hand.regions[reg], g, 0, deal, captured});
    }
  }

  // Through the table, as the runtime calls it: classify, clock, priority at the age.
  Answer table_eval(const runtime::ItemRecord& rec) const {
    const abi::RulesV1& t = rules->table();
    Answer a;
    std::int32_t detail = 0;
    a.process = t.classify(t.ctx, &rec, kAt, &detail);
    if (a.process < 0) return a;
    abi::ItemClock clock;
    t.clock(t.ctx, a.process, &rec, kAt, &clock);
    a.due = clock.due;
    a.priority = t.priority(t.ctx, a.process, &rec, &clock, kAge);
    return a;
  }

  // False (and a message) when the table and the hand-written code disagree on an item.
  bool check(std::string* error) const {
    for (std::size_t i = 0; i < records.size(); ++i) {
      const Answer x = table_eval(records[i]), y = hand.eval(compact[i], kAge);
      if (x.process != y.process || x.due != y.due || x.priority != y.priority) {
        *error = fmt::format("item {}: table ({}, {}, {}) against hand-written ({}, {}, {})", i, x.process, x.due, x.priority,
                             y.process, y.due, y.priority);
        return false;
      }
    }
    return true;
  }
};

Population& population(std::size_t n) {
  // Never destroyed: it holds JIT code (see bench/runtime_bench.cpp).
  static std::map<std::size_t, Population*> all;
  Population*& p = all[n];
  if (!p) p = new Population(n);
  return *p;
}

// One pass of each per iteration, alternated; thread CPU time per item of each.
void BM_Population(benchmark::State& state) {
  Population& pop = population(static_cast<std::size_t>(state.range(0)));
  if (std::string error; !pop.check(&error)) {
    state.SkipWithError(error.c_str());
    return;
  }
  const std::size_t n = pop.records.size();
  std::int64_t table_ns = 0, hand_ns = 0, passes = 0;
  for (auto _ : state) {
    std::int64_t sum = 0;
    std::int64_t t0 = thread_ns();
    for (const auto& rec : pop.records) sum += pop.table_eval(rec).priority;
    std::int64_t t1 = thread_ns();
    for (const auto& c : pop.compact) sum += pop.hand.eval(c, kAge).priority;
    std::int64_t t2 = thread_ns();
    benchmark::DoNotOptimize(sum);
    table_ns += t1 - t0;
    hand_ns += t2 - t1;
    ++passes;
  }
  const double items = static_cast<double>(passes) * static_cast<double>(n);
  state.counters["table_ns"] = static_cast<double>(table_ns) / items;
  state.counters["hand_ns"] = static_cast<double>(hand_ns) / items;
  state.counters["ratio"] = static_cast<double>(table_ns) / static_cast<double>(hand_ns);
  state.SetLabel(n <= 256 ? "cached: the items fit in L1/L2" : "distinct items, decoded up front");
}

// The same through RulesV1::evaluate_batch, 256 items a call (as `iwd eval --items` calls it),
// against the same hand-written pass, alternated. With a second argument of 1, over a copy of
// the records made in order after decoding: each record's block (runtime/item.h) then lies
// next to the one before, as an arena or inline slots would place them, instead of between
// the decoder's freed temporaries: what the layout costs, measured without changing it.
void BM_PopulationBatch(benchmark::State& state) {
  Population& pop = population(static_cast<std::size_t>(state.range(0)));
  const abi::RulesV1& t = pop.rules->table();
  if (!abi::has_batch(t)) {
    state.SkipWithError("the table has no batch entry point");
    return;
  }
  const std::size_t n = pop.records.size();
  const std::vector<runtime::ItemRecord> adjacent = state.range(1) ? pop.records : std::vector<runtime::ItemRecord>{};
  std::vector<const runtime::ItemRecord*> items;
  for (const auto& r : state.range(1) ? adjacent : pop.records) items.push_back(&r);
  constexpr std::size_t kBlock = 256;
  std::vector<abi::BatchResult> out(kBlock);
  for (std::size_t at = 0; at < n; at += kBlock) {  // the same answers as the hand-written code
    const auto m = static_cast<std::uint32_t>(std::min(kBlock, n - at));
    abi::evaluate_batch(t, items.data() + at, m, kAt, kAge, out.data());
    for (std::uint32_t k = 0; k < m; ++k) {
      const Answer y = pop.hand.eval(pop.compact[at + k], kAge);
      if (out[k].process != y.process || out[k].clock.due != y.due || out[k].priority != y.priority) {
        state.SkipWithError(fmt::format("item {}: the batch disagrees with the hand-written code", at + k).c_str());
        return;
      }
    }
  }
  std::int64_t batch_ns = 0, hand_ns = 0, passes = 0;
  for (auto _ : state) {
    std::int64_t sum = 0;
    std::int64_t t0 = thread_ns();
    for (std::size_t at = 0; at < n; at += kBlock) {
      const auto m = static_cast<std::uint32_t>(std::min(kBlock, n - at));
      abi::evaluate_batch(t, items.data() + at, m, kAt, kAge, out.data());
      for (std::uint32_t k = 0; k < m; ++k) sum += out[k].priority;
    }
    std::int64_t t1 = thread_ns();
    for (const auto& c : pop.compact) sum += pop.hand.eval(c, kAge).priority;
    std::int64_t t2 = thread_ns();
    benchmark::DoNotOptimize(sum);
    batch_ns += t1 - t0;
    hand_ns += t2 - t1;
    ++passes;
  }
  const double items_done = static_cast<double>(passes) * static_cast<double>(n);
  state.counters["batch_ns"] = static_cast<double>(batch_ns) / items_done;
  state.counters["hand_ns"] = static_cast<double>(hand_ns) / items_done;
  state.counters["ratio"] = static_cast<double>(batch_ns) / static_cast<double>(hand_ns);
  state.SetLabel(n <= 256               ? "cached: the items fit in L1/L2"
                 : state.range(1) != 0 ? "distinct items, their blocks adjacent"
                                       : "distinct items, decoded up front");
}

// The next priority change of every item at age 5h (issue 19), alternated: the JIT's table
// (the generated iwd_next<k>; the walk for schemes it leaves, none here) and a table of the
// same rules loaded without the JIT (the interpreter's walk). Answers checked equal first.
void BM_PopulationNextChange(benchmark::State& state) {
  Population& pop = population(static_cast<std::size_t>(state.range(0)));
  static std::unique_ptr<compiler::LoadedRules> walk_rules;  // never destroyed, as the population
  if (!walk_rules) {
    compiler::LoadOptions options;
    options.jit = false;
    walk_rules = compiler::load_rules("/tmp/iwd_population_bench.iwd", pop.pool, options).rules;
  }
  if (!walk_rules) {
    state.SkipWithError("the rules do not load without the JIT");
    return;
  }
  const abi::RulesV1& compiled = pop.rules->table();
  const abi::RulesV1& walk = walk_rules->table();
  struct Placed {
    const runtime::ItemRecord* record;
    std::int32_t process;
    abi::ItemClock clock;
  };
  std::vector<Placed> items;
  for (const auto& rec : pop.records) {
    Placed p{&rec, -1, {}};
    std::int32_t detail = 0;
    p.process = compiled.classify(compiled.ctx, &rec, kAt, &detail);
    if (p.process < 0) continue;
    compiled.clock(compiled.ctx, p.process, &rec, kAt, &p.clock);
    abi::NextChange a, b;
    compiled.next_change(compiled.ctx, p.process, &rec, &p.clock, kAge, &a);
    walk.next_change(walk.ctx, p.process, &rec, &p.clock, kAge, &b);
    if (a.age != b.age || a.never != b.never || a.exact != b.exact) {
      state.SkipWithError(fmt::format("item {}: the compiled next change disagrees with the walk", items.size()).c_str());
      return;
    }
    items.push_back(p);
  }
  std::int64_t compiled_ns = 0, walk_ns = 0, passes = 0;
  for (auto _ : state) {
    std::int64_t sum = 0;
    abi::NextChange out;
    std::int64_t t0 = thread_ns();
    for (const Placed& p : items) {
      compiled.next_change(compiled.ctx, p.process, p.record, &p.clock, kAge, &out);
      sum += out.age + out.never;
    }
    std::int64_t t1 = thread_ns();
    for (const Placed& p : items) {
      walk.next_change(walk.ctx, p.process, p.record, &p.clock, kAge, &out);
      sum += out.age + out.never;
    }
    std::int64_t t2 = thread_ns();
    benchmark::DoNotOptimize(sum);
    compiled_ns += t1 - t0;
    walk_ns += t2 - t1;
    ++passes;
  }
  const double done = static_cast<double>(passes) * static_cast<double>(items.size());
  state.counters["compiled_ns"] = static_cast<double>(compiled_ns) / done;
  state.counters["walk_ns"] = static_cast<double>(walk_ns) / done;
  state.counters["ratio"] = static_cast<double>(walk_ns) / static_cast<double>(compiled_ns);
  state.SetLabel("distinct items, decoded up front");
}

}  // namespace

// Passes over the whole population: few for the large ones (each is 0.1 or 1 M items).
BENCHMARK(BM_Population)->Arg(256)->Iterations(20'000)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_Population)->Arg(100'000)->Iterations(60)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_Population)->Arg(1'000'000)->Iterations(8)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_PopulationBatch)->Args({256, 0})->Iterations(20'000)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_PopulationBatch)->Args({100'000, 0})->Iterations(60)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_PopulationBatch)->Args({1'000'000, 0})->Iterations(8)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_PopulationBatch)->Args({100'000, 1})->Iterations(60)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_PopulationBatch)->Args({1'000'000, 1})->Iterations(8)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_PopulationNextChange)->Arg(100'000)->Iterations(5)->Unit(benchmark::kMillisecond);
BENCHMARK_MAIN();
