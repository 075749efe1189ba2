// Supervisors: the universal queue in distribution order, filtered and paged; bulk actions on a
// filter of it (routes_actions.cpp).
#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <limits>

#include "server/routes.h"
#include "server/routes_actions.h"
#include "server/views.h"

namespace iwd::server {

using ojson = nlohmann::ordered_json;

namespace {

constexpr RoleSet kSupervisor = roles({Role::Supervisor});
constexpr long kMaxOffset = 1'000'000'000;  // past any queue: a larger offset is a client's mistake

bool whole_number(const std::string& text, long* out) {
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), *out);
  return ec == std::errc() && end == text.data() + text.size();
}

std::optional<runtime::ItemState> state_named(const std::string& name) {
  for (auto s = static_cast<int>(runtime::ItemState::Deferred); s <= static_cast<int>(runtime::ItemState::Held); ++s)
    if (runtime::item_state_name(static_cast<runtime::ItemState>(s)) == name) return static_cast<runtime::ItemState>(s);
  return std::nullopt;
}

}  // namespace

std::vector<Route> queue_routes(ServerContext& ctx) {
  std::vector<Route> r;
  // Open items in distribution order: priority (highest first), then the order they entered
  // distribution (longest waiting first). `state` (default queued; `open` for every open
  // state), `process`, `limit` (1 to 1000, default 50), `offset`; `sort`: `priority` (that
  // order, the default), `age` (the oldest first: the earliest start of its age) or `due` (the
  // soonest due first, items without a due time last), ties in distribution order. One page is
  // sorted out of the matching items (a partial sort), never the whole list.
  r.push_back({"GET", "/v1/queue", kSupervisor, [&ctx](const Call& call, const Responder& res) {
                 const auto& q = call.req;
                 const std::string process = q.query_value("process").value_or("");
                 const std::string state_text = q.query_value("state").value_or("queued");
                 long limit = 50, offset = 0;
                 const auto limit_text = q.query_value("limit"), offset_text = q.query_value("offset");
                 if ((limit_text && !whole_number(*limit_text, &limit)) || (offset_text && !whole_number(*offset_text, &offset)) ||
                     limit < 1 || limit > 1000 || offset < 0 || offset > kMaxOffset)
                   return send(res, error_reply(400, "bad_page",
                                                "`limit` is a whole number from 1 to 1000 and `offset` from 0 to 1000000000"));
                 const std::string sort = q.query_value("sort").value_or("priority");
                 if (sort != "priority" && sort != "age" && sort != "due")
                   return send(res, error_reply(400, "bad_sort", fmt::format("unknown sort `{}` (priority, age or due)", sort)));
                 const auto state = state_named(state_text);
                 if (!state && state_text != "open")
                   return send(res, error_reply(400, "bad_state",
                                                fmt::format("unknown state `{}` (deferred, queued, offered, assigned, "
                                                            "done_pending, parked, held, or open)", state_text)));
                 ctx.engine->read([process, state, limit, offset, sort](const runtime::Runtime& rt, std::int64_t now) {
                   std::int32_t process_index = -1;
                   if (!process.empty()) {
                     for (std::int32_t p = 0; p < rt.rules().process_count; ++p)
                       if (process == rt.rules().process_names[p]) process_index = p;
                     if (process_index < 0) return error_reply(400, "bad_process", fmt::format("no process `{}` in the rules", process));
                   }
                   std::vector<const runtime::WorkItem*> chosen;
                   for (const auto& item : rt.items())
                     if (runtime::is_open(item.state) && (state ? item.state == *state : true) &&
                         (process_index < 0 || item.process == process_index))
                       chosen.push_back(&item);
                   // In size_t from the offset clamped to the list: `offset + limit` cannot overflow.
                   const std::size_t first = std::min(chosen.size(), static_cast<std::size_t>(offset));
                   const std::size_t end = std::min(chosen.size(), first + static_cast<std::size_t>(limit));
                   auto distribution = [](const runtime::WorkItem* a, const runtime::WorkItem* b) {
                     if (a->priority != b->priority) return a->priority > b->priority;
                     const std::uint64_t pa = a->place ? a->place : a->serial, pb = b->place ? b->place : b->serial;
                     return pa < pb;
                   };
                   // kNone (no due time) is the smallest int64: after every due instant.
                   auto due_key = [](const runtime::WorkItem* a) {
                     return a->clock.due == runtime::abi::kNone ? std::numeric_limits<std::int64_t>::max() : a->clock.due;
                   };
                   auto order = [&](const runtime::WorkItem* a, const runtime::WorkItem* b) {
                     if (sort == "age" && a->clock.start != b->clock.start) return a->clock.start < b->clock.start;
                     if (sort == "due" && due_key(a) != due_key(b)) return due_key(a) < due_key(b);
                     return distribution(a, b);
                   };
                   std::partial_sort(chosen.begin(), chosen.begin() + static_cast<std::ptrdiff_t>(end), chosen.end(), order);
                   ojson page = ojson::array();
                   for (std::size_t k = first; k < end; ++k) page.push_back(item_view(rt, *chosen[k], now));
                   return Reply{200, ojson{{"total", chosen.size()}, {"offset", offset}, {"sort", sort}, {"items", std::move(page)}}};
                 }, res);
               }});
  append_action_routes(ctx, r);
  return r;
}

}  // namespace iwd::server
