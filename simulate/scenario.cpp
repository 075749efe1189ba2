// The scenario's reader: JSON with `//` comment lines (blanked, so line numbers hold), every
// field checked, names checked against the rules with a did-you-mean.
#include "simulate/scenario.h"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <span>

#include "stdlib/spelling.h"
#include "stdlib/time.h"

namespace iwd::simulate {
namespace {

using json = nlohmann::json;

// Thrown inside the reader only, caught by parse_scenario: the message names the line.
struct Problem {
  std::string message;
};

class Reader {
 public:
  explicit Reader(std::string text) : text_(std::move(text)) {}

  // The line of the first `"name"` at or after `from` (nlohmann keeps no positions: the
  // key's first spelling after its section's is the best a reader of the text can point at).
  int line_of(std::string_view name, std::size_t from = 0) const {
    const std::size_t at = text_.find(fmt::format("\"{}\"", name), from);
    if (at == std::string::npos) return 1;
    return 1 + static_cast<int>(std::count(text_.begin(), text_.begin() + static_cast<std::ptrdiff_t>(at), '\n'));
  }
  std::size_t offset_of(std::string_view name, std::size_t from = 0) const {
    const std::size_t at = text_.find(fmt::format("\"{}\"", name), from);
    return at == std::string::npos ? from : at;
  }
  [[noreturn]] void fail(int line, std::string message) const {
    throw Problem{fmt::format("line {}: {}", line, message)};
  }

  const std::string& text() const { return text_; }

 private:
  std::string text_;
};

std::string hint(std::string_view wrong, std::span<const std::string_view> names) {
  std::string h = stdlib::suggest_name(wrong, names);
  return h.empty() ? std::string() : fmt::format(" (did you mean `{}`?)", h);
}

void only_fields(const Reader& r, const json& v, std::span<const std::string_view> fields, std::string_view what,
                 std::size_t from) {
  if (!v.is_object()) r.fail(r.line_of(what, from), fmt::format("`{}` is an object", what));
  for (auto it = v.begin(); it != v.end(); ++it)
    if (std::find(fields.begin(), fields.end(), it.key()) == fields.end())
      r.fail(r.line_of(it.key(), from), fmt::format("unknown field `{}` in `{}`{}", it.key(), what, hint(it.key(), fields)));
}

std::int64_t duration(const Reader& r, const json& v, std::string_view key, std::size_t from, bool positive) {
  auto d = v.is_string() ? stdlib::parse_duration(v.get<std::string>())
                         : stdlib::ParseResult<stdlib::Duration>::failure("expected a duration like \"3m\"");
  if (!d.ok()) r.fail(r.line_of(key, from), fmt::format("`{}`: {}", key, d.error));
  if (d.value.ms < 0 || (positive && d.value.ms == 0))
    r.fail(r.line_of(key, from), fmt::format("`{}`: a duration above zero", key));
  return d.value.ms;
}

HandleTime handle_time(const Reader& r, const json& v, std::size_t from) {
  static constexpr std::string_view kKinds[] = {"exponential", "lognormal", "fixed"};
  if (!v.is_object() || v.size() != 1)
    r.fail(r.line_of("handle", from), "`handle` is {\"exponential\": MEAN}, {\"lognormal\": {\"mean\": MEAN, \"spread\": S}} or {\"fixed\": D}");
  const std::string kind = v.begin().key();
  HandleTime h;
  if (kind == "exponential" || kind == "fixed") {
    h.kind = kind == "fixed" ? HandleTime::Kind::Fixed : HandleTime::Kind::Exponential;
    h.mean_ms = static_cast<double>(duration(r, v.begin().value(), kind, from, true));
  } else if (kind == "lognormal") {
    static constexpr std::string_view kFields[] = {"mean", "spread"};
    const json& p = v.begin().value();
    only_fields(r, p, kFields, "lognormal", from);
    if (!p.contains("mean") || !p.contains("spread")) r.fail(r.line_of("lognormal", from), "`lognormal` needs `mean` and `spread`");
    h.kind = HandleTime::Kind::Lognormal;
    h.mean_ms = static_cast<double>(duration(r, p["mean"], "mean", from, true));
    if (!p["spread"].is_number() || p["spread"].get<double>() <= 0)
      r.fail(r.line_of("spread", from), "`spread` is a number above zero (the standard deviation over the mean)");
    h.spread = p["spread"].get<double>();
  } else {
    r.fail(r.line_of(kind, from), fmt::format("unknown handle time `{}`{}", kind, hint(kind, kKinds)));
  }
  return h;
}

// A value of attribute `a` as the scenario gives it: for an enum, one of its values.
void check_value(const Reader& r, const json& value, const runtime::AttributeSpec& a, const runtime::Schema& schema,
                 std::size_t from) {
  if (a.type != runtime::SlotType::Enum) return;  // the runtime's decoder checks the rest at the first capture
  const auto& values = schema.enums[static_cast<std::size_t>(a.enum_index)].values;
  const std::string given = value.is_string() ? value.get<std::string>() : value.dump();
  if (std::find(values.begin(), values.end(), given) != values.end()) return;
  std::vector<std::string_view> names(values.begin(), values.end());
  r.fail(r.line_of(given, from), fmt::format("`{}` is not a value of `{}`{}", given, a.name, hint(given, names)));
}

std::vector<AttributeDraw> attributes(const Reader& r, const json& v, const runtime::Schema& schema, std::size_t from) {
  if (!v.is_object()) r.fail(r.line_of("attributes", from), "`attributes` is an object of attribute names to values");
  std::vector<std::string_view> names;
  for (const auto& a : schema.attributes) names.emplace_back(a.name);
  std::vector<AttributeDraw> out;
  for (auto it = v.begin(); it != v.end(); ++it) {
    const int slot = schema.find(it.key());
    if (slot < 0) r.fail(r.line_of(it.key(), from), fmt::format("the rules declare no attribute `{}`{}", it.key(), hint(it.key(), names)));
    if (it.key() == "id" || it.key() == "captured_at")
      r.fail(r.line_of(it.key(), from), fmt::format("`{}` is set by the simulation", it.key()));
    const auto& spec = schema.attributes[static_cast<std::size_t>(slot)];
    AttributeDraw d{it.key(), {}};
    if (it->is_object() && it->contains("choices")) {
      const json& c = (*it)["choices"];
      if (!c.is_object() || c.empty())
        r.fail(r.line_of("choices", from), "`choices` is an object of values to weights");
      for (auto ch = c.begin(); ch != c.end(); ++ch) {
        if (!ch->is_number() || ch->get<double>() < 0)
          r.fail(r.line_of(ch.key(), from), fmt::format("the weight of `{}` is a number not below zero", ch.key()));
        check_value(r, json(ch.key()), spec, schema, from);
        d.choices.emplace_back(json(ch.key()), ch->get<double>());
      }
    } else {
      check_value(r, *it, spec, schema, from);
      d.choices.emplace_back(*it, 1.0);
    }
    out.push_back(std::move(d));
  }
  return out;
}

// `object[key]`, a share of items: a number from 0 to 1.
double share(const Reader& r, const json& object, std::string_view key, std::string_view what, std::size_t from) {
  const json& v = object.contains(key) ? object[std::string(key)] : json();
  if (!v.is_number() || v.get<double>() < 0 || v.get<double>() > 1)
    r.fail(r.line_of(what, from), fmt::format("`{}`: `{}` is a number from 0 to 1 (a share of the items)", what, key));
  return v.get<double>();
}

Stream stream(const Reader& r, const json& v, const runtime::Schema& schema, std::size_t from) {
  static constexpr std::string_view kFields[] = {"name",       "attributes",     "rates", "handle",    "rona",
                                                 "bursts",     "due_after",      "activate_after", "park",
                                                 "completion"};
  only_fields(r, v, kFields, "streams", from);
  Stream s;
  if (!v.contains("name") || !v["name"].is_string()) r.fail(r.line_of("streams", from), "a stream needs a `name`");
  s.name = v["name"].get<std::string>();
  if (v.contains("attributes")) s.attributes = attributes(r, v["attributes"], schema, from);
  if (!v.contains("rates") || !v["rates"].is_array() || v["rates"].empty())
    r.fail(r.line_of("rates", from), "`rates` is an array of arrivals per hour, one per 15-minute interval");
  for (const json& x : v["rates"]) {
    if (!x.is_number()) r.fail(r.line_of("rates", from), "`rates`: each is a number of arrivals per hour");
    if (x.get<double>() < 0)
      r.fail(r.line_of("rates", from), fmt::format("`rates`: {} is negative (a rate is arrivals per hour, 0 or more)", x.dump()));
    s.rates_per_hour.push_back(x.get<double>());
  }
  if (!v.contains("handle")) r.fail(r.line_of("name", from), fmt::format("stream `{}` needs a `handle` time", s.name));
  s.handle = handle_time(r, v["handle"], from);
  if (v.contains("rona")) {  // {"share": 0..1, "back_after": D}
    static constexpr std::string_view kRona[] = {"share", "back_after"};
    const json& rona = v["rona"];
    only_fields(r, rona, kRona, "rona", from);
    if (!rona.contains("share") || !rona["share"].is_number() || rona["share"].get<double>() < 0 || rona["share"].get<double>() > 1)
      r.fail(r.line_of("rona", from), "`rona`: `share` is a number from 0 to 1 (the share of items whose first offer is not answered)");
    s.rona_share = rona["share"].get<double>();
    if (rona.contains("back_after")) s.rona_back_after_ms = duration(r, rona["back_after"], "back_after", from, false);
  }
  if (v.contains("bursts")) {  // [{"at": D, "items": N}]
    if (!v["bursts"].is_array()) r.fail(r.line_of("bursts", from), "`bursts` is an array of {\"at\": DURATION, \"items\": N}");
    for (const json& b : v["bursts"]) {
      static constexpr std::string_view kBurst[] = {"at", "items"};
      only_fields(r, b, kBurst, "bursts", from);
      if (!b.contains("at") || !b.contains("items")) r.fail(r.line_of("bursts", from), "a burst needs `at` (after the start) and `items`");
      if (!b["items"].is_number_integer() || b["items"].get<std::int64_t>() < 1 || b["items"].get<std::int64_t>() > 1'000'000)
        r.fail(r.line_of("items", from), "`items` is a whole number from 1 to 1000000");
      s.bursts.push_back({duration(r, b["at"], "at", from, false), b["items"].get<int>()});
    }
  }
  if (v.contains("due_after")) s.due_after_ms = duration(r, v["due_after"], "due_after", from, false);
  if (v.contains("activate_after")) s.activate_after_ms = duration(r, v["activate_after"], "activate_after", from, false);
  if (v.contains("park")) {  // {"share": 0..1, "for": D}
    static constexpr std::string_view kPark[] = {"share", "for"};
    only_fields(r, v["park"], kPark, "park", from);
    s.park_share = share(r, v["park"], "share", "park", from);
    if (!v["park"].contains("for")) r.fail(r.line_of("park", from), "`park` needs `for`, how long an item stays parked");
    s.park_for_ms = duration(r, v["park"]["for"], "for", from, true);
  }
  if (v.contains("completion")) {  // {"late": 0..1, "late_by": D, "never": 0..1}
    static constexpr std::string_view kCompletion[] = {"late", "late_by", "never"};
    const json& c = v["completion"];
    only_fields(r, c, kCompletion, "completion", from);
    if (c.contains("late")) s.late_share = share(r, c, "late", "completion", from);
    if (c.contains("never")) s.never_share = share(r, c, "never", "completion", from);
    if (s.late_share + s.never_share > 1) r.fail(r.line_of("completion", from), "`completion`: `late` and `never` add up to more than 1");
    if (s.late_share > 0 && !c.contains("late_by")) r.fail(r.line_of("completion", from), "`completion`: `late` needs `late_by`");
    if (c.contains("late_by")) s.late_by_ms = duration(r, c["late_by"], "late_by", from, true);
  }
  return s;
}

int time_of_day(const Reader& r, const json& v, std::string_view key, std::size_t from) {
  auto t = v.is_string() ? stdlib::parse_time_of_day(v.get<std::string>()) : stdlib::ParseResult<int>::failure("expected a string");
  if (!t.ok()) r.fail(r.line_of(key, from), fmt::format("`{}`: a time of day like \"08:30\" (UTC) ({})", key, t.error));
  return t.value;
}

// `"shifts": [{"from": "08:00", "to": "16:00", "breaks": [{"at": "12:00", "for": "30m"}]}]`:
// each within a day, in order and apart; each break inside its shift, apart from the others.
std::vector<Shift> shifts(const Reader& r, const json& v, std::size_t from) {
  if (!v.is_array()) r.fail(r.line_of("shifts", from), "`shifts` is an array of {\"from\", \"to\", \"breaks\"}");
  std::vector<Shift> out;
  const std::size_t at = r.offset_of("shifts", from);
  for (const json& s : v) {
    static constexpr std::string_view kFields[] = {"from", "to", "breaks"};
    only_fields(r, s, kFields, "shifts", at);
    if (!s.contains("from") || !s.contains("to")) r.fail(r.line_of("shifts", from), "a shift needs `from` and `to`");
    Shift shift{time_of_day(r, s["from"], "from", at), time_of_day(r, s["to"], "to", at), {}};
    const auto span = [](int a, int b) { return stdlib::format_time_of_day(a) + "-" + stdlib::format_time_of_day(b); };
    if (shift.to <= shift.from)
      r.fail(r.line_of("shifts", from), fmt::format("the shift {} ends before it starts (one over midnight is two shifts)", span(shift.from, shift.to)));
    if (!out.empty() && shift.from < out.back().to)
      r.fail(r.line_of("shifts", from), fmt::format("the shifts {} and {} overlap (or are out of order)",
                                                    span(out.back().from, out.back().to), span(shift.from, shift.to)));
    for (const json& b : s.value("breaks", json::array())) {
      static constexpr std::string_view kBreak[] = {"at", "for"};
      only_fields(r, b, kBreak, "breaks", at);
      if (!b.contains("at") || !b.contains("for")) r.fail(r.line_of("breaks", at), "a break needs `at` and `for`");
      const int start = time_of_day(r, b["at"], "at", at);
      const auto minutes = static_cast<int>(duration(r, b["for"], "for", at, true) / 60'000);
      const Shift::Break br{start, start + std::max(1, minutes)};
      if (br.from < shift.from || br.to > shift.to)
        r.fail(r.line_of("breaks", at), fmt::format("the break {} is not inside its shift {}", span(br.from, br.to), span(shift.from, shift.to)));
      if (!shift.breaks.empty() && br.from < shift.breaks.back().to)
        r.fail(r.line_of("breaks", at), fmt::format("the breaks {} and {} overlap (or are out of order)",
                                                    span(shift.breaks.back().from, shift.breaks.back().to), span(br.from, br.to)));
      shift.breaks.push_back(br);
    }
    out.push_back(std::move(shift));
  }
  return out;
}

AgentGroup group(const Reader& r, const json& v, const runtime::abi::RulesV1& rules, std::size_t from) {
  static constexpr std::string_view kFields[] = {"group", "count", "skills", "capacity", "shifts", "not_ready"};
  only_fields(r, v, kFields, "agents", from);
  AgentGroup g;
  if (!v.contains("group") || !v["group"].is_string()) r.fail(r.line_of("agents", from), "an agent group needs a `group` name");
  g.name = v["group"].get<std::string>();
  if (v.contains("count")) {
    if (!v["count"].is_number_integer() || v["count"].get<std::int64_t>() < 1 || v["count"].get<std::int64_t>() > 100000)
      r.fail(r.line_of("count", from), "`count` is a whole number from 1 to 100000");
    g.count = v["count"].get<int>();
  }
  if (v.contains("skills")) {
    if (!v["skills"].is_object()) r.fail(r.line_of("skills", from), "`skills` is an object of skill names to levels");
    std::vector<std::string_view> names(rules.skill_names, rules.skill_names + rules.skill_count);
    for (auto it = v["skills"].begin(); it != v["skills"].end(); ++it)
      if (std::find(names.begin(), names.end(), it.key()) == names.end())
        r.fail(r.line_of(it.key(), from), fmt::format("the rules declare no skill `{}`{}", it.key(), hint(it.key(), names)));
    g.skills = v["skills"];
  }
  if (v.contains("capacity")) g.capacity = v["capacity"];
  if (v.contains("shifts")) g.shifts = shifts(r, v["shifts"], from);
  if (v.contains("not_ready")) {  // {"every": D, "for": D, "reason": R}
    static constexpr std::string_view kNotReady[] = {"every", "for", "reason"};
    const json& n = v["not_ready"];
    only_fields(r, n, kNotReady, "not_ready", from);
    if (!n.contains("every") || !n.contains("for")) r.fail(r.line_of("not_ready", from), "`not_ready` needs `every` and `for`");
    g.not_ready_every_ms = duration(r, n["every"], "every", from, true);
    g.not_ready_for_ms = duration(r, n["for"], "for", from, true);
    if (n.contains("reason")) {
      if (!n["reason"].is_string() || n["reason"].get<std::string>().empty()) r.fail(r.line_of("reason", from), "`reason` is a name");
      g.not_ready_reason = n["reason"].get<std::string>();
    }
  }
  return g;
}

Run run(const Reader& r, const json& v) {
  static constexpr std::string_view kFields[] = {"start", "length", "warmup", "replications", "seed", "answer_within"};
  const std::size_t from = r.offset_of("run");
  only_fields(r, v, kFields, "run", from);
  Run out;
  if (v.contains("start")) {
    auto t = v["start"].is_string() ? stdlib::parse_instant(v["start"].get<std::string>())
                                    : stdlib::ParseResult<stdlib::ParsedInstant>::failure("expected a string");
    if (!t.ok()) r.fail(r.line_of("start", from), "`start`: an instant like \"2026-11-23T09:00:00Z\" (" + t.error + ")");
    out.start = t.value.instant.ms_since_epoch;
  }
  if (v.contains("length")) out.length_ms = duration(r, v["length"], "length", from, true);
  if (v.contains("warmup")) out.warmup_ms = duration(r, v["warmup"], "warmup", from, false);
  if (out.warmup_ms >= out.length_ms) r.fail(r.line_of("warmup", from), "`warmup` is shorter than `length`");
  if (v.contains("answer_within")) out.answer_within_ms = duration(r, v["answer_within"], "answer_within", from, false);
  if (v.contains("replications")) {
    if (!v["replications"].is_number_integer() || v["replications"].get<std::int64_t>() < 1 ||
        v["replications"].get<std::int64_t>() > 1000)
      r.fail(r.line_of("replications", from), "`replications` is a whole number from 1 to 1000");
    out.replications = v["replications"].get<int>();
  }
  if (v.contains("seed")) {
    if (!v["seed"].is_number_unsigned()) r.fail(r.line_of("seed", from), "`seed` is a whole number from 0");
    out.seed = v["seed"].get<std::uint64_t>();
  }
  return out;
}

// Blanks `//` comment lines, keeping their line breaks.
std::string without_comments(std::string_view text) {
  std::string out;
  std::size_t pos = 0;
  while (pos <= text.size()) {
    std::size_t end = text.find('\n', pos);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(pos, end - pos);
    const auto first = line.find_first_not_of(" \t\r");
    if (first == std::string_view::npos || line.substr(first, 2) != "//") out.append(line);
    if (end < text.size()) out.push_back('\n');
    pos = end + 1;
  }
  return out;
}

}  // namespace

stdlib::ParseResult<Scenario> parse_scenario(std::string_view text, const runtime::abi::RulesV1& rules,
                                             const runtime::Schema& schema) {
  Reader r(without_comments(text));
  json doc;
  try {
    doc = json::parse(r.text());
  } catch (const json::parse_error& e) {
    const std::size_t at = std::min<std::size_t>(e.byte, r.text().size());
    const int line = 1 + static_cast<int>(std::count(r.text().begin(), r.text().begin() + static_cast<std::ptrdiff_t>(at), '\n'));
    return stdlib::ParseResult<Scenario>::failure(fmt::format("line {}: not JSON ({})", line, e.what()));
  }
  try {
    static constexpr std::string_view kFields[] = {"streams", "agents", "run"};
    only_fields(r, doc, kFields, "scenario", 0);
    Scenario s;
    if (doc.contains("run")) s.run = run(r, doc["run"]);
    if (!doc.contains("streams") || !doc["streams"].is_array() || doc["streams"].empty())
      r.fail(1, "the scenario needs `streams`, an array of arrival streams");
    std::size_t from = r.offset_of("streams");
    for (const json& v : doc["streams"]) {
      from = r.offset_of("name", from + 1);
      s.streams.push_back(stream(r, v, schema, from));
    }
    if (!doc.contains("agents") || !doc["agents"].is_array() || doc["agents"].empty())
      r.fail(1, "the scenario needs `agents`, an array of agent groups");
    from = r.offset_of("agents");
    for (const json& v : doc["agents"]) {
      from = r.offset_of("group", from + 1);
      s.agents.push_back(group(r, v, rules, from));
    }
    return stdlib::ParseResult<Scenario>::success(std::move(s));
  } catch (const Problem& p) {
    return stdlib::ParseResult<Scenario>::failure(p.message);
  }
}

std::string adjust_agents(Scenario* scenario, std::string_view spec) {
  const std::size_t at = spec.find('@');
  int n = 0;
  const char* end = at == std::string_view::npos ? nullptr : spec.data() + at;
  const bool signed_count = !spec.empty() && (spec[0] == '+' || spec[0] == '-');
  if (end == nullptr || !signed_count || at < 2 ||
      std::from_chars(spec.data() + 1, end, n).ptr != end || n < 0 || at + 1 == spec.size())
    return fmt::format("`{}`: expected +N@GROUP or -N@GROUP (agents added to or taken from a group)", spec);
  const std::string_view name = spec.substr(at + 1);
  std::vector<std::string_view> names;
  for (AgentGroup& g : scenario->agents) {
    names.push_back(g.name);
    if (g.name != name) continue;
    const int count = g.count + (spec[0] == '-' ? -n : n);
    if (count < 0) return fmt::format("`{}`: the group `{}` has {} agents", spec, name, g.count);
    g.count = count;
    return "";
  }
  return fmt::format("`{}`: the scenario has no agent group `{}`{}", spec, name, hint(name, names));
}

}  // namespace iwd::simulate
