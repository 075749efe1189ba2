#include "server/proxy.h"

#include <curl/curl.h>
#include <fmt/format.h>
#include <microhttpd.h>
#include <strings.h>

#include <algorithm>
#include <cstring>
#include <map>
#include <mutex>

#include "server/http_exchange.h"
#include "server/reply.h"

namespace iwd::server {

using Headers = std::vector<std::pair<std::string, std::string>>;

struct ProxyCall : std::enable_shared_from_this<ProxyCall> {
  ProxyRequest req;
  std::weak_ptr<ProxyCore> core;
  std::size_t buffer_bytes = 0;
  // The proxy's thread's own.
  std::shared_ptr<Exchange> x;  // until its head is answered
  CURL* easy = nullptr;
  curl_slist* request_headers = nullptr;
  char error[CURL_ERROR_SIZE] = {};
  int status = 0;
  std::string content_type;
  Headers headers;            // the owner's, filtered
  std::vector<std::string> connection_named;  // named in the owner's Connection header: dropped
  bool head_answered = false;
  // Read by libmicrohttpd's thread once the exchange is answered.
  long long length = -1;      // the owner's Content-Length
  // Shared with libmicrohttpd's thread.
  std::mutex mu;
  MHD_Connection* connection = nullptr;
  std::string pending;  // the body not yet handed to the connection (from `sent`)
  std::size_t sent = 0;
  bool ended = false, failed = false, suspended = false, gone = false, paused = false, unpause_asked = false;

  // Resumes the connection if it waits (any thread but libmicrohttpd's own under `mu`).
  void wake() {
    bool resume = false;
    {
      std::lock_guard<std::mutex> lock(mu);
      resume = suspended && !gone;
      suspended = false;
    }
    if (resume) resume_connection(connection);
  }
};

struct ProxyCore {
  ProxyOptions options;
  CURLM* multi = nullptr;
  std::mutex mu;  // guards what follows; never taken under a call's mutex by this thread
  std::vector<std::shared_ptr<ProxyCall>> starting, cancels, unpauses;
  std::vector<std::weak_ptr<ProxyCall>> responses;  // live responses (wake_all)
  bool closing = false, stopping = false;

  explicit ProxyCore(ProxyOptions o) : options(o), multi(curl_multi_init()) {}
  ~ProxyCore() { curl_multi_cleanup(multi); }
  void poke() { curl_multi_wakeup(multi); }
  void run();
};

namespace {

std::once_flag curl_ready;

bool same(std::string_view a, std::string_view b) {
  return a.size() == b.size() && strncasecmp(a.data(), b.data(), a.size()) == 0;
}

// Hop-by-hop (RFC 9110 7.6.1), or set by libcurl or libmicrohttpd for the next hop.
bool hop_by_hop(std::string_view name) {
  for (const char* h : {"Connection", "Keep-Alive", "Proxy-Connection", "Proxy-Authenticate", "Proxy-Authorization", "TE",
                        "Trailer", "Transfer-Encoding", "Upgrade", "Host", "Content-Length", "Expect", kProxiedHeader})
    if (same(name, h)) return true;
  return false;
}

bool token_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || std::strchr("!#$%&'*+-.^_`|~", c) != nullptr;
}

std::string trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r' || s.back() == '\n')) s.remove_suffix(1);
  return std::string(s);
}

// The names a Connection header lists (comma-separated).
void connection_names(std::string_view value, std::vector<std::string>* out) {
  while (!value.empty()) {
    const std::size_t comma = std::min(value.find(','), value.size());
    if (std::string name = trim(value.substr(0, comma)); !name.empty()) out->push_back(std::move(name));
    value.remove_prefix(std::min(comma + 1, value.size()));
  }
}

bool listed(const std::vector<std::string>& names, std::string_view name) {
  return std::any_of(names.begin(), names.end(), [name](const std::string& n) { return same(n, name); });
}

}  // namespace

Headers proxy_headers(const Headers& in, std::string* problem) {
  std::vector<std::string> named;
  for (const auto& h : in)
    if (same(h.first, "Connection")) connection_names(h.second, &named);
  Headers out;
  for (const auto& h : in) {
    const std::string& name = h.first;
    const std::string& value = h.second;
    if (name.empty() || !std::all_of(name.begin(), name.end(), token_char)) {
      *problem = "a request header's name is not an HTTP token";
      return {};
    }
    if (std::any_of(value.begin(), value.end(), [](char c) { return c == '\r' || c == '\n' || c == '\0'; })) {
      *problem = fmt::format("the request header `{}` holds a line break or a NUL", name);
      return {};
    }
    if (!hop_by_hop(name) && !listed(named, name)) out.push_back(h);
  }
  return out;
}

std::string proxy_target_problem(std::string_view target) {
  if (target.empty() || target.front() != '/') return "the request target is not a path (origin-form)";
  for (char c : target)
    if (c <= 0x20 || c >= 0x7f || c == '#') return "the request target holds a character outside visible ASCII, or `#`";
  return {};
}

namespace {

// libcurl's callbacks (the proxy's thread).

std::size_t on_header(char* data, std::size_t size, std::size_t n, void* p) {
  auto& call = *static_cast<ProxyCall*>(p);
  const std::string_view line(data, size * n);
  if (line.rfind("HTTP/", 0) == 0) {  // a status line: a new head (after a 1xx, the final one)
    const std::size_t space = line.find(' ');
    call.status = space == std::string_view::npos ? 0 : std::atoi(std::string(line.substr(space + 1, 3)).c_str());
    call.headers.clear();
    call.connection_named.clear();
    call.content_type.clear();
    call.length = -1;
    return size * n;
  }
  const std::size_t colon = line.find(':');
  if (colon == std::string_view::npos) {  // the blank line: the head is in, unless it was a 1xx
    if (call.status >= 200 && !call.head_answered) {
      call.head_answered = true;
      Headers headers;
      for (auto& h : call.headers)
        if (!listed(call.connection_named, h.first)) headers.push_back(std::move(h));
      headers.emplace_back(kOwnerHeader, call.req.owner);
      std::shared_ptr<Exchange> x = std::move(call.x);
      x->headers = std::move(headers);
      x->proxied = call.shared_from_this();  // the body follows through proxy_response
      x->answer(call.status, call.content_type, {});
    }
    return size * n;
  }
  const std::string name(line.substr(0, colon));
  std::string value = trim(line.substr(colon + 1));
  if (same(name, "Content-Type")) {
    call.content_type = std::move(value);
  } else if (same(name, "Content-Length")) {
    char* end = nullptr;
    const long long length = std::strtoll(value.c_str(), &end, 10);
    call.length = end && *end == '\0' && length >= 0 ? length : -1;
  } else if (same(name, "Connection")) {
    connection_names(value, &call.connection_named);
  } else if (!hop_by_hop(name) && !same(name, "Date") && !same(name, kOwnerHeader)) {
    call.headers.emplace_back(name, std::move(value));
  }
  return size * n;
}

std::size_t on_body(char* data, std::size_t size, std::size_t n, void* p) {
  auto& call = *static_cast<ProxyCall*>(p);
  {
    std::lock_guard<std::mutex> lock(call.mu);
    if (call.gone) return 0;  // the client went away: the transfer ends
    if (call.pending.size() - call.sent >= call.buffer_bytes) {
      call.paused = true;  // until the client took what is held (proxy_response asks)
      call.unpause_asked = false;
      return CURL_WRITEFUNC_PAUSE;
    }
    call.pending.append(data, size * n);
  }
  call.wake();
  return size * n;
}

std::string failure(const ProxyCall& call, CURLcode code, std::chrono::seconds idle) {
  switch (code) {
    case CURLE_OK:
      return "its answer ended before its status and headers";
    case CURLE_COULDNT_CONNECT:
      return fmt::format("could not connect ({})", call.error);
    case CURLE_OPERATION_TIMEDOUT:
      return call.status == 0 && std::strstr(call.error, "onnect")
                 ? fmt::format("could not connect in time ({})", call.error)
                 : fmt::format("no answer within {} s", idle.count());
    case CURLE_COULDNT_RESOLVE_HOST:
      return fmt::format("its address does not resolve ({})", call.error);
    default:
      return fmt::format("{} ({})", curl_easy_strerror(code), call.error[0] ? call.error : "no detail");
  }
}

// `x`'s answer when the owner's head never came.
void answer_failed(Exchange& x, const ProxyRequest& req, int status, const std::string& what) {
  Reply r = status == 502 ? error_reply(502, "proxy_failed",
                                        fmt::format("workspace `{}` is served by {}: the proxy to it failed: {}", req.workspace,
                                                    req.owner, what))
                          : error_reply(503, "stopping", "the service is stopping");
  if (status == 502) {
    r.body["error"]["owner"] = req.owner;
    x.headers.emplace_back(kOwnerHeader, req.owner);
  }
  x.answer(r.status, "application/json", r.body.dump());
}

}  // namespace

void ProxyCore::run() {
  std::map<CURL*, std::shared_ptr<ProxyCall>> active;
  // Ends `call`'s transfer: its head, if never answered, answered (502, or 503 at stop); its
  // body otherwise ended (cleanly when the owner ended it, or a stream at stop).
  auto finish = [this, &active](const std::shared_ptr<ProxyCall>& call, CURLcode code, bool at_stop) {
    curl_multi_remove_handle(multi, call->easy);
    curl_easy_cleanup(call->easy);
    curl_slist_free_all(call->request_headers);
    call->easy = nullptr;
    call->request_headers = nullptr;
    if (!call->head_answered) {
      call->head_answered = true;
      answer_failed(*call->x, call->req, at_stop ? 503 : 502, failure(*call, code, options.idle_timeout));
      call->x.reset();
    } else {
      {
        std::lock_guard<std::mutex> lock(call->mu);
        call->ended = true;
        call->failed = at_stop ? call->content_type.rfind("text/event-stream", 0) != 0 : code != CURLE_OK;
      }
      call->wake();
    }
  };
  for (;;) {
    std::vector<std::shared_ptr<ProxyCall>> start, cancel, unpause;
    bool close = false, stop = false;
    {
      std::lock_guard<std::mutex> lock(mu);
      start.swap(starting);
      cancel.swap(cancels);
      unpause.swap(unpauses);
      close = closing;
      stop = stopping;
    }
    for (auto& call : start) {
      if (close || !call->easy) {
        curl_easy_cleanup(call->easy);  // (null: nothing)
        curl_slist_free_all(call->request_headers);
        call->easy = nullptr;
        call->head_answered = true;
        answer_failed(*call->x, call->req, close ? 503 : 502, close ? "" : "libcurl could not start the call");
        call->x.reset();
        continue;
      }
      curl_multi_add_handle(multi, call->easy);
      active[call->easy] = call;
    }
    for (auto& call : cancel)
      if (call->easy && active.erase(call->easy)) {
        curl_multi_remove_handle(multi, call->easy);
        curl_easy_cleanup(call->easy);
        curl_slist_free_all(call->request_headers);
        call->easy = nullptr;
      }
    for (auto& call : unpause)
      if (call->easy && active.count(call->easy)) {
        {
          std::lock_guard<std::mutex> lock(call->mu);
          call->paused = call->unpause_asked = false;
        }
        curl_easy_pause(call->easy, CURLPAUSE_CONT);  // may deliver what it held, at once
      }
    if (close) {
      for (auto& entry : active) finish(entry.second, CURLE_OK, true);
      active.clear();
    }
    if (stop) break;
    int running = 0;
    curl_multi_perform(multi, &running);
    int left = 0;
    while (CURLMsg* m = curl_multi_info_read(multi, &left)) {
      if (m->msg != CURLMSG_DONE) continue;
      auto it = active.find(m->easy_handle);
      if (it == active.end()) continue;
      std::shared_ptr<ProxyCall> call = it->second;
      active.erase(it);
      finish(call, m->data.result, false);
    }
    curl_multi_poll(multi, nullptr, 0, 1000, nullptr);
  }
  for (auto& entry : active) {
    curl_multi_remove_handle(multi, entry.first);
    curl_easy_cleanup(entry.first);
    curl_slist_free_all(entry.second->request_headers);
    entry.second->easy = nullptr;
  }
}

Proxy::Proxy(ProxyOptions options) {
  std::call_once(curl_ready, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
  core_ = std::make_shared<ProxyCore>(options);
  thread_ = std::thread([core = core_] { core->run(); });
}

Proxy::~Proxy() {
  {
    std::lock_guard<std::mutex> lock(core_->mu);
    core_->closing = core_->stopping = true;
  }
  core_->poke();
  thread_.join();
}

void Proxy::forward(const std::shared_ptr<Exchange>& x, ProxyRequest request) {
  auto call = std::make_shared<ProxyCall>();
  call->req = std::move(request);
  call->core = core_;
  call->buffer_bytes = core_->options.buffer_bytes;
  call->connection = x->connection;
  call->x = x;
  const ProxyRequest& r = call->req;
  CURL* e = call->easy = curl_easy_init();
  if (e) {
    const ProxyOptions& o = core_->options;
    bool accept = false, type = false;
    for (const auto& h : r.headers) {
      accept = accept || same(h.first, "Accept");
      type = type || same(h.first, "Content-Type");
      // "Name:" would tell libcurl to drop a header; "Name;" sends it empty.
      const std::string line = h.second.empty() ? h.first + ";" : h.first + ": " + h.second;
      call->request_headers = curl_slist_append(call->request_headers, line.c_str());
    }
    // libcurl's defaults that the client did not send: none added.
    if (!accept) call->request_headers = curl_slist_append(call->request_headers, "Accept:");
    if (!type) call->request_headers = curl_slist_append(call->request_headers, "Content-Type:");
    call->request_headers = curl_slist_append(call->request_headers, "Expect:");
    call->request_headers = curl_slist_append(call->request_headers, fmt::format("{}: 1", kProxiedHeader).c_str());
    curl_easy_setopt(e, CURLOPT_URL, ("http://" + r.owner + r.target).c_str());
    curl_easy_setopt(e, CURLOPT_PATH_AS_IS, 1L);  // no dot-segment removal: the path as received
    curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http");
    curl_easy_setopt(e, CURLOPT_PROXY, "");  // never an HTTP proxy from the environment
    curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(e, CURLOPT_HTTP_VERSION, CURL_HTTP_VERSION_1_1);
    curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(o.connect_timeout.count()));
    curl_easy_setopt(e, CURLOPT_LOW_SPEED_LIMIT, 1L);
    curl_easy_setopt(e, CURLOPT_LOW_SPEED_TIME, static_cast<long>(std::max<std::int64_t>(1, o.idle_timeout.count())));
    if (r.method == "HEAD") {
      curl_easy_setopt(e, CURLOPT_NOBODY, 1L);
    } else if (r.method != "GET" || !r.body.empty()) {
      curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, r.method.c_str());
      curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(r.body.size()));
      curl_easy_setopt(e, CURLOPT_POSTFIELDS, r.body.data());
    }
    curl_easy_setopt(e, CURLOPT_HTTPHEADER, call->request_headers);
    curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(e, CURLOPT_HEADERDATA, call.get());
    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(e, CURLOPT_WRITEDATA, call.get());
    curl_easy_setopt(e, CURLOPT_ERRORBUFFER, call->error);
  }
  {
    std::lock_guard<std::mutex> lock(core_->mu);
    core_->starting.push_back(std::move(call));
  }
  core_->poke();
}

void Proxy::close_all() {
  {
    std::lock_guard<std::mutex> lock(core_->mu);
    core_->closing = true;
  }
  core_->poke();
}

std::size_t Proxy::wake_all() {
  std::vector<std::shared_ptr<ProxyCall>> live;
  {
    std::lock_guard<std::mutex> lock(core_->mu);
    std::vector<std::weak_ptr<ProxyCall>> kept;
    for (auto& w : core_->responses)
      if (auto c = w.lock()) {
        live.push_back(c);
        kept.push_back(w);
      }
    core_->responses.swap(kept);
  }
  for (auto& c : live) c->wake();
  return live.size();
}

namespace {

using Box = std::shared_ptr<ProxyCall>;  // the response's closure: keeps the call alive

ssize_t read_proxied(void* cls, std::uint64_t, char* buf, std::size_t max) {
  ProxyCall& call = **static_cast<Box*>(cls);
  std::shared_ptr<ProxyCore> core;  // to poke, once out of the call's lock
  std::size_t n = 0;
  {
    std::lock_guard<std::mutex> lock(call.mu);
    if (call.sent == call.pending.size()) {
      call.pending.clear();
      call.sent = 0;
      if (call.ended) return call.failed ? MHD_CONTENT_READER_END_WITH_ERROR : MHD_CONTENT_READER_END_OF_STREAM;
      if (call.paused && !call.unpause_asked && (core = call.core.lock())) {  // the owner waits for room: all taken now
        call.unpause_asked = true;
        std::lock_guard<std::mutex> core_lock(core->mu);  // (the proxy's thread never takes a call's lock under it)
        core->unpauses.push_back(*static_cast<Box*>(cls));
      }
      call.suspended = true;  // until the owner sends more, or ends
      MHD_suspend_connection(call.connection);
    } else {
      n = std::min(max, call.pending.size() - call.sent);
      std::memcpy(buf, call.pending.data() + call.sent, n);
      call.sent += n;
      if (call.sent > 64 * 1024) {  // what was sent does not stay in memory under a steady flow
        call.pending.erase(0, call.sent);
        call.sent = 0;
      }
    }
  }
  if (core) core->poke();
  return static_cast<ssize_t>(n);
}

void free_proxied(void* cls) {
  auto* box = static_cast<Box*>(cls);
  {
    std::lock_guard<std::mutex> lock((*box)->mu);
    (*box)->gone = true;
  }
  if (auto core = (*box)->core.lock()) {  // the owner's transfer ends with the client's
    {
      std::lock_guard<std::mutex> lock(core->mu);
      core->cancels.push_back(*box);
    }
    core->poke();
  }
  delete box;
}

}  // namespace

MHD_Response* proxy_response(const std::shared_ptr<ProxyCall>& call) {
  if (auto core = call->core.lock()) {
    std::lock_guard<std::mutex> lock(core->mu);
    core->responses.push_back(call);
  }
  const std::uint64_t size = call->length >= 0 ? static_cast<std::uint64_t>(call->length) : MHD_SIZE_UNKNOWN;
  return MHD_create_response_from_callback(size, 16 * 1024, read_proxied, new Box(call), free_proxied);
}

}  // namespace iwd::server
