#include "server/engine.h"

#include <fmt/format.h>

#include <algorithm>
#include <cassert>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <unordered_set>

#include "runtime/state_size.h"
#include "server/views.h"
#include "stdlib/hash.h"
#include "stdlib/time.h"

namespace iwd::server {

using json = nlohmann::json;
using ojson = nlohmann::ordered_json;
using runtime::replay::Op;
using runtime::replay::op_name;

// Idempotency-window captures looked at per batch (server/capture_window.h): well under a
// millisecond, and more than a batch can capture.
constexpr std::size_t kExpiryPerBatch = 4096;

class Engine::Tap final : public runtime::EventSink {
 public:
  explicit Tap(Engine& engine) : engine_(engine) {}
  void on_event(const runtime::Event& e) override {
    events.push_back(e);
    engine_.record(e);  // now: the runtime still holds what the event is about
    engine_.stats_.prefetch(e);  // the views read the item's entries at the drain, after the call
  }
  std::vector<runtime::Event> events;

 private:
  Engine& engine_;
};

Engine::Engine(runtime::StringPool& pool, Journal& journal, runtime::Clock& clock, Metrics& metrics, OfferHub& hub)
    : pool_(pool), journal_(journal), clock_(clock), metrics_(metrics), hub_(hub), tap_(std::make_unique<Tap>(*this)) {}

Engine::~Engine() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
  retention_.reset();  // its steps run on the committer
  snapshots_.reset();  // stores the snapshots taken (their batches committed meanwhile)
  if (sender_) sender_->stop();  // its last writes go through the committer
  committer_.reset();  // commits and answers what was handed over
  sender_.reset();     // after the committer, which wakes it
  outbox_.reset();
  for (auto& c : queue_) c->answer(error_reply(503, "stopping", "the service is stopping"));
}

std::string Engine::ruleset_label() const {
  std::lock_guard<std::mutex> lock(mu_);
  return in_force_.label;
}

Engine::RulesInForce Engine::rules_in_force() const {
  std::lock_guard<std::mutex> lock(mu_);
  return in_force_;
}

void Engine::publish_rules(std::int64_t at) {
  RulesInForce r{rules_.label(), rules_.timezone(), "", "", rules_.key, at, {}};
  if (rules_.loaded) {
    r.name = rules_.loaded->manifest().ruleset;
    r.version = rules_.loaded->manifest().ruleset_version;
    for (const runtime::AttributeSpec& a : rules_.loaded->schema().attributes)
      if (a.type == runtime::SlotType::Time) r.time_attributes.push_back(a.name);
  }
  std::lock_guard<std::mutex> lock(mu_);
  in_force_ = std::move(r);
}

void Engine::submit(std::vector<std::unique_ptr<Command>> cs) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (stopping_) {
      for (auto& c : cs) c->answer(error_reply(503, "stopping", "the service is stopping"));
      return;
    }
    for (auto& c : cs) queue_.push_back(std::move(c));
  }
  wake_.notify_one();
}

void Engine::submit_one(Kind kind, Answer done, Change c, ReadFn read, Ruleset next) {
  auto cmd = std::make_unique<Command>();
  cmd->kind = kind;
  cmd->change = std::move(c);
  cmd->read = std::move(read);
  cmd->next = std::move(next);
  cmd->answer = std::move(done);
  std::vector<std::unique_ptr<Command>> one;
  one.push_back(std::move(cmd));
  submit(std::move(one));
}

void Engine::change(Change c, Answer done) { submit_one(Kind::Change, std::move(done), std::move(c)); }
void Engine::read(ReadFn f, Answer done) { submit_one(Kind::Read, std::move(done), {}, std::move(f)); }
void Engine::reload(Ruleset next, Answer done) { submit_one(Kind::Reload, std::move(done), {}, {}, std::move(next)); }
void Engine::compact(Answer done) { submit_one(Kind::Compact, std::move(done)); }

void Engine::changes(std::vector<Change> cs, std::function<void(std::vector<Reply>)> done) {
  struct Gather {
    std::mutex mu;
    std::vector<Reply> replies;
    std::size_t left;
    std::function<void(std::vector<Reply>)> done;
  };
  auto gather = std::make_shared<Gather>();
  gather->replies.resize(cs.size());
  gather->left = cs.size();
  gather->done = std::move(done);
  if (cs.empty()) return gather->done({});
  std::vector<std::unique_ptr<Command>> cmds;
  for (std::size_t k = 0; k < cs.size(); ++k) {
    auto cmd = std::make_unique<Command>();
    cmd->change = std::move(cs[k]);
    cmd->answer = [gather, k](Reply r) {
      std::unique_lock<std::mutex> lock(gather->mu);
      gather->replies[k] = std::move(r);
      if (--gather->left > 0) return;
      lock.unlock();
      gather->done(std::move(gather->replies));
    };
    cmds.push_back(std::move(cmd));
  }
  submit(std::move(cmds));
}

namespace {

// Waits for an answer: the blocking forms.
template <typename T, typename Start>
T wait_for(Start start) {
  std::promise<T> promise;
  auto answer = promise.get_future();
  start([&promise](T r) { promise.set_value(std::move(r)); });
  return answer.get();
}

}  // namespace

Reply Engine::change(Change c) {
  return wait_for<Reply>([&](Answer a) { change(std::move(c), std::move(a)); });
}
std::vector<Reply> Engine::changes(std::vector<Change> cs) {
  return wait_for<std::vector<Reply>>([&](std::function<void(std::vector<Reply>)> a) { changes(std::move(cs), std::move(a)); });
}
Reply Engine::read(ReadFn f) {
  return wait_for<Reply>([&](Answer a) { read(std::move(f), std::move(a)); });
}
Reply Engine::reload(Ruleset next) {
  return wait_for<Reply>([&](Answer a) { reload(std::move(next), std::move(a)); });
}
Reply Engine::compact() {
  return wait_for<Reply>([&](Answer a) { compact(std::move(a)); });
}

void Engine::loop() {
  for (;;) {
    std::deque<std::unique_ptr<Command>> batch;
    {
      std::unique_lock<std::mutex> lock(mu_);
      const std::int64_t next = session_->runtime().next_deadline();
      const std::int64_t now = clock_.now().ms_since_epoch;
      const std::int64_t wait_ms = next == runtime::abi::kNone ? 1000 : std::clamp<std::int64_t>(next - now, 0, 1000);
      wake_.wait_for(lock, std::chrono::milliseconds(wait_ms), [this] { return stopping_ || !queue_.empty(); });
      if (stopping_) return;
      batch.swap(queue_);
    }
    const auto pass_began = std::chrono::steady_clock::now();
    const std::int64_t now = std::max(clock_.now().ms_since_epoch, session_->now());
    session_->advance(now);
    auto messages = std::make_shared<std::vector<std::pair<std::string, SseMessage>>>();
    drain_events(messages.get());
    window_.expire(now, captured_, kExpiryPerBatch);  // bounded: a quiet spell's backlog goes over several wakes
    release_ended_ids();
    if (batch.empty() && messages->empty() && records_.empty()) continue;  // a timer wake that changed nothing
    CommitBatch commit;
    auto answers = std::make_shared<std::vector<std::pair<std::unique_ptr<Command>, Reply>>>();
    // A run of captures decoded and evaluated together: run[k] is batch[run_from + k]'s.
    std::vector<runtime::replay::PreparedCapture> run;
    std::size_t run_from = 0;
    for (std::size_t j = 0; j < batch.size(); ++j) {
      auto& c = batch[j];
      Reply r;
      // One command's exception (a bug) is answered 500 and logged; the engine goes on with the
      // next. Commands check their input before they change anything, so a throw leaves the
      // runtime as it was or, past the change, with its journal line already in the batch.
      try {
        if (failed_) r = journal_failed(committer_->failure());
        else if (c->kind == Kind::Read) r = c->read(session_->runtime(), now);
        else if (c->kind == Kind::Change) {
          requester_ = c->change.actor.empty() ? "api" : c->change.actor;  // the history's actor
          note_ = note_in(c->change.op, c->change.value);
          if (j >= run_from + run.size() && c->change.op == Op::Capture && options_.batch_captures && !failed_) {
            run = prepare_captures(batch, j, now);
            run_from = j;
          }
          ahead_ = j - run_from < run.size() ? &run[j - run_from] : nullptr;
          r = apply(c->change, now, &commit);  // takes the change's value
        }
        else if (c->kind == Kind::Reload) r = reload_now(std::move(c->next), now, &commit);
        else r = snapshot_now(now, &commit, &c->answer);
      } catch (const std::exception& e) {
        r = internal_error(c->kind == Kind::Change ? std::string(op_name(c->change.op)) : "command", e.what());
      }
      requester_.clear();
      note_.clear();
      ahead_ = nullptr;
      drain_events(messages.get());
      answers->emplace_back(std::move(c), std::move(r));
    }
    lines_since_snapshot_ += static_cast<std::int64_t>(commit.lines.size());
    // By itself once the journal since the last snapshot is compact_every lines and at least
    // as many as the open state (docs/api.md, "Snapshots"), and none is being stored.
    const auto open = static_cast<std::int64_t>(session_->runtime().open_items() + session_->runtime().agents().size());
    const std::int64_t due_at = std::max(options_.compact_every, open);  // lines since the last one
    if (!failed_ && !frame_asked_ && options_.compact_every > 0 && 2 * lines_since_snapshot_ >= due_at) {
      // Half way: its frame mapped ahead on the store's thread, for as many open items as
      // there can be by then (a line opens one item at most).
      const auto items = static_cast<std::size_t>(std::max<std::int64_t>(open + due_at - lines_since_snapshot_, 0));
      snapshots_->prepare_frame(runtime::state_bytes(session_->runtime(), items + items / 8));
      frame_asked_ = true;
    }
    if (!failed_ && !commit.snapshot && options_.compact_every > 0 && lines_since_snapshot_ >= options_.compact_every &&
        lines_since_snapshot_ >= open && !snapshots_->busy()) {
      try {
        snapshot_now(now, &commit, nullptr);
      } catch (const std::exception& e) {
        internal_error("snapshot", e.what());
      }
    }
    batch_snapshot_.reset();
    commit.history = std::move(records_);
    records_.clear();
    commit.done = [this, answers, messages](bool ok, const std::string& error) {
      if (!ok && !failed_.exchange(true)) metrics_.on_journal_failure();
      for (auto& [c, r] : *answers) {
        if (!ok && c->kind != Kind::Read) metrics_.count_journal_refusal();  // once: every command passes here
        if (!ok) r = journal_failed(error);
        c->answer(std::move(r));
      }
      if (ok)
        for (const auto& [agent, m] : *messages) hub_.publish(agent, m);
    };
    if (snapshot_trace_on()) {
      const double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - pass_began).count();
      if (ms > 10) snapshot_trace("engine", fmt::format("pass over {} command(s) in {:.1f} ms", answers->size(), ms));
    }
    committer_->submit(std::move(commit));
  }
}

Reply Engine::internal_error(const std::string& what, const char* message) {
  metrics_.count_internal_error();
  std::fprintf(stderr, "iwd serve: internal error in `%s`: %s (answered 500; the engine goes on)\n", what.c_str(), message);
  return error_reply(500, "internal", fmt::format("an internal error stopped `{}`; nothing was changed", what));
}

// Nothing is acknowledged once the journal failed: the state in memory is ahead of it.
Reply Engine::journal_failed(const std::string& error) {
  return error_reply(503, "journal_failed",
                     fmt::format("the journal could not store a change ({}); nothing is acknowledged until the service "
                                 "is restarted",
                                 error));
}

namespace {

// The item a change is about.
std::string item_of(const Change& c) {
  const json& v = c.value;
  if (v.is_string()) return v.get<std::string>();
  if (v.is_object()) {
    if (v.contains("item") && v["item"].is_string()) return v["item"].get<std::string>();
    if (v.contains("id") && v["id"].is_string()) return v["id"].get<std::string>();
  }
  return {};
}

bool has_float(const json& j) {
  if (j.is_number_float()) return true;
  if (j.is_structured())
    for (const json& e : j)
      if (has_float(e)) return true;
  return false;
}

void integral_floats_as_integers(json& j) {
  if (j.is_number_float()) {
    const double d = j.get<double>();
    if (d == std::trunc(d) && d >= -9.2e18 && d <= 9.2e18) j = static_cast<std::int64_t>(d);
  } else if (j.is_structured()) {
    for (json& e : j) integral_floats_as_integers(e);
  }
}

}  // namespace

// A capture body's identity for idempotency: its canonical JSON (keys in order), with a
// number that is a whole number written as one (`100.0` is `100`), so a retry that spells a
// number another way is the same body. `dumped` is `value.dump()`.
std::uint64_t Engine::body_hash(const json& value, const std::string& dumped) {
  if (!has_float(value)) return stdlib::fnv1a64(dumped);
  json copy = value;
  integral_floats_as_integers(copy);
  return stdlib::fnv1a64(copy.dump());
}

Reply Engine::apply(Change& c, std::int64_t now, CommitBatch* batch) {
  const std::string id = item_of(c);
  Reply r = apply_change(c, id, now, batch);
  // A change that kept nothing of its item (a rejected capture, an update of an id not open)
  // may still have interned the id: released at the drain when nothing holds it.
  if (r.status >= 400 && c.op != Op::Agent && !id.empty())
    if (const auto known = pool_.find(id)) maybe_unheld_.push_back(*known);
  return r;
}

// The value is parsed once (by the route) and serialized once (for the journal line and the
// capture's identity); the session takes the parsed value itself.
Reply Engine::apply_change(Change& c, const std::string& id, std::int64_t now, CommitBatch* batch) {
  runtime::Runtime& rt = session_->runtime();
  const std::string value = c.value.dump();  // canonical: keys in order
  const std::uint64_t hash = c.op == Op::Capture ? body_hash(c.value, value) : 0;
  // Before anything else: another source learns nothing of the item, not even its state.
  if (c.op != Op::Agent)
    if (auto forbidden = forbid_other_source(c, id)) return *forbidden;
  if (c.op == Op::Capture) {
    if (id.empty()) return error_reply(422, "missing_id", "an item needs an `id` (a string): the source system's key");
    if (auto again = capture_again(id, hash, now)) return *again;  // engine_capture.cpp
  } else if (c.op != Op::Agent && !id.empty()) {
    // An ended item: say so rather than "no open item". (Ids are looked up, not interned: an
    // unknown id must not grow the pool.)
    const auto known = pool_.find(id);
    if (const CaptureMark* mark = known ? captured_.find(*known) : nullptr; mark && mark->ended != runtime::ItemState::None)
      return error_reply(409, "ended", fmt::format("item `{}` is {}; it cannot be given `{}`", id,
                                                   runtime::item_state_name(mark->ended), op_name(c.op)));
  }
  if (!c.acting_agent.empty() && (c.op == Op::Done || c.op == Op::Park || c.op == Op::Pull || c.op == Op::Transfer)) {
    const auto known = pool_.find(id);
    const runtime::WorkItem* item = known ? rt.find_item(*known) : nullptr;
    if (item && (item->agent == runtime::kNoIndex || rt.pool().view(rt.agents()[item->agent].id) != c.acting_agent))
      return error_reply(403, "forbidden", fmt::format("item `{}` is not with agent `{}`", id, c.acting_agent));
  }
  // The journal line is the replay line {"at": INSTANT, OP: VALUE}; applied as parsed.
  std::string line =
      fmt::format("{{\"at\":\"{}\",\"{}\":{}}}", stdlib::format_instant(stdlib::Instant{now}), op_name(c.op), value);
  // A capture's line names its source: recovery knows whose the item is without the history
  // (whose capture record retention may have deleted: engine_sources.cpp).
  if (c.op == Op::Capture) line.insert(line.size() - 1, ",\"by\":" + json(requester_).dump());
  // A refusal is answered by its code (server/reply.cpp's table), never by its wording.
  if (runtime::Status s = session_->apply(runtime::replay::ScriptLine{now, c.op, std::move(c.value)}, ahead_); !s.ok())
    return refusal_reply(s);
  batch->lines.push_back(std::move(line));  // a rejected capture too: its history record is replayed
  if (c.op == Op::Capture) return captured(c, id, hash, now);
  return outcome(c, id);
}

// Only captures sure to reach the session are decoded ahead: a new id (not in the pool, so
// neither the idempotency index nor a source's ownership can answer for it) not already in the
// run. One that an earlier change answers for itself, a repeated id, ends the run there, as
// would a decode that the single path does not make.
std::vector<runtime::replay::PreparedCapture> Engine::prepare_captures(const std::deque<std::unique_ptr<Command>>& batch,
                                                                       std::size_t from, std::int64_t now) {
  std::vector<const json*> values;
  std::unordered_set<std::string> ids;
  for (std::size_t j = from; j < batch.size(); ++j) {
    const Command& c = *batch[j];
    if (c.kind != Kind::Change || c.change.op != Op::Capture) break;
    std::string id = item_of(c.change);
    if (id.empty() || pool_.find(id) || !ids.insert(std::move(id)).second) break;
    values.push_back(&c.change.value);
  }
  if (values.size() < 2) return {};
  return session_->prepare_captures(now, values);
}

std::optional<std::string> Engine::rejection(const std::string& id) const {
  const auto known = pool_.find(id);
  if (!known) return std::nullopt;
  for (const runtime::Event& e : tap_->events)  // not drained yet: this change's events
    if (e.kind == runtime::EventKind::ItemStateChanged && e.item == *known && e.to_item == runtime::ItemState::Rejected)
      return std::string(e.detail ? e.detail : "the rules classify it into no process");
  return std::nullopt;
}

// The item (or agent) a change was about, as it stands after the change.
Reply Engine::outcome(const Change& c, const std::string& id) {
  const runtime::Runtime& rt = session_->runtime();
  const std::int64_t now = session_->now();
  const auto known = pool_.find(id);  // the change succeeded: its item or agent has been interned
  if (c.op == Op::Agent) {
    const runtime::Agent* a = known ? rt.find_agent(*known) : nullptr;
    return a ? Reply{200, agent_view(rt, *a)} : Reply{200, ojson{{"id", id}}};
  }
  const int status = c.op == Op::Capture ? 201 : 200;
  const std::uint32_t interned = known ? *known : runtime::kNoId;
  if (const runtime::WorkItem* item = known ? rt.find_item(interned) : nullptr)
    return Reply{status, {}, item_view_text(rt, *item, now)};
  ojson gone{{"id", id}};
  for (const runtime::Event& e : tap_->events)  // not drained yet: this change's events
    if (e.kind == runtime::EventKind::ItemStateChanged && e.item == interned) {
      gone["state"] = std::string(runtime::item_state_name(e.to_item));
      if (e.detail) gone["detail"] = e.detail;
    }
  if (!gone.contains("state"))
    if (const CaptureMark* mark = captured_.find(interned); mark && mark->ended != runtime::ItemState::None)
      gone["state"] = std::string(runtime::item_state_name(mark->ended));
  return Reply{status, gone};
}

void Engine::drain_events(std::vector<std::pair<std::string, SseMessage>>* messages) {
  const runtime::Runtime& rt = session_->runtime();
  for (const runtime::Event& e : tap_->events) {
    if (!recovering_) stats_.on_event(e, rt);
    if (e.kind != runtime::EventKind::ItemStateChanged) continue;
    // (A rejected capture has no mark: an earlier life's, if any, stays as it ended.)
    if (!runtime::is_open(e.to_item) && e.to_item != runtime::ItemState::None && e.to_item != runtime::ItemState::Rejected)
      if (CaptureMark* mark = captured_.find(e.item)) {
        mark->ended = e.to_item;
        window_.ended(e.item, e.at, captured_);
      }
    if (recovering_) continue;
    metrics_.on_event(e, rt);
    if (e.agent == runtime::kNoId) continue;
    const std::string agent(pool_.view(e.agent));
    if (e.to_item == runtime::ItemState::Offered) {
      const runtime::WorkItem* item = rt.find_item(e.item);
      messages->emplace_back(agent, SseMessage{"offer", item ? item_view(rt, *item, e.at).dump() : ojson{{"id", pool_.view(e.item)}}.dump()});
    } else if (e.from_item == runtime::ItemState::Offered) {
      ojson ended{{"id", pool_.view(e.item)},
                  {"state", runtime::item_state_name(e.to_item)},
                  {"reason", runtime::cause_name(e.cause)}};
      // Rules with `report by`: the item's values at the event (LANGUAGE.md 1.1 section 11).
      if (std::string d = runtime::replay::dimensions_json(e, rt.rules(), pool_, &rt.schema()); !d.empty())
        ended["dimensions"] = ojson::parse(d);
      messages->emplace_back(agent, SseMessage{"offer_ended", ended.dump()});
    }
  }
  tap_->events.clear();
  release_ended_ids();  // after the events: they name the numbers
}

void Engine::release_ended_ids() {
  const runtime::Runtime& rt = session_->runtime();
  const auto release = [&](std::uint32_t id) {
    if (captured_.find(id) || window_.names(id) || rt.find_item(id)) return;
    // The views dropped the item at its end event (fed before this, in drain_events): a number
    // given to another id must not meet its entries. (Not fed while recovering: rebuilt after.)
    assert(recovering_ || !stats_.holds(id));
    pool_.release(id);  // false for an id that is also a value (pinned): kept
  };
  for (std::uint32_t id : window_.take_unnamed()) release(id);
  for (std::uint32_t id : maybe_unheld_) release(id);
  maybe_unheld_.clear();
}

bool Engine::swap_to(Ruleset next, std::int64_t at, RestoreReport* report, std::string* error) {
  auto session = new_session(next, at, error);
  if (!session) return false;
  recording_ = false;  // carried over, not events
  *report = restore(image_of(session_->runtime()), session->runtime());
  recording_ = true;
  if (!report->ok()) {
    tap_->events.clear();  // the new session's events: it is discarded
    return false;
  }
  // The agents go on in their states: their time in state counts from before the reload.
  for (const runtime::Agent& a : session_->runtime().agents())
    if (const runtime::Agent* now_a = session->runtime().find_agent(a.id); now_a && now_a->state == a.state && now_a->reason == a.reason)
      session->runtime().set_state_since(a.id, a.state_since);
  session_ = std::move(session);
  rules_ = std::move(next);
  publish_rules(at);
  return true;
}

Reply Engine::reload_now(Ruleset next, std::int64_t now, CommitBatch* batch) {
  RestoreReport report;
  std::string error;
  const std::string key = next.key, bundle = next.bundle, label = next.label();
  if (!swap_to(std::move(next), now, &report, &error)) {
    if (!error.empty()) return error_reply(422, "rules_unusable", error);
    Reply r = error_reply(409, "reload_refused",
                          fmt::format("the running rules stay: {} open item(s) or agent(s) do not carry over to the new rules",
                                      report.problems.size() + report.more_problems));
    r.body["error"]["problems"] = report.problems;
    return r;
  }
  batch->rulesets.emplace_back(key, bundle);
  batch->lines.push_back(json{{"at", stdlib::format_instant(stdlib::Instant{now})}, {"rules", key}}.dump());
  // The state the reload led to, as a snapshot: recovery starts from it and never evaluates
  // the open items under the new rules again (which costs as much as the reload did).
  try {
    snapshot_now(now, batch, nullptr);
  } catch (const std::exception& e) {  // the reload stands; recovery replays it
    internal_error("snapshot after a reload", e.what());
  }
  ojson body{{"ruleset", label}, {"key", key}, {"agents", report.agents}, {"items_reevaluated", report.items}};
  body["dropped_attributes"] = report.dropped_attributes;
  return Reply{200, body};
}

Reply Engine::snapshot_now(std::int64_t now, CommitBatch* batch, Answer* waiter) {
  std::shared_ptr<SnapshotJob> job = batch_snapshot_;
  // A second one with no line between them (two compacts in a batch) is the same snapshot.
  if (!job || batch->snapshot->after_lines != batch->lines.size()) {
    job = std::make_shared<SnapshotJob>();
    job->at = now;
    job->rules_key = rules_.key;
    const auto began = std::chrono::steady_clock::now();
    window_.expire(now, captured_, SIZE_MAX);  // the snapshot keeps only what the window still needs
    const auto expired = std::chrono::steady_clock::now();
    AnswerLog::View answers = window_.answers();
    const auto viewed = std::chrono::steady_clock::now();
    std::size_t prepared = 0;  // the frame's bytes mapped ahead (0: none)
    job->state = capture_state(session_->runtime(), captured_, std::move(answers), snapshots_->take_frame(&prepared));
    mark_snapshot(*job);
    if (snapshot_trace_on()) {
      const auto ms = [](auto from, auto to) { return std::chrono::duration<double, std::milli>(to - from).count(); };
      snapshot_trace("engine", fmt::format("state captured in {:.1f} ms (window expired in {:.1f} ms, answers viewed in "
                                           "{:.1f} ms, frame written in {:.1f} ms into {}, index copied in {:.1f} ms; "
                                           "{} items, {} agents, frame {} bytes, {} marks, {} answers of the window: the image keeps "
                                           "its marks', counted by the store's trace)",
                                           ms(began, std::chrono::steady_clock::now()), ms(began, expired),
                                           ms(expired, viewed), job->state.frame_ms,
                                           prepared ? fmt::format("{} bytes mapped ahead", prepared) : std::string("a new mapping"),
                                           job->state.index_ms, job->state.items, job->state.agents,
                                           job->state.frame.size(), job->state.captured.size(), job->state.answers.size()));
    }
    if (batch_snapshot_) {  // a later snapshot in the batch covers what the earlier one did, and more
      job->waiters = std::move(batch_snapshot_->waiters);
      snapshots_->drop(batch_snapshot_);
    }
    snapshots_->expect(job);
    batch_snapshot_ = job;
    batch->snapshot = SnapshotRecord{batch->lines.size(),
                                     [store = snapshots_.get(), job](bool ok, std::int64_t covered, const std::string& error) {
                                       store->committed(job, ok, covered, error);
                                     }};
    lines_since_snapshot_ = 0;
    frame_asked_ = false;
  }
  Reply r{200, ojson{{"snapshot_at", stdlib::format_instant(stdlib::Instant{now})},
                     {"agents", job->state.agents},
                     {"items", job->state.items},
                     {"ids_remembered", job->state.captured.size()}}};
  if (waiter) {  // answered once the snapshot is stored
    job->waiters.push_back([answer = std::move(*waiter), r](bool ok, const std::string& error) {
      answer(ok ? r : error_reply(503, "snapshot_failed", "the snapshot was not stored: " + error));
    });
    *waiter = [](Reply) {};
  }
  return r;
}

bool Engine::restore_captured(const std::string& text, std::string* error) {
  const json j = json::parse(text, nullptr, false);
  if (!j.is_array()) {
    *error = "the snapshot's idempotency index is damaged";
    return false;
  }
  for (const json& e : j) {
    if (!e.is_array() || e.size() != 3 || !e[0].is_string() || !e[1].is_number_unsigned() || !e[2].is_string()) {
      *error = "the snapshot's idempotency index is damaged";
      return false;
    }
    CaptureMark mark{e[1].get<std::uint64_t>()};
    const std::string ended = e[2].get<std::string>();
    for (auto s : {runtime::ItemState::Completed, runtime::ItemState::Canceled, runtime::ItemState::Expired,
                   runtime::ItemState::Rejected})
      if (ended == runtime::item_state_name(s)) mark.ended = s;
    captured_.set(pool_.intern_item(e[0].get<std::string>()), mark);
  }
  return true;
}

std::unique_ptr<runtime::replay::Session> Engine::new_session(const Ruleset& rules, std::int64_t now, std::string* error) {
  auto session = std::make_unique<runtime::replay::Session>(rules.loaded->table(), pool_, runtime::replay::ReplayOptions{}, tap_.get());
  if (!session->init(error)) return nullptr;
  session->advance(now);
  return session;
}

}  // namespace iwd::server
