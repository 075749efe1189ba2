// The replay driver: a simulated clock, a Runtime, and each script line turned into an
// operation. Deadlines up to a line's instant fire first, each at its own instant.
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <cassert>
#include <istream>
#include <ostream>

#include "runtime/item_json.h"
#include "runtime/outcome.h"
#include "runtime/replay/agent_line.h"
#include "runtime/replay/replay.h"

namespace iwd::runtime::replay {

using json = nlohmann::json;

namespace {
// A script line, or a value in it, that is not as docs/replay.md says.
Status bad(std::string message) { return Status::fail(Refusal::BadInput, std::move(message)); }
}  // namespace

class Session::Impl final : public EventSink {
 public:
  Impl(const abi::RulesV1& rules, StringPool& pool, const ReplayOptions& options, EventSink* events)
      : rules_(rules), pool_(pool), options_(options), events_(events), start_(options.start.ms_since_epoch) {}

  bool init(std::string* error) {
    runtime_ = Runtime::create(rules_, pool_, clock_, *this, options_.runtime, error);
    return runtime_ != nullptr;
  }

  void on_event(const Event& e) override {
    ++events_seen_;
    if (events_) events_->on_event(e);
    if (options_.observe) options_.observe(e, *runtime_);
    if (options_.auto_accept && e.kind == EventKind::ItemStateChanged && e.to_item == ItemState::Offered)
      pending_.emplace_back(e.item, e.agent);
  }

  std::int64_t start() const { return start_; }
  std::size_t events_seen() const { return events_seen_; }
  Runtime& runtime() { return *runtime_; }
  const SimulatedClock& clock() const { return clock_; }

  Status apply(const ScriptLine& l, PreparedCapture* ahead = nullptr) {
    if (l.op == Op::Start) {
      if (timed_) return bad("`start` comes before every line with `at`");
      const json& v = l.value;
      auto t = v.is_string() ? stdlib::parse_instant(v.get<std::string>())
                             : stdlib::ParseResult<stdlib::ParsedInstant>::failure("expected a string");
      if (!t.ok()) return bad("start: an instant like \"2026-11-23T09:00:00Z\" (" + t.error + ")");
      start_ = t.value.instant.ms_since_epoch;
      return {};
    }
    if (timed_ && l.at < clock_.now().ms_since_epoch)
      return bad(fmt::format("`at` {} is before the previous line's {}: time does not go back",
                             stdlib::format_instant(stdlib::Instant{l.at}), stdlib::format_instant(clock_.now())));
    timed_ = true;
    advance(l.at);
    if (l.op == Op::None) return {};
    if (Status s = operate(l.op, l.value, ahead); !s.ok()) return Status::fail(s.code, fmt::format("{}: {}", op_name(l.op), s.error), s.state);
    drain();
    return {};
  }

  void advance(std::int64_t t) {
    for (std::int64_t next = runtime_->next_deadline(); next != abi::kNone && next <= t; next = runtime_->next_deadline()) {
      clock_.set(stdlib::Instant{std::max(next, clock_.now().ms_since_epoch)});
      runtime_->fire_due();
      drain();
    }
    clock_.set(stdlib::Instant{t});
  }

  // --auto-accept: every offer made so far is accepted by its agent, at the same instant.
  void drain() {
    for (std::size_t k = 0; k < pending_.size(); ++k) {
      const auto [item, agent] = pending_[k];
      const WorkItem* w = runtime_->find_item(item);
      if (w && w->state == ItemState::Offered && runtime_->agents()[w->agent].id == agent) (void)runtime_->accept(item, agent);
    }
    pending_.clear();
  }

  Status operate(Op op, const json& v, PreparedCapture* ahead) {
    switch (op) {
      case Op::Capture: return capture(v, ahead);
      case Op::Update: return update(v);
      case Op::Reschedule: return reschedule(v);
      case Op::Transfer: return transfer(v);
      case Op::Assign: return assign(v);
      case Op::Priority: return priority(v);
      case Op::Agent: {
        AgentUpdate u;
        if (std::string e = parse_agent(v, rules_, pool_, *runtime_, &u); !e.empty()) return bad(std::move(e));
        return runtime_->agent(u);
      }
      case Op::None:
      case Op::Start: return {};  // handled by apply
      default: break;
    }
    std::uint32_t item = kNoId, agent = kNoId, outcome = kNoId;
    const bool with_outcome = op == Op::Done || op == Op::Complete;
    if (Status s = item_ref(v, &item, &agent, op != Op::Accept && op != Op::Reject, with_outcome ? &outcome : nullptr);
        !s.ok())
      return s;
    switch (op) {
      case Op::Cancel: return runtime_->cancel(item);
      case Op::Hold: return runtime_->hold(item);
      case Op::Resume: return runtime_->resume(item);
      case Op::Restart: return runtime_->restart(item);
      case Op::Complete: return runtime_->complete(item, outcome);
      case Op::Accept: return runtime_->accept(item, agent);
      case Op::Reject: return runtime_->reject(item, agent);
      case Op::Done: return runtime_->done(item, outcome);
      case Op::Park: return runtime_->park(item);
      case Op::Pull: return runtime_->pull(item);
      case Op::Return: return runtime_->return_to_queue(item);
      case Op::Requeue: return runtime_->requeue(item);
      default: return {};
    }
  }

  // The id of an item a change names. An id never interned cannot be open, and is not
  // interned now: ids that name nothing must not grow the pool (a server takes them from
  // anyone). The message is the runtime's own for an id it does not hold.
  Status item_id(const std::string& name, std::uint32_t* item) {
    const auto id = pool_.find(name);
    if (!id) return Status::fail(Refusal::NotFound, fmt::format("no open item `{}`", name));
    *item = *id;
    return {};
  }

  // "W1", or {"item": "W1"} (with "agent": "a1" for accept and reject; with "outcome":
  // "converted" and "note": TEXT for done and complete, when given). An outcome the rules do
  // not declare is refused before it is interned, like an unknown id. The note is free text for
  // the history (iwd serve records it, docs/reporting.md): the runtime does not keep it.
  Status item_ref(const json& v, std::uint32_t* item, std::uint32_t* agent, bool item_only,
                  std::uint32_t* outcome = nullptr) {
    if (v.is_string()) return item_id(v.get<std::string>(), item);
    const char* shape = outcome ? "the item's id, or {\"item\": ID, \"outcome\": OUTCOME, \"note\": TEXT}"
                        : item_only ? "the item's id, or {\"item\": ID}"
                                    : "the item's id, or {\"item\": ID, \"agent\": ID}";
    if (!v.is_object()) return bad(fmt::format("expected {}", shape));
    const json* named = nullptr;
    const json* given = nullptr;
    for (auto it = v.begin(); it != v.end(); ++it) {
      if (!it->is_string()) return bad(fmt::format("`{}` is a string", it.key()));
      if (it.key() == "item")
        named = &*it;
      else if (it.key() == "agent" && !item_only)
        *agent = pool_.intern(it->get<std::string>());
      else if (it.key() == "outcome" && outcome)
        given = &*it;
      else if (it.key() == "note" && outcome)
        continue;
      else
        return bad(fmt::format("unknown field `{}`; expected {}", it.key(), shape));
    }
    if (!named) return bad(fmt::format("expected {}", shape));
    if (given) {
      const std::string code = given->get<std::string>();
      if (std::string problem = outcome_problem(rules_, code); !problem.empty()) return bad(std::move(problem));
      *outcome = pool_.intern(code);
    }
    return item_id(named->get<std::string>(), item);
  }

  DecodeOptions decoding() const {
    DecodeOptions d;
    d.captured_at = clock_.now();
    d.allow_missing_required = true;
    return d;
  }

  // A field the runtime sets, which a source may not give: done or the refusal.
  Status runtime_field(const std::string& key) const {
    const Schema& schema = runtime_->schema();
    if (const int slot = schema.find(key); slot >= 0 && schema.set_by_runtime(slot))
      return bad(fmt::format("`{}` is set by the runtime (the last agent who held the item); a source may not give it", key));
    return {};
  }

  // A capture's value as the record the runtime takes, or why not.
  Status decode_capture(const json& v, ItemRecord* out) {
    if (!v.is_object()) return bad("the item is a JSON object of attributes");
    for (auto it = v.begin(); it != v.end(); ++it)
      if (Status refused = runtime_field(it.key()); !refused.ok()) return refused;
    auto rec = decode_item_object(runtime_->schema(), pool_, v, decoding());
    if (!rec.ok()) return bad(rec.error);
    if (!rec.value.present(kSlotId)) return bad("the item needs an `id`");
    *out = std::move(rec.value);
    return {};
  }

  // `ahead`: this line's value prepared at this instant, taken (once) instead of decoding it.
  Status capture(const json& v, PreparedCapture* ahead) {
    if (ahead && ahead->at == clock_.now().ms_since_epoch) {
      ahead->at = abi::kNone;
      if (!ahead->refused.ok()) return ahead->refused;
      return runtime_->capture(std::move(ahead->record), ahead->evaluated);
    }
    ItemRecord rec;
    if (Status refused = decode_capture(v, &rec); !refused.ok()) return refused;
    return runtime_->capture(std::move(rec));
  }

  // Session::prepare_captures. The values are decoded in the lines' order, as applying them one
  // by one would: a capture interns nothing else, so the pool numbers the same strings alike.
  std::vector<PreparedCapture> prepare_captures(std::int64_t at, std::span<const json* const> values) {
    std::vector<PreparedCapture> out(values.size());
    if (values.empty() || at < clock_.now().ms_since_epoch) return out;  // apply refuses each: time does not go back
    advance(at);  // what apply() does first; then it does nothing more
    std::vector<ItemRecord*> records;
    std::vector<std::size_t> where;
    for (std::size_t k = 0; k < values.size(); ++k) {
      out[k].at = at;
      out[k].refused = decode_capture(*values[k], &out[k].record);
      if (!out[k].refused.ok()) continue;
      records.push_back(&out[k].record);
      where.push_back(k);
    }
    std::vector<Runtime::Evaluated> evaluated(records.size());
    runtime_->evaluate_captures(records, evaluated);
    for (std::size_t j = 0; j < where.size(); ++j) out[where[j]].evaluated = evaluated[j];
    return out;
  }

  // The item's attributes with the given ones replaced (null: made absent).
  Status update(const json& v) {
    if (!v.is_object() || !v.contains("id") || !v["id"].is_string())
      return bad("the changes are a JSON object of attributes with the item's `id`");
    const auto id = pool_.find(v["id"].get<std::string>());
    const WorkItem* item = id ? runtime_->find_item(*id) : nullptr;
    if (!item) return Status::fail(Refusal::NotFound, fmt::format("no open item `{}`", v["id"].get<std::string>()));
    const Schema& schema = runtime_->schema();
    json merged = encode_item_object(schema, pool_, item->record);
    for (std::uint32_t s = 0; s < schema.attributes.size(); ++s)
      if (!item->record.present(s) && schema.attributes[s].optional) merged[schema.attributes[s].name] = nullptr;
    for (auto it = v.begin(); it != v.end(); ++it) {
      if (it.key() == "captured_at") return bad("`captured_at` is set by the runtime");
      if (Status refused = runtime_field(it.key()); !refused.ok()) return refused;
      merged[it.key()] = *it;
    }
    auto rec = decode_item_object(schema, pool_, merged, decoding());
    if (!rec.ok()) return bad(rec.error);
    return runtime_->update(std::move(rec.value));
  }

  Status reschedule(const json& v) {
    if (!v.is_object() || !v.contains("item") || !v["item"].is_string())
      return bad("expected {\"item\": ID, \"activate_at\": INSTANT, \"due_at\": INSTANT}");
    std::optional<std::int64_t> activate, due;
    for (auto it = v.begin(); it != v.end(); ++it) {
      if (it.key() == "item") continue;
      if (it.key() != "activate_at" && it.key() != "due_at")
        return bad(fmt::format("unknown field `{}`; expected `item`, `activate_at`, `due_at`", it.key()));
      std::int64_t at = abi::kNone;
      if (!it->is_null()) {
        auto t = it->is_string() ? stdlib::parse_instant(it->get<std::string>())
                                 : stdlib::ParseResult<stdlib::ParsedInstant>::failure("expected an instant or null");
        if (!t.ok()) return bad(fmt::format("`{}`: {}", it.key(), t.error));
        at = t.value.instant.ms_since_epoch;
      }
      (it.key() == "activate_at" ? activate : due) = at;
    }
    if (!activate && !due) return bad("give `activate_at`, `due_at` or both");
    std::uint32_t item = kNoId;
    if (Status unknown = item_id(v["item"].get<std::string>(), &item); !unknown.ok()) return unknown;
    return runtime_->reschedule(item, activate, due);
  }

  Status transfer(const json& v) {
    if (!v.is_object() || !v.contains("item") || !v.contains("to") || !v["item"].is_string() || !v["to"].is_string() ||
        v.size() != 2)
      return bad("expected {\"item\": ID, \"to\": AGENT}");
    std::uint32_t item = kNoId;
    if (Status unknown = item_id(v["item"].get<std::string>(), &item); !unknown.ok()) return unknown;
    return runtime_->transfer(item, pool_.intern(v["to"].get<std::string>()));
  }

  // A supervisor's offer of a queued item to a named agent. An agent id never interned names
  // no agent, and is not interned now (like an item's).
  Status assign(const json& v) {
    if (!v.is_object() || !v.contains("item") || !v.contains("agent") || !v["item"].is_string() || !v["agent"].is_string() ||
        v.size() != 2)
      return bad("expected {\"item\": ID, \"agent\": AGENT}");
    std::uint32_t item = kNoId;
    if (Status unknown = item_id(v["item"].get<std::string>(), &item); !unknown.ok()) return unknown;
    const std::string& agent = v["agent"].get_ref<const std::string&>();
    const auto id = pool_.find(agent);
    if (!id) return Status::fail(Refusal::NotFound, fmt::format("no agent `{}`", agent));
    return runtime_->assign(item, *id);
  }

  // A supervisor's priority override: {"item": ID, "set": N or "boost": N, "until": INSTANT or
  // "handled" (optional)}, or {"item": ID, "clear": true}.
  Status priority(const json& v) {
    const char* shape = "expected {\"item\": ID, \"set\": N or \"boost\": N, \"until\": INSTANT or \"handled\"}, or {\"item\": ID, \"clear\": true}";
    if (!v.is_object() || !v.contains("item") || !v["item"].is_string()) return bad(shape);
    PriorityOverride o;
    int given = 0;
    bool clear = false;
    for (auto it = v.begin(); it != v.end(); ++it) {
      const std::string& key = it.key();
      if (key == "item") continue;
      if (key == "set" || key == "boost") {
        if (!it->is_number_integer()) return bad(fmt::format("`{}` is a whole number", key));
        o.kind = key == "set" ? PriorityOverride::Kind::Fixed : PriorityOverride::Kind::Boost;
        o.value = it->get<std::int64_t>();
        ++given;
      } else if (key == "clear") {
        if (*it != json(true)) return bad("`clear` is true");
        clear = true;
        ++given;
      } else if (key == "until") {
        if (*it == json("handled")) {
          o.until_handled = true;
          continue;
        }
        auto t = it->is_string() ? stdlib::parse_instant(it->get<std::string>())
                                 : stdlib::ParseResult<stdlib::ParsedInstant>::failure("expected an instant or \"handled\"");
        if (!t.ok()) return bad(fmt::format("`until`: {}", t.error));
        o.until = t.value.instant.ms_since_epoch;
      } else {
        return bad(fmt::format("unknown field `{}`; {}", key, shape));
      }
    }
    if (given != 1 || (clear && v.size() != 2)) return bad(shape);
    std::uint32_t item = kNoId;
    if (Status unknown = item_id(v["item"].get<std::string>(), &item); !unknown.ok()) return unknown;
    return clear ? runtime_->clear_priority_override(item) : runtime_->override_priority(item, o);
  }

  const abi::RulesV1& rules_;
  StringPool& pool_;
  ReplayOptions options_;
  EventSink* events_;
  std::size_t events_seen_ = 0;
  std::int64_t start_;
  bool timed_ = false;
  SimulatedClock clock_{stdlib::Instant{0}};
  std::unique_ptr<Runtime> runtime_;
  std::vector<std::pair<std::uint32_t, std::uint32_t>> pending_;  // offers to accept: item, agent
};

Session::Session(const abi::RulesV1& rules, StringPool& pool, const ReplayOptions& options, EventSink* events)
    : impl_(std::make_unique<Impl>(rules, pool, options, events)) {}
Session::~Session() = default;
bool Session::init(std::string* error) { return impl_->init(error); }
Status Session::apply(const ScriptLine& line) { return impl_->apply(line); }
Status Session::apply(const ScriptLine& line, PreparedCapture* ahead) { return impl_->apply(line, ahead); }
std::vector<PreparedCapture> Session::prepare_captures(std::int64_t at, std::span<const json* const> values) {
  return impl_->prepare_captures(at, values);
}
void Session::apply_captures(std::span<const ScriptLine> lines, const std::function<void(std::size_t, const Status&)>& done) {
  std::vector<const json*> values;
  values.reserve(lines.size());
  for (const ScriptLine& l : lines) {
    values.push_back(&l.value);
    assert(l.op == Op::Capture && l.at == lines[0].at);
  }
  std::vector<PreparedCapture> prepared = impl_->prepare_captures(lines.empty() ? 0 : lines[0].at, values);
  for (std::size_t k = 0; k < lines.size(); ++k) done(k, impl_->apply(lines[k], &prepared[k]));
}
std::int64_t Session::start() const { return impl_->start(); }
Status Session::apply_text(std::string_view text, ScriptLine* parsed) {
  ScriptLine own;
  ScriptLine& l = parsed ? *parsed : own;
  std::string problem = parse_line(text, impl_->start(), &l);
  return problem.empty() ? impl_->apply(l) : bad(std::move(problem));
}
void Session::advance(std::int64_t t) {
  if (t > impl_->clock().now().ms_since_epoch) impl_->apply(ScriptLine{t, {}, {}});
}
std::int64_t Session::now() const { return impl_->clock().now().ms_since_epoch; }
Runtime& Session::runtime() { return impl_->runtime(); }
std::size_t Session::events_seen() const { return impl_->events_seen(); }

namespace {

bool blank_or_comment(std::string_view line) {
  const auto first = line.find_first_not_of(" \t\r");
  return first == std::string_view::npos || line.substr(first, 2) == "//";
}

// Prints every event as a JSON line.
class LinePrinter final : public EventSink {
 public:
  LinePrinter(const abi::RulesV1& rules, const StringPool& pool, std::ostream& out) : rules_(rules), pool_(pool), out_(out) {}
  void on_event(const Event& e) override { out_ << event_json(e, rules_, pool_, schema) << '\n'; }
  const Schema* schema = nullptr;  // the runtime's, once it exists

 private:
  const abi::RulesV1& rules_;
  const StringPool& pool_;
  std::ostream& out_;
};

}  // namespace

bool run(const abi::RulesV1& rules, StringPool& pool, std::istream& script, std::ostream& out,
         const ReplayOptions& options, ReplaySummary* summary, std::string* error) {
  *summary = ReplaySummary{};
  LinePrinter printer(rules, pool, out);
  Session session(rules, pool, options, &printer);
  if (!session.init(error)) return false;
  printer.schema = &session.runtime().schema();
  const auto report = [&](std::size_t n, Op op, const Status& refused) {
    if (!refused.ok()) {
      out << json{{"error", refused.error}, {"line", n}}.dump(-1, ' ', false, json::error_handler_t::replace) << '\n';
      ++summary->errors;
    } else if (op != Op::None && op != Op::Start) {
      ++summary->operations;
    }
  };
  // Consecutive capture lines at one instant (a burst) wait here, then are applied together.
  std::vector<ScriptLine> burst;
  std::vector<std::size_t> burst_lines;
  const auto flush = [&] {
    if (burst.empty()) return;
    session.apply_captures(burst, [&](std::size_t k, const Status& s) { report(burst_lines[k], Op::Capture, s); });
    burst.clear();
    burst_lines.clear();
  };
  std::string text;
  for (std::size_t n = 1; std::getline(script, text); ++n) {
    if (!text.empty() && text.back() == '\r') text.pop_back();
    if (blank_or_comment(text)) continue;
    ScriptLine l;
    // (Parsing reads only `start`, which a burst cannot change: it holds no `start` line.)
    if (std::string problem = parse_line(text, session.start(), &l); !problem.empty()) {
      flush();
      report(n, l.op, bad(std::move(problem)));
      continue;
    }
    if (options.batch_captures && l.op == Op::Capture) {
      if (!burst.empty() && burst.back().at != l.at) flush();
      burst.push_back(std::move(l));
      burst_lines.push_back(n);
      continue;
    }
    flush();
    report(n, l.op, session.apply(l));
  }
  flush();
  summary->events = session.events_seen();
  return true;
}

}  // namespace iwd::runtime::replay
