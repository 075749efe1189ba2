// Roles and the supervisor's actions over real HTTP (docs/api.md, "Authentication"): GET /v1/me
// for each role; a viewer reads every supervisor's view; every action route refused (403,
// nothing journaled, nothing changed) for viewer and agent tokens; each action route's 4xx on
// illegal input, nothing changed.
#include <gtest/gtest.h>

#include <set>

#include "server/routes.h"
#include "tests/unit/server/http_fixture.h"

namespace iwd::server {
namespace {

using json = nlohmann::json;

const std::string kRules = std::string(IWD_SOURCE_DIR) + "/tests/cli/report/day.iwd";
constexpr std::int64_t kStart = 1795510800000;  // 2026-11-24T09:00:00Z

const std::string kSource = "source-token-crm-0123456", kAda = "agent-token-ada-01234567", kSupervisor = "supervisor-token-sue-0123",
                  kViewer = "viewer-token-vic-01234567", kAdmin = "admin-token-0123456789ab";

class SupervisorRoutes : public testing::HttpFixture {
 protected:
  SupervisorRoutes() : HttpFixture("supervisor_routes", kStart) {}
  void SetUp() override {
    HttpFixture::SetUp();
    serve(kRules, R"({"tokens": [
      {"token": ")" + kSource + R"(", "role": "source", "name": "crm"},
      {"token": ")" + kAda + R"(", "role": "agent", "agent": "ada"},
      {"token": ")" + kSupervisor + R"(", "role": "supervisor", "name": "sue"},
      {"token": ")" + kViewer + R"(", "role": "viewer", "name": "vic"},
      {"token": ")" + kAdmin + R"(", "role": "admin"}]})");
    // ada sells and takes S-1, parks it, and is offered S-2; bob is away; S-3 waits in the
    // queue; S-4 is held.
    must(kSupervisor, "PUT", "/v1/agents/ada", R"({"skills": {"sales": 5}, "state": "ready"})");
    must(kSupervisor, "PUT", "/v1/agents/bob", R"({"skills": {"sales": 3}, "state": "not_ready", "reason": "lunch"})");
    for (const char* id : {"S-1", "S-2", "S-3", "S-4"})
      must(kSource, "POST", "/v1/items", json{{"id", id}, {"kind", "Sale"}}.dump());
    must(kAda, "POST", "/v1/items/S-1/accept");
    must(kAda, "POST", "/v1/items/S-1/park");
    must(kSupervisor, "POST", "/v1/items/S-4/hold");
    for (auto [id, state] : {std::pair{"S-1", "parked"}, {"S-2", "offered"}, {"S-3", "queued"}, {"S-4", "held"}})
      ASSERT_EQ(call(kSupervisor, "GET", std::string("/v1/items/") + id).json()["state"], state) << id;
  }
  void must(const std::string& token, const std::string& method, const std::string& path, const std::string& body = {}) {
    const testing::HttpReply r = call(token, method, path, body);
    ASSERT_LT(r.status, 300) << method << " " << path << ": " << r.body;
  }
  // What a change would alter: the journal's lines, every open item and agent as the API shows them.
  std::string state() {
    return std::to_string(testing::table_rows(dir_, "journal")) + call(kAdmin, "GET", "/v1/queue?state=open&limit=1000").body +
           call(kAdmin, "GET", "/v1/agents?limit=1000").body;
  }
};

std::string error_code(const testing::HttpReply& r) {
  const json j = r.json();
  return j.is_object() && j.contains("error") ? j["error"].value("code", "") : "";
}

TEST_F(SupervisorRoutes, MeTellsEachRoleWhoItIsAndWhatItMayDo) {
  struct Want {
    std::string token, name, role, agent;
    bool read, act, admin;
  };
  for (const Want& w : {Want{kSource, "crm", "source", "", false, false, false}, Want{kAda, "agent", "agent", "ada", false, false, false},
                        Want{kSupervisor, "sue", "supervisor", "", true, true, false}, Want{kViewer, "vic", "viewer", "", true, false, false},
                        Want{kAdmin, "admin", "admin", "", true, true, true}}) {
    const testing::HttpReply r = call(w.token, "GET", "/v1/me");
    ASSERT_EQ(r.status, 200) << w.role << ": " << r.body;
    const json me = r.json();
    EXPECT_EQ(me["name"], w.name) << w.role;
    EXPECT_EQ(me["role"], w.role);
    EXPECT_EQ(me.contains("agent"), !w.agent.empty()) << w.role;
    if (!w.agent.empty()) {
      EXPECT_EQ(me["agent"], w.agent);
    }
    EXPECT_EQ(me["authenticated"], true);
    EXPECT_EQ(me["can_read"], w.read) << w.role;
    EXPECT_EQ(me["can_act"], w.act) << w.role;
    EXPECT_EQ(me["can_admin"], w.admin) << w.role;
    EXPECT_EQ(r.body.find(w.token), std::string::npos) << "the token is never echoed";
  }
  EXPECT_EQ(call("", "GET", "/v1/me").status, 401);
  EXPECT_EQ(call("not-a-known-token-000000", "GET", "/v1/me").status, 401);
}

// A viewer reads every view a supervisor reads: each GET route open to supervisors answers it.
TEST_F(SupervisorRoutes, ViewerReadsWhatASupervisorReads) {
  ServerContext none;
  int read = 0;
  for (const Route& r : all_routes(none)) {
    if (r.method != "GET" || r.roles == kPublic || !allows(r.roles, Role::Supervisor)) continue;
    std::string path = r.path;
    for (auto [param, value] : {std::pair{"{id}", "S-1"}, {"{kind}", "intraday-process"}})
      if (auto at = path.find(param); at != std::string::npos) path.replace(at, std::string(param).size(), value);
    if (r.path.rfind("/v1/agents/", 0) == 0) path.replace(path.find("S-1"), 3, "ada");
    if (r.path == "/v1/reports/{kind}") path += "?from=2026-11-24&to=2026-11-25";
    const testing::HttpReply viewer = call(kViewer, "GET", path), supervisor = call(kSupervisor, "GET", path);
    EXPECT_EQ(supervisor.status, 200) << path << ": " << supervisor.body;
    EXPECT_EQ(viewer.status, supervisor.status) << path << ": " << viewer.body;
    ++read;
  }
  EXPECT_GE(read, 12);
  // And nothing else: the offers stream is the agent's, the subscriptions the admin's.
  EXPECT_EQ(call(kViewer, "GET", "/v1/agents/ada/offers/stream").status, 403);
  EXPECT_EQ(call(kViewer, "GET", "/v1/admin/subscriptions").status, 403);
}

// A call to each route that changes something, aimed at what an agent token may not touch:
// items ada does not hold, agent bob.
struct ActionCall {
  std::string method, path, body;
  RoleSet roles;  // the route's
};
std::vector<ActionCall> every_action() {
  ServerContext none;
  std::vector<ActionCall> out;
  for (const Route& r : all_routes(none)) {
    if (r.method == "GET" || r.roles == kPublic) continue;
    std::string path = r.path;
    if (auto at = path.find("{id}"); at != std::string::npos)
      path.replace(at, 4, path.rfind("/v1/agents/", 0) == 0 ? "bob" : path.ends_with("/resume") ? "S-4" : "S-3");
    if (auto at = path.find("{name}"); at != std::string::npos) path.replace(at, 6, "crm");
    std::string body = "{}";
    if (path.ends_with("/assign")) body = R"({"agent": "ada"})";
    else if (path.ends_with("/transfer")) body = R"({"to": "ada"})";
    else if (path.ends_with("/priority")) body = R"({"set": 900})";
    else if (path.ends_with("/state")) body = R"({"state": "ready"})";
    else if (path == "/v1/agents/bob") body = R"({"state": "ready", "skills": {"sales": 9}})";
    else if (path == "/v1/actions/preview") body = R"({"filter": {}, "action": {"op": "cancel"}})";
    else if (path == "/v1/actions/apply") body = R"({"filter": {}, "action": {"op": "cancel"}, "count": 1})";
    else if (path == "/v1/items") body = R"({"id": "V-1", "kind": "Sale"})";
    out.push_back({r.method, path, body, r.roles});
  }
  return out;
}

TEST_F(SupervisorRoutes, ViewerIsRefusedEveryChange) {
  const std::string before = state();
  int refused = 0;
  for (const ActionCall& c : every_action()) {
    const testing::HttpReply r = call(kViewer, c.method, c.path, c.body);
    EXPECT_EQ(r.status, 403) << c.method << " " << c.path << ": " << r.body;
    EXPECT_EQ(error_code(r), "forbidden") << c.path;
    EXPECT_NE(r.body.find("reads only"), std::string::npos) << r.body;
    ++refused;
  }
  EXPECT_GE(refused, 20);
  EXPECT_EQ(state(), before) << "nothing changed";
}

// Every supervisor's action: by role for most; for what an agent may do to its own things
// (its state, transfer of what it holds), because bob and S-3 are not ada's.
TEST_F(SupervisorRoutes, AgentTokenIsRefusedEverySupervisorAction) {
  const std::string before = state();
  int refused = 0;
  for (const ActionCall& c : every_action()) {
    if (!allows(c.roles, Role::Supervisor)) continue;
    const testing::HttpReply r = call(kAda, c.method, c.path, c.body);
    EXPECT_EQ(r.status, 403) << c.method << " " << c.path << ": " << r.body;
    EXPECT_EQ(error_code(r), "forbidden") << c.path;
    ++refused;
  }
  EXPECT_GE(refused, 13);
  EXPECT_EQ(state(), before) << "nothing changed";
}

// Each action route's refusal of illegal input or an illegal state: its status and code, and
// nothing changed.
TEST_F(SupervisorRoutes, IllegalActionsAreRefusedWithNothingChanged) {
  struct Case {
    std::string method, path, body;
    int status;
    std::string code;
  };
  const std::string past = "2026-11-24T08:00:00Z";
  const std::vector<Case> cases{
      {"POST", "/v1/items/S-1/hold", "", 409, "illegal_transition"},  // parked
      {"POST", "/v1/items/NOPE/hold", "", 404, "not_found"},
      {"POST", "/v1/items/S-3/resume", "", 409, "illegal_transition"},  // queued, not held
      {"POST", "/v1/items/NOPE/cancel", "", 404, "not_found"},
      {"POST", "/v1/items/S-3/cancel", "[1]", 400, "not_an_object"},
      {"POST", "/v1/items/S-3/requeue", "", 409, "illegal_transition"},  // not offered
      {"POST", "/v1/items/S-3/assign", "{}", 422, "missing_agent"},
      {"POST", "/v1/items/S-3/assign", R"({"agent": 7})", 422, "bad_agent"},
      {"POST", "/v1/items/S-3/assign", R"({"agent": "nobody"})", 404, "not_found"},
      {"POST", "/v1/items/S-2/assign", R"({"agent": "ada"})", 409, "illegal_transition"},  // offered, not queued
      {"POST", "/v1/items/S-3/assign", R"({"agent": "bob"})", 409, "refused"},  // bob is not ready
      {"POST", "/v1/items/S-3/priority", R"({"item": "S-2", "set": 5})", 422, "unknown_field"},
      {"POST", "/v1/items/S-3/priority", R"({"set": "high"})", 422, "refused"},
      {"POST", "/v1/items/S-3/priority", R"({"set": 5, "until": ")" + past + R"("})", 422, "refused"},
      {"POST", "/v1/items/S-3/priority", R"({"clear": true})", 409, "refused"},  // no override to clear
      {"POST", "/v1/items/S-3/priority", "{", 400, "malformed_json"},
      {"POST", "/v1/items/S-3/return", "", 409, "illegal_transition"},  // not parked
      {"POST", "/v1/items/S-1/transfer", R"({"to": 7})", 422, "missing_to"},
      {"POST", "/v1/items/S-3/transfer", R"({"to": "ada"})", 409, "illegal_transition"},  // queued
      {"PUT", "/v1/agents/bob/state", "{}", 422, "missing_state"},
      {"PUT", "/v1/agents/bob/state", R"({"state": "ready", "mood": "good"})", 422, "unknown_field"},
      {"PUT", "/v1/agents/nobody/state", R"({"state": "not_ready", "reason": "x"})", 404, "not_found"},
      {"PUT", "/v1/agents/bob", R"({"id": "carl"})", 422, "id_mismatch"},
      {"POST", "/v1/agents/nobody/workbin/return", "", 404, "not_found"},
      {"POST", "/v1/actions/preview", "{}", 422, "bad_action"},
      {"POST", "/v1/actions/preview", R"({"filter": {"state": "gone"}, "action": {"op": "cancel"}})", 422, "bad_action"},
      {"POST", "/v1/actions/preview", R"({"filter": {}, "action": {"op": "done"}})", 422, "bad_action"},
      {"POST", "/v1/actions/preview", R"({"filter": {"process": "Nope"}, "action": {"op": "hold"}})", 422, "bad_action"},
      {"POST", "/v1/actions/preview", R"({"filter": {}, "action": {"op": "hold"}, "count": 1})", 422, "unknown_field"},
      {"POST", "/v1/actions/apply", R"({"filter": {}, "action": {"op": "hold"}})", 422, "missing_count"},
      {"POST", "/v1/actions/apply", R"({"filter": {}, "action": {"op": "hold"}, "count": 1, "limit": 0})", 422, "bad_limit"},
      {"POST", "/v1/actions/apply", R"({"filter": {}, "action": {"op": "hold"}, "count": 99})", 409, "count_changed"},
  };
  const std::string before = state();
  for (const Case& c : cases) {
    const testing::HttpReply r = call(kSupervisor, c.method, c.path, c.body);
    EXPECT_EQ(r.status, c.status) << c.method << " " << c.path << " " << c.body << ": " << r.body;
    EXPECT_EQ(error_code(r), c.code) << c.method << " " << c.path << " " << c.body << ": " << r.body;
    const json error = r.json()["error"];
    EXPECT_FALSE(error.value("message", "").empty()) << "a message for people: " << r.body;
  }
  EXPECT_EQ(state(), before) << "nothing changed";
}

// Without tokens (loopback only) every caller is an admin, and /v1/me says it is not signed in.
class OpenService : public testing::HttpFixture {
 protected:
  OpenService() : HttpFixture("open_service", kStart) {}
};

TEST_F(OpenService, MeWithoutAuthentication) {
  serve(kRules, "{}");
  const testing::HttpReply r = call("", "GET", "/v1/me");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.json(), json::parse(R"({"name": null, "role": "admin", "authenticated": false,
                                      "can_read": true, "can_act": true, "can_admin": true,
                                      "timezone": "Europe/Berlin",
                                      "time_attributes": ["captured_at", "due_at", "activate_at", "expire_at"]})"));
}

}  // namespace
}  // namespace iwd::server
