// The tables of iwd in PostgreSQL (docs/deployment.md, "What is in PostgreSQL"):
// - iwd_lease: one row per workspace: its holder (NULL once released), its epoch (the fencing
//   token, raised by every takeover) and when the lease expires, by the database's clock;
// - iwd_journal: the journal lines of each workspace, numbered by seq, each with the epoch of
//   the lease it was written under. A trigger refuses (SQLSTATE IW001) a row whose epoch is not
//   the lease's epoch at that moment, or whose lease is released or expired, whatever statement
//   writes it: the fencing is the database's, not a check in iwd alone;
// - iwd_node: the nodes of the deployment, each with its advertised address and a heartbeat
//   (cluster/store.h).
// - iwd_rulesets, iwd_snapshots, iwd_snapshot_parts, and iwd_journal's checksum: the rest of
//   server::Journal's store, fenced as iwd_journal is, with views named as SQLite's tables
//   (journal, rulesets, snapshots, snapshot_parts) showing the session's workspace.
// - iwd_notify_outbox and iwd_notify_subscriptions: the notifications' (notify/outbox.h),
//   fenced and viewed the same way (notify_outbox, notify_subscriptions).
// - iwd_history and the event history's other tables (history/store.h), fenced and viewed the
//   same way, under the names of SQLite's (history, history_meta, history_agg, ...).
// - iwd_workspaces: the workspaces besides the default, declared or created over the API, with
//   the settings of those created (server/workspace_catalog.h).
#pragma once

#include "pgstore/connection.h"

namespace iwd::pgstore {

// Creates what is missing (tables, the trigger); safe to call from several nodes at once (they
// take turns on an advisory lock). Once per database (conninfo) in a process: the DDL locks
// the tables against writers, so later calls return at once.
Status create_schema(Connection& c);

}  // namespace iwd::pgstore
