// A supervisor's bulk actions on a filter (docs/api.md, "Bulk actions"): preview the items a
// filter matches now (a count and a sample), then apply one action to them in bounded batches,
// each item one change of its own (journal line, history record). The apply names the count
// the supervisor saw: when the filter matches another number now, nothing is done (409), so
// nobody cancels 5,000 items after previewing 50.
#include <fmt/format.h>

#include <algorithm>
#include <memory>
#include <variant>

#include "server/routes.h"
#include "server/routes_actions.h"
#include "stdlib/time.h"

namespace iwd::server {

using json = nlohmann::json;
using ojson = nlohmann::ordered_json;
using runtime::replay::Op;

namespace {

constexpr RoleSet kSupervisor = roles({Role::Supervisor});
constexpr std::size_t kSample = 10;
constexpr std::size_t kMaxBatch = 1000;

// A filter, checked at the HTTP edge; the process is resolved against the rules in force on
// the engine thread.
struct Filter {
  std::optional<runtime::ItemState> state = runtime::ItemState::Queued;  // nullopt: any open state
  std::string process, source;
  std::int64_t older_than = -1;  // ms; -1: any age
};

// The action, as the change it makes to one item.
struct Action {
  Op op = Op::None;
  json extra;  // priority: the override's fields
  Change change(const std::string& item, const std::string& actor) const {
    if (op != Op::Priority) return Change{op, json(item), {}, actor};
    json value = extra;
    value["item"] = item;
    return Change{op, std::move(value), {}, actor};
  }
};

std::string filter_problem(const json& f, Filter* out) {
  if (!f.is_object()) return "`filter` is an object: {\"state\", \"process\", \"source\", \"older_than\"}";
  for (auto it = f.begin(); it != f.end(); ++it) {
    const std::string& key = it.key();
    if (!it->is_string()) return fmt::format("`filter.{}` is a string", key);
    const std::string& v = it->get_ref<const std::string&>();
    if (key == "state") {
      out->state.reset();
      if (v == "open") continue;
      for (auto s = static_cast<int>(runtime::ItemState::Deferred); s <= static_cast<int>(runtime::ItemState::Held); ++s)
        if (runtime::item_state_name(static_cast<runtime::ItemState>(s)) == v) out->state = static_cast<runtime::ItemState>(s);
      if (!out->state) return fmt::format("`filter.state`: unknown state `{}` (an open state, or open)", v);
    } else if (key == "process") {
      out->process = v;
    } else if (key == "source") {
      out->source = v;
    } else if (key == "older_than") {
      const auto d = stdlib::parse_duration(v);
      if (!d.ok() || d.value.ms < 0) return fmt::format("`filter.older_than`: a duration like \"2h\", not \"{}\"", v);
      out->older_than = d.value.ms;
    } else {
      return fmt::format("unknown field `filter.{}` (state, process, source, older_than)", key);
    }
  }
  return {};
}

std::string action_problem(const json& a, Action* out) {
  if (!a.is_object() || !a.contains("op") || !a["op"].is_string())
    return "`action` is {\"op\": \"cancel\"|\"hold\"|\"resume\"|\"requeue\"|\"priority\", ...}";
  const std::string op = a["op"].get<std::string>();
  out->op = runtime::replay::op_named(op);
  if (out->op == Op::Priority) {
    out->extra = a;
    out->extra.erase("op");
    if (out->extra.contains("item")) return "`action`: the items are the filter's, not an `item`";
    return {};  // the replay line checks the override's shape: a bad one is refused for every item
  }
  if (out->op != Op::Cancel && out->op != Op::Hold && out->op != Op::Resume && out->op != Op::Requeue)
    return fmt::format("`action.op`: `{}` is not a bulk action (cancel, hold, resume, requeue, priority)", op);
  if (a.size() != 1) return fmt::format("`action`: `{}` takes no other field", op);
  return {};
}

// The request's filter and action (and, with `apply`, its count and limit): false when the
// reply has been sent.
bool parse(const Call& call, const Responder& res, bool apply, Filter* f, Action* a, std::size_t* count, std::size_t* limit) {
  json body;
  if (!body_object(call, res, &body)) return false;
  for (auto it = body.begin(); it != body.end(); ++it)
    if (it.key() != "filter" && it.key() != "action" && !(apply && (it.key() == "count" || it.key() == "limit"))) {
      send(res, error_reply(422, "unknown_field", fmt::format("unknown field `{}` (filter, action{})", it.key(), apply ? ", count, limit" : "")));
      return false;
    }
  std::string problem = body.contains("filter") ? filter_problem(body["filter"], f) : "give a `filter`";
  if (problem.empty()) problem = body.contains("action") ? action_problem(body["action"], a) : "give an `action`";
  if (!problem.empty()) {
    send(res, error_reply(422, "bad_action", problem));
    return false;
  }
  if (!apply) return true;
  if (!body.contains("count") || !body["count"].is_number_unsigned()) {
    send(res, error_reply(422, "missing_count", "give `count`: the number of items the preview matched"));
    return false;
  }
  *count = body["count"].get<std::size_t>();
  if (body.contains("limit") && (!body["limit"].is_number_unsigned() || body["limit"] == 0 || body["limit"].get<std::size_t>() > kMaxBatch)) {
    send(res, error_reply(422, "bad_limit", fmt::format("`limit` is a whole number from 1 to {}", kMaxBatch)));
    return false;
  }
  *limit = body.contains("limit") ? body["limit"].get<std::size_t>() : kMaxBatch;
  return true;
}

// The ids the filter matches now, in the queue's order (priority, then place), or an error.
std::variant<std::vector<std::string>, Reply> matching(const runtime::Runtime& rt, std::int64_t now, const Filter& f) {
  std::int32_t process = -1;
  if (!f.process.empty()) {
    for (std::int32_t p = 0; p < rt.rules().process_count; ++p)
      if (f.process == rt.rules().process_names[p]) process = p;
    if (process < 0) return error_reply(422, "bad_action", fmt::format("`filter.process`: no process `{}` in the rules", f.process));
  }
  const auto source = f.source.empty() ? std::nullopt : rt.pool().find(f.source);
  if (!f.source.empty() && !source) return std::vector<std::string>{};  // a source never seen has no items
  std::vector<const runtime::WorkItem*> chosen;
  for (const auto& item : rt.items()) {
    if (!runtime::is_open(item.state) || (f.state && item.state != *f.state) || (process >= 0 && item.process != process)) continue;
    if (source && !(item.record.present(runtime::kSlotSource) && item.record.get_string(runtime::kSlotSource) == *source)) continue;
    if (f.older_than >= 0 && item.record.get_int(runtime::kSlotCapturedAt) > now - f.older_than) continue;
    chosen.push_back(&item);
  }
  std::sort(chosen.begin(), chosen.end(), [](const runtime::WorkItem* a, const runtime::WorkItem* b) {
    if (a->priority != b->priority) return a->priority > b->priority;
    return (a->place ? a->place : a->serial) < (b->place ? b->place : b->serial);
  });
  std::vector<std::string> ids;
  ids.reserve(chosen.size());
  for (const runtime::WorkItem* item : chosen) ids.emplace_back(rt.pool().view(item->id));
  return ids;
}

}  // namespace

ojson change_results(const std::vector<std::string>& items, std::vector<Reply>& replies, std::size_t* done) {
  ojson results = ojson::array();
  *done = 0;
  for (std::size_t k = 0; k < replies.size(); ++k) {
    ojson one{{"item", items[k]}, {"status", replies[k].status}};
    if (replies[k].status < 300) ++*done;
    else one["error"] = std::move(replies[k].body["error"]);
    results.push_back(std::move(one));
  }
  return results;
}

void append_action_routes(ServerContext& ctx, std::vector<Route>& r) {
  r.push_back({"POST", "/v1/actions/preview", kSupervisor, [&ctx](const Call& call, const Responder& res) {
                 Filter f;
                 Action a;
                 if (!parse(call, res, false, &f, &a, nullptr, nullptr)) return;
                 ctx.engine->read(
                     [f](const runtime::Runtime& rt, std::int64_t now) {
                       auto ids = matching(rt, now, f);
                       if (auto* error = std::get_if<Reply>(&ids)) return *error;
                       const auto& list = std::get<std::vector<std::string>>(ids);
                       ojson sample = ojson::array();
                       for (std::size_t k = 0; k < list.size() && k < kSample; ++k) sample.push_back(list[k]);
                       return Reply{200, ojson{{"count", list.size()}, {"sample", std::move(sample)}, {"batch", kMaxBatch}}};
                     },
                     res);
               }});
  r.push_back({"POST", "/v1/actions/apply", kSupervisor, [&ctx](const Call& call, const Responder& res) {
                 Filter f;
                 Action a;
                 std::size_t count = 0, limit = 0;
                 if (!parse(call, res, true, &f, &a, &count, &limit)) return;
                 auto batch = std::make_shared<std::vector<std::string>>();
                 Engine* engine = ctx.engine;
                 engine->read(
                     [f, count, limit, batch](const runtime::Runtime& rt, std::int64_t now) {
                       auto ids = matching(rt, now, f);
                       if (auto* error = std::get_if<Reply>(&ids)) return *error;
                       auto& list = std::get<std::vector<std::string>>(ids);
                       if (list.size() != count)
                         return error_reply(409, "count_changed", fmt::format("the filter matches {} items now, not {}: preview again", list.size(), count));
                       list.resize(std::min(list.size(), limit));
                       *batch = std::move(list);
                       return Reply{200, {}};
                     },
                     [engine, f, a, batch, actor = call.caller.name, res](const Reply& checked) {
                       if (checked.status != 200) return res(checked);
                       std::vector<Change> changes;
                       for (const std::string& id : *batch) changes.push_back(a.change(id, actor));
                       engine->changes(std::move(changes), [engine, f, batch, res](std::vector<Reply> replies) {
                         std::size_t applied = 0;
                         ojson results = change_results(*batch, replies, &applied);
                         // What the filter matches after the batch: the count to give to continue.
                         auto answer = std::make_shared<ojson>(ojson{{"applied", applied}, {"results", std::move(results)}});
                         engine->read(
                             [f, answer](const runtime::Runtime& rt, std::int64_t now) {
                               auto ids = matching(rt, now, f);
                               const std::size_t left = std::holds_alternative<Reply>(ids) ? 0 : std::get<std::vector<std::string>>(ids).size();
                               (*answer)["remaining"] = left;
                               // Items the action refused still match: with nothing applied, stop.
                               const bool more = left > 0 && (*answer)["applied"].get<std::size_t>() > 0;
                               (*answer)["next"] = more ? ojson{{"count", left}} : ojson(nullptr);
                               return Reply{200, *answer};
                             },
                             res);
                       });
                     });
               }});
}

}  // namespace iwd::server
