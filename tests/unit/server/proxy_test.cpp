// Routing by proxy (docs/deployment.md, "Routing: a proxy, not a 307"), over real HTTP on
// loopback: front end P serves no workspace of its own and a directory tells it who owns what;
// front end O owns workspace `a` (a real WorkspaceRegistry); fake owners (raw sockets in the
// test) show what the proxy sends and take what it does with odd answers. Every wait is bounded.
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <poll.h>

#include <atomic>
#include <condition_variable>
#include <map>
#include <mutex>
#include <thread>

#include "server/workspaces.h"
#include "tests/unit/server/http_fixture.h"

namespace iwd::server {
namespace {

using json = nlohmann::json;
using Kind = WorkspaceDirectory::Place::Kind;

const std::string kRules = std::string(IWD_SOURCE_DIR) + "/tests/cli/report/day.iwd";
constexpr std::int64_t kStart = 1795510800000;  // 2026-11-24T09:00:00Z
const std::string kAdmin = "default-admin-token-0001", kA = "workspace-a-admin-token-1", kASource = "workspace-a-source-tok-1";

using testing::connect_loopback;
using testing::http_request;
using testing::send_all;

struct Answer {
  int status = 0;
  std::string head, body;  // body: de-chunked
  std::string header(const std::string& name) const {
    const std::string key = "\r\n" + name + ": ";
    const std::size_t at = head.find(key);
    return at == std::string::npos ? "" : head.substr(at + key.size(), head.find("\r\n", at + key.size()) - at - key.size());
  }
  bool has(const std::string& name) const { return head.find("\r\n" + name + ":") != std::string::npos; }
  std::string code() const {
    const json j = json::parse(body, nullptr, false);
    return j.is_object() && j.contains("error") ? j["error"].value("code", "") : "";
  }
};

std::string dechunk(const std::string& s) {
  std::string out;
  for (std::size_t at = 0; at < s.size();) {
    const std::size_t eol = s.find("\r\n", at);
    if (eol == std::string::npos) break;
    const std::size_t n = std::stoul(s.substr(at, eol - at), nullptr, 16);
    if (n == 0) break;
    out += s.substr(eol + 2, n);
    at = eol + 2 + n + 2;
  }
  return out;
}

// `request` on a connection of its own (http_fixture.h), its reply parsed. `delay`: before reading.
Answer roundtrip(int port, const std::string& request, std::chrono::milliseconds delay = {}) {
  Answer out;
  const std::string reply = testing::http_roundtrip(port, request, delay);
  const auto end = reply.find("\r\n\r\n");
  if (reply.rfind("HTTP/1.1 ", 0) != 0 || end == std::string::npos) return out;
  out.status = std::stoi(reply.substr(9, 3));
  out.head = reply.substr(0, end + 2);
  out.body = reply.substr(end + 4);
  if (out.header("Transfer-Encoding") == "chunked") out.body = dechunk(out.body);
  return out;
}

// A node's directory in the test: where each named workspace is, the rest as `inner` says.
class Placed final : public WorkspaceDirectory {
 public:
  Placed(WorkspaceDirectory* inner, const RouteTable& none) : inner_(inner), none_(none) {}
  std::shared_ptr<const RouteTable> find(const std::string& name) const override { return inner_ ? inner_->find(name) : nullptr; }
  const RouteTable& deployment() const override { return inner_ ? inner_->deployment() : none_; }
  bool token_elsewhere(std::string_view a, const RouteTable& except) const override {
    return inner_ && inner_->token_elsewhere(a, except);
  }
  void close_streams() override {
    if (inner_) inner_->close_streams();
  }
  Place place(const std::string& name) const override {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = places_.find(name);
    if (it != places_.end()) return it->second;
    return inner_ ? inner_->place(name) : WorkspaceDirectory::place(name);
  }
  void set(const std::string& name, Kind kind, std::string owner = {}) {
    std::lock_guard<std::mutex> lock(mu_);
    places_[name] = Place{kind, std::move(owner)};
  }

 private:
  WorkspaceDirectory* inner_;
  const RouteTable& none_;
  mutable std::mutex mu_;
  std::map<std::string, Place> places_;
};

// An owner played by the test: it reads each request (head and Content-Length body), records
// it, and lets `answer` write to the socket; connections are closed after.
class FakeOwner {
 public:
  using Answerer = std::function<void(int fd, const std::string& head, const std::string& body)>;
  explicit FakeOwner(Answerer answer) : answer_(std::move(answer)) {
    listener_ = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t length = sizeof a;
    if (bind(listener_, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 || listen(listener_, 64) != 0 ||
        getsockname(listener_, reinterpret_cast<sockaddr*>(&a), &length) != 0)
      ADD_FAILURE() << "the fake owner cannot listen";
    port_ = ntohs(a.sin_port);
    accepter_ = std::thread([this] { accept_all(); });
  }
  ~FakeOwner() {
    stop_ = true;
    accepter_.join();
    for (auto& t : connections_) t.join();
    ::close(listener_);
  }
  std::string address() const { return fmt::format("127.0.0.1:{}", port_); }
  std::vector<std::pair<std::string, std::string>> requests() {
    std::lock_guard<std::mutex> lock(mu_);
    return requests_;
  }
  // Waits (bounded) until `n` requests came.
  bool wait_for(std::size_t n) {
    std::unique_lock<std::mutex> lock(mu_);
    return came_.wait_for(lock, std::chrono::seconds(10), [&] { return requests_.size() >= n; });
  }

 private:
  void accept_all() {
    while (!stop_) {
      pollfd p{listener_, POLLIN, 0};
      if (poll(&p, 1, 50) <= 0) continue;
      const int fd = accept(listener_, nullptr, nullptr);
      if (fd >= 0) connections_.emplace_back([this, fd] { serve(fd); });
    }
  }
  void serve(int fd) {
    timeval limit{10, 0};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &limit, sizeof limit);
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &limit, sizeof limit);
    std::string in;
    char buffer[65536];
    std::size_t end = std::string::npos;
    for (ssize_t n; (end = in.find("\r\n\r\n")) == std::string::npos && (n = ::recv(fd, buffer, sizeof buffer, 0)) > 0;)
      in.append(buffer, static_cast<std::size_t>(n));
    if (end == std::string::npos) return (void)::close(fd);
    const std::string head = in.substr(0, end + 2);
    std::size_t length = 0;
    if (const std::size_t at = head.find("\r\nContent-Length: "); at != std::string::npos) length = std::stoul(head.substr(at + 18));
    std::string body = in.substr(end + 4);
    for (ssize_t n; body.size() < length && (n = ::recv(fd, buffer, sizeof buffer, 0)) > 0;)
      body.append(buffer, static_cast<std::size_t>(n));
    {
      std::lock_guard<std::mutex> lock(mu_);
      requests_.emplace_back(head, body);
    }
    came_.notify_all();
    answer_(fd, head, body);
    ::close(fd);
  }

  Answerer answer_;
  int listener_ = -1, port_ = 0;
  std::atomic<bool> stop_{false};
  std::thread accepter_;
  std::vector<std::thread> connections_;  // the accepter's, joined once it stopped
  std::mutex mu_;
  std::condition_variable came_;
  std::vector<std::pair<std::string, std::string>> requests_;
};

class Proxying : public testing::EngineFixture {
 protected:
  Proxying() : EngineFixture("proxy", kStart) {}
  void SetUp() override {
    EngineFixture::SetUp();
    std::string error;
    auto config = parse_config(R"({"tokens": [{"token": ")" + kAdmin + R"(", "role": "admin"}],
      "workspaces": {"a": {"rules": ")" + kRules + R"(", "tokens": [{"token": ")" + kA + R"(", "role": "admin"},
                                                    {"token": ")" + kASource + R"(", "role": "source", "name": "crm"}]}}})",
                               "test", &error);
    ASSERT_TRUE(config) << error;
    config_ = *config;
    config_.data = dir_.string();
    auth_ = std::make_unique<Authenticator>(config_.tokens);
    start_on(kRules);
    registry_ = WorkspaceRegistry::open({dir_.string(), &config_, auth_.get(), &metrics_, engine_.get(), false}, clock_, &error);
    ASSERT_TRUE(registry_) << error;
    const ServerContext ctx{engine_.get(), &metrics_, &hub_, &config_, &pool_};
    none_ = std::make_unique<RouteTable>(ctx, *auth_, [](ServerContext&) { return std::vector<Route>{}; });
    o_places_ = std::make_unique<Placed>(registry_.get(), *none_);
    p_places_ = std::make_unique<Placed>(nullptr, *none_);
    o_ = std::make_unique<HttpFrontEnd>(ctx, *auth_);
    o_->serve_workspaces(o_places_.get());
    o_port_ = o_->bind("127.0.0.1", 0, &error);
    ASSERT_GT(o_port_, 0) << error;
    p_places_->set("a", Kind::owner, owner());
  }
  // P, the node that serves nothing of its own, with the proxy's `options`.
  void start_p(ProxyOptions options = {}) {
    std::string error;
    p_ = std::make_unique<HttpFrontEnd>(ServerContext{engine_.get(), &metrics_, &hub_, &config_, &pool_}, *auth_);
    p_->serve_workspaces(p_places_.get(), options);
    p_port_ = p_->bind("127.0.0.1", 0, &error);
    ASSERT_GT(p_port_, 0) << error;
  }
  void TearDown() override {
    if (p_) p_->stop();
    if (o_) o_->stop();
    p_.reset();
    o_.reset();
    registry_.reset();
    EngineFixture::TearDown();
  }
  std::string owner() const { return fmt::format("127.0.0.1:{}", o_port_); }

  ServerConfig config_;
  std::unique_ptr<Authenticator> auth_;
  std::unique_ptr<WorkspaceRegistry> registry_;
  std::unique_ptr<RouteTable> none_;
  std::unique_ptr<Placed> o_places_, p_places_;
  std::unique_ptr<HttpFrontEnd> o_, p_;
  int o_port_ = 0, p_port_ = 0;
};

TEST_F(Proxying, ACreateAGetAndAnErrorAreTheOwnersAnswers) {
  start_p();
  const Answer created = roundtrip(p_port_, http_request("POST", "/v1/workspaces/a/items", kASource, R"({"id": "S-1", "kind": "Sale"})"));
  ASSERT_EQ(created.status, 201) << created.head << created.body;
  EXPECT_EQ(created.header("Iwd-Owner"), owner());
  const Answer got = roundtrip(p_port_, http_request("GET", "/v1/workspaces/a/items/S-1", kA));
  EXPECT_EQ(got.status, 200);
  EXPECT_EQ(got.body, roundtrip(o_port_, http_request("GET", "/v1/workspaces/a/items/S-1", kA)).body);
  EXPECT_EQ(got.header("Content-Type"), "application/json");
  // The owner's refusals, as it gives them: a bad create, an unknown id, a token it refuses.
  const std::string bad = R"({"id": "S-2", "kind": "Nope"})";
  const Answer refused = roundtrip(p_port_, http_request("POST", "/v1/workspaces/a/items", kASource, bad));
  EXPECT_EQ(refused.status / 100, 4) << refused.body;
  EXPECT_EQ(refused.body, roundtrip(o_port_, http_request("POST", "/v1/workspaces/a/items", kASource, bad)).body);
  const Answer missing = roundtrip(p_port_, http_request("GET", "/v1/workspaces/a/items/NOPE", kA));
  EXPECT_EQ(missing.status, 404);
  EXPECT_EQ(missing.body, roundtrip(o_port_, http_request("GET", "/v1/workspaces/a/items/NOPE", kA)).body);
  EXPECT_EQ(roundtrip(p_port_, http_request("GET", "/v1/workspaces/a/items/S-1", "not-a-token-of-anyone-01")).status, 401);
  // HEAD: the owner's length, no body.
  const Answer head = roundtrip(p_port_, http_request("HEAD", "/v1/workspaces/a/items/S-1", kA));
  EXPECT_EQ(head.status, 200);
  EXPECT_EQ(head.header("Content-Length"), std::to_string(got.body.size()));
  EXPECT_EQ(head.body, "");
}

TEST_F(Proxying, TheDefaultsRoutesFollowItsOwnerTheNodesHealthStaysHere) {
  start_p();
  p_places_->set("default", Kind::owner, "http://" + owner() + "/");  // an address advertised as a URL
  const Answer item = roundtrip(p_port_, http_request("GET", "/v1/items/S-9", kAdmin));
  EXPECT_EQ(item.status, 404);
  EXPECT_EQ(item.header("Iwd-Owner"), owner());
  const Answer health = roundtrip(p_port_, http_request("GET", "/healthz", ""));
  EXPECT_EQ(health.status, 200);
  EXPECT_FALSE(health.has("Iwd-Owner")) << health.head;
}

TEST_F(Proxying, AForwardedRequestIsNeverForwardedAgainAndANodeWithoutOwnerSays503) {
  start_p();
  // Each node thinks the other owns x (ownership moved meanwhile): one hop, then 503.
  p_places_->set("x", Kind::owner, owner());
  o_places_->set("x", Kind::owner, fmt::format("127.0.0.1:{}", p_port_));
  const Answer loop = roundtrip(p_port_, http_request("GET", "/v1/workspaces/x/healthz", ""));
  EXPECT_EQ(loop.status, 503);
  EXPECT_EQ(loop.code(), "not_owner") << loop.body;
  EXPECT_EQ(loop.header("Retry-After"), "1");
  // The marker from a client stops forwarding, and grants nothing where the workspace is served.
  const std::string marker = "Iwd-Proxied: 1\r\n";
  EXPECT_EQ(roundtrip(p_port_, http_request("GET", "/v1/workspaces/a/healthz", "", {}, marker)).code(), "not_owner");
  EXPECT_EQ(roundtrip(o_port_, http_request("GET", "/v1/workspaces/a/healthz", "", {}, marker)).status, 200);
  EXPECT_EQ(roundtrip(o_port_, http_request("GET", "/v1/workspaces/a/items/S-1", "", {}, marker)).status, 401);
  // Nobody holds it now (a takeover): 503 with Retry-After.
  p_places_->set("t", Kind::no_owner);
  const Answer unowned = roundtrip(p_port_, http_request("GET", "/v1/workspaces/t/healthz", ""));
  EXPECT_EQ(unowned.status, 503);
  EXPECT_EQ(unowned.code(), "no_owner");
  EXPECT_EQ(unowned.header("Retry-After"), "1");
}

TEST_F(Proxying, AnOwnerThatIsDownOrSilentIs502NamingItAndWhatFailed) {
  ProxyOptions options;
  options.idle_timeout = std::chrono::seconds(1);
  start_p(options);
  const int closed = socket(AF_INET, SOCK_STREAM, 0);  // a port bound but not listening: refused
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof a;
  ASSERT_EQ(bind(closed, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
  getsockname(closed, reinterpret_cast<sockaddr*>(&a), &length);
  const std::string down = fmt::format("127.0.0.1:{}", ntohs(a.sin_port));
  p_places_->set("down", Kind::owner, down);
  const Answer refused = roundtrip(p_port_, http_request("POST", "/v1/workspaces/down/items", kA, R"({"id": "S-1"})"));
  ::close(closed);
  EXPECT_EQ(refused.status, 502);
  EXPECT_EQ(refused.code(), "proxy_failed");
  EXPECT_EQ(json::parse(refused.body)["error"]["owner"], down);
  EXPECT_NE(refused.body.find("could not connect"), std::string::npos) << refused.body;
  EXPECT_EQ(refused.header("Iwd-Owner"), down);
  // One that takes the connection and never answers: 502 after the idle timeout.
  FakeOwner silent([](int, const std::string&, const std::string&) { std::this_thread::sleep_for(std::chrono::seconds(3)); });
  p_places_->set("silent", Kind::owner, silent.address());
  const auto before = std::chrono::steady_clock::now();
  const Answer mute = roundtrip(p_port_, http_request("GET", "/v1/workspaces/silent/items/S-1", kA));
  EXPECT_EQ(mute.status, 502);
  EXPECT_NE(mute.body.find("no answer within 1 s"), std::string::npos) << mute.body;
  EXPECT_LT(std::chrono::steady_clock::now() - before, std::chrono::seconds(3));
  p_places_->set("odd", Kind::owner, "127.0.0.1:1/evil?");
  EXPECT_EQ(roundtrip(p_port_, http_request("GET", "/v1/workspaces/odd/healthz", "")).status, 502);
}

TEST_F(Proxying, ThePathGoesAsReceivedHopByHopHeadersStayOnTheirHop) {
  start_p();
  FakeOwner fake([](int fd, const std::string&, const std::string&) {
    send_all(fd, "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 2\r\nConnection: close, X-Secret\r\n"
                 "X-Secret: 1\r\nKeep-Alive: timeout=5\r\nIwd-Owner: forged\r\nX-Answer: yes\r\n\r\nok");
  });
  p_places_->set("fake", Kind::owner, fake.address());
  const std::string target = "/v1/workspaces/fake/items/a%2Fb/../c?x=%20y&&z=%C3%A9";
  const Answer answer = roundtrip(p_port_, http_request("GET", target, kA, {},
                                                  "Keep-Alive: 300\r\nConnection: X-Hop\r\nX-Hop: 1\r\nTE: trailers\r\n"
                                                  "Upgrade: websocket\r\nProxy-Authorization: Basic eA==\r\nX-Keep: kept\r\n"
                                                  "X-Empty:\r\n"));
  EXPECT_EQ(answer.status, 200) << answer.body;
  EXPECT_EQ(answer.body, "ok");
  EXPECT_EQ(answer.header("X-Answer"), "yes");
  EXPECT_EQ(answer.header("Content-Type"), "text/plain");
  EXPECT_FALSE(answer.has("X-Secret")) << answer.head;
  EXPECT_FALSE(answer.has("Keep-Alive")) << answer.head;
  EXPECT_EQ(answer.header("Iwd-Owner"), fake.address());
  ASSERT_TRUE(fake.wait_for(1));
  const std::string head = fake.requests()[0].first;
  EXPECT_EQ(head.substr(0, head.find("\r\n")), "GET " + target + " HTTP/1.1");
  EXPECT_NE(head.find("\r\nHost: " + fake.address() + "\r\n"), std::string::npos) << head;
  EXPECT_NE(head.find("\r\nAuthorization: Bearer " + kA + "\r\n"), std::string::npos) << head;
  EXPECT_NE(head.find("\r\nX-Keep: kept\r\n"), std::string::npos) << head;
  EXPECT_NE(head.find("\r\nX-Empty:"), std::string::npos) << head;
  EXPECT_NE(head.find("\r\nIwd-Proxied: 1\r\n"), std::string::npos) << head;
  for (const char* gone : {"Keep-Alive", "X-Hop", "TE:", "Upgrade", "Proxy-Authorization", "Accept:", "Content-Type"})
    EXPECT_EQ(head.find(std::string("\r\n") + gone), std::string::npos) << gone << " in " << head;
  EXPECT_EQ(head.find("Host: 127.0.0.1\r\n"), std::string::npos) << head;
}

TEST_F(Proxying, LargeBodiesGoBothWaysWhole) {
  ProxyOptions options;
  options.buffer_bytes = 32 * 1024;  // the owner paused and resumed many times for a slow client
  start_p(options);
  std::string big(8 << 20, 'x');
  for (std::size_t k = 0; k < big.size(); k += 4096) big.replace(k, 8, fmt::format("{:08x}", k));
  FakeOwner fake([&big](int fd, const std::string&, const std::string& body) {
    send_all(fd, fmt::format("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\nX-Got: {}\r\n\r\n",
                             big.size(), body.size()));
    send_all(fd, big);
  });
  p_places_->set("fake", Kind::owner, fake.address());
  const std::string sent(config_.max_body_bytes, 'y');
  const Answer answer = roundtrip(p_port_, http_request("PUT", "/v1/workspaces/fake/x", kA, sent), std::chrono::milliseconds(300));
  EXPECT_EQ(answer.status, 200);
  EXPECT_EQ(answer.header("X-Got"), std::to_string(sent.size()));
  EXPECT_EQ(answer.body.size(), big.size());
  EXPECT_TRUE(answer.body == big);
  ASSERT_TRUE(fake.wait_for(1));
  EXPECT_TRUE(fake.requests()[0].second == sent);
  // Over the server's limit: refused here, never forwarded.
  EXPECT_EQ(roundtrip(p_port_, http_request("PUT", "/v1/workspaces/fake/x", kA, sent + "y")).status, 413);
  EXPECT_EQ(fake.requests().size(), 1u);
}

// Reads `fd` until `want` is seen or the stream ends (recv 0 or the chunked end); what came.
std::string read_stream(int fd, const std::string& want, bool* ended) {
  std::string seen;
  char buffer[4096];
  *ended = false;
  while (want.empty() || seen.find(want) == std::string::npos) {
    const ssize_t n = ::recv(fd, buffer, sizeof buffer, 0);
    if (n <= 0) {
      *ended = n == 0;
      break;
    }
    seen.append(buffer, static_cast<std::size_t>(n));
    if (seen.find("\r\n0\r\n\r\n") != std::string::npos || seen.rfind("0\r\n\r\n", 0) == 0) {  // the last chunk
      *ended = true;
      break;
    }
  }
  return seen;
}

TEST_F(Proxying, AnOfferStreamComesThroughAndEndsWhenTheOwnerStops) {
  start_p();
  ASSERT_EQ(roundtrip(p_port_, http_request("PUT", "/v1/workspaces/a/agents/ada", kA, R"({"skills": {"sales": 5}, "state": "ready"})"))
                .status,
            200);
  const int fd = connect_loopback(p_port_);
  ASSERT_GE(fd, 0);
  send_all(fd, "GET /v1/workspaces/a/agents/ada/offers/stream HTTP/1.1\r\nHost: x\r\nConnection: close\r\nAuthorization: Bearer " +
                   kA + "\r\n\r\n");
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  ASSERT_EQ(roundtrip(p_port_, http_request("POST", "/v1/workspaces/a/items", kASource, R"({"id": "S-1", "kind": "Sale"})")).status, 201);
  bool ended = false;
  const std::string offer = read_stream(fd, "S-1", &ended);
  EXPECT_NE(offer.find("text/event-stream"), std::string::npos) << offer;
  EXPECT_NE(offer.find("Iwd-Owner: " + owner()), std::string::npos) << offer;
  EXPECT_NE(offer.find("S-1"), std::string::npos) << offer;
  // The owner stops (as when it loses the workspace): the client's stream ends.
  std::thread stopping([this] { o_->stop(); });
  read_stream(fd, {}, &ended);
  stopping.join();
  EXPECT_TRUE(ended);
  ::close(fd);
}

TEST_F(Proxying, AClientThatLeavesEndsTheOwnersStream) {
  start_p();
  std::atomic<bool> cut{false};
  FakeOwner fake([&cut](int fd, const std::string&, const std::string&) {
    send_all(fd, "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n\r\ndata: first\n\n");
    for (int k = 0; k < 200 && !cut; ++k) {  // 10 s at most
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
      cut = ::send(fd, ": keep-alive\n\n", 14, MSG_NOSIGNAL) < 0;
    }
  });
  p_places_->set("fake", Kind::owner, fake.address());
  const int fd = connect_loopback(p_port_);
  send_all(fd, "GET /v1/workspaces/fake/agents/ada/offers/stream HTTP/1.1\r\nHost: x\r\n\r\n");
  bool ended = false;
  EXPECT_NE(read_stream(fd, "first", &ended).find("data: first"), std::string::npos);
  ::close(fd);
  for (int k = 0; k < 200 && !cut; ++k) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  EXPECT_TRUE(cut);  // the proxy closed its connection to the owner
}

TEST_F(Proxying, ProxiedRequestsWaitingOnTheirOwnerHoldNothingElseUp) {
  start_p();
  std::mutex mu;
  std::condition_variable released;
  bool release = false;
  FakeOwner held([&](int fd, const std::string&, const std::string&) {
    std::unique_lock<std::mutex> lock(mu);
    released.wait_for(lock, std::chrono::seconds(10), [&] { return release; });
    send_all(fd, "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}");
  });
  p_places_->set("held", Kind::owner, held.address());
  constexpr int kHeld = 8;
  std::vector<int> statuses(kHeld);
  std::vector<std::thread> clients;
  for (int k = 0; k < kHeld; ++k)
    clients.emplace_back([this, k, &statuses] {
      statuses[static_cast<std::size_t>(k)] = roundtrip(p_port_, http_request("GET", fmt::format("/v1/workspaces/held/items/{}", k), kA)).status;
    });
  ASSERT_TRUE(held.wait_for(kHeld));
  // While those wait on their owner, the front end answers its own requests and proxies others.
  for (int k = 0; k < 20; ++k) {
    EXPECT_EQ(roundtrip(p_port_, http_request("GET", "/healthz", "")).status, 200);
    EXPECT_EQ(roundtrip(p_port_, http_request("GET", "/v1/workspaces/a/healthz", "")).status, 200);
  }
  {
    std::lock_guard<std::mutex> lock(mu);
    release = true;
  }
  released.notify_all();
  for (auto& c : clients) c.join();
  for (int s : statuses) EXPECT_EQ(s, 200);
}

TEST(ProxyHeaders, ControlCharactersAndBadNamesAreRefusedHopByHopDropped) {
  std::string problem;
  EXPECT_TRUE(proxy_headers({{"X-A", "1\r\nX-Injected: 2"}}, &problem).empty());
  EXPECT_NE(problem.find("X-A"), std::string::npos) << problem;
  problem.clear();
  EXPECT_TRUE(proxy_headers({{"X A", "1"}}, &problem).empty());
  EXPECT_FALSE(problem.empty());
  problem.clear();
  const auto kept = proxy_headers({{"connection", "x-b, Upgrade"}, {"X-B", "1"}, {"host", "h"}, {"iwd-proxied", "1"}, {"X-C", ""}},
                                  &problem);
  EXPECT_EQ(problem, "");
  ASSERT_EQ(kept.size(), 1u);
  EXPECT_EQ(kept[0].first, "X-C");
  EXPECT_EQ(proxy_target_problem("/v1/x?a=%20"), "");
  EXPECT_NE(proxy_target_problem("http://evil/v1"), "");
  EXPECT_NE(proxy_target_problem("/v1/x#frag"), "");
  EXPECT_NE(proxy_target_problem("/v1/\xc3\xa9"), "");
}

}  // namespace
}  // namespace iwd::server
