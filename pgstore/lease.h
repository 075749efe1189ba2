// The lease of a workspace (docs/deployment.md, "Leases with fencing"): one node holds it at a
// time; its epoch is the fencing token that every journal write carries (journal.h).
//
// Time: the expiry is stored and compared by the database (now() + ttl, expires_at <= now()),
// never by a node's wall clock, so the clocks of the nodes may disagree by any amount. A node
// only measures durations on its own steady clock: it counts its lease from the moment it
// SENT the request, which is never later than the database's now() for that statement, so
// the node's deadline (Lease::valid_until) falls before the database's expiry as long as
// the clocks tick at about the same rate. A node stops serving at valid_until unless a renewal
// succeeded; another node can take the lease only after the database's expiry.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

#include "pgstore/connection.h"

namespace iwd::pgstore {

struct Lease {
  std::string workspace;
  std::string holder;  // the node's name
  std::int64_t epoch = 0;
  std::chrono::steady_clock::time_point valid_until;  // the holder's own deadline (see above)
};

// Takes the workspace's lease for `ttl` if nobody holds it, or its holder released it or let
// it expire; a takeover raises the epoch (the first lease of a workspace is epoch 1). Code::Held
// with who holds it and for how long when it is not free. Of several nodes trying at once,
// one gets it.
Status acquire(Connection& c, const std::string& workspace, const std::string& node, std::chrono::milliseconds ttl,
               Lease* out);

// Extends the lease to `ttl` from now, only for its holder at its epoch and before it expired:
// Code::Fenced otherwise (stop serving the workspace). Moves lease->valid_until on success.
Status renew(Connection& c, Lease* lease, std::chrono::milliseconds ttl);

// Gives the lease up (its epoch stays: the next holder's is higher). Code::Fenced when it was
// not the caller's any more.
Status release(Connection& c, const Lease& lease);

}  // namespace iwd::pgstore
