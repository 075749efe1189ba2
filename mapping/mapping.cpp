#include "mapping/mapping.h"

#include <fmt/format.h>

#include <cctype>
#include <cstdlib>
#include <set>

namespace iwd::mapping {

using json = nlohmann::json;

namespace {

// A value as an error shows it: its JSON, cut short.
std::string shown(const json& v) {
  std::string s = v.dump();
  return s.size() > 80 ? s.substr(0, 77) + "..." : s;
}

// The text a `map` looks a value up by: a string itself, a number or a boolean as JSON writes it.
std::optional<std::string> key_of(const json& v) {
  if (v.is_string()) return v.get<std::string>();
  if (v.is_number() || v.is_boolean()) return v.dump();
  return std::nullopt;
}

// The value at `path` in `body`, or null when some step is missing.
const json* at_path(const json& body, const std::vector<std::string>& path) {
  const json* v = &body;
  for (const std::string& step : path) {
    if (v->is_object()) {
      auto it = v->find(step);
      if (it == v->end()) return nullptr;
      v = &*it;
    } else if (v->is_array() && !step.empty() && step.find_first_not_of("0123456789") == std::string::npos &&
               step.size() < 10 && std::stoul(step) < v->size()) {
      v = &(*v)[std::stoul(step)];
    } else {
      return nullptr;
    }
  }
  return v;
}

std::optional<json> as_number(const json& v) {
  if (v.is_number()) return v;
  if (!v.is_string()) return std::nullopt;
  const std::string& s = v.get_ref<const std::string&>();
  if (s.empty() || s.size() > 40 || std::isspace(static_cast<unsigned char>(s.front()))) return std::nullopt;
  json n = json::parse(s, nullptr, false);  // JSON's number syntax: "12", "-3.5", "1e3"
  if (n.is_discarded() || !n.is_number()) return std::nullopt;
  return n;
}

// One rule's value for `body`: nullopt with *error empty to leave `to` out.
std::optional<json> value_of(const Rule& r, const json& body, std::string* error) {
  if (r.set) return *r.set;
  const json* v = at_path(body, r.path);
  if (!v || v->is_null()) {
    if (r.fallback) return *r.fallback;
    if (!r.optional) *error = fmt::format("field \"{}\" is missing", r.from);
    return std::nullopt;
  }
  if (r.values) {
    const auto key = key_of(*v);
    const auto it = key ? r.values->find(*key) : r.values->end();
    if (it != r.values->end()) return it->second;
    if (r.fallback) return *r.fallback;
    std::string known;
    for (const auto& [k, _] : *r.values) known += (known.empty() ? "" : ", ") + json(k).dump();
    *error = fmt::format("field \"{}\": {} is not mapped (mapped: {})", r.from, shown(*v), known);
    return std::nullopt;
  }
  if (r.time) {
    const auto t = r.time->read(*v);
    if (!t.ok()) {
      *error = fmt::format("field \"{}\": {} does not match format \"{}\": {}", r.from, shown(*v), r.time->spec(), t.error);
      return std::nullopt;
    }
    return stdlib::format_instant(t.value);
  }
  if (r.as == Rule::As::Number) {
    if (auto n = as_number(*v)) return n;
    *error = fmt::format("field \"{}\": {} is not a number", r.from, shown(*v));
    return std::nullopt;
  }
  if (r.as == Rule::As::String) {
    if (v->is_string()) return *v;
    if (v->is_number() || v->is_boolean()) return v->dump();
    *error = fmt::format("field \"{}\": {} is not a string, a number or a boolean", r.from, shown(*v));
    return std::nullopt;
  }
  return *v;
}

bool good_path(const std::string& p) {
  if (p.empty() || p.front() == '.' || p.back() == '.' || p.find("..") != std::string::npos) return false;
  return true;
}

std::vector<std::string> split(const std::string& p) {
  std::vector<std::string> out;
  std::size_t start = 0;
  for (std::size_t dot; (dot = p.find('.', start)) != std::string::npos; start = dot + 1) out.push_back(p.substr(start, dot - start));
  out.push_back(p.substr(start));
  return out;
}

}  // namespace

std::optional<Mapping> parse_mapping(const std::string& source, const json& j, std::string* error) {
  std::string key = "mappings." + source, rule_name;
  auto fail = [&](const std::string& what) {
    *error = rule_name.empty() ? fmt::format("`{}` (source `{}`): {}", key, source, what)
                               : fmt::format("`{}` (source `{}`, {}): {}", key, source, rule_name, what);
    return std::nullopt;
  };
  if (!j.is_object()) return fail("a mapping is {\"rules\": [RULE, ...], \"others\": \"drop\" or \"keep\"}");
  Mapping m;
  for (auto it = j.begin(); it != j.end(); ++it) {
    if (it.key() == "others") {
      if (*it != "drop" && *it != "keep") return key += ".others", fail("`others` is \"drop\" or \"keep\"");
      m.keep_others = *it == "keep";
    } else if (it.key() != "rules") {
      return fail(fmt::format("unknown field `{}` (rules, others)", it.key()));
    }
  }
  if (!j.contains("rules") || !j["rules"].is_array() || j["rules"].empty())
    return key += ".rules", fail("`rules` is a non-empty array of {\"to\", \"from\" or \"set\", ...} objects");
  const std::string base = key;
  std::set<std::string> targets;
  for (std::size_t k = 0; k < j["rules"].size(); ++k) {
    const json& r = j["rules"][k];
    key = fmt::format("{}.rules[{}]", base, k);
    rule_name = fmt::format("rule {}", k + 1);
    if (!r.is_object()) return fail("a rule is an object {\"to\", \"from\" or \"set\", ...}");
    if (!r.contains("to") || !r["to"].is_string() || r["to"].get<std::string>().empty())
      return key += ".to", fail("a rule names the field it gives: `to` (a non-empty string)");
    Rule rule;
    rule.to = r["to"].get<std::string>();
    rule_name = fmt::format("the rule giving `{}`", rule.to);
    if (!targets.insert(rule.to).second) return key += ".to", fail(fmt::format("`{}` is given by an earlier rule too", rule.to));
    std::string zone;
    for (auto f = r.begin(); f != r.end(); ++f) {
      const std::string& name = f.key();
      const std::string here = key + "." + name;
      auto bad = [&](const std::string& what) { return key = here, fail(what); };
      if (name == "to") continue;
      if (name == "from") {
        if (!f->is_string() || !good_path(f->get<std::string>()))
          return bad("`from` is the source's field, a name or a path with dots (\"case.priority\")");
        rule.from = f->get<std::string>();
        rule.path = split(rule.from);
      } else if (name == "set") {
        rule.set = *f;
      } else if (name == "optional") {
        if (!f->is_boolean()) return bad("`optional` is true or false");
        rule.optional = f->get<bool>();
      } else if (name == "default") {
        rule.fallback = *f;
      } else if (name == "map") {
        if (!f->is_object() || f->empty()) return bad("`map` is an object from the source's values to ours ({\"P1\": \"Gold\"})");
        rule.values.emplace();
        for (auto v = f->begin(); v != f->end(); ++v) (*rule.values)[v.key()] = *v;
      } else if (name == "time") {
        if (!f->is_string()) return bad("`time` is \"iso8601\", \"epoch_seconds\", \"epoch_ms\" or a format like \"%d/%m/%Y %H:%M\"");
      } else if (name == "zone") {
        if (!f->is_string() || f->get<std::string>().empty()) return bad("`zone` is a time zone's name (\"Europe/Berlin\")");
        zone = f->get<std::string>();
      } else if (name == "as") {
        if (*f != "number" && *f != "string") return bad("`as` is \"number\" or \"string\"");
        rule.as = *f == "number" ? Rule::As::Number : Rule::As::String;
      } else {
        return bad(fmt::format("unknown field `{}` (to, from, set, optional, default, map, time, zone, as)", name));
      }
    }
    if (rule.set.has_value() == !rule.from.empty())
      return fail("a rule has either `from` (the source's field) or `set` (a constant)");
    const int conversions = rule.values.has_value() + r.contains("time") + (rule.as != Rule::As::Same);
    if (conversions > 1) return fail("`map`, `time` and `as` are one per rule");
    if (rule.set && (conversions || rule.optional || rule.fallback))
      return fail("a constant (`set`) takes no `map`, `time`, `as`, `optional` or `default`");
    if (rule.optional && rule.fallback) return fail("`optional` and `default` together: `default` already covers a missing field");
    if (!zone.empty() && !r.contains("time")) return key += ".zone", fail("`zone` goes with `time`");
    if (r.contains("time")) {
      std::string why;
      rule.time = TimeFormat::make(r["time"].get<std::string>(), zone, &why);
      if (!rule.time) return key += r.contains("zone") && why.find("zone") != std::string::npos ? ".zone" : ".time", fail(why);
    }
    m.rules.push_back(std::move(rule));
  }
  key = base;
  rule_name.clear();
  if (!m.keep_others && !targets.count("id"))
    return key += ".rules", fail("no rule gives the item's `id` (the source system's key), and `others` is \"drop\"");
  return m;
}

std::optional<json> apply(const Mapping& m, const json& body, std::string* error) {
  if (!body.is_object()) {
    *error = "a source with a mapping posts a JSON object";
    return std::nullopt;
  }
  json out = json::object();
  std::set<std::string> read;
  for (const Rule& r : m.rules) {
    if (!r.path.empty()) read.insert(r.path.front());
    std::string why;
    std::optional<json> v = value_of(r, body, &why);
    if (!why.empty()) return *error = std::move(why), std::nullopt;
    if (v) out[r.to] = std::move(*v);
  }
  if (m.keep_others)
    for (auto it = body.begin(); it != body.end(); ++it)
      if (!read.count(it.key()) && !out.contains(it.key())) out[it.key()] = *it;
  return out;
}

}  // namespace iwd::mapping
