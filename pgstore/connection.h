// One libpq connection that reconnects by itself: a call made while the database is down
// answers Code::Unavailable, and the first call after it is back connects again. Every call
// is bounded in time: connect_timeout, then statement_timeout (the server's) and a grace
// second on our side for a server that does not answer at all. Not thread-safe: one thread at a
// time per Connection (libpq's rule); take one Connection per thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "pgstore/status.h"

struct pg_conn;
struct pg_result;

namespace iwd::pgstore {

struct ConnectionOptions {
  std::chrono::seconds connect_timeout{5};
  std::chrono::milliseconds statement_timeout{10'000};
};

// The rows of a query, as text (libpq's text format); a NULL is nullopt.
class Rows {
 public:
  Rows() = default;
  explicit Rows(pg_result* r);
  ~Rows();
  Rows(Rows&& o) noexcept : r_(o.r_) { o.r_ = nullptr; }
  Rows& operator=(Rows&& o) noexcept;
  Rows(const Rows&) = delete;
  Rows& operator=(const Rows&) = delete;

  int size() const;
  std::optional<std::string> at(int row, int column) const;
  std::int64_t integer(int row, int column) const;  // asserts a non-NULL integer column
  pg_result* native() const { return r_; }  // for callers reading types or bytes (sqlstore/)

 private:
  pg_result* r_ = nullptr;
};

// The SQLSTATE of the database's fencing refusals (schema.cpp raises it): Code::Fenced.
inline constexpr const char* kFencedState = "IW001";

using Params = std::vector<std::optional<std::string>>;  // $1, $2, ...: text, or NULL

class Connection {
 public:
  // `conninfo`: libpq's "key=value ..." or a postgresql:// URI; its own connect_timeout or
  // options win over `options`. Does not connect yet: the first call does.
  explicit Connection(std::string conninfo, ConnectionOptions options = {});
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // Runs one statement (in a transaction of its own unless one is open). `what` names it in
  // messages ("acquire the lease of workspace w1"). Ok with *rows set (when not null), or the
  // status of the failure, the server's words included.
  Status exec(const std::string& what, const char* sql, const Params& params = {}, Rows* rows = nullptr);

  // The same for a query sent by `send` (PQsendPrepare, PQsendQueryPrepared...: libpq's 1 on
  // success) on the connection, made first if needed: bounded and classified as exec() is.
  Status call(const std::string& what, const std::function<int(pg_conn*)>& send, Rows* rows = nullptr);
  // Counts the connections made: a caller keeping server-side state (prepared statements,
  // session settings) makes it again when this changed since it did.
  std::uint64_t generation() const { return generation_; }
  const std::string& conninfo() const { return conninfo_; }
  // Connects now unless connected (every call does it first): Unavailable when it cannot.
  Status connect(const std::string& what);

 private:
  Status send_and_wait(const std::string& what, const std::function<int(pg_conn*)>& send, pg_result** r);

  std::string conninfo_;
  ConnectionOptions options_;
  pg_conn* conn_ = nullptr;
  std::uint64_t generation_ = 0;
};

// A text[] parameter: PostgreSQL's array literal of `values`, each quoted and escaped.
std::string array_literal(const std::vector<std::string>& values);

}  // namespace iwd::pgstore
