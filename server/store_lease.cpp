#include "server/store_lease.h"

#include <fmt/format.h>
#include <unistd.h>

#include <climits>

#include "pgstore/schema.h"

namespace iwd::server {

namespace {

using namespace std::chrono_literals;

// Every renewal bounded well within the lease: a database that does not answer makes the
// call Unavailable after this and pgstore's grace second, and it is tried again.
pgstore::ConnectionOptions renewal_options(std::chrono::milliseconds ttl) {
  pgstore::ConnectionOptions o;
  o.connect_timeout = std::chrono::seconds(std::max<std::int64_t>(1, ttl.count() / 2000));
  o.statement_timeout = std::max(ttl / 4, std::chrono::milliseconds(100));
  return o;
}

}  // namespace

std::string node_name() {
  char host[HOST_NAME_MAX + 1] = {};
  if (gethostname(host, sizeof host - 1) != 0) std::snprintf(host, sizeof host, "unknown-host");
  const auto started =
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch()).count();
  return fmt::format("{}#{}@{}", host, getpid(), started);
}

StoreLease::StoreLease(const Options& options, pgstore::Lease lease)
    : options_(options),
      conn_(options.conninfo, renewal_options(options.ttl)),
      lease_(std::move(lease)),
      deadline_(lease_.valid_until - options.ttl / 10) {}

std::unique_ptr<StoreLease> StoreLease::acquire(const Options& options, pgstore::Code* code, std::string* error) {
  pgstore::Connection conn(options.conninfo, renewal_options(options.ttl));
  pgstore::Status s = pgstore::create_schema(conn);
  pgstore::Lease lease;
  if (s.ok()) s = pgstore::acquire(conn, options.workspace, options.node, options.ttl, &lease);
  if (!s.ok()) {
    *code = s.code;
    *error = s.message;
    return nullptr;
  }
  return std::unique_ptr<StoreLease>(new StoreLease(options, std::move(lease)));
}

StoreLease::~StoreLease() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
  if (!gone_ && std::chrono::steady_clock::now() < deadline()) pgstore::release(conn_, lease_);  // best effort
}

void StoreLease::keep(std::function<void(const std::string& why)> lost) {
  lost_ = std::move(lost);
  thread_ = std::thread([this] { renewing(); });
}

void StoreLease::renewing() {
  auto next = std::chrono::steady_clock::now() + options_.ttl / 3;
  for (;;) {
    {
      std::unique_lock<std::mutex> lock(mu_);
      if (wake_.wait_until(lock, next, [this] { return stopping_; })) return;
    }
    const pgstore::Status s = pgstore::renew(conn_, &lease_, options_.ttl);
    if (s.ok()) {
      deadline_.store(lease_.valid_until - options_.ttl / 10);
      next = std::chrono::steady_clock::now() + options_.ttl / 3;
      continue;
    }
    const bool late = std::chrono::steady_clock::now() >= deadline();
    if (s.code == pgstore::Code::Fenced || late) {
      gone_ = true;
      lost_(s.code == pgstore::Code::Fenced
                ? s.message
                : fmt::format("no renewal of the lease of workspace {} came back within its deadline: {}",
                              lease_.workspace, s.message));
      return;
    }
    next = std::chrono::steady_clock::now() + 100ms;  // Unavailable for now: again soon
  }
}

}  // namespace iwd::server
