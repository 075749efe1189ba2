// The service's configuration file (`iwd serve --config FILE`, JSON; docs/api.md,
// "Configuration"): API tokens with their roles, and limits. Command-line options win over it.
#pragma once

#include <nlohmann/json.hpp>

#include <cstddef>
#include <algorithm>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "mapping/mapping.h"
#include "notify/outbox.h"
#include "notify/sender.h"
#include "server/auth.h"

namespace iwd::server {

struct WorkspaceDecl;  // below

struct ServerConfig {
  std::optional<std::string> listen, data;   // HOST:PORT, the data folder
  std::vector<ApiToken> tokens;              // empty: no authentication (loopback only)
  std::size_t max_body_bytes = 1 << 20;      // larger bodies: 413
  std::size_t max_batch = 1000;              // items in one batch create
  std::int64_t compact_every = 100'000;       // a snapshot after this many journal lines, at least as many as the open state (0: never by itself)
  bool history = true;                        // keep the event history (docs/reporting.md)
  std::int64_t history_retention_days = 0;    // history records older than this many days deleted (0: kept)
  std::int64_t idempotency_window_ms = 86'400'000;  // a capture's body and first answer kept this long (docs/api.md)
  bool ids_by_source = false;                 // `id_scope`: "source": a source's key is `SOURCE:KEY` (docs/api.md)
  int stream_keep_alive_seconds = 15;         // a `: keep-alive` comment on idle offer streams
  unsigned max_connections = 10000;          // open connections (offer streams included); more wait
  unsigned reserved_connections = 16;        // past max_connections, for /healthz, /metrics, supervisors, admins
  // Open connections from one client address (0: no cap); by default half of max_connections,
  // at most 256, so no one address can hold every connection.
  std::optional<unsigned> max_connections_per_address;
  unsigned per_address_cap() const {
    return max_connections_per_address ? *max_connections_per_address : std::max(1u, std::min(256u, max_connections / 2));
  }
  std::int64_t request_timeout_ms = 10'000;  // a request's headers, then its body, must arrive within this
  std::int64_t idle_timeout_ms = 30'000;     // a kept-alive connection waits this long for its next request
  // Notifications (docs/notifications.md): `subscriptions` by name, and `notifications`: the
  // sender's retries and the outbox's bounds.
  std::vector<notify::Subscription> subscriptions;
  notify::RetryPolicy retry;
  notify::OutboxLimits outbox;
  // `mappings`: a source's own payload turned into the rules' fields (docs/sources.md), by
  // source (its token's name); applied to that source's creates.
  std::map<std::string, mapping::Mapping> mappings;
  // Workspaces (docs/deployment.md, "Workspaces"): `workspaces` declared by name, each with
  // its own rules and settings, and `admin_tokens`, the deployment's administrators (they
  // create and delete workspaces at run time; no workspace's token does).
  std::vector<WorkspaceDecl> workspaces;
  std::vector<ApiToken> admin_tokens;
  // Set by the server, never read from a file: the workspace these settings are ("": the
  // default, at the top of the paths).
  std::string workspace;
};

// One workspace of `workspaces`: its rules (a path, as --rules) and its own settings (the
// fields a workspace may have: tokens, history, subscriptions, mappings, ...).
struct WorkspaceDecl {
  std::string name;
  std::optional<std::string> rules;
  ServerConfig config;
};

// The fields of the configuration a workspace has of its own; the others are the deployment's.
inline constexpr const char* kWorkspaceFields[] = {"tokens", "compact_every", "history", "history_retention_days",
                                                   "idempotency_window_seconds", "id_scope", "subscriptions",
                                                   "notifications", "mappings"};
// Why `name` cannot name a workspace ("" when it can): [a-z0-9][a-z0-9-]{0,62}.
std::string workspace_name_problem(std::string_view name);
// A workspace's settings from JSON (`origin` names it in errors): only kWorkspaceFields.
std::optional<ServerConfig> parse_workspace_settings(const nlohmann::json& j, const std::string& origin, std::string* error);

// Reads and checks FILE: nullopt and *error naming the file, the field and the problem.
std::optional<ServerConfig> load_config(const std::string& path, std::string* error);
// The same from text (`origin` names it in errors).
std::optional<ServerConfig> parse_config(const std::string& text, const std::string& origin, std::string* error);

}  // namespace iwd::server
