// A service: the runtime on the real clock behind one engine thread, with every accepted
// change in the durable journal before it is acknowledged.
//
// The engine thread owns a replay::Session (the runtime on a clock it moves to the system
// time before each batch, firing every deadline at its own instant). Requests queue commands;
// the thread takes every command waiting, applies them in order, stores the accepted ones in
// the journal in one transaction (group commit) and only then answers them. A change the
// runtime refuses is answered with its reason and not stored. At start the journal is replayed
// through the session on a simulated clock, so every open item comes back with its state,
// agent and priority, deadlines fired at their instants (those that fell while the service was
// down fire at start, each at its own instant).
#pragma once

#include <nlohmann/json.hpp>

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <future>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <unordered_map>

#include "runtime/abi.h"
#include "runtime/clock.h"
#include "runtime/intern.h"
#include "runtime/replay/replay.h"
#include "server/journal.h"

namespace iwd::server {

struct Reply {
  int status = 200;
  nlohmann::ordered_json body;
};

// An error reply: {"error": {"code": CODE, "message": MESSAGE}}.
Reply error_reply(int status, const std::string& code, const std::string& message);

struct ServiceStats {
  std::int64_t recovered_lines = 0;
  std::int64_t recovery_ms = 0;
};

class Service {
 public:
  // Replays the journal, then starts the engine thread. Null and *error on failure.
  static std::unique_ptr<Service> start(const runtime::abi::RulesV1& rules, runtime::StringPool& pool, Journal& journal,
                                        runtime::Clock& clock, std::string* error);
  ~Service();  // stops the engine thread (pending commands are answered 503)

  // A change in the replay script's terms: an operation (`capture`, `agent`, `accept`...) and
  // its JSON value (docs/replay.md). Answered after it is durable: the item (or agent) after
  // the change, or a 4xx naming why it was refused.
  Reply change(const std::string& op, const nlohmann::json& value);
  // A read of the runtime on the engine thread: the function sees the runtime settled at now.
  Reply read(const std::function<Reply(runtime::Runtime&)>& f);

  const ServiceStats& stats() const { return stats_; }
  const runtime::abi::RulesV1& rules() const { return rules_; }
  runtime::StringPool& pool() const { return pool_; }

  // The JSON of an item or an agent, as replies show them.
  static nlohmann::ordered_json item_json(const runtime::Runtime& rt, const runtime::WorkItem& item);
  static nlohmann::ordered_json agent_json(const runtime::Runtime& rt, const runtime::Agent& agent);

 private:
  struct Command {
    std::string op;  // empty: a read
    nlohmann::json value;
    std::function<Reply(runtime::Runtime&)> read;
    std::promise<Reply> reply;
  };

  Service(const runtime::abi::RulesV1& rules, runtime::StringPool& pool, Journal& journal, runtime::Clock& clock);
  void loop();
  Reply submit(std::unique_ptr<Command> c);
  Reply outcome(const Command& c);  // after an accepted change

  const runtime::abi::RulesV1& rules_;
  runtime::StringPool& pool_;
  Journal& journal_;
  runtime::Clock& clock_;
  std::unique_ptr<runtime::replay::Session> session_;
  ServiceStats stats_;
  std::string failure_;  // set when the journal failed: changes are refused from then on
  // Every capture's body by id (canonical JSON): the same body again is answered with the
  // item, another body with 409. Rebuilt from the journal at start.
  std::unordered_map<std::string, std::string> captured_;
  void remember_capture(const nlohmann::json& value);

  std::mutex mu_;
  std::condition_variable wake_;
  std::deque<std::unique_ptr<Command>> queue_;
  bool stopping_ = false;
  std::thread engine_;
};

}  // namespace iwd::server
