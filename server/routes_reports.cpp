// Supervisors: the historical reports (docs/reporting.md, "Measures") over the service's own
// event history. A report over a long history takes seconds: it is computed on a thread of its
// own, never on the engine's or on the HTTP front end's one thread (which would hold every other
// request meanwhile), from a reader of its own (on journal.db, whose WAL lets it read beside the
// journal's writer, or a PostgreSQL session of the workspace), and answered from there (the connection waits suspended; stopping the
// server waits for it like for any request in flight).
#include <fmt/format.h>

#include <atomic>
#include <thread>

#include "reports/run.h"
#include "runtime/clock.h"
#include "server/routes.h"

namespace iwd::server {
namespace {

constexpr RoleSet kSupervisor = roles({Role::Supervisor});
// Reports computed at once; more are refused (503) rather than queued behind them.
constexpr int kMaxRunning = 2;
std::atomic<int> running{0};

void compute(const reports::Options& options, const Engine& engine, bool csv, const Responder& res) {
  std::string error;
  auto store = engine.open_history_reader(&error);
  if (!store) return send(res, error_reply(503, "history_unavailable", error));
  // The report's clock is the service's, read as it begins: the intervals after now are not
  // reported (run_report moves now to a record written since, in the history it reads).
  reports::Options o = options;
  o.now = runtime::SystemClock().now().ms_since_epoch;
  o.now_is_clock = true;
  bool failed = false;
  auto table = reports::run_report(*store, o, &failed);
  if (!table.ok())
    return send(res, failed ? error_reply(503, "history_unavailable", table.error) : error_reply(400, "bad_report", table.error));
  if (csv) return res.text(200, "text/csv; charset=utf-8", reports::render(table.value, reports::Format::Csv));
  res.text(200, "application/json", reports::render(table.value, reports::Format::Json));
}

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
                 if (running.fetch_add(1) >= kMaxRunning) {
                   running.fetch_sub(1);
                   return send(res, error_reply(503, "reports_busy",
                                                fmt::format("{} reports are being computed; ask again later", kMaxRunning)));
                 }
                 const bool csv = q.accept.find("text/csv") != std::string::npos;
                 std::thread([options = options.value, engine = ctx.engine, csv, res] {
                   compute(options, *engine, csv, res);
                   running.fetch_sub(1);
                 }).detach();
               }});
  return r;
}

}  // namespace iwd::server
