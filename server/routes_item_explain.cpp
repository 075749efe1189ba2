// An open item's explanation (docs/api.md, "GET /v1/items/{id}/explain"): `iwd explain`'s JSON
// for the item as the runtime holds it (its record, its age now, the supervisor's override in
// force, the logged-in agents), made by compiler/explain through compiler/inspect, and with
// ?curve=N its priority over its life. The engine thread only copies what it needs (a record,
// an override, at most kMaxExplainedAgents agents' skills: microseconds); the explanation (a
// classification walk, a due computation, a priority and its next change, the agents' checks
// and up to kMaxCurvePoints priorities: milliseconds, bench figures in docs/api.md) runs on a
// thread of its own, at most kMaxExplaining at once, so that no other request waits for it.
#include "server/item_explain.h"

#include <fmt/format.h>

#include <atomic>
#include <charconv>
#include <cstdio>
#include <thread>

#include "compiler/inspect/item_explain.h"
#include "server/item_history.h"
#include "server/routes.h"

namespace iwd::server {
namespace {

constexpr RoleSet kExplainers = roles({Role::Source, Role::Agent, Role::Supervisor});
std::atomic<int> explaining{0};

// What the rules read of an agent.
runtime::Agent copy_of(const runtime::Agent& a) {
  runtime::Agent c;
  c.id = a.id;
  c.skills = a.skills;
  c.groups = a.groups;
  c.attribute_names = a.attribute_names;
  c.attribute_values = a.attribute_values;
  return c;
}

Reply no_source(const std::string& why) {
  return error_reply(409, "no_source", why);
}

}  // namespace

std::variant<Reply, PreparedExplain> prepare_explain(const Ruleset& rules, const runtime::Runtime& rt, std::int64_t now,
                                                     const std::string& id, std::int32_t curve_points,
                                                     const std::string& only_agent) {
  const auto interned = rt.pool().find(id);
  const runtime::WorkItem* item = interned ? rt.find_item(*interned) : nullptr;
  if (!item || !runtime::is_open(item->state)) return error_reply(404, "not_found", fmt::format("no open item `{}`", id));
  PreparedExplain p;
  p.reader = std::make_shared<runtime::StringPool::Reader>(rt.pool().reader());
  p.holder = item->agent != runtime::kNoIndex ? std::string(rt.pool().view(rt.agents()[item->agent].id)) : "";
  if (!only_agent.empty() && p.holder != only_agent)
    return error_reply(403, "forbidden", fmt::format("item `{}` is not with agent `{}`", id, only_agent));
  if (!rules.source || !rules.loaded)
    return no_source("the rules in force came from a bundle that does not hold their source files, which an "
                     "explanation shows: upload the source files (PUT /v1/admin/rules), start the service with --rules "
                     "naming them, or deploy a bundle built with `iwd build --sources`");
  p.rules = rules.loaded;
  p.source = rules.source;
  p.id = id;
  p.state = std::string(runtime::item_state_name(item->state));
  p.priority = item->priority;
  p.record = item->record;
  p.at = item->record.get_int(runtime::kSlotCapturedAt);
  p.age = std::max<std::int64_t>(0, item->age(now));
  if (const runtime::PriorityOverride* o = rt.priority_override(*item)) p.override = *o;
  p.curve_points = curve_points;
  // The item's own agent first, then the logged-in agents in login order, at most kMaxAgents.
  std::size_t logged_in = 0;
  if (item->agent != runtime::kNoIndex) p.agents.push_back(copy_of(rt.agents()[item->agent]));
  for (std::size_t a = 0; a < rt.agents().size(); ++a) {
    if (!rt.agents()[a].logged_in() || a == item->agent) continue;
    ++logged_in;
    if (p.agents.size() < kMaxExplainedAgents) p.agents.push_back(copy_of(rt.agents()[a]));
  }
  p.agents_left_out = logged_in - (p.agents.size() - (item->agent != runtime::kNoIndex ? 1 : 0));
  return p;
}

Reply explain_prepared(const PreparedExplain& p) {
  compiler::ItemExplainRequest request;
  request.record = &p.record;
  request.at = p.at;
  request.age = p.age;
  request.override = p.override ? &*p.override : nullptr;
  request.curve_points = p.curve_points;
  for (const runtime::Agent& a : p.agents) request.agents.push_back(a.view());
  compiler::ItemExplanation x = compiler::explain_item(*p.rules, *p.source, request);
  if (!x.no_source.empty())
    return no_source(x.no_source + ": upload the source files again (PUT /v1/admin/rules) to explain items");
  for (const auto& d : x.disagreements)  // a bug in the interpreter or the JIT: said, not hidden
    std::fprintf(stderr, "iwd serve: internal error explaining `%s`: %s\n", p.id.c_str(), d.c_str());
  nlohmann::ordered_json body{{"id", p.id},
                              {"state", p.state},
                              {"priority", p.priority},
                              {"agent", p.holder.empty() ? nlohmann::ordered_json(nullptr) : nlohmann::ordered_json(p.holder)},
                              {"agents_left_out", p.agents_left_out},
                              {"explanation", std::move(x.explanation)}};
  if (p.curve_points > 0) body["curve"] = std::move(x.curve);
  return Reply{200, std::move(body)};
}

Reply explain_open_item(const Ruleset& rules, const runtime::Runtime& rt, std::int64_t now, const std::string& id,
                        std::int32_t curve_points, const std::string& only_agent) {
  auto p = prepare_explain(rules, rt, now, id, curve_points, only_agent);
  if (auto* refused = std::get_if<Reply>(&p)) return std::move(*refused);
  return explain_prepared(std::get<PreparedExplain>(p));
}

bool explain_off_thread(std::shared_ptr<const PreparedExplain> p, std::function<void(const Reply&)> done,
                        std::function<void()> before) {
  if (explaining.fetch_add(1) >= kMaxExplaining) {
    explaining.fetch_sub(1);
    return false;
  }
  std::thread([p = std::move(p), done = std::move(done), before = std::move(before)]() mutable {
    if (before) before();
    Reply r;
    try {
      r = explain_prepared(*p);
    } catch (const std::exception& e) {  // a bug: said, answered 500, the server goes on
      std::fprintf(stderr, "iwd serve: internal error explaining `%s`: %s\n", p->id.c_str(), e.what());
      r = error_reply(500, "internal", fmt::format("explaining `{}` failed: {}", p->id, e.what()));
    }
    // The rules let go before the answer: stopping the server waits for the answer, and must
    // not find this thread still tearing down rules a reload replaced.
    p.reset();
    explaining.fetch_sub(1);
    done(r);
  }).detach();
  return true;
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
                 // Filled by the read on the engine thread; the answer (after it) computes from it.
                 auto prepared = std::make_shared<std::optional<PreparedExplain>>();
                 ctx.engine->read(
                     [engine = ctx.engine, id, curve, source, agent, prepared](const runtime::Runtime& rt, std::int64_t now) {
                       if (!source.empty())
                         if (const std::string owner = engine->item_source(id); !owner.empty() && owner != source)
                           return error_reply(403, "forbidden", fmt::format("item `{}` is not source `{}`'s", id, source));
                       auto p = prepare_explain(engine->ruleset_in_force(), rt, now, id, curve, agent);
                       if (auto* refused = std::get_if<Reply>(&p)) return std::move(*refused);
                       prepared->emplace(std::move(std::get<PreparedExplain>(p)));
                       return Reply{200, nullptr};
                     },
                     [&ctx, caller = call.caller, id, res, prepared](const Reply& reply) {
                       if (reply.status == 200 && *prepared) {
                         auto p = std::make_shared<const PreparedExplain>(std::move(**prepared));
                         if (!explain_off_thread(std::move(p), [res](const Reply& r) { res(r); }))
                           res(error_reply(503, "explain_busy",
                                           fmt::format("{} explanations are being computed; ask again later", kMaxExplaining)));
                         return;
                       }
                       if (reply.status != 404) return res(reply);
                       // Not open: an item that ended is told so (409), from the history.
                       if (!ctx.config || !ctx.config->history || !ctx.config->data) return res(reply);
                       std::string error;
                       auto store = ctx.engine->open_history_reader(&error);
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
