// The latency the proxy adds (docs/deployment.md, "Routing: a proxy, not a 307"): one owner
// (bench/loopback_server.h, examples/enterprise.iwd) and, in the same process, a second front
// end whose directory places workspace `default` on the owner, so that its
// /v1/workspaces/default/... requests are forwarded there. One client on a keep-alive
// connection sends GET /v1/workspaces/default/items/B-1 in turns, directly and through the
// proxy, in alternating rounds; p50 and p99 of each, and the medians over the rounds.
//   proxy_bench [requests per round, default 2000] [rounds, default 5]
#include <fmt/format.h>
#include <httplib.h>

#include <chrono>
#include <cstdlib>

#include "bench/loopback_server.h"

namespace {

using namespace iwd;
using Clock = std::chrono::steady_clock;

class ElsewhereDirectory final : public server::WorkspaceDirectory {
 public:
  ElsewhereDirectory(std::string owner, const server::RouteTable& none) : owner_(std::move(owner)), none_(none) {}
  std::shared_ptr<const server::RouteTable> find(const std::string&) const override { return nullptr; }
  const server::RouteTable& deployment() const override { return none_; }
  bool token_elsewhere(std::string_view, const server::RouteTable&) const override { return false; }
  void close_streams() override {}
  Place place(const std::string&) const override { return {Place::Kind::owner, owner_}; }

 private:
  std::string owner_;
  const server::RouteTable& none_;
};

// `n` GETs on one keep-alive connection to `port`: their latencies in µs (-1 on a failure).
std::vector<double> round(int port, int n) {
  httplib::Client client("127.0.0.1", port);
  client.set_keep_alive(true);
  client.set_tcp_nodelay(true);
  std::vector<double> out;
  for (int k = 0; k < n; ++k) {
    const auto t0 = Clock::now();
    auto r = client.Get("/v1/workspaces/default/items/B-1");
    if (!r || r->status != 200) return {-1};
    out.push_back(std::chrono::duration<double, std::micro>(Clock::now() - t0).count());
  }
  return out;
}

double median(std::vector<double> v) { return bench::percentile(std::move(v), 0.5); }

}  // namespace

int main(int argc, char** argv) {
  const int n = argc > 1 ? std::atoi(argv[1]) : 2000;
  const int rounds = argc > 2 ? std::atoi(argv[2]) : 5;
  bench::LoopbackServer owner("iwd_proxy_bench");
  httplib::Client setup("127.0.0.1", owner.port);
  auto created = setup.Post("/v1/items", R"({"id": "B-1", "department": "Sales", "segment": "Silver"})", "application/json");
  if (!created || created->status / 100 != 2) {
    std::fprintf(stderr, "the create failed: %s\n", created ? created->body.c_str() : "no answer");
    return 1;
  }
  const server::ServerContext ctx{owner.engine.get(), &owner.metrics, &owner.hub, &owner.config, &owner.pool};
  server::RouteTable none(ctx, owner.auth, [](server::ServerContext&) { return std::vector<server::Route>{}; });
  ElsewhereDirectory elsewhere(fmt::format("127.0.0.1:{}", owner.port), none);
  server::HttpFrontEnd proxy(ctx, owner.auth);
  proxy.serve_workspaces(&elsewhere);
  const int proxy_port = proxy.bind("127.0.0.1", 0);
  std::vector<double> direct50, direct99, proxied50, proxied99;
  for (int r = 0; r < rounds; ++r) {
    for (int which = 0; which < 2; ++which) {
      const std::vector<double> v = round(which == 0 ? owner.port : proxy_port, n);
      if (v.size() == 1 && v[0] < 0) {
        std::fprintf(stderr, "a request failed\n");
        return 1;
      }
      (which == 0 ? direct50 : proxied50).push_back(bench::percentile(v, 0.5));
      (which == 0 ? direct99 : proxied99).push_back(bench::percentile(v, 0.99));
    }
    std::printf("round %d: direct p50 %.0f us p99 %.0f us | proxied p50 %.0f us p99 %.0f us\n", r + 1, direct50.back(),
                direct99.back(), proxied50.back(), proxied99.back());
  }
  std::printf("medians over %d rounds of %d: direct p50 %.0f us p99 %.0f us, proxied p50 %.0f us p99 %.0f us: +%.0f us at p50 "
              "(x%.2f), +%.0f us at p99 (x%.2f)\n",
              rounds, n, median(direct50), median(direct99), median(proxied50), median(proxied99),
              median(proxied50) - median(direct50), median(proxied50) / median(direct50),
              median(proxied99) - median(direct99), median(proxied99) / median(direct99));
  proxy.stop();
  return 0;
}
