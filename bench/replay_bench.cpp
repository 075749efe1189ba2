// `iwd replay` of a capture-heavy day (issue 19): examples/enterprise.iwd, 40 agents accepting
// every offer (--auto-accept), and from 08:00 to 18:00 a burst of 1 to 40 captures every 5
// seconds (about 150,000 items, as a service's journal of batch creates holds them: one instant
// a batch), each burst followed by the completion of the items captured two minutes before.
// The whole script through replay::run (every event printed as its JSON line, to nowhere),
// consecutive captures at one instant evaluated together (Arg 1: ReplayOptions::
// batch_captures) or one by one (Arg 0), in one process for an alternated comparison.
#include <benchmark/benchmark.h>
#include <fmt/format.h>

#include <ostream>
#include <random>
#include <sstream>
#include <streambuf>

#include "compiler/load/loaded_rules.h"
#include "runtime/replay/replay.h"

namespace {

using namespace iwd;

constexpr std::int64_t kDayStart = 1795507200000;  // 2026-11-24T08:00:00Z, a Tuesday

std::string day_script(std::size_t* captures) {
  std::mt19937 rng(19);
  const auto pick = [&rng](int n) { return std::uniform_int_distribution<int>(0, n - 1)(rng); };
  const auto at = [](std::int64_t t) { return stdlib::format_instant(stdlib::Instant{t}); };
  std::string s;
  for (int a = 0; a < 40; ++a)
    s += fmt::format(R"({{"at":"{}","agent":{{"id":"a{}","skills":{{"sales_processing":{},"legacy_processing":{},"finance_processing":{},"reception":{}}},"state":"ready"}}}})"
                     "\n",
                     at(kDayStart), a, 3 + a % 7, a % 4, a % 9, a % 2 * 5);
  static const char* const kDepartments[] = {"Sales", "Finance", "Reception", "Legacy"};
  static const char* const kSegments[] = {"Gold", "Silver", "Bronze"};
  std::vector<std::vector<std::string>> by_burst;
  *captures = 0;
  for (std::int64_t t = kDayStart; t < kDayStart + 10 * 3'600'000; t += 5'000) {
    std::vector<std::string>& ids = by_burst.emplace_back();
    for (int k = 1 + pick(40); k > 0; --k) {
      ids.push_back(fmt::format("W{}", (*captures)++));
      s += fmt::format(R"({{"at":"{}","capture":{{"id":"{}","department":"{}","segment":"{}","deal_value":{}}}}})"
                       "\n",
                       at(t), ids.back(), kDepartments[pick(4)], kSegments[pick(3)], pick(20000));
    }
    if (by_burst.size() > 24)  // two minutes of bursts before
      for (const std::string& id : by_burst[by_burst.size() - 25]) s += fmt::format(R"({{"at":"{}","complete":"{}"}})" "\n", at(t), id);
  }
  return s;
}

class Nowhere final : public std::streambuf {
 protected:
  int overflow(int c) override { return c; }
  std::streamsize xsputn(const char*, std::streamsize n) override { return n; }
};

void BM_ReplayCaptureDay(benchmark::State& state) {
  runtime::StringPool pool;
  compiler::LoadOptions load;
  load.jit = true;
  compiler::LoadResult rules = compiler::load_rules(std::string(IWD_SOURCE_DIR) + "/examples/enterprise.iwd", pool, load);
  if (!rules.rules) return state.SkipWithError(rules.error.c_str());
  std::size_t captures = 0;
  const std::string script = day_script(&captures);
  runtime::replay::ReplayOptions options;
  options.auto_accept = true;
  options.batch_captures = state.range(0) != 0;
  runtime::replay::ReplaySummary summary;
  for (auto _ : state) {
    std::istringstream in(script);
    Nowhere sink;
    std::ostream out(&sink);
    std::string error;
    if (!runtime::replay::run(rules.rules->table(), pool, in, out, options, &summary, &error)) return state.SkipWithError(error.c_str());
  }
  state.counters["captures"] = static_cast<double>(captures);
  state.counters["events"] = static_cast<double>(summary.events);
  state.counters["errors"] = static_cast<double>(summary.errors);
  state.counters["us_per_capture"] =
      benchmark::Counter(static_cast<double>(captures) * 1e-6, benchmark::Counter::kIsIterationInvariantRate | benchmark::Counter::kInvert);
}

}  // namespace

BENCHMARK(BM_ReplayCaptureDay)->Arg(0)->Arg(1)->Iterations(1)->Unit(benchmark::kMillisecond);
BENCHMARK_MAIN();
