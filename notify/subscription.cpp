#include "notify/subscription.h"

#include <fmt/format.h>

#include <algorithm>

namespace iwd::notify {

using json = nlohmann::json;

const std::vector<std::string>& event_kinds() {
  static const std::vector<std::string> kinds = {"captured", "rejected",    "offered",  "accepted",         "done",
                                                 "completed", "returned",   "parked",   "transferred",      "canceled",
                                                 "expired",   "priority_changed", "process_changed"};
  return kinds;
}

std::optional<Url> split_url(const std::string& url) {
  std::size_t scheme_end = 0;
  if (url.rfind("http://", 0) == 0) scheme_end = 7;
  else if (url.rfind("https://", 0) == 0) scheme_end = 8;
  else return std::nullopt;
  const std::size_t slash = url.find('/', scheme_end);
  Url u{url.substr(0, slash), slash == std::string::npos ? "/" : url.substr(slash)};
  const std::string host = u.origin.substr(scheme_end);
  if (host.empty() || host.front() == ':' || host.find_first_of("@ \t\r\n?#") != std::string::npos) return std::nullopt;
  if (u.path.find_first_of(" \t\r\n") != std::string::npos) return std::nullopt;
  return u;
}

static bool good_name(const std::string& name) {
  return !name.empty() && name.size() <= 64 && std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-' || c == '.';
  });
}

std::optional<Subscription> parse_subscription(const std::string& name, const json& j, std::string* error) {
  auto fail = [&](const std::string& what) {
    *error = fmt::format("subscription `{}`: {}", name, what);
    return std::nullopt;
  };
  if (!good_name(name)) {
    *error = fmt::format("subscription name `{}` is 1 to 64 letters, digits, '_', '-' or '.'", name);
    return std::nullopt;
  }
  if (!j.is_object()) return fail("is a JSON object {\"url\", \"events\", \"sources\", \"secret\"}");
  Subscription s;
  s.name = name;
  for (auto it = j.begin(); it != j.end(); ++it) {
    const std::string& key = it.key();
    if (key == "url" || key == "secret") {
      if (!it->is_string()) return fail(fmt::format("`{}` is a string", key));
      (key == "url" ? s.url : s.secret) = it->get<std::string>();
    } else if (key == "events" || key == "sources") {
      if (!it->is_array()) return fail(fmt::format("`{}` is an array of strings", key));
      auto& out = key == "events" ? s.events : s.sources;
      for (const json& v : *it) {
        if (!v.is_string() || v.get<std::string>().empty()) return fail(fmt::format("`{}` is an array of non-empty strings", key));
        const std::string text = v.get<std::string>();
        if (key == "events" && std::find(event_kinds().begin(), event_kinds().end(), text) == event_kinds().end())
          return fail(fmt::format("unknown event `{}` (one of {})", text, fmt::join(event_kinds(), ", ")));
        if (std::find(out.begin(), out.end(), text) == out.end()) out.push_back(text);
      }
    } else {
      return fail(fmt::format("unknown field `{}` (url, events, sources, secret)", key));
    }
  }
  if (s.url.empty()) return fail("needs a `url`");
  if (s.url.size() > 2048 || !split_url(s.url)) return fail(fmt::format("`url` `{}` is not an http:// or https:// URL with a host", s.url));
  if (s.events.empty()) return fail("needs `events`, the event kinds wanted");
  if (s.secret.size() < 16 || s.secret.size() > 256) return fail("`secret` is 16 to 256 characters");
  return s;
}

json to_json(const Subscription& s, bool with_secret) {
  json j = {{"name", s.name}, {"url", s.url}, {"events", s.events}, {"sources", s.sources}};
  if (with_secret) j["secret"] = s.secret;
  return j;
}

std::optional<std::string> event_kind_of(const history::Record& r, const std::string& previous_process) {
  if (r.kind == history::RecordKind::Priority) return "priority_changed";
  if (r.kind != history::RecordKind::Item) return std::nullopt;
  if (r.to == "rejected") return "rejected";
  if (r.reason == "capture") return "captured";
  if (r.reason == "return") return "returned";
  if (r.reason == "transfer") return "transferred";
  if (r.to == "offered") return "offered";
  if (r.to == "assigned" && r.reason == "accept") return "accepted";
  if (r.to == "done_pending") return "done";
  if (r.to == "completed") return "completed";
  if (r.to == "parked") return "parked";
  if (r.to == "canceled") return "canceled";
  if (r.to == "expired") return "expired";
  if (!previous_process.empty() && !r.process.empty() && r.process != previous_process) return "process_changed";
  return std::nullopt;
}

bool wants(const Subscription& s, const std::string& kind, const std::string& source) {
  if (std::find(s.events.begin(), s.events.end(), kind) == s.events.end()) return false;
  return s.sources.empty() || std::find(s.sources.begin(), s.sources.end(), source) != s.sources.end();
}

}  // namespace iwd::notify
