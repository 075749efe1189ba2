// Admin: the notifications' subscriptions and deliveries (docs/notifications.md). A change or
// a look into the outbox touches SQLite (a subscription's change waits its turn on the
// committer): on a thread of its own, never on the HTTP front end's one thread.
#include <fmt/format.h>

#include <charconv>
#include <thread>

#include "notify/subscription.h"
#include "server/routes.h"

namespace iwd::server {
namespace {

constexpr RoleSet kAdmin = roles({});

Reply no_history() {
  return error_reply(409, "no_history", "this service keeps no event history (history: false), so it sends no notifications");
}

// `work` on a thread of its own, its reply answered from there.
void off_thread(const Responder& res, std::function<Reply()> work) {
  std::thread([res, work = std::move(work)] { res(work()); }).detach();
}

std::optional<std::int64_t> whole(const std::string& text) {
  std::int64_t n = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
  if (ec != std::errc() || end != text.data() + text.size() || n < 0) return std::nullopt;
  return n;
}

}  // namespace

std::vector<Route> notify_routes(ServerContext& ctx) {
  std::vector<Route> r;
  r.push_back({"GET", "/v1/admin/subscriptions", kAdmin, [&ctx](const Call&, const Responder& res) {
                 if (!ctx.engine->outbox()) return send(res, no_history());
                 nlohmann::ordered_json list = nlohmann::ordered_json::array();
                 const auto pending = ctx.engine->outbox()->pending();
                 for (const notify::Subscription& s : ctx.engine->outbox()->subscriptions()) {
                   nlohmann::ordered_json j = notify::to_json(s, false);
                   j["pending"] = pending.count(s.name) ? pending.at(s.name) : 0;
                   list.push_back(std::move(j));
                 }
                 send(res, Reply{200, {{"subscriptions", std::move(list)}}});
               }});
  r.push_back({"PUT", "/v1/admin/subscriptions/{name}", kAdmin, [&ctx](const Call& call, const Responder& res) {
                 nlohmann::json body;
                 if (!body_object(call, res, &body)) return;
                 std::string error;
                 auto s = notify::parse_subscription(call.param(1), body, &error);
                 if (!s) return send(res, error_reply(400, "bad_subscription", error));
                 if (!ctx.engine->outbox()) return send(res, no_history());
                 off_thread(res, [engine = ctx.engine, s = *s] {
                   std::string e;
                   if (!engine->put_subscription(s, &e)) return error_reply(503, "journal_failed", e);
                   return Reply{200, notify::to_json(s, false)};
                 });
               }});
  r.push_back({"DELETE", "/v1/admin/subscriptions/{name}", kAdmin, [&ctx](const Call& call, const Responder& res) {
                 if (!ctx.engine->outbox()) return send(res, no_history());
                 const std::string name = call.param(1);
                 if (!ctx.engine->outbox()->subscription(name))
                   return send(res, error_reply(404, "not_found", fmt::format("no subscription `{}`", name)));
                 off_thread(res, [engine = ctx.engine, name] {
                   std::string e;
                   if (!engine->remove_subscription(name, &e)) return error_reply(503, "journal_failed", e);
                   return Reply{200, {{"name", name}, {"deleted", true}}};
                 });
               }});
  // ?state=failed (default) or pending, &after=ID (the last id of the page before), &limit=N.
  r.push_back({"GET", "/v1/admin/deliveries", kAdmin, [&ctx](const Call& call, const Responder& res) {
                 const std::string state = call.req.query_value("state").value_or("failed");
                 if (state != "failed" && state != "pending")
                   return send(res, error_reply(400, "bad_query", fmt::format("`state` `{}` is failed or pending", state)));
                 const auto after = whole(call.req.query_value("after").value_or("0"));
                 if (!after) return send(res, error_reply(400, "bad_query", "`after` is a delivery's id, a whole number"));
                 const auto limit = whole(call.req.query_value("limit").value_or("100"));
                 if (!limit || *limit < 1 || *limit > 1000)
                   return send(res, error_reply(400, "bad_query", "`limit` is a whole number from 1 to 1000"));
                 if (!ctx.engine->sender()) return send(res, no_history());
                 off_thread(res, [sender = ctx.engine->sender(), state, after = *after, limit = *limit] {
                   std::string e;
                   auto list = sender->list(state, after, limit, &e);
                   if (!list) return error_reply(503, "outbox_unavailable", e);
                   nlohmann::ordered_json page = {{"deliveries", nlohmann::ordered_json::parse(list->dump())}};
                   page["next"] = static_cast<std::int64_t>(list->size()) == limit ? nlohmann::ordered_json(list->back()["id"])
                                                                                  : nlohmann::ordered_json(nullptr);
                   return Reply{200, std::move(page)};
                 });
               }});
  r.push_back({"POST", "/v1/admin/deliveries/{id}/retry", kAdmin, [&ctx](const Call& call, const Responder& res) {
                 const auto id = whole(call.param(1));
                 if (!id) return send(res, error_reply(400, "bad_id", fmt::format("`{}` is not a delivery's id (a whole number)", call.param(1))));
                 if (!ctx.engine->sender()) return send(res, no_history());
                 off_thread(res, [sender = ctx.engine->sender(), id = *id] {
                   std::string e;
                   auto retried = sender->retry(id, &e);
                   if (!retried) return error_reply(503, "outbox_unavailable", e);
                   if (!*retried) return error_reply(404, "not_found", fmt::format("no failed delivery with id {}", id));
                   return Reply{200, {{"id", id}, {"state", "pending"}}};
                 });
               }});
  // Every dead letter again (of one subscription with ?subscription=NAME).
  r.push_back({"POST", "/v1/admin/deliveries/retry", kAdmin, [&ctx](const Call& call, const Responder& res) {
                 const std::string sub = call.req.query_value("subscription").value_or("");
                 if (!ctx.engine->sender()) return send(res, no_history());
                 if (!sub.empty() && !ctx.engine->outbox()->subscription(sub))
                   return send(res, error_reply(404, "not_found", fmt::format("no subscription `{}`", sub)));
                 off_thread(res, [sender = ctx.engine->sender(), sub] {
                   std::string e;
                   auto n = sender->retry_all(sub, &e);
                   if (!n) return error_reply(503, "outbox_unavailable", e);
                   return Reply{200, {{"retried", *n}}};
                 });
               }});
  return r;
}

}  // namespace iwd::server
