#include "pgstore/schema.h"

namespace iwd::pgstore {

namespace {

// The trigger reads the lease row FOR SHARE: a takeover (an UPDATE of that row) waits until the
// writing transaction ends, and a write that comes after a committed takeover re-reads the row
// and sees the new epoch. So a stale write either commits before the takeover, and the new
// holder reads it when it loads the journal, or is refused: never after it. The expiry is
// compared with clock_timestamp(), the database's clock when the row is written, so that a
// transaction left open for a long time does not write on the time it started at.
constexpr const char* kSchema = R"sql(
DO $do$
BEGIN
  PERFORM pg_advisory_xact_lock(hashtext('iwd_pgstore_schema'));
  CREATE TABLE IF NOT EXISTS iwd_lease (
    workspace text PRIMARY KEY,
    holder text,
    epoch bigint NOT NULL CHECK (epoch > 0),
    expires_at timestamptz NOT NULL);
  CREATE TABLE IF NOT EXISTS iwd_journal (
    workspace text NOT NULL,
    seq bigint NOT NULL CHECK (seq > 0),
    epoch bigint NOT NULL,
    line text NOT NULL,
    PRIMARY KEY (workspace, seq));
  CREATE OR REPLACE FUNCTION iwd_fence() RETURNS trigger LANGUAGE plpgsql AS $f$
  DECLARE
    l iwd_lease%ROWTYPE;
  BEGIN
    SELECT * INTO l FROM iwd_lease WHERE workspace = NEW.workspace FOR SHARE;
    IF NOT FOUND THEN
      RAISE EXCEPTION 'workspace % has no lease: acquire it before writing', NEW.workspace
        USING ERRCODE = 'IW001';
    ELSIF l.epoch <> NEW.epoch THEN
      RAISE EXCEPTION 'epoch % of workspace % is stale: the lease is at epoch %, held by %',
        NEW.epoch, NEW.workspace, l.epoch, coalesce(l.holder, 'nobody') USING ERRCODE = 'IW001';
    ELSIF l.holder IS NULL THEN
      RAISE EXCEPTION 'the lease of workspace % (epoch %) was released', NEW.workspace, l.epoch
        USING ERRCODE = 'IW001';
    ELSIF l.expires_at <= clock_timestamp() THEN
      RAISE EXCEPTION 'the lease of workspace % (epoch %) expired % ago', NEW.workspace, l.epoch,
        clock_timestamp() - l.expires_at USING ERRCODE = 'IW001';
    END IF;
    RETURN NEW;
  END
  $f$;
  CREATE OR REPLACE TRIGGER iwd_journal_fence BEFORE INSERT OR UPDATE ON iwd_journal
    FOR EACH ROW EXECUTE FUNCTION iwd_fence();
END
$do$)sql";

}  // namespace

Status create_schema(Connection& c) { return c.exec("create the tables of iwd", kSchema); }

}  // namespace iwd::pgstore
