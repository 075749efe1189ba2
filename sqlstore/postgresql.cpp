#include "sqlstore/postgresql.h"

#include <fmt/format.h>
#include <libpq-fe.h>

#include <cassert>
#include <charconv>
#include <cstdlib>
#include <cstring>
#include <utility>
#include <vector>

namespace iwd::sqlstore {

namespace {

constexpr Oid kByteaOid = 17;  // pg_type.h: bytea's columns come back escaped in text format

// A statement's SQL in messages: its first words.
std::string what_for(std::string_view sql) {
  std::string s(sql.substr(0, 60));
  for (char& c : s)
    if (c == '\n') c = ' ';
  return fmt::format("run `{}{}`", s, sql.size() > 60 ? "..." : "");
}

}  // namespace

struct PgDatabase::Shared {
  explicit Shared(pgstore::Connection& c) : conn(c) {}
  pgstore::Connection& conn;
  std::vector<std::pair<std::string, std::string>> settings;
  std::uint64_t settings_generation = 0;  // the connection they were set on
  std::uint64_t transaction_generation = 0;  // the connection of the open transaction (0: none)
  std::uint64_t statements = 0;  // names the prepared statements
  Code last_failure = Code::Ok;  // since the last begin()

  // Connected, the settings set on this connection, and still the transaction's connection.
  Status ready(const std::string& what) {
    if (Status s = conn.connect(what); !s.ok()) return s;
    if (transaction_generation && transaction_generation != conn.generation())
      return Status::fail(Code::Unavailable,
                          fmt::format("cannot {}: the connection to PostgreSQL broke in the transaction, which is "
                                      "gone: roll back and begin again",
                                      what));
    if (settings_generation == conn.generation()) return {};
    for (const auto& [name, value] : settings) {
      Status s = conn.exec(fmt::format("set {} for this session", name), "SELECT set_config($1, $2, false)",
                           {name, value});
      if (!s.ok()) return s;
    }
    settings_generation = conn.generation();
    return {};
  }
};

namespace {

class PgStatement : public Statement {
 public:
  PgStatement(std::shared_ptr<PgDatabase::Shared> shared, std::string sql, std::string name)
      : shared_(std::move(shared)), sql_(std::move(sql)), name_(std::move(name)), what_(what_for(sql_)) {}

  void bind_int64(int i, std::int64_t v) override { set(i, std::to_string(v), 0); }
  void bind_double(int i, double v) override { set(i, fmt::format("{}", v), 0); }  // shortest exact
  void bind_text(int i, std::string_view v) override { set(i, std::string(v), 0); }
  // Copied as bind_text (libpq sends it at the step anyway), unbound by reset() as on SQLite.
  void bind_text_static(int i, std::string_view v) override {
    set(i, std::string(v), 0);
    static_.push_back(i);
  }
  void bind_blob(int i, std::string_view v) override { set(i, std::string(v), 1); }  // binary: bytes as they are
  void bind_null(int i) override {
    set(i, {}, 0);
    null_[static_cast<std::size_t>(i - 1)] = true;
  }

  Step step(Status* status) override {
    if (ran_) {
      if (++row_ < rows_.size()) return Step::Row;
      return Step::Done;
    }
    if (Status s = run(); !s.ok()) {
      shared_->last_failure = s.code;
      *status = std::move(s);
      return Step::Failure;
    }
    ran_ = true;
    row_ = 0;
    const char* tuples = PQcmdTuples(rows_.native());
    changes_ = tuples && *tuples ? std::strtoll(tuples, nullptr, 10) : 0;
    return row_ < rows_.size() ? Step::Row : Step::Done;
  }

  bool is_null(int c) const override { return PQgetisnull(rows_.native(), row_, c); }
  std::int64_t column_int64(int c) const override {
    const char* v = PQgetvalue(rows_.native(), row_, c);
    std::int64_t out = 0;
    std::from_chars(v, v + std::strlen(v), out);  // NULL is "": 0
    return out;
  }
  double column_double(int c) const override { return std::strtod(PQgetvalue(rows_.native(), row_, c), nullptr); }
  std::string column_text(int c) const override {
    const PGresult* r = rows_.native();
    const char* v = PQgetvalue(r, row_, c);
    if (PQftype(r, c) != kByteaOid || PQgetisnull(r, row_, c))
      return std::string(v, static_cast<std::size_t>(PQgetlength(r, row_, c)));
    std::size_t n = 0;
    unsigned char* bytes = PQunescapeBytea(reinterpret_cast<const unsigned char*>(v), &n);
    assert(bytes);  // the server's own escaping; out of memory otherwise
    std::string out(reinterpret_cast<const char*>(bytes), n);
    PQfreemem(bytes);
    return out;
  }
  std::int64_t changes() const override { return changes_; }
  void reset() override {
    ran_ = false;
    row_ = 0;
    rows_ = pgstore::Rows();
    for (int i : static_) bind_null(i);
    static_.clear();
  }
  void reset_unbound() override {
    reset();
    for (std::size_t k = 0; k < values_.size(); ++k) {
      values_[k].clear();
      null_[k] = true;
      formats_[k] = 0;
    }
  }

 private:
  void set(int i, std::string v, int format) {
    assert(i >= 1);
    const auto k = static_cast<std::size_t>(i - 1);
    if (values_.size() <= k) {
      values_.resize(k + 1);
      null_.resize(k + 1, true);
      formats_.resize(k + 1, 0);
    }
    values_[k] = std::move(v);
    null_[k] = false;
    formats_[k] = format;
  }

  // Prepared on this connection (again after a reconnect), then run with the bound values.
  Status run() {
    pgstore::Connection& conn = shared_->conn;
    if (Status s = shared_->ready(what_); !s.ok()) return s;
    if (prepared_ != conn.generation()) {
      Status s = conn.call(what_, [&](pg_conn* c) { return PQsendPrepare(c, name_.c_str(), sql_.c_str(), 0, nullptr); });
      if (!s.ok()) return s;
      prepared_ = conn.generation();
    }
    std::vector<const char*> values(values_.size());
    std::vector<int> lengths(values_.size());
    for (std::size_t k = 0; k < values_.size(); ++k) {
      values[k] = null_[k] ? nullptr : values_[k].data();
      lengths[k] = static_cast<int>(values_[k].size());
    }
    return conn.call(
        what_,
        [&](pg_conn* c) {
          return PQsendQueryPrepared(c, name_.c_str(), static_cast<int>(values.size()), values.data(), lengths.data(),
                                     formats_.data(), 0);
        },
        &rows_);
  }

  std::shared_ptr<PgDatabase::Shared> shared_;
  std::string sql_, name_, what_;
  std::vector<std::string> values_;
  std::vector<bool> null_;
  std::vector<int> formats_;
  std::vector<int> static_;  // parameters bound by bind_text_static since the last reset
  std::uint64_t prepared_ = 0;  // the connection it is prepared on (0: none)
  bool ran_ = false;
  int row_ = 0;
  std::int64_t changes_ = 0;
  pgstore::Rows rows_;
};

}  // namespace

PgDatabase::PgDatabase(pgstore::Connection& connection) : shared_(std::make_shared<Shared>(connection)) {}
PgDatabase::~PgDatabase() = default;

std::unique_ptr<Statement> PgDatabase::prepare(std::string_view sql, Status* status) {
  // Prepared on the server at its first step: a statement that does not parse fails there, and
  // the connection may be down now and back then.
  (void)status;
  return std::make_unique<PgStatement>(shared_, rewrite_placeholders(sql),
                                       fmt::format("iwd_sqlstore_{}", ++shared_->statements));
}

Status PgDatabase::exec(std::string_view sql) {
  const std::string what = what_for(sql), text(sql);
  if (Status s = shared_->ready(what); !s.ok()) return s;
  return shared_->conn.call(what, [&](pg_conn* c) { return PQsendQuery(c, text.c_str()); });
}

Status PgDatabase::begin() {
  if (Status s = exec("BEGIN"); !s.ok()) return s;
  shared_->transaction_generation = shared_->conn.generation();
  shared_->last_failure = Code::Ok;
  return {};
}

Code PgDatabase::last_failure() const { return shared_->last_failure; }

Status PgDatabase::commit() {
  const std::string what = "commit the transaction";
  Status s = shared_->ready(what);
  pgstore::Rows rows;
  if (s.ok()) s = shared_->conn.call(what, [](pg_conn* c) { return PQsendQuery(c, "COMMIT"); }, &rows);
  shared_->transaction_generation = 0;
  // A transaction that failed part-way is rolled back by its COMMIT, which still succeeds.
  if (s.ok() && std::strcmp(PQcmdStatus(rows.native()), "COMMIT") != 0)
    return Status::fail(Code::Failed, "cannot commit the transaction: a statement in it failed, PostgreSQL rolled it back");
  return s;
}

bool PgDatabase::in_transaction() const {
  return shared_->transaction_generation != 0 && shared_->transaction_generation == shared_->conn.generation();
}

Status PgDatabase::rollback() {
  const bool same = shared_->transaction_generation == shared_->conn.generation();
  shared_->transaction_generation = 0;
  if (!same) return {};  // the transaction went with its connection
  return exec("ROLLBACK");
}

Status PgDatabase::set_session(const std::string& name, const std::string& value) {
  bool found = false;
  for (auto& [n, v] : shared_->settings)
    if (n == name) v = value, found = true;
  if (!found) shared_->settings.emplace_back(name, value);
  shared_->settings_generation = 0;  // set (again) now
  return shared_->ready(fmt::format("set {} for this session", name));
}

}  // namespace iwd::sqlstore
