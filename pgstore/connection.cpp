#include "pgstore/connection.h"

#include <fmt/format.h>
#include <libpq-fe.h>

#include <poll.h>

#include <cassert>
#include <cerrno>
#include <charconv>
#include <cstring>

namespace iwd::pgstore {

const char* code_name(Code c) {
  switch (c) {
    case Code::Ok: return "ok";
    case Code::Unavailable: return "unavailable";
    case Code::Held: return "held";
    case Code::Fenced: return "fenced";
    case Code::Failed: return "failed";
  }
  return "?";
}

namespace {

// libpq's messages end with a newline and may span lines: one line for ours.
std::string one_line(const char* m) {
  std::string s = m ? m : "";
  for (char& c : s)
    if (c == '\n') c = ' ';
  while (!s.empty() && s.back() == ' ') s.pop_back();
  return s.empty() ? "no message from libpq" : s;
}

// The SQLSTATEs the database answers when it is going away, starting, out of resources or a
// statement ran out of time: the caller waits and retries, as with a broken connection.
bool unavailable_state(const std::string& st) {
  return st.starts_with("08") || st.starts_with("53") || st == "57P01" || st == "57P02" || st == "57P03" ||
         st == "57014";
}

}  // namespace

Rows::Rows(pg_result* r) : r_(r) {}
Rows::~Rows() {
  if (r_) PQclear(r_);
}
Rows& Rows::operator=(Rows&& o) noexcept {
  if (this != &o) {
    if (r_) PQclear(r_);
    r_ = o.r_;
    o.r_ = nullptr;
  }
  return *this;
}
int Rows::size() const { return r_ ? PQntuples(r_) : 0; }
std::optional<std::string> Rows::at(int row, int column) const {
  assert(row < size() && column < PQnfields(r_));
  if (PQgetisnull(r_, row, column)) return std::nullopt;
  return std::string(PQgetvalue(r_, row, column), static_cast<std::size_t>(PQgetlength(r_, row, column)));
}
std::int64_t Rows::integer(int row, int column) const {
  assert(row < size() && column < PQnfields(r_) && !PQgetisnull(r_, row, column));
  const char* v = PQgetvalue(r_, row, column);
  std::int64_t out = 0;
  [[maybe_unused]] auto [end, ec] = std::from_chars(v, v + std::strlen(v), out);
  assert(ec == std::errc());
  return out;
}

Connection::Connection(std::string conninfo, ConnectionOptions options)
    : conninfo_(std::move(conninfo)), options_(options) {}

Connection::~Connection() {
  if (conn_) PQfinish(conn_);
}

Status Connection::connect(const std::string& what) {
  if (conn_ && PQstatus(conn_) == CONNECTION_OK) return {};
  if (conn_) PQfinish(conn_);
  // Our defaults first, then the caller's conninfo expanded: a later keyword wins in libpq.
  const std::string timeout = std::to_string(options_.connect_timeout.count());
  const std::string opts = fmt::format("-c statement_timeout={}", options_.statement_timeout.count());
  const char* keys[] = {"connect_timeout", "options", "dbname", nullptr};
  const char* values[] = {timeout.c_str(), opts.c_str(), conninfo_.c_str(), nullptr};
  conn_ = PQconnectdbParams(keys, values, 1);
  if (conn_ && PQstatus(conn_) == CONNECTION_OK) {
    // The server's notices ("relation ... already exists, skipping") are not for the user:
    // libpq would print them on stderr.
    PQsetNoticeProcessor(conn_, [](void*, const char*) {}, nullptr);
    return ++generation_, Status{};
  }
  Status s = Status::fail(Code::Unavailable, fmt::format("cannot {}: cannot connect to PostgreSQL: {}", what,
                                                         conn_ ? one_line(PQerrorMessage(conn_)) : "out of memory"));
  if (conn_) PQfinish(conn_);
  conn_ = nullptr;
  return s;
}

// PQexecParams would wait for ever on a server that stopped answering (a frozen machine, a
// SIGSTOPped backend: statement_timeout is the server's own and never fires then). So the query
// is sent and its answer awaited with poll() up to the statement timeout and a grace second;
// past that the connection is dropped (the next call connects again) and the call is
// Unavailable. *r: the first result, or a later one that is an error (null when libpq has none:
// the connection failed).
Status Connection::send_and_wait(const std::string& what, const std::function<int(pg_conn*)>& send, pg_result** r) {
  if (send(conn_)) {
    const auto deadline = std::chrono::steady_clock::now() + options_.statement_timeout + std::chrono::seconds(1);
    while (PQisBusy(conn_)) {
      const auto left =
          std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now()).count();
      pollfd fd{PQsocket(conn_), POLLIN, 0};
      const int ready = left > 0 ? poll(&fd, 1, static_cast<int>(left)) : 0;
      if (ready == 0) {
        PQfinish(conn_);
        conn_ = nullptr;
        return Status::fail(Code::Unavailable,
                            fmt::format("cannot {}: PostgreSQL did not answer within {} ms", what,
                                        (options_.statement_timeout + std::chrono::seconds(1)).count()));
      }
      if (ready < 0 && errno == EINTR) continue;
      if (ready < 0) {
        const std::string why = std::strerror(errno);
        PQfinish(conn_);
        conn_ = nullptr;
        return Status::fail(Code::Unavailable, fmt::format("cannot {}: cannot wait for PostgreSQL: {}", what, why));
      }
      if (!PQconsumeInput(conn_)) break;  // the connection failed: PQgetResult has the error
    }
  }
  *r = PQgetResult(conn_);
  // One statement, but its implicit transaction commits after the statement's own answer: a
  // commit refused then (a deferred check) comes as a second result, and is the call's answer.
  while (PGresult* more = PQgetResult(conn_)) {
    if (PQresultStatus(more) == PGRES_FATAL_ERROR && (!*r || PQresultStatus(*r) != PGRES_FATAL_ERROR)) {
      if (*r) PQclear(*r);
      *r = more;
    } else {
      PQclear(more);
    }
  }
  return {};
}

Status Connection::exec(const std::string& what, const char* sql, const Params& params, Rows* rows) {
  std::vector<const char*> values;
  values.reserve(params.size());
  for (const auto& p : params) values.push_back(p ? p->c_str() : nullptr);
  return call(
      what,
      [&](pg_conn* conn) {
        return PQsendQueryParams(conn, sql, static_cast<int>(values.size()), nullptr, values.data(), nullptr, nullptr, 0);
      },
      rows);
}

Status Connection::call(const std::string& what, const std::function<int(pg_conn*)>& send, Rows* rows) {
  if (Status s = connect(what); !s.ok()) return s;
  PGresult* r = nullptr;
  if (Status s = send_and_wait(what, send, &r); !s.ok()) return s;
  Rows result(r);  // cleared whatever happens
  const ExecStatusType st = r ? PQresultStatus(r) : PGRES_FATAL_ERROR;
  if (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK) {
    if (rows) *rows = std::move(result);
    return {};
  }
  const char* state = r ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : nullptr;
  const std::string sqlstate = state ? state : "";
  const char* primary = r ? PQresultErrorField(r, PG_DIAG_MESSAGE_PRIMARY) : nullptr;
  const std::string words = one_line(primary ? primary : PQerrorMessage(conn_));
  if (PQstatus(conn_) != CONNECTION_OK || unavailable_state(sqlstate) || !r)
    return Status::fail(Code::Unavailable, fmt::format("cannot {}: PostgreSQL is unavailable: {}", what, words));
  if (sqlstate == kFencedState) return Status::fail(Code::Fenced, fmt::format("cannot {}: {}", what, words));
  Status refused = Status::fail(Code::Failed, fmt::format("cannot {}: PostgreSQL refused: {} (SQLSTATE {})", what, words,
                                                          sqlstate.empty() ? "none" : sqlstate));
  refused.sqlstate = sqlstate;
  return refused;
}

std::string array_literal(const std::vector<std::string>& values) {
  std::string out = "{";
  for (std::size_t i = 0; i < values.size(); ++i) {
    if (i) out += ',';
    out += '"';
    for (char c : values[i]) {
      if (c == '"' || c == '\\') out += '\\';
      out += c;
    }
    out += '"';
  }
  out += '}';
  return out;
}

}  // namespace iwd::pgstore
