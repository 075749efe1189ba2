#include "server/metrics.h"

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <vector>

#include "runtime/item.h"

namespace iwd::server {

void LatencyHistogram::observe(double seconds) {
  std::size_t k = 0;
  while (k < kBounds.size() && seconds > kBounds[k]) ++k;
  buckets_[k].fetch_add(1, std::memory_order_relaxed);
  count_.fetch_add(1, std::memory_order_relaxed);
  sum_us_.fetch_add(static_cast<std::uint64_t>(std::max(0.0, seconds) * 1e6), std::memory_order_relaxed);
}

std::string LatencyHistogram::render(const std::string& name, const std::string& help) const {
  std::string out = fmt::format("# HELP {} {}\n# TYPE {} histogram\n", name, help, name);
  std::uint64_t cumulative = 0;
  for (std::size_t k = 0; k < kBounds.size(); ++k) {
    cumulative += buckets_[k].load(std::memory_order_relaxed);
    out += fmt::format("{}_bucket{{le=\"{}\"}} {}\n", name, kBounds[k], cumulative);
  }
  cumulative += buckets_[kBounds.size()].load(std::memory_order_relaxed);
  out += fmt::format("{}_bucket{{le=\"+Inf\"}} {}\n", name, cumulative);
  out += fmt::format("{}_sum {}\n{}_count {}\n", name, static_cast<double>(sum_us_.load()) / 1e6, name, count_.load());
  return out;
}

void Metrics::on_event(const runtime::Event& e, const runtime::Runtime& rt) {
  using runtime::Cause;
  using runtime::ItemState;
  if (e.kind != runtime::EventKind::ItemStateChanged || e.cause == Cause::Reload) return;  // carried over, not new
  if (e.from_item == ItemState::None && e.cause == Cause::Capture) ++(e.to_item == ItemState::Rejected ? rejected_ : captures_);
  switch (e.to_item) {
    case ItemState::Offered:
      ++offers_;
      if (const runtime::WorkItem* item = rt.find_item(e.item); item && item->record.present(runtime::kSlotCapturedAt))
        offer_latency_.observe(static_cast<double>(e.at - item->record.get_int(runtime::kSlotCapturedAt)) / 1000.0);
      break;
    case ItemState::Assigned:
      if (e.cause == Cause::Accept) ++assignments_;
      break;
    case ItemState::Completed: ++completed_; break;
    case ItemState::Canceled: ++canceled_; break;
    case ItemState::Expired: ++expired_; break;
    default: break;
  }
  if (e.from_item == ItemState::Offered && e.cause == Cause::OfferTimeout) ++rona_;
}

void Metrics::count_request(int status) {
  const auto k = static_cast<std::size_t>(std::clamp(status / 100, 0, 5));
  requests_by_class_[k].fetch_add(1, std::memory_order_relaxed);
}

std::string Metrics::render(const runtime::Runtime& rt, std::int64_t now, std::uint64_t journal_lines,
                            std::uint64_t transactions) const {
  // Counted by index in one pass (no string per item: this scan runs on the engine thread).
  const auto processes = static_cast<std::size_t>(rt.rules().process_count);
  constexpr std::size_t kStates = static_cast<std::size_t>(runtime::ItemState::Held) + 1;
  std::vector<long> counts(processes * kStates, 0), late(processes, 0);
  for (const auto& item : rt.items()) {
    if (!runtime::is_open(item.state) || item.process < 0) continue;
    const auto p = static_cast<std::size_t>(item.process);
    ++counts[p * kStates + static_cast<std::size_t>(item.state)];
    if (item.clock.due != runtime::abi::kNone && now > item.clock.due) ++late[p];
  }
  std::map<std::pair<std::string, std::string>, long> depth;
  std::map<std::string, long> overdue;
  for (std::size_t p = 0; p < processes; ++p) {
    const std::string process = rt.rules().process_names[p];
    for (std::size_t st = 0; st < kStates; ++st)
      if (counts[p * kStates + st] > 0)
        depth[{process, std::string(runtime::item_state_name(static_cast<runtime::ItemState>(st)))}] = counts[p * kStates + st];
    if (late[p] > 0) overdue[process] = late[p];
  }
  std::map<std::string, long> agents;
  for (const auto& a : rt.agents()) ++agents[std::string(runtime::agent_state_name(a.state))];

  std::string out = "# HELP iwd_queue_depth Open work items by process and state.\n# TYPE iwd_queue_depth gauge\n";
  for (const auto& [key, n] : depth)
    out += fmt::format("iwd_queue_depth{{process=\"{}\",state=\"{}\"}} {}\n", key.first, key.second, n);
  out += "# HELP iwd_overdue_items Open work items past their due instant, by process.\n# TYPE iwd_overdue_items gauge\n";
  for (const auto& [process, n] : overdue) out += fmt::format("iwd_overdue_items{{process=\"{}\"}} {}\n", process, n);
  out += "# HELP iwd_agents Agents by state.\n# TYPE iwd_agents gauge\n";
  for (const auto& [state, n] : agents) out += fmt::format("iwd_agents{{state=\"{}\"}} {}\n", state, n);
  auto counter = [&out](const char* name, const char* help, std::uint64_t v) {
    out += fmt::format("# HELP {} {}\n# TYPE {} counter\n{} {}\n", name, help, name, name, v);
  };
  counter("iwd_captures_total", "Items captured (classified into a process).", captures_);
  counter("iwd_rejected_total", "Items the rules rejected at capture.", rejected_);
  counter("iwd_offers_total", "Offers made to agents.", offers_);
  counter("iwd_rona_total", "Offers returned on no answer (the offer timed out).", rona_);
  counter("iwd_assignments_total", "Offers accepted.", assignments_);
  counter("iwd_completed_total", "Items completed by their source.", completed_);
  counter("iwd_canceled_total", "Items canceled by their source.", canceled_);
  counter("iwd_expired_total", "Items that expired.", expired_);
  return out + render_atomic(journal_lines, transactions);
}

std::string Metrics::render_failed(std::uint64_t journal_lines, std::uint64_t transactions) const {
  return render_atomic(journal_lines, transactions);
}

std::string Metrics::render_atomic(std::uint64_t journal_lines, std::uint64_t transactions) const {
  std::string out;
  auto counter = [&out](const char* name, const char* help, std::uint64_t v) {
    out += fmt::format("# HELP {} {}\n# TYPE {} counter\n{} {}\n", name, help, name, name, v);
  };
  counter("iwd_journal_lines_total", "Journal lines stored since start.", journal_lines);
  counter("iwd_journal_transactions_total", "Group-commit transactions since start.", transactions);
  out += fmt::format("# HELP iwd_journal_failed 1 once a journal transaction failed: every change is refused until the "
                     "service is restarted.\n# TYPE iwd_journal_failed gauge\niwd_journal_failed {}\n",
                     journal_failed() ? 1 : 0);
  counter("iwd_journal_failures_total", "Changes refused because the journal could not store them (503 journal_failed).",
          journal_refusals_.load());
  out += "# HELP iwd_http_responses_total HTTP responses by status class.\n# TYPE iwd_http_responses_total counter\n";
  for (std::size_t k = 1; k < requests_by_class_.size(); ++k)
    out += fmt::format("iwd_http_responses_total{{class=\"{}xx\"}} {}\n", k, requests_by_class_[k].load());
  counter("iwd_internal_errors_total", "Requests that failed on an internal error (answered 500, logged).",
          internal_errors_.load());
  out += "# HELP iwd_connections_closed_total Connections the server closed on its own.\n"
         "# TYPE iwd_connections_closed_total counter\n";
  out += fmt::format("iwd_connections_closed_total{{reason=\"slow_request\"}} {}\n", slow_closed_.load());
  out += fmt::format("iwd_connections_closed_total{{reason=\"address_cap\"}} {}\n", over_cap_.load());
  out += capture_latency_.render("iwd_capture_seconds", "Create requests: received to acknowledged (durable).");
  out += offer_latency_.render("iwd_offer_wait_seconds", "Items: captured to first offered (and each later offer).");
  return out;
}

}  // namespace iwd::server
