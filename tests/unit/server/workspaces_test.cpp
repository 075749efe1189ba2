// Workspaces over real HTTP (docs/deployment.md, "Workspaces"): `/v1/workspaces/{ws}/...` is
// workspace ws's API; a token opens its own workspace only (path tricks, encoded slashes,
// case, unknown names: a 4xx naming the problem); metrics and /healthz per workspace; the
// admin routes create, list and delete workspaces with a deployment token, durably (a restart
// finds the created ones, not the deleted ones, and removes what a create cut short).
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "server/workspaces.h"
#include "tests/unit/server/http_fixture.h"

namespace iwd::server {
namespace {

using json = nlohmann::json;
namespace fs = std::filesystem;

const std::string kRules = std::string(IWD_SOURCE_DIR) + "/tests/cli/report/day.iwd";
constexpr std::int64_t kStart = 1795510800000;  // 2026-11-24T09:00:00Z

const std::string kDefaultAdmin = "default-admin-token-0001", kDeploy = "deployment-admin-token-01",
                  kA = "workspace-a-admin-token-1", kASource = "workspace-a-source-tok-1", kB = "workspace-b-admin-token-1",
                  kC = "workspace-c-admin-token-1";

std::string code(const testing::HttpReply& r) {
  const json j = r.json();
  return j.is_object() && j.contains("error") ? j["error"].value("code", "") : "";
}

std::string rules_text() {
  std::ifstream in(kRules);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

class Workspaces : public testing::EngineFixture {
 protected:
  Workspaces() : EngineFixture("workspaces", kStart) {}
  void TearDown() override {
    stop();
    EngineFixture::TearDown();
  }
  // The default workspace on the data folder and the configuration's workspaces a and b.
  void serve() {
    std::string error;
    auto config = parse_config(R"({"tokens": [{"token": ")" + kDefaultAdmin + R"(", "role": "admin"}],
      "admin_tokens": [{"token": ")" + kDeploy + R"(", "name": "ops"}],
      "workspaces": {
        "a": {"rules": ")" + kRules + R"(", "tokens": [{"token": ")" + kA + R"(", "role": "admin"},
                                                    {"token": ")" + kASource + R"(", "role": "source", "name": "crm"}]},
        "b": {"rules": ")" + kRules + R"(", "tokens": [{"token": ")" + kB + R"(", "role": "admin"}]}}})",
                               "test", &error);
    ASSERT_TRUE(config) << error;
    config_ = *config;
    config_.data = dir_.string();
    auth_ = std::make_unique<Authenticator>(config_.tokens);
    if (!engine_) start_on(kRules);
    registry_ = WorkspaceRegistry::open({dir_.string(), &config_, auth_.get(), &metrics_, engine_.get(), false}, clock_, &error);
    ASSERT_TRUE(registry_) << error;
    http_ = std::make_unique<HttpFrontEnd>(ServerContext{engine_.get(), &metrics_, &hub_, &config_, &pool_}, *auth_);
    http_->serve_workspaces(registry_.get());
    port_ = http_->bind("127.0.0.1", 0, &error);
    ASSERT_GT(port_, 0) << error;
  }
  void stop() {
    if (http_) http_->stop();
    http_.reset();
    registry_.reset();
  }
  testing::HttpReply call(const std::string& token, const std::string& method, const std::string& path, const std::string& body = {}) {
    return testing::http_call(port_, method, path, token, body);
  }
  json create_body(const std::string& token) {
    return json{{"rules", rules_text()}, {"tokens", json::array({{{"token", token}, {"role", "admin"}}})}};
  }

  ServerConfig config_;
  std::unique_ptr<Authenticator> auth_;
  std::unique_ptr<WorkspaceRegistry> registry_;
  std::unique_ptr<HttpFrontEnd> http_;
  int port_ = 0;
};

TEST_F(Workspaces, EachWorkspaceHasItsOwnItemsAgentsAndHealth) {
  serve();
  ASSERT_EQ(call(kASource, "POST", "/v1/workspaces/a/items", R"({"id": "S-1", "kind": "Sale"})").status, 201);
  ASSERT_EQ(call(kB, "POST", "/v1/workspaces/b/items", R"({"id": "S-1", "kind": "Claim"})").status, 201);
  ASSERT_EQ(call(kA, "PUT", "/v1/workspaces/a/agents/ada", R"({"skills": {"sales": 5}, "state": "ready"})").status, 200);
  // The same id is another item in each workspace, and none in the default.
  EXPECT_EQ(call(kA, "GET", "/v1/workspaces/a/items/S-1").json()["attributes"]["kind"], "Sale");
  EXPECT_EQ(call(kB, "GET", "/v1/workspaces/b/items/S-1").json()["attributes"]["kind"], "Claim");
  EXPECT_EQ(call(kDefaultAdmin, "GET", "/v1/items/S-1").status, 404);
  EXPECT_EQ(call(kDefaultAdmin, "GET", "/v1/workspaces/default/items/S-1").status, 404);
  EXPECT_EQ(call(kA, "GET", "/v1/workspaces/a/agents/ada").status, 200);
  EXPECT_EQ(call(kB, "GET", "/v1/workspaces/b/agents/ada").status, 404);
  // Health and metrics per workspace, labelled by it.
  const json health = call("", "GET", "/v1/workspaces/b/healthz").json();
  EXPECT_EQ(health["workspace"], "b");
  EXPECT_EQ(health["open_items"], 1);
  EXPECT_EQ(call("", "GET", "/healthz").json()["open_items"], 0);
  const std::string page = call(kA, "GET", "/v1/workspaces/a/metrics").body;
  EXPECT_NE(page.find("iwd_captures_total{workspace=\"a\"} 1\n"), std::string::npos) << page;
  EXPECT_NE(page.find("iwd_http_responses_total{workspace=\"a\",class=\"2xx\"}"), std::string::npos) << page;
  EXPECT_NE(call(kDefaultAdmin, "GET", "/metrics").body.find("iwd_captures_total 0\n"), std::string::npos);
}

TEST_F(Workspaces, ATokenOpensItsOwnWorkspaceOnly) {
  serve();
  ASSERT_EQ(call(kB, "POST", "/v1/workspaces/b/items", R"({"id": "S-9", "kind": "Sale"})").status, 201);
  for (const std::string& token : {kA, kASource, kDefaultAdmin, kDeploy}) {
    const auto r = call(token, "GET", "/v1/workspaces/b/items/S-9");
    EXPECT_EQ(r.status, 403) << token << ": " << r.body;
    EXPECT_EQ(code(r), "other_workspace") << r.body;
    EXPECT_EQ(call(token, "POST", "/v1/workspaces/b/items/S-9/cancel", "{}").status, 403) << token;
  }
  EXPECT_EQ(call(kB, "GET", "/v1/items/S-9").status, 403);  // the default's routes
  EXPECT_EQ(call("", "GET", "/v1/workspaces/b/items/S-9").status, 401);
  EXPECT_EQ(call("not-a-token-of-anyone-000", "GET", "/v1/workspaces/b/items/S-9").status, 401);
  EXPECT_EQ(call(kB, "GET", "/v1/workspaces/b/items/S-9").json()["state"], "queued");  // still there
}

TEST_F(Workspaces, PathTricksAndUnknownNamesAreRefusedNamingTheProblem) {
  serve();
  ASSERT_EQ(call(kB, "POST", "/v1/workspaces/b/items", R"({"id": "S-9", "kind": "Sale"})").status, 201);
  struct Case {
    std::string path;
    int status;
    std::string code, names;
  };
  for (const Case& c : std::vector<Case>{
           {"/v1/workspaces/a/../b/items/S-9", 404, "no_route", ""},
           {"/v1/workspaces/a/%2e%2e/b/items/S-9", 404, "no_route", ""},
           {"/v1/workspaces/a%2Fb/items/S-9", 400, "bad_workspace", "a/b"},
           {"/v1/workspaces/a%2F..%2Fb/items/S-9", 400, "bad_workspace", ""},
           {"/v1/workspaces/B/items/S-9", 400, "bad_workspace", "`B`"},
           {"/v1/workspaces/-b/items/S-9", 400, "bad_workspace", ""},
           {"/v1/workspaces/%62/items/S-9", 403, "other_workspace", ""},  // `b`, decoded: still b's own
           {"/v1/workspaces/zz/items/S-9", 404, "no_workspace", "`zz`"},
           {"/v1/workspaces/" + std::string(64, 'x') + "/items/S-9", 400, "bad_workspace", ""},
           {"/v1/workspaces/a/workspaces/b/items/S-9", 404, "no_route", ""},
           {"/v1/workspaces/a/v1/items/S-9", 404, "no_route", ""},
           {"/v1/workspaces/a", 404, "no_route", ""},
           {"/v1/workspaces/a/", 404, "no_route", ""},
           {"/v1/workspaces//items/S-9", 400, "bad_workspace", ""},
       }) {
    const auto r = call(kA, "GET", c.path);
    EXPECT_EQ(r.status, c.status) << c.path << ": " << r.body;
    EXPECT_EQ(code(r), c.code) << c.path << ": " << r.body;
    if (!c.names.empty()) {
      EXPECT_NE(r.json()["error"]["message"].get<std::string>().find(c.names), std::string::npos) << r.body;
    }
  }
  // b's own token through the decoded name reaches b.
  EXPECT_EQ(call(kB, "GET", "/v1/workspaces/%62/items/S-9").status, 200);
}

TEST_F(Workspaces, AdminRoutesCreateListAndDeleteWithTheDeploymentToken) {
  serve();
  const std::string body = create_body(kC).dump();
  for (const std::string& token : {kDefaultAdmin, kA})
    EXPECT_EQ(code(call(token, "PUT", "/v1/admin/workspaces/c", body)), "other_workspace") << token;
  EXPECT_EQ(call("", "PUT", "/v1/admin/workspaces/c", body).status, 401);
  EXPECT_EQ(code(call(kDeploy, "PUT", "/v1/admin/workspaces/Nope", body)), "bad_workspace");
  EXPECT_EQ(code(call(kDeploy, "PUT", "/v1/admin/workspaces/a", body)), "workspace_exists");
  EXPECT_EQ(code(call(kDeploy, "PUT", "/v1/admin/workspaces/default", body)), "workspace_exists");
  EXPECT_EQ(code(call(kDeploy, "PUT", "/v1/admin/workspaces/c", create_body(kA).dump())), "token_in_use");
  EXPECT_EQ(code(call(kDeploy, "PUT", "/v1/admin/workspaces/c", R"({"tokens": []})")), "no_rules");
  EXPECT_EQ(code(call(kDeploy, "PUT", "/v1/admin/workspaces/c", json{{"rules", rules_text()}}.dump())), "no_tokens");
  EXPECT_EQ(code(call(kDeploy, "PUT", "/v1/admin/workspaces/c",
                      json{{"rules", rules_text()}, {"listen", "0.0.0.0:1"}, {"tokens", create_body(kC)["tokens"]}}.dump())),
            "bad_settings");
  const auto broken = call(kDeploy, "PUT", "/v1/admin/workspaces/c", json{{"rules", "ruleset x version \"1\"\nnonsense"},
                                                                         {"tokens", create_body(kC)["tokens"]}}.dump());
  EXPECT_EQ(code(broken), "rule_errors") << broken.body;
  EXPECT_FALSE(fs::exists(dir_ / "workspaces" / "c"));

  const auto created = call(kDeploy, "PUT", "/v1/admin/workspaces/c", body);
  ASSERT_EQ(created.status, 201) << created.body;
  EXPECT_EQ(created.json()["base"], "/v1/workspaces/c");
  EXPECT_EQ(code(call(kDeploy, "PUT", "/v1/admin/workspaces/c", body)), "workspace_exists");
  EXPECT_EQ(call(kC, "POST", "/v1/workspaces/c/items", R"({"id": "C-1", "kind": "Sale"})").status, 201);
  std::vector<std::string> names;
  const auto listed = call(kDeploy, "GET", "/v1/admin/workspaces");
  const json list = listed.json();
  for (const json& w : list["workspaces"]) names.push_back(w["name"]);
  EXPECT_EQ(names, (std::vector<std::string>{"default", "a", "b", "c"})) << listed.status << " " << listed.body;
  EXPECT_EQ(call(kDeploy, "GET", "/v1/admin/workspaces/c").json()["origin"], "api");

  EXPECT_EQ(code(call(kDeploy, "DELETE", "/v1/admin/workspaces/a")), "declared");
  EXPECT_EQ(code(call(kDeploy, "DELETE", "/v1/admin/workspaces/default")), "default");
  EXPECT_EQ(code(call(kDeploy, "DELETE", "/v1/admin/workspaces/zz")), "no_workspace");
  ASSERT_EQ(call(kDeploy, "DELETE", "/v1/admin/workspaces/c").status, 200);
  EXPECT_EQ(code(call(kC, "GET", "/v1/workspaces/c/items/C-1")), "no_workspace");
  EXPECT_FALSE(fs::exists(dir_ / "workspaces" / "c"));
  // Its files go once its engine stopped (the reaper, off the front end's thread).
  for (int k = 0; k < 100 && std::distance(fs::directory_iterator(dir_ / "workspaces"), {}) > 2; ++k)
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  EXPECT_EQ(std::distance(fs::directory_iterator(dir_ / "workspaces"), {}), 2);  // a and b
  // The name is free again: a new workspace, empty.
  ASSERT_EQ(call(kDeploy, "PUT", "/v1/admin/workspaces/c", body).status, 201);
  EXPECT_EQ(call(kC, "GET", "/v1/workspaces/c/items/C-1").status, 404);
}

TEST_F(Workspaces, CreatedWorkspacesSurviveARestartDeletedOnesAndCutShortOnesDoNot) {
  serve();
  ASSERT_EQ(call(kDeploy, "PUT", "/v1/admin/workspaces/c", create_body(kC).dump()).status, 201);
  ASSERT_EQ(call(kDeploy, "PUT", "/v1/admin/workspaces/d", create_body("workspace-d-admin-token-1").dump()).status, 201);
  ASSERT_EQ(call(kC, "POST", "/v1/workspaces/c/items", R"({"id": "C-1", "kind": "Sale"})").status, 201);
  ASSERT_EQ(call(kDeploy, "DELETE", "/v1/admin/workspaces/d").status, 200);
  stop();
  // A create cut short before its settings were stored, and a delete cut short.
  fs::create_directories(dir_ / "workspaces" / "e");
  std::ofstream(dir_ / "workspaces" / "e" / "journal.db") << "half";
  fs::create_directories(dir_ / "workspaces" / ".deleted-f-1-1");
  serve();
  EXPECT_EQ(call(kC, "GET", "/v1/workspaces/c/items/C-1").json()["state"], "queued");
  EXPECT_EQ(code(call("", "GET", "/v1/workspaces/d/healthz")), "no_workspace");
  EXPECT_EQ(code(call("", "GET", "/v1/workspaces/e/healthz")), "no_workspace");
  EXPECT_FALSE(fs::exists(dir_ / "workspaces" / "e"));
  EXPECT_FALSE(fs::exists(dir_ / "workspaces" / ".deleted-f-1-1"));
  EXPECT_EQ(registry_->size(), 3u);  // a, b, c
}

TEST_F(Workspaces, AWorkspaceNoLongerDeclaredKeepsItsItemsAndStopsTheStartNamingIt) {
  serve();
  ASSERT_EQ(call(kA, "POST", "/v1/workspaces/a/items", R"({"id": "A-1", "kind": "Sale"})").status, 201);
  stop();
  // The configuration without `a` (edited, or its name mistyped): its folder is no create cut
  // short, so it is neither removed nor served; the start says so.
  ServerConfig without = config_;
  std::erase_if(without.workspaces, [](const WorkspaceDecl& w) { return w.name == "a"; });
  std::string error;
  auto registry = WorkspaceRegistry::open({dir_.string(), &without, auth_.get(), &metrics_, engine_.get(), false}, clock_, &error);
  EXPECT_FALSE(registry);
  EXPECT_NE(error.find("workspace `a`"), std::string::npos) << error;
  EXPECT_NE(error.find("declared in the configuration before"), std::string::npos) << error;
  EXPECT_TRUE(fs::exists(dir_ / "workspaces" / "a" / "journal.db"));
  // Declared again: its item is there.
  serve();
  EXPECT_EQ(call(kA, "GET", "/v1/workspaces/a/items/A-1").json()["state"], "queued");
}

TEST_F(Workspaces, AWorkspaceThatCannotStartRefusesTheStartNamingIt) {
  // Six workspaces started on several threads at once, the fifth without usable rules.
  std::string error, decls;
  for (int k = 0; k < 6; ++k)
    decls += (k ? ", " : "") + fmt::format(R"("w{}": {{"rules": "{}", "tokens": [{{"token": "workspace-w{}-token-00001", "role": "admin"}}]}})",
                                           k, k == 4 ? "/nonexistent/rules.iwd" : kRules, k);
  auto config = parse_config(R"({"workspaces": {)" + decls + "}}", "test", &error);
  ASSERT_TRUE(config) << error;
  config->data = dir_.string();
  Authenticator nobody({});
  auto registry = WorkspaceRegistry::open({dir_.string(), &*config, &nobody, &metrics_, nullptr, true}, clock_, &error);
  EXPECT_FALSE(registry);
  EXPECT_NE(error.find("workspace `w4`"), std::string::npos) << error;
  EXPECT_NE(error.find("/nonexistent/rules.iwd"), std::string::npos) << error;
  config->workspaces.erase(config->workspaces.begin() + 4);
  registry = WorkspaceRegistry::open({dir_.string(), &*config, &nobody, &metrics_, nullptr, true}, clock_, &error);
  ASSERT_TRUE(registry) << error;
  EXPECT_EQ(registry->size(), 5u);
}

TEST_F(Workspaces, OfferStreamsArePerWorkspace) {
  serve();
  ASSERT_EQ(call(kA, "PUT", "/v1/workspaces/a/agents/ada", R"({"skills": {"sales": 5}, "state": "ready"})").status, 200);
  ASSERT_EQ(call(kB, "PUT", "/v1/workspaces/b/agents/ada", R"({"skills": {"sales": 5}, "state": "ready"})").status, 200);
  // b's stream: read until its first offer (of b's item), with a's item created first.
  std::string seen;
  std::thread reader([this, &seen] {
    const int fd = socket(AF_INET, SOCK_STREAM, 0);
    timeval limit{5, 0};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &limit, sizeof limit);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(static_cast<std::uint16_t>(port_));
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) return;
    const std::string request = "GET /v1/workspaces/b/agents/ada/offers/stream HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + kB + "\r\n\r\n";
    ::send(fd, request.data(), request.size(), MSG_NOSIGNAL);
    char buffer[4096];
    for (ssize_t n; seen.find("B-1") == std::string::npos && (n = ::recv(fd, buffer, sizeof buffer, 0)) > 0;)
      seen.append(buffer, static_cast<std::size_t>(n));
    ::close(fd);
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  ASSERT_EQ(call(kASource, "POST", "/v1/workspaces/a/items", R"({"id": "A-1", "kind": "Sale"})").status, 201);
  ASSERT_EQ(call(kB, "POST", "/v1/workspaces/b/items", R"({"id": "B-1", "kind": "Sale"})").status, 201);
  reader.join();
  EXPECT_NE(seen.find("B-1"), std::string::npos) << seen;
  EXPECT_EQ(seen.find("A-1"), std::string::npos) << seen;
}

TEST(WorkspaceMetrics, EverySeriesLabelledEveryCommentKept) {
  EXPECT_EQ(label_workspace("# HELP x y\nx 1\nx_total{class=\"2xx\"} 3\nh_bucket{le=\"+Inf\"} 2\ne{} 4\n", "w-1"),
            "# HELP x y\nx{workspace=\"w-1\"} 1\nx_total{workspace=\"w-1\",class=\"2xx\"} 3\n"
            "h_bucket{workspace=\"w-1\",le=\"+Inf\"} 2\ne{workspace=\"w-1\"} 4\n");
}

TEST(WorkspaceConfig, NamesFieldsAndTokensAreChecked) {
  std::string error;
  auto refused = [&error](const std::string& text) {
    error.clear();
    return !parse_config(text, "cfg.json", &error);
  };
  const std::string token = R"([{"token": "a-token-of-sixteen-chars", "role": "admin"}])";
  EXPECT_TRUE(refused(R"({"workspaces": {"Sales": {"tokens": )" + token + "}}}"));
  EXPECT_NE(error.find("`Sales` is not a workspace name"), std::string::npos) << error;
  EXPECT_TRUE(refused(R"({"workspaces": {"default": {}}})"));
  EXPECT_NE(error.find("`workspaces.default`"), std::string::npos) << error;
  EXPECT_TRUE(refused(R"({"workspaces": {"s": {"listen": "0.0.0.0:80"}}})"));
  EXPECT_NE(error.find("`listen` is not a workspace's own"), std::string::npos) << error;
  EXPECT_TRUE(refused(R"({"workspaces": {"s": {"tokens": [{"token": "short", "role": "admin"}]}}})"));
  EXPECT_NE(error.find("`workspaces.s`: tokens[0].token is at least 16"), std::string::npos) << error;
  EXPECT_TRUE(refused(R"({"tokens": )" + token + R"(, "workspaces": {"s": {"tokens": )" + token + "}}}"));
  EXPECT_NE(error.find("a token is given to two workspaces"), std::string::npos) << error;
  EXPECT_TRUE(refused(R"({"admin_tokens": [{"token": "a-token-of-sixteen-chars", "role": "viewer"}]})"));
  EXPECT_NE(error.find("no `role`"), std::string::npos) << error;
  EXPECT_TRUE(refused(R"({"admin_tokens": [{"token": "short"}]})"));
  EXPECT_NE(error.find("admin_tokens[0].token is at least 16"), std::string::npos) << error;
  auto ok = parse_config(R"({"admin_tokens": [{"token": "deploy-token-sixteen-c", "name": "ops"}],
                            "workspaces": {"s-1": {"rules": "r.iwd", "tokens": )" + token + R"(, "history": false}}})",
                         "cfg.json", &error);
  ASSERT_TRUE(ok) << error;
  ASSERT_EQ(ok->workspaces.size(), 1u);
  EXPECT_EQ(ok->workspaces[0].rules, "r.iwd");
  EXPECT_FALSE(ok->workspaces[0].config.history);
  EXPECT_EQ(ok->admin_tokens.at(0).role, Role::Admin);
  EXPECT_EQ(workspace_name_problem(std::string(63, 'a')), "");
  EXPECT_NE(workspace_name_problem(std::string(64, 'a')), "");
}

}  // namespace
}  // namespace iwd::server
