// The outcome of a call to PostgreSQL, named for what the caller can do about it.
#pragma once

#include <string>
#include <utility>

namespace iwd::pgstore {

enum class Code {
  Ok,
  // The database cannot be reached or went away (down, restarting, the connection broken,
  // a timeout): retry later. For a write the outcome is unknown: it may have committed just
  // before the connection broke, so read back before writing again.
  Unavailable,
  // The workspace's lease is held by another node and has not expired: acquire refused.
  Held,
  // The caller's epoch is not the lease's (another node took over), or its lease was released
  // or has expired: the database refused the renewal or the write. Stop serving the workspace.
  Fenced,
  // Anything else PostgreSQL refused (a bug, a schema that does not fit): the message says what.
  Failed,
};
const char* code_name(Code c);  // "ok", "unavailable", "held", "fenced", "failed"

struct Status {
  Code code = Code::Ok;
  std::string message;  // empty when ok: one sentence otherwise
  std::string sqlstate;  // PostgreSQL's code for a refusal (Failed), when it gave one: "40P01"...

  static Status fail(Code c, std::string m) {
    Status s;
    s.code = c;
    s.message = std::move(m);
    return s;
  }
  bool ok() const { return code == Code::Ok; }
};

}  // namespace iwd::pgstore
