// The engine's notifications (docs/notifications.md): the outbox lives on the journal's
// connection, so the committer adds a batch's rows in the batch's transaction (and recovery
// those of the records it stores); the sender delivers them on threads of its own.
#include <fmt/format.h>

#include "server/engine.h"

namespace iwd::server {

bool Engine::open_outbox(std::string* error) {
  if (!history_) {
    if (options_.subscriptions.empty()) return true;
    *error = "subscriptions need the event history (`history`: true): its records are the events notified";
    return false;
  }
  outbox_ = notify::Outbox::on(journal_.store(), history_.get(), options_.outbox, error);
  if (!outbox_) return false;
  if (options_.subscriptions.empty()) return true;
  // The configuration's subscriptions win over what is stored under their names.
  if (!journal_.begin(error)) return false;
  for (const notify::Subscription& s : options_.subscriptions)
    if (!outbox_->put(s, error)) {
      journal_.rollback();
      return false;
    }
  return journal_.commit(error);
}

bool Engine::put_subscription(const notify::Subscription& s, std::string* error) {
  if (!outbox_) {
    *error = "the service keeps no event history, so it sends no notifications";
    return false;
  }
  return committer_->run_step([&](Journal&, std::string* e) { return outbox_->put(s, e); }, error);
}

bool Engine::remove_subscription(const std::string& name, std::string* error) {
  if (!outbox_) {
    *error = "the service keeps no event history, so it sends no notifications";
    return false;
  }
  return committer_->run_step([&](Journal&, std::string* e) { return outbox_->remove(name, e); }, error);
}

std::string Engine::notify_metrics() const {
  if (!outbox_ || !sender_) return "";
  std::string out =
      "# HELP iwd_outbox_pending Notifications waiting to be delivered, by subscription.\n"
      "# TYPE iwd_outbox_pending gauge\n";
  for (const auto& [name, n] : outbox_->pending()) out += fmt::format("iwd_outbox_pending{{subscription=\"{}\"}} {}\n", name, n);
  const notify::Sender::Stats s = sender_->stats();
  out += fmt::format(
      "# HELP iwd_notifications_delivered_total Notifications a receiver accepted (2xx).\n"
      "# TYPE iwd_notifications_delivered_total counter\n"
      "iwd_notifications_delivered_total {}\n"
      "# HELP iwd_notification_failures_total Delivery attempts that failed (not 2xx, or no answer in time).\n"
      "# TYPE iwd_notification_failures_total counter\n"
      "iwd_notification_failures_total {}\n"
      "# HELP iwd_notification_dead_letters_total Notifications given up after the retry budget.\n"
      "# TYPE iwd_notification_dead_letters_total counter\n"
      "iwd_notification_dead_letters_total {}\n",
      s.delivered, s.failed_attempts, s.dead_letters);
  return out;
}

}  // namespace iwd::server
