// Supervisors' real-time views (issue 15): queue statistics by group, the agents, and the
// workbins across agents. Each reads the engine's stats (stats/tracker.h), kept from the
// runtime's events: no request scans the open items.
#include <fmt/format.h>

#include <charconv>

#include "server/routes.h"
#include "server/views.h"
#include "stdlib/time.h"
#include "stats/tracker.h"

namespace iwd::server {

using ojson = nlohmann::ordered_json;

namespace {

constexpr RoleSet kSupervisor = roles({Role::Supervisor});
constexpr long kMaxLimit = 1000;
constexpr std::size_t kParkedShown = 100;  // an agent's parked items listed in GET /v1/agents

bool whole_number(std::string_view text, std::uint64_t* out) {
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), *out);
  return !text.empty() && ec == std::errc() && end == text.data() + text.size();
}

// `limit` from 1 to 1000 (default 100): false after answering 400.
bool page_limit(const Call& call, const Responder& res, std::size_t* limit) {
  std::uint64_t n = 100;
  if (auto text = call.req.query_value("limit"); text && (!whole_number(*text, &n) || n < 1 || n > kMaxLimit)) {
    send(res, error_reply(400, "bad_page", "`limit` is a whole number from 1 to 1000"));
    return false;
  }
  *limit = static_cast<std::size_t>(n);
  return true;
}

Reply bad_cursor(const std::string& cursor) {
  return error_reply(400, "bad_cursor", fmt::format("`cursor` `{}` is not one this listing gave (pass `next_cursor` back as it is)", cursor));
}

ojson group_json(const stats::GroupFigures& g) {
  ojson states = ojson::object();
  for (int s = 0; s < stats::kOpenStates; ++s)
    states[std::string(runtime::item_state_name(static_cast<runtime::ItemState>(s + 1)))] = g.by_state[static_cast<std::size_t>(s)];
  ojson ages = ojson::object();
  static constexpr const char* kAgeNames[] = {"under_1h", "1h_4h", "4h_1d", "1d_3d", "over_3d"};
  for (int b = 0; b < stats::kAgeBuckets; ++b) ages[kAgeNames[b]] = g.ages[static_cast<std::size_t>(b)];
  return ojson{{"name", g.name.empty() ? ojson(nullptr) : ojson(g.name)},
               {"open", g.open},
               {"states", std::move(states)},
               {"overdue", g.overdue},
               {"due_next_hour", g.due_next_hour},
               {"oldest_age_ms", g.oldest_age},
               {"ages", std::move(ages)},
               {"priority", ojson{{"min", g.priority_min}, {"max", g.priority_max}}}};
}

std::string joined(const std::vector<std::string>& names) {
  std::string out;
  for (const auto& n : names) out += (out.empty() ? "`" : ", `") + n + "`";
  return out;
}

// One agent of GET /v1/agents: its state and since when, its load per media against its
// capacity, the items it holds (offered or assigned) and its workbin.
ojson agent_row(const runtime::Runtime& rt, const stats::AgentBook& book, const runtime::Agent& a, std::int64_t now) {
  ojson j{{"id", std::string(rt.pool().view(a.id))}, {"state", std::string(runtime::agent_state_name(a.state))}};
  j["reason"] = a.state == runtime::AgentState::NotReady && a.reason != runtime::kNoId ? ojson(std::string(rt.pool().view(a.reason)))
                                                                                         : ojson(nullptr);
  // Since the event that brought the state (and reason): the runtime keeps it through restarts.
  j["since"] = stdlib::format_instant(stdlib::Instant{a.state_since});
  j["time_in_state_ms"] = std::max<std::int64_t>(0, now - a.state_since);
  ojson media = ojson::object();
  for (std::uint32_t m = 0; m < std::max(a.limits.size(), a.load.size()); ++m) {
    const std::int32_t limit = a.limit(m);
    media[std::string(rt.pool().view(rt.media_id(m)))] =
        ojson{{"load", a.load_of(m)}, {"capacity", limit == runtime::kUnlimited ? ojson(nullptr) : ojson(limit)}};
  }
  j["media"] = std::move(media);
  j["load"] = a.load_total;
  j["capacity"] = a.total == runtime::kUnlimited ? ojson(nullptr) : ojson(a.total);
  ojson holding = ojson::array(), parked = ojson::array();
  for (std::uint32_t i : a.held) holding.push_back(std::string(rt.pool().view(rt.items()[i].id)));
  const std::vector<std::uint32_t> in_workbin = book.parked(a.id);
  for (std::size_t k = 0; k < in_workbin.size() && k < kParkedShown; ++k) parked.push_back(std::string(rt.pool().view(in_workbin[k])));
  j["holding"] = std::move(holding);
  j["parked"] = std::move(parked);
  j["parked_count"] = in_workbin.size();
  return j;
}

}  // namespace

std::vector<Route> stats_routes(ServerContext& ctx) {
  std::vector<Route> r;
  r.push_back({"GET", "/v1/stats/queue", kSupervisor, [&ctx](const Call& call, const Responder& res) {
                 const std::string by = call.req.query_value("by").value_or("process");
                 Engine* engine = ctx.engine;
                 engine->read([engine, by](const runtime::Runtime& rt, std::int64_t now) {
                   auto groups = engine->stats().queue.figures(rt, by, now);
                   if (!groups)
                     return error_reply(400, "bad_by", fmt::format("unknown grouping `by={}`: one of {}", by,
                                                                   joined(stats::QueueStats::groupings(rt))));
                   ojson out = ojson::array();
                   for (const auto& g : *groups) out.push_back(group_json(g));
                   return Reply{200, ojson{{"by", by}, {"groups", std::move(out)}}};
                 }, res);
               }});
  // Agents in login order, filtered by `state`, `group` and `skill` (has it, at any level),
  // `limit` at a time; `next_cursor` continues.
  r.push_back({"GET", "/v1/agents", kSupervisor, [&ctx](const Call& call, const Responder& res) {
                 const auto& q = call.req;
                 std::size_t limit = 0;
                 if (!page_limit(call, res, &limit)) return;
                 stats::AgentFilter filter;
                 if (auto state = q.query_value("state")) {
                   for (auto s : {runtime::AgentState::LoggedOut, runtime::AgentState::Ready, runtime::AgentState::NotReady})
                     if (runtime::agent_state_name(s) == *state) filter.state = s;
                   if (!filter.state)
                     return send(res, error_reply(400, "bad_state", fmt::format("unknown agent state `{}` (ready, not_ready, logged_out)", *state)));
                 }
                 std::uint64_t from = 0;
                 const auto cursor = q.query_value("cursor");
                 if (cursor && (!whole_number(*cursor, &from) || from > 0xffffffffu)) return send(res, bad_cursor(*cursor));
                 const auto group = q.query_value("group"), skill = q.query_value("skill");
                 Engine* engine = ctx.engine;
                 engine->read([engine, filter, group, skill, from, limit](const runtime::Runtime& rt, std::int64_t now) mutable {
                   if (group) filter.group = rt.pool().find(*group).value_or(runtime::kNoId);  // unknown: no agent has it
                   if (skill) {
                     for (std::int32_t s = 0; s < rt.rules().skill_count; ++s)
                       if (*skill == rt.rules().skill_names[s]) filter.skill = s;
                     if (!filter.skill) {
                       std::vector<std::string> names(rt.rules().skill_names, rt.rules().skill_names + rt.rules().skill_count);
                       return error_reply(400, "bad_skill", fmt::format("no skill `{}` in the rules (skills: {})", *skill, joined(names)));
                     }
                   }
                   std::optional<std::uint32_t> next;
                   const auto& book = engine->stats().agents;
                   ojson page = ojson::array();
                   for (std::uint32_t a : stats::AgentBook::agents(rt, filter, static_cast<std::uint32_t>(from), limit, &next))
                     page.push_back(agent_row(rt, book, rt.agents()[a], now));
                   ojson out{{"agents", std::move(page)}};
                   out["next_cursor"] = next ? ojson(std::to_string(*next)) : ojson(nullptr);
                   return Reply{200, out};
                 }, res);
               }});
  // Parked items across agents, by agent, `limit` at a time; `agent` for one agent's.
  r.push_back({"GET", "/v1/workbins", kSupervisor, [&ctx](const Call& call, const Responder& res) {
                 std::size_t limit = 0;
                 if (!page_limit(call, res, &limit)) return;
                 const auto agent = call.req.query_value("agent");
                 // A cursor is "AGENT.ITEM", the last pair of the page before (interned ids: valid
                 // until the service restarts).
                 std::optional<std::pair<std::uint32_t, std::uint32_t>> after;
                 if (auto cursor = call.req.query_value("cursor")) {
                   const auto dot = cursor->find('.');
                   std::uint64_t a = 0, i = 0;
                   if (dot == std::string::npos || !whole_number(std::string_view(*cursor).substr(0, dot), &a) ||
                       !whole_number(std::string_view(*cursor).substr(dot + 1), &i) || a > 0xffffffffu || i > 0xffffffffu)
                     return send(res, bad_cursor(*cursor));
                   after = std::pair{static_cast<std::uint32_t>(a), static_cast<std::uint32_t>(i)};
                 }
                 Engine* engine = ctx.engine;
                 engine->read([engine, agent, after, limit](const runtime::Runtime& rt, std::int64_t now) {
                   std::optional<std::uint32_t> only;
                   if (agent) {
                     const auto id = rt.pool().find(*agent);
                     if (!id || !rt.find_agent(*id)) return error_reply(404, "not_found", fmt::format("no agent `{}`", *agent));
                     only = *id;
                   }
                   std::optional<std::pair<std::uint32_t, std::uint32_t>> next;
                   ojson page = ojson::array();
                   for (const auto& [a, i] : engine->stats().agents.workbins(after, only, limit, &next)) {
                     const runtime::WorkItem* item = rt.find_item(i);
                     if (!item) continue;  // cannot be: the book follows every item event
                     page.push_back(ojson{{"agent", std::string(rt.pool().view(a))}, {"item", item_view(rt, *item, now)}});
                   }
                   ojson out{{"parked", std::move(page)}};
                   out["next_cursor"] = next ? ojson(fmt::format("{}.{}", next->first, next->second)) : ojson(nullptr);
                   return Reply{200, out};
                 }, res);
               }});
  return r;
}

}  // namespace iwd::server
