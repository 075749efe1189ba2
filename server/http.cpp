#include "server/http.h"

#include <arpa/inet.h>
#include <fmt/format.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <strings.h>
#include <thread>

#include "console/ui.h"
#include "server/config.h"
#include "server/http_exchange.h"
#include "server/http_guard.h"
#include "server/ids.h"

namespace iwd::server {

namespace {

constexpr auto kStopWait = std::chrono::seconds(30);

std::vector<std::string> split_path(const std::string& path) {
  std::vector<std::string> out;
  std::size_t start = 1;
  while (start <= path.size()) {
    const std::size_t slash = path.find('/', start);
    const std::size_t end = slash == std::string::npos ? path.size() : slash;
    out.push_back(path.substr(start, end - start));
    start = end + 1;
  }
  return out;
}

std::string render(const Reply& r) {
  return r.text.empty() ? r.body.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace) : r.text;
}

// One more count on the loop's eventfd: it wakes (a full counter, EAGAIN, wakes it too).
void write_wake(int fd) {
  const std::uint64_t one = 1;
  if (fd >= 0 && ::write(fd, &one, sizeof one) < 0 && errno != EAGAIN)
    std::fprintf(stderr, "iwd serve: cannot wake the HTTP event loop: %s\n", std::strerror(errno));
}

}  // namespace

// How another thread gets the loop (HttpFrontEnd::Impl::loop) to run libmicrohttpd again: `pending`
// always, and the eventfd only while the loop sleeps or is about to (a write per answer when the
// loop is busy anyway cost ~5% of a create's CPU). The loop sets `sleeping` before it reads
// `pending`, a resume sets `pending` before it reads `sleeping` (both sequentially consistent):
// either the loop sees the resume's `pending`, or the resume sees `sleeping` and writes.
struct LoopWake {
  int fd = -1;
  std::atomic<bool> sleeping{false}, pending{false};
  void wake() {
    pending.store(true);
    if (sleeping.load()) write_wake(fd);
  }
};

void resume_connection(MHD_Connection* connection) {
  MHD_resume_connection(connection);
  const MHD_ConnectionInfo* info = MHD_get_connection_info(connection, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
  if (info && info->socket_context) static_cast<LoopWake*>(info->socket_context)->wake();
}

void Exchange::answer(int s, std::string type, std::string text, std::shared_ptr<StreamState> st) {
  std::function<void(int)> counted;
  bool resume = false;
  {
    std::lock_guard<std::mutex> lock(mu);
    if (answered) return;  // a handler answers once; a second answer is a bug, and ignored
    answered = true;
    status = s;
    content_type = std::move(type);
    body = std::move(text);
    stream = std::move(st);
    counted = std::move(on_answer);
    resume = suspended;
    suspended = false;
  }
  // Outside the lock: the connection waits suspended for this very call.
  if (resume) resume_connection(connection);
  if (counted) counted(s);
}

void Responder::operator()(const Reply& r) const { x_->answer(r.status, "application/json", render(r)); }
void Responder::text(int status, const std::string& content_type, std::string body) const {
  x_->answer(status, content_type, std::move(body));
}
void Responder::stream(std::shared_ptr<OfferSubscription> subscription, std::vector<SseMessage> initial) const {
  auto s = std::make_shared<StreamState>();
  s->connection = x_->connection;
  s->subscription = std::move(subscription);
  for (const SseMessage& m : initial) s->pending += m.text();
  x_->answer(200, "text/event-stream", {}, std::move(s));
}

RouteTable::RouteTable(ServerContext context, const Authenticator& authenticator,
                       const std::function<std::vector<Route>(ServerContext&)>& make)
    : ctx(std::move(context)), auth(authenticator) {
  routes = make(ctx);
  for (const Route& r : routes) {
    std::vector<std::string> segments = split_path(r.path);
    for (std::string& s : segments)
      if (s.size() > 1 && s.front() == '{') s.clear();
    compiled.push_back({&r, std::move(segments)});
  }
}

struct HttpFrontEnd::Impl {
  ServerContext ctx;
  const Authenticator& auth;
  RouteTable main;  // the default workspace's
  WorkspaceDirectory* workspaces = nullptr;
  MHD_Daemon* daemon = nullptr;
  StreamRegistry streams;
  std::atomic<bool> stopping{false};
  std::atomic<long> in_flight{0};
  std::mutex mu;
  std::condition_variable changed;
  bool stopped = false;
  std::thread keep_alive;
  // libmicrohttpd's event loop, run by us (see `loop`); the eventfd that wakes it (each
  // resume_connection, and stop()); `ending`: stop() asked the loop to return.
  std::thread events;
  LoopWake wake;
  std::atomic<bool> ending{false};
  std::unique_ptr<ConnectionGuard> guard;
  std::unique_ptr<Proxy> proxy;  // with workspaces: to those served elsewhere

  Impl(const ServerContext& c, const Authenticator& a) : ctx(c), auth(a), main(c, a) {}
  ~Impl() {
    if (wake.fd >= 0) ::close(wake.fd);
  }

  void dispatch(const std::shared_ptr<Exchange>& x);
  // `/v1/workspaces/{ws}/...`: the workspace's table (and *segments, *raw its own path), or
  // null after answering (a bad name, no such workspace).
  const RouteTable* workspace(const std::shared_ptr<Exchange>& x, std::vector<std::string>* segments, std::string* raw,
                              const Responder& res);
  MHD_Result queue(Exchange& x);
  void loop();
};

// libmicrohttpd's loop, outside it. Its own thread (MHD_USE_EPOLL_INTERNAL_THREAD, 0.9.75) drains
// epoll in rounds of 128 events and, when a round is full, waits again with the timeout it
// computed before the first: with exactly 128 (or 256...) connections ready at once, the ready
// ones were not served until an unrelated event or that timeout (up to the idle timeout):
// `iwd serve` stalled under 128 keep-alive clients. Here the wait is ours (its epoll fd, bounded
// by MHD_get_timeout) and MHD_run never blocks (MHD_epoll with 0). In this mode libmicrohttpd's
// inter-thread channel is not in that epoll set, so a resume from another thread wakes the loop
// through `wake` (resume_connection).
void HttpFrontEnd::Impl::loop() {
  const MHD_DaemonInfo* info = MHD_get_daemon_info(daemon, MHD_DAEMON_INFO_EPOLL_FD);
  pollfd fds[2] = {{info ? info->epoll_fd : -1, POLLIN, 0}, {wake.fd, POLLIN, 0}};
  while (!ending) {
    wake.sleeping.store(true);
    MHD_UNSIGNED_LONG_LONG next = 0;
    int timeout_ms = 1000;  // an upper bound; libmicrohttpd's timeouts are in seconds
    if (MHD_get_timeout(daemon, &next) == MHD_YES) timeout_ms = static_cast<int>(std::min<MHD_UNSIGNED_LONG_LONG>(next, 1000));
    if (wake.pending.exchange(false)) timeout_ms = 0;  // a resume came: no sleep
    if (::poll(fds, 2, timeout_ms) < 0 && errno != EINTR) {
      std::fprintf(stderr, "iwd serve: the HTTP event loop's poll failed: %s\n", std::strerror(errno));
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    wake.sleeping.store(false);
    wake.pending.store(false);  // what came so far is seen by the MHD_run below
    if (fds[1].revents & POLLIN) {
      std::uint64_t count = 0;
      if (::read(wake.fd, &count, sizeof count) < 0 && errno != EAGAIN)
        std::fprintf(stderr, "iwd serve: the HTTP event loop's eventfd failed: %s\n", std::strerror(errno));
    }
    MHD_run(daemon);
  }
}

namespace {

// libmicrohttpd unescapes nothing (no_unescape): the path is split at its raw `/` and each
// segment decoded after routing, so `%2F` stays inside a segment; query values are decoded here.
std::size_t no_unescape(void*, MHD_Connection*, char* s) { return std::strlen(s); }

struct QueryText {
  std::map<std::string, std::string>* out;
  std::string problem;
};

MHD_Result collect_query(void* cls, MHD_ValueKind, const char* key, const char* value) {
  auto* q = static_cast<QueryText*>(cls);
  std::string k, v;
  if (!percent_decode(key ? key : "", &k) || !percent_decode(value ? value : "", &v) || !valid_utf8(k) || !valid_utf8(v)) {
    if (q->problem.empty()) q->problem = fmt::format("the query parameter `{}` is not percent-encoded UTF-8", key ? key : "");
    return MHD_YES;
  }
  (*q->out)[k] = std::move(v);
  return MHD_YES;
}

struct HeaderScan {
  std::string content_length, content_type;
  bool conflicting_length = false;
};

MHD_Result scan_header(void* cls, MHD_ValueKind, const char* key, const char* value) {
  auto* h = static_cast<HeaderScan*>(cls);
  const std::string v = value ? value : "";
  if (strcasecmp(key, MHD_HTTP_HEADER_CONTENT_LENGTH) == 0) {
    if (!h->content_length.empty() && h->content_length != v) h->conflicting_length = true;
    h->content_length = v;
  } else if (strcasecmp(key, MHD_HTTP_HEADER_CONTENT_TYPE) == 0) {
    h->content_type = v;
  }
  return MHD_YES;
}

// A JSON media type: application/json or application/*+json, parameters allowed.
bool json_media_type(std::string type) {
  type = type.substr(0, type.find(';'));
  while (!type.empty() && (type.back() == ' ' || type.back() == '\t')) type.pop_back();
  for (char& c : type) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  const std::string suffix = "+json";
  return type == "application/json" ||
         (type.rfind("application/", 0) == 0 && type.size() > suffix.size() &&
          type.compare(type.size() - suffix.size(), suffix.size(), suffix) == 0);
}

// Before the request line is parsed: the exchange, with the target as sent (the proxy forwards
// it unchanged; libmicrohttpd gives the handler the path without its query).
void* on_uri(void*, const char* uri, MHD_Connection* connection) {
  auto x = std::make_shared<Exchange>();
  x->connection = connection;
  x->target = uri ? uri : "";
  return new std::shared_ptr<Exchange>(std::move(x));
}

MHD_Result on_request(void* cls, MHD_Connection* connection, const char* url, const char* method, const char*,
                      const char* upload, std::size_t* upload_size, void** request_cls) {
  auto* im = static_cast<HttpFrontEnd::Impl*>(cls);
  auto*& box = reinterpret_cast<std::shared_ptr<Exchange>*&>(*request_cls);
  const std::size_t max_body = im->ctx.config->max_body_bytes;
  if (!box) box = static_cast<std::shared_ptr<Exchange>*>(on_uri(nullptr, url, connection));
  if (!(*box)->started) {  // the headers are in
    (*box)->started = true;
    im->guard->headers_in(connection);
    Exchange* x = box->get();
    x->req.method = method;
    x->req.path = url;
    QueryText query{&x->req.query, {}};
    MHD_get_connection_values(connection, MHD_GET_ARGUMENT_KIND, collect_query, &query);
    if (const char* a = MHD_lookup_connection_value(connection, MHD_HEADER_KIND, MHD_HTTP_HEADER_AUTHORIZATION))
      x->authorization = a;
    if (const char* a = MHD_lookup_connection_value(connection, MHD_HEADER_KIND, MHD_HTTP_HEADER_ACCEPT))
      x->req.accept = a;
    if (const char* e = MHD_lookup_connection_value(connection, MHD_HEADER_KIND, MHD_HTTP_HEADER_IF_NONE_MATCH))
      x->if_none_match = e;
    HeaderScan headers;
    MHD_get_connection_values(connection, MHD_HEADER_KIND, scan_header, &headers);
    x->too_large = !headers.content_length.empty() && std::strtoull(headers.content_length.c_str(), nullptr, 10) > max_body;
    x->request_type = std::move(headers.content_type);
    // Refused before the body is read (the connection then closes).
    std::optional<Reply> early;
    if (headers.conflicting_length)
      early = error_reply(400, "bad_request", "two different Content-Length headers");
    else if ((*box)->too_large)
      early = error_reply(413, "too_large", fmt::format("the body is over {} bytes", max_body));
    else if (!query.problem.empty())
      early = error_reply(400, "bad_query", query.problem);
    if (early) {
      (*box)->dispatched = true;
      (*box)->close = true;
      im->guard->dispatched(connection);
      Responder{*box}(*early);
      return im->queue(**box);
    }
    return MHD_YES;
  }
  Exchange& x = **box;
  if (*upload_size > 0) {
    if (!x.too_large && x.req.body.size() + *upload_size > max_body) {
      x.too_large = true;
      std::string().swap(x.req.body);
    }
    if (!x.too_large) x.req.body.append(upload, *upload_size);
    *upload_size = 0;
    return MHD_YES;
  }
  if (!x.dispatched) {
    x.dispatched = true;
    im->guard->dispatched(connection);
    try {
      im->dispatch(*box);
    } catch (const std::exception& e) {  // a bug in a handler: answered 500, the server goes on
      if (im->ctx.metrics) im->ctx.metrics->count_internal_error();
      std::fprintf(stderr, "iwd serve: internal error in %s %s: %s (answered 500)\n", x.req.method.c_str(), x.req.path.c_str(), e.what());
      Responder{*box}(error_reply(500, "internal", "an internal error stopped this request; nothing was changed"));
    }
  }
  {
    std::lock_guard<std::mutex> lock(x.mu);
    if (!x.answered) {  // until Exchange::answer resumes it
      x.suspended = true;
      MHD_suspend_connection(connection);
      return MHD_YES;
    }
  }
  return im->queue(x);
}

void on_completed(void* cls, MHD_Connection* connection, void** request_cls, MHD_RequestTerminationCode) {
  delete static_cast<std::shared_ptr<Exchange>*>(*request_cls);
  *request_cls = nullptr;
  static_cast<HttpFrontEnd::Impl*>(cls)->guard->completed(connection);
}

MHD_Result on_accept(void* cls, const sockaddr* address, socklen_t length) {
  return static_cast<HttpFrontEnd::Impl*>(cls)->guard->admit(address, length) ? MHD_YES : MHD_NO;
}

void on_connection(void* cls, MHD_Connection* connection, void** context, MHD_ConnectionNotificationCode code) {
  auto* im = static_cast<HttpFrontEnd::Impl*>(cls);
  ConnectionGuard& guard = *im->guard;
  if (code == MHD_CONNECTION_NOTIFY_CLOSED) return guard.closed(connection);
  *context = &im->wake;  // resume_connection's way to the loop
  const MHD_ConnectionInfo* fd = MHD_get_connection_info(connection, MHD_CONNECTION_INFO_CONNECTION_FD);
  const MHD_ConnectionInfo* address = MHD_get_connection_info(connection, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
  const sockaddr* a = address ? address->client_addr : nullptr;
  const socklen_t length = !a ? 0 : a->sa_family == AF_INET6 ? sizeof(sockaddr_in6) : sizeof(sockaddr_in);
  guard.started(connection, fd ? fd->connect_fd : -1, a, length);
}

}  // namespace

namespace {

// The route of `table` for `segments` and `method`, or null (then *allowed: the methods the
// path takes, if any).
const RouteTable::Compiled* match(const RouteTable& table, const std::vector<std::string>& segments, const std::string& method,
                                  std::string* allowed) {
  for (const RouteTable::Compiled& c : table.compiled) {
    if (c.segments.size() != segments.size()) continue;
    bool match = true;
    for (std::size_t k = 0; match && k < segments.size(); ++k)
      match = c.segments[k].empty() ? !segments[k].empty() : c.segments[k] == segments[k];
    if (!match) continue;
    if (c.route->method == method) return &c;
    *allowed += (allowed->empty() ? "" : ", ") + c.route->method + (c.route->method == "GET" ? ", HEAD" : "");
  }
  return nullptr;
}

}  // namespace

const RouteTable* HttpFrontEnd::Impl::workspace(const std::shared_ptr<Exchange>& x, std::vector<std::string>* segments,
                                                std::string* raw, const Responder& res) {
  const std::string& name = (*segments)[2];
  if (std::string problem = workspace_name_problem(name); !problem.empty()) {
    res(error_reply(400, "bad_workspace", problem));
    return nullptr;
  }
  const WorkspaceDirectory::Place place = workspaces ? workspaces->place(name) : WorkspaceDirectory::Place{};
  if (route_elsewhere(proxy.get(), place, name, x, res)) return nullptr;
  const RouteTable* table = &main;
  // Its routes; the default's are the front end's own, but with --node (a deployment's workspace).
  std::shared_ptr<const RouteTable> found = workspaces ? workspaces->find(name) : nullptr;
  if (!found && (name != "default" || place.kind == WorkspaceDirectory::Place::Kind::none)) {
    res(error_reply(404, "no_workspace", fmt::format("there is no workspace `{}`", name)));
    return nullptr;
  }
  if (found) {
    table = found.get();
    x->keep = std::move(found);  // alive until this request is done
  }
  // Its own path: `/v1/...` for the API, `/healthz`, `/metrics` and `/ui/...` as they are.
  std::size_t cut = 0;
  for (int k = 0; k < 4 && cut != std::string::npos; ++k) cut = raw->find('/', cut + (k > 0));
  *raw = cut == std::string::npos ? std::string() : raw->substr(cut);
  segments->erase(segments->begin(), segments->begin() + 3);
  if (segments->empty() || ((*segments)[0] != "healthz" && (*segments)[0] != "metrics" && (*segments)[0] != "ui"))
    segments->insert(segments->begin(), "v1");
  return table;
}

void HttpFrontEnd::Impl::dispatch(const std::shared_ptr<Exchange>& x) {
  ++in_flight;
  auto count_in = [this, &x](Metrics* metrics) {
    x->on_answer = [this, metrics](int status) {
      if (metrics) metrics->count_request(status);
      if (--in_flight == 0 && stopping) changed.notify_all();
    };
  };
  count_in(ctx.metrics);
  const Responder res(x);
  if (stopping) return res(error_reply(503, "stopping", "the service is stopping"));
  const std::size_t max_body = ctx.config->max_body_bytes;
  if (x->too_large) return res(error_reply(413, "too_large", fmt::format("the body is over {} bytes", max_body)));
  // The path as sent (raw), split at `/`, each segment percent-decoded on its own.
  std::string raw = x->req.path;
  // The supervisor console's files (console/ui.h): public, as the pages hold no data; what
  // they show comes from the API with the signed-in token.
  if (console::is_console_path(raw)) {
    console::Response page = console::serve(x->req.method, raw, x->if_none_match);
    x->headers = std::move(page.headers);
    return res.text(page.status, page.content_type, std::move(page.body));
  }
  std::vector<std::string> segments = split_path(raw);
  for (std::string& segment : segments) {
    std::string decoded;
    if (!percent_decode(segment, &decoded))
      return res(error_reply(400, "bad_path", fmt::format("the path has a `%` that is not followed by two hex digits")));
    segment = std::move(decoded);
  }
  // HEAD is GET without the body (libmicrohttpd sends no body for HEAD).
  const std::string& method = x->req.method == "HEAD" ? std::string("GET") : x->req.method;
  const std::string shown = valid_utf8(x->req.path) ? x->req.path : "(a path that is not UTF-8)";
  // Which workspace: the deployment's routes, a workspace's by its prefix, else the default's.
  const RouteTable* table = &main;
  const RouteTable::Compiled* found = nullptr;
  std::string allowed;
  if (workspaces) found = match(*(table = &workspaces->deployment()), segments, method, &allowed);
  if (found && found->route->to_owner)  // about one workspace (its first parameter): its owner answers
    for (std::size_t k = 0; k < segments.size(); ++k) {
      if (!found->segments[k].empty()) continue;
      if (workspace_name_problem(segments[k]).empty() &&
          route_elsewhere(proxy.get(), workspaces->place(segments[k]), segments[k], x, res))
        return;
      break;
    }
  if (!found && allowed.empty()) {
    table = &main;
    if (segments.size() >= 3 && segments[0] == "v1" && segments[1] == "workspaces") {
      if (!(table = workspace(x, &segments, &raw, res))) return;
      count_in(table->ctx.metrics);
      x->hub = table->ctx.hub;
      if (console::is_console_path(raw)) {  // its console: the same files, its API beside them
        console::Response page = console::serve(x->req.method, raw, x->if_none_match);
        for (auto& [name, value] : page.headers)
          if (name == "Location") value = x->req.path.substr(0, x->req.path.size() - raw.size()) + value;
        x->headers = std::move(page.headers);
        return res.text(page.status, page.content_type, std::move(page.body));
      }
    } else if (workspaces && (segments.empty() || (segments[0] != "healthz" && segments[0] != "metrics" &&
                                                   segments[0] != "readyz"))) {
      // The default's routes at the top (the node's own health, readiness and metrics stay here): served by
      // another node, or by this one as a workspace of the deployment (iwd serve --node).
      const WorkspaceDirectory::Place place = workspaces->place("default");
      if (route_elsewhere(proxy.get(), place, "default", x, res)) return;
      if (std::shared_ptr<const RouteTable> placed = workspaces->find("default")) {
        table = placed.get();
        x->keep = std::move(placed);
        count_in(table->ctx.metrics);
        x->hub = table->ctx.hub;
      }
    }
    found = match(*table, segments, method, &allowed);
  }
  if (!found) {
    if (allowed.empty()) return res(error_reply(404, "no_route", fmt::format("no route {} {}", x->req.method, shown)));
    x->allow = allowed;
    return res(error_reply(405, "method_not_allowed", fmt::format("{} takes {}, not {}", shown, allowed, x->req.method)));
  }
  for (std::size_t k = 0; k < segments.size(); ++k) {
    if (!found->segments[k].empty()) continue;
    if (std::string problem = id_problem(segments[k]); !problem.empty()) return res(error_reply(400, "bad_id", problem));
    x->req.params.push_back(std::move(segments[k]));
  }
  if (found->route->json_body && !x->request_type.empty() && !json_media_type(x->request_type) && !x->req.body.empty())
    return res(error_reply(415, "unsupported_media_type",
                           fmt::format("the body is JSON: send `Content-Type: application/json`, not `{}`", x->request_type)));
  Caller caller;
  if (found->route->roles != kPublic) {
    Reply refusal;
    auto who = table->auth.identify(x->authorization, &refusal);
    // A token of another workspace: it is known, but not here.
    if (!who && workspaces && !x->authorization.empty() && workspaces->token_elsewhere(x->authorization, *table))
      return res(error_reply(403, "other_workspace",
                             table == &workspaces->deployment()
                                 ? std::string("this is a workspace's token: managing workspaces needs one of `admin_tokens`")
                                 : fmt::format("this token is not one of workspace `{}`'s",
                                               table == &main ? "default" : table->ctx.config->workspace)));
    if (!who) return res(refusal);
    if (auto forbidden = Authenticator::forbid(*who, found->route->roles)) return res(*forbidden);
    caller = *who;
  }
  // Ids scoped by source: a source names its items by its own key (docs/api.md, "Ids").
  const ServerConfig* config = table->ctx.config;
  if (caller.role == Role::Source && config && config->ids_by_source && found->route->path.rfind("/v1/items/{id}", 0) == 0) {
    std::string problem;
    x->req.params[0] = scoped_id(caller.name, x->req.params[0], &problem);
    if (!problem.empty()) return res(error_reply(400, "bad_id", problem));
  }
  // On the reserve (more than max_connections open): the operators' requests only. A viewer
  // is one (a wallboard or a read-only console must stay usable under a flood of sources).
  if (guard->over_limit() && found->route->roles != kPublic && caller.role != Role::Admin && caller.role != Role::Supervisor &&
      caller.role != Role::Viewer && found->route->path != "/metrics") {
    x->close = true;
    return res(error_reply(503, "busy", "the server is at its connection limit; try again shortly"));
  }
  found->route->handler(Call{x->req, caller}, res);
}

MHD_Result HttpFrontEnd::Impl::queue(Exchange& x) {
  if (x.queued) return MHD_YES;
  x.queued = true;
  MHD_Response* response = nullptr;
  if (x.proxied) {
    response = proxy_response(x.proxied);
  } else if (x.stream) {
    x.stream->hub = x.hub ? x.hub : ctx.hub;  // its workspace's
    x.stream->keep = x.keep;
    streams.add(x.stream);
    response = stream_response(x.stream);
    MHD_add_response_header(response, MHD_HTTP_HEADER_CACHE_CONTROL, "no-cache");
  } else {
    response = MHD_create_response_from_buffer(x.body.size(), x.body.data(), MHD_RESPMEM_MUST_COPY);
  }
  if (!response) return MHD_NO;
  if (!x.content_type.empty()) MHD_add_response_header(response, MHD_HTTP_HEADER_CONTENT_TYPE, x.content_type.c_str());
  if (x.close) MHD_add_response_header(response, MHD_HTTP_HEADER_CONNECTION, "close");
  if (!x.allow.empty()) MHD_add_response_header(response, MHD_HTTP_HEADER_ALLOW, x.allow.c_str());
  for (const auto& [name, value] : x.headers) MHD_add_response_header(response, name.c_str(), value.c_str());
  const MHD_Result queued = MHD_queue_response(x.connection, static_cast<unsigned>(x.status), response);
  MHD_destroy_response(response);
  return queued;
}

HttpFrontEnd::HttpFrontEnd(ServerContext ctx, const Authenticator& auth) : impl_(std::make_unique<Impl>(ctx, auth)) {}

HttpFrontEnd::~HttpFrontEnd() { stop(); }

void HttpFrontEnd::serve_workspaces(WorkspaceDirectory* workspaces, ProxyOptions proxy) {
  impl_->workspaces = workspaces;
  if (proxy.idle_timeout.count() == 0)
    proxy.idle_timeout = std::chrono::seconds(2 * std::max(1, impl_->ctx.config->stream_keep_alive_seconds) + 5);
  impl_->proxy = std::make_unique<Proxy>(proxy);
}

int HttpFrontEnd::bind(const std::string& host, int port, std::string* error) {
  Impl& im = *impl_;
  sockaddr_storage address{};
  unsigned flags = MHD_USE_EPOLL | MHD_ALLOW_SUSPEND_RESUME;  // the loop is ours: Impl::loop
  const std::string name = host == "localhost" ? "127.0.0.1" : host;
  auto* v4 = reinterpret_cast<sockaddr_in*>(&address);
  auto* v6 = reinterpret_cast<sockaddr_in6*>(&address);
  if (inet_pton(AF_INET, name.c_str(), &v4->sin_addr) == 1) {
    v4->sin_family = AF_INET;
    v4->sin_port = htons(static_cast<std::uint16_t>(port));
  } else if (inet_pton(AF_INET6, name.c_str(), &v6->sin6_addr) == 1) {
    v6->sin6_family = AF_INET6;
    v6->sin6_port = htons(static_cast<std::uint16_t>(port));
    flags |= MHD_USE_IPv6;
  } else {
    if (error) *error = fmt::format("`{}` is not an IPv4 or IPv6 address", host);
    return -1;
  }
  const ServerConfig& config = *im.ctx.config;
  ConnectionGuard::Limits limits;
  limits.max_connections = config.max_connections;
  limits.reserved = config.reserved_connections;
  limits.per_address = config.per_address_cap();
  limits.header_timeout = limits.body_timeout = std::chrono::milliseconds(config.request_timeout_ms);
  limits.idle_timeout = std::chrono::milliseconds(config.idle_timeout_ms);
  im.guard = std::make_unique<ConnectionGuard>(limits, im.ctx.metrics);
  // libmicrohttpd's own timeout is for idle connections (a slow reader of a reply); the guard
  // bounds how long a request may take to arrive.
  const unsigned idle_seconds = static_cast<unsigned>(std::max<std::int64_t>(1, (config.idle_timeout_ms + 999) / 1000));
  im.daemon = MHD_start_daemon(flags, static_cast<std::uint16_t>(port), on_accept, &im, on_request, &im,
                               MHD_OPTION_SOCK_ADDR, reinterpret_cast<sockaddr*>(&address),
                               MHD_OPTION_NOTIFY_COMPLETED, on_completed, &im,
                               MHD_OPTION_URI_LOG_CALLBACK, on_uri, nullptr,
                               MHD_OPTION_NOTIFY_CONNECTION, on_connection, &im,
                               MHD_OPTION_UNESCAPE_CALLBACK, no_unescape, nullptr,
                               MHD_OPTION_CONNECTION_TIMEOUT, idle_seconds,
                               MHD_OPTION_CONNECTION_LIMIT, im.guard->hard_limit(),
                               MHD_OPTION_LISTEN_BACKLOG_SIZE, 4096u, MHD_OPTION_END);
  if (!im.daemon) {
    if (error) *error = fmt::format("cannot listen on {}:{} ({})", host, port, std::strerror(errno));
    return -1;
  }
  const MHD_DaemonInfo* info = MHD_get_daemon_info(im.daemon, MHD_DAEMON_INFO_BIND_PORT);
  im.wake.fd = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (im.wake.fd < 0) {
    if (error) *error = fmt::format("cannot make the HTTP loop's eventfd ({})", std::strerror(errno));
    MHD_stop_daemon(im.daemon);
    im.daemon = nullptr;
    return -1;
  }
  im.events = std::thread([&im] { im.loop(); });
  im.keep_alive = std::thread([&im, every = std::chrono::seconds(config.stream_keep_alive_seconds)] {
    std::unique_lock<std::mutex> lock(im.mu);
    while (!im.stopped && !im.stopping) {
      im.changed.wait_for(lock, every);
      lock.unlock();
      im.streams.each([](StreamState& s) { s.wake(true); });
      lock.lock();
    }
  });
  return info ? info->port : port;
}

void HttpFrontEnd::serve() {
  Impl& im = *impl_;
  std::unique_lock<std::mutex> lock(im.mu);
  im.changed.wait(lock, [&im] { return im.stopped; });
}

void HttpFrontEnd::stop() {
  Impl& im = *impl_;
  if (im.stopping.exchange(true) || !im.daemon) {
    std::lock_guard<std::mutex> lock(im.mu);
    im.stopped = true;
    im.changed.notify_all();
    return;
  }
  im.changed.notify_all();
  if (im.keep_alive.joinable()) im.keep_alive.join();
  // The streams end (each is resumed and sends its end), the requests in flight are answered;
  // libmicrohttpd must not be stopped with a suspended connection.
  if (im.ctx.hub) im.ctx.hub->close_all();
  if (im.workspaces) im.workspaces->close_streams();
  if (im.proxy) im.proxy->close_all();  // proxied requests answered 503, proxied streams ended
  const auto deadline = std::chrono::steady_clock::now() + kStopWait;
  {
    std::unique_lock<std::mutex> lock(im.mu);
    while (std::chrono::steady_clock::now() < deadline &&
           (im.in_flight > 0 || im.streams.each([](StreamState& s) { s.wake(false); }) > 0 ||
            (im.proxy && im.proxy->wake_all() > 0)))
      im.changed.wait_for(lock, std::chrono::milliseconds(10));
  }
  im.ending = true;
  write_wake(im.wake.fd);
  if (im.events.joinable()) im.events.join();  // wake.fd stays open until ~Impl: a late resume writes to it harmlessly
  MHD_stop_daemon(im.daemon);
  im.daemon = nullptr;
  std::lock_guard<std::mutex> lock(im.mu);
  im.stopped = true;
  im.changed.notify_all();
}

}  // namespace iwd::server
