// The first item of a process after a load from source (issue 19, "Compile time"): rules
// compiled lazily leave each part to its first caller, which in a server's engine is the thread
// that evaluates items. Per round, a generated ruleset (bench/ruleset_gen.h) is loaded twice,
// alternated: without the background compile, then with it (LoadOptions::background_compile)
// after waiting for it to end; then one item of each of `items` departments (spread over the
// ruleset) is evaluated through the table as the runtime does (classify, clock, priority, next
// change, stage openings) and each item's latency is taken (wall and thread CPU time).
//
//   first_item_bench [rounds] [departments] [processes per department] [items]
// Prints per mode the median and the largest first-item latency over all rounds (µs), and
// how long the background compile took (ms, wall).
#include <fmt/format.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>
#include <vector>

#include "bench/ruleset_gen.h"
#include "compiler/jit/jit.h"
#include "compiler/load/load.h"
#include "runtime/item_json.h"
#include "stdlib/time.h"

namespace {

using namespace iwd;
namespace abi = runtime::abi;

constexpr std::int64_t kAt = 1767603600000;  // 2026-01-05T09:00:00Z

double us_of(clockid_t clock) {
  timespec t{};
  clock_gettime(clock, &t);
  return static_cast<double>(t.tv_sec) * 1e6 + static_cast<double>(t.tv_nsec) / 1e3;
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.empty() ? 0 : v[v.size() / 2];
}

struct Latencies {
  std::vector<double> wall, cpu;
};

// Loads the rules, waits for the background compile when `background`, and evaluates one item
// of each department picked; false on a failure (printed).
bool round_of(const std::string& path, bool background, int departments, int items, Latencies* out, double* background_ms) {
  runtime::StringPool pool;
  compiler::LoadOptions options;
  options.background_compile = background;
  auto loaded = compiler::load_rules(path, pool, options);
  if (!loaded.rules) {
    std::fprintf(stderr, "the rules do not load: %s\n", loaded.error.c_str());
    return false;
  }
  if (background) {
    const double w0 = us_of(CLOCK_MONOTONIC);
    std::string error;
    if (!loaded.rules->jit_program()->wait_background_compile(&error)) {
      std::fprintf(stderr, "the background compile failed: %s\n", error.c_str());
      return false;
    }
    *background_ms = (us_of(CLOCK_MONOTONIC) - w0) / 1e3;
  }
  const abi::RulesV1& t = loaded.rules->table();
  std::vector<runtime::ItemRecord> records;
  for (int k = 0; k < items; ++k) {
    const int d = k * departments / items;
    const std::string text = fmt::format(
        R"({{"id": "F{}", "department": "D{}", "segment": "Gold", "score": 99, "amount": 20000, "tags": ["vip"], "captured_at": "{}"}})",
        k, d, stdlib::format_instant(stdlib::Instant{kAt}));
    auto item = runtime::decode_item(loaded.rules->schema(), pool, text, runtime::DecodeOptions{});
    if (!item.ok()) {
      std::fprintf(stderr, "item %d: %s\n", k, item.error.c_str());
      return false;
    }
    records.push_back(std::move(item.value));
  }
  std::int64_t sum = 0;
  for (const auto& rec : records) {
    const double w0 = us_of(CLOCK_MONOTONIC), c0 = us_of(CLOCK_THREAD_CPUTIME_ID);
    std::int32_t detail = 0;
    const std::int32_t process = t.classify(t.ctx, &rec, kAt, &detail);
    if (process >= 0) {
      abi::ItemClock clock;
      t.clock(t.ctx, process, &rec, kAt, &clock);
      sum += t.priority(t.ctx, process, &rec, &clock, 3'600'000);
      abi::NextChange next;
      t.next_change(t.ctx, process, &rec, &clock, 3'600'000, &next);
      abi::Stage stages[16];
      t.stages(t.ctx, process, &rec, &clock, stages);
      sum += next.age + stages[0].opens_at;
    }
    out->wall.push_back(us_of(CLOCK_MONOTONIC) - w0);
    out->cpu.push_back(us_of(CLOCK_THREAD_CPUTIME_ID) - c0);
  }
  if (sum == 42) std::printf(" ");
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  const int rounds = argc > 1 ? std::atoi(argv[1]) : 3;
  const int departments = argc > 2 ? std::atoi(argv[2]) : 100;
  const int processes = argc > 3 ? std::atoi(argv[3]) : 10;
  const int items = argc > 4 ? std::atoi(argv[4]) : 20;
  const std::string path = fmt::format("/tmp/iwd_first_item_bench_{}.iwd", static_cast<long>(getpid()));
  std::ofstream(path) << bench::generate_ruleset(departments, processes);
  Latencies lazy, background;
  std::vector<double> background_ms;
  for (int r = 0; r < rounds; ++r) {
    double ms = 0;
    if (!round_of(path, false, departments, items, &lazy, &ms) || !round_of(path, true, departments, items, &background, &ms)) {
      std::remove(path.c_str());
      return 1;
    }
    background_ms.push_back(ms);
  }
  std::remove(path.c_str());
  auto line = [](const char* name, const Latencies& l) {
    std::printf("%-40s wall median %9.1f max %9.1f   cpu median %9.1f max %9.1f  (us)\n", name, median(l.wall),
                *std::max_element(l.wall.begin(), l.wall.end()), median(l.cpu), *std::max_element(l.cpu.begin(), l.cpu.end()));
  };
  std::printf("%d processes, %d first items a round, %d rounds\n", departments * processes, items, rounds);
  line("lazy, the caller compiles", lazy);
  line("after the background compile", background);
  std::printf("%-40s median %.0f ms (wall, waited after load)\n", "background compile", median(background_ms));
  return 0;
}
