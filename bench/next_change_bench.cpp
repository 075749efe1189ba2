// The next priority change per scheme form (issue 19, "Compiled clock and next change"): for
// each common form of priority scheme, 100,000 distinct items (decoded up front, each at its own
// age from 0 to 60h), the next change through the JIT's table (the generated iwd_next<k>, the
// walk for what it leaves) and through a table of the same rules without the JIT (the
// interpreter's walk), alternated in each iteration, thread CPU time per item. Every item's
// answers are checked equal first.
//
//   BM_NextChange/F/0   form F (kForms below), every item captured at one instant (kAt): what
//                       depends on the start alone (the SLA clock's share under a calendar, kept
//                       in a memo by the interpreter) is asked once for all of them
//   BM_NextChange/F/1   the same items, each captured at its own instant (to the millisecond,
//                       over the four weeks before kAt), as a real population: an honest figure
//   counters compiled_ns, walk_ns, ratio; the label says which (`age_in`, `age_in own starts`)
#include <benchmark/benchmark.h>
#include <fmt/format.h>
#include <time.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "compiler/diag/render.h"
#include "compiler/load/load.h"
#include "runtime/item_json.h"
#include "stdlib/time.h"

namespace {

using namespace iwd;
namespace abi = runtime::abi;

constexpr std::int64_t kAt = 1767603600000;  // 2026-01-05T09:00:00Z, a Monday
constexpr std::int64_t kHour = 3'600'000;
constexpr std::int64_t kStartsSpread = 28 * 24 * kHour;  // BM_NextChange/F/1: starts over four weeks

struct Form {
  const char* name;
  const char* scheme;  // the priority block's body
  const char* sla;     // the process's sla clause
};

// The forms: steps alone (the population of issue 19), a boost on the age near due
// (examples/blended.iwd), a window of ages (examples/leads.iwd), the enterprise scheme (steps
// from a share of the SLA, a boost on the item, `overdue`), the same with `age in office`, and
// an `overdue` value growing with overdue_by.
constexpr Form kForms[] = {
    {"every", "start 100 + (if deal >= 10000 then 200 else 0)\n  every 1h add 25\n  min 200\n  max 900", "sla 48h"},
    {"boost_near_due", "start 1000\n  every 1h add 10\n  boost 4500 when age >= sla - 2h\n  max 5500\n  overdue 5600", "sla 48h"},
    {"boost_window", "start 900\n  every 1d add -100 until 6d\n  boost 300 when age >= 6d and age < 8d\n  boost 50 when vip\n  min 50\n  max 1200",
     "sla 10d"},
    {"enterprise", "start 100\n  every 1h add 20\n  every 15m add 25 from 75% of sla\n  boost 200 when vip\n  overdue 2000", "sla 48h"},
    {"age_in", "start 100\n  every 1h add 20\n  every 15m add 25 from 75% of sla\n  boost 200 when vip\n  overdue 2000\n  age in office",
     "sla 48h in office"},
    {"overdue_by", "start 100\n  every 1h add 10\n  max 500\n  overdue 1000 + overdue_by / 1h", "sla 24h"},
};

std::int64_t thread_ns() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<std::int64_t>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

std::string rules_of(const Form& f) {
  return fmt::format(
      "ruleset next_change version \"1\"\n"
      "attributes {{\n  deal: number = 0\n  vip: bool = false\n}}\n"
      "calendar office {{ mon..fri 08:00-18:00 }}\n"
      "priority p {{\n  {}\n}}\n"
      "department D {{\n  {}\n  priority p\n  process P\n}}\n",
      f.scheme, f.sla);
}

struct Bench {
  runtime::StringPool pool;
  std::unique_ptr<compiler::LoadedRules> compiled, walk;
  struct Item {
    runtime::ItemRecord record;
    std::int64_t age = 0;
    abi::ItemClock clock{};
  };
  std::vector<Item> items;
  std::int32_t process = -1;
  std::string error;

  Bench(const Form& f, bool own_starts) {
    const std::string path = fmt::format("/tmp/iwd_next_change_bench_{}_{}.iwd", f.name, static_cast<long>(getpid()));
    std::ofstream(path) << rules_of(f);
    compiler::LoadOptions without;
    without.jit = false;
    auto a = compiler::load_rules(path, pool, compiler::LoadOptions{});
    auto b = compiler::load_rules(path, pool, without);
    std::remove(path.c_str());
    if (!a.rules || !b.rules) {
      error = fmt::format("the rules of {} do not load: {}{}", f.name, a.error, b.error);
      std::ostringstream diags;
      compiler::render_text(diags, a.diagnostics);
      error += "\n" + diags.str();
      return;
    }
    compiled = std::move(a.rules);
    walk = std::move(b.rules);
    std::mt19937_64 rng(42);
    const abi::RulesV1& t = compiled->table();
    std::mt19937_64 starts(43);  // apart from rng: the items' other values as with one start
    for (int i = 0; i < 100'000; ++i) {
      const std::int64_t captured = own_starts ? kAt - static_cast<std::int64_t>(starts() % kStartsSpread) : kAt;
      const std::string text = fmt::format(R"({{"id": "N{}", "deal": {}, "vip": {}, "captured_at": "{}"}})", i, rng() % 20000,
                                           rng() % 4 == 0 ? "true" : "false", stdlib::format_instant(stdlib::Instant{captured}));
      auto decoded = runtime::decode_item(compiled->schema(), pool, text, runtime::DecodeOptions{});
      if (!decoded.ok()) {
        error = decoded.error;
        return;
      }
      Item item{std::move(decoded.value), static_cast<std::int64_t>(rng() % (60 * 60)) * 60'000, {}};
      std::int32_t detail = 0;
      process = t.classify(t.ctx, &item.record, kAt, &detail);
      t.clock(t.ctx, process, &item.record, kAt, &item.clock);
      items.push_back(std::move(item));
    }
    const abi::RulesV1& w = walk->table();
    for (std::size_t i = 0; i < items.size(); ++i) {
      abi::NextChange x, y;
      t.next_change(t.ctx, process, &items[i].record, &items[i].clock, items[i].age, &x);
      w.next_change(w.ctx, process, &items[i].record, &items[i].clock, items[i].age, &y);
      if (x.age != y.age || x.never != y.never || x.exact != y.exact) {
        error = fmt::format("{} item {} at age {}: compiled ({}, {}, {}) against the walk ({}, {}, {})", f.name, i, items[i].age,
                            x.age, x.never, x.exact, y.age, y.never, y.exact);
        return;
      }
    }
  }
};

void BM_NextChange(benchmark::State& state) {
  const Form& form = kForms[state.range(0)];
  const bool own_starts = state.range(1) != 0;
  static std::vector<Bench*> benches(2 * std::size(kForms), nullptr);  // never destroyed: JIT code
  Bench*& b = benches[2 * static_cast<std::size_t>(state.range(0)) + (own_starts ? 1 : 0)];
  if (!b) b = new Bench(form, own_starts);
  if (!b->error.empty()) {
    state.SkipWithError(b->error.c_str());
    return;
  }
  const abi::RulesV1& t = b->compiled->table();
  const abi::RulesV1& w = b->walk->table();
  std::int64_t compiled_ns = 0, walk_ns = 0, passes = 0;
  // IWD_NEXT_CHANGE_COMPILED_ONLY=1: the walk's loop skipped (a profile of the generated code).
  static const bool compiled_only = std::getenv("IWD_NEXT_CHANGE_COMPILED_ONLY") != nullptr;
  for (auto _ : state) {
    std::int64_t sum = 0;
    abi::NextChange out;
    const std::int64_t t0 = thread_ns();
    for (const auto& item : b->items) {
      t.next_change(t.ctx, b->process, &item.record, &item.clock, item.age, &out);
      sum += out.age + out.never;
    }
    const std::int64_t t1 = thread_ns();
    for (const auto& item : b->items) {
      if (compiled_only) break;
      w.next_change(w.ctx, b->process, &item.record, &item.clock, item.age, &out);
      sum += out.age + out.never;
    }
    const std::int64_t t2 = thread_ns();
    benchmark::DoNotOptimize(sum);
    compiled_ns += t1 - t0;
    walk_ns += t2 - t1;
    ++passes;
  }
  const double done = static_cast<double>(passes) * static_cast<double>(b->items.size());
  state.counters["compiled_ns"] = static_cast<double>(compiled_ns) / done;
  state.counters["walk_ns"] = static_cast<double>(walk_ns) / done;
  state.counters["ratio"] = static_cast<double>(walk_ns) / static_cast<double>(compiled_ns);
  state.SetLabel(own_starts ? fmt::format("{} own starts", form.name) : std::string(form.name));
}

}  // namespace

BENCHMARK(BM_NextChange)->ArgsProduct({benchmark::CreateDenseRange(0, static_cast<int>(std::size(kForms)) - 1, 1), {0, 1}})->Iterations(std::getenv("IWD_NEXT_CHANGE_ITERATIONS") ? std::atoi(std::getenv("IWD_NEXT_CHANGE_ITERATIONS")) : 3)->Unit(benchmark::kMillisecond);
BENCHMARK_MAIN();
