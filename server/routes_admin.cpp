// Admin: the ruleset in force, and uploading a new one (hot reload). The upload is compiled
// in memory and checked first (server/ruleset.h); with errors the running rules stay and the
// reply carries the diagnostics as JSON. Then every open item is re-evaluated under the new rules (server/state_image.h).
#include <fmt/format.h>

#include <mutex>
#include <thread>

#include "server/routes.h"
#include "server/ruleset.h"

namespace iwd::server {

using ojson = nlohmann::ordered_json;

namespace {
constexpr RoleSet kAdmin = roles({});
constexpr RoleSet kSupervisor = roles({Role::Supervisor});
std::mutex uploading;  // one compilation at a time
}  // namespace

std::vector<Route> notify_routes(ServerContext& ctx);  // routes_notify.cpp: subscriptions, deliveries

std::vector<Route> admin_routes(ServerContext& ctx) {
  std::vector<Route> r;
  r.push_back({"GET", "/v1/admin/rules", kSupervisor, [&ctx](const Call&, const Responder& res) {
                 Engine* engine = ctx.engine;
                 engine->read(
                     [engine](const runtime::Runtime& rt, std::int64_t) {
                       ojson processes = ojson::array();
                       for (std::int32_t p = 0; p < rt.rules().process_count; ++p) processes.push_back(rt.rules().process_names[p]);
                       ojson report_by = ojson::array();
                       for (std::int32_t d = 0; d < runtime::abi::report_dimension_count(rt.rules()); ++d)
                         report_by.push_back(rt.rules().report_dimension_names[d]);
                       return Reply{200, ojson{{"ruleset", engine->ruleset_label()},
                                               {"timezone", engine->ruleset_timezone()},
                                               {"processes", std::move(processes)},
                                               {"report_by", std::move(report_by)},
                                               {"open_items", rt.open_items()}}};
                     },
                     res);
               }});
  r.push_back({"PUT", "/v1/admin/rules", kAdmin, [&ctx](const Call& call, const Responder& res) {
                 if (call.req.body.empty())
                   return send(res, error_reply(400, "empty_body",
                                                "send the ruleset: the text of an .iwd file, its files as JSON, or a bundle"));
                 // Compiling takes a while: on a thread of its own, not the front end's.
                 std::thread([body = call.req.body, pool = ctx.pool, engine = ctx.engine, res] {
                   std::lock_guard<std::mutex> one_at_a_time(uploading);
                   Ruleset next;
                   compiler::Diagnostics diagnostics;
                   std::string error;
                   const RulesetStatus s = load_ruleset_upload(body, *pool, &next, &error, &diagnostics);
                   if (s == RulesetStatus::BadUpload) return res(error_reply(400, "bad_upload", error));
                   if (s != RulesetStatus::Ok) {
                     Reply refused = s == RulesetStatus::RuleErrors
                                         ? error_reply(422, "rule_errors", "the rules have errors; the running rules stay")
                                         : error_reply(422, "rules_unusable", error + "; the running rules stay");
                     refused.body["error"]["diagnostics"] = diagnostics_json(diagnostics);
                     return res(refused);
                   }
                   engine->reload(std::move(next), res);
                 }).detach();
               },
               /*json_body=*/false});
  r.push_back({"POST", "/v1/admin/compact", kAdmin, [&ctx](const Call&, const Responder& res) {
                 ctx.engine->compact(res);
               }});
  for (Route& n : notify_routes(ctx)) r.push_back(std::move(n));
  return r;
}

}  // namespace iwd::server
