// docs/openapi.json lists exactly the server's routes, each with the roles that may call it
// (the deployment's workspace routes: `deployment`).
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <set>

#include "runtime/clock.h"
#include "server/routes.h"
#include "server/workspaces.h"

namespace iwd::server {
namespace {

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

std::set<std::string> role_names(RoleSet set) {
  if (set == kPublic) return {"public"};
  std::set<std::string> out;
  for (Role r : {Role::Source, Role::Agent, Role::Supervisor, Role::Viewer})
    if (set & static_cast<RoleSet>(r)) out.insert(std::string(role_name(r)));
  if (out.empty()) out.insert("admin");  // admin only
  return out;
}

TEST(OpenApi, ListsEveryRouteWithItsRoles) {
  std::ifstream in(std::string(IWD_SOURCE_DIR) + "/docs/openapi.json");
  ASSERT_TRUE(in) << "docs/openapi.json";
  const nlohmann::json spec = nlohmann::json::parse(in);
  ASSERT_EQ(spec["openapi"].get<std::string>().substr(0, 2), "3.");
  std::set<std::string> documented;
  for (auto& [path, ops] : spec["paths"].items())
    for (auto& [method, op] : ops.items()) {
      documented.insert(method + " " + path);
      EXPECT_TRUE(op.contains("responses")) << method << " " << path;
    }
  ServerContext none;
  std::set<std::string> served;
  for (const Route& r : all_routes(none)) {
    const std::string key = lower(r.method) + " " + r.path;
    EXPECT_TRUE(served.insert(key).second) << "route served twice: " << key;
    ASSERT_TRUE(documented.count(key)) << "route not in docs/openapi.json: " << key;
    const auto& op = spec["paths"][r.path][lower(r.method)];
    ASSERT_TRUE(op.contains("x-iwd-roles")) << key;
    EXPECT_EQ(op["x-iwd-roles"].get<std::set<std::string>>(), role_names(r.roles)) << key;
  }
  // The deployment's own routes (server/workspaces.h), for its `admin_tokens`.
  const auto dir = std::filesystem::temp_directory_path() / ("iwd_openapi_" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  {
    ServerConfig config;
    Authenticator nobody({});
    runtime::SimulatedClock clock{stdlib::Instant{0}};
    std::string error;
    auto registry = WorkspaceRegistry::open({dir.string(), &config, &nobody, nullptr, nullptr, true}, clock, &error);
    ASSERT_TRUE(registry) << error;
    for (const Route& r : registry->deployment().routes) {
      const std::string key = lower(r.method) + " " + r.path;
      EXPECT_TRUE(served.insert(key).second) << "route served twice: " << key;
      ASSERT_TRUE(documented.count(key)) << "route not in docs/openapi.json: " << key;
      EXPECT_EQ(spec["paths"][r.path][lower(r.method)]["x-iwd-roles"], nlohmann::json::array({"deployment"})) << key;
    }
  }
  std::filesystem::remove_all(dir);
  for (const std::string& key : documented) EXPECT_TRUE(served.count(key)) << "documented but not served: " << key;
}

}  // namespace
}  // namespace iwd::server
