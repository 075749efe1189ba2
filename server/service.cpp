#include "server/service.h"

#include <fmt/format.h>

#include <chrono>

#include "runtime/item_json.h"
#include "stdlib/time.h"

namespace iwd::server {

using json = nlohmann::json;
using ojson = nlohmann::ordered_json;

Reply error_reply(int status, const std::string& code, const std::string& message) {
  return Reply{status, ojson{{"error", {{"code", code}, {"message", message}}}}};
}

Service::Service(const runtime::abi::RulesV1& rules, runtime::StringPool& pool, Journal& journal, runtime::Clock& clock)
    : rules_(rules), pool_(pool), journal_(journal), clock_(clock) {}

std::unique_ptr<Service> Service::start(const runtime::abi::RulesV1& rules, runtime::StringPool& pool, Journal& journal,
                                        runtime::Clock& clock, std::string* error) {
  std::unique_ptr<Service> s(new Service(rules, pool, journal, clock));
  s->session_ = std::make_unique<runtime::replay::Session>(rules, pool, runtime::replay::ReplayOptions{}, nullptr);
  if (!s->session_->init(error)) return nullptr;
  const auto t0 = std::chrono::steady_clock::now();
  std::string problem;
  std::int64_t n = 0;
  if (!journal.read(
          [&](const std::string& line) {
            ++n;
            if (!problem.empty()) return;
            if (std::string e = s->session_->apply_text(line); !e.empty())
              problem = fmt::format("journal line {} does not replay ({}): the journal and the rules disagree", n, e);
            const json j = json::parse(line, nullptr, false);
            if (j.is_object() && j.contains("capture")) s->remember_capture(j["capture"]);
          },
          error))
    return nullptr;
  if (!problem.empty()) {
    *error = problem;
    return nullptr;
  }
  s->session_->advance(clock.now().ms_since_epoch);
  s->stats_.recovered_lines = n;
  s->stats_.recovery_ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0).count();
  s->engine_ = std::thread([p = s.get()] { p->loop(); });
  return s;
}

Service::~Service() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (engine_.joinable()) engine_.join();
  for (auto& c : queue_) c->reply.set_value(error_reply(503, "stopping", "the service is stopping"));
}

Reply Service::submit(std::unique_ptr<Command> c) {
  auto answer = c->reply.get_future();
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (stopping_) return error_reply(503, "stopping", "the service is stopping");
    queue_.push_back(std::move(c));
  }
  wake_.notify_one();
  return answer.get();
}

Reply Service::change(const std::string& op, const json& value) {
  auto c = std::make_unique<Command>();
  c->op = op;
  c->value = value;
  return submit(std::move(c));
}

Reply Service::read(const std::function<Reply(runtime::Runtime&)>& f) {
  auto c = std::make_unique<Command>();
  c->read = f;
  return submit(std::move(c));
}

void Service::loop() {
  for (;;) {
    std::deque<std::unique_ptr<Command>> batch;
    {
      std::unique_lock<std::mutex> lock(mu_);
      const std::int64_t next = session_->runtime().next_deadline();
      const std::int64_t now = clock_.now().ms_since_epoch;
      const std::int64_t wait_ms = next == runtime::abi::kNone ? 1000 : std::clamp<std::int64_t>(next - now, 0, 1000);
      wake_.wait_for(lock, std::chrono::milliseconds(wait_ms), [this] { return stopping_ || !queue_.empty(); });
      if (stopping_) return;
      batch.swap(queue_);
    }
    const std::int64_t now = std::max(clock_.now().ms_since_epoch, session_->now());
    session_->advance(now);
    std::vector<std::string> lines;
    std::vector<std::pair<Command*, Reply>> answers;
    for (auto& c : batch) {
      if (!c->op.empty() && !failure_.empty()) {
        answers.emplace_back(c.get(), error_reply(503, "journal_failed", failure_));
        continue;
      }
      if (c->op.empty()) {
        answers.emplace_back(c.get(), c->read(session_->runtime()));
        continue;
      }
      if (c->op == "capture" && c->value.is_object() && c->value.contains("id") && c->value["id"].is_string()) {
        if (auto it = captured_.find(c->value["id"].get<std::string>()); it != captured_.end()) {
          if (it->second == c->value.dump()) {
            Reply again = outcome(*c);
            again.status = 200;  // the same item again: nothing new is stored
            answers.emplace_back(c.get(), std::move(again));
          } else {
            answers.emplace_back(c.get(), error_reply(409, "conflict", fmt::format("item `{}` was captured with another body", it->first)));
          }
          continue;
        }
      }
      const std::string line = json{{"at", stdlib::format_instant(stdlib::Instant{now})}, {c->op, c->value}}.dump();
      if (std::string refused = session_->apply_text(line); !refused.empty()) {
        const bool unknown = refused.find("no open item") != std::string::npos || refused.find("no agent") != std::string::npos;
        answers.emplace_back(c.get(), error_reply(unknown ? 404 : 422, unknown ? "not_found" : "refused", refused));
        continue;
      }
      lines.push_back(line);
      if (c->op == "capture") remember_capture(c->value);
      answers.emplace_back(c.get(), outcome(*c));
    }
    std::string error;
    if (!journal_.append(lines, &error)) {
      // The runtime has applied changes that are not durable: refuse everything from now on
      // rather than acknowledge what a restart would not bring back.
      failure_ = "the journal could not store a change (" + error + "); restart the service";
      for (auto& [c, r] : answers)
        if (!c->op.empty()) r = error_reply(503, "journal_failed", failure_);
    }
    for (auto& [c, r] : answers) c->reply.set_value(std::move(r));
  }
}

void Service::remember_capture(const json& value) {
  if (value.is_object() && value.contains("id") && value["id"].is_string()) captured_[value["id"].get<std::string>()] = value.dump();
}

ojson Service::item_json(const runtime::Runtime& rt, const runtime::WorkItem& item) {
  ojson j{{"id", std::string(rt.pool().view(item.id))},
          {"state", std::string(runtime::item_state_name(item.state))},
          {"process", item.process >= 0 ? rt.rules().process_names[item.process] : ""},
          {"priority", item.priority}};
  if (item.clock.due != runtime::abi::kNone) j["due"] = stdlib::format_instant(stdlib::Instant{item.clock.due});
  if (item.agent != runtime::kNoIndex) j["agent"] = std::string(rt.pool().view(rt.agents()[item.agent].id));
  j["attributes"] = json::parse(runtime::encode_item(rt.schema(), rt.pool(), item.record));
  return j;
}

ojson Service::agent_json(const runtime::Runtime& rt, const runtime::Agent& a) {
  ojson j{{"id", std::string(rt.pool().view(a.id))}, {"state", std::string(runtime::agent_state_name(a.state))}};
  if (a.reason != runtime::kNoId) j["reason"] = std::string(rt.pool().view(a.reason));
  return j;
}

// The item (or agent) a change was about, as it stands after the change.
Reply Service::outcome(const Command& c) {
  runtime::Runtime& rt = session_->runtime();
  std::string id;
  if (c.value.is_string()) id = c.value.get<std::string>();
  else if (c.value.is_object() && c.value.contains("item") && c.value["item"].is_string()) id = c.value["item"].get<std::string>();
  else if (c.value.is_object() && c.value.contains("id") && c.value["id"].is_string()) id = c.value["id"].get<std::string>();
  if (c.op == "agent") {
    const runtime::Agent* a = rt.find_agent(pool_.intern(id));
    return a ? Reply{200, agent_json(rt, *a)} : Reply{200, ojson{{"id", id}}};
  }
  const runtime::WorkItem* item = rt.find_item(pool_.intern(id));
  if (item) return Reply{c.op == "capture" ? 201 : 200, item_json(rt, *item)};
  return Reply{c.op == "capture" ? 201 : 200, ojson{{"id", id}, {"open", false}}};
}

}  // namespace iwd::server
