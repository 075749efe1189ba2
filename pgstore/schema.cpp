#include "pgstore/schema.h"

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <mutex>
#include <set>
#include <string>
#include <thread>

namespace iwd::pgstore {

namespace {

// The fence (iwd_fence_check) reads the lease row FOR KEY SHARE: a takeover, which changes the
// epoch, a key column (the unique index iwd_lease_epoch), locks the row FOR UPDATE and waits
// until the writing transaction ends, and a write that comes after a committed takeover
// re-reads the row and sees the new epoch. So a stale write either commits before the takeover,
// and the new holder reads it when it loads the journal, or is refused: never after it. A
// renewal or a release changes no key column (FOR NO KEY UPDATE): it never waits for a write,
// however long the write's transaction (a side connection's checkpoint) runs. The
// expiry is compared with clock_timestamp(), the database's clock when the rows are checked,
// so that a transaction left open for a long time does not write on the time it started at.
// The check runs once per statement and epoch, over the rows the statement wrote (a
// transaction's journal lines in one INSERT: a check per row cost a query each).
constexpr const char* kSchema = R"sql(
DO $do$
BEGIN
  PERFORM pg_advisory_xact_lock(hashtext('iwd_pgstore_schema'));
  CREATE TABLE IF NOT EXISTS iwd_lease (
    workspace text PRIMARY KEY,
    holder text,
    epoch bigint NOT NULL CHECK (epoch > 0),
    expires_at timestamptz NOT NULL);
  -- Makes the epoch a key column: an UPDATE that changes it (a takeover) takes the row lock
  -- that conflicts with the fence's FOR KEY SHARE; one that does not (a renewal) does not wait.
  -- Once: CREATE INDEX IF NOT EXISTS would take a lock on iwd_lease (renewals wait for it) to
  -- the end of this block, which a later statement's wait for the journal's writers prolongs.
  IF to_regclass('iwd_lease_epoch') IS NULL THEN
    CREATE UNIQUE INDEX iwd_lease_epoch ON iwd_lease (workspace, epoch);
  END IF;
  CREATE TABLE IF NOT EXISTS iwd_journal (
    workspace text NOT NULL,
    seq bigint NOT NULL CHECK (seq > 0),
    epoch bigint NOT NULL,
    line text NOT NULL,
    PRIMARY KEY (workspace, seq));
  -- The nodes (cluster/store.h): one row per process (name: the configured name, '#', a
  -- start id), alive while its heartbeat, by the database's clock, is fresh.
  CREATE TABLE IF NOT EXISTS iwd_node (
    name text PRIMARY KEY,
    base text NOT NULL,
    address text NOT NULL,
    started_at timestamptz NOT NULL,
    heartbeat timestamptz NOT NULL);
  CREATE OR REPLACE FUNCTION iwd_fence_check(ws text, ep bigint) RETURNS void LANGUAGE plpgsql AS $f$
  DECLARE
    l iwd_lease%ROWTYPE;
  BEGIN
    SELECT * INTO l FROM iwd_lease WHERE workspace = ws FOR KEY SHARE;
    IF NOT FOUND THEN
      RAISE EXCEPTION 'workspace % has no lease: acquire it before writing', ws
        USING ERRCODE = 'IW001';
    ELSIF l.epoch <> ep THEN
      RAISE EXCEPTION 'epoch % of workspace % is stale: the lease is at epoch %, held by %',
        ep, ws, l.epoch, coalesce(l.holder, 'nobody') USING ERRCODE = 'IW001';
    ELSIF l.holder IS NULL THEN
      RAISE EXCEPTION 'the lease of workspace % (epoch %) was released', ws, l.epoch
        USING ERRCODE = 'IW001';
    ELSIF l.expires_at <= clock_timestamp() THEN
      RAISE EXCEPTION 'the lease of workspace % (epoch %) expired % ago', ws, l.epoch,
        clock_timestamp() - l.expires_at USING ERRCODE = 'IW001';
    END IF;
  END
  $f$;
  -- Per row: for a table written one row per statement.
  CREATE OR REPLACE FUNCTION iwd_fence() RETURNS trigger LANGUAGE plpgsql AS $f$
  BEGIN
    PERFORM iwd_fence_check(NEW.workspace, NEW.epoch);
    RETURN NEW;
  END
  $f$;
  -- Per statement, after it, over the rows it wrote (its transition table iwd_new_rows): each
  -- workspace and epoch among them checked once, however many rows the statement holds (a
  -- transaction's journal lines or history records in one INSERT). The statement's rows are
  -- not visible to anyone before it ends, and it ends in this refusal.
  CREATE OR REPLACE FUNCTION iwd_fence_rows() RETURNS trigger LANGUAGE plpgsql AS $f$
  DECLARE
    r record;
  BEGIN
    FOR r IN SELECT DISTINCT workspace, epoch FROM iwd_new_rows LOOP
      PERFORM iwd_fence_check(r.workspace, r.epoch);
    END LOOP;
    RETURN NULL;
  END
  $f$;
  CREATE OR REPLACE TRIGGER iwd_journal_fence AFTER INSERT ON iwd_journal
    REFERENCING NEW TABLE AS iwd_new_rows FOR EACH STATEMENT EXECUTE FUNCTION iwd_fence_rows();
  CREATE OR REPLACE TRIGGER iwd_journal_fence_update AFTER UPDATE ON iwd_journal
    REFERENCING NEW TABLE AS iwd_new_rows FOR EACH STATEMENT EXECUTE FUNCTION iwd_fence_rows();
END
$do$)sql";

// The store of server::Journal (sqlstore/): the SQLite journal's tables, per workspace. Each
// row carries its workspace and the epoch it was written at, taken by default from the
// session's settings iwd.workspace and iwd.epoch (sqlstore::PgDatabase::set_session), and the
// fence refuses it when stale. Views under the SQLite tables' names show the session's
// workspace, so that the journal's SQL is the same on both: an INSERT through a view fills
// in the workspace and epoch; a journal line without a seq gets the next of its workspace (as
// SQLite's INTEGER PRIMARY KEY does). A DELETE is fenced per statement, at the session's
// epoch (a row's own epoch is its writer's, which may be older): a node that lost its lease
// cannot prune what the new holder reads.
constexpr const char* kStoreSchema = R"sql(
DO $do$
DECLARE
  t text;
BEGIN
  PERFORM pg_advisory_xact_lock(hashtext('iwd_pgstore_schema'));
  -- Once (an ALTER locks the table against every writer, and nodes start while others write).
  IF NOT EXISTS (SELECT 1 FROM information_schema.columns WHERE table_name = 'iwd_journal' AND column_name = 'checksum')
  THEN
    ALTER TABLE iwd_journal ADD COLUMN checksum bigint;
    ALTER TABLE iwd_journal ALTER COLUMN workspace SET DEFAULT current_setting('iwd.workspace', true);
    ALTER TABLE iwd_journal ALTER COLUMN epoch SET DEFAULT current_setting('iwd.epoch', true)::bigint;
  END IF;
  CREATE TABLE IF NOT EXISTS iwd_rulesets (
    workspace text NOT NULL DEFAULT current_setting('iwd.workspace', true),
    key text NOT NULL,
    epoch bigint NOT NULL DEFAULT current_setting('iwd.epoch', true)::bigint,
    bundle bytea NOT NULL,
    PRIMARY KEY (workspace, key));
  CREATE TABLE IF NOT EXISTS iwd_snapshots (
    workspace text NOT NULL DEFAULT current_setting('iwd.workspace', true),
    seq bigint NOT NULL,
    epoch bigint NOT NULL DEFAULT current_setting('iwd.epoch', true)::bigint,
    journal_seq bigint NOT NULL,
    at bigint NOT NULL,
    rules text NOT NULL,
    image_parts bigint,
    captured_parts bigint,
    checksum bigint,
    PRIMARY KEY (workspace, seq));
  CREATE TABLE IF NOT EXISTS iwd_snapshot_parts (
    workspace text NOT NULL DEFAULT current_setting('iwd.workspace', true),
    snapshot bigint NOT NULL,
    field text NOT NULL,
    part bigint NOT NULL,
    epoch bigint NOT NULL DEFAULT current_setting('iwd.epoch', true)::bigint,
    text bytea NOT NULL,
    checksum bigint,
    PRIMARY KEY (workspace, snapshot, field, part));
  -- A snapshot's parts compressed by lz4 where this server has it (its default, pglz, took 3
  -- times as long to store an image of 100,000 open items, 4 times smaller instead of 3:
  -- bench/RESULTS.md). Once (an ALTER locks the table).
  IF EXISTS (SELECT 1 FROM pg_attribute WHERE attrelid = 'iwd_snapshot_parts'::regclass AND attname = 'text'
             AND attcompression <> 'l') THEN
    BEGIN
      ALTER TABLE iwd_snapshot_parts ALTER COLUMN text SET COMPRESSION lz4;
    EXCEPTION WHEN feature_not_supported THEN
      NULL;  -- a server built without lz4: pglz
    END;
  END IF;
  CREATE OR REPLACE FUNCTION iwd_journal_seq() RETURNS trigger LANGUAGE plpgsql AS $f$
  BEGIN
    IF NEW.seq IS NULL THEN
      SELECT coalesce(max(seq), 0) + 1 INTO NEW.seq FROM iwd_journal WHERE workspace = NEW.workspace;
    END IF;
    RETURN NEW;
  END
  $f$;
  -- (WHEN: a statement that numbers its lines itself calls no function per row.)
  CREATE OR REPLACE TRIGGER iwd_journal_seq BEFORE INSERT ON iwd_journal
    FOR EACH ROW WHEN (NEW.seq IS NULL) EXECUTE FUNCTION iwd_journal_seq();
  -- With an argument (an insert's early check): nothing to check for a session without an epoch.
  CREATE OR REPLACE FUNCTION iwd_fence_session() RETURNS trigger LANGUAGE plpgsql AS $f$
  DECLARE
    ws text := current_setting('iwd.workspace', true);
    ep bigint := nullif(current_setting('iwd.epoch', true), '')::bigint;
    l iwd_lease%ROWTYPE;
  BEGIN
    IF TG_NARGS > 0 AND ep IS NULL THEN
      RETURN NULL;
    END IF;
    SELECT * INTO l FROM iwd_lease WHERE workspace = ws FOR KEY SHARE;
    IF NOT FOUND OR ep IS NULL THEN
      RAISE EXCEPTION 'no lease for this session (workspace %, epoch %): acquire it before deleting', ws, ep
        USING ERRCODE = 'IW001';
    ELSIF l.epoch <> ep OR l.holder IS NULL OR l.expires_at <= clock_timestamp() THEN
      RAISE EXCEPTION 'epoch % of workspace % is stale: the lease is at epoch %, held by %, expiring at %', ep, ws,
        l.epoch, coalesce(l.holder, 'nobody'), l.expires_at USING ERRCODE = 'IW001';
    END IF;
    RETURN NULL;
  END
  $f$;
  -- The fence of a table whose rows carry a workspace and an epoch. An insert: its rows, each
  -- at its epoch, once the statement wrote them (iwd_fence_rows), and first the session's
  -- epoch, if it has one, before anything is written (a stale node's row refused as stale,
  -- not as a duplicate of the new holder's). An update: its rows at their epoch (`by_rows`:
  -- the journal's tables), or at the session's epoch; a delete at the session's epoch (a
  -- row's own epoch is its writer's, which may be older: a node that lost its lease cannot
  -- prune what the new holder reads).
  CREATE OR REPLACE FUNCTION iwd_fence_table(t text, by_rows boolean) RETURNS void LANGUAGE plpgsql AS $f$
  BEGIN
    EXECUTE format('CREATE OR REPLACE TRIGGER %I BEFORE INSERT ON %I FOR EACH STATEMENT '
                   'EXECUTE FUNCTION iwd_fence_session(''if set'')', t || '_fence_early', t);
    EXECUTE format('CREATE OR REPLACE TRIGGER %I AFTER INSERT ON %I REFERENCING NEW TABLE AS iwd_new_rows '
                   'FOR EACH STATEMENT EXECUTE FUNCTION iwd_fence_rows()', t || '_fence', t);
    IF by_rows THEN
      EXECUTE format('CREATE OR REPLACE TRIGGER %I AFTER UPDATE ON %I REFERENCING NEW TABLE AS iwd_new_rows '
                     'FOR EACH STATEMENT EXECUTE FUNCTION iwd_fence_rows()', t || '_fence_update', t);
      EXECUTE format('CREATE OR REPLACE TRIGGER %I BEFORE DELETE ON %I FOR EACH STATEMENT '
                     'EXECUTE FUNCTION iwd_fence_session()', t || '_fence_delete', t);
    ELSE
      EXECUTE format('CREATE OR REPLACE TRIGGER %I BEFORE UPDATE OR DELETE ON %I FOR EACH STATEMENT '
                     'EXECUTE FUNCTION iwd_fence_session()', t || '_fence_change', t);
    END IF;
  END
  $f$;
  FOREACH t IN ARRAY ARRAY['iwd_journal', 'iwd_rulesets', 'iwd_snapshots', 'iwd_snapshot_parts'] LOOP
    PERFORM iwd_fence_table(t, true);
  END LOOP;
  CREATE OR REPLACE VIEW journal AS
    SELECT seq, line, checksum FROM iwd_journal WHERE workspace = current_setting('iwd.workspace', true);
  CREATE OR REPLACE VIEW rulesets AS
    SELECT key, bundle FROM iwd_rulesets WHERE workspace = current_setting('iwd.workspace', true);
  CREATE OR REPLACE VIEW snapshots AS
    SELECT seq, journal_seq, at, rules, image_parts, captured_parts, checksum FROM iwd_snapshots
    WHERE workspace = current_setting('iwd.workspace', true);
  CREATE OR REPLACE VIEW snapshot_parts AS
    SELECT snapshot, field, part, text, checksum FROM iwd_snapshot_parts
    WHERE workspace = current_setting('iwd.workspace', true);
END
$do$)sql";

// The notifications' outbox and subscriptions (notify/outbox.h), as SQLite's tables with a
// workspace and an epoch, under views of SQLite's names. Fenced as the journal's tables are:
// an insert's rows at their epoch; an update or a delete (the sender's steps, replays, a
// subscription's removal) per statement at the session's, since a row's own epoch is its
// writer's, which a takeover leaves behind. Ids come from one identity for every workspace:
// a workspace's rows are written by one node at a time, in one transaction at a time, so
// its ids grow in commit order as SQLite's do (the sender's lanes read on from the last).
constexpr const char* kNotifySchema = R"sql(
DO $do$
DECLARE
  t text;
BEGIN
  PERFORM pg_advisory_xact_lock(hashtext('iwd_pgstore_schema'));
  CREATE TABLE IF NOT EXISTS iwd_notify_subscriptions (
    workspace text NOT NULL DEFAULT current_setting('iwd.workspace', true),
    name text NOT NULL,
    epoch bigint NOT NULL DEFAULT current_setting('iwd.epoch', true)::bigint,
    spec text NOT NULL,
    PRIMARY KEY (workspace, name));
  CREATE TABLE IF NOT EXISTS iwd_notify_outbox (
    id bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    workspace text NOT NULL DEFAULT current_setting('iwd.workspace', true),
    epoch bigint NOT NULL DEFAULT current_setting('iwd.epoch', true)::bigint,
    subscription text NOT NULL,
    seq bigint NOT NULL,
    item text NOT NULL,
    event text NOT NULL,
    body text NOT NULL,
    state text NOT NULL,
    attempts bigint NOT NULL DEFAULT 0,
    created_at bigint NOT NULL,
    next_at bigint NOT NULL,
    last_error text NOT NULL DEFAULT '',
    UNIQUE (workspace, subscription, seq));
  CREATE INDEX IF NOT EXISTS iwd_notify_outbox_by_state ON iwd_notify_outbox (workspace, subscription, state, id);
  FOREACH t IN ARRAY ARRAY['iwd_notify_subscriptions', 'iwd_notify_outbox'] LOOP
    PERFORM iwd_fence_table(t, false);
  END LOOP;
  CREATE OR REPLACE VIEW notify_subscriptions AS
    SELECT name, spec FROM iwd_notify_subscriptions WHERE workspace = current_setting('iwd.workspace', true);
  CREATE OR REPLACE VIEW notify_outbox AS
    SELECT id, subscription, seq, item, event, body, state, attempts, created_at, next_at, last_error
    FROM iwd_notify_outbox WHERE workspace = current_setting('iwd.workspace', true);
END
$do$)sql";

// The event history (history/store.h, docs/reporting.md): SQLite's tables with a workspace and
// an epoch, keyed by the workspace first, under views of SQLite's names, fenced as the
// notifications' are: an insert's rows at their epoch; an update or a delete (retention, the
// aggregates' cells rewritten) per statement at the session's. A write that updates goes to
// the table itself (sqlstore::Database::upsert), the workspace in its conflict key, since
// PostgreSQL refuses ON CONFLICT through a view. history_v joins the `report by` values back,
// as SQLite's view does.
constexpr const char* kHistorySchema = R"sql(
DO $do$
DECLARE
  t text;
BEGIN
  PERFORM pg_advisory_xact_lock(hashtext('iwd_pgstore_schema'));
  CREATE TABLE IF NOT EXISTS iwd_history (
    workspace text NOT NULL DEFAULT current_setting('iwd.workspace', true),
    seq bigint NOT NULL,
    epoch bigint NOT NULL DEFAULT current_setting('iwd.epoch', true)::bigint,
    at bigint NOT NULL, kind text NOT NULL, item text NOT NULL, reason text NOT NULL, from_state text NOT NULL,
    to_state text NOT NULL, agent text NOT NULL, department text NOT NULL, process text NOT NULL,
    priority bigint NOT NULL, previous_priority bigint NOT NULL, stage bigint NOT NULL, due bigint,
    overdue bigint NOT NULL, dimension_set bigint NOT NULL, outcome text NOT NULL, detail text NOT NULL,
    actor text NOT NULL,
    PRIMARY KEY (workspace, seq));
  -- An item's timeline (SQLite's history_item): agent events, without an item, left out.
  CREATE INDEX IF NOT EXISTS iwd_history_item ON iwd_history (workspace, item, seq) WHERE item <> '';
  CREATE TABLE IF NOT EXISTS iwd_history_dimensions (
    workspace text NOT NULL DEFAULT current_setting('iwd.workspace', true),
    id bigint NOT NULL,
    epoch bigint NOT NULL DEFAULT current_setting('iwd.epoch', true)::bigint,
    dimensions text NOT NULL,
    PRIMARY KEY (workspace, id),
    UNIQUE (workspace, dimensions));
  CREATE TABLE IF NOT EXISTS iwd_history_meta (
    workspace text NOT NULL DEFAULT current_setting('iwd.workspace', true),
    name text NOT NULL,
    epoch bigint NOT NULL DEFAULT current_setting('iwd.epoch', true)::bigint,
    value bigint NOT NULL,
    PRIMARY KEY (workspace, name));
  CREATE TABLE IF NOT EXISTS iwd_history_marks (
    workspace text NOT NULL DEFAULT current_setting('iwd.workspace', true),
    snapshot bigint NOT NULL,
    epoch bigint NOT NULL DEFAULT current_setting('iwd.epoch', true)::bigint,
    last_seq bigint NOT NULL,
    PRIMARY KEY (workspace, snapshot));
  CREATE TABLE IF NOT EXISTS iwd_history_agg (
    workspace text NOT NULL DEFAULT current_setting('iwd.workspace', true),
    by_name text NOT NULL, bucket bigint NOT NULL, value text NOT NULL,
    epoch bigint NOT NULL DEFAULT current_setting('iwd.epoch', true)::bigint,
    records bigint NOT NULL, entered bigint NOT NULL, completed bigint NOT NULL, canceled bigint NOT NULL,
    expired bigint NOT NULL, rejected bigint NOT NULL, completed_overdue bigint NOT NULL, handle_ms bigint NOT NULL,
    handled bigint NOT NULL, first_offer_ms bigint NOT NULL, first_offers bigint NOT NULL,
    backlog_change bigint NOT NULL, overdue_change bigint NOT NULL, complete_ms bytea NOT NULL, outcomes text NOT NULL,
    PRIMARY KEY (workspace, by_name, bucket, value));
  CREATE TABLE IF NOT EXISTS iwd_history_agg_groupings (
    workspace text NOT NULL DEFAULT current_setting('iwd.workspace', true),
    by_name text NOT NULL,
    epoch bigint NOT NULL DEFAULT current_setting('iwd.epoch', true)::bigint,
    since_seq bigint NOT NULL, since_at bigint NOT NULL,
    PRIMARY KEY (workspace, by_name));
  CREATE TABLE IF NOT EXISTS iwd_history_agg_items (
    workspace text NOT NULL DEFAULT current_setting('iwd.workspace', true),
    row bigint NOT NULL,
    epoch bigint NOT NULL DEFAULT current_setting('iwd.epoch', true)::bigint,
    item text NOT NULL, process text NOT NULL, department text NOT NULL, dimension_set bigint NOT NULL,
    captured_at bigint, queued_at bigint, offered bigint NOT NULL, assigned_since bigint, handle_ms bigint NOT NULL,
    due bigint, outcome text NOT NULL,
    PRIMARY KEY (workspace, row));
  FOREACH t IN ARRAY ARRAY['iwd_history', 'iwd_history_dimensions', 'iwd_history_meta', 'iwd_history_marks',
                           'iwd_history_agg', 'iwd_history_agg_groupings', 'iwd_history_agg_items'] LOOP
    PERFORM iwd_fence_table(t, false);
  END LOOP;
  CREATE OR REPLACE VIEW history AS
    SELECT seq, at, kind, item, reason, from_state, to_state, agent, department, process, priority, previous_priority,
      stage, due, overdue, dimension_set, outcome, detail, actor
    FROM iwd_history WHERE workspace = current_setting('iwd.workspace', true);
  CREATE OR REPLACE VIEW history_dimensions AS
    SELECT id, dimensions FROM iwd_history_dimensions WHERE workspace = current_setting('iwd.workspace', true);
  CREATE OR REPLACE VIEW history_meta AS
    SELECT name, value FROM iwd_history_meta WHERE workspace = current_setting('iwd.workspace', true);
  CREATE OR REPLACE VIEW history_marks AS
    SELECT snapshot, last_seq FROM iwd_history_marks WHERE workspace = current_setting('iwd.workspace', true);
  CREATE OR REPLACE VIEW history_agg AS
    SELECT by_name, bucket, value, records, entered, completed, canceled, expired, rejected, completed_overdue,
      handle_ms, handled, first_offer_ms, first_offers, backlog_change, overdue_change, complete_ms, outcomes
    FROM iwd_history_agg WHERE workspace = current_setting('iwd.workspace', true);
  CREATE OR REPLACE VIEW history_agg_groupings AS
    SELECT by_name, since_seq, since_at FROM iwd_history_agg_groupings
    WHERE workspace = current_setting('iwd.workspace', true);
  CREATE OR REPLACE VIEW history_agg_items AS
    SELECT row, item, process, department, dimension_set, captured_at, queued_at, offered, assigned_since, handle_ms,
      due, outcome
    FROM iwd_history_agg_items WHERE workspace = current_setting('iwd.workspace', true);
  CREATE OR REPLACE VIEW history_v AS
    SELECT h.seq, h.at, h.kind, h.item, h.reason, h.from_state, h.to_state, h.agent, h.department, h.process,
      h.priority, h.previous_priority, h.stage, h.due, h.overdue, COALESCE(d.dimensions, '') AS dimensions, h.outcome,
      h.detail, h.actor
    FROM history h LEFT JOIN history_dimensions d ON d.id = h.dimension_set;
END
$do$)sql";

// The workspaces' catalog (server/workspace_catalog.h): one row per workspace other than the
// default, its origin ('config': declared in the configuration; 'api': created over the admin
// routes, with its settings, what workspace.json holds on SQLite). A row is written last by a
// create, at the epoch of the workspace's lease (fenced as a journal row), so that a create cut
// short leaves no row and is never served; a delete removes the row at the session's epoch.
constexpr const char* kWorkspacesSchema = R"sql(
DO $do$
BEGIN
  PERFORM pg_advisory_xact_lock(hashtext('iwd_pgstore_schema'));
  CREATE TABLE IF NOT EXISTS iwd_workspaces (
    workspace text PRIMARY KEY,
    epoch bigint NOT NULL,
    origin text NOT NULL CHECK (origin IN ('config', 'api')),
    settings text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now());
  CREATE OR REPLACE TRIGGER iwd_workspaces_fence BEFORE INSERT OR UPDATE ON iwd_workspaces
    FOR EACH ROW EXECUTE FUNCTION iwd_fence();
  CREATE OR REPLACE TRIGGER iwd_workspaces_fence_delete BEFORE DELETE ON iwd_workspaces
    FOR EACH STATEMENT EXECUTE FUNCTION iwd_fence_session();
END
$do$)sql";

}  // namespace

namespace {

// The texts above, in the order they run: their digest is the schema's version.
constexpr const char* kBlocks[][2] = {{"create the tables of iwd", kSchema},
                                      {"create the tables of the journal store", kStoreSchema},
                                      {"create the tables of the notifications", kNotifySchema},
                                      {"create the tables of the event history", kHistorySchema},
                                      {"create the workspaces' catalog", kWorkspacesSchema}};

std::string schema_digest() {
  std::uint64_t h = 14695981039346656037ULL;  // FNV-1a, 64 bits: the same on every build of these texts
  for (const auto& block : kBlocks)
    for (const char* p = block[1]; *p; ++p) h = (h ^ static_cast<unsigned char>(*p)) * 1099511628211ULL;
  char out[17];
  std::snprintf(out, sizeof out, "%016llx", static_cast<unsigned long long>(h));
  return out;
}

// A block that lost a deadlock or a serialization race with another process's DDL or writes
// (PostgreSQL rolled it back: nothing of it stays) runs again, a few times.
Status exec_retried(Connection& c, const char* what, const char* sql) {
  Status s;
  for (int attempt = 0; attempt < 8; ++attempt) {
    s = c.exec(what, sql);
    if (s.ok() || (s.sqlstate != "40P01" && s.sqlstate != "40001")) return s;
    std::this_thread::sleep_for(std::chrono::milliseconds(20 + 40 * attempt));
  }
  return s;
}

}  // namespace

Status create_schema(Connection& c) {
  // Once per database in a process, and only when the database's schema is not this build's:
  // CREATE OR REPLACE of a trigger or a view locks its table against every writer until the
  // DDL commits, so a node starting (or a workspace created) under load would stall the other
  // nodes' commits, and two processes' DDL beside each other's writes can deadlock (one is
  // rolled back: it runs again).
  static std::mutex mu;
  static std::set<std::string> made;  // by conninfo
  {
    std::lock_guard<std::mutex> lock(mu);
    if (made.count(c.conninfo())) return {};
  }
  const std::string digest = schema_digest();
  Rows rows;
  const Status read = c.exec("read the schema's version", "SELECT digest FROM iwd_schema_version WHERE name = 'iwd'", {}, &rows);
  if (read.code == Code::Unavailable) return read;
  const bool current = read.ok() && rows.size() == 1 && rows.at(0, 0) == digest;  // an error: no such table yet
  if (!current) {
    for (const auto& block : kBlocks)
      if (Status s = exec_retried(c, block[0], block[1]); !s.ok()) return s;
    static constexpr const char* kVersion = R"sql(
DO $do$
BEGIN
  PERFORM pg_advisory_xact_lock(hashtext('iwd_pgstore_schema'));
  CREATE TABLE IF NOT EXISTS iwd_schema_version (
    name text PRIMARY KEY,
    digest text NOT NULL,
    at timestamptz NOT NULL DEFAULT now());
END
$do$)sql";
    if (Status s = exec_retried(c, "create the schema's version table", kVersion); !s.ok()) return s;
    if (Status s = c.exec("record the schema's version",
                          "INSERT INTO iwd_schema_version (name, digest) VALUES ('iwd', $1) "
                          "ON CONFLICT (name) DO UPDATE SET digest = EXCLUDED.digest, at = now()",
                          {digest});
        !s.ok())
      return s;
  }
  std::lock_guard<std::mutex> lock(mu);
  made.insert(c.conninfo());
  return {};
}

}  // namespace iwd::pgstore
