#include "cluster/store.h"

#include <fmt/format.h>

#include "pgstore/schema.h"

namespace iwd::cluster {

PgStore::PgStore(std::string conninfo, pgstore::ConnectionOptions options) : c_(std::move(conninfo), options) {}

Status PgStore::heartbeat(const NodeRow& me) {
  if (!schema_) {
    if (Status s = pgstore::create_schema(c_); !s.ok()) return s;
    schema_ = true;
  }
  // started_at is kept from the first heartbeat: a row deleted meanwhile (by hand) comes back
  // as a new start, which only matters against another process of the same configured name.
  return c_.exec(fmt::format("record the heartbeat of node {}", me.name),
                 "INSERT INTO iwd_node (name, base, address, started_at, heartbeat) VALUES ($1, $2, $3, now(), now()) "
                 "ON CONFLICT (name) DO UPDATE SET heartbeat = now(), address = EXCLUDED.address",
                 {me.name, me.base, me.address});
}

Status PgStore::leave(const std::string& name) {
  return c_.exec(fmt::format("remove node {}", name), "DELETE FROM iwd_node WHERE name = $1", {name});
}

Status PgStore::nodes(std::chrono::milliseconds fresh_for, std::vector<NodeRow>* out) {
  pgstore::Rows rows;
  Status s = c_.exec("read the nodes",
                     "SELECT name, base, address, heartbeat > now() - $1::bigint * interval '1 millisecond', "
                     "(extract(epoch FROM started_at) * 1000000)::bigint FROM iwd_node",
                     {std::to_string(fresh_for.count())}, &rows);
  if (!s.ok()) return s;
  out->clear();
  for (int i = 0; i < rows.size(); ++i)
    out->push_back({*rows.at(i, 0), *rows.at(i, 1), *rows.at(i, 2), rows.at(i, 3) == "t", rows.integer(i, 4)});
  return {};
}

Status PgStore::leases(const std::vector<std::string>& workspaces, std::vector<LeaseRow>* out) {
  pgstore::Rows rows;
  Status s = c_.exec("read the leases",
                     "SELECT workspace, holder, epoch, (extract(epoch FROM expires_at - now()) * 1000)::bigint "
                     "FROM iwd_lease WHERE workspace = ANY($1::text[])",
                     {pgstore::array_literal(workspaces)}, &rows);
  if (!s.ok()) return s;
  out->clear();
  for (int i = 0; i < rows.size(); ++i)
    out->push_back({*rows.at(i, 0), rows.at(i, 1), rows.integer(i, 2), std::chrono::milliseconds(rows.integer(i, 3))});
  return {};
}

Status PgStore::acquire(const std::string& workspace, const std::string& node, std::chrono::milliseconds ttl,
                        Lease* out) {
  return pgstore::acquire(c_, workspace, node, ttl, out);
}
Status PgStore::renew(Lease* lease, std::chrono::milliseconds ttl) { return pgstore::renew(c_, lease, ttl); }
Status PgStore::release(const Lease& lease) { return pgstore::release(c_, lease); }

}  // namespace iwd::cluster
