#include "pgstore/journal.h"

#include <fmt/format.h>

#include <algorithm>
#include <cassert>

namespace iwd::pgstore {

Status append(Connection& c, const Lease& lease, const std::vector<std::string>& lines, std::int64_t* last_seq) {
  assert(!lines.empty());
  const std::string what = fmt::format("append {} line(s) to the journal of workspace {} at epoch {}", lines.size(),
                                       lease.workspace, lease.epoch);
  // The epoch goes into every row as written by the caller: the trigger compares it with the
  // lease's, so this statement checks nothing itself.
  Rows rows;
  Status s = c.exec(what,
                    "INSERT INTO iwd_journal (workspace, seq, epoch, line) "
                    "SELECT $1, last.seq + t.n, $2::bigint, t.line "
                    "FROM (SELECT coalesce(max(seq), 0) AS seq FROM iwd_journal WHERE workspace = $1) last, "
                    "unnest($3::text[]) WITH ORDINALITY AS t(line, n) "
                    "RETURNING seq",
                    {lease.workspace, std::to_string(lease.epoch), array_literal(lines)}, &rows);
  if (!s.ok()) return s;
  assert(rows.size() == static_cast<int>(lines.size()));
  std::int64_t last = 0;
  for (int i = 0; i < rows.size(); ++i) last = std::max(last, rows.integer(i, 0));
  *last_seq = last;
  return {};
}

Status read_after(Connection& c, const std::string& workspace, std::int64_t after, std::int64_t limit,
                  std::vector<JournalLine>* out) {
  Rows rows;
  Status s = c.exec(fmt::format("read the journal of workspace {} after seq {}", workspace, after),
                    "SELECT seq, epoch, line FROM iwd_journal WHERE workspace = $1 AND seq > $2::bigint "
                    "ORDER BY seq LIMIT $3::bigint",
                    {workspace, std::to_string(after), std::to_string(limit)}, &rows);
  if (!s.ok()) return s;
  for (int i = 0; i < rows.size(); ++i) out->push_back({rows.integer(i, 0), rows.integer(i, 1), *rows.at(i, 2)});
  return {};
}

}  // namespace iwd::pgstore
