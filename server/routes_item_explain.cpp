// An open item's explanation (docs/api.md, "GET /v1/items/{id}/explain"): `iwd explain`'s JSON
// for the item as the runtime holds it (its record, its age now, the supervisor's override in
// force, the logged-in agents), made by compiler/explain through compiler/inspect, and with
// ?curve=N its priority over its life. On the engine thread, inside a read: one item's
// explanation is a classification walk, a due computation, a priority and its next change, and
// at most kMaxAgents agents' checks, plus at most kMaxCurvePoints priorities (bench figures in
// docs/api.md): a millisecond or two, like a page of GET /v1/queue.
#include "server/item_explain.h"

#include <fmt/format.h>

#include <charconv>
#include <cstdio>

#include "compiler/inspect/item_explain.h"
#include "server/item_history.h"
#include "server/routes.h"

namespace iwd::server {
namespace {

constexpr RoleSet kExplainers = roles({Role::Source, Role::Agent, Role::Supervisor});

}  // namespace

Reply explain_open_item(const Ruleset& rules, const runtime::Runtime& rt, std::int64_t now, const std::string& id,
                        std::int32_t curve_points, const std::string& only_agent) {
  const auto interned = rt.pool().find(id);
  const runtime::WorkItem* item = interned ? rt.find_item(*interned) : nullptr;
  if (!item || !runtime::is_open(item->state)) return error_reply(404, "not_found", fmt::format("no open item `{}`", id));
  const std::string holder = item->agent != runtime::kNoIndex ? std::string(rt.pool().view(rt.agents()[item->agent].id)) : "";
  if (!only_agent.empty() && holder != only_agent)
    return error_reply(403, "forbidden", fmt::format("item `{}` is not with agent `{}`", id, only_agent));
  if (!rules.source || !rules.loaded)
    return error_reply(409, "no_source",
                       "the rules in force were loaded from a bundle, which holds no source to explain with: start the "
                       "service with --rules naming the source files, or upload them (PUT /v1/admin/rules)");
  compiler::ItemExplainRequest request;
  request.record = &item->record;
  request.at = item->record.get_int(runtime::kSlotCapturedAt);
  request.age = std::max<std::int64_t>(0, item->age(now));
  request.override = rt.priority_override(*item);
  request.curve_points = curve_points;
  // The item's own agent first, then the logged-in agents in login order, at most kMaxAgents.
  std::size_t logged_in = 0;
  if (item->agent != runtime::kNoIndex) request.agents.push_back(rt.agents()[item->agent].view());
  for (std::size_t a = 0; a < rt.agents().size(); ++a) {
    if (!rt.agents()[a].logged_in() || a == item->agent) continue;
    ++logged_in;
    if (request.agents.size() < kMaxExplainedAgents) request.agents.push_back(rt.agents()[a].view());
  }
  const std::size_t shown_others = request.agents.size() - (item->agent != runtime::kNoIndex ? 1 : 0);
  compiler::ItemExplanation x = compiler::explain_item(*rules.loaded, *rules.source, request);
  for (const auto& d : x.disagreements)  // a bug in the interpreter or the JIT: said, not hidden
    std::fprintf(stderr, "iwd serve: internal error explaining `%s`: %s\n", id.c_str(), d.c_str());
  nlohmann::ordered_json body{{"id", id},
                              {"state", std::string(runtime::item_state_name(item->state))},
                              {"priority", item->priority},
                              {"agent", holder.empty() ? nlohmann::ordered_json(nullptr) : nlohmann::ordered_json(holder)},
                              {"agents_left_out", logged_in - shown_others},
                              {"explanation", std::move(x.explanation)}};
  if (curve_points > 0) body["curve"] = std::move(x.curve);
  return Reply{200, std::move(body)};
}

std::vector<Route> item_explain_routes(ServerContext& ctx) {
  std::vector<Route> r;
  // ?curve=N (2 to 1000): the priority curve with about N points.
  r.push_back({"GET", "/v1/items/{id}/explain", kExplainers, [&ctx](const Call& call, const Responder& res) {
                 const std::string id = call.param(1);
                 std::int32_t curve = 0;
                 if (auto text = call.req.query_value("curve")) {
                   const auto [end, ec] = std::from_chars(text->data(), text->data() + text->size(), curve);
                   if (ec != std::errc() || end != text->data() + text->size() || curve < 2 || curve > kMaxCurvePoints)
                     return send(res, error_reply(400, "bad_curve", fmt::format("`curve` is a whole number of points from 2 to {}", kMaxCurvePoints)));
                 }
                 const std::string source = call.caller.role == Role::Source ? call.caller.name : "";
                 const std::string agent = call.caller.role == Role::Agent ? call.caller.agent : "";
                 ctx.engine->read(
                     [engine = ctx.engine, id, curve, source, agent](const runtime::Runtime& rt, std::int64_t now) {
                       if (!source.empty())
                         if (const std::string owner = engine->item_source(id); !owner.empty() && owner != source)
                           return error_reply(403, "forbidden", fmt::format("item `{}` is not source `{}`'s", id, source));
                       return explain_open_item(engine->ruleset_in_force(), rt, now, id, curve, agent);
                     },
                     [&ctx, caller = call.caller, id, res](const Reply& reply) {
                       if (reply.status != 404) return res(reply);
                       // Not open: an item that ended is told so (409), from the history.
                       if (!ctx.config || !ctx.config->history || !ctx.config->data) return res(reply);
                       std::string error;
                       auto store = history::Store::open_reader(*ctx.config->data, &error);
                       if (!store) return res(error_reply(503, "history_unavailable", error));
                       auto ended = ended_item(*store, id, &error);
                       if (!error.empty()) return res(error_reply(503, "history_unavailable", error));
                       if (!ended) return res(reply);
                       if (auto forbidden = forbid_other_source(caller, id, ended->source)) return res(*forbidden);
                       const std::string state = ended->view.value("state", std::string("ended"));
                       res(error_reply(409, "not_open",
                                       fmt::format("item `{}` is {}: only an open item is explained (its history: GET "
                                                   "/v1/items/{}/history)", id, state, id)));
                     });
               }});
  return r;
}

}  // namespace iwd::server
