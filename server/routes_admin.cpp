// Admin: the ruleset in force, checking an upload (a dry run: compiled, nothing changed) and
// uploading a new one (hot reload). The upload is compiled in memory and checked first
// (server/ruleset.h); with errors the running rules stay and the reply carries the diagnostics
// as JSON. Then every open item is re-evaluated under the new rules (server/state_image.h).
#include <fmt/format.h>

#include <functional>
#include <mutex>
#include <thread>

#include "server/routes.h"
#include "server/ruleset.h"
#include "stdlib/time.h"

namespace iwd::server {

using ojson = nlohmann::ordered_json;

namespace {
constexpr RoleSet kAdmin = roles({});
constexpr RoleSet kSupervisor = roles({Role::Supervisor});
std::mutex uploading;  // one compilation at a time

// The upload compiled on a thread of its own (compiling takes a while: never on the front
// end's), one compilation at a time, then handed to `then` with its warnings; or the reply
// refusing it: 400 for an empty body or what is not a ruleset, 422 with the diagnostics for
// rules with errors or that cannot run here.
void compile_upload(const Call& call, const ServerContext& ctx, const Responder& res,
                    std::function<void(Ruleset, const compiler::Diagnostics&)> then) {
  if (call.req.body.empty())
    return send(res, error_reply(400, "empty_body", "send the ruleset: the text of an .iwd file, its files as JSON, or a bundle"));
  std::thread([body = call.req.body, pool = ctx.pool, res, then = std::move(then)] {
    Ruleset next;
    compiler::Diagnostics diagnostics;
    std::string error;
    RulesetStatus s;
    {
      std::lock_guard<std::mutex> one_at_a_time(uploading);
      s = load_ruleset_upload(body, *pool, &next, &error, &diagnostics);
    }
    if (s == RulesetStatus::Ok) return then(std::move(next), diagnostics);
    if (s == RulesetStatus::BadUpload) return res(error_reply(400, "bad_upload", error));
    Reply refused = s == RulesetStatus::RuleErrors ? error_reply(422, "rule_errors", "the rules have errors; the running rules stay")
                                                   : error_reply(422, "rules_unusable", error + "; the running rules stay");
    refused.body["error"]["diagnostics"] = diagnostics_json(diagnostics);
    res(refused);
  }).detach();
}
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
                       const Engine::RulesInForce in_force = engine->rules_in_force();
                       return Reply{200, ojson{{"ruleset", in_force.label},
                                               {"name", in_force.name},
                                               {"version", in_force.version},
                                               {"key", in_force.key},
                                               {"loaded_at", stdlib::format_instant(stdlib::Instant{in_force.loaded_at})},
                                               {"timezone", in_force.timezone},
                                               {"time_attributes", in_force.time_attributes},
                                               {"processes", std::move(processes)},
                                               {"report_by", std::move(report_by)},
                                               {"open_items", rt.open_items()}}};
                     },
                     res);
               }});
  // A dry run of PUT: the same compilation and the same refusals, and nothing changes. 200
  // names the ruleset the upload would put in force, with its warnings.
  r.push_back({"POST", "/v1/admin/rules/check", kAdmin, [&ctx](const Call& call, const Responder& res) {
                 compile_upload(call, ctx, res, [engine = ctx.engine, res](Ruleset next, const compiler::Diagnostics& diagnostics) {
                   const auto& manifest = next.loaded->manifest();
                   res(Reply{200, ojson{{"ruleset", next.label()},
                                        {"name", manifest.ruleset},
                                        {"version", manifest.ruleset_version},
                                        {"key", next.key},
                                        {"timezone", next.timezone()},
                                        {"in_force", next.key == engine->rules_in_force().key},
                                        {"diagnostics", diagnostics_json(diagnostics)}}});
                 });
               },
               /*json_body=*/false});
  r.push_back({"PUT", "/v1/admin/rules", kAdmin, [&ctx](const Call& call, const Responder& res) {
                 compile_upload(call, ctx, res, [engine = ctx.engine, res](Ruleset next, const compiler::Diagnostics&) {
                   engine->reload(std::move(next), res);
                 });
               },
               /*json_body=*/false});
  r.push_back({"POST", "/v1/admin/compact", kAdmin, [&ctx](const Call&, const Responder& res) {
                 ctx.engine->compact(res);
               }});
  for (Route& n : notify_routes(ctx)) r.push_back(std::move(n));
  return r;
}

}  // namespace iwd::server
