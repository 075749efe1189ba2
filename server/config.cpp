#include "server/config.h"

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <fstream>
#include <iterator>
#include <set>
#include <sstream>

namespace iwd::server {

using json = nlohmann::json;

namespace {

// `notifications`: {"retry_initial_seconds", "retry_max_seconds", "retry_for_seconds",
// "timeout_seconds", "concurrency", "max_pending", "warn_pending"}.
bool parse_notifications(const json& j, ServerConfig* c, std::string* error) {
  if (!j.is_object()) return *error = "`notifications` is an object", false;
  for (auto it = j.begin(); it != j.end(); ++it) {
    const std::string& key = it.key();
    const std::string where = "notifications." + key;
    if (key == "concurrency") {  // requests in flight per subscription (notify/sender.h)
      if (!it->is_number_unsigned() || it->get<std::uint64_t>() < 1 || it->get<std::uint64_t>() > 64)
        return *error = fmt::format("`{}` is a whole number from 1 to 64", where), false;
      c->retry.concurrency = static_cast<int>(it->get<std::uint64_t>());
      continue;
    }
    if (key == "max_pending" || key == "warn_pending") {
      if (!it->is_number_unsigned() || it->get<std::uint64_t>() < 1 || it->get<std::uint64_t>() > 100'000'000)
        return *error = fmt::format("`{}` is a whole number from 1 to 100000000", where), false;
      (key == "max_pending" ? c->outbox.max_pending : c->outbox.warn_pending) = static_cast<std::int64_t>(it->get<std::uint64_t>());
      continue;
    }
    const double limit = key == "retry_for_seconds" ? 365.0 * 86'400 : 86'400;  // a year; a day
    if (key != "retry_initial_seconds" && key != "retry_max_seconds" && key != "retry_for_seconds" && key != "timeout_seconds")
      return *error = fmt::format("unknown field `{}` (retry_initial_seconds, retry_max_seconds, retry_for_seconds, "
                                  "timeout_seconds, concurrency, max_pending, warn_pending)", where), false;
    if (!it->is_number() || it->get<double>() < 0.01 || it->get<double>() > limit)
      return *error = fmt::format("`{}` is a number from 0.01 to {}", where, limit), false;
    const double v = it->get<double>();
    if (key == "retry_initial_seconds") c->retry.initial_ms = static_cast<std::int64_t>(v * 1000);
    else if (key == "retry_max_seconds") c->retry.max_ms = static_cast<std::int64_t>(v * 1000);
    else if (key == "retry_for_seconds") c->retry.retry_for_ms = static_cast<std::int64_t>(v * 1000);
    else c->retry.timeout_ms = static_cast<std::int64_t>(v * 1000);
  }
  if (c->retry.max_ms < c->retry.initial_ms)
    return *error = "`notifications.retry_max_seconds` is at least `retry_initial_seconds`", false;
  return true;
}

// `tokens`: an array of {"token", "role", "agent", "name"}.
bool parse_tokens(const json& j, std::vector<ApiToken>* out, std::string* error) {
  auto fail = [error](std::string what) { return *error = std::move(what), false; };
  if (!j.is_array()) return fail("`tokens` is an array of {\"token\", \"role\", \"agent\"} objects");
  for (std::size_t k = 0; k < j.size(); ++k) {
    const json& t = j[k];
    const std::string where = fmt::format("tokens[{}]", k);
    if (!t.is_object()) return fail(where + " is an object");
    ApiToken token;
    for (auto f = t.begin(); f != t.end(); ++f) {
      if (!f->is_string()) return fail(fmt::format("{}.{} is a string", where, f.key()));
      const std::string v = f->get<std::string>();
      if (f.key() == "token") token.token = v;
      else if (f.key() == "agent") token.agent = v;
      else if (f.key() == "name") token.name = v;
      else if (f.key() == "role") {
        auto role = parse_role(v);
        if (!role) return fail(fmt::format("{}.role `{}` is not one of source, agent, supervisor, viewer, admin", where, v));
        token.role = *role;
      } else {
        return fail(fmt::format("{}: unknown field `{}` (token, role, agent, name)", where, f.key()));
      }
    }
    if (token.token.size() < 16) return fail(where + ".token is at least 16 characters");
    if (token.role == Role::None) return fail(where + " needs a `role`");
    if ((token.role == Role::Agent) != !token.agent.empty())
      return fail(where + ": an `agent` token names its agent (`agent`), and only an agent token does");
    for (const ApiToken& other : *out)
      if (other.token == token.token) return fail(where + ".token is given twice");
    out->push_back(std::move(token));
  }
  return true;
}

// `admin_tokens`: the deployment's administrators, [{"token", "name"}] (the role is admin).
bool parse_admin_tokens(const json& j, std::vector<ApiToken>* out, std::string* error) {
  if (!j.is_array()) return *error = "`admin_tokens` is an array of {\"token\", \"name\"} objects", false;
  json with_role = json::array();
  for (json t : j) {
    if (t.is_object() && t.contains("role"))
      return *error = "`admin_tokens`: a deployment token has no `role` (it creates and deletes workspaces)", false;
    if (t.is_object()) t["role"] = "admin";
    with_role.push_back(std::move(t));
  }
  if (!parse_tokens(with_role, out, error)) return *error = "admin_" + *error, false;  // admin_tokens[0]...
  return true;
}

}  // namespace

std::string workspace_name_problem(std::string_view name) {
  const auto ok = [](char ch, bool first) {
    return (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || (!first && ch == '-');
  };
  bool good = !name.empty() && name.size() <= 63;
  for (std::size_t k = 0; good && k < name.size(); ++k) good = ok(name[k], k == 0);
  if (good) return "";
  return fmt::format("`{}` is not a workspace name: 1 to 63 characters, lowercase letters, digits and `-`, not starting with `-`",
                     name.size() > 80 || !std::all_of(name.begin(), name.end(), [](char ch) { return ch >= 0x20 && ch < 0x7f; })
                         ? std::string("(a name that cannot be shown)")
                         : std::string(name));
}

std::optional<ServerConfig> parse_workspace_settings(const json& j, const std::string& origin, std::string* error) {
  if (!j.is_object()) return *error = fmt::format("{}: the settings are a JSON object", origin), std::nullopt;
  for (auto it = j.begin(); it != j.end(); ++it)
    if (std::find_if(std::begin(kWorkspaceFields), std::end(kWorkspaceFields),
                     [&it](const char* f) { return it.key() == f; }) == std::end(kWorkspaceFields))
      return *error = fmt::format("{}: `{}` is not a workspace's own (a workspace has: rules, {})", origin, it.key(),
                                  fmt::join(kWorkspaceFields, ", ")),
             std::nullopt;
  return parse_config(j.dump(), origin, error);
}

std::optional<ServerConfig> load_config(const std::string& path, std::string* error) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    *error = fmt::format("cannot read the configuration '{}'", path);
    return std::nullopt;
  }
  std::ostringstream text;
  text << in.rdbuf();
  return parse_config(text.str(), path, error);
}

std::optional<ServerConfig> parse_config(const std::string& text, const std::string& origin, std::string* error) {
  const json j = json::parse(text, nullptr, false);
  auto fail = [&](const std::string& what) {
    *error = fmt::format("{}: {}", origin, what);
    return std::nullopt;
  };
  if (j.is_discarded()) return fail("not valid JSON");
  if (!j.is_object()) return fail("the configuration is a JSON object");
  ServerConfig c;
  std::string fail_text;
  for (auto it = j.begin(); it != j.end(); ++it) {
    const std::string& key = it.key();
    if (key == "listen" || key == "data") {
      if (!it->is_string() || it->get<std::string>().empty()) return fail(fmt::format("`{}` is a non-empty string", key));
      (key == "listen" ? c.listen : c.data) = it->get<std::string>();
    } else if (key == "max_body_bytes" || key == "max_batch" || key == "max_connections" ||
               key == "stream_keep_alive_seconds") {
      if (!it->is_number_unsigned() || it->get<std::uint64_t>() < 1 || it->get<std::uint64_t>() > (1u << 30))
        return fail(fmt::format("`{}` is a whole number from 1", key));
      const auto n = it->get<std::uint64_t>();
      if (key == "max_body_bytes") c.max_body_bytes = n;
      else if (key == "max_batch") c.max_batch = n;
      else if (key == "stream_keep_alive_seconds") c.stream_keep_alive_seconds = static_cast<int>(std::min<std::uint64_t>(n, 3600));
      else if (n > 1'000'000) return fail("`max_connections` is at most 1000000");
      else c.max_connections = static_cast<unsigned>(n);
    } else if (key == "reserved_connections" || key == "max_connections_per_address") {
      if (!it->is_number_unsigned() || it->get<std::uint64_t>() > 100'000)
        return fail(fmt::format("`{}` is a whole number from 0 to 100000{}", key,
                                key == "max_connections_per_address" ? " (0: no cap)" : ""));
      const auto n = static_cast<unsigned>(it->get<std::uint64_t>());
      if (key == "reserved_connections") c.reserved_connections = n;
      else c.max_connections_per_address = n;
    } else if (key == "request_timeout_seconds" || key == "idle_timeout_seconds") {
      if (!it->is_number() || it->get<double>() < 0.1 || it->get<double>() > 3600)
        return fail(fmt::format("`{}` is a number of seconds from 0.1 to 3600", key));
      (key == "request_timeout_seconds" ? c.request_timeout_ms : c.idle_timeout_ms) =
          static_cast<std::int64_t>(it->get<double>() * 1000);
    } else if (key == "compact_every") {
      if (!it->is_number_unsigned()) return fail("`compact_every` is a whole number of journal lines (0: never by itself)");
      c.compact_every = static_cast<std::int64_t>(it->get<std::uint64_t>());
    } else if (key == "history") {
      if (!it->is_boolean()) return fail("`history` is true (keep the event history) or false");
      c.history = it->get<bool>();
    } else if (key == "history_retention_days") {
      if (!it->is_number_unsigned() || it->get<std::uint64_t>() > 100'000)
        return fail("`history_retention_days` is a whole number of days from 0 to 100000 (0: kept for ever)");
      c.history_retention_days = static_cast<std::int64_t>(it->get<std::uint64_t>());
    } else if (key == "id_scope") {
      if (!it->is_string() || (*it != "global" && *it != "source"))
        return fail("`id_scope` is \"global\" (one id space, the default) or \"source\" (each source's keys its own)");
      c.ids_by_source = *it == "source";
    } else if (key == "idempotency_window_seconds") {
      if (!it->is_number() || it->get<double>() < 0 || it->get<double>() > 365.0 * 86'400)
        return fail("`idempotency_window_seconds` is a number of seconds from 0 to 31536000 (a year)");
      c.idempotency_window_ms = static_cast<std::int64_t>(it->get<double>() * 1000);
    } else if (key == "subscriptions") {
      if (!it->is_object()) return fail("`subscriptions` is an object: each subscription by its name");
      for (auto s = it->begin(); s != it->end(); ++s) {
        std::string why;
        auto sub = notify::parse_subscription(s.key(), *s, &why);
        if (!sub) return fail(why);
        c.subscriptions.push_back(std::move(*sub));
      }
    } else if (key == "mappings") {
      if (!it->is_object()) return fail("`mappings` is an object: each source's mapping by the source's name");
      for (auto m = it->begin(); m != it->end(); ++m) {
        std::string why;
        auto mapping = mapping::parse_mapping(m.key(), *m, &why);
        if (!mapping) return fail(why);
        c.mappings.emplace(m.key(), std::move(*mapping));
      }
    } else if (key == "notifications") {
      if (!parse_notifications(*it, &c, &fail_text)) return fail(fail_text);
    } else if (key == "tokens") {
      if (!parse_tokens(*it, &c.tokens, &fail_text)) return fail(fail_text);
    } else if (key == "admin_tokens") {
      if (!parse_admin_tokens(*it, &c.admin_tokens, &fail_text)) return fail(fail_text);
    } else if (key == "workspaces") {
      if (!it->is_object()) return fail("`workspaces` is an object: each workspace's rules and settings by its name");
      for (auto w = it->begin(); w != it->end(); ++w) {
        WorkspaceDecl decl;
        decl.name = w.key();
        if (std::string why = workspace_name_problem(decl.name); !why.empty()) return fail(fmt::format("`workspaces.{}`: {}", decl.name, why));
        if (decl.name == "default") return fail("`workspaces.default`: `default` is the deployment's own workspace (the fields at the top)");
        if (!w->is_object()) return fail(fmt::format("`workspaces.{}` is an object", decl.name));
        json settings = *w;
        if (auto r = settings.find("rules"); r != settings.end()) {
          if (!r->is_string() || r->get<std::string>().empty()) return fail(fmt::format("`workspaces.{}.rules` is a path", decl.name));
          decl.rules = r->get<std::string>();
          settings.erase(r);
        }
        auto parsed = parse_workspace_settings(settings, fmt::format("`workspaces.{}`", decl.name), &fail_text);
        if (!parsed) return fail(fail_text);
        decl.config = std::move(*parsed);
        c.workspaces.push_back(std::move(decl));
      }
    } else {
      return fail(fmt::format("unknown field `{}` (listen, data, tokens, max_body_bytes, max_batch, max_connections, reserved_connections, max_connections_per_address, request_timeout_seconds, idle_timeout_seconds, stream_keep_alive_seconds, compact_every, history, history_retention_days, idempotency_window_seconds, id_scope, subscriptions, notifications, mappings, workspaces, admin_tokens)", key));
    }
  }
  if (!c.subscriptions.empty() && !c.history) return fail("`subscriptions` need the event history (`history`: true)");
  // Which source captured an item is read from the history after a restart (server/engine_sources.cpp).
  std::set<std::string> sources;
  for (const ApiToken& t : c.tokens)
    if (t.role == Role::Source) sources.insert(t.name.empty() ? std::string(role_name(t.role)) : t.name);
  for (const auto& [source, _] : c.mappings)  // a mapping no token uses is a misspelt source
    if (!sources.count(source))
      return fail(fmt::format("`mappings.{}`: no source token is named `{}` (the sources: {})", source, source,
                              sources.empty() ? "none" : fmt::format("`{}`", fmt::join(sources, "`, `"))));
  if (sources.size() > 1 && !c.history)
    return fail(fmt::format("two sources (`{}`) need the event history (`history`: true): it says which source captured an item",
                            fmt::join(sources, "`, `")));
  // A token opens one workspace only: the same secret twice would let a workspace's token
  // name another's (and the deployment's tokens are no workspace's).
  std::set<std::string> secrets;
  auto once = [&secrets](const std::vector<ApiToken>& tokens) {
    for (const ApiToken& t : tokens)
      if (!secrets.insert(t.token).second) return false;
    return true;
  };
  bool unique = once(c.tokens) && once(c.admin_tokens);
  for (const WorkspaceDecl& w : c.workspaces) unique = unique && once(w.config.tokens);
  if (!unique) return fail("a token is given to two workspaces (or to a workspace and `admin_tokens`): each token opens one");
  return c;
}

}  // namespace iwd::server
