// Agents: register or change (skills, groups, capacity, state), set state, read, offers by
// polling and as a Server-Sent Events stream, the workbin, and a supervisor's return of a
// whole workbin to the queue.
#include <fmt/format.h>

#include "server/routes.h"
#include "server/routes_actions.h"
#include "server/views.h"

namespace iwd::server {

using json = nlohmann::json;
using ojson = nlohmann::ordered_json;

namespace {

constexpr RoleSet kAgentOrSupervisor = roles({Role::Agent, Role::Supervisor});
constexpr RoleSet kAgent = roles({Role::Agent});
constexpr RoleSet kSupervisor = roles({Role::Supervisor});

const runtime::Agent* agent_named(const runtime::Runtime& rt, const std::string& id) {
  const auto interned = rt.pool().find(id);
  return interned ? rt.find_agent(*interned) : nullptr;
}

Reply no_agent(const std::string& id) { return error_reply(404, "not_found", fmt::format("no agent `{}`", id)); }

// The items offered to an agent now.
std::vector<const runtime::WorkItem*> offers_of(const runtime::Runtime& rt, const runtime::Agent& a) {
  std::vector<const runtime::WorkItem*> out;
  for (std::uint32_t i : a.held)
    if (rt.items()[i].state == runtime::ItemState::Offered) out.push_back(&rt.items()[i]);
  return out;
}

using AgentRead = std::function<Reply(const runtime::Runtime&, const runtime::Agent&, std::int64_t now)>;

// A read about the agent the path names (the caller's own, for an agent token): 404 when the
// runtime has no such agent.
Handler agent_read(ServerContext& ctx, AgentRead f) {
  return [&ctx, f = std::move(f)](const Call& call, const Responder& res) {
    const std::string id = call.param(1);
    if (!own_agent(call, res, id)) return;
    ctx.engine->read(
        [id, f](const runtime::Runtime& rt, std::int64_t now) {
          const runtime::Agent* a = agent_named(rt, id);
          return a ? f(rt, *a, now) : no_agent(id);
        },
        res);
  };
}

// A known agent's state (and reason) changed: a typo must not register a new agent. The check
// and the change are one batch apart; an agent is never removed in between.
void change_state(Engine* engine, const std::string& id, json body, const Responder& res, std::string actor) {
  if (!body.contains("state"))
    return send(res, error_reply(422, "missing_state", "give `state`: \"ready\", \"not_ready\" or \"logged_out\""));
  body["id"] = id;
  engine->read([id](const runtime::Runtime& rt, std::int64_t) { return agent_named(rt, id) ? Reply{200, {}} : no_agent(id); },
               [engine, body = std::move(body), res, actor = std::move(actor)](const Reply& known) mutable {
                 if (known.status != 200) return res(known);
                 engine->change(Change{runtime::replay::Op::Agent, std::move(body), {}, std::move(actor)}, res);
               });
}

// Every parked item of an agent back to the queue, at most `limit` a request: one `return`
// change (journal line, history record) per item, each applied or refused on its own (an item
// may have moved since the read). The reply lists each item's status and how many are left.
void return_workbin(Engine* engine, const std::string& id, std::size_t limit, std::string actor, const Responder& res) {
  auto parked = std::make_shared<std::vector<std::string>>();
  auto total = std::make_shared<std::size_t>(0);
  engine->read(
      [id, parked, total](const runtime::Runtime& rt, std::int64_t) {
        const runtime::Agent* a = agent_named(rt, id);
        if (!a) return no_agent(id);
        const auto index = static_cast<std::uint32_t>(a - rt.agents().data());
        for (const runtime::WorkItem& item : rt.items())
          if (item.state == runtime::ItemState::Parked && item.agent == index) parked->emplace_back(rt.pool().view(item.id));
        *total = parked->size();
        return Reply{200, {}};
      },
      [engine, id, limit, parked, total, actor = std::move(actor), res](const Reply& known) {
        if (known.status != 200) return res(known);
        if (parked->size() > limit) parked->resize(limit);
        std::vector<Change> changes;
        for (const std::string& item : *parked) changes.push_back(Change{runtime::replay::Op::Return, json(item), {}, actor});
        const std::size_t remaining = *total - parked->size();
        auto gathered = [id, parked, remaining, res](std::vector<Reply> replies) {
          std::size_t returned = 0;
          ojson results = change_results(*parked, replies, &returned);
          res(Reply{200, ojson{{"agent", id}, {"returned", returned}, {"remaining", remaining}, {"results", std::move(results)}}});
        };
        engine->changes(std::move(changes), std::move(gathered));
      });
}

}  // namespace

std::vector<Route> agent_routes(ServerContext& ctx) {
  std::vector<Route> r;
  r.push_back({"PUT", "/v1/agents/{id}", kAgentOrSupervisor, [&ctx](const Call& call, const Responder& res) {
                 const std::string id = call.param(1);
                 if (!own_agent(call, res, id)) return;
                 json body;
                 if (!body_object(call, res, &body, true)) return;
                 if (body.contains("id") && body["id"] != json(id))
                   return send(res, error_reply(422, "id_mismatch", "the body's `id` differs from the path's"));
                 body.erase("id");
                 // An agent changes its own state and reason only: skills, groups and capacity
                 // are a supervisor's (or an admin's) to give.
                 if (call.caller.is_agent()) {
                   std::string others;
                   for (auto it = body.begin(); it != body.end(); ++it)
                     if (it.key() != "state" && it.key() != "reason") others += (others.empty() ? "`" : ", `") + it.key() + "`";
                   if (!others.empty())
                     return send(res, error_reply(403, "forbidden",
                                                  fmt::format("an agent token may change its agent's `state` and `reason` only, "
                                                              "not {}: ask a supervisor",
                                                              others)));
                   return change_state(ctx.engine, id, std::move(body), res, call.caller.name);
                 }
                 body["id"] = id;
                 ctx.engine->change(Change{runtime::replay::Op::Agent, std::move(body), {}, call.caller.name}, res);
               }});
  r.push_back({"PUT", "/v1/agents/{id}/state", kAgentOrSupervisor, [&ctx](const Call& call, const Responder& res) {
                 const std::string id = call.param(1);
                 if (!own_agent(call, res, id)) return;
                 json body;
                 if (!body_object(call, res, &body)) return;
                 for (auto it = body.begin(); it != body.end(); ++it)
                   if (it.key() != "state" && it.key() != "reason")
                     return send(res, error_reply(422, "unknown_field", fmt::format("unknown field `{}` (state, reason)", it.key())));
                 change_state(ctx.engine, id, std::move(body), res, call.caller.name);
               }});
  r.push_back({"GET", "/v1/agents/{id}", kAgentOrSupervisor,
               agent_read(ctx, [](const runtime::Runtime& rt, const runtime::Agent& a, std::int64_t) {
                 return Reply{200, agent_view(rt, a)};
               })});
  r.push_back({"GET", "/v1/agents/{id}/offers", kAgentOrSupervisor,
               agent_read(ctx, [](const runtime::Runtime& rt, const runtime::Agent& a, std::int64_t now) {
                 ojson offers = ojson::array();
                 for (const runtime::WorkItem* item : offers_of(rt, a)) offers.push_back(item_view(rt, *item, now));
                 return Reply{200, ojson{{"agent", agent_view(rt, a)}, {"offers", std::move(offers)}}};
               })});
  r.push_back({"GET", "/v1/agents/{id}/offers/stream", kAgent, [&ctx](const Call& call, const Responder& res) {
                 const std::string id = call.param(1);
                 if (!own_agent(call, res, id)) return;
                 // Subscribe first, then read the current offers: none is missed (one may come twice).
                 auto subscription = ctx.hub->subscribe(id);
                 auto initial = std::make_shared<std::vector<SseMessage>>();
                 OfferHub* hub = ctx.hub;
                 ctx.engine->read(
                     [id, initial](const runtime::Runtime& rt, std::int64_t now) {
                       const runtime::Agent* a = agent_named(rt, id);
                       if (!a) return no_agent(id);
                       for (const runtime::WorkItem* item : offers_of(rt, *a))
                         initial->push_back(SseMessage{"offer", item_view(rt, *item, now).dump()});
                       return Reply{200, {}};
                     },
                     [hub, subscription, initial, res](const Reply& known) {
                       if (known.status != 200) {
                         hub->unsubscribe(subscription);
                         return res(known);
                       }
                       res.stream(subscription, std::move(*initial));
                     });
               }});
  r.push_back({"GET", "/v1/agents/{id}/workbin", kAgentOrSupervisor,
               agent_read(ctx, [](const runtime::Runtime& rt, const runtime::Agent& a, std::int64_t now) {
                 const auto index = static_cast<std::uint32_t>(&a - rt.agents().data());
                 ojson parked = ojson::array(), held = ojson::array();
                 for (const runtime::WorkItem& item : rt.items())
                   if (item.state == runtime::ItemState::Parked && item.agent == index) parked.push_back(item_view(rt, item, now));
                 for (std::uint32_t i : a.held) held.push_back(item_view(rt, rt.items()[i], now));
                 return Reply{200, ojson{{"agent", agent_view(rt, a)}, {"parked", std::move(parked)}, {"holding", std::move(held)}}};
               })});
  r.push_back({"POST", "/v1/agents/{id}/workbin/return", kSupervisor, [&ctx](const Call& call, const Responder& res) {
                 json ignored;
                 if (!body_object(call, res, &ignored, true)) return;
                 return_workbin(ctx.engine, call.param(1), ctx.config->max_batch, call.caller.name, res);
               }});
  return r;
}

}  // namespace iwd::server
