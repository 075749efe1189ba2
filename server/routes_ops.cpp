// Operations: liveness and Prometheus metrics.
#include "server/routes.h"

namespace iwd::server {

std::vector<Route> ops_routes(ServerContext& ctx) {
  std::vector<Route> r;
  r.push_back({"GET", "/healthz", kPublic, [&ctx](const Call&, httplib::Response& res) {
                 send(res, ctx.engine->read([](const runtime::Runtime& rt, std::int64_t) {
                   return Reply{200, nlohmann::ordered_json{{"status", "ok"}, {"open_items", rt.open_items()}}};
                 }));
               }});
  r.push_back({"GET", "/metrics", roles({Role::Supervisor}), [&ctx](const Call&, httplib::Response& res) {
                 const CommitStats commits = ctx.engine->commit_stats();
                 const Reply r = ctx.engine->read([&](const runtime::Runtime& rt, std::int64_t now) {
                   return Reply{200, ctx.metrics->render(rt, now, commits.lines, commits.transactions)};
                 });
                 res.status = r.status;
                 if (r.status == 200) res.set_content(r.body.get<std::string>(), "text/plain; version=0.0.4");
                 else send(res, r);
               }});
  return r;
}

}  // namespace iwd::server
