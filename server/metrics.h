// What `GET /metrics` shows, in the Prometheus text format (docs/api.md, "Metrics"):
// counters of what the runtime did (from its events), latency histograms, and gauges of the
// queue computed when scraped.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <functional>
#include <string>

#include "runtime/events.h"
#include "runtime/runtime.h"
#include "stats/queue_stats.h"

namespace iwd::server {

// A histogram of durations in seconds with fixed bucket bounds; safe to observe from any thread.
class LatencyHistogram {
 public:
  static constexpr std::array<double, 14> kBounds{0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
                                                  0.1,    0.25,  0.5,    1,     5,    30,   300};
  void observe(double seconds);
  // `# HELP`, `# TYPE` and the _bucket, _sum and _count lines.
  std::string render(const std::string& name, const std::string& help) const;

 private:
  std::array<std::atomic<std::uint64_t>, kBounds.size() + 1> buckets_{};
  std::atomic<std::uint64_t> count_{0};
  std::atomic<std::uint64_t> sum_us_{0};
};

class Metrics {
 public:
  // From the runtime's events (the engine thread only).
  void on_event(const runtime::Event& e, const runtime::Runtime& rt);
  // From HTTP threads: a create answered after `seconds` (received to durable).
  void observe_capture(double seconds) { capture_latency_.observe(seconds); }
  void count_request(int status);
  // From any thread: a request or command that failed on a bug (answered 500), and a
  // connection the front end closed on its own (a request too slow, an address over its cap).
  void count_internal_error() { internal_errors_.fetch_add(1, std::memory_order_relaxed); }
  void count_connection_refused(bool slow) { (slow ? slow_closed_ : over_cap_).fetch_add(1, std::memory_order_relaxed); }
  // From any thread: the journal failed (once), and a change refused because of it (503).
  void on_journal_failure() { journal_failed_.store(true, std::memory_order_relaxed); }
  void count_journal_refusal() { journal_refusals_.fetch_add(1, std::memory_order_relaxed); }
  bool journal_failed() const { return journal_failed_.load(std::memory_order_relaxed); }

  // The whole page: counters, histograms, and the gauges of `rt` at `now` from the queue's
  // statistics (the engine thread; no scan of the items).
  std::string render(const runtime::Runtime& rt, stats::QueueStats& queue, std::int64_t now, std::uint64_t journal_lines,
                     std::uint64_t transactions) const;
  // Once the journal failed the engine answers no reads (its state is ahead of the journal):
  // the page without the runtime's gauges and counters, from any thread.
  std::string render_failed(std::uint64_t journal_lines, std::uint64_t transactions) const;
  // Lines of another source added at the end of every page (iwd serve --node's own: its lease,
  // heartbeat and workspaces, server/node_status.h); set before the page is served.
  void also_render(std::function<std::string()> more) { more_ = std::move(more); }

 private:
  // Engine-thread counters (read by render on the engine thread too).
  std::uint64_t captures_ = 0, rejected_ = 0, offers_ = 0, rona_ = 0, assignments_ = 0, completed_ = 0,
                canceled_ = 0, expired_ = 0;
  LatencyHistogram capture_latency_, offer_latency_;
  std::array<std::atomic<std::uint64_t>, 6> requests_by_class_{};  // index: status / 100
  std::atomic<std::uint64_t> internal_errors_{0}, slow_closed_{0}, over_cap_{0}, journal_refusals_{0};
  std::atomic<bool> journal_failed_{false};
  std::function<std::string()> more_;
  // What render and render_failed share: counters kept in atomics.
  std::string render_atomic(std::uint64_t journal_lines, std::uint64_t transactions) const;
};

// A workspace's page (GET /v1/workspaces/{ws}/metrics): every series labelled
// `workspace="ws"`, so that one scrape configuration tells the workspaces apart.
std::string label_workspace(const std::string& page, const std::string& workspace);

}  // namespace iwd::server
