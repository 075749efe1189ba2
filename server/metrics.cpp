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

namespace {

// Per process and per department of the rules (a bounded set: a series each, 0 when empty):
// queued items, overdue items, and the oldest open item's age.
std::string group_gauges(const runtime::Runtime& rt, stats::QueueStats& queue, std::int64_t now, const char* by) {
  std::vector<std::string> names;
  if (std::string_view(by) == "process") names.assign(rt.rules().process_names, rt.rules().process_names + rt.rules().process_count);
  else names.assign(rt.rules().department_names, rt.rules().department_names + rt.rules().department_count);
  std::map<std::string, stats::GroupFigures> groups;
  for (const std::string& n : names) groups[n];
  const auto figures = queue.figures(rt, by, now);
  for (const auto& g : *figures) groups[g.name] = g;  // "": the default process, in no department
  std::string out;
  auto family = [&](const char* name, const char* help, const char* type, auto value) {
    out += fmt::format("# HELP iwd_{}_{} {}\n# TYPE iwd_{}_{} {}\n", by, name, help, by, name, type);
    for (const auto& [group, g] : groups) out += fmt::format("iwd_{}_{}{{{}=\"{}\"}} {}\n", by, name, by, group, value(g));
  };
  family("queued_items", "Items queued (waiting for an agent).", "gauge",
         [](const stats::GroupFigures& g) { return g.by_state[static_cast<std::size_t>(runtime::ItemState::Queued) - 1]; });
  family("overdue_items", "Open items past their due instant.", "gauge", [](const stats::GroupFigures& g) { return g.overdue; });
  family("oldest_age_seconds", "Age of the oldest open item (since its capture); 0 without one.", "gauge",
         [](const stats::GroupFigures& g) { return g.open > 0 ? static_cast<double>(g.oldest_age) / 1000.0 : 0.0; });
  return out;
}

}  // namespace

std::string Metrics::render(const runtime::Runtime& rt, stats::QueueStats& queue, std::int64_t now, std::uint64_t journal_lines,
                            std::uint64_t transactions) const {
  // From the queue's statistics (stats/queue_stats.h): kept from the events, so a scrape does
  // not scan the items on the engine thread.
  std::map<std::pair<std::string, std::string>, long> depth;
  std::map<std::string, long> overdue;
  const auto processes = queue.figures(rt, "process", now);
  for (const stats::GroupFigures& g : *processes) {
    for (int st = 0; st < stats::kOpenStates; ++st)
      if (g.by_state[static_cast<std::size_t>(st)] > 0)
        depth[{g.name, std::string(runtime::item_state_name(static_cast<runtime::ItemState>(st + 1)))}] = g.by_state[static_cast<std::size_t>(st)];
    if (g.overdue > 0) overdue[g.name] = g.overdue;
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
  out += group_gauges(rt, queue, now, "process") + group_gauges(rt, queue, now, "department");
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
  if (more_) out += more_();
  return out;
}

std::string label_workspace(const std::string& page, const std::string& workspace) {
  const std::string label = fmt::format("workspace=\"{}\"", workspace);  // a workspace's name needs no escape
  std::string out;
  out.reserve(page.size() + page.size() / 8);
  std::size_t start = 0;
  while (start < page.size()) {
    std::size_t end = page.find('\n', start);
    if (end == std::string::npos) end = page.size();
    const std::string_view line(page.data() + start, end - start);
    const std::size_t cut = line.find_first_of("{ ");
    if (line.empty() || line[0] == '#' || cut == std::string_view::npos) out += line;
    else if (line[cut] == '{') out.append(line.substr(0, cut + 1)).append(label).append(line[cut + 1] == '}' ? "" : ",").append(line.substr(cut + 1));
    else out.append(line.substr(0, cut)).append("{").append(label).append("}").append(line.substr(cut));
    out += '\n';
    start = end + 1;
  }
  return out;
}

}  // namespace iwd::server
