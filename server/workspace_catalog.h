// The workspaces' catalog in PostgreSQL (docs/deployment.md, "Workspaces in PostgreSQL"): what
// DIR/workspaces/{ws}/workspace.json and the `declared` mark are on SQLite, as rows of
// iwd_workspaces (pgstore/schema.cpp), one per workspace besides the default.
//
// Every write is fenced by the database at the epoch of the workspace's lease, which the
// caller holds: a row is recorded at that epoch (the row's own, checked by the trigger), and
// the deletes run in a transaction whose session names the workspace and the epoch.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "pgstore/connection.h"

namespace iwd::server::catalog {

struct Entry {
  std::string name;
  std::string origin;    // "config" (declared in the configuration) or "api" (created over the admin routes)
  std::string settings;  // an API-created workspace's settings as JSON (workspace.json's); "" for "config"
};

// Every workspace of the catalog, by name.
pgstore::Status list(pgstore::Connection& c, std::vector<Entry>* out);
// Whether the catalog has a workspace named `name` (*found), read now.
pgstore::Status has(pgstore::Connection& c, const std::string& name, bool* found);
// Records `entry` at `epoch` (a create's last step: durable once this returns Ok). A row of the
// same name and origin is left as it is (a declared workspace started again).
pgstore::Status record(pgstore::Connection& c, const Entry& entry, std::int64_t epoch);
// Removes the workspace's catalog row at `epoch`: a delete, durable once this returns Ok.
pgstore::Status forget(pgstore::Connection& c, const std::string& name, std::int64_t epoch);
// Deletes every row the workspace has in iwd's tables but its lease (journal, snapshots,
// rulesets, history, outbox, subscriptions, catalog) in one transaction at `epoch`: what a
// deleted workspace leaves, or a create cut short before its catalog row (a create erases
// what is there first, as it removes a folder without workspace.json on SQLite).
pgstore::Status erase(pgstore::Connection& c, const std::string& name, std::int64_t epoch);

}  // namespace iwd::server::catalog
