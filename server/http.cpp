#include "server/http.h"

#include <fmt/format.h>
#include <httplib.h>

#include <algorithm>
#include <map>

#include "runtime/events.h"

namespace iwd::server {

using json = nlohmann::json;
using ojson = nlohmann::ordered_json;

inline constexpr std::size_t kMaxBody = 1 << 20;

struct HttpFrontEnd::Impl {
  Service& service;
  httplib::Server http;
  explicit Impl(Service& s) : service(s) {}
};

namespace {

void send(httplib::Response& res, const Reply& r) {
  res.status = r.status;
  res.set_content(r.body.dump(), "application/json");
}

// The request's body as a JSON object; false after answering 400.
bool body_object(const httplib::Request& req, httplib::Response& res, json* out) {
  *out = json::parse(req.body, nullptr, false);
  if (out->is_discarded()) {
    send(res, error_reply(400, "malformed_json", "the body is not valid JSON"));
    return false;
  }
  if (!out->is_object()) {
    send(res, error_reply(400, "not_an_object", "the body is a JSON object"));
    return false;
  }
  return true;
}

}  // namespace

HttpFrontEnd::HttpFrontEnd(Service& service) : impl_(std::make_unique<Impl>(service)) {
  Service& svc = impl_->service;
  httplib::Server& http = impl_->http;
  http.set_payload_max_length(kMaxBody);
  http.set_tcp_nodelay(true);  // replies go out at once (no Nagle delay on keep-alive connections)
  http.set_error_handler([](const httplib::Request&, httplib::Response& res) {
    if (res.status == 413) send(res, error_reply(413, "too_large", fmt::format("the body is over {} bytes", kMaxBody)));
    else if (res.status == 404 && res.body.empty()) send(res, error_reply(404, "no_route", "no such route"));
  });

  http.Get("/healthz", [](const httplib::Request&, httplib::Response& res) { send(res, Reply{200, ojson{{"status", "ok"}}}); });

  // Sources.
  http.Post("/v1/items", [&svc](const httplib::Request& req, httplib::Response& res) {
    json body;
    if (!body_object(req, res, &body)) return;
    if (!body.contains("id") || !body["id"].is_string())
      return send(res, error_reply(422, "missing_id", "an item needs an `id` (a string): the source system's key"));
    send(res, svc.change("capture", body));
  });
  http.Get(R"(/v1/items/([^/]+))", [&svc](const httplib::Request& req, httplib::Response& res) {
    const std::string id = req.matches[1];
    send(res, svc.read([&](runtime::Runtime& rt) {
      const runtime::WorkItem* item = rt.find_item(svc.pool().intern(id));
      return item ? Reply{200, Service::item_json(rt, *item)} : error_reply(404, "not_found", fmt::format("no open item `{}`", id));
    }));
  });
  http.Patch(R"(/v1/items/([^/]+))", [&svc](const httplib::Request& req, httplib::Response& res) {
    json body;
    if (!body_object(req, res, &body)) return;
    body["id"] = std::string(req.matches[1]);
    send(res, svc.change("update", body));
  });
  http.Post(R"(/v1/items/([^/]+)/(complete|cancel|hold|resume|restart|done|park|pull|return))",
            [&svc](const httplib::Request& req, httplib::Response& res) {
              send(res, svc.change(req.matches[2], json(std::string(req.matches[1]))));
            });
  http.Post(R"(/v1/items/([^/]+)/(accept|reject))", [&svc](const httplib::Request& req, httplib::Response& res) {
    json body;
    if (!body_object(req, res, &body)) return;
    if (!body.contains("agent") || !body["agent"].is_string())
      return send(res, error_reply(422, "missing_agent", "give the answering `agent` (a string)"));
    send(res, svc.change(req.matches[2], json{{"item", std::string(req.matches[1])}, {"agent", body["agent"]}}));
  });
  http.Post(R"(/v1/items/([^/]+)/transfer)", [&svc](const httplib::Request& req, httplib::Response& res) {
    json body;
    if (!body_object(req, res, &body)) return;
    if (!body.contains("to") || !body["to"].is_string())
      return send(res, error_reply(422, "missing_to", "give the agent to transfer to as `to` (a string)"));
    send(res, svc.change("transfer", json{{"item", std::string(req.matches[1])}, {"to", body["to"]}}));
  });

  // Agents.
  http.Put(R"(/v1/agents/([^/]+))", [&svc](const httplib::Request& req, httplib::Response& res) {
    json body;
    if (!body_object(req, res, &body)) return;
    body["id"] = std::string(req.matches[1]);
    send(res, svc.change("agent", body));
  });
  http.Get(R"(/v1/agents/([^/]+)/offers)", [&svc](const httplib::Request& req, httplib::Response& res) {
    const std::string id = req.matches[1];
    send(res, svc.read([&](runtime::Runtime& rt) {
      const runtime::Agent* a = rt.find_agent(svc.pool().intern(id));
      if (!a) return error_reply(404, "not_found", fmt::format("no agent `{}`", id));
      ojson offers = ojson::array();
      for (const auto& item : rt.items())
        if (item.state == runtime::ItemState::Offered && rt.agents()[item.agent].id == a->id) offers.push_back(Service::item_json(rt, item));
      return Reply{200, ojson{{"agent", Service::agent_json(rt, *a)}, {"offers", offers}}};
    }));
  });

  // Supervisors: the queue in distribution order (priority, then longest waiting), filtered
  // by process and paged.
  http.Get("/v1/queue", [&svc](const httplib::Request& req, httplib::Response& res) {
    const std::string process = req.has_param("process") ? req.get_param_value("process") : "";
    const long limit = req.has_param("limit") ? std::strtol(req.get_param_value("limit").c_str(), nullptr, 10) : 50;
    const long offset = req.has_param("offset") ? std::strtol(req.get_param_value("offset").c_str(), nullptr, 10) : 0;
    if (limit < 1 || limit > 1000 || offset < 0)
      return send(res, error_reply(400, "bad_page", "`limit` is 1 to 1000 and `offset` 0 or more"));
    send(res, svc.read([&](runtime::Runtime& rt) {
      std::vector<const runtime::WorkItem*> queued;
      for (const auto& item : rt.items())
        if (item.state == runtime::ItemState::Queued &&
            (process.empty() || process == rt.rules().process_names[item.process]))
          queued.push_back(&item);
      std::sort(queued.begin(), queued.end(), [](const runtime::WorkItem* a, const runtime::WorkItem* b) {
        return a->priority != b->priority ? a->priority > b->priority : a->place < b->place;
      });
      ojson page = ojson::array();
      for (std::size_t k = static_cast<std::size_t>(offset); k < queued.size() && page.size() < static_cast<std::size_t>(limit); ++k)
        page.push_back(Service::item_json(rt, *queued[k]));
      return Reply{200, ojson{{"total", queued.size()}, {"items", page}}};
    }));
  });

  // Prometheus text: open items by process and state, agents by state.
  http.Get("/metrics", [&svc](const httplib::Request&, httplib::Response& res) {
    const Reply r = svc.read([&](runtime::Runtime& rt) {
      std::map<std::pair<std::string, std::string>, long> items;
      for (const auto& item : rt.items())
        if (item.state != runtime::ItemState::None && item.process >= 0)
          ++items[{rt.rules().process_names[item.process], std::string(runtime::item_state_name(item.state))}];
      std::map<std::string, long> agents;
      for (const auto& a : rt.agents()) ++agents[std::string(runtime::agent_state_name(a.state))];
      std::string text = "# HELP iwd_items Open work items by process and state.\n# TYPE iwd_items gauge\n";
      for (const auto& [key, n] : items)
        text += fmt::format("iwd_items{{process=\"{}\",state=\"{}\"}} {}\n", key.first, key.second, n);
      text += "# HELP iwd_agents Agents by state.\n# TYPE iwd_agents gauge\n";
      for (const auto& [state, n] : agents) text += fmt::format("iwd_agents{{state=\"{}\"}} {}\n", state, n);
      return Reply{200, ojson(text)};
    });
    res.status = r.status;
    res.set_content(r.body.get<std::string>(), "text/plain; version=0.0.4");
  });
}

HttpFrontEnd::~HttpFrontEnd() { stop(); }

int HttpFrontEnd::bind(const std::string& host, int port) {
  if (port == 0) return impl_->http.bind_to_any_port(host.c_str());
  return impl_->http.bind_to_port(host.c_str(), port) ? port : -1;
}
void HttpFrontEnd::serve() { impl_->http.listen_after_bind(); }
void HttpFrontEnd::stop() { impl_->http.stop(); }

}  // namespace iwd::server
