// The historical reports at scale (issue 15, "Scale"): the intraday-process report over a day
// of a 10M-event history, target under 2 s, and one item's task detail, target under 10 ms.
//
//   report_bench [EVENTS] [--store FILE | --read FILE | --upgrade FILE]
//
// A day's history is generated in seq order from a simulation of items (capture, offer, RONA, accept, park and pull,
// done, complete, cancel, priority changes) and agents (ready / not ready). Without --store
// it measures the computing part: the day's records are generated into memory first, then the
// report's pass over them is timed. With --store FILE it also writes the history into a SQLite history file
// (history::Store, the schema of `iwd serve`) and measures the report read back from it, and
// the task detail of sampled items through the store's item index, and the report as `iwd
// report` computes it (run_report: from the aggregates the writer keeps). --upgrade FILE
// opens a history of an older schema with a writer first (the aggregates built) and measures.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <functional>
#include <queue>
#include <random>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "history/store.h"
#include "reports/report.h"
#include "reports/run.h"
#include "stdlib/time.h"

namespace {

using iwd::history::Record;
using iwd::history::RecordKind;
using Clock = std::chrono::steady_clock;

constexpr std::int64_t kDayStart = 1767600000000;  // 2026-01-05T08:00:00Z
constexpr std::int64_t kDay = 24 * 3600 * 1000;
constexpr int kAgents = 2000;
constexpr int kProcesses = 20;

double seconds_since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }
// The thread's CPU time: on a shared machine, the wall time counts the other processes too.
double cpu_seconds() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

// Emits about `events` records over one day, in instant order, one at a time.
class DayGenerator {
 public:
  explicit DayGenerator(std::int64_t events) : items_(events * 10 / 63) {}  // about 6.3 records an item

  void run(const std::function<void(const Record&)>& sink) {
    std::mt19937_64 rng(42);
    std::uniform_int_distribution<std::int64_t> in_day(0, kDay - 1);
    for (std::int64_t i = 0; i < items_; ++i) queue_.push({kDayStart + in_day(rng), i, 0});
    for (int a = 0; a < kAgents; ++a) queue_.push({kDayStart + in_day(rng) / 48, -1 - a, 0});
    Record r;
    std::int64_t seq = 0;
    auto chance = [&](int percent) { return static_cast<int>(rng() % 100) < percent; };
    auto minutes = [&](int lo, int hi) { return (lo + static_cast<std::int64_t>(rng() % (hi - lo + 1))) * 60'000; };
    while (!queue_.empty()) {
      const Step s = queue_.top();
      queue_.pop();
      r.seq = ++seq;
      r.at = s.at;
      if (s.id < 0) {  // an agent alternates ready (about 30m) and not ready (about 5m)
        const bool ready = s.step % 2 == 0;
        r.kind = RecordKind::Agent;
        r.item.clear();
        r.agent = "agent" + std::to_string(-1 - s.id);
        r.from = s.step == 0 ? "logged_out" : (ready ? "not_ready" : "ready");
        r.to = ready ? "ready" : "not_ready";
        r.reason = ready ? "" : (chance(50) ? "break" : "meeting");
        sink(r);
        const std::int64_t next = s.at + (ready ? minutes(20, 40) : minutes(2, 8));
        if (next < kDayStart + kDay) queue_.push({next, s.id, s.step + 1});
        continue;
      }
      // An item: capture, priority, offer (10% time out and are offered again), accept, 10%
      // park and pull, done, complete; 5% are canceled while queued.
      r.kind = RecordKind::Item;
      r.item = "W" + std::to_string(s.id);
      r.process = "Dept" + std::to_string(s.id % 5) + ".Process" + std::to_string(s.id % kProcesses);
      r.department = "Dept" + std::to_string(s.id % 5);
      r.dimensions = {{"segment", s.id % 3 == 0 ? "Gold" : "Silver"}};
      r.agent = "agent" + std::to_string((s.id * 7 + s.step / 3) % kAgents);
      r.due = kDayStart + (s.id % 1000) * 86'400 + 2 * 3600'000;
      r.overdue = s.at > *r.due;
      r.outcome.clear();
      r.reason.clear();
      std::int64_t next = s.at + minutes(0, 10);
      int step = s.step + 1;
      switch (s.step) {
        case 0: set(r, RecordKind::Item, "none", "queued", "capture"); r.agent.clear(); break;
        case 1:
          set(r, RecordKind::Priority, "", "", "age");
          r.previous_priority = 100;
          r.priority = 110;
          if (chance(5)) step = 10;
          break;
        case 2: set(r, RecordKind::Item, "queued", "offered", "offer"); next = s.at + 20'000; break;
        case 3:
          if (chance(10)) {
            set(r, RecordKind::Item, "offered", "queued", "offer_timeout");
            step = 2;
          } else {
            set(r, RecordKind::Item, "offered", "assigned", "accept");
            step = chance(10) ? 6 : 4;
          }
          break;
        case 4: set(r, RecordKind::Item, "assigned", "done_pending", "done"); r.outcome = "won"; break;
        case 5: set(r, RecordKind::Item, "done_pending", "completed", "complete"); step = -1; break;
        case 6: set(r, RecordKind::Item, "assigned", "parked", "park"); break;
        case 7: set(r, RecordKind::Item, "parked", "assigned", "pull"); step = 4; break;
        case 10: set(r, RecordKind::Item, "queued", "canceled", "cancel"); r.agent.clear(); step = -1; break;
      }
      sink(r);
      if (step >= 0 && next < kDayStart + kDay) queue_.push({next, s.id, step});
    }
  }

 private:
  struct Step {
    std::int64_t at, id;  // id < 0: agent -1 - id
    int step;
    bool operator>(const Step& o) const { return at != o.at ? at > o.at : id > o.id; }
  };
  static void set(Record& r, RecordKind kind, const char* from, const char* to, const char* reason) {
    r.kind = kind;
    r.from = from;
    r.to = to;
    r.reason = reason;
  }
  std::int64_t items_;
  std::priority_queue<Step, std::vector<Step>, std::greater<>> queue_;
};

iwd::reports::Options intraday() {
  iwd::reports::Options o;
  o.kind = iwd::reports::ReportKind::IntradayProcess;
  o.from = kDayStart;
  o.to = kDayStart + kDay;
  o.interval = iwd::reports::IntervalKind::Minutes15;
  o.zone = iwd::stdlib::TimeZone::find("Europe/Berlin");
  return o;
}

// The report read back from a history file, and the task detail of sampled items.
int measure_store(const std::string& store_path, std::int64_t events) {
  std::string error;
  Clock::time_point t0;
  auto reader = iwd::history::Store::open_reader(store_path, &error);
  if (!reader) return fmt::print(stderr, "{}\n", error), 1;
  {  // the store's own part: the records read, nothing computed
    std::int64_t read = 0;
    t0 = Clock::now();
    const double cpu0 = cpu_seconds();
    reader->read_range(std::numeric_limits<std::int64_t>::min(), kDayStart + kDay,
                       [&](const Record&) { return ++read > 0; }, &error);
    fmt::print("the day's records read from the history file, no report: {:.2f} s ({:.2f} s CPU) for {} records\n",
               seconds_since(t0), cpu_seconds() - cpu0, read);
  }
  std::string from_records;  // the report of the pass over the records, as CSV
  for (int run = 0; run < 2; ++run) {  // the second run with the file in the page cache
    auto b = iwd::reports::make_builder(intraday());
    std::int64_t read = 0;
    t0 = Clock::now();
    const double cpu0 = cpu_seconds();
    reader->read_range(std::numeric_limits<std::int64_t>::min(), kDayStart + kDay,
                       [&](const Record& r) {
                         ++read;
                         b.value->add(r);
                         return true;
                       },
                       &error);
    auto t = b.value->finish();
    fmt::print("intraday-process, 15m, from the history file (run {}): {:.2f} s ({:.2f} s CPU) for {} records\n",
               run + 1, seconds_since(t0), cpu_seconds() - cpu0, read);
    from_records = iwd::reports::render(t.value, iwd::reports::Format::Csv);
  }
  // What `iwd report` does: the aggregates answer (docs/reporting.md). Alternated: the day over
  // (now at its end), and now at the last record, inside the last bucket, whose overdue count
  // then comes from the open items' state (read from the file, as a reader does at its first).
  for (int run = 0; run < 6; ++run) {
    const bool at_last = run % 2 == 1;
    auto reader_run = at_last ? iwd::history::Store::open_reader(store_path, &error) : nullptr;
    iwd::reports::Options o = intraday();
    if (!at_last) o.now = o.to;
    bool failed = false;
    t0 = Clock::now();
    const double cpu0 = cpu_seconds();
    auto t = iwd::reports::run_report(at_last ? *reader_run : *reader, o, &failed);
    if (!t.ok()) return fmt::print(stderr, "{}\n", t.error), 1;
    fmt::print("intraday-process, 15m, through run_report (the aggregates), now {} (run {}): {:.3f} s ({:.3f} s CPU, "
               "{} rows{})\n",
               at_last ? "at the last record" : "at the day's end", run / 2 + 1, seconds_since(t0),
               cpu_seconds() - cpu0, t.value.rows.size(),
               at_last ? ""
               : iwd::reports::render(t.value, iwd::reports::Format::Csv) == from_records
                   ? ", the same CSV as the pass over the records"
                   : ", NOT the same as the pass over the records");
  }
  std::vector<double> ms;
  std::mt19937_64 rng(7);
  for (int i = 0; i < 200; ++i) {
    iwd::reports::Options o = intraday();
    o.kind = iwd::reports::ReportKind::TaskDetail;
    o.item = "W" + std::to_string(rng() % static_cast<std::uint64_t>(events / 8));
    auto b = iwd::reports::make_builder(o);
    t0 = Clock::now();
    reader->read_item(o.item, [&](const Record& r) { b.value->add(r); return true; }, &error);
    auto t = b.value->finish();
    ms.push_back(seconds_since(t0) * 1000);
  }
  std::sort(ms.begin(), ms.end());
  fmt::print("task-detail of one item through the item index: median {:.3f} ms, p99 {:.3f} ms, max {:.3f} ms\n",
             ms[ms.size() / 2], ms[ms.size() * 99 / 100], ms.back());
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  std::int64_t events = 10'000'000;
  std::string store_path;
  bool read_only = false;  // --read FILE: only the measures on a history file written before
  bool upgrade = false;    // --upgrade FILE: a writer opens it first (an older schema brought up to date)
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if ((a == "--store" || a == "--read" || a == "--upgrade") && i + 1 < argc) {
      read_only = a != "--store";
      upgrade = a == "--upgrade";
      store_path = argv[++i];
    } else {
      events = std::stoll(a);
    }
  }
  if (upgrade) {
    std::string error;
    auto t0 = Clock::now();
    const double cpu0 = cpu_seconds();
    if (!iwd::history::Store::create(store_path, &error)) return fmt::print(stderr, "{}\n", error), 1;
    fmt::print("opened by a writer (schema brought up to date, aggregates built): {:.1f} s ({:.1f} s CPU)\n",
               seconds_since(t0), cpu_seconds() - cpu0);
  }
  if (read_only) return measure_store(store_path, events);
  // The day's records in memory (about 450 bytes each), so that the report's pass is timed alone.
  std::vector<Record> day;
  day.reserve(static_cast<std::size_t>(events) + events / 10);
  auto t0 = Clock::now();
  DayGenerator(events).run([&](const Record& r) { day.push_back(r); });
  fmt::print("generated {} records of one day in {:.2f} s\n", day.size(), seconds_since(t0));
  for (int run = 0; run < 3; ++run) {
    auto builder = iwd::reports::make_builder(intraday());
    t0 = Clock::now();
    const double cpu0 = cpu_seconds();
    for (const Record& r : day) builder.value->add(r);
    auto table = builder.value->finish();
    fmt::print("intraday-process, 15m, Europe/Berlin, from records in memory (run {}): {:.2f} s ({:.2f} s CPU, {} rows)\n",
               run + 1, seconds_since(t0), cpu_seconds() - cpu0, table.value.rows.size());
  }
  if (store_path.empty()) return 0;

  std::string error;
  std::filesystem::remove(store_path);
  for (const char* suffix : {"-wal", "-shm"}) std::filesystem::remove(store_path + suffix);
  auto store = iwd::history::Store::create(store_path, &error);
  if (!store) return fmt::print(stderr, "{}\n", error), 1;
  std::vector<Record> batch;
  t0 = Clock::now();
  for (const Record& r : day) {
    batch.push_back(r);  // its seq: 1, 2, ... as the store wants them
    if (batch.size() == 10'000) {
      if (!store->append(batch, &error)) return fmt::print(stderr, "{}\n", error), 1;
      batch.clear();
    }
  }
  store->append(batch, &error);
  fmt::print("wrote the history file in {:.1f} s ({:.1f} GB)\n", seconds_since(t0),
             static_cast<double>(std::filesystem::file_size(store_path)) / 1e9);
  store.reset();
  return measure_store(store_path, events);
  return 0;
}
