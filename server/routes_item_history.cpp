// Items' audit trail (docs/api.md): GET /v1/items/{id}/history, an item's records from the
// event history oldest first, a page at a time; and GET /v1/items/{id} of an item that ended,
// its final state from the history. Each opens a reader of its own (Engine::open_history_reader) and reads
// through the history's item index (one item's records: milliseconds), on the front end's
// thread for the history route and on the answering thread for the read of an ended item.
#include <fmt/format.h>

#include <charconv>

#include "server/item_history.h"
#include "server/routes.h"

namespace iwd::server {
namespace {

constexpr RoleSet kReaders = roles({Role::Source, Role::Supervisor});
constexpr std::uint64_t kMaxLimit = 1000;

bool whole_number(std::string_view text, std::uint64_t* out) {
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), *out);
  return !text.empty() && ec == std::errc() && end == text.data() + text.size();
}

std::unique_ptr<history::Store> reader(const ServerContext& ctx, Reply* refusal) {
  if (!ctx.config || !ctx.config->history || !ctx.config->data) {
    *refusal = error_reply(404, "no_history", "this service keeps no event history (history: false)");
    return nullptr;
  }
  std::string error;
  auto store = ctx.engine->open_history_reader(&error);
  if (!store) *refusal = error_reply(503, "history_unavailable", error);
  return store;
}

}  // namespace

// One rule with the engine's (server/engine_sources.cpp): an item whose source is not known (its
// capture record deleted by retention, or replayed without one: "journal") may be read by any
// source, as it may be changed by any.
std::optional<Reply> forbid_other_source(const Caller& caller, const std::string& id, const std::string& source) {
  if (caller.role != Role::Source || source.empty() || source == "journal" || source == caller.name) return std::nullopt;
  return error_reply(403, "forbidden", fmt::format("item `{}` is not source `{}`'s", id, caller.name));
}

void answer_ended_item(const ServerContext& ctx, const Caller& caller, const std::string& id, Reply not_open,
                       const Responder& res) {
  Reply refusal;
  auto store = reader(ctx, &refusal);
  if (!store) return res(not_open);  // no history: the item is simply not open
  std::string error;
  auto ended = ended_item(*store, id, &error);
  if (!error.empty()) return res(error_reply(503, "history_unavailable", error));
  if (!ended) return res(not_open);
  if (auto forbidden = forbid_other_source(caller, id, ended->source)) return res(*forbidden);
  // An agent reads only the items it holds: an ended item is with nobody.
  if (caller.is_agent()) return res(error_reply(403, "forbidden", fmt::format("item `{}` is not with agent `{}`", id, caller.agent)));
  res(Reply{200, std::move(ended->view)});
}

std::vector<Route> item_history_routes(ServerContext& ctx) {
  std::vector<Route> r;
  // ?limit=N (1 to 1000, default 100) &cursor=C (the `next_cursor` of the page before).
  r.push_back({"GET", "/v1/items/{id}/history", kReaders, [&ctx](const Call& call, const Responder& res) {
                 const std::string id = call.param(1);
                 std::uint64_t limit = 100, after = 0;
                 if (auto text = call.req.query_value("limit"); text && (!whole_number(*text, &limit) || limit < 1 || limit > kMaxLimit))
                   return send(res, error_reply(400, "bad_page", "`limit` is a whole number from 1 to 1000"));
                 if (auto text = call.req.query_value("cursor"); text && (!whole_number(*text, &after) || after > INT64_MAX))
                   return send(res, error_reply(400, "bad_cursor", fmt::format("`cursor` `{}` is not one this listing gave (pass `next_cursor` back as it is)", *text)));
                 auto page_of = [&ctx, caller = call.caller, id, limit, after, res](const std::string& owner) {
                   Reply refusal;
                   auto store = reader(ctx, &refusal);
                   if (!store) return res(refusal);
                   ItemHistoryPage page;
                   std::string error;
                   if (!read_item_page(*store, id, static_cast<std::int64_t>(after), limit, &page, &error))
                     return res(error_reply(503, "history_unavailable", error));
                   if (!page.seen) return res(error_reply(404, "not_found", fmt::format("no item `{}` in the history", id)));
                   if (auto forbidden = forbid_other_source(caller, id, owner.empty() ? page.source : owner)) return res(*forbidden);
                   nlohmann::ordered_json body{{"id", id}, {"records", std::move(page.records)}};
                   if (page.next_cursor) body["next_cursor"] = std::to_string(*page.next_cursor);
                   res(Reply{200, std::move(body)});
                 };
                 if (call.caller.role != Role::Source) return page_of("");
                 // A source: whose the item is, as the engine tells it (the capture it applied, or the
                 // capture record it read once), so that the history's retention does not change it.
                 ctx.engine->read([engine = ctx.engine, id](const runtime::Runtime&, std::int64_t) {
                   return Reply{200, nlohmann::ordered_json(engine->item_source(id))};
                 }, [page_of, res](const Reply& owner) {
                   if (owner.status != 200 || !owner.body.is_string()) return res(owner);  // the engine stopping
                   page_of(owner.body.get<std::string>());
                 });
               }});
  return r;
}

}  // namespace iwd::server
