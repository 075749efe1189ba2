#include "server/item_history.h"

#include "stdlib/time.h"

namespace iwd::server {

using ojson = nlohmann::ordered_json;

namespace {

std::string instant(std::int64_t ms) { return stdlib::format_instant(stdlib::Instant{ms}); }

// The states in which the runtime still holds an item (runtime::is_open, by name).
bool open_state(const std::string& s) {
  return s == "deferred" || s == "queued" || s == "offered" || s == "assigned" || s == "done_pending" || s == "parked" ||
         s == "held";
}

// The record that begins a life of the id: its capture (a rejected one too).
bool is_capture(const history::Record& r) { return r.kind == history::RecordKind::Item && r.reason == "capture"; }

}  // namespace

ojson record_view(const history::Record& r) {
  ojson v{{"seq", r.seq}, {"at", instant(r.at)}, {"kind", history::record_kind_name(r.kind)}};
  if (!r.reason.empty()) v["reason"] = r.reason;
  if (!r.from.empty()) v["from"] = r.from;
  if (!r.to.empty()) v["to"] = r.to;
  if (!r.agent.empty()) v["agent"] = r.agent;
  if (!r.department.empty()) v["department"] = r.department;
  if (!r.process.empty()) v["process"] = r.process;
  v["priority"] = r.priority;
  if (r.kind == history::RecordKind::Priority) v["previous_priority"] = r.previous_priority;
  if (r.kind == history::RecordKind::Widen) v["stage"] = r.stage;
  if (r.due) v["due"] = instant(*r.due);
  if (r.overdue) v["overdue"] = true;
  if (!r.outcome.empty()) v["outcome"] = r.outcome;
  if (!r.detail.empty()) v[history::holds_note(r) ? "note" : "detail"] = r.detail;
  v["actor"] = r.actor;
  return v;
}

bool read_item_page(history::Store& store, const std::string& id, std::int64_t after, std::size_t limit,
                    ItemHistoryPage* page, std::string* error) {
  std::int64_t last = 0, life = 0;
  // The item index visits the whole timeline from its first record (each capture begins a
  // life of the id and names its source); records up to `after` are skipped, and one past the
  // page says there is more.
  return store.read_item(id, [&](const history::Record& r) {
    if (is_capture(r)) page->source = r.actor, ++life;
    page->seen = true;
    if (r.seq <= after) return true;
    if (page->records.size() == limit) {
      page->next_cursor = last;
      return false;
    }
    page->records.push_back(record_view(r));
    page->records.back()["life"] = life;
    last = r.seq;
    return true;
  }, error);
}

std::optional<EndedItem> ended_item(history::Store& store, const std::string& id, std::string* error) {
  EndedItem e;
  std::string state, process, agent, outcome;
  std::int64_t at = 0;
  bool seen = false;
  const bool ok = store.read_item(id, [&](const history::Record& r) {
    if (is_capture(r)) {  // a new life: the last one is told
      e.source = r.actor;
      process.clear(), agent.clear(), outcome.clear();
    }
    seen = true;
    if (r.kind != history::RecordKind::Item) return true;
    if (!r.to.empty()) state = r.to, at = r.at;
    if (!r.process.empty()) process = r.process;
    if (!r.agent.empty()) agent = r.agent;
    if (!r.outcome.empty()) outcome = r.outcome;
    return true;
  }, error);
  if (!ok || !seen || state.empty() || open_state(state)) return std::nullopt;
  e.view = ojson{{"id", id}, {"state", state}};
  if (!process.empty()) e.view["process"] = process;
  if (!agent.empty()) e.view["agent"] = agent;
  if (!outcome.empty()) e.view["outcome"] = outcome;
  e.view["ended_at"] = instant(at);
  e.view["source"] = e.source;
  return e;
}

}  // namespace iwd::server
