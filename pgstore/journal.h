// A minimal journal per workspace in PostgreSQL: lines appended under the workspace's lease,
// numbered by seq, read back after a seq (what a node taking a workspace over loads after the
// latest snapshot). Every row carries the writer's epoch and the database refuses a row whose
// epoch is stale (the trigger of schema.h), so a node that lost its lease cannot append.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "pgstore/connection.h"
#include "pgstore/lease.h"

namespace iwd::pgstore {

struct JournalLine {
  std::int64_t seq = 0;
  std::int64_t epoch = 0;  // of the lease it was written under
  std::string text;
};

// Appends `lines` (not empty) after the workspace's last seq, all in one statement: all of them
// or none. Code::Fenced when the database refuses the lease's epoch (taken over, released,
// expired). *last_seq: the seq of the last line appended. One writer per workspace: the holder
// appends from one connection at a time (two appends at once may both pick the same seq, and
// one fails on the primary key).
Status append(Connection& c, const Lease& lease, const std::vector<std::string>& lines, std::int64_t* last_seq);

// At most `limit` lines with seq > after, in seq order, appended to *out.
Status read_after(Connection& c, const std::string& workspace, std::int64_t after, std::int64_t limit,
                  std::vector<JournalLine>* out);

}  // namespace iwd::pgstore
