// `iwd check` front-end cost: parse + name resolution of generated rulesets.
#include <benchmark/benchmark.h>

#include <algorithm>

#include "bench/ruleset_gen.h"
#include "compiler/driver/compilation.h"
#include "compiler/syntax/parse.h"
#include "tests/support/checked_rules.h"

namespace {

using namespace iwd::compiler;

void run_check(benchmark::State& state, int departments, int processes) {
  const std::string text = iwd::bench::generate_ruleset(departments, processes);
  const auto lines = std::count(text.begin(), text.end(), '\n');
  for (auto _ : state) {
    auto rules = iwd::test::check_text("generated.iwd", text);
    if (rules->diags.has_errors()) state.SkipWithError(rules->diags.all().front().message.c_str());
    benchmark::DoNotOptimize(rules->diags.all().size());
  }
  state.counters["lines"] = static_cast<double>(lines);
  state.counters["lines/s"] = benchmark::Counter(static_cast<double>(lines) * static_cast<double>(state.iterations()),
                                                 benchmark::Counter::kIsRate);
}

// Parsing alone (text to AST), for the breakdown.
void BM_Parse10kLines(benchmark::State& state) {
  const std::string text = iwd::bench::generate_ruleset(160, 20);
  for (auto _ : state) {
    SourceManager sm;
    DiagnosticBag diags;
    auto ast = parse_file(sm, sm.add("generated.iwd", text), diags);
    benchmark::DoNotOptimize(ast->decls.size());
  }
  state.counters["lines"] = static_cast<double>(std::count(text.begin(), text.end(), '\n'));
}

// About 10,000 lines: 160 departments of 20 processes (3,200 processes).
void BM_Check10kLines(benchmark::State& state) { run_check(state, 160, 20); }
// 1,000 processes (the semantics issue's target size).
void BM_Check1000Processes(benchmark::State& state) { run_check(state, 50, 20); }

}  // namespace

BENCHMARK(BM_Parse10kLines)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_Check10kLines)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_Check1000Processes)->Unit(benchmark::kMillisecond);
BENCHMARK_MAIN();
