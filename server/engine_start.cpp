// The engine's start: the journal replayed through a session on a simulated clock, with the
// rules each stretch of it was written under (its `rules` lines), then the rules given.
#include <fmt/format.h>

#include <chrono>

#include "server/engine.h"
#include "stdlib/time.h"

namespace iwd::server {

using json = nlohmann::json;

std::unique_ptr<Engine> Engine::start(Ruleset rules, runtime::StringPool& pool, Journal& journal, runtime::Clock& clock,
                                      Metrics& metrics, OfferHub& hub, const EngineOptions& options, std::string* error) {
  std::unique_ptr<Engine> e(new Engine(pool, journal, clock, metrics, hub));
  e->options_ = options;
  e->window_.set_window(options.idempotency_window_ms);
  if (!e->open_history(error) || !e->open_outbox(error) || !e->recover(std::move(rules), error)) return nullptr;
  e->committer_ = std::make_unique<GroupCommitter>(journal, e->history_.get(), e->outbox_.get());
  // The sender's writes go through the committer: journal.db has one writer (notify/sender.h).
  auto writer = [c = e->committer_.get()](const notify::Sender::Step& step, std::string* err) {
    return c->run_step([&](Journal& j, std::string* e2) { return step(j.store(), e2); }, err);
  };
  auto open = [j = &journal](std::string* err) { return j->open_another(err); };
  if (e->outbox_ && !(e->sender_ = notify::Sender::start(open, *e->outbox_, options.retry, error, writer))) return nullptr;
  if (e->history_ && options.history_retention_days > 0)
    e->retention_ = std::make_unique<HistoryRetention>(*e->committer_, *e->history_, clock, options.history_retention_days,
                                                       options.history_purge_interval);
  // On PostgreSQL a snapshot's parts and pruning run on a connection of their own, beside the
  // batches' commits (server/snapshot_store.h).
  e->snapshots_ = std::make_unique<SnapshotStore>(*e->committer_, pool,
                                                  [j = &journal](std::string* err) { return j->open_side(err); });
  e->thread_ = std::thread([p = e.get()] { p->loop(); });
  return e;
}

bool Engine::ruleset_for(const std::string& key, Ruleset* initial, Ruleset* out, std::string* error) {
  if (initial->loaded && initial->key == key) {
    *out = std::move(*initial);
    return true;
  }
  auto bundle = journal_.ruleset(key, error);
  if (!bundle) return false;
  if (load_ruleset_bundle(*bundle, pool_, out, error) != RulesetStatus::Ok) {
    *error = fmt::format("the stored ruleset {} does not load: {}", key, *error);
    return false;
  }
  return true;
}

bool Engine::replay_rules_line(const std::string& key, std::int64_t at, Ruleset* initial, std::string* error) {
  if (session_ && key == rules_.key) return true;
  Ruleset next;
  if (!ruleset_for(key, initial, &next, error)) return false;
  if (!session_) {
    session_ = new_session(next, at, error);
    rules_ = std::move(next);
    return session_ != nullptr;
  }
  session_->advance(at);
  RestoreReport report;
  if (!swap_to(std::move(next), at, &report, error)) {
    if (error->empty()) *error = "the reload does not replay: " + (report.problems.empty() ? "" : report.problems.front());
    return false;
  }
  return true;
}

std::string describe_stages(const StartStats& s) {
  const auto ms = [](std::int64_t us) { return static_cast<double>(us) / 1000.0; };
  return fmt::format("snapshot read {:.0f} ms, rules {:.0f} ms, image {:.0f} ms, window {:.0f} ms, replay {:.0f} ms, "
                     "finish {:.0f} ms",
                     ms(s.snapshot_read_us), ms(s.rules_us), ms(s.image_us), ms(s.window_us), ms(s.replay_us),
                     ms(s.finish_us));
}

std::string recovery_metrics(const StartStats& s) {
  std::string out =
      "# HELP iwd_recovery_seconds The time this process's start spent recovering the state, by stage.\n"
      "# TYPE iwd_recovery_seconds gauge\n";
  const std::pair<const char*, std::int64_t> stages[] = {{"snapshot_read", s.snapshot_read_us}, {"rules", s.rules_us},
                                                         {"image", s.image_us}, {"window", s.window_us},
                                                         {"replay", s.replay_us}, {"finish", s.finish_us}};
  for (const auto& [stage, us] : stages)
    out += fmt::format("iwd_recovery_seconds{{stage=\"{}\"}} {:.6f}\n", stage, static_cast<double>(us) / 1e6);
  out += fmt::format(
      "# HELP iwd_recovery_lines Journal lines replayed at this process's start (after the snapshot, if any).\n"
      "# TYPE iwd_recovery_lines gauge\n"
      "iwd_recovery_lines{{snapshot=\"{}\"}} {}\n",
      s.from_snapshot ? "yes" : "no", s.lines);
  return out;
}

bool Engine::recover(Ruleset initial, std::string* error) {
  const auto t0 = std::chrono::steady_clock::now();
  auto lap = [t = t0]() mutable {  // microseconds since the last lap
    const auto now = std::chrono::steady_clock::now();
    const auto us = std::chrono::duration_cast<std::chrono::microseconds>(now - t).count();
    t = now;
    return static_cast<std::int64_t>(us);
  };
  const std::string wanted = initial.key;
  recovering_ = true;
  std::string problem;
  std::int64_t n = 0;
  bool snapshot_at_start = false;
  // The latest snapshot, if any: its state restored at its instant, then the lines after it.
  std::int64_t after_seq = 0;
  auto snapshot = journal_.latest_snapshot(error);
  start_stats_.snapshot_read_us = lap();
  if (snapshot) {
    if (!ruleset_for(snapshot->rules_key, &initial, &rules_, error) || !(session_ = new_session(rules_, snapshot->at, error)))
      return false;
    start_stats_.rules_us += lap();
    if (history_) {  // the history's numbering where the snapshot left it (none: a snapshot older than the history)
      const auto mark = history_->snapshot_mark(snapshot->id, error);
      if (!mark && !error->empty()) return false;
      recorder_.set_last_seq(mark.value_or(0));
    }
    recording_ = false;  // the state restored is not events
    std::vector<LoadedAnswer> answers;  // the first answers it kept (in the image: restored before it goes)
    if (is_binary_image(snapshot->image)) {  // formats 2 to 6: the runtime's exact state
      if (std::string e = load_image(snapshot->image, session_->runtime(), &captured_, &answers); !e.empty()) {
        *error = fmt::format("{}: the snapshot of {} does not load: {}", journal_.path(),
                             stdlib::format_instant(stdlib::Instant{snapshot->at}), e);
        return false;
      }
    } else {  // format 1 (JSON): every item adopted again
      auto image = image_from_json(json::parse(snapshot->image, nullptr, false), error);
      if (!image) return false;
      const RestoreReport report = restore(*image, session_->runtime());
      if (!report.ok()) {
        *error = "the snapshot does not restore: " + report.problems.front();
        return false;
      }
      if (!restore_captured(snapshot->captured, error)) return false;
    }
    start_stats_.image_us = lap();
    window_.restored(captured_, snapshot->at, std::move(answers), pool_);
    snapshot->image.clear();
    snapshot->image.shrink_to_fit();
    drain_events(nullptr);
    recording_ = true;
    after_seq = snapshot->journal_seq;
    start_stats_.from_snapshot = true;
    start_stats_.window_us = lap();
  } else if (!error->empty()) {
    return false;
  }
  // Captures replayed within the window of this instant get their first answers again.
  const std::int64_t recovery_now = clock_.now().ms_since_epoch;
  std::chrono::steady_clock::duration rules_in_replay{};  // rules lines' sessions and reloads, counted as rules
  const bool read_ok = journal_.read(after_seq, 
      [&](const std::string& line) {
        ++n;
        if (!problem.empty()) return;
        std::string e;
        if (line.find("\"rules\":") != std::string::npos) {
          const json j = json::parse(line, nullptr, false);
          if (j.is_object() && j.size() == 2 && j.contains("rules") && j["rules"].is_string() && j.contains("at") &&
              j["at"].is_string()) {
            auto at = stdlib::parse_instant(j["at"].get<std::string>());
            if (!at.ok()) e = at.error;
            else {
              const auto began = std::chrono::steady_clock::now();
              replay_rules_line(j["rules"].get<std::string>(), at.value.instant.ms_since_epoch, &initial, &e);
              rules_in_replay += std::chrono::steady_clock::now() - began;
            }
            if (!e.empty()) problem = fmt::format("{} (line {} replayed): {}", journal_.position(), n, e);
            return;
          }
        }
        if (!session_) {  // a journal begun before rules lines existed: written under the rules given
          if (wanted.empty()) {
            problem = "the journal does not say which rules wrote it: give them with --rules";
            return;
          }
          const auto began = std::chrono::steady_clock::now();
          if (!ruleset_for(wanted, &initial, &rules_, &e) || !(session_ = new_session(rules_, 0, &e))) {
            problem = e;
            return;
          }
          rules_in_replay += std::chrono::steady_clock::now() - began;
        }
        runtime::replay::ScriptLine parsed;
        requester_ = "journal";  // the actor of a line whose records were not stored (a journal older than its history)
        note_ = note_in_line(line);
        e = session_->apply_text(line, &parsed).error;
        requester_.clear();
        note_.clear();
        if (!e.empty()) {
          problem = fmt::format("{} (line {} replayed) does not replay ({}): the journal and its rules disagree",
                                journal_.position(), n, e);
          return;
        }
        if (parsed.op == runtime::replay::Op::Capture) remember_capture(parsed.value, parsed.at, recovery_now, parsed.by);
        drain_events(nullptr);
      },
      error);
  if (!read_ok) return false;
  if (!problem.empty()) {
    *error = problem;
    return false;
  }
  const auto rules_us = std::chrono::duration_cast<std::chrono::microseconds>(rules_in_replay).count();
  start_stats_.replay_us = lap() - rules_us;
  start_stats_.rules_us += rules_us;
  const std::int64_t now = clock_.now().ms_since_epoch;
  window_.expire(now, captured_, SIZE_MAX);  // captures replayed from before the window
  if (!session_) {  // a new journal: it begins with the rules in force
    if (wanted.empty()) {
      *error = "the journal is empty: give the rules to start with (--rules)";
      return false;
    }
    rules_ = std::move(initial);
    if (!(session_ = new_session(rules_, now, error))) return false;
    const std::string line = json{{"at", stdlib::format_instant(stdlib::Instant{now})}, {"rules", rules_.key}}.dump();
    if (!journal_.append({{rules_.key, rules_.bundle}}, {line}, error)) return false;
  } else {
    session_->advance(std::max(now, session_->now()));
    drain_events(nullptr);
    // Before a snapshot (below) marks the numbering: the records it covers must be stored.
    if (!store_recovered_history(error)) return false;
    if (!wanted.empty() && rules_.key != wanted) {  // other rules given than the journal's: a reload at start
      Ruleset next;
      if (!ruleset_for(wanted, &initial, &next, error)) return false;
      const std::int64_t at = session_->now();
      const std::string key = next.key, bundle = next.bundle;
      RestoreReport report;
      if (!swap_to(std::move(next), at, &report, error)) {
        if (error->empty())
          *error = fmt::format("the journal's open items do not carry over to the rules given ({}{}); start with the "
                               "journal's rules and upload the new ones, or fix them",
                               report.problems.empty() ? "" : report.problems.front(),
                               report.problems.size() + report.more_problems > 1 ? ", ..." : "");
        return false;
      }
      const std::string line = json{{"at", stdlib::format_instant(stdlib::Instant{at})}, {"rules", key}}.dump();
      if (!journal_.append({{key, bundle}}, {line}, error)) return false;
      ++start_stats_.reloads;
      // As every reload, a snapshot of the state it led to (else each restart would evaluate
      // the open items under the new rules again).
      SnapshotJob job;
      job.at = at;
      job.rules_key = rules_.key;
      job.state = capture_state(session_->runtime(), captured_, window_.answers());
      mark_snapshot(job);
      const auto covered = journal_.last_seq(error);
      if (!covered) return false;
      job.covered_seq = *covered;
      if (!SnapshotStore::store_now(journal_, pool_, job, error)) {
        *error = "the snapshot after the reload at start could not be stored: " + *error;
        return false;
      }
      snapshot_at_start = true;
    }
    drain_events(nullptr);
  }
  if (!store_recovered_history(error)) return false;
  publish_rules(clock_.now().ms_since_epoch);  // loaded by this start, whenever the journal's rules came
  stats_.rebuild(session_->runtime(), session_->now());  // one scan: recovery fed it nothing
  recovering_ = false;
  start_stats_.lines = n;
  lines_since_snapshot_ = snapshot_at_start ? 0 : n;  // what the next start would replay
  start_stats_.finish_us = lap();
  start_stats_.ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0).count();
  return true;
}

}  // namespace iwd::server
