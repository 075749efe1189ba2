// A webhook subscription (docs/notifications.md): where a source system wants to hear about
// its items, which event kinds, and the secret the requests are signed with.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "history/record.h"

namespace iwd::notify {

struct Subscription {
  std::string name;
  std::string url;                  // http:// or https://
  std::vector<std::string> events;  // kinds wanted (event_kinds()); empty: none is refused at parse
  std::vector<std::string> sources; // the sources whose items it covers; empty: every source
  std::string secret;
  bool operator==(const Subscription&) const = default;
};

// Every event kind a subscription may ask for, in lifecycle order.
const std::vector<std::string>& event_kinds();

// A subscription from its JSON object {"url", "events", "sources", "secret"}: nullopt and
// *error naming the field and the problem. `name` must be 1-64 of [A-Za-z0-9_.-].
std::optional<Subscription> parse_subscription(const std::string& name, const nlohmann::json& j, std::string* error);
nlohmann::json to_json(const Subscription& s, bool with_secret);

// The scheme, host and port part of an http(s) URL and its path ("/" when none); false when
// the URL is not http or https with a host.
struct Url {
  std::string origin, path;
};
std::optional<Url> split_url(const std::string& url);

// The event kind a history record is, for subscriptions (nullopt: none, e.g. agent events or
// a classification that kept the item where it was). `previous_process`: the item's process
// before the record, if known ("" otherwise), for process_changed.
std::optional<std::string> event_kind_of(const history::Record& r, const std::string& previous_process);

bool wants(const Subscription& s, const std::string& kind, const std::string& source);

}  // namespace iwd::notify
