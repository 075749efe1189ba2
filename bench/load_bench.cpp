// Rulesets as the runtime sees them: loading (source through the JIT, or a bundle), and
// classification + due + priority through the ABI table (runtime/abi.h), JIT and interpreter
// side by side, for examples/enterprise.iwd and a generated ruleset of 1,000 processes.
#include <benchmark/benchmark.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include "bench/ruleset_gen.h"
#include "compiler/diag/render.h"
#include "compiler/load/loaded_rules.h"
#include "runtime/item_json.h"
#include "tests/unit/load/random_items.h"

namespace {

using namespace iwd::compiler;
namespace abi = iwd::runtime::abi;

std::string generated_path() {
  static const std::string path = [] {
    std::string p = "/tmp/iwd_load_bench_1000.iwd";
    std::ofstream(p) << iwd::bench::generate_ruleset(50, 20);
    return p;
  }();
  return path;
}

std::string rules_path(int which) {
  return which == 0 ? std::string(IWD_SOURCE_DIR) + "/examples/enterprise.iwd" : generated_path();
}

std::unique_ptr<LoadedRules> load_source(const std::string& path, iwd::runtime::StringPool& pool, LoadOptions o) {
  // IWD_BENCH_EAGER=1: the code compiled all at load, in one module (as for a bundle), to
  // compare evaluation with the lazily compiled parts a load from source has by default.
  if (std::getenv("IWD_BENCH_EAGER") && o.jit) o.keep_object = true;
  std::ostringstream diags;
  LoadResult r = load_rules(path, pool, o);
  render_text(diags, r.diagnostics);
  if (!r.rules) std::fprintf(stderr, "%s\n%s\n", r.error.c_str(), diags.str().c_str());
  return std::move(r.rules);
}

void BM_LoadSource(benchmark::State& state) {
  const std::string path = rules_path(static_cast<int>(state.range(0)));
  for (auto _ : state) {
    iwd::runtime::StringPool pool;
    auto rules = load_source(path, pool, LoadOptions{});
    if (!rules) state.SkipWithError("load failed");
    benchmark::DoNotOptimize(rules.get());
  }
}

void BM_LoadBundle(benchmark::State& state) {
  iwd::runtime::StringPool built_pool;
  auto built = load_source(rules_path(static_cast<int>(state.range(0))), built_pool, LoadOptions{true, true});
  const std::string bytes = built->bundle();
  const bool jit = state.range(1) != 0;
  for (auto _ : state) {
    iwd::runtime::StringPool pool;
    LoadResult r = load_bundle(bytes, pool, LoadOptions{jit, false});
    if (!r.rules) state.SkipWithError(r.error.c_str());
    benchmark::DoNotOptimize(r.rules.get());
  }
  state.counters["bundle_bytes"] = static_cast<double>(bytes.size());
}

// Items decoded once; each iteration classifies one, computes its clock (due) and its
// priority at age 0 through the table.
struct TableFixture {
  iwd::runtime::StringPool pool;
  std::unique_ptr<LoadedRules> rules;
  std::vector<iwd::runtime::ItemRecord> items;
  TableFixture(int which, bool jit) {
    rules = load_source(rules_path(which), pool, LoadOptions{jit, false});
    iwd::test::RandomItems gen(*rules, 7);
    iwd::runtime::DecodeOptions decode;
    decode.default_id = "b";
    decode.captured_at = iwd::stdlib::Instant{1'795'000'000'000};
    while (items.size() < 256) {
      auto rec = iwd::runtime::decode_item(rules->schema(), pool, gen.item(), decode);
      if (rec.ok()) items.push_back(std::move(rec.value));
    }
  }
};

// One fixture per (ruleset, engine), made on first use and kept for the process.
TableFixture* fixture_for(const benchmark::State& state) {
  static TableFixture* fixtures[2][2] = {};
  const auto which = static_cast<std::size_t>(state.range(0));
  const bool jit = state.range(1) != 0;
  auto*& fx = fixtures[which][jit];
  if (!fx) fx = new TableFixture(static_cast<int>(which), jit);
  return fx;
}

void BM_ClassifyDuePriority(benchmark::State& state) {
  TableFixture* fx = fixture_for(state);
  const abi::RulesV1& t = fx->rules->table();
  const std::int64_t now = 1'795'000'000'000;
  std::size_t i = 0;
  std::int64_t classified = 0;
  for (auto _ : state) {
    const auto* item = &fx->items[i++ & 255];
    std::int32_t detail = 0;
    const std::int32_t p = t.classify(t.ctx, item, now, &detail);
    if (p >= 0) {
      abi::ItemClock clock;
      t.clock(t.ctx, p, item, now, &clock);
      benchmark::DoNotOptimize(t.priority(t.ctx, p, item, &clock, 0));
      ++classified;
    }
  }
  state.counters["classified_share"] = static_cast<double>(classified) / static_cast<double>(state.iterations());
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
}

void BM_Classify(benchmark::State& state) {
  TableFixture* fx = fixture_for(state);
  const abi::RulesV1& t = fx->rules->table();
  std::size_t i = 0;
  for (auto _ : state) {
    std::int32_t detail = 0;
    benchmark::DoNotOptimize(t.classify(t.ctx, &fx->items[i++ & 255], 1'795'000'000'000, &detail));
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
}

// Whether an agent is eligible for an item at an age (every stage open), and whether one
// stage admits it: what the runtime asks when it matches agents to targets.
void BM_Eligible(benchmark::State& state) {
  TableFixture* fx = fixture_for(state);
  const abi::RulesV1& t = fx->rules->table();
  iwd::test::RandomItems gen(*fx->rules, 11);
  std::vector<abi::Agent> agents;
  std::vector<std::vector<std::int8_t>> skills;
  for (int k = 0; k < 16; ++k) {
    const abi::Agent& a = gen.agent();
    skills.emplace_back(a.skills, a.skills + a.skill_count);
    agents.push_back(a);
    agents.back().skills = skills.back().data();
    agents.back().group_count = 0;
  }
  std::vector<std::pair<std::int32_t, abi::ItemClock>> classified;
  for (const auto& item : fx->items) {
    std::int32_t detail = 0;
    const std::int32_t p = t.classify(t.ctx, &item, 1'795'000'000'000, &detail);
    abi::ItemClock clock;
    if (p >= 0) t.clock(t.ctx, p, &item, 1'795'000'000'000, &clock);
    classified.emplace_back(p, clock);
  }
  std::size_t i = 0;
  for (auto _ : state) {
    const std::size_t k = i++ & 255;
    if (classified[k].first < 0) continue;
    benchmark::DoNotOptimize(t.eligible(t.ctx, classified[k].first, &fx->items[k], &classified[k].second,
                                        100 * 3'600'000, &agents[i & 15]));
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
}

}  // namespace

// Arguments: {0: enterprise.iwd, 1: 1,000 processes}, {0: interpreter, 1: JIT}.
BENCHMARK(BM_LoadSource)->Arg(0)->Arg(1)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_LoadBundle)->Args({0, 1})->Args({1, 1})->Args({1, 0})->Unit(benchmark::kMillisecond);
BENCHMARK(BM_Classify)->Args({0, 0})->Args({0, 1})->Args({1, 0})->Args({1, 1});
BENCHMARK(BM_ClassifyDuePriority)->Args({0, 0})->Args({0, 1})->Args({1, 0})->Args({1, 1});
BENCHMARK(BM_Eligible)->Args({0, 0})->Args({0, 1});
BENCHMARK_MAIN();
