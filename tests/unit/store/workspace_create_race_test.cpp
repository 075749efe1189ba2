// Two creates of one new workspace name on two nodes (docs/deployment.md, "Running nodes"): the
// loser finds the name's lease held by the node serving what the winner created. It must answer
// "exists" (409) as soon as the catalog has the name, not wait for a lease that node keeps
// renewing (until its tries run out: 5 x ttl, longer than a client waits).
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>

#include "server/workspace.h"
#include "server/workspace_catalog.h"
#include "tests/support/pg_cluster.h"

namespace iwd::server {
namespace {

using namespace std::chrono_literals;

TEST(WorkspaceCreateRaceTest, ACreateOfANameServedElsewhereSaysExistsWithoutWaitingForItsLease) {
  std::string error;
  auto cluster = iwd::testing::PgCluster::start(&error);
  ASSERT_TRUE(cluster) << error;
  // The winner's node serves "raced": its lease renewed, the name in the catalog.
  pgstore::Code code = pgstore::Code::Ok;
  auto held = StoreLease::acquire({cluster->conninfo(), "raced", "n2", 2000ms}, &code, &error);
  ASSERT_TRUE(held) << error;
  held->keep([](const std::string&) {});
  {
    pgstore::Connection conn(cluster->conninfo());
    ASSERT_TRUE(catalog::record(conn, {"raced", "api", "{}"}, held->epoch()).ok());
  }
  const auto folder = std::filesystem::temp_directory_path() / "iwd_create_race";
  Workspace loser("raced", folder, ServerConfig{}, Workspace::Origin::Api,
                  PgPlace{cluster->conninfo(), "n1", nullptr, /*fresh=*/true});
  runtime::SimulatedClock clock(stdlib::Instant{0});
  EXPECT_FALSE(loser.start(Ruleset{}, clock, &error));
  EXPECT_TRUE(loser.exists()) << error;
  EXPECT_EQ(error, "workspace `raced` exists");
  // Its rows are the winner's still: the lease untouched.
  EXPECT_GT(held->deadline(), std::chrono::steady_clock::now());
}

}  // namespace
}  // namespace iwd::server
