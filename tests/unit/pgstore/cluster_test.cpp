// The test cluster itself (tests/support/pg_cluster.h): Unix socket only, run as a non-root
// user, stopped and removed at the end, and reaped by pg_cluster.sh when its test died.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <filesystem>
#include <fstream>

#include "pgstore/connection.h"
#include "tests/support/pg_cluster.h"

namespace iwd::pgstore::testing {
namespace {

using iwd::testing::PgCluster;

bool alive(long pid) { return pid > 0 && kill(static_cast<pid_t>(pid), 0) == 0; }

TEST(PgClusterTest, ListensOnItsSocketOnlyAndIsGoneAfterwards) {
  std::string error, dir;
  long pid = 0;
  {
    auto cluster = PgCluster::start(&error);
    ASSERT_TRUE(cluster) << error;
    dir = cluster->dir();
    pid = cluster->server_pid();
    EXPECT_TRUE(alive(pid));
    Connection c(cluster->conninfo());
    Rows rows;
    Status s = c.exec("read the settings",
                      "SELECT current_setting('listen_addresses'), current_setting('server_version_num'), "
                      "(SELECT usename FROM pg_user WHERE usesysid = (SELECT datdba FROM pg_database "
                      "WHERE datname = 'template1'))",
                      {}, &rows);
    ASSERT_TRUE(s.ok()) << s.message;
    EXPECT_EQ(rows.at(0, 0), "");  // no TCP
    EXPECT_GE(rows.integer(0, 1), 150000);
    EXPECT_LT(rows.integer(0, 1), 160000);
    EXPECT_TRUE(std::filesystem::exists(dir + "/.s.PGSQL.5432"));
    struct stat st {};
    ASSERT_EQ(stat(("/proc/" + std::to_string(pid)).c_str(), &st), 0);
    EXPECT_NE(st.st_uid, 0u);  // PostgreSQL refuses root: postgres, or the test's own user
  }
  EXPECT_FALSE(std::filesystem::exists(dir));
  for (int i = 0; i < 100 && alive(pid); ++i) usleep(50'000);  // an immediate stop exits at once
  EXPECT_FALSE(alive(pid));
}

TEST(PgClusterTest, AClusterWhoseTestDiedIsReaped) {
  int pipefd[2];
  ASSERT_EQ(pipe(pipefd), 0);
  const pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {  // a test that dies without its destructors
    std::string error;
    auto cluster = PgCluster::start(&error);
    const std::string dir = cluster ? cluster->dir() : "";
    [[maybe_unused]] auto n = write(pipefd[1], dir.data(), dir.size());
    _exit(cluster ? 0 : 1);
  }
  close(pipefd[1]);
  char buf[256] = {};
  const auto n = read(pipefd[0], buf, sizeof buf - 1);
  close(pipefd[0]);
  int status = 0;
  ASSERT_EQ(waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  const std::string dir(buf, n > 0 ? static_cast<std::size_t>(n) : 0);
  ASSERT_TRUE(std::filesystem::exists(dir + "/data/postmaster.pid")) << dir;
  std::ifstream in(dir + "/data/postmaster.pid");
  long pid = 0;
  in >> pid;
  ASSERT_TRUE(alive(pid));

  const std::string reap = std::string("timeout 60 ") + IWD_SOURCE_DIR + "/tests/support/pg_cluster.sh reap >/dev/null";
  ASSERT_EQ(std::system(reap.c_str()), 0);
  EXPECT_FALSE(std::filesystem::exists(dir));
  for (int i = 0; i < 100 && alive(pid); ++i) usleep(50'000);
  EXPECT_FALSE(alive(pid));
}

}  // namespace
}  // namespace iwd::pgstore::testing
