#include "pgstore/lease.h"

#include <fmt/format.h>

namespace iwd::pgstore {

namespace {

// One sentence on the lease as it is now, for a refusal's message.
std::string describe(Connection& c, const std::string& workspace, Status* s) {
  Rows rows;
  *s = c.exec(fmt::format("read the lease of workspace {}", workspace),
              "SELECT holder, epoch, (extract(epoch FROM expires_at - now()) * 1000)::bigint FROM iwd_lease "
              "WHERE workspace = $1",
              {workspace}, &rows);
  if (!s->ok()) return s->message;
  if (rows.size() == 0) return fmt::format("workspace {} has no lease", workspace);
  const auto holder = rows.at(0, 0);
  const std::int64_t epoch = rows.integer(0, 1), left = rows.integer(0, 2);
  if (!holder) return fmt::format("the lease of workspace {} is at epoch {}, released", workspace, epoch);
  if (left <= 0)
    return fmt::format("the lease of workspace {} is at epoch {}, held by {}, expired {} ms ago", workspace, epoch,
                       *holder, -left);
  return fmt::format("the lease of workspace {} is at epoch {}, held by {} for another {} ms", workspace, epoch,
                     *holder, left);
}

// A refusal: `code` with the lease's state, or the status of reading it when that failed.
Status refused(Connection& c, Code code, const std::string& what, const std::string& workspace) {
  Status read;
  const std::string why = describe(c, workspace, &read);
  if (!read.ok()) return read;
  return Status::fail(code, fmt::format("cannot {}: {}", what, why));
}

}  // namespace

Status acquire(Connection& c, const std::string& workspace, const std::string& node, std::chrono::milliseconds ttl,
               Lease* out) {
  const auto sent = std::chrono::steady_clock::now();
  const std::string what = fmt::format("acquire the lease of workspace {} for {}", workspace, node);
  // ON CONFLICT locks the existing row: of two nodes at once, the second re-reads the row the
  // first wrote, finds it held and not expired, and updates nothing. It sets the epoch, a key
  // column (the unique index iwd_lease_epoch), so the lock is FOR UPDATE: a takeover waits for
  // every fenced write in flight (their FOR KEY SHARE, schema.cpp) and is ordered after it.
  // Two first acquires at once (no row yet) both insert epoch 1: the loser's conflict is on
  // the primary key, the arbiter, but PostgreSQL may find it first in iwd_lease_epoch, which is
  // no arbiter, and refuse the statement (23505, nothing written). Run again, it finds the
  // winner's row (committed: the unique check waited for it) and takes the ON CONFLICT path.
  Rows rows;
  Status s;
  for (int attempt = 0; attempt < 3; ++attempt) {
    rows = Rows{};
    s = c.exec(what,
               "INSERT INTO iwd_lease AS l (workspace, holder, epoch, expires_at) "
               "VALUES ($1, $2, 1, now() + $3::bigint * interval '1 millisecond') "
               "ON CONFLICT (workspace) DO UPDATE SET holder = EXCLUDED.holder, epoch = l.epoch + 1, "
               "expires_at = EXCLUDED.expires_at WHERE l.holder IS NULL OR l.expires_at <= now() "
               "RETURNING l.epoch",
               {workspace, node, std::to_string(ttl.count())}, &rows);
    if (s.sqlstate != "23505") break;
  }
  if (!s.ok()) return s;
  if (rows.size() == 0) return refused(c, Code::Held, what, workspace);
  *out = Lease{workspace, node, rows.integer(0, 0), sent + ttl};
  return {};
}

Status renew(Connection& c, Lease* lease, std::chrono::milliseconds ttl) {
  const auto sent = std::chrono::steady_clock::now();
  const std::string what =
      fmt::format("renew the lease of workspace {} for {} at epoch {}", lease->workspace, lease->holder, lease->epoch);
  // Changes no key column: FOR NO KEY UPDATE, which the fenced writes' FOR KEY SHARE does not
  // block, so a renewal never waits for a write's transaction, however long it runs.
  Rows rows;
  Status s = c.exec(what,
                    "UPDATE iwd_lease SET expires_at = now() + $4::bigint * interval '1 millisecond' "
                    "WHERE workspace = $1 AND holder = $2 AND epoch = $3 AND expires_at > now() RETURNING epoch",
                    {lease->workspace, lease->holder, std::to_string(lease->epoch), std::to_string(ttl.count())},
                    &rows);
  if (!s.ok()) return s;
  if (rows.size() == 0) return refused(c, Code::Fenced, what, lease->workspace);
  lease->valid_until = sent + ttl;
  return {};
}

Status release(Connection& c, const Lease& lease) {
  const std::string what =
      fmt::format("release the lease of workspace {} for {} at epoch {}", lease.workspace, lease.holder, lease.epoch);
  Rows rows;
  Status s = c.exec(what,
                    "UPDATE iwd_lease SET holder = NULL, expires_at = now() "
                    "WHERE workspace = $1 AND holder = $2 AND epoch = $3 RETURNING epoch",
                    {lease.workspace, lease.holder, std::to_string(lease.epoch)}, &rows);
  if (!s.ok()) return s;
  if (rows.size() == 0) return refused(c, Code::Fenced, what, lease.workspace);
  return {};
}

}  // namespace iwd::pgstore
