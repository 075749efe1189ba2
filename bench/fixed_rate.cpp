// An open-loop HTTP/1.1 load generator at a fixed rate (issue 18's p99 at 10,000 creates/s;
// wrk2 is not in Debian, h2load's --rate counts connections). Request i is due at
// start + i / RATE whatever happened to the ones before it; it goes out on the first idle
// keep-alive connection of its URL (one request at a time on a connection, as wrk2), and its
// latency is counted from that due time, not from when it could be sent: a server that stalls
// for a second shows a second of latency on every request due meanwhile (no coordinated
// omission). One thread, epoll, a timerfd for the next due time.
//
//   fixed_rate --url http://HOST:PORT/PATH [--url ...] --rate R --duration S [--warmup S]
//              [--connections N] [--method M] [--body TEMPLATE] [--header 'Name: value']...
//              [--timeout S]
//
// With several --url, request i goes to URL i mod (number of URLs), over N connections each.
// TEMPLATE (and each PATH) may hold {id}, replaced by the request's number in the schedule,
// and {run}, replaced by a number of this run (its start in microseconds since the epoch): a
// body with a unique id per request, e.g. '{"id":"r{run}-{id}","department":"Sales"}'. Latencies
// count the requests due after the warmup, for the duration. Prints one JSON object: the target
// and achieved rates (responses received within the measured window per second), latency
// percentiles in ms (p50, p90, p99, p99.9, max, mean), counts by status, non-2xx, errors
// (connect failures, connections closed with a request on them, timeouts, requests never sent),
// and the same per URL. Exit 2 on a bad argument, naming it.
#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <deque>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

namespace {

int64_t now_ns() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return int64_t(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

[[noreturn]] void usage_error(const std::string& what) {
  std::fprintf(stderr, "fixed_rate: %s\n", what.c_str());
  std::fprintf(stderr,
               "usage: fixed_rate --url http://HOST:PORT/PATH [--url ...] --rate R --duration S [--warmup S]\n"
               "                  [--connections N] [--method M] [--body TEMPLATE] [--header 'Name: value']...\n"
               "                  [--timeout S]\n");
  std::exit(2);
}

double positive_number(const std::string& option, const std::string& text, bool zero_ok = false) {
  char* end = nullptr;
  errno = 0;
  double v = std::strtod(text.c_str(), &end);
  if (text.empty() || *end != '\0' || errno != 0 || !std::isfinite(v) || v < 0 || (v == 0 && !zero_ok))
    usage_error(option + " must be a " + (zero_ok ? "non-negative" : "positive") + " number, got '" + text + "'");
  return v;
}

// A text with {id} and {run} in it, cut once into literal parts and holes.
struct Template {
  std::vector<std::string> parts;  // literal, hole, literal, hole, ..., literal
  std::vector<char> holes;         // 'i' for {id}, 'r' for {run}

  explicit Template(const std::string& text = "") {
    std::string cur;
    for (size_t i = 0; i < text.size();) {
      if (text.compare(i, 4, "{id}") == 0) {
        parts.push_back(cur), cur.clear(), holes.push_back('i'), i += 4;
      } else if (text.compare(i, 5, "{run}") == 0) {
        parts.push_back(cur), cur.clear(), holes.push_back('r'), i += 5;
      } else {
        cur += text[i++];
      }
    }
    parts.push_back(cur);
  }
  void render(std::string& out, uint64_t id, const std::string& run) const {
    for (size_t k = 0; k < holes.size(); ++k) {
      out += parts[k];
      out += holes[k] == 'i' ? std::to_string(id) : run;
    }
    out += parts.back();
  }
};

struct Target {
  std::string url, host_header;
  sockaddr_in addr{};
  Template path;
  std::deque<std::pair<int64_t, uint64_t>> queue;  // (due time, request number), not sent yet
  std::vector<int> idle;                            // connections ready for a request
  std::vector<std::pair<int64_t, int>> latencies;   // measured: latency ns, status
  std::map<int, uint64_t> status;
  uint64_t responses = 0, in_window = 0, connect_errors = 0, closed = 0, timeouts = 0;
};

Target parse_url(const std::string& url) {
  Target t;
  t.url = url;
  const std::string scheme = "http://";
  if (url.compare(0, scheme.size(), scheme) != 0) usage_error("--url must start with http:// (no TLS), got '" + url + "'");
  std::string rest = url.substr(scheme.size());
  size_t slash = rest.find('/');
  std::string authority = rest.substr(0, slash), path = slash == std::string::npos ? "/" : rest.substr(slash);
  size_t colon = authority.rfind(':');
  std::string host = authority.substr(0, colon), port = colon == std::string::npos ? "80" : authority.substr(colon + 1);
  if (host.empty()) usage_error("--url has no host: '" + url + "'");
  char* end = nullptr;
  long p = std::strtol(port.c_str(), &end, 10);
  if (port.empty() || *end != '\0' || p <= 0 || p > 65535) usage_error("--url has a bad port '" + port + "': '" + url + "'");
  addrinfo hints{}, *found = nullptr;
  hints.ai_family = AF_INET;
  hints.ai_socktype = SOCK_STREAM;
  int rc = getaddrinfo(host.c_str(), port.c_str(), &hints, &found);
  if (rc != 0 || !found) usage_error("--url's host '" + host + "' does not resolve to IPv4: " + gai_strerror(rc));
  std::memcpy(&t.addr, found->ai_addr, sizeof t.addr);
  freeaddrinfo(found);
  t.host_header = authority;
  t.path = Template(path);
  return t;
}

struct Conn {
  int fd = -1;
  size_t target = 0;
  bool connecting = false, busy = false, want_out = false;
  std::string out, in;
  size_t out_off = 0;
  int64_t due = 0, sent_at = 0, reconnect_at = 0;
};

// A response parsed off the front of `in`: its status and length, or 0 if not all there yet.
struct Parsed {
  size_t length = 0;
  int status = 0;
  bool close = false;
  bool bad = false;
};

bool iequals_prefix(std::string_view line, std::string_view name) {
  if (line.size() < name.size()) return false;
  for (size_t i = 0; i < name.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(line[i])) != name[i]) return false;
  return true;
}

std::string_view trim(std::string_view v) {
  while (!v.empty() && (v.front() == ' ' || v.front() == '\t')) v.remove_prefix(1);
  while (!v.empty() && (v.back() == ' ' || v.back() == '\t' || v.back() == '\r')) v.remove_suffix(1);
  return v;
}

Parsed parse_response(const std::string& in) {
  Parsed r;
  size_t head_end = in.find("\r\n\r\n");
  if (head_end == std::string::npos) return r;
  std::string_view head(in.data(), head_end);
  if (head.size() < 12 || head.compare(0, 5, "HTTP/") != 0) return r.bad = true, r;
  r.status = std::atoi(std::string(head.substr(9, 3)).c_str());
  bool chunked = false;
  long long content_length = -1;
  size_t pos = head.find("\r\n");
  while (pos != std::string_view::npos && pos < head.size()) {
    size_t next = head.find("\r\n", pos + 2);
    std::string_view line = head.substr(pos + 2, (next == std::string_view::npos ? head.size() : next) - pos - 2);
    if (iequals_prefix(line, "content-length:")) content_length = std::atoll(std::string(trim(line.substr(15))).c_str());
    if (iequals_prefix(line, "transfer-encoding:") && trim(line.substr(18)).find("chunked") != std::string_view::npos) chunked = true;
    if (iequals_prefix(line, "connection:") && iequals_prefix(trim(line.substr(11)), "close")) r.close = true;
    pos = next;
  }
  size_t body = head_end + 4;
  if (chunked) {
    size_t at = body;
    for (;;) {
      size_t eol = in.find("\r\n", at);
      if (eol == std::string::npos) return Parsed{};
      size_t size = std::strtoul(in.substr(at, eol - at).c_str(), nullptr, 16);
      if (size == 0) {  // the last chunk, then trailers up to an empty line
        size_t end = in.find("\r\n\r\n", eol);
        if (end == std::string::npos) return Parsed{};
        r.length = end + 4;
        return r;
      }
      at = eol + 2 + size + 2;
      if (at > in.size()) return Parsed{};
    }
  }
  if (content_length < 0) content_length = (r.status == 204 || r.status == 304) ? 0 : -1;
  if (content_length < 0) return r.bad = true, r;  // a body up to the close: not for keep-alive
  if (in.size() < body + size_t(content_length)) return Parsed{};
  r.length = body + size_t(content_length);
  return r;
}

struct Percentiles {
  double p50 = 0, p90 = 0, p99 = 0, p999 = 0, max = 0, mean = 0;
};

Percentiles percentiles(std::vector<int64_t> ns) {
  Percentiles p;
  if (ns.empty()) return p;
  std::sort(ns.begin(), ns.end());
  auto at = [&](double q) {
    size_t rank = size_t(std::ceil(q * double(ns.size())));
    return double(ns[std::min(ns.size() - 1, rank == 0 ? 0 : rank - 1)]) / 1e6;
  };
  double sum = 0;
  for (int64_t v : ns) sum += double(v);
  p.p50 = at(0.50), p.p90 = at(0.90), p.p99 = at(0.99), p.p999 = at(0.999), p.max = double(ns.back()) / 1e6;
  p.mean = sum / double(ns.size()) / 1e6;
  return p;
}

nlohmann::json latency_json(const Percentiles& p) {
  auto r = [](double v) { return std::round(v * 1000) / 1000; };
  return {{"p50", r(p.p50)}, {"p90", r(p.p90)}, {"p99", r(p.p99)}, {"p99.9", r(p.p999)}, {"max", r(p.max)}, {"mean", r(p.mean)}};
}

class Generator {
 public:
  std::vector<Target> targets;
  std::vector<Conn> conns;
  double rate = 0, duration = 0, warmup = 0, timeout = 10;
  int per_target = 16;
  std::string method = "POST";
  Template body;
  bool has_body = false;
  std::vector<std::string> headers;
  std::string run;

  int run_all() {
    epfd_ = epoll_create1(EPOLL_CLOEXEC);
    timer_ = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.u64 = UINT64_MAX;
    epoll_ctl(epfd_, EPOLL_CTL_ADD, timer_, &ev);
    for (size_t t = 0; t < targets.size(); ++t)
      for (int k = 0; k < per_target; ++k) {
        conns.emplace_back();
        conns.back().target = t;
      }
    const int64_t interval_start = now_ns();
    for (size_t c = 0; c < conns.size(); ++c) open(c, interval_start);
    start_ = now_ns() + 50'000'000;  // the first request due 50 ms after the connections were opened
    window_from_ = start_ + int64_t(warmup * 1e9);
    window_to_ = window_from_ + int64_t(duration * 1e9);
    total_ = uint64_t(std::llround((warmup + duration) * rate));
    int64_t last_due = start_ + due_offset(total_ == 0 ? 0 : total_ - 1);
    int64_t give_up = last_due + int64_t(timeout * 1e9);
    std::vector<epoll_event> events(256);
    for (;;) {
      int64_t now = now_ns();
      release(now);
      for (size_t t = 0; t < targets.size(); ++t) dispatch(t, now);
      check_timeouts(now);
      if (next_ >= total_ && in_flight() == 0 && queued() == 0) break;
      if (now > give_up) break;
      arm(now);
      int n = epoll_wait(epfd_, events.data(), int(events.size()), 100);
      now = now_ns();
      for (int i = 0; i < n; ++i) {
        if (events[size_t(i)].data.u64 == UINT64_MAX) {
          uint64_t expirations;
          ssize_t got = ::read(timer_, &expirations, sizeof expirations);
          (void)got;
          continue;
        }
        handle(size_t(events[size_t(i)].data.u64), events[size_t(i)].events, now);
      }
    }
    report(now_ns());
    return 0;
  }

 private:
  int epfd_ = -1, timer_ = -1;
  int64_t start_ = 0, window_from_ = 0, window_to_ = 0;
  uint64_t total_ = 0, next_ = 0, sent_ = 0;
  size_t max_queued_ = 0;

  int64_t due_offset(uint64_t i) const { return int64_t(double(i) * 1e9 / rate); }

  size_t in_flight() const {
    size_t n = 0;
    for (const Conn& c : conns) n += c.busy;
    return n;
  }
  size_t queued() const {
    size_t n = 0;
    for (const Target& t : targets) n += t.queue.size();
    return n;
  }

  void release(int64_t now) {
    while (next_ < total_) {
      int64_t due = start_ + due_offset(next_);
      if (due > now) break;
      Target& t = targets[next_ % targets.size()];
      t.queue.emplace_back(due, next_);
      max_queued_ = std::max(max_queued_, t.queue.size());
      ++next_;
    }
  }

  void arm(int64_t now) {
    int64_t when = 0;
    if (next_ < total_) when = start_ + due_offset(next_);
    for (const Conn& c : conns)
      if (c.fd < 0 && c.reconnect_at > 0 && (when == 0 || c.reconnect_at < when)) when = c.reconnect_at;
    if (when == 0) return;
    if (when <= now) when = now + 1000;
    itimerspec spec{};
    spec.it_value.tv_sec = when / 1'000'000'000;
    spec.it_value.tv_nsec = when % 1'000'000'000;
    timerfd_settime(timer_, TFD_TIMER_ABSTIME, &spec, nullptr);
  }

  void watch(size_t c, bool out) {
    Conn& conn = conns[c];
    epoll_event ev{};
    ev.events = EPOLLIN | EPOLLRDHUP | (out ? EPOLLOUT : 0u);
    ev.data.u64 = c;
    epoll_ctl(epfd_, EPOLL_CTL_MOD, conn.fd, &ev);
    conn.want_out = out;
  }

  void open(size_t c, int64_t now) {
    Conn& conn = conns[c];
    conn.reconnect_at = 0;
    conn.in.clear(), conn.out.clear(), conn.out_off = 0, conn.busy = false;
    conn.fd = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    int one = 1;
    setsockopt(conn.fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    const Target& t = targets[conn.target];
    int rc = ::connect(conn.fd, reinterpret_cast<const sockaddr*>(&t.addr), sizeof t.addr);
    if (rc != 0 && errno != EINPROGRESS) {
      ++targets[conn.target].connect_errors;
      ::close(conn.fd);
      conn.fd = -1;
      conn.reconnect_at = now + 100'000'000;
      return;
    }
    conn.connecting = rc != 0;
    epoll_event ev{};
    ev.events = EPOLLIN | EPOLLRDHUP | (conn.connecting ? EPOLLOUT : 0u);
    ev.data.u64 = c;
    epoll_ctl(epfd_, EPOLL_CTL_ADD, conn.fd, &ev);
    conn.want_out = conn.connecting;
    if (!conn.connecting) targets[conn.target].idle.push_back(int(c));
  }

  // A connection lost: its request (if any) counted as closed, a new one in 100 ms.
  void drop(size_t c, int64_t now, bool connect_failed) {
    Conn& conn = conns[c];
    Target& t = targets[conn.target];
    if (connect_failed) ++t.connect_errors;
    if (conn.busy) ++t.closed;
    epoll_ctl(epfd_, EPOLL_CTL_DEL, conn.fd, nullptr);
    ::close(conn.fd);
    conn.fd = -1;
    conn.busy = conn.connecting = false;
    auto it = std::find(t.idle.begin(), t.idle.end(), int(c));
    if (it != t.idle.end()) t.idle.erase(it);
    conn.reconnect_at = now + 100'000'000;
  }

  void dispatch(size_t ti, int64_t now) {
    Target& t = targets[ti];
    for (size_t c = 0; c < conns.size(); ++c)  // reconnections due
      if (conns[c].target == ti && conns[c].fd < 0 && conns[c].reconnect_at > 0 && conns[c].reconnect_at <= now) open(c, now);
    while (!t.queue.empty() && !t.idle.empty()) {
      size_t c = size_t(t.idle.back());
      t.idle.pop_back();
      auto [due, id] = t.queue.front();
      t.queue.pop_front();
      Conn& conn = conns[c];
      conn.out.clear(), conn.out_off = 0;
      conn.out += method;
      conn.out += ' ';
      t.path.render(conn.out, id, run);
      conn.out += " HTTP/1.1\r\nHost: ";
      conn.out += t.host_header;
      conn.out += "\r\n";
      for (const std::string& h : headers) conn.out += h + "\r\n";
      if (has_body) {
        std::string b;
        body.render(b, id, run);
        conn.out += "Content-Length: " + std::to_string(b.size()) + "\r\n\r\n";
        conn.out += b;
      } else {
        conn.out += "\r\n";
      }
      conn.busy = true;
      conn.due = due;
      conn.sent_at = now;
      ++sent_;
      flush(c, now);
    }
  }

  void flush(size_t c, int64_t now) {
    Conn& conn = conns[c];
    while (conn.out_off < conn.out.size()) {
      ssize_t n = ::send(conn.fd, conn.out.data() + conn.out_off, conn.out.size() - conn.out_off, MSG_NOSIGNAL);
      if (n > 0) {
        conn.out_off += size_t(n);
        continue;
      }
      if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
        if (!conn.want_out) watch(c, true);
        return;
      }
      drop(c, now, false);
      return;
    }
    if (conn.want_out) watch(c, false);
  }

  void handle(size_t c, uint32_t events, int64_t now) {
    Conn& conn = conns[c];
    if (conn.fd < 0) return;
    if (conn.connecting) {
      int err = 0;
      socklen_t len = sizeof err;
      getsockopt(conn.fd, SOL_SOCKET, SO_ERROR, &err, &len);
      if (err != 0 || (events & (EPOLLERR | EPOLLHUP))) return drop(c, now, true);
      if (!(events & EPOLLOUT)) return;
      conn.connecting = false;
      watch(c, false);
      targets[conn.target].idle.push_back(int(c));
      return;
    }
    if (events & EPOLLOUT) flush(c, now);
    if (conn.fd < 0) return;
    if (events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR)) {
      char buf[16384];
      bool ended = false;  // closed by the server, or reset: what came before it is read first
      for (;;) {
        ssize_t n = ::recv(conn.fd, buf, sizeof buf, 0);
        if (n > 0) {
          conn.in.append(buf, size_t(n));
          if (size_t(n) < sizeof buf) break;
          continue;
        }
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) break;
        ended = true;
        break;
      }
      for (;;) {
        Parsed p = parse_response(conn.in);
        if (p.bad) return drop(c, now, false);
        if (p.length == 0) break;
        conn.in.erase(0, p.length);
        if (conn.busy) complete(c, p.status, now);
        if (p.close) return drop(c, now, false);
      }
      if (ended) drop(c, now, false);
    }
  }

  void complete(size_t c, int status, int64_t now) {
    Conn& conn = conns[c];
    Target& t = targets[conn.target];
    conn.busy = false;
    ++t.responses;
    if (now >= window_from_ && now < window_to_) ++t.in_window;
    if (conn.due >= window_from_ && conn.due < window_to_) {
      t.latencies.emplace_back(now - conn.due, status);
      ++t.status[status];
    }
    t.idle.push_back(int(c));
  }

  void check_timeouts(int64_t now) {
    for (size_t c = 0; c < conns.size(); ++c) {
      Conn& conn = conns[c];
      if (conn.fd >= 0 && conn.busy && now - conn.sent_at > int64_t(timeout * 1e9)) {
        ++targets[conn.target].timeouts;
        conn.busy = false;  // counted as a timeout, not as closed
        drop(c, now, false);
      }
    }
  }

  void report(int64_t now) {
    // Requests still on a connection at the end timed out; requests never sent are unsent.
    for (Conn& conn : conns)
      if (conn.fd >= 0 && conn.busy) ++targets[conn.target].timeouts;
    nlohmann::json out, per_url = nlohmann::json::array();
    std::vector<int64_t> all;
    std::map<int, uint64_t> status;
    uint64_t responses = 0, in_window = 0, non_2xx = 0, connect = 0, closed = 0, timeouts = 0, unsent = 0;
    for (const Target& t : targets) {
      std::vector<int64_t> mine;
      uint64_t mine_non_2xx = 0;
      for (auto [ns, st] : t.latencies) {
        mine.push_back(ns);
        all.push_back(ns);
        if (st < 200 || st > 299) ++mine_non_2xx;
      }
      nlohmann::json st = nlohmann::json::object();
      for (auto [code, n] : t.status) st[std::to_string(code)] = n, status[code] += n;
      per_url.push_back({{"url", t.url}, {"responses", t.responses}, {"achieved_rate", std::round(double(t.in_window) / duration)},
                         {"latency_ms", latency_json(percentiles(mine))}, {"status", st}, {"non_2xx", mine_non_2xx},
                         {"errors", {{"connect", t.connect_errors}, {"closed", t.closed}, {"timeout", t.timeouts}, {"unsent", t.queue.size()}}}});
      responses += t.responses, in_window += t.in_window, non_2xx += mine_non_2xx;
      connect += t.connect_errors, closed += t.closed, timeouts += t.timeouts, unsent += t.queue.size();
    }
    unsent += total_ - next_;
    nlohmann::json st = nlohmann::json::object();
    for (auto [code, n] : status) st[std::to_string(code)] = n;
    out["target_rate"] = rate;
    out["duration_s"] = duration;
    out["warmup_s"] = warmup;
    out["connections"] = conns.size();
    out["scheduled"] = total_;
    out["sent"] = sent_;
    out["responses"] = responses;
    out["measured"] = all.size();
    out["achieved_rate"] = std::round(double(in_window) / duration);
    out["elapsed_s"] = std::round(double(now - start_) / 1e6) / 1000;
    out["max_queued"] = max_queued_;
    out["latency_ms"] = latency_json(percentiles(all));
    out["status"] = st;
    out["non_2xx"] = non_2xx;
    out["errors"] = {{"connect", connect}, {"closed", closed}, {"timeout", timeouts}, {"unsent", unsent}};
    if (targets.size() > 1) out["per_url"] = per_url;
    std::printf("%s\n", out.dump().c_str());
  }
};

}  // namespace

int main(int argc, char** argv) {
  Generator g;
  std::vector<std::string> urls;
  bool have_rate = false, have_duration = false;
  for (int i = 1; i < argc; ++i) {
    std::string opt = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) usage_error(opt + " needs a value");
      return argv[++i];
    };
    if (opt == "--url") urls.push_back(value());
    else if (opt == "--rate") g.rate = positive_number(opt, value()), have_rate = true;
    else if (opt == "--duration") g.duration = positive_number(opt, value()), have_duration = true;
    else if (opt == "--warmup") g.warmup = positive_number(opt, value(), true);
    else if (opt == "--timeout") g.timeout = positive_number(opt, value());
    else if (opt == "--connections") {
      std::string v = value();
      double n = positive_number(opt, v);
      if (n != std::floor(n) || n > 10000) usage_error("--connections must be a whole number from 1 to 10000, got '" + v + "'");
      g.per_target = int(n);
    } else if (opt == "--method") g.method = value();
    else if (opt == "--body") g.body = Template(value()), g.has_body = true;
    else if (opt == "--header") {
      std::string h = value();
      size_t colon = h.find(':');
      if (colon == std::string::npos || colon == 0 || h.find_first_of("\r\n") != std::string::npos)
        usage_error("--header must be 'Name: value' on one line, got '" + h + "'");
      g.headers.push_back(h);
    } else usage_error("unknown argument '" + opt + "'");
  }
  if (urls.empty()) usage_error("--url is required");
  if (!have_rate) usage_error("--rate is required");
  if (!have_duration) usage_error("--duration is required");
  if ((g.warmup + g.duration) * g.rate > 1e8) usage_error("more than 100 million requests scheduled: lower --rate or --duration");
  bool has_type = false;
  for (const std::string& h : g.headers) has_type |= iequals_prefix(h, "content-type:");
  if (g.has_body && !has_type) g.headers.push_back("Content-Type: application/json");
  for (const std::string& u : urls) g.targets.push_back(parse_url(u));
  timespec wall{};
  clock_gettime(CLOCK_REALTIME, &wall);
  g.run = std::to_string(int64_t(wall.tv_sec) * 1'000'000 + wall.tv_nsec / 1000);
  return g.run_all();
}
