#include "server/offer_hub.h"

namespace iwd::server {

bool OfferSubscription::take(std::vector<SseMessage>* out) {
  std::lock_guard<std::mutex> lock(mu_);
  out->insert(out->end(), queue_.begin(), queue_.end());
  queue_.clear();
  return !closed_;
}

void OfferSubscription::on_ready(std::function<void()> wake) {
  std::lock_guard<std::mutex> lock(mu_);
  wake_ = std::move(wake);
}

void OfferSubscription::wake() {
  std::function<void()> w;
  {
    std::lock_guard<std::mutex> lock(mu_);
    w = wake_;
  }
  if (w) w();
}

void OfferSubscription::push(const SseMessage& m) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (closed_) return;
    if (queue_.size() >= kMaxQueued) {
      closed_ = true;  // too far behind: the client reconnects and starts from its current offers
      queue_.clear();
    } else {
      queue_.push_back(m);
    }
  }
  wake();
}

void OfferSubscription::close() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    closed_ = true;
  }
  wake();
}

std::shared_ptr<OfferSubscription> OfferHub::subscribe(const std::string& agent) {
  auto s = std::make_shared<OfferSubscription>(agent);
  std::lock_guard<std::mutex> lock(mu_);
  if (closed_) s->close();
  else by_agent_.emplace(agent, s);
  return s;
}

void OfferHub::unsubscribe(const std::shared_ptr<OfferSubscription>& s) {
  std::lock_guard<std::mutex> lock(mu_);
  auto [first, last] = by_agent_.equal_range(s->agent());
  for (auto it = first; it != last; ++it)
    if (it->second == s) {
      by_agent_.erase(it);
      break;
    }
}

void OfferHub::publish(const std::string& agent, const SseMessage& m) {
  std::lock_guard<std::mutex> lock(mu_);
  auto [first, last] = by_agent_.equal_range(agent);
  for (auto it = first; it != last; ++it) it->second->push(m);
}

void OfferHub::close_all() {
  std::lock_guard<std::mutex> lock(mu_);
  closed_ = true;
  for (auto& [agent, s] : by_agent_) s->close();
  by_agent_.clear();
}

std::size_t OfferHub::streams() const {
  std::lock_guard<std::mutex> lock(mu_);
  return by_agent_.size();
}

}  // namespace iwd::server
