// A throwaway PostgreSQL 15 cluster for a test (docs/deployment.md, "Tests"): initdb and pg_ctl of Debian's
// postgresql-15 in a fresh folder /tmp/iwd-pg-XXXXXX, reachable through a Unix socket in that
// folder only (no TCP), trust authentication for the user `iwd`. Run as the package's
// `postgres` user (runuser) when the test runs as root, which PostgreSQL refuses to be; as the
// test's own user otherwise. The destructor stops it (immediate) and removes the folder, also
// when the test failed; a test process that dies before that leaves a folder whose `owner` pid
// is gone, which tests/support/pg_cluster.sh reap (the ctest fixture pg_cluster) stops and
// removes. Every command is bounded by `timeout`.
#pragma once

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>

namespace iwd::testing {

class PgCluster {
 public:
  static constexpr const char* kBin = "/usr/lib/postgresql/15/bin";

  // A cluster started, or null with *error saying what failed (and the server's log).
  static std::unique_ptr<PgCluster> start(std::string* error) {
    if (!std::filesystem::exists(std::string(kBin) + "/initdb")) {
      *error = std::string("PostgreSQL 15 is not installed (no ") + kBin + "/initdb): run scripts/setup.sh";
      return nullptr;
    }
    std::string tmpl = "/tmp/iwd-pg-XXXXXX";
    if (!mkdtemp(tmpl.data())) {
      *error = "cannot create a folder in /tmp for the cluster";
      return nullptr;
    }
    std::unique_ptr<PgCluster> c(new PgCluster(tmpl));
    std::ofstream(c->dir_ + "/owner") << getpid() << "\n";
    if (geteuid() == 0 && std::system(("chown postgres " + c->dir_).c_str()) != 0) {
      *error = "cannot give " + c->dir_ + " to the user postgres";
      return nullptr;
    }
    if (!c->run("initdb", std::string(kBin) + "/initdb -D " + c->data() +
                              " -U iwd -A trust --no-sync -E UTF8 --locale=C.UTF-8", 60, error) ||
        !c->start_again(error))
      return nullptr;
    return c;
  }

  ~PgCluster() {
    std::string ignored;
    if (std::filesystem::exists(data() + "/postmaster.pid"))
      run("pg_ctl stop", std::string(kBin) + "/pg_ctl -D " + data() + " -m immediate -w -t 30 stop", 40, &ignored);
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
  PgCluster(const PgCluster&) = delete;
  PgCluster& operator=(const PgCluster&) = delete;

  // libpq's connection string for the cluster's `postgres` database.
  std::string conninfo() const { return "host=" + dir_ + " port=5432 user=iwd dbname=postgres"; }
  const std::string& dir() const { return dir_; }
  std::string data() const { return dir_ + "/data"; }

  // Stops the server (fast: sessions are ended, what is committed is kept), e.g. to restart it.
  bool stop(std::string* error) {
    return run("pg_ctl stop", std::string(kBin) + "/pg_ctl -D " + data() + " -m fast -w -t 30 stop", 40, error);
  }
  // Starts it (again), listening on the folder's socket only.
  bool start_again(std::string* error) {
    return run("pg_ctl start", std::string(kBin) + "/pg_ctl -D " + data() + " -l " + dir_ +
                                   "/server.log -w -t 30 -o \"-c listen_addresses= -c unix_socket_directories=" +
                                   dir_ + "\" start",
               40, error);
  }
  // The postmaster's pid (0 when it is not running).
  long server_pid() const {
    std::ifstream in(data() + "/postmaster.pid");
    long pid = 0;
    in >> pid;
    return pid;
  }

 private:
  explicit PgCluster(std::string dir) : dir_(std::move(dir)) {}

  // `command` as the cluster's user, its output into cmd.log; on failure *error names it and
  // carries the output and the server's log.
  bool run(const std::string& name, const std::string& command, int seconds, std::string* error) const {
    const std::string as = geteuid() == 0 ? "runuser -u postgres -- " : "";
    const std::string full = "timeout " + std::to_string(seconds) + " " + as + command + " >" + dir_ + "/cmd.log 2>&1";
    if (std::system(full.c_str()) == 0) return true;
    *error = name + " failed in " + dir_ + ": " + slurp(dir_ + "/cmd.log") + slurp(dir_ + "/server.log");
    return false;
  }
  static std::string slurp(const std::string& path) {
    std::ifstream in(path);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
  }

  std::string dir_;
};

}  // namespace iwd::testing
