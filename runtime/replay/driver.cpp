// The replay driver: a simulated clock, a Runtime, and each script line turned into an
// operation. Deadlines up to a line's instant fire first, each at its own instant.
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <istream>
#include <ostream>

#include "runtime/item_json.h"
#include "runtime/replay/replay.h"
#include "stdlib/spelling.h"

namespace iwd::runtime::replay {
namespace {

using json = nlohmann::json;

class Driver final : public EventSink {
 public:
  Driver(const abi::RulesV1& rules, StringPool& pool, std::ostream& out, const ReplayOptions& options,
         ReplaySummary& summary)
      : rules_(rules), pool_(pool), out_(out), options_(options), summary_(summary), start_(options.start.ms_since_epoch) {}

  bool init(std::string* error) {
    runtime_ = Runtime::create(rules_, pool_, clock_, *this, options_.runtime, error);
    return runtime_ != nullptr;
  }

  void on_event(const Event& e) override {
    out_ << event_json(e, rules_, pool_) << '\n';
    ++summary_.events;
    if (options_.auto_accept && e.kind == EventKind::ItemStateChanged && e.to_item == ItemState::Offered)
      pending_.emplace_back(e.item, e.agent);
  }

  void line(std::size_t n, std::string_view text) {
    ScriptLine l;
    std::string problem = parse_line(text, start_, &l);
    if (problem.empty()) problem = apply(l);
    if (!problem.empty()) {
      out_ << json{{"error", problem}, {"line", n}}.dump(-1, ' ', false, json::error_handler_t::replace) << '\n';
      ++summary_.errors;
    }
  }

 private:
  std::string apply(const ScriptLine& l) {
    if (l.op == "start") {
      if (timed_) return "`start` comes before every line with `at`";
      const json v = json::parse(l.value);
      auto t = v.is_string() ? stdlib::parse_instant(v.get<std::string>())
                             : stdlib::ParseResult<stdlib::ParsedInstant>::failure("expected a string");
      if (!t.ok()) return "start: an instant like \"2026-11-23T09:00:00Z\" (" + t.error + ")";
      start_ = t.value.instant.ms_since_epoch;
      return {};
    }
    if (timed_ && l.at < clock_.now().ms_since_epoch)
      return fmt::format("`at` {} is before the previous line's {}: time does not go back",
                         stdlib::format_instant(stdlib::Instant{l.at}), stdlib::format_instant(clock_.now()));
    timed_ = true;
    advance(l.at);
    if (l.op.empty()) return {};
    const json v = json::parse(l.value);
    std::string problem = operate(l.op, v);
    if (!problem.empty()) return l.op + ": " + problem;
    ++summary_.operations;
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

  std::string operate(const std::string& op, const json& v) {
    if (op == "capture") return capture(v);
    if (op == "update") return update(v);
    if (op == "agent") return agent(v);
    if (op == "reschedule") return reschedule(v);
    if (op == "transfer") return transfer(v);
    std::uint32_t item = kNoId, agent = kNoId;
    if (std::string e = item_ref(v, &item, &agent, op != "accept" && op != "reject"); !e.empty()) return e;
    Status s;
    if (op == "cancel") s = runtime_->cancel(item);
    else if (op == "hold") s = runtime_->hold(item);
    else if (op == "resume") s = runtime_->resume(item);
    else if (op == "restart") s = runtime_->restart(item);
    else if (op == "complete") s = runtime_->complete(item);
    else if (op == "accept") s = runtime_->accept(item, agent);
    else if (op == "reject") s = runtime_->reject(item, agent);
    else if (op == "done") s = runtime_->done(item);
    else if (op == "park") s = runtime_->park(item);
    else if (op == "pull") s = runtime_->pull(item);
    else if (op == "return") s = runtime_->return_to_queue(item);
    return s.error;
  }

  // "W1", or {"item": "W1"} (with "agent": "a1" for accept and reject).
  std::string item_ref(const json& v, std::uint32_t* item, std::uint32_t* agent, bool item_only) {
    if (v.is_string()) {
      *item = pool_.intern(v.get<std::string>());
      return {};
    }
    const char* shape = item_only ? "the item's id, or {\"item\": ID}" : "the item's id, or {\"item\": ID, \"agent\": ID}";
    if (!v.is_object()) return fmt::format("expected {}", shape);
    for (auto it = v.begin(); it != v.end(); ++it) {
      if (!it->is_string()) return fmt::format("`{}` is a string", it.key());
      if (it.key() == "item")
        *item = pool_.intern(it->get<std::string>());
      else if (it.key() == "agent" && !item_only)
        *agent = pool_.intern(it->get<std::string>());
      else
        return fmt::format("unknown field `{}`; expected {}", it.key(), shape);
    }
    if (*item == kNoId) return fmt::format("expected {}", shape);
    return {};
  }

  DecodeOptions decoding() const {
    DecodeOptions d;
    d.captured_at = clock_.now();
    d.allow_missing_required = true;
    return d;
  }

  std::string capture(const json& v) {
    if (!v.is_object()) return "the item is a JSON object of attributes";
    auto rec = decode_item(runtime_->schema(), pool_, v.dump(), decoding());
    if (!rec.ok()) return rec.error;
    if (!rec.value.present(kSlotId)) return "the item needs an `id`";
    return runtime_->capture(std::move(rec.value)).error;
  }

  // The item's attributes with the given ones replaced (null: made absent).
  std::string update(const json& v) {
    if (!v.is_object() || !v.contains("id") || !v["id"].is_string())
      return "the changes are a JSON object of attributes with the item's `id`";
    const WorkItem* item = runtime_->find_item(pool_.intern(v["id"].get<std::string>()));
    if (!item) return fmt::format("no open item `{}`", v["id"].get<std::string>());
    const Schema& schema = runtime_->schema();
    json merged = json::parse(encode_item(schema, pool_, item->record));
    for (std::uint32_t s = 0; s < schema.attributes.size(); ++s)
      if (!item->record.present(s) && schema.attributes[s].optional) merged[schema.attributes[s].name] = nullptr;
    for (auto it = v.begin(); it != v.end(); ++it) {
      if (it.key() == "captured_at") return "`captured_at` is set by the runtime";
      merged[it.key()] = *it;
    }
    auto rec = decode_item(schema, pool_, merged.dump(), decoding());
    if (!rec.ok()) return rec.error;
    return runtime_->update(std::move(rec.value)).error;
  }

  std::string reschedule(const json& v) {
    if (!v.is_object() || !v.contains("item") || !v["item"].is_string())
      return "expected {\"item\": ID, \"activate_at\": INSTANT, \"due_at\": INSTANT}";
    std::optional<std::int64_t> activate, due;
    for (auto it = v.begin(); it != v.end(); ++it) {
      if (it.key() == "item") continue;
      if (it.key() != "activate_at" && it.key() != "due_at")
        return fmt::format("unknown field `{}`; expected `item`, `activate_at`, `due_at`", it.key());
      std::int64_t at = abi::kNone;
      if (!it->is_null()) {
        auto t = it->is_string() ? stdlib::parse_instant(it->get<std::string>())
                                 : stdlib::ParseResult<stdlib::ParsedInstant>::failure("expected an instant or null");
        if (!t.ok()) return fmt::format("`{}`: {}", it.key(), t.error);
        at = t.value.instant.ms_since_epoch;
      }
      (it.key() == "activate_at" ? activate : due) = at;
    }
    if (!activate && !due) return "give `activate_at`, `due_at` or both";
    return runtime_->reschedule(pool_.intern(v["item"].get<std::string>()), activate, due).error;
  }

  std::string transfer(const json& v) {
    if (!v.is_object() || !v.contains("item") || !v.contains("to") || !v["item"].is_string() || !v["to"].is_string() ||
        v.size() != 2)
      return "expected {\"item\": ID, \"to\": AGENT}";
    return runtime_->transfer(pool_.intern(v["item"].get<std::string>()), pool_.intern(v["to"].get<std::string>())).error;
  }

  std::string agent(const json& v) {
    if (!v.is_object()) return "an agent is a JSON object like {\"id\": \"a1\", \"skills\": {\"phone\": 5}}";
    AgentUpdate u;
    std::string reason;
    for (auto it = v.begin(); it != v.end(); ++it) {
      const std::string& key = it.key();
      if (key == "id") {
        if (!it->is_string()) return "`id` is a string";
        u.id = pool_.intern(it->get<std::string>());
      } else if (key == "skills") {
        if (std::string e = skills(*it, &u); !e.empty()) return e;
      } else if (key == "groups") {
        if (!it->is_array()) return "`groups` is an array of strings";
        u.groups.emplace();
        for (const auto& g : *it) {
          if (!g.is_string()) return "`groups` is an array of strings";
          u.groups->push_back(pool_.intern(g.get<std::string>()));
        }
      } else if (key == "attributes") {
        if (!it->is_object()) return "`attributes` is an object of names to strings";
        u.attributes.emplace();
        for (auto a = it->begin(); a != it->end(); ++a) {
          if (!a->is_string()) return fmt::format("attribute `{}`: a string", a.key());
          u.attributes->emplace_back(pool_.intern(a.key()), pool_.intern(a->get<std::string>()));
        }
      } else if (key == "capacity") {
        if (std::string e = capacity(*it, &u); !e.empty()) return e;
      } else if (key == "state") {
        const std::string s = it->is_string() ? it->get<std::string>() : "";
        if (s == "ready") u.state = AgentState::Ready;
        else if (s == "not_ready") u.state = AgentState::NotReady;
        else if (s == "logged_out") u.state = AgentState::LoggedOut;
        else return "`state` is \"ready\", \"not_ready\" or \"logged_out\"";
      } else if (key == "reason") {
        if (!it->is_string()) return "`reason` is a string";
        reason = it->get<std::string>();
      } else {
        static constexpr std::string_view kFields[] = {"id", "skills", "groups", "attributes", "capacity", "state", "reason"};
        std::string hint = stdlib::suggest_name(key, std::span<const std::string_view>(kFields));
        return fmt::format("unknown field `{}`{}", key, hint.empty() ? "" : fmt::format(" (did you mean `{}`?)", hint));
      }
    }
    if (u.id == kNoId) return "an agent needs an `id`";
    if (!reason.empty()) {
      if (u.state != AgentState::NotReady) return "`reason` goes with \"state\": \"not_ready\"";
      u.reason = pool_.intern(reason);
    }
    return runtime_->agent(u).error;
  }

  std::string skills(const json& v, AgentUpdate* u) {
    if (!v.is_object()) return "`skills` is an object of skill names to levels";
    std::vector<std::string_view> names(rules_.skill_names, rules_.skill_names + rules_.skill_count);
    u->skills.emplace(names.size(), std::int8_t{-1});
    for (auto it = v.begin(); it != v.end(); ++it) {
      auto pos = std::find(names.begin(), names.end(), it.key());
      if (pos == names.end()) {
        std::string hint = stdlib::suggest_name(it.key(), std::span<const std::string_view>(names));
        return fmt::format("unknown skill `{}`{}", it.key(), hint.empty() ? "" : fmt::format(" (did you mean `{}`?)", hint));
      }
      if (!it->is_number_integer() || it->get<std::int64_t>() < 0 || it->get<std::int64_t>() > 10)
        return fmt::format("skill `{}`: a level is a whole number from 0 to 10", it.key());
      (*u->skills)[static_cast<std::size_t>(pos - names.begin())] = static_cast<std::int8_t>(it->get<int>());
    }
    return {};
  }

  // A capacity declaration's name, or {"MEDIA": N, ..., "total": N}.
  std::string capacity(const json& v, AgentUpdate* u) {
    if (v.is_string()) {
      auto spec = runtime_->capacity_named(v.get<std::string>());
      if (!spec) {
        std::vector<std::string_view> names;
        for (std::int32_t c = 0; c < rules_.capacity_count; ++c) names.emplace_back(rules_.capacities[c].name);
        std::string hint = stdlib::suggest_name(v.get<std::string>(), std::span<const std::string_view>(names));
        return fmt::format("no capacity `{}` in the rules{}", v.get<std::string>(),
                           hint.empty() ? "" : fmt::format(" (did you mean `{}`?)", hint));
      }
      u->capacity = *spec;
      return {};
    }
    if (!v.is_object()) return "`capacity` is a capacity's name or an object like {\"voice\": 1, \"total\": 2}";
    CapacitySpec spec;
    for (auto it = v.begin(); it != v.end(); ++it) {
      if (!it->is_number_integer() || it->get<std::int64_t>() < 0 || it->get<std::int64_t>() > 1000000)
        return fmt::format("capacity `{}`: a whole number from 0", it.key());
      const auto n = static_cast<std::int32_t>(it->get<std::int64_t>());
      if (it.key() == "total")
        spec.total = n;
      else
        spec.media.emplace_back(pool_.intern(it.key()), n);
    }
    u->capacity = spec;
    return {};
  }

  const abi::RulesV1& rules_;
  StringPool& pool_;
  std::ostream& out_;
  const ReplayOptions& options_;
  ReplaySummary& summary_;
  std::int64_t start_;
  bool timed_ = false;
  SimulatedClock clock_{stdlib::Instant{0}};
  std::unique_ptr<Runtime> runtime_;
  std::vector<std::pair<std::uint32_t, std::uint32_t>> pending_;  // offers to accept: item, agent
};

bool blank_or_comment(std::string_view line) {
  const auto first = line.find_first_not_of(" \t\r");
  return first == std::string_view::npos || line.substr(first, 2) == "//";
}

}  // namespace

bool run(const abi::RulesV1& rules, StringPool& pool, std::istream& script, std::ostream& out,
         const ReplayOptions& options, ReplaySummary* summary, std::string* error) {
  *summary = ReplaySummary{};
  Driver driver(rules, pool, out, options, *summary);
  if (!driver.init(error)) return false;
  std::string text;
  for (std::size_t n = 1; std::getline(script, text); ++n) {
    if (!text.empty() && text.back() == '\r') text.pop_back();
    if (blank_or_comment(text)) continue;
    driver.line(n, text);
  }
  return true;
}

}  // namespace iwd::runtime::replay
