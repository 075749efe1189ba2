// Supervisors: the historical reports (docs/reporting.md, "Measures") over the service's own
// event history. Each request opens a reader of its own on journal.db (SQLite's WAL lets it
// read beside the journal's writer) and computes the report on the HTTP thread, never on the
// engine's: a report over a long history takes seconds, and the engine goes on meanwhile.
#include "reports/run.h"
#include "server/routes.h"

namespace iwd::server {
namespace {

constexpr RoleSet kSupervisor = roles({Role::Supervisor});

}  // namespace

std::vector<Route> report_routes(ServerContext& ctx) {
  std::vector<Route> r;
  // GET /v1/reports/{kind}?from=&to=[&by=][&interval=][&tz=][&item=]: the report as JSON (the
  // table of `iwd report --format json`), or CSV with `Accept: text/csv`.
  r.push_back({"GET", "/v1/reports/{kind}", kSupervisor, [&ctx](const Call& call, const Responder& res) {
                 const auto& q = call.req;
                 auto get = [&](const char* name) { return q.query_value(name).value_or(""); };
                 auto options = reports::parse_request(
                     {call.param(1), get("from"), get("to"), get("by"), get("interval"), get("tz"), get("item")}, "");
                 if (!options.ok()) return send(res, error_reply(400, "bad_report", options.error));
                 if (!ctx.config->history || !ctx.config->data)
                   return send(res, error_reply(404, "no_history", "this service keeps no event history (history: false)"));
                 std::string error;
                 auto store = history::Store::open_reader(*ctx.config->data, &error);
                 if (!store) return send(res, error_reply(503, "history_unavailable", error));
                 bool failed = false;
                 auto table = reports::run_report(*store, options.value, &failed);
                 if (!table.ok())
                   return send(res, failed ? error_reply(503, "history_unavailable", table.error)
                                           : error_reply(400, "bad_report", table.error));
                 if (q.accept.find("text/csv") != std::string::npos)
                   return res.text(200, "text/csv; charset=utf-8", reports::render(table.value, reports::Format::Csv));
                 res.text(200, "application/json", reports::render(table.value, reports::Format::Json));
               }});
  return r;
}

}  // namespace iwd::server
