// Operations: liveness and Prometheus metrics.
#include "server/routes.h"

namespace iwd::server {

std::vector<Route> ops_routes(ServerContext& ctx) {
  std::vector<Route> r;
  r.push_back({"GET", "/healthz", kPublic, [&ctx](const Call&, const Responder& res) {
                 ctx.engine->read(
                     [workspace = ctx.config ? ctx.config->workspace : std::string()](const runtime::Runtime& rt, std::int64_t) {
                       nlohmann::ordered_json body{{"status", "ok"}, {"open_items", rt.open_items()}};
                       if (!workspace.empty()) body["workspace"] = workspace;  // /v1/workspaces/{ws}/healthz
                       return Reply{200, std::move(body)};
                     },
                     res);
               }});
  r.push_back({"GET", "/metrics", roles({Role::Supervisor}), [&ctx](const Call&, const Responder& res) {
                 const CommitStats commits = ctx.engine->commit_stats();
                 Metrics* metrics = ctx.metrics;
                 Engine* engine = ctx.engine;
                 ctx.engine->read(
                     [metrics, engine, commits](const runtime::Runtime& rt, std::int64_t now) {
                       return Reply{200, metrics->render(rt, engine->stats().queue, now, commits.lines, commits.transactions) +
                                             engine->notify_metrics() + recovery_metrics(engine->start_stats())};
                     },
                     [res, metrics, commits, workspace = ctx.config ? ctx.config->workspace : std::string()](const Reply& r) {
                       auto page = [&workspace](std::string text) {
                         return workspace.empty() ? text : label_workspace(text, workspace);
                       };
                       if (r.status == 200) res.text(200, "text/plain; version=0.0.4", page(r.body.get<std::string>()));
                       // The journal failed: the engine reads nothing, the page still says so.
                       else if (metrics->journal_failed())
                         res.text(200, "text/plain; version=0.0.4", page(metrics->render_failed(commits.lines, commits.transactions)));
                       else res(r);
                     });
               }});
  if (ctx.node) node_routes(ctx, &r);  // iwd serve --node: the node's own health and readiness
  return r;
}

}  // namespace iwd::server
