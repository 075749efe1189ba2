// The event history's cost on the journal's commit path, without HTTP or the engine (issue 15:
// "the history must not cut durable creates by more than 15%"). Captures as `iwd serve` commits
// them under bench/serve_load.sh: CommitBatches of PER_BATCH creates (the engine's batch: the
// requests it took at one wake; a journal line each as the engine writes it and, history on,
// its record), at most CONNECTIONS creates in flight, through
// server::GroupCommitter on server::Journal (WAL, synchronous=FULL, its checkpointer thread),
// the history on the journal's connection (history::Store::on). History off and on alternate
// in each round, each run in a fresh data folder; printed: the process's CPU per create (user
// + system: the WAL's writes and fsyncs included) and creates per second, medians over the
// rounds, and the history's cost as ratios against off in the same round.
// Usage: history_append_bench [CREATES=100000] [ROUNDS=5] [CONNECTIONS=64] [PER_BATCH=1]
#include <fmt/format.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "history/store.h"
#include "server/group_commit.h"
#include "server/journal.h"

namespace {

using namespace iwd;

struct Run {
  double cpu_us = 0, per_second = 0;  // per create; creates per wall second
};

double cpu_seconds() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) + (u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

// bench/load/create.lua's request, as the engine journals it and records it (one record: the
// capture, queued at once).
Run run(bool history_on, int creates, int connections, int per_batch, const std::string& dir) {
  std::filesystem::remove_all(dir);
  std::string error;
  const std::unique_ptr<server::Journal> journal = server::Journal::open(dir, &error);
  if (!journal) {
    std::fprintf(stderr, "history_append_bench: %s\n", error.c_str());
    std::exit(1);
  }
  std::unique_ptr<history::Store> store;
  if (history_on && !(store = history::Store::on(journal->connection(), journal->path(), &error))) {
    std::fprintf(stderr, "history_append_bench: %s\n", error.c_str());
    std::exit(1);
  }
  std::mutex mu;
  std::condition_variable done;
  int in_flight = 0, failed = 0;
  const auto t0 = std::chrono::steady_clock::now();
  const double cpu0 = cpu_seconds();
  {
    server::GroupCommitter committer(*journal, store.get());
    const std::int64_t start_ms = 1796578163000;
    for (int first = 1; first <= creates; first += per_batch) {
      const int count = std::min(per_batch, creates - first + 1);
      {
        std::unique_lock<std::mutex> lock(mu);
        done.wait(lock, [&] { return in_flight + count <= std::max(connections, count); });
        in_flight += count;
      }
      server::CommitBatch b;
      for (int n = first; n < first + count; ++n) {
        const std::string id = fmt::format("w1796579442-1-{}", n);
        const std::int64_t at = start_ms + n / 30;
        b.lines.push_back(fmt::format(R"({{"at":"2026-12-06T17:50:43.{:03}Z","capture":{{"department":"Sales","id":"{}",)"
                                      R"("segment":"Silver"}},"by":"api"}})",
                                      n % 1000, id));
        if (!history_on) continue;
        history::Record& r = b.history.emplace_back();
        r.seq = n;
        r.at = at;
        r.item = id;
        r.reason = "capture";
        r.from = "none";
        r.to = "queued";
        r.department = "Sales";
        r.process = "Sales.Silver";
        r.priority = 200;
        r.due = at + 7 * 24 * 3600 * 1000LL;
        r.actor = "api";
      }
      b.done = [&, count](bool ok, const std::string& why) {
        std::lock_guard<std::mutex> lock(mu);
        if (!ok && failed++ == 0) std::fprintf(stderr, "history_append_bench: %s\n", why.c_str());
        in_flight -= count;
        done.notify_one();
      };
      committer.submit(std::move(b));
    }
    std::unique_lock<std::mutex> lock(mu);
    done.wait(lock, [&] { return in_flight == 0; });
  }
  const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  const double cpu = cpu_seconds() - cpu0;
  store.reset();  // (its clean close's checkpoint is not counted)
  if (failed) std::exit(1);
  return {cpu * 1e6 / creates, creates / wall};
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.size() % 2 ? v[v.size() / 2] : (v[v.size() / 2 - 1] + v[v.size() / 2]) / 2;
}

}  // namespace

int main(int argc, char** argv) {
  const int creates = argc > 1 ? std::atoi(argv[1]) : 100000;
  const int rounds = argc > 2 ? std::atoi(argv[2]) : 5;
  const int connections = argc > 3 ? std::atoi(argv[3]) : 64;
  const int per_batch = std::max(1, argc > 4 ? std::atoi(argv[4]) : 1);
  const std::string dir =
      (std::filesystem::temp_directory_path() / fmt::format("iwd-history-append-bench-{}", getpid())).string();
  std::vector<double> cpu_off, cpu_on, rate_off, rate_on, cpu_ratio, rate_ratio;
  for (int round = 0; round < rounds; ++round) {
    Run off, on;
    if (round % 2 == 0) off = run(false, creates, connections, per_batch, dir), on = run(true, creates, connections, per_batch, dir);
    else on = run(true, creates, connections, per_batch, dir), off = run(false, creates, connections, per_batch, dir);
    std::printf("round %d: off %.1f us/create %.0f/s, on %.1f us/create %.0f/s: CPU %+.1f%%, creates/s %+.1f%%\n",
                round + 1, off.cpu_us, off.per_second, on.cpu_us, on.per_second, 100 * (on.cpu_us / off.cpu_us - 1),
                100 * (on.per_second / off.per_second - 1));
    std::fflush(stdout);
    cpu_off.push_back(off.cpu_us), cpu_on.push_back(on.cpu_us);
    rate_off.push_back(off.per_second), rate_on.push_back(on.per_second);
    cpu_ratio.push_back(on.cpu_us / off.cpu_us - 1), rate_ratio.push_back(on.per_second / off.per_second - 1);
  }
  std::filesystem::remove_all(dir);
  std::printf("medians: off %.1f us/create %.0f/s, on %.1f us/create %.0f/s: CPU %+.1f%%, creates/s %+.1f%%\n",
              median(cpu_off), median(rate_off), median(cpu_on), median(rate_on), 100 * median(cpu_ratio),
              100 * median(rate_ratio));
}
