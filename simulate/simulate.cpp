// The discrete-event loop: arrivals (Poisson, a rate per 15-minute interval), the ends of
// handle times and the scenario's other changes on one queue of instants, each applied to the
// real runtime through replay's session (replay::Session: items and offers by the runtime's own
// calls, agents' changes as replay's `agent` lines; an offer is accepted at once, as `iwd replay
// --auto-accept` does, unless RONA lets it ring out), whose events tell when an agent first
// took an item.
#include "simulate/simulate.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <numbers>
#include <queue>
#include <random>
#include <unordered_map>
#include <unordered_set>

#include "runtime/item_json.h"
#include "runtime/replay/replay.h"
#include "simulate/draws.h"
#include "simulate/occupancy.h"
#include "simulate/tally.h"

namespace iwd::simulate {
namespace {

using json = nlohmann::json;
using runtime::replay::Op;
using runtime::replay::ScriptLine;

struct Open {
  std::int64_t captured = 0;  // ms from the start
  double handle_ms = 0;       // drawn at arrival, so that both sides of a comparison get the same
  std::int32_t process = -1;  // the first the item was in
  std::uint32_t agent = runtime::kNoId;  // who took it
  std::uint32_t stream = 0;
  bool taken = false;  // by an agent: it no longer waits
  bool rona = false;  // its first offer is not to be answered (drawn at arrival)
  bool park = false;  // parked as soon as taken (drawn at arrival), and not parked yet
  enum class Completion : std::uint8_t { AtOnce, Late, Never } completion = Completion::AtOnce;
  std::int64_t complete_at = -1;  // the late completion pending, if any
};

// Arrivals, the ends of handle times, shifts' changes, agents back from RONA, bursts, parked
// items pulled back, late completions, other not-ready time's start and end.
enum class Kind : std::uint8_t { Arrival, Done, Shift, Ready, Burst, Pull, Complete, NotReady, NotReadyEnd };
struct Pending {
  std::int64_t at;  // ms from the start
  std::uint64_t seq;  // ties in the order they were made
  Kind kind;
  std::uint32_t index;  // the stream of an arrival, the item of a done, the change of a shift, the agent back from RONA
  bool operator>(const Pending& o) const { return at != o.at ? at > o.at : seq > o.seq; }
};

// Each stream draws from its own generator (seeded from the seed, the replication and the

// A group's agents' state changes from their shifts, every day the run covers (and one more,
// for the items still waiting at the end), in ms from the start; and their state at the start.
struct ShiftChange {
  std::int64_t at;
  std::uint32_t group;
  enum class What : std::uint8_t { Start, BreakStart, BreakEnd, End } what;
};
constexpr std::int64_t kDayMs = 86'400'000;

std::vector<ShiftChange> shift_changes(const Scenario& s) {
  std::vector<ShiftChange> out;
  const std::int64_t first_day = s.run.start / kDayMs, last_day = (s.run.start + s.run.length_ms) / kDayMs + 1;
  for (std::uint32_t g = 0; g < s.agents.size(); ++g)
    for (std::int64_t day = first_day; day <= last_day; ++day)
      for (const Shift& shift : s.agents[g].shifts) {
        auto at = [&](int minute) { return day * kDayMs + minute * 60'000LL - s.run.start; };
        out.push_back({at(shift.from), g, ShiftChange::What::Start});
        for (const Shift::Break& b : shift.breaks) {
          out.push_back({at(b.from), g, ShiftChange::What::BreakStart});
          out.push_back({at(b.to), g, ShiftChange::What::BreakEnd});
        }
        out.push_back({at(shift.to), g, ShiftChange::What::End});
      }
  return out;
}

class Replicator {
 public:
  Replicator(const runtime::abi::RulesV1& rules, runtime::StringPool& pool, const Scenario& s, const Options& o, int rep)
      : rules_(rules), pool_(pool), s_(s), o_(o), rep_(rep),
        by_process_(static_cast<std::size_t>(std::max(0, rules.process_count))), shifts_(shift_changes(s)),
        occupancy_(s.agents.size(), s.run.warmup_ms, s.run.length_ms) {
    const std::uint64_t base = splitmix64(s.run.seed * 1000003u + static_cast<std::uint64_t>(rep));
    for (std::size_t k = 0; k < s.streams.size(); ++k) rngs_.emplace_back(splitmix64(base + k));
    // Generators of their own for the items' fates (park, completion), the bursts and the
    // not-ready time, so that the arrivals, attributes and handle times stay the same with
    // or without them.
    for (std::size_t k = 0; k < s.streams.size(); ++k) fates_.emplace_back(splitmix64(base + k + (1u << 20)));
    for (std::size_t k = 0; k < s.streams.size(); ++k) burst_rngs_.emplace_back(splitmix64(base + k + (2u << 20)));
    for (std::size_t g = 0; g < s.agents.size(); ++g) not_ready_rngs_.emplace_back(splitmix64(base + g + (3u << 20)));
  }

  bool run(Replication* out, std::string* error) {
    runtime::replay::ReplayOptions ro;
    ro.start = stdlib::Instant{s_.run.start};
    ro.observe = [this](const runtime::Event& e, const runtime::Runtime& rt) {
      if (o_.observe) o_.observe(rep_, e, rt);
      if (e.kind == runtime::EventKind::ItemStateChanged) seen_.push_back({e.item, e.agent, e.process, e.to_item});
      if (e.kind == runtime::EventKind::AgentStateChanged) {
        occupancy_.logged_in(e.agent, e.at - s_.run.start, e.to_agent != runtime::AgentState::LoggedOut);
        agent_state_[e.agent] = e.to_agent;
      }
      if (e.kind == runtime::EventKind::AgentStateChanged && e.to_agent == runtime::AgentState::NotReady && e.reason == rona_reason_)
        rona_agents_.push_back(e.agent);  // (at a deadline's instant: the line's)
    };
    runtime::replay::Session session(rules_, pool_, ro, nullptr);
    if (!session.init(error)) return false;
    session_ = &session;
    if (!make_templates(error)) return false;
    // Groups with shifts start as their last change at or before the start left them (logged
    // out before the first); later changes wait in the queue.
    std::vector<const ShiftChange*> at_start(s_.agents.size(), nullptr);
    for (std::uint32_t k = 0; k < shifts_.size(); ++k) {
      const ShiftChange& c = shifts_[k];
      if (c.at > 0) {
        queue_.push({c.at, seq_++, Kind::Shift, k});
      } else if (!at_start[c.group] || at_start[c.group]->at <= c.at) {
        at_start[c.group] = &c;
      }
    }
    for (std::uint32_t g = 0; g < s_.agents.size(); ++g)
      for (int k = 1; k <= s_.agents[g].count; ++k) {
        json a = {{"id", fmt::format("{}-{}", s_.agents[g].name, k)}, {"skills", s_.agents[g].skills}};
        occupancy_.add_agent(pool_.intern(a["id"].get<std::string>()), g);
        if (!s_.agents[g].capacity.is_null()) a["capacity"] = s_.agents[g].capacity;
        if (!s_.agents[g].shifts.empty()) {
          const auto what = at_start[g] ? at_start[g]->what : ShiftChange::What::End;
          a["state"] = what == ShiftChange::What::Start || what == ShiftChange::What::BreakEnd ? "ready"
                       : what == ShiftChange::What::BreakStart                               ? "not_ready"
                                                                                              : "logged_out";
          if (what == ShiftChange::What::BreakStart) a["reason"] = "break";
        }
        if (!apply(0, Op::Agent, std::move(a), error)) return false;
        const std::uint32_t agent = pool_.intern(fmt::format("{}-{}", s_.agents[g].name, k));
        group_of_[agent] = g;
        if (s_.agents[g].not_ready_every_ms > 0) next_not_ready(agent, 0);
      }
    for (std::uint32_t k = 0; k < s_.streams.size(); ++k)
      for (const Stream::Burst& b : s_.streams[k].bursts) {
        queue_.push({b.at_ms, seq_++, Kind::Burst, static_cast<std::uint32_t>(bursts_.size())});
        bursts_.emplace_back(k, b.items);
      }
    exact_.assign(s_.streams.size(), 0.0);
    numbered_.assign(s_.streams.size(), 0);
    for (std::uint32_t k = 0; k < s_.streams.size(); ++k) schedule_arrival(k, 0.0);
    // The runtime's own deadlines (offer timeouts, priority steps, widenings) are stepped to one
    // by one, so that what they cause (an offer) is answered at their instant; up to the end of
    // the day after the run's, as the shifts.
    const std::int64_t horizon = ((s_.run.start + s_.run.length_ms) / kDayMs + 2) * kDayMs - s_.run.start;
    while (true) {
      const std::int64_t deadline = session.runtime().next_deadline();
      const std::int64_t due = deadline == runtime::abi::kNone ? kNever : deadline - s_.run.start;
      if (due <= horizon && (queue_.empty() || due <= queue_.top().at)) {
        if (!apply(due, Op::None, json(), error)) return false;
        if (due >= s_.run.length_ms && waiting_measured_ == 0) break;
        continue;
      }
      if (queue_.empty()) break;
      const Pending p = queue_.top();
      queue_.pop();
      const bool ok = step(p, error);
      if (!ok) return false;
      if (o_.progress && p.at >= next_progress_ && p.at < s_.run.length_ms) {  // each hundredth of the run
        o_.progress(rep_, p.at);
        next_progress_ = (p.at / step_progress_ + 1) * step_progress_;
      }
      // Past the end, only the measured items still waiting keep the loop going.
      if (p.at >= s_.run.length_ms && waiting_measured_ == 0) break;
    }
    summarize(out);
    if (o_.progress) o_.progress(rep_, s_.run.length_ms);
    return true;
  }

 private:
  struct Seen {
    std::uint32_t item, agent;
    std::int32_t process;
    runtime::ItemState to;
  };

  // A runtime operation at `at` (ms from the start), named `what` in an error: the clock moved
  // there first (deadlines up to it fire, each at its own instant), then what its events ask.
  // Items and offers go to the runtime directly (no script line to build and parse: this is the
  // loop's hot path); agents' changes as replay's `agent` lines.
  template <typename F>
  bool act(std::int64_t at, std::string_view what, F&& operation, std::string* error) {
    session_->advance(s_.run.start + at);
    if (const runtime::Status st = operation(session_->runtime()); !st.ok()) {
      *error = fmt::format("replication {}: {}: {}", rep_ + 1, what, st.error);
      return false;
    }
    return react(at, error);
  }
  bool apply(std::int64_t at, Op op, json value, std::string* error) {
    const runtime::Status st = session_->apply(ScriptLine{s_.run.start + at, op, std::move(value)});
    if (!st.ok()) {
      *error = fmt::format("replication {}: {}", rep_ + 1, st.error);
      return false;
    }
    return react(at, error);
  }

  // What the events of an operation ask: the offers' answers (an agent accepts at once, unless
  // the item's first offer is to ring out) and the agents RONA made not ready, who come back later.
  bool react(std::int64_t at, std::string* error) {
    const std::vector<Seen> seen = std::move(seen_);
    seen_.clear();
    for (const Seen& e : seen) observed(at, e);
    const std::vector<std::pair<std::uint32_t, std::uint32_t>> offers = std::move(offers_);
    offers_.clear();
    for (const auto& [item, agent] : offers) {
      const runtime::WorkItem* w = session_->runtime().find_item(item);
      if (!w || w->state != runtime::ItemState::Offered || session_->runtime().agents()[w->agent].id != agent) continue;
      const std::uint32_t i = item, a = agent;  // (not the bindings: a lambda may not capture them in C++20)
      if (!act(at, "accept", [i, a](runtime::Runtime& rt) { return rt.accept(i, a); }, error)) return false;
    }
    const std::vector<std::uint32_t> parks = std::move(parks_);
    parks_.clear();
    for (std::uint32_t item : parks) {
      const std::uint32_t agent = open_[item].agent;
      if (!act(at, "park", [item](runtime::Runtime& rt) { return rt.park(item); }, error)) return false;
      occupancy_.holds(agent, at, -1);
      queue_.push({at + s_.streams[open_[item].stream].park_for_ms, seq_++, Kind::Pull, item});
    }
    for (std::uint32_t agent : rona_agents_) {
      queue_.push({at + back_after_[agent], seq_++, Kind::Ready, agent});
      in_rona_.insert(agent);
    }
    rona_agents_.clear();
    return true;
  }

  bool step(const Pending& p, std::string* error) {
    switch (p.kind) {
      case Kind::Arrival: return arrive(p, error);
      case Kind::Done: return finish(p, error);
      case Kind::Shift: return shift(p, error);
      case Kind::Ready: return back_from_rona(p, error);
      case Kind::Burst: return burst(p, error);
      case Kind::Pull: return pull(p.at, p.index, error);
      case Kind::Complete: return complete_late(p, error);
      case Kind::NotReady: return not_ready(p, error);
      case Kind::NotReadyEnd: return not_ready_end(p, error);
    }
    return true;
  }

  // An agent RONA made not ready is ready again, unless something else changed it since.
  bool back_from_rona(const Pending& p, std::string* error) {
    if (!in_rona_.erase(p.index)) return true;
    return apply(p.at, Op::Agent, json{{"id", std::string(pool_.view(p.index))}, {"state", "ready"}}, error);
  }

  void schedule_arrival(std::uint32_t stream, double after) {
    const std::int64_t t = next_arrival(s_.streams[stream], after, s_.run.length_ms, rngs_[stream], &exact_[stream]);
    if (t != kNever) queue_.push({t, seq_++, Kind::Arrival, stream});
  }

  // Each stream's items as records: its fixed attributes (and the rules' defaults) decoded once
  // by the runtime's decoder, and each choice of a drawn attribute decoded once, then copied into
  // each item's record (no JSON per item). A value the decoder refuses is refused before the run.
  struct Template {
    runtime::ItemRecord base;
    struct Drawn {
      std::uint32_t slot = 0;
      std::vector<runtime::ItemRecord> choices;
      std::vector<double> weights;
    };
    std::vector<Drawn> drawn;  // the attributes with more than one choice, in the stream's order
  };
  bool make_templates(std::string* error) {
    const runtime::Schema& schema = session_->runtime().schema();
    due_slot_ = static_cast<std::uint32_t>(schema.find("due_at"));
    activate_slot_ = static_cast<std::uint32_t>(schema.find("activate_at"));
    runtime::DecodeOptions options;
    options.allow_missing_required = true;  // classification rejects such an item, naming it
    auto decode = [&](const Stream& st, const json& object, runtime::ItemRecord* out) {
      for (auto it = object.begin(); it != object.end(); ++it)
        if (schema.set_by_runtime(schema.find(it.key()))) {
          *error = fmt::format("stream `{}`: `{}` is set by the runtime; a source may not give it", st.name, it.key());
          return false;
        }
      auto rec = runtime::decode_item_object(schema, pool_, object, options);
      if (!rec.ok()) *error = fmt::format("stream `{}`: {}", st.name, rec.error);
      else *out = std::move(rec.value);
      return rec.ok();
    };
    for (const Stream& st : s_.streams) {
      Template t;
      json fixed = json::object();
      for (const AttributeDraw& d : st.attributes) {
        if (d.choices.size() == 1) {
          fixed[d.name] = d.choices[0].first;
          continue;
        }
        Template::Drawn drawn{static_cast<std::uint32_t>(schema.find(d.name)), {}, {}};
        for (const auto& [value, weight] : d.choices) {
          if (!decode(st, json{{d.name, value}}, &drawn.choices.emplace_back())) return false;
          drawn.weights.push_back(weight);
        }
        t.drawn.push_back(std::move(drawn));
      }
      if (!decode(st, fixed, &t.base)) return false;
      templates_.push_back(std::move(t));
    }
    return true;
  }

  bool arrive(const Pending& p, std::string* error) {
    return capture(p.index, p.at, rngs_[p.index], fates_[p.index], true, error);
  }

  // A burst's items, at once, drawn from the stream's burst generator.
  bool burst(const Pending& p, std::string* error) {
    const auto [stream, items] = bursts_[p.index];
    for (int k = 0; k < items; ++k)
      if (!capture(stream, p.at, burst_rngs_[stream], burst_rngs_[stream], false, error)) return false;
    return true;
  }

  // A new item of the stream at `at`: its attributes and handle time from `rng`, its fates from
  // `fates`; with `next`, the stream's next arrival is drawn first.
  bool capture(std::uint32_t stream, std::int64_t at, Random& rng, Random& fates, bool next, std::string* error) {
    const Stream& st = s_.streams[stream];
    const Template& t = templates_[stream];
    runtime::ItemRecord item = t.base;
    // An item's id is the pool's only while the item is open (released at its end): the pool
    // holds what the run holds, not every item simulated.
    const std::uint32_t id = pool_.intern_item(fmt::format("{}-{}", st.name, ++numbered_[stream]));
    item.set_string(runtime::kSlotId, id);
    for (const Template::Drawn& d : t.drawn) {
      const runtime::ItemRecord& choice = d.choices[draw(d, rng)];
      if (!choice.present(d.slot)) {
        item.clear(d.slot);
      } else if (runtime::is_list(session_->runtime().schema().attributes[d.slot].type)) {
        const auto values = choice.list(d.slot);
        item.set_list(d.slot, std::vector<std::int64_t>(values.begin(), values.end()));
      } else {
        item.set_int(d.slot, choice.get_int(d.slot));  // the slot's bits, whatever its type
      }
    }
    if (st.due_after_ms >= 0) item.set_int(due_slot_, s_.run.start + at + st.due_after_ms);
    if (st.activate_after_ms >= 0) item.set_int(activate_slot_, s_.run.start + at + st.activate_after_ms);
    Open o{at, handle_ms(st.handle, rng)};
    o.stream = stream;
    o.rona = rng.uniform() < st.rona_share;  // drawn also without RONA, for the same draws with or without
    o.park = fates.uniform() < st.park_share;  // (the same: drawn whatever the shares)
    const double fate = fates.uniform();
    o.completion = fate < st.late_share                    ? Open::Completion::Late
                   : fate < st.late_share + st.never_share ? Open::Completion::Never
                                                           : Open::Completion::AtOnce;
    open_[id] = o;
    all_.advance(at, s_.run.warmup_ms, s_.run.length_ms, &backlog_);  // before it counts as waiting
    all_.arrive(measured(at));
    count_in(&captured_by_interval_, at);
    waiting_measured_ += measured(at) ? 1 : 0;
    peak_open_ = std::max<std::int64_t>(peak_open_, static_cast<std::int64_t>(open_.size()));
    if (next) schedule_arrival(stream, exact_[stream]);
    return act(at, "capture", [&item](runtime::Runtime& rt) { return rt.capture(std::move(item)); }, error);
  }

  // The choice drawn for a drawn attribute, by weight.
  static std::size_t draw(const Template::Drawn& d, Random& rng) {
    double total = 0;
    for (double w : d.weights) total += w;
    double x = rng.uniform() * total;
    for (std::size_t k = 0; k < d.weights.size(); ++k)
      if ((x -= d.weights[k]) < 0) return k;
    return d.weights.size() - 1;
  }

  // The agent marks the item done, and the source completes it at once: it leaves memory. An
  // agent past the end of its shift goes once its hands are empty.
  bool finish(const Pending& p, std::string* error) {
    const std::uint32_t item = p.index;
    if (!act(p.at, "done", [item](runtime::Runtime& rt) { return rt.done(item); }, error)) return false;
    Open& o = open_[item];
    const std::uint32_t agent = o.agent;
    if (o.completion == Open::Completion::Late) {
      o.complete_at = p.at + s_.streams[o.stream].late_by_ms;
      queue_.push({o.complete_at, seq_++, Kind::Complete, item});
    } else if (o.completion == Open::Completion::AtOnce && !complete(p.at, item, error)) {
      return false;
    }
    occupancy_.holds(agent, p.at, -1);
    // Its items parked past their time come back now that it has room.
    if (auto waiting = to_pull_.find(agent); waiting != to_pull_.end()) {
      const std::vector<std::uint32_t> items = std::move(waiting->second);
      to_pull_.erase(waiting);
      for (std::uint32_t parked : items)
        if (!pull(p.at, parked, error)) return false;
    }
    if (occupancy_.held(agent) == 0 && leaving_.erase(agent))
      return apply(p.at, Op::Agent, json{{"id", std::string(pool_.view(agent))}, {"state", "logged_out"}}, error);
    return true;
  }

  // The source completes the item: it leaves the runtime, and its id the pool.
  bool complete(std::int64_t at, std::uint32_t item, std::string* error) {
    if (!act(at, "complete", [item](runtime::Runtime& rt) { return rt.complete(item); }, error)) return false;
    open_.erase(item);
    pool_.release(item);  // its number may be another item's now
    return true;
  }

  // A late completion, unless the item is no longer waiting for it (the rules' `complete
  // within` put it back to work, and its next done has its own).
  bool complete_late(const Pending& p, std::string* error) {
    const auto it = open_.find(p.index);
    if (it == open_.end() || it->second.complete_at != p.at) return true;
    const runtime::WorkItem* w = session_->runtime().find_item(p.index);
    if (!w || w->state != runtime::ItemState::DonePending) return true;
    return complete(p.at, p.index, error);
  }

  // A parked item's time is up: its agent pulls it back, or, without room for it now, once
  // an item of theirs is done.
  bool pull(std::int64_t at, std::uint32_t item, std::string* error) {
    const runtime::WorkItem* w = session_->runtime().find_item(item);
    if (!w || w->state != runtime::ItemState::Parked) return true;
    session_->advance(s_.run.start + at);
    const runtime::Status st = session_->runtime().pull(item);
    if (st.code == runtime::Refusal::AgentUnavailable) {
      to_pull_[open_[item].agent].push_back(item);
      return true;
    }
    if (!st.ok()) {
      *error = fmt::format("replication {}: pull: {}", rep_ + 1, st.error);
      return false;
    }
    return react(at, error);
  }

  // Other not-ready time: the agent's next spell, an exponential time from `at`.
  void next_not_ready(std::uint32_t agent, std::int64_t at) {
    const AgentGroup& g = s_.agents[group_of_[agent]];
    const double after = not_ready_rngs_[group_of_[agent]].exponential(static_cast<double>(g.not_ready_every_ms));
    queue_.push({at + std::max<std::int64_t>(1, std::llround(after)), seq_++, Kind::NotReady, agent});
  }
  bool not_ready(const Pending& p, std::string* error) {
    const auto state = agent_state_.find(p.index);
    if (state == agent_state_.end() || state->second != runtime::AgentState::Ready) {
      next_not_ready(p.index, p.at);  // not ready already (a break, RONA) or logged out: the next one
      return true;
    }
    const AgentGroup& g = s_.agents[group_of_[p.index]];
    other_not_ready_.insert(p.index);
    queue_.push({p.at + g.not_ready_for_ms, seq_++, Kind::NotReadyEnd, p.index});
    return apply(p.at, Op::Agent,
                 json{{"id", std::string(pool_.view(p.index))}, {"state", "not_ready"}, {"reason", g.not_ready_reason}}, error);
  }
  bool not_ready_end(const Pending& p, std::string* error) {
    next_not_ready(p.index, p.at);
    if (!other_not_ready_.erase(p.index)) return true;  // a shift's change came first
    return apply(p.at, Op::Agent, json{{"id", std::string(pool_.view(p.index))}, {"state", "ready"}}, error);
  }

  // A shift's change for each agent of its group: at its end, one with an item in hand finishes
  // it first (not ready, `end_of_shift`, until then).
  bool shift(const Pending& p, std::string* error) {
    const ShiftChange& c = shifts_[p.index];
    const AgentGroup& g = s_.agents[c.group];
    for (int k = 1; k <= g.count; ++k) {
      const std::string id = fmt::format("{}-{}", g.name, k);
      const std::uint32_t agent = pool_.intern(id);
      in_rona_.erase(agent);  // the shift's change wins
      other_not_ready_.erase(agent);
      json line = {{"id", id}};
      if (c.what == ShiftChange::What::Start || c.what == ShiftChange::What::BreakEnd) {
        leaving_.erase(agent);
        line["state"] = "ready";
      } else if (c.what == ShiftChange::What::BreakStart) {
        line["state"] = "not_ready";
        line["reason"] = "break";
      } else if (occupancy_.held(agent) > 0) {
        leaving_.insert(agent);
        line["state"] = "not_ready";
        line["reason"] = "end_of_shift";
      } else {
        line["state"] = "logged_out";
      }
      if (!apply(p.at, Op::Agent, std::move(line), error)) return false;
    }
    return true;
  }

  void observed(std::int64_t at, const Seen& e) {
    auto it = open_.find(e.item);
    if (it == open_.end()) return;
    Open& o = it->second;
    const bool counted = measured(o.captured);
    if (o.process < 0 && !o.taken && e.process >= 0 && static_cast<std::size_t>(e.process) < by_process_.size()) {
      o.process = e.process;  // it waits, from now, in its process's tally too
      by_process_[static_cast<std::size_t>(o.process)].advance(at, s_.run.warmup_ms, s_.run.length_ms);
      by_process_[static_cast<std::size_t>(o.process)].arrive(counted);
    }
    if (e.to == runtime::ItemState::Offered) {
      if (o.rona) {  // rings out: the runtime's offer timeout takes it back
        o.rona = false;
        back_after_[e.agent] = s_.streams[o.stream].rona_back_after_ms;
      } else {
        offers_.emplace_back(e.item, e.agent);
      }
    }
    if (e.to != runtime::ItemState::Assigned) return;
    if (!o.taken) {  // the wait ends when an agent first takes it (an accepted offer)
      o.taken = true;
      all_.advance(at, s_.run.warmup_ms, s_.run.length_ms, &backlog_);
      all_.taken(at - o.captured, counted, s_.run.answer_within_ms);
      if (at - o.captured <= s_.run.answer_within_ms) count_in(&within_by_interval_, o.captured);
      if (o.process >= 0) {
        Tally& t = by_process_[static_cast<std::size_t>(o.process)];
        t.advance(at, s_.run.warmup_ms, s_.run.length_ms);
        t.taken(at - o.captured, counted, s_.run.answer_within_ms);
      }
      waiting_measured_ -= counted ? 1 : 0;
    }
    o.agent = e.agent;
    occupancy_.holds(e.agent, at, +1);
    if (o.park) {  // parked at once, worked once pulled back
      o.park = false;
      parks_.push_back(e.item);
      return;
    }
    queue_.push({at + std::max<std::int64_t>(1, std::llround(o.handle_ms)), seq_++, Kind::Done, e.item});
  }

  // One more in the 15-minute interval from the start that holds `at` (none past the end).
  void count_in(std::vector<std::int64_t>* counts, std::int64_t at) const {
    if (at >= s_.run.length_ms) return;
    const auto k = static_cast<std::size_t>(at / kIntervalMs);
    if (counts->size() <= k) counts->resize(k + 1, 0);
    ++(*counts)[k];
  }

  bool measured(std::int64_t captured) const { return captured >= s_.run.warmup_ms && captured < s_.run.length_ms; }

  void summarize(Replication* out) {
    const double window_s = static_cast<double>(s_.run.length_ms - s_.run.warmup_ms) / 1000;
    all_.advance(s_.run.length_ms, s_.run.warmup_ms, s_.run.length_ms, &backlog_);
    Replication r;
    static_cast<Measures&>(r) = all_.summary(window_s);
    for (Tally& t : by_process_) {
      t.advance(s_.run.length_ms, s_.run.warmup_ms, s_.run.length_ms);
      r.by_process.push_back(t.summary(window_s));
    }
    r.peak_open = peak_open_;
    r.occupancy_by_group = occupancy_.shares();
    backlog_.resize(static_cast<std::size_t>((s_.run.length_ms + kIntervalMs - 1) / kIntervalMs), 0.0);
    for (std::size_t k = 0; k < backlog_.size(); ++k) {
      const std::int64_t span = std::min<std::int64_t>(kIntervalMs, s_.run.length_ms - static_cast<std::int64_t>(k) * kIntervalMs);
      r.backlog_by_interval.push_back(backlog_[k] / static_cast<double>(span));
    }
    captured_by_interval_.resize(backlog_.size(), 0);
    within_by_interval_.resize(backlog_.size(), 0);
    r.captured_by_interval = captured_by_interval_;
    r.answered_within_by_interval = within_by_interval_;
    *out = r;
  }

  const runtime::abi::RulesV1& rules_;
  runtime::StringPool& pool_;
  const Scenario& s_;
  const Options& o_;
  int rep_;
  std::vector<Random> rngs_;  // one a stream
  const std::int64_t step_progress_ = std::max<std::int64_t>(1, s_.run.length_ms / 100);
  std::int64_t next_progress_ = step_progress_;
  std::vector<Random> fates_, burst_rngs_;  // one a stream
  std::vector<Random> not_ready_rngs_;      // one a group
  std::vector<std::pair<std::uint32_t, int>> bursts_;  // (stream, items)
  std::uint32_t due_slot_ = 0, activate_slot_ = 0;
  std::vector<std::uint32_t> parks_;  // items just taken, to park
  std::unordered_map<std::uint32_t, std::vector<std::uint32_t>> to_pull_;  // by agent: parked past their time
  std::unordered_map<std::uint32_t, runtime::AgentState> agent_state_;
  std::unordered_map<std::uint32_t, std::uint32_t> group_of_;  // each agent's
  std::unordered_set<std::uint32_t> other_not_ready_;  // not ready by their group's `not_ready`, not back yet
  runtime::replay::Session* session_ = nullptr;
  std::priority_queue<Pending, std::vector<Pending>, std::greater<>> queue_;
  std::uint64_t seq_ = 0;
  std::vector<double> exact_;  // each stream's last arrival, unrounded
  std::vector<Template> templates_;  // one a stream
  std::unordered_map<std::uint32_t, Open> open_;
  std::vector<Seen> seen_;
  std::vector<std::int64_t> numbered_;  // each stream's items so far
  std::int64_t waiting_measured_ = 0, peak_open_ = 0;
  Tally all_;
  std::vector<std::int64_t> captured_by_interval_, within_by_interval_;  // by the capture's 15 minutes
  std::vector<double> backlog_;  // the area under the number waiting, each 15 minutes from the start
  std::vector<Tally> by_process_;
  std::vector<ShiftChange> shifts_;
  Occupancy occupancy_;  // and the items each agent holds
  std::unordered_set<std::uint32_t> leaving_;    // agents past their shift's end, an item in hand
  std::vector<std::pair<std::uint32_t, std::uint32_t>> offers_;  // (item, agent) to accept
  std::uint32_t rona_reason_ = pool_.intern("rona");
  std::vector<std::uint32_t> rona_agents_;                     // just made not ready by RONA
  std::unordered_map<std::uint32_t, std::int64_t> back_after_;  // each agent's last unanswered offer's stream's
  std::unordered_set<std::uint32_t> in_rona_;                  // not ready by RONA, not back yet
};

}  // namespace

bool run(const runtime::abi::RulesV1& rules, runtime::StringPool& pool, const Scenario& scenario, const Options& options,
         std::vector<Replication>* out, std::string* error) {
  out->clear();
  for (int rep = 0; rep < scenario.run.replications; ++rep) {
    Replication r;
    if (!Replicator(rules, pool, scenario, options, rep).run(&r, error)) return false;
    out->push_back(r);
  }
  return true;
}

Interval interval95(const std::vector<double>& v) {
  // t(0.975, n - 1) for n - 1 = 1..30; beyond, the normal's 1.96 is within 2%.
  static constexpr double kT[] = {12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228,
                                  2.201,  2.179, 2.160, 2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086,
                                  2.080,  2.074, 2.069, 2.064, 2.060, 2.056, 2.052, 2.048, 2.045, 2.042};
  Interval out;
  if (v.empty()) return out;
  for (double x : v) out.mean += x;
  out.mean /= static_cast<double>(v.size());
  if (v.size() < 2) return out;
  double ss = 0;
  for (double x : v) ss += (x - out.mean) * (x - out.mean);
  const double sd = std::sqrt(ss / static_cast<double>(v.size() - 1));
  const double t = v.size() - 1 <= std::size(kT) ? kT[v.size() - 2] : 1.96;
  out.half_width = t * sd / std::sqrt(static_cast<double>(v.size()));
  return out;
}

bool schema_of(const runtime::abi::RulesV1& rules, runtime::StringPool& pool, runtime::Schema* schema, std::string* error) {
  runtime::replay::Session session(rules, pool, runtime::replay::ReplayOptions{}, nullptr);
  if (!session.init(error)) return false;
  *schema = session.runtime().schema();
  return true;
}

}  // namespace iwd::simulate
