// Offers pushed to agents as Server-Sent Events (GET /v1/agents/{id}/offers/stream): the
// engine publishes, after the batch that made them is durable, an `offer` message when an
// item is offered to an agent and an `offer_ended` message when that offer ends (accepted,
// rejected, timed out, withdrawn). Each open stream has a subscription with its own queue;
// a stream that falls behind by more than kMaxQueued messages is closed (the agent reconnects
// and gets its current offers first).
#pragma once

#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

namespace iwd::server {

struct SseMessage {
  std::string event, data;  // data: one line of JSON
  std::string text() const { return "event: " + event + "\ndata: " + data + "\n\n"; }
};

class OfferSubscription {
 public:
  static constexpr std::size_t kMaxQueued = 10000;
  explicit OfferSubscription(std::string agent) : agent_(std::move(agent)) {}
  const std::string& agent() const { return agent_; }
  // The messages queued now (appended to *out); false once closed.
  bool take(std::vector<SseMessage>* out);
  // Called (on the pushing thread, outside the subscription's lock) after each push and at
  // close: the front end resumes the stream's connection. Set before the first push.
  void on_ready(std::function<void()> wake);
  void push(const SseMessage& m);
  void close();

 private:
  void wake();
  std::string agent_;
  std::mutex mu_;
  std::deque<SseMessage> queue_;
  std::function<void()> wake_;
  bool closed_ = false;
};

class OfferHub {
 public:
  std::shared_ptr<OfferSubscription> subscribe(const std::string& agent);
  void unsubscribe(const std::shared_ptr<OfferSubscription>& s);
  void publish(const std::string& agent, const SseMessage& m);
  void close_all();  // at stop: every stream ends
  std::size_t streams() const;

 private:
  mutable std::mutex mu_;
  bool closed_ = false;
  std::unordered_multimap<std::string, std::shared_ptr<OfferSubscription>> by_agent_;
};

}  // namespace iwd::server
