// The rules routes over real HTTP (the front end of `iwd serve` on loopback): POST
// /v1/admin/rules/check compiles an upload and answers what PUT would load, or its
// diagnostics, and changes nothing; GET /v1/admin/rules names the ruleset in force (name,
// version, key, loaded_at), which a PUT then changes. Bad input: an empty body, one over
// max_body_bytes, bytes that are not text, text that is not UTF-8.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <fstream>
#include <sstream>
#include <string>

#include "bench/loopback_server.h"

namespace iwd::server {
namespace {

using json = nlohmann::json;

struct Answer {
  int status = 0;
  json body;
};

// One request on its own connection (`Connection: close`: the answer ends at EOF). With
// `claimed_length` the header claims that many bytes and the body is not sent (413 comes first).
Answer request(int port, const std::string& method, const std::string& path, const std::string& body = "",
               std::size_t claimed_length = 0) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  EXPECT_GE(fd, 0);
  timeval timeout{20, 0};  // every test bounded in time
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<std::uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  EXPECT_EQ(::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  std::string out = method + " " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n";
  out += "Content-Type: text/plain\r\nContent-Length: " + std::to_string(claimed_length ? claimed_length : body.size()) +
         "\r\n\r\n";
  if (!claimed_length) out += body;
  for (std::size_t sent = 0; sent < out.size();) {
    const ssize_t n = ::send(fd, out.data() + sent, out.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) break;  // the server may answer and close before it has read everything
    sent += static_cast<std::size_t>(n);
  }
  std::string in;
  char buffer[4096];
  for (ssize_t n; (n = ::recv(fd, buffer, sizeof buffer, 0)) > 0;) in.append(buffer, static_cast<std::size_t>(n));
  ::close(fd);
  Answer a;
  if (in.size() > 12) a.status = std::stoi(in.substr(9, 3));
  const auto head_end = in.find("\r\n\r\n");
  if (head_end != std::string::npos) a.body = json::parse(in.substr(head_end + 4), nullptr, false);
  return a;
}

std::string enterprise() {
  std::ifstream in(std::string(IWD_SOURCE_DIR) + "/examples/enterprise.iwd");
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// The enterprise rules at another version.
std::string enterprise_version(const std::string& version) {
  std::string text = enterprise();
  const std::string in_force = "version \"2026.11\"";
  const auto at = text.find(in_force);
  EXPECT_NE(at, std::string::npos);
  return text.replace(at, in_force.size(), "version \"" + version + "\"");
}

class RulesRoutes : public ::testing::Test {
 protected:
  bench::LoopbackServer server{"iwd_rules_check_test"};
  json in_force() {
    const Answer a = request(server.port, "GET", "/v1/admin/rules");
    EXPECT_EQ(a.status, 200) << a.body.dump();
    return a.body;
  }
};

TEST_F(RulesRoutes, TheRulesInForceAreNamedWithVersionKeyAndLoadTime) {
  ASSERT_GT(server.port, 0);
  const json rules = in_force();
  EXPECT_EQ(rules["ruleset"], "enterprise 2026.11");
  EXPECT_EQ(rules["name"], "enterprise");
  EXPECT_EQ(rules["version"], "2026.11");
  EXPECT_EQ(rules["key"].get<std::string>().rfind("fnv1a64:", 0), 0u) << rules["key"];
  EXPECT_EQ(rules["timezone"], "Europe/Berlin");
  // The attributes typed `time` (the core ones: enterprise.iwd declares none of its own): the
  // console shows these as instants, every other value as written.
  EXPECT_EQ(rules["time_attributes"], json::parse(R"(["captured_at", "due_at", "activate_at", "expire_at"])"));
  EXPECT_TRUE(stdlib::parse_instant(rules["loaded_at"].get<std::string>()).ok()) << rules["loaded_at"];
}

TEST_F(RulesRoutes, ACheckNamesWhatWouldLoadAndChangesNothing) {
  ASSERT_GT(server.port, 0);
  const json before = in_force();
  const Answer a = request(server.port, "POST", "/v1/admin/rules/check", enterprise_version("2027.1"));
  ASSERT_EQ(a.status, 200) << a.body.dump();
  EXPECT_EQ(a.body["ruleset"], "enterprise 2027.1");
  EXPECT_EQ(a.body["name"], "enterprise");
  EXPECT_EQ(a.body["version"], "2027.1");
  EXPECT_EQ(a.body["timezone"], "Europe/Berlin");
  EXPECT_NE(a.body["key"], before["key"]);
  EXPECT_EQ(a.body["in_force"], false);
  EXPECT_TRUE(a.body["diagnostics"].is_array());
  EXPECT_EQ(in_force(), before);  // checked, not loaded

  // The key covers the source files the bundle keeps, names included: the service runs
  // examples/enterprise.iwd from the disk, the same text uploaded is upload.iwd, another key.
  // Once uploaded, the same upload again is the rules in force.
  const Answer renamed = request(server.port, "POST", "/v1/admin/rules/check", enterprise());
  ASSERT_EQ(renamed.status, 200) << renamed.body.dump();
  EXPECT_EQ(renamed.body["in_force"], false);
  ASSERT_EQ(request(server.port, "PUT", "/v1/admin/rules", enterprise()).status, 200);
  const Answer same = request(server.port, "POST", "/v1/admin/rules/check", enterprise());
  ASSERT_EQ(same.status, 200) << same.body.dump();
  EXPECT_EQ(same.body["key"], in_force()["key"]);
  EXPECT_EQ(same.body["in_force"], true);
}

TEST_F(RulesRoutes, ACheckAnswersWarningsOfRulesThatCompile) {
  ASSERT_GT(server.port, 0);
  const Answer a = request(server.port, "POST", "/v1/admin/rules/check",
                           "calendar office {\n  mon..fri 08:00-18:00\n  wed 12:00-20:00\n}\ndefault process Other { sla 5bd in office }\n");
  ASSERT_EQ(a.status, 200) << a.body.dump();
  json w;
  for (const json& d : a.body["diagnostics"])
    if (d["code"] == "W0502") w = d;
  ASSERT_FALSE(w.is_null()) << a.body.dump();
  EXPECT_EQ(w["severity"], "warning");
  EXPECT_EQ(w["line"], 3);
  EXPECT_EQ(w["column"], 7);
}

TEST_F(RulesRoutes, ACheckOfRulesWithErrorsAnswersThemAtTheirLines) {
  ASSERT_GT(server.port, 0);
  const json before = in_force();
  const Answer a = request(server.port, "POST", "/v1/admin/rules/check",
                           "ruleset broken version \"1\"\ndefault process P { sla 1h }\nbogus\n");
  ASSERT_EQ(a.status, 422) << a.body.dump();
  EXPECT_EQ(a.body["error"]["code"], "rule_errors");
  const json& d = a.body["error"]["diagnostics"];
  ASSERT_FALSE(d.empty());
  EXPECT_EQ(d[0]["severity"], "error");
  EXPECT_EQ(d[0]["file"], "upload.iwd");
  EXPECT_EQ(d[0]["line"], 3);
  EXPECT_EQ(d[0]["column"], 1);
  EXPECT_EQ(in_force(), before);
}

TEST_F(RulesRoutes, ACheckRefusesBadInputAndChangesNothing) {
  ASSERT_GT(server.port, 0);
  const json before = in_force();
  Answer a = request(server.port, "POST", "/v1/admin/rules/check", "");
  EXPECT_EQ(a.status, 400);
  EXPECT_EQ(a.body["error"]["code"], "empty_body");

  a = request(server.port, "POST", "/v1/admin/rules/check", "", server.config.max_body_bytes + 1);
  EXPECT_EQ(a.status, 413);
  EXPECT_EQ(a.body["error"]["code"], "too_large");

  // Bytes that are no ruleset (a NUL, bytes over 0x7f): not UTF-8, located where they start.
  std::string binary = "\x7f" "ELF";
  binary += std::string("\x02\x01\x01\x00\x00\x00\xff\xfe\x80\x81", 10);
  a = request(server.port, "POST", "/v1/admin/rules/check", binary);
  EXPECT_EQ(a.status, 422) << a.body.dump();
  EXPECT_EQ(a.body["error"]["code"], "rule_errors");

  a = request(server.port, "POST", "/v1/admin/rules/check", "ruleset x version \"1\"\ndefault process \xff\xfe\n");
  ASSERT_EQ(a.status, 422) << a.body.dump();
  ASSERT_FALSE(a.body["error"]["diagnostics"].empty());
  EXPECT_EQ(a.body["error"]["diagnostics"][0]["code"], "E0113");
  EXPECT_EQ(a.body["error"]["diagnostics"][0]["line"], 2);
  EXPECT_EQ(a.body["error"]["diagnostics"][0]["column"], 17);

  // JSON that is not the upload's file set.
  a = request(server.port, "POST", "/v1/admin/rules/check", "{\"files\": ");
  EXPECT_EQ(a.status, 400);
  EXPECT_EQ(a.body["error"]["code"], "bad_upload");
  EXPECT_EQ(in_force(), before);
}

TEST_F(RulesRoutes, AnUploadPutsTheNewVersionInForce) {
  ASSERT_GT(server.port, 0);
  const json before = in_force();
  const Answer checked = request(server.port, "POST", "/v1/admin/rules/check", enterprise_version("2027.2"));
  ASSERT_EQ(checked.status, 200) << checked.body.dump();
  const Answer put = request(server.port, "PUT", "/v1/admin/rules", enterprise_version("2027.2"));
  ASSERT_EQ(put.status, 200) << put.body.dump();
  const json after = in_force();
  EXPECT_EQ(after["version"], "2027.2");
  EXPECT_EQ(after["key"], checked.body["key"]);  // what the check named is what loaded
  EXPECT_GE(after["loaded_at"].get<std::string>(), before["loaded_at"].get<std::string>());
}

}  // namespace
}  // namespace iwd::server
