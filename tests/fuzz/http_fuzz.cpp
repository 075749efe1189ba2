// libFuzzer target: the HTTP request path of `iwd serve` (URL, headers and body, through
// authentication and routing to the engine's commands). Once per process it starts the service
// in process: an Engine over a journal in a temporary folder (/dev/shm when there is one) with
// examples/enterprise.iwd, and the HTTP front end on 127.0.0.1:0 with a token of every role.
// Each input becomes one to three HTTP/1.1 requests sent over loopback (kept alive between them
// when the framing allows):
//  - an input that starts with a capital letter is request text (the seeds in http_seeds/ are
//    real requests; a line `%%` separates requests): method and path are cleaned, Host and
//    Content-Length set, so the request stays well-formed;
//  - any other input is decoded field by field (http_fuzz_requests.h): a method, a route with
//    fuzzed segments (%-escapes, bad UTF-8), a query, Authorization, Content-Type, a framing of
//    the body (Content-Length exact, short, long, twice, chunked...), a body often JSON shaped
//    for the route.
// The service must not crash, hang (no reply within 20 s) or trip a sanitizer; every reply must
// be well-formed HTTP. A well-formed request's reply must not be a 5xx (set
// IWD_HTTP_FUZZ_ALLOW_5XX=1 to go on past them), must carry JSON (an error object for non-2xx),
// and a refused request (4xx) must store no journal line (but a capture the rules reject, 422
// `rejected`, which is journaled with its history record). A request with the viewer token
// whose method may change something (any but GET and HEAD) must be refused (4xx, or no reply)
// and store nothing, whatever its framing. IWD_HTTP_FUZZ_TRACE=1 prints every request and
// reply (to study a reproducer).
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cctype>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <sstream>

#include "runtime/clock.h"
#include "server/config.h"
#include "server/engine.h"
#include "server/http.h"
#include "server/journal.h"
#include "server/ruleset.h"
#include "tests/fuzz/http_fuzz_requests.h"

using namespace iwd;
using namespace iwd::server;
using namespace iwd::fuzz;

namespace {

constexpr int kReplyTimeoutMs = 20000, kCutShortWaitMs = 300;

struct Service {
  std::string dir;
  runtime::StringPool pool;
  std::unique_ptr<Journal> journal;
  runtime::SystemClock clock;
  Metrics metrics;
  OfferHub hub;
  ServerConfig config;
  std::unique_ptr<Authenticator> auth;
  std::unique_ptr<Engine> engine;
  std::unique_ptr<HttpFrontEnd> http;
  int port = 0;
  bool allow_5xx = false;
  bool trace = false;  // IWD_HTTP_FUZZ_TRACE=1: every request and reply on stderr
  std::map<int, long> statuses;  // replies by status (0: none), printed at exit
};
Service* g = nullptr;

[[noreturn]] void die(const std::string& what) {
  std::fprintf(stderr, "http_fuzz: %s\n", what.c_str());
  std::fflush(stderr);
  std::error_code ignored;
  if (g && !g->dir.empty()) std::filesystem::remove_all(g->dir, ignored);  // the service's files go; it is not stopped
  std::abort();
}

std::string printable(const std::string& s, std::size_t max = 1500) {
  std::string out;
  for (std::size_t k = 0; k < s.size() && k < max; ++k) {
    const auto c = static_cast<unsigned char>(s[k]);
    if (c == '\n') out += "\\n\n";
    else if (c == '\r') out += "\\r";
    else if (c < 0x20 || c >= 0x7f) out += hex_byte(c);
    else out += static_cast<char>(c);
  }
  if (s.size() > max) out += "...(" + std::to_string(s.size()) + " bytes)";
  return out;
}

void start_service() {
  g = new Service;
  const char* tmp = std::getenv("TMPDIR");
  std::string base = tmp && *tmp ? tmp : (std::filesystem::is_directory("/dev/shm") ? "/dev/shm" : "/tmp");
  std::string pattern = base + "/iwd-http-fuzz.XXXXXX";
  if (!mkdtemp(pattern.data())) die("cannot make a temporary folder under " + base);
  g->dir = pattern;
  // Each connection is a file descriptor, and offer streams linger until their keep-alive.
  if (rlimit files{}; getrlimit(RLIMIT_NOFILE, &files) == 0 && files.rlim_cur < 8192) {
    files.rlim_cur = std::min<rlim_t>(8192, files.rlim_max);
    setrlimit(RLIMIT_NOFILE, &files);
  }
  std::string error;
  std::string config_text = R"({"tokens": [)";
  for (std::size_t k = 0; k < std::size(kTokens); ++k)
    config_text += std::string(k ? "," : "") + R"({"token": ")" + kTokens[k].token + R"(", "role": ")" + kTokens[k].role + '"' +
                   (kTokens[k].agent[0] ? std::string(R"(, "agent": ")") + kTokens[k].agent + '"' : "") + "}";
  config_text += R"(], "max_body_bytes": )" + std::to_string(kMaxBody) + R"(, "max_batch": )" + std::to_string(kMaxBatch) +
                 R"(, "max_connections": 4000, "max_connections_per_address": 0, "stream_keep_alive_seconds": 1, "compact_every": 400})";
  auto config = parse_config(config_text, "http_fuzz", &error);
  if (!config) die(error);
  g->config = *config;
  g->auth = std::make_unique<Authenticator>(g->config.tokens);

  const char* rules_env = std::getenv("IWD_HTTP_FUZZ_RULES");
  std::string rules_path = rules_env ? rules_env : "examples/enterprise.iwd";
  if (!std::filesystem::exists(rules_path)) rules_path = std::string(IWD_SOURCE_DIR) + "/examples/enterprise.iwd";
  Ruleset rules;
  if (load_ruleset_path(rules_path, g->pool, &rules, &error) != RulesetStatus::Ok)
    die("cannot load " + rules_path + ": " + error);
  g->journal = Journal::open(g->dir, &error);
  if (!g->journal) die(error);
  g->engine = Engine::start(std::move(rules), g->pool, *g->journal, g->clock, g->metrics, g->hub,
                            EngineOptions{g->config.compact_every}, &error);
  if (!g->engine) die(error);
  // Agents and items for the routes to find: S1 is offered to ada.
  const auto must = [](const char* op, nlohmann::json value) {
    const Reply r = g->engine->change(Change{runtime::replay::op_named(op), std::move(value), {}});
    if (r.status >= 300) die(std::string("setup ") + op + ": " + r.json().dump());
  };
  must("agent", {{"id", "ada"}, {"skills", {{"sales_processing", 8}, {"legacy_processing", 2}}}});
  must("agent", {{"id", "bob"}, {"skills", {{"finance_processing", 6}, {"sales_processing", 1}}}});
  must("capture", {{"id", "S1"}, {"department", "Sales"}, {"segment", "Gold"}});
  must("capture", {{"id", "S2"}, {"department", "Sales"}, {"segment", "Silver"}});
  must("capture", {{"id", "F1"}, {"department", "Finance"}, {"segment", "Gold"}});
  must("capture", {{"id", "F2"}, {"department", "Finance"}, {"segment", "Bronze"}});
  must("capture", {{"id", "L1"}, {"department", "Legal"}});
  g->http = std::make_unique<HttpFrontEnd>(ServerContext{g->engine.get(), &g->metrics, &g->hub, &g->config, &g->pool}, *g->auth);
  g->port = g->http->bind("127.0.0.1", 0, &error);
  if (g->port < 0) die(error);
  // Registered last, so that it runs before the destructors of the statics made while starting
  // (the rules' JIT): the service stops, then its folder goes.
  std::atexit([] {
    std::string counts;
    for (const auto& [status, n] : g->statuses) counts += " " + std::to_string(status) + ":" + std::to_string(n);
    std::fprintf(stderr, "http_fuzz: replies by status (0: none):%s\n", counts.c_str());
    g->http->stop();
    g->http.reset();
    g->engine.reset();
    g->journal.reset();
    std::error_code ignored;
    std::filesystem::remove_all(g->dir, ignored);
  });
  const char* allow = std::getenv("IWD_HTTP_FUZZ_ALLOW_5XX");
  g->allow_5xx = allow && *allow == '1';
  const char* trace = std::getenv("IWD_HTTP_FUZZ_TRACE");
  g->trace = trace && *trace == '1';
}

// A client connection; closed with a reset (no TIME_WAIT: thousands a minute).
struct Connection {
  int fd = -1;
  std::string buffer;  // bytes received and not yet consumed
  void open() {
    fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0) die(std::string("socket: ") + std::strerror(errno));
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(static_cast<std::uint16_t>(g->port));
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    const int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    if (connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) die(std::string("connect: ") + std::strerror(errno));
    buffer.clear();
  }
  void close() {
    if (fd < 0) return;
    const linger reset{1, 0};
    setsockopt(fd, SOL_SOCKET, SO_LINGER, &reset, sizeof reset);
    ::close(fd);
    fd = -1;
  }
};

enum class Got { Reply, Closed, Timeout, Malformed };

struct HttpReply {
  int status = 0;
  std::map<std::string, std::string> headers;  // names in lower case
  std::string body, problem;
  bool stream = false;
};

// Reads more into c.buffer until `ready` says so; false at EOF, an error or the deadline.
template <typename F>
bool fill(Connection& c, std::chrono::steady_clock::time_point deadline, bool* timed_out, F ready) {
  while (!ready()) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now()).count();
    if (left <= 0) return *timed_out = true, false;
    pollfd p{c.fd, POLLIN, 0};
    if (poll(&p, 1, static_cast<int>(left)) <= 0) continue;
    char chunk[16384];
    const ssize_t n = recv(c.fd, chunk, sizeof chunk, 0);
    if (n <= 0) return false;
    c.buffer.append(chunk, static_cast<std::size_t>(n));
  }
  return true;
}

Got read_reply(Connection& c, bool head, int timeout_ms, HttpReply* out) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  bool timed_out = false;
  for (;;) {
    std::size_t end = std::string::npos;
    const bool have = fill(c, deadline, &timed_out, [&] { return (end = c.buffer.find("\r\n\r\n")) != std::string::npos; });
    if (!have) {
      if (timed_out) return Got::Timeout;
      if (c.buffer.empty()) return Got::Closed;
      out->problem = "the connection closed inside the reply's head";
      return Got::Malformed;
    }
    std::istringstream head_text(c.buffer.substr(0, end));
    c.buffer.erase(0, end + 4);
    std::string line;
    std::getline(head_text, line);
    if (line.size() < 13 || (line.compare(0, 9, "HTTP/1.1 ") != 0 && line.compare(0, 9, "HTTP/1.0 ") != 0) ||
        !std::isdigit(static_cast<unsigned char>(line[9])) || !std::isdigit(static_cast<unsigned char>(line[10])) ||
        !std::isdigit(static_cast<unsigned char>(line[11])) || line[12] != ' ') {
      out->problem = "a bad status line: " + line;
      return Got::Malformed;
    }
    out->status = std::stoi(line.substr(9, 3));
    out->headers.clear();
    while (std::getline(head_text, line)) {
      if (!line.empty() && line.back() == '\r') line.pop_back();
      const auto colon = line.find(':');
      if (colon == std::string::npos || colon == 0) {
        out->problem = "a bad header line: " + line;
        return Got::Malformed;
      }
      std::string name = line.substr(0, colon);
      for (char& ch : name) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
      out->headers[name] = line.substr(line.find_first_not_of(' ', colon + 1) == std::string::npos ? line.size()
                                                                                                    : line.find_first_not_of(' ', colon + 1));
    }
    if (out->status >= 100 && out->status < 200) continue;  // 100 Continue: the real reply follows
    break;
  }
  if (out->status < 200 || out->status > 599) {
    out->problem = "status " + std::to_string(out->status);
    return Got::Malformed;
  }
  const std::string type = out->headers.count("content-type") ? out->headers["content-type"] : "";
  if (head || out->status == 204 || out->status == 304) return Got::Reply;
  if (type.rfind("text/event-stream", 0) == 0) return out->stream = true, Got::Reply;
  auto truncated = [&](const char* where) {
    out->problem = std::string("the connection closed inside the body (") + where + ")";
    return timed_out ? Got::Timeout : Got::Malformed;
  };
  if (out->headers.count("transfer-encoding")) {
    for (;;) {
      std::size_t eol = std::string::npos;
      if (!fill(c, deadline, &timed_out, [&] { return (eol = c.buffer.find("\r\n")) != std::string::npos; })) return truncated("chunk size");
      const std::size_t size = std::strtoul(c.buffer.c_str(), nullptr, 16);
      if (size > (64u << 20)) return out->problem = "a huge chunk", Got::Malformed;
      if (!fill(c, deadline, &timed_out, [&] { return c.buffer.size() >= eol + 2 + size + 2; })) return truncated("chunk");
      out->body.append(c.buffer, eol + 2, size);
      c.buffer.erase(0, eol + 2 + size + 2);
      if (size == 0) return Got::Reply;  // (no trailers from this server)
    }
  }
  if (out->headers.count("content-length")) {
    const std::size_t length = std::strtoul(out->headers["content-length"].c_str(), nullptr, 10);
    if (!fill(c, deadline, &timed_out, [&] { return c.buffer.size() >= length; })) return truncated("Content-Length");
    out->body = c.buffer.substr(0, length);
    c.buffer.erase(0, length);
    return Got::Reply;
  }
  fill(c, deadline, &timed_out, [] { return false; });  // until the server closes
  if (timed_out) return Got::Timeout;
  out->body = std::move(c.buffer);
  c.buffer.clear();
  return Got::Reply;
}

// What a reply to a well-formed request must be; "" or the problem.
// Whether a request's target is the console's (`/ui` or below it, before any query), as
// console::is_console_path decides on the server's side.
bool is_console_request(const std::string& text) {
  const std::size_t start = text.find(' ');
  if (start == std::string::npos) return false;
  const std::size_t end = text.find_first_of(" ?\r\n", start + 1);
  const std::string target = text.substr(start + 1, end == std::string::npos ? std::string::npos : end - start - 1);
  return target == "/ui" || target.rfind("/ui/", 0) == 0;
}

// Whether a request is a viewer's try at a change: its head's one Authorization header holds
// the viewer token (spelled as it is or not: a value the server does not take is refused as
// 401, which the invariant allows), its method not GET or HEAD.
bool viewer_change(const std::string& text) {
  const std::string head = text.substr(0, text.find("\r\n\r\n")) + "\r\n";
  std::string lower = head;
  for (char& ch : lower) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  const std::size_t line = lower.find("\nauthorization:");
  if (line == std::string::npos || lower.find("\nauthorization:", line + 1) != std::string::npos) return false;
  const std::size_t end = head.find("\r\n", line + 1);
  if (head.substr(line, end - line).find(kTokens[kViewerToken].token) == std::string::npos) return false;
  const std::string method = head.substr(0, head.find(' '));
  return method != "GET" && method != "HEAD";
}

std::string judge(const FuzzRequest& r, const HttpReply& reply, std::uint64_t lines_before) {
  if (reply.status >= 500 && !g->allow_5xx) return "a 5xx reply";
  if (reply.stream) return reply.status == 200 ? "" : "a stream with status " + std::to_string(reply.status);
  if (r.head) return "";
  const std::string type = reply.headers.count("content-type") ? reply.headers.at("content-type") : "";
  const bool json_type = type.rfind("application/json", 0) == 0;
  if (is_console_request(r.text) && !json_type) {
    // The console's files (console/ui.h) answer as a web server does, for a browser: a page, a
    // redirect to /ui/, 304, or a plain-text 404 or 405 (what the front end refuses before, such
    // as a body over the limit, is a JSON error as anywhere); never a change.
    const int s = reply.status;
    if (s != 200 && s != 304 && s != 308 && s != 404 && s != 405) return "a console reply with status " + std::to_string(s);
    if (g->engine->commit_stats().lines != lines_before) return "a console request stored journal lines";
    return "";
  }
  bool journaled = false;  // a capture the rules reject is journaled, with its history record (docs/api.md)
  if (reply.status >= 300) {
    if (!json_type) return "an error reply that is not application/json";
    const auto body = nlohmann::json::parse(reply.body, nullptr, false);
    if (body.is_discarded() || !body.is_object() || !body.contains("error") || !body["error"].is_object() ||
        !body["error"].contains("code") || !body["error"]["code"].is_string() || !body["error"].contains("message") ||
        !body["error"]["message"].is_string())
      return "an error reply without {\"error\": {\"code\", \"message\"}}";
    journaled = reply.status == 422 && body["error"]["code"] == "rejected";
  } else if (json_type && nlohmann::json::parse(reply.body, nullptr, false).is_discarded()) {
    return "a 2xx reply whose JSON does not parse";
  }
  if (reply.status >= 400 && !journaled && g->engine->commit_stats().lines != lines_before)
    return "a refused request stored journal lines";
  return "";
}

// Sends one request on `c` and checks its reply; `c` is left open when it can carry the next.
void exchange(Connection& c, const FuzzRequest& r) {
  const bool reused = c.fd >= 0;
  if (!reused) c.open();
  const std::uint64_t lines_before = g->engine->commit_stats().lines;
  std::size_t sent = 0;
  while (sent < r.text.size()) {
    const ssize_t n = send(c.fd, r.text.data() + sent, r.text.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) break;  // the server closed early (413 before the body): its reply may be there
    sent += static_cast<std::size_t>(n);
  }
  if (r.half_close) shutdown(c.fd, SHUT_WR);
  HttpReply reply;
  const auto t0 = std::chrono::steady_clock::now();
  // A body cut short by the client's end: the server may wait for the rest until its request
  // timeout (libmicrohttpd does not always notice the end at once); not worth 10 s an input.
  const Got got = read_reply(c, r.head, r.half_close ? kCutShortWaitMs : kReplyTimeoutMs, &reply);
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0).count();
  if (ms >= 2000)  // not a failure (a hang is), but worth knowing
    std::fprintf(stderr, "http_fuzz: a slow reply (%lld ms, status %d) to\n%s\n", static_cast<long long>(ms), reply.status,
                 printable(r.text, 400).c_str());
  if (g->trace)
    std::fprintf(stderr, "http_fuzz: sent (%s, fd %d)\n%s\n-> %d %s\n", reused ? "kept alive" : "new connection", c.fd,
                 printable(r.text).c_str(), reply.status, printable(reply.body, 300).c_str());
  ++g->statuses[got == Got::Reply ? reply.status : 0];
  std::string problem;
  if (got == Got::Timeout && r.half_close) c.close();  // given up on, as above
  else if (got == Got::Timeout) problem = "no reply within " + std::to_string(kReplyTimeoutMs / 1000) + " s";
  else if (got == Got::Malformed) problem = "a malformed reply: " + reply.problem;
  else if (got == Got::Closed && !r.may_close) problem = "the connection closed without a reply";
  else if (got == Got::Reply && r.strict) problem = judge(r, reply, lines_before);
  if (problem.empty() && viewer_change(r.text)) {
    if (got == Got::Reply && reply.status < 400) problem = "a viewer's change was not refused";
    else if (g->engine->commit_stats().lines != lines_before) problem = "a viewer's request stored journal lines";
  }
  if (!problem.empty())
    die(problem + "\n--- request ---\n" + printable(r.text) + "\n--- reply ---\nstatus " + std::to_string(reply.status) + "\n" +
        printable(reply.body));
  const auto connection = reply.headers.find("connection");
  const bool closing = connection != reply.headers.end() && connection->second.find("close") != std::string::npos;
  if (got != Got::Reply || reply.stream || r.close_after || closing || !c.buffer.empty()) c.close();
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  start_service();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::vector<FuzzRequest> requests = decode_requests(data, size);
  Connection c;
  for (const FuzzRequest& r : requests) exchange(c, r);
  c.close();
  return 0;
}
