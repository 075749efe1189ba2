// The engine: the runtime on the real clock, driven by one thread, with every accepted change
// in the durable journal before it is acknowledged.
//
// The engine thread owns a replay::Session (the runtime on a simulated clock it moves to the
// system time before each batch, so every deadline fires at its own instant). Requests queue
// commands; the thread takes every command waiting, applies them in order, and hands the
// accepted ones to the group committer as journal lines with the instant they were applied;
// it goes on with the next batch while that one is committed. Replies (and offers pushed to
// agents) are released only after their batch is durable; reads travel the same way, so no
// one sees a state that a crash could take back. A change the runtime refuses is answered with
// its reason, with the HTTP status of its refusal code (server/reply.h), and not stored.
//
// At start the journal is replayed through the session on the simulated clock (engine_start.cpp):
// every open item comes back with its state, agent and priority, deadlines firing at their
// instants (those that fell while the service was down fire at start, each at its own instant).
// Recovery starts from the latest snapshot (the runtime's exact state at an instant, taken on
// demand, every compact_every lines and at every hot reload) and replays the lines after it.
#pragma once

#include <nlohmann/json.hpp>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <future>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "history/recorder.h"
#include "history/store.h"
#include "notify/outbox.h"
#include "notify/sender.h"
#include "runtime/clock.h"
#include "runtime/intern.h"
#include "runtime/replay/replay.h"
#include "server/group_commit.h"
#include "server/history_retention.h"
#include "server/capture_window.h"
#include "server/journal.h"
#include "server/metrics.h"
#include "server/offer_hub.h"
#include "server/reply.h"
#include "server/ruleset.h"
#include "server/snapshot_store.h"
#include "server/state_image.h"
#include "stats/tracker.h"

namespace iwd::server {

// A change in the replay script's terms: an operation (capture, agent, accept...) and its JSON
// value (docs/replay.md).
struct Change {
  runtime::replay::Op op = runtime::replay::Op::None;
  nlohmann::json value;
  // An agent token's agent: for done, park, pull and transfer the item must be with it.
  std::string acting_agent;
  // Who asked: the API token's name, the event history's actor (empty: "api", no tokens).
  std::string actor = {};
  // A source token's name: the change may touch only items that source captured (403).
  std::string source = {};
};

struct StartStats {
  std::int64_t lines = 0, ms = 0, reloads = 0;
  bool from_snapshot = false;
  // Where the ms went, in order (microseconds): the latest snapshot read from the store, the
  // rules it was taken under loaded and a session made, its image decoded into the runtime, the
  // idempotency window rebuilt from it, the journal after it read and applied, and the rest
  // (history stored, a reload at start, the queue's statistics rebuilt).
  std::int64_t snapshot_read_us = 0, rules_us = 0, image_us = 0, window_us = 0, replay_us = 0, finish_us = 0;
};

// "snapshot read 12 ms, rules 3 ms, ..." of StartStats' stages.
std::string describe_stages(const StartStats& s);
// The same as Prometheus lines: iwd_recovery_seconds{stage="..."} and iwd_recovery_lines.
std::string recovery_metrics(const StartStats& s);

struct EngineOptions {
  // A snapshot after this many journal lines, once they are also at least as many as the open
  // items and agents (0: only when asked, POST /v1/admin/compact, and at each hot reload).
  // Recovery then reads a snapshot and at most about max(compact_every, open state) lines, so
  // its time follows the open state, not the history (docs/api.md, "Snapshots").
  std::int64_t compact_every = 100'000;
  // The event history (docs/reporting.md): kept in journal.db with the lines that cause it;
  // records older than history_retention_days deleted (0: kept), a pass every
  // history_purge_interval (0: only when asked, purge_history()).
  bool history = true;
  std::int64_t history_retention_days = 0;
  std::chrono::milliseconds history_purge_interval{60'000};
  // Notifications (docs/notifications.md): the configuration's subscriptions (put at each
  // start; those put over the API are kept in journal.db), the outbox's bounds and the
  // sender's retries. They need the history: its records are the events notified.
  // (Each with an initializer, like the fields above, so that `EngineOptions{n}` names
  // only what it sets.)
  std::vector<notify::Subscription> subscriptions{};
  notify::OutboxLimits outbox{};
  notify::RetryPolicy retry{};
  // How long a capture's body and first answer are remembered (docs/api.md, "Idempotency"):
  // a retried identical create within it answers as the first did.
  std::int64_t idempotency_window_ms = 86'400'000;
  // Consecutive captures of new ids in one batch decoded and evaluated together, through the
  // rules' batch entry point (issue 19); false: one by one (the same answers, journal and
  // events: the test of the batch path and its benchmark compare the two).
  bool batch_captures = true;
};

class Engine {
 public:
  // Replays the journal (or starts one with `rules`), then runs. When the journal's rules
  // differ from `rules`, the service reloads to `rules` at start; with no `rules` (nothing
  // loaded) it keeps the journal's. Null and *error on failure.
  static std::unique_ptr<Engine> start(Ruleset rules, runtime::StringPool& pool, Journal& journal, runtime::Clock& clock,
                                       Metrics& metrics, OfferHub& hub, const EngineOptions& options, std::string* error);
  ~Engine();  // stops: queued commands get 503, batches being committed are answered

  // Every request is answered through `Answer`, called once on another thread (the group
  // committer's, or the caller's when the engine is stopping) after the change is durable;
  // the HTTP front end never blocks on one. Each has a blocking form for tests and tools.
  using Answer = std::function<void(Reply)>;
  using ReadFn = std::function<Reply(const runtime::Runtime&, std::int64_t now)>;

  // The item (or agent) after the change, or a 4xx naming why not.
  void change(Change c, Answer done);
  Reply change(Change c);
  // Several changes applied together, each answered on its own (batch create), in order.
  void changes(std::vector<Change> cs, std::function<void(std::vector<Reply>)> done);
  std::vector<Reply> changes(std::vector<Change> cs);
  // A read on the engine thread; `now` is the runtime's instant. `f` outlives the call: it
  // captures what it needs by value.
  void read(ReadFn f, Answer done);
  Reply read(ReadFn f);
  // A hot reload to `next`: every open item re-evaluated (server/state_image.h); on any
  // problem the running rules stay and the reply names the problems. A reload takes a
  // snapshot of the state it leads to, so that recovery never re-evaluates it again.
  void reload(Ruleset next, Answer done);
  Reply reload(Ruleset next);
  // A snapshot now (compaction): the runtime's exact state is stored and the journal before it
  // deleted, so recovery starts from it. Answered once the snapshot is stored; the engine
  // only pauses to copy the state (server/snapshot_store.h).
  void compact(Answer done);
  Reply compact();

  const StartStats& start_stats() const { return start_stats_; }
  std::string ruleset_label() const;
  // The ruleset in force as GET /v1/admin/rules names it: its manifest's name and version,
  // its key (the bundle's hash) and when this service put it in force (its start, or the hot
  // reload that loaded it; a restart loads again).
  struct RulesInForce {
    std::string label, timezone, name, version, key;
    std::int64_t loaded_at = 0;
    // The item attributes the rules type `time` (core ones included), in slot order: the
    // values a client shows as instants; every other value is shown as written.
    std::vector<std::string> time_attributes;
  };
  RulesInForce rules_in_force() const;
  // The rules in force: only on the engine thread, inside a read (a reload replaces them).
  const Ruleset& ruleset_in_force() const { return rules_; }
  CommitStats commit_stats() const { return committer_ ? committer_->stats() : CommitStats{}; }
  // The real-time views (stats/tracker.h), fed every event after recovery: use it only on the
  // engine thread, inside a read.
  stats::Tracker& stats() { return stats_; }
  // A retention pass now (history_retention_days > 0): how many records went.
  std::optional<std::int64_t> purge_history(std::string* error);
  // A reader of the event history on a connection of its own, on any thread (the reports', an
  // item's timeline): journal.db read-only, or a session of the workspace in PostgreSQL.
  std::unique_ptr<history::Store> open_history_reader(std::string* error) const;
  // The source that captured item `id` ("" when not known: an id never captured, or a capture
  // record no longer in the history). Only on the engine thread, inside a read.
  std::string item_source(const std::string& id);
  // How many ids the idempotency index holds (open items and the window's captures). Only on
  // the engine thread, inside a read.
  std::size_t ids_remembered() const { return captured_.size(); }

  // Notifications (server/engine_notify.cpp): null without the history. A subscription's
  // change is stored on the committer's thread, in a transaction of its own.
  notify::Outbox* outbox() { return outbox_.get(); }
  notify::Sender* sender() { return sender_.get(); }
  bool put_subscription(const notify::Subscription& s, std::string* error);
  bool remove_subscription(const std::string& name, std::string* error);
  std::string notify_metrics() const;  // Prometheus lines: iwd_outbox_pending{subscription}, deliveries

 private:
  enum class Kind { Change, Read, Reload, Compact };
  struct Command {
    Kind kind = Kind::Change;
    Change change;
    ReadFn read;
    Ruleset next;
    Answer answer;
  };
  class Tap;  // the session's event sink

  Engine(runtime::StringPool& pool, Journal& journal, runtime::Clock& clock, Metrics& metrics, OfferHub& hub);
  std::unique_ptr<runtime::replay::Session> new_session(const Ruleset& rules, std::int64_t now, std::string* error);
  // Replay (engine_start.cpp).
  bool recover(Ruleset initial, std::string* error);
  bool replay_rules_line(const std::string& key, std::int64_t at, Ruleset* initial, std::string* error);
  bool ruleset_for(const std::string& key, Ruleset* initial, Ruleset* out, std::string* error);
  // The capture path (engine_capture.cpp). A capture of an id the index knows: the first
  // answer again (an identical body within the window), 409 (an open item), or nothing (a new
  // life of an ended item's id).
  std::optional<Reply> capture_again(const std::string& id, std::uint64_t hash, std::int64_t now);
  // After the runtime took the capture: 422 when the rules rejected it (the id stays free),
  // else the item, remembered in the index and the window.
  Reply captured(const Change& c, const std::string& id, std::uint64_t hash, std::int64_t now);
  // The rules' reason when the change being applied rejected `id`'s capture.
  std::optional<std::string> rejection(const std::string& id) const;
  // Recovery: a capture line replayed (not a rejected one), `by` its source (the line's `by`;
  // empty in a journal written before lines named it).
  void remember_capture(const nlohmann::json& value, std::int64_t at, std::int64_t now, const std::string& by);
  static std::uint64_t body_hash(const nlohmann::json& value, const std::string& dumped);
  // The batch loop (engine.cpp).
  void loop();
  void submit(std::vector<std::unique_ptr<Command>> cs);
  void submit_one(Kind kind, Answer done, Change c = {}, ReadFn read = {}, Ruleset next = {});
  Reply apply(Change& c, std::int64_t now, CommitBatch* batch);  // moves c.value into the session
  // The captures of `batch` from `from` on that apply() will hand to the session (new ids, each
  // once), decoded and evaluated together (issue 19: the rules' batch entry point): none when
  // fewer than two.
  std::vector<runtime::replay::PreparedCapture> prepare_captures(const std::deque<std::unique_ptr<Command>>& batch,
                                                                 std::size_t from, std::int64_t now);
  Reply apply_change(Change& c, const std::string& id, std::int64_t now, CommitBatch* batch);
  // Item ids nothing holds any more (no mark, no capture of the window, no open item) released
  // from the pool, so that it does not grow with every id ever seen (docs/api.md,
  // "Idempotency"): after the events that end items are drained, and after expiry.
  void release_ended_ids();
  Reply reload_now(Ruleset next, std::int64_t now, CommitBatch* batch);
  // rules_ is in force from `at`: what rules_in_force() answers.
  void publish_rules(std::int64_t at);
  // Swaps to `next` at `at` when every agent and open item carries over; else keeps the rules.
  bool swap_to(Ruleset next, std::int64_t at, RestoreReport* report, std::string* error);
  // A snapshot at this place in `batch`: the state copied (the image is put together and
  // stored off this thread, server/snapshot_store.h). `waiter` (a compact's answer), when
  // given, is answered with the reply once the snapshot is stored.
  Reply snapshot_now(std::int64_t now, CommitBatch* batch, Answer* waiter);
  bool restore_captured(const std::string& text, std::string* error);  // format 1's JSON index
  Reply outcome(const Change& c, const std::string& id);
  // A command that threw: logged, counted, answered 500.
  Reply internal_error(const std::string& what, const char* message);
  // A command answered after the journal failed: 503 journal_failed naming `error`.
  Reply journal_failed(const std::string& error);
  void drain_events(std::vector<std::pair<std::string, SseMessage>>* messages);
  // The event history (engine_history.cpp): each event's record, made as it is emitted.
  void record(const runtime::Event& e);
  // A done's or complete's `note` (free text the runtime does not keep): from its value, or
  // from a journal line being replayed ("" when none).
  static std::string note_in(runtime::replay::Op op, const nlohmann::json& value);
  static std::string note_in_line(const std::string& line);
  bool open_history(std::string* error);                  // at start, before recovery
  bool store_recovered_history(std::string* error);       // recovery's records not stored yet
  void mark_snapshot(SnapshotJob& job);                   // the history's mark of a snapshot
  // Item ownership (engine_sources.cpp): the source of a capture mark, looked up in the
  // history's capture record the first time after a restart; a 403 when a source token's
  // change is about another source's item.
  std::uint32_t source_of(CaptureMark& mark, const std::string& id);
  std::optional<Reply> forbid_other_source(const Change& c, const std::string& id);

  runtime::StringPool& pool_;
  Journal& journal_;
  runtime::Clock& clock_;
  Metrics& metrics_;
  OfferHub& hub_;
  Ruleset rules_;
  std::unique_ptr<Tap> tap_;
  std::unique_ptr<runtime::replay::Session> session_;
  StartStats start_stats_;
  bool recovering_ = false;
  EngineOptions options_;
  std::int64_t lines_since_snapshot_ = 0;
  bool frame_asked_ = false;  // the next automatic snapshot's frame asked of the store (SnapshotStore::prepare_frame)
  // Each capture's body by id, as a hash of its canonical JSON, while its item is open and
  // for the idempotency window (engine_capture.cpp: the same body again is answered as the
  // first was, another body of an open item with 409). Rebuilt from the snapshot and the
  // journal at start (server/state_image.h).
  CaptureIndex captured_;
  CaptureWindow window_;  // the index's captures by instant, and their first answers
  std::vector<std::uint32_t> maybe_unheld_;  // ids of changes refused or rejected since the last drain
  stats::Tracker stats_;  // rebuilt from the runtime at the end of recovery
  std::atomic<bool> failed_{false};
  // The event history: records numbered in the order the runtime emits the events, those of
  // a batch committed with its lines. recording_ is off while state is carried over or
  // restored (not events); stored_seq_: the last seq stored before this start (recovery does
  // not store those again); requester_: the actor of the command being applied.
  std::unique_ptr<history::Store> history_;
  history::Recorder recorder_;
  std::vector<history::Record> records_;
  std::int64_t stored_seq_ = 0;
  bool recording_ = true;
  std::string requester_;
  // The change being applied prepared with its neighbours (prepare_captures), or null.
  runtime::replay::PreparedCapture* ahead_ = nullptr;
  // The note of the done or complete being applied, for its record's detail (engine_history.cpp).
  std::string note_;
  std::unique_ptr<HistoryRetention> retention_;
  std::unique_ptr<history::Store> source_reader_;  // the engine thread's reader, for source_of
  bool open_outbox(std::string* error);
  std::unique_ptr<notify::Outbox> outbox_;  // on the journal's connection, written by the committer
  std::unique_ptr<notify::Sender> sender_;

  mutable std::mutex mu_;  // guards queue_, stopping_, in_force_
  std::condition_variable wake_;
  std::deque<std::unique_ptr<Command>> queue_;
  bool stopping_ = false;
  RulesInForce in_force_;
  std::unique_ptr<GroupCommitter> committer_;
  std::unique_ptr<SnapshotStore> snapshots_;
  std::shared_ptr<SnapshotJob> batch_snapshot_;  // the snapshot of the batch being applied
  std::thread thread_;
};

}  // namespace iwd::server
