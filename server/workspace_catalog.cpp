#include "server/workspace_catalog.h"

#include <fmt/format.h>

#include <functional>

namespace iwd::server::catalog {

namespace {

// Every table holding a workspace's rows, its lease's aside (the next holder's epoch must be
// higher than any a stale node could still write at).
constexpr const char* kTables[] = {
    "iwd_workspaces",        "iwd_journal",          "iwd_rulesets",       "iwd_snapshot_parts",
    "iwd_snapshots",         "iwd_notify_outbox",    "iwd_notify_subscriptions", "iwd_history",
    "iwd_history_dimensions", "iwd_history_meta",    "iwd_history_marks",  "iwd_history_agg",
    "iwd_history_agg_groupings", "iwd_history_agg_items"};

// `body` in one transaction whose session names the workspace and the epoch, as the
// statement-level fence of the deletes reads them (set_config local to the transaction).
pgstore::Status in_workspace(pgstore::Connection& c, const std::string& name, std::int64_t epoch, const std::string& what,
                             const std::function<pgstore::Status()>& body) {
  if (pgstore::Status s = c.exec(what, "BEGIN"); !s.ok()) return s;
  pgstore::Status s = c.exec(what, "SELECT set_config('iwd.workspace', $1, true), set_config('iwd.epoch', $2, true)",
                             {name, std::to_string(epoch)});
  if (s.ok()) s = body();
  if (s.ok()) s = c.exec(what, "COMMIT");
  if (!s.ok()) c.exec(what, "ROLLBACK");  // best effort: a broken connection ends it anyway
  return s;
}

}  // namespace

pgstore::Status list(pgstore::Connection& c, std::vector<Entry>* out) {
  pgstore::Rows rows;
  pgstore::Status s =
      c.exec("read the workspaces' catalog", "SELECT workspace, origin, settings FROM iwd_workspaces ORDER BY workspace", {}, &rows);
  if (!s.ok()) return s;
  out->clear();
  for (int r = 0; r < rows.size(); ++r) out->push_back({*rows.at(r, 0), *rows.at(r, 1), *rows.at(r, 2)});
  return {};
}

pgstore::Status has(pgstore::Connection& c, const std::string& name, bool* found) {
  pgstore::Rows rows;
  pgstore::Status s = c.exec("look the workspace up in the catalog", "SELECT 1 FROM iwd_workspaces WHERE workspace = $1",
                             {name}, &rows);
  if (s.ok()) *found = rows.size() > 0;
  return s;
}

pgstore::Status record(pgstore::Connection& c, const Entry& entry, std::int64_t epoch) {
  return c.exec(fmt::format("record workspace {} in the catalog", entry.name),
                "INSERT INTO iwd_workspaces (workspace, epoch, origin, settings) VALUES ($1, $2, $3, $4) "
                "ON CONFLICT (workspace) DO NOTHING",
                {entry.name, std::to_string(epoch), entry.origin, entry.settings});
}

pgstore::Status forget(pgstore::Connection& c, const std::string& name, std::int64_t epoch) {
  const std::string what = fmt::format("delete workspace {} from the catalog", name);
  return in_workspace(c, name, epoch, what,
                      [&] { return c.exec(what, "DELETE FROM iwd_workspaces WHERE workspace = $1", {name}); });
}

pgstore::Status erase(pgstore::Connection& c, const std::string& name, std::int64_t epoch) {
  const std::string what = fmt::format("erase the rows of workspace {}", name);
  return in_workspace(c, name, epoch, what, [&] {
    for (const char* table : kTables)
      if (pgstore::Status s = c.exec(what, fmt::format("DELETE FROM {} WHERE workspace = $1", table).c_str(), {name}); !s.ok())
        return s;
    return pgstore::Status{};
  });
}

}  // namespace iwd::server::catalog
