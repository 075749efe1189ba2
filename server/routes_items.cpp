// Items: what sources do (capture, batch capture, read, update, complete, cancel, hold,
// resume, restart, reschedule), and what agents and supervisors do to an item (accept,
// reject, done, park, pull, transfer, return; a supervisor's cancel, hold, resume, assign,
// requeue).
#include <fmt/format.h>

#include <chrono>

#include "mapping/mapping.h"
#include "server/config.h"
#include "server/ids.h"
#include "server/routes.h"
#include "server/views.h"

namespace iwd::server {

using json = nlohmann::json;
using ojson = nlohmann::ordered_json;
using runtime::replay::Op;
using runtime::replay::op_name;

namespace {

constexpr RoleSet kSource = roles({Role::Source});
constexpr RoleSet kAgent = roles({Role::Agent});
constexpr RoleSet kAgentOrSupervisor = roles({Role::Agent, Role::Supervisor});
constexpr RoleSet kSupervisor = roles({Role::Supervisor});
// An item's read: an agent reads the items it holds (offered, assigned, parked), so its own
// console view can link them.
constexpr RoleSet kItemReaders = roles({Role::Source, Role::Agent, Role::Supervisor});
// Cancel, hold and resume: the source's, and a supervisor's (docs/lifecycle.md, "Supervisors").
constexpr RoleSet kSourceOrSupervisor = roles({Role::Source, Role::Supervisor});

const char* kItem = "/v1/items/{id}";

// A capture's body, checked for what the HTTP layer can tell: "" or the problem.
// A capture's body, checked for what the HTTP layer can tell: "" or the problem, with its code.
std::string capture_problem(const json& item, std::string* code) {
  *code = "missing_id";
  if (!item.is_object()) return "an item is a JSON object of attributes";
  if (!item.contains("id") || !item["id"].is_string() || item["id"].get<std::string>().empty())
    return "an item needs an `id` (a non-empty string): the source system's key";
  *code = "bad_id";
  return id_problem(item["id"].get_ref<const std::string&>());
}

// A source with a mapping (the configuration's `mappings`, docs/sources.md) posts its own
// payload: it is mapped here, before anything else sees it. "" or the problem (422).
std::string map_capture(const ServerContext& ctx, const Call& call, json* body) {
  const auto it = call.caller.role == Role::Source ? ctx.config->mappings.find(call.caller.name) : ctx.config->mappings.end();
  if (it == ctx.config->mappings.end()) return {};
  std::string problem;
  auto mapped = mapping::apply(it->second, *body, &problem);
  if (mapped) *body = std::move(*mapped);
  return problem;
}

// With ids scoped by source (`id_scope`: "source"), a source's capture is of `SOURCE:KEY`
// (its paths are scoped by the front end, server/http.cpp). "" or the problem (422 bad_id).
std::string scope_capture(const ServerContext& ctx, const Call& call, json* body) {
  if (call.caller.role != Role::Source || !ctx.config->ids_by_source) return {};
  std::string problem;
  (*body)["id"] = scoped_id(call.caller.name, (*body)["id"].get_ref<const std::string&>(), &problem);
  return problem;
}

// A body field naming an agent: "" or why it is not an agent id.
std::string agent_field_problem(const json& v, const char* field) {
  if (!v.is_string()) return fmt::format("`{}` is a string: an agent's id", field);
  if (std::string p = id_problem(v.get_ref<const std::string&>()); !p.empty()) return fmt::format("`{}`: {}", field, p);
  return {};
}

// A note's bound: free text for the history and the source, not a document.
constexpr std::size_t kMaxNoteBytes = 1000;

// The change of `done` and `complete`: the item's id, or {"item": ID, "outcome": OUTCOME,
// "note": TEXT} with those the body gives: an `outcome` (LANGUAGE.md 1.1 section 11; the rules
// refuse an undeclared one) and a free `note` (docs/reporting.md: its record's detail). False
// when the reply has been sent.
bool with_outcome(const Call& call, const Responder& res, json* value) {
  json body;
  if (!body_object(call, res, &body, true)) return false;
  if (!body.contains("outcome") && !body.contains("note")) {
    *value = json(call.param(1));
    return true;
  }
  *value = json{{"item", call.param(1)}};
  if (body.contains("outcome")) {
    if (!body["outcome"].is_string()) {
      send(res, error_reply(422, "bad_outcome", "`outcome` is a string: one of the rules' `outcomes`"));
      return false;
    }
    (*value)["outcome"] = body["outcome"];
  }
  if (body.contains("note")) {  // the parser has checked it is UTF-8
    if (!body["note"].is_string() || body["note"].get_ref<const std::string&>().size() > kMaxNoteBytes) {
      send(res, error_reply(422, "bad_note",
                            body["note"].is_string()
                                ? fmt::format("`note` is at most {} bytes of UTF-8; this one is {}", kMaxNoteBytes,
                                              body["note"].get_ref<const std::string&>().size())
                                : fmt::format("`note` is a string: free text of at most {} bytes", kMaxNoteBytes)));
      return false;
    }
    if (!body["note"].get_ref<const std::string&>().empty()) (*value)["note"] = body["note"];
  }
  return true;
}

// A source token's name: its changes touch only the items its source captured (the engine
// checks, server/engine_sources.cpp); empty for other roles.
std::string scope(const Call& call) { return call.caller.role == Role::Source ? call.caller.name : std::string(); }

}  // namespace

std::vector<Route> item_routes(ServerContext& ctx) {
  std::vector<Route> r;
  r.push_back({"POST", "/v1/items", kSource, [&ctx](const Call& call, const Responder& res) {
                 const auto t0 = std::chrono::steady_clock::now();
                 json body;
                 if (!body_object(call, res, &body)) return;
                 if (std::string p = map_capture(ctx, call, &body); !p.empty()) return send(res, error_reply(422, "mapping_failed", p));
                 std::string code;
                 if (std::string p = capture_problem(body, &code); !p.empty()) return send(res, error_reply(422, code, p));
                 if (std::string p = scope_capture(ctx, call, &body); !p.empty()) return send(res, error_reply(422, "bad_id", p));
                 Metrics* metrics = ctx.metrics;
                 ctx.engine->change(Change{Op::Capture, std::move(body), {}, call.caller.name, scope(call)}, [metrics, t0, res](const Reply& reply) {
                   if (reply.status < 300)
                     metrics->observe_capture(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
                   res(reply);
                 });
               }});
  r.push_back({"POST", "/v1/items/batch", kSource, [&ctx](const Call& call, const Responder& res) {
                 json body;
                 if (!body_object(call, res, &body)) return;
                 if (!body.contains("items") || !body["items"].is_array() || body.size() != 1)
                   return send(res, error_reply(422, "bad_batch", "a batch is {\"items\": [ITEM, ...]}"));
                 json& items = body["items"];
                 if (items.size() > ctx.config->max_batch)
                   return send(res, error_reply(413, "too_large", fmt::format("a batch holds at most {} items", ctx.config->max_batch)));
                 std::vector<Change> changes;
                 std::vector<std::size_t> positions;
                 ojson results = ojson::array();
                 for (std::size_t k = 0; k < items.size(); ++k) {
                   std::string code = "mapping_failed";
                   std::string p = map_capture(ctx, call, &items[k]);
                   if (p.empty()) p = capture_problem(items[k], &code);
                   if (p.empty()) code = "bad_id", p = scope_capture(ctx, call, &items[k]);
                   if (!p.empty()) {
                     results.push_back(ojson{{"status", 422}, {"error", {{"code", code}, {"message", p}}}});
                     continue;
                   }
                   results.push_back(nullptr);
                   positions.push_back(k);
                   changes.push_back(Change{Op::Capture, std::move(items[k]), {}, call.caller.name, scope(call)});
                 }
                 auto gathered = [results = std::move(results), positions, res](std::vector<Reply> replies) mutable {
                   for (std::size_t k = 0; k < replies.size(); ++k) {
                     ojson one{{"status", replies[k].status}};
                     if (replies[k].status < 300) one["item"] = replies[k].json();
                     else one["error"] = std::move(replies[k].body["error"]);
                     results[positions[k]] = std::move(one);
                   }
                   res(Reply{200, ojson{{"results", std::move(results)}}});
                 };
                 ctx.engine->changes(std::move(changes), std::move(gathered));
               }});
  r.push_back({"GET", kItem, kItemReaders, [&ctx](const Call& call, const Responder& res) {
                 const std::string id = call.param(1);
                 const std::string agent = call.caller.is_agent() ? call.caller.agent : "";
                 ctx.engine->read(
                     [engine = ctx.engine, id, source = scope(call), agent](const runtime::Runtime& rt, std::int64_t now) {
                       const auto interned = rt.pool().find(id);
                       const runtime::WorkItem* item = interned ? rt.find_item(*interned) : nullptr;
                       if (!item) return error_reply(404, "not_found", fmt::format("no open item `{}`", id));
                       if (!agent.empty() && (item->agent == runtime::kNoIndex || rt.pool().view(rt.agents()[item->agent].id) != agent))
                         return error_reply(403, "forbidden", fmt::format("item `{}` is not with agent `{}`", id, agent));
                       if (!source.empty())
                         if (const std::string owner = engine->item_source(id); !owner.empty() && owner != source)
                           return error_reply(403, "forbidden", fmt::format("item `{}` is not source `{}`'s", id, source));
                       return Reply{200, item_view(rt, *item, now)};
                     },
                     [&ctx, caller = call.caller, id, res](const Reply& reply) {
                       // Not open: an item that ended is told from the history.
                       if (reply.status == 404) return answer_ended_item(ctx, caller, id, reply, res);
                       res(reply);
                     });
               }});
  r.push_back({"PATCH", kItem, kSource, [&ctx](const Call& call, const Responder& res) {
                 json body;
                 if (!body_object(call, res, &body)) return;
                 const std::string id = call.param(1);
                 if (body.contains("id") && body["id"] != json(id) &&
                     !(body["id"].is_string() && scope_capture(ctx, call, &body).empty() && body["id"] == json(id)))
                   return send(res, error_reply(422, "id_mismatch", "the body's `id` differs from the path's"));
                 body["id"] = id;
                 ctx.engine->change(Change{Op::Update, std::move(body), {}, call.caller.name, scope(call)}, res);
               }});
  for (Op op : {Op::Cancel, Op::Hold, Op::Resume, Op::Restart, Op::Requeue})
    r.push_back({"POST", fmt::format("{}/{}", kItem, op_name(op)),
                 op == Op::Restart ? kSource : op == Op::Requeue ? kSupervisor : kSourceOrSupervisor,
                 [&ctx, op](const Call& call, const Responder& res) {
                   json ignored;
                   if (!body_object(call, res, &ignored, true)) return;
                   ctx.engine->change(Change{op, json(call.param(1)), {}, call.caller.name, scope(call)}, res);
                 }});
  r.push_back({"POST", fmt::format("{}/complete", kItem), kSource, [&ctx](const Call& call, const Responder& res) {
                 json value;
                 if (!with_outcome(call, res, &value)) return;
                 ctx.engine->change(Change{Op::Complete, std::move(value), {}, call.caller.name, scope(call)}, res);
               }});
  r.push_back({"POST", fmt::format("{}/reschedule", kItem), kSource, [&ctx](const Call& call, const Responder& res) {
                 json body;
                 if (!body_object(call, res, &body)) return;
                 body["item"] = call.param(1);
                 ctx.engine->change(Change{Op::Reschedule, std::move(body), {}, call.caller.name, scope(call)}, res);
               }});
  for (Op op : {Op::Accept, Op::Reject})
    r.push_back({"POST", fmt::format("{}/{}", kItem, op_name(op)), kAgent, [&ctx, op](const Call& call, const Responder& res) {
                   json body;
                   if (!body_object(call, res, &body, true)) return;
                   std::string agent = call.caller.agent;
                   if (body.contains("agent")) {
                     if (std::string p = agent_field_problem(body["agent"], "agent"); !p.empty())
                       return send(res, error_reply(422, body["agent"].is_string() ? "bad_id" : "bad_agent", p));
                     agent = body["agent"].get<std::string>();
                     if (!own_agent(call, res, agent)) return;
                   }
                   json value = agent.empty() ? json(call.param(1)) : json{{"item", call.param(1)}, {"agent", agent}};
                   ctx.engine->change(Change{op, std::move(value), {}, call.caller.name, scope(call)}, res);
                 }});
  r.push_back({"POST", fmt::format("{}/done", kItem), kAgent, [&ctx](const Call& call, const Responder& res) {
                 json value;
                 if (!with_outcome(call, res, &value)) return;
                 ctx.engine->change(Change{Op::Done, std::move(value), call.caller.agent, call.caller.name, scope(call)}, res);
               }});
  for (Op op : {Op::Park, Op::Pull})
    r.push_back({"POST", fmt::format("{}/{}", kItem, op_name(op)), kAgent, [&ctx, op](const Call& call, const Responder& res) {
                   json ignored;
                   if (!body_object(call, res, &ignored, true)) return;
                   ctx.engine->change(Change{op, json(call.param(1)), call.caller.agent, call.caller.name, scope(call)}, res);
                 }});
  r.push_back({"POST", fmt::format("{}/transfer", kItem), kAgentOrSupervisor, [&ctx](const Call& call, const Responder& res) {
                 json body;
                 if (!body_object(call, res, &body)) return;
                 if (!body.contains("to") || !body["to"].is_string() || body.size() != 1)
                   return send(res, error_reply(422, "missing_to", "give the agent to transfer to: {\"to\": AGENT}"));
                 if (std::string p = agent_field_problem(body["to"], "to"); !p.empty()) return send(res, error_reply(422, "bad_id", p));
                 ctx.engine->change(Change{Op::Transfer, json{{"item", call.param(1)}, {"to", body["to"]}}, call.caller.agent, call.caller.name, scope(call)}, res);
               }});
  r.push_back({"POST", fmt::format("{}/assign", kItem), kSupervisor, [&ctx](const Call& call, const Responder& res) {
                 json body;
                 if (!body_object(call, res, &body)) return;
                 if (!body.contains("agent") || body.size() != 1)
                   return send(res, error_reply(422, "missing_agent", "give the agent to offer the item to: {\"agent\": AGENT}"));
                 if (std::string p = agent_field_problem(body["agent"], "agent"); !p.empty())
                   return send(res, error_reply(422, body["agent"].is_string() ? "bad_id" : "bad_agent", p));
                 ctx.engine->change(Change{Op::Assign, json{{"item", call.param(1)}, {"agent", body["agent"]}}, {}, call.caller.name, scope(call)}, res);
               }});
  // A supervisor's priority override: {"set": N} or {"boost": N}, with "until": INSTANT or
  // "handled" (optional); {"clear": true}. The replay line checks the shape (422 `refused`).
  r.push_back({"POST", fmt::format("{}/priority", kItem), kSupervisor, [&ctx](const Call& call, const Responder& res) {
                 json body;
                 if (!body_object(call, res, &body)) return;
                 if (body.contains("item"))
                   return send(res, error_reply(422, "unknown_field", "the item is the path's: no `item` in the body"));
                 body["item"] = call.param(1);
                 ctx.engine->change(Change{Op::Priority, std::move(body), {}, call.caller.name, scope(call)}, res);
               }});
  r.push_back({"POST", fmt::format("{}/return", kItem), kSupervisor, [&ctx](const Call& call, const Responder& res) {
                 json ignored;
                 if (!body_object(call, res, &ignored, true)) return;
                 ctx.engine->change(Change{Op::Return, json(call.param(1)), {}, call.caller.name, scope(call)}, res);
               }});
  return r;
}

}  // namespace iwd::server
