#include "runtime/events.h"

namespace iwd::runtime {

std::string_view item_state_name(ItemState s) {
  switch (s) {
    case ItemState::None: return "none";
    case ItemState::Deferred: return "deferred";
    case ItemState::Queued: return "queued";
    case ItemState::Offered: return "offered";
    case ItemState::Assigned: return "assigned";
    case ItemState::DonePending: return "done_pending";
    case ItemState::Parked: return "parked";
    case ItemState::Held: return "held";
    case ItemState::Completed: return "completed";
    case ItemState::Canceled: return "canceled";
    case ItemState::Expired: return "expired";
    case ItemState::Rejected: return "rejected";
  }
  return "?";
}

std::string_view agent_state_name(AgentState s) {
  switch (s) {
    case AgentState::LoggedOut: return "logged_out";
    case AgentState::Ready: return "ready";
    case AgentState::NotReady: return "not_ready";
  }
  return "?";
}

std::string_view cause_name(Cause c) {
  switch (c) {
    case Cause::Capture: return "capture";
    case Cause::Activate: return "activate";
    case Cause::Offer: return "offer";
    case Cause::Accept: return "accept";
    case Cause::Reject: return "reject";
    case Cause::OfferTimeout: return "offer_timeout";
    case Cause::Done: return "done";
    case Cause::Complete: return "complete";
    case Cause::CompleteTimeout: return "complete_timeout";
    case Cause::Park: return "park";
    case Cause::Pull: return "pull";
    case Cause::Return: return "return";
    case Cause::Transfer: return "transfer";
    case Cause::Hold: return "hold";
    case Cause::Resume: return "resume";
    case Cause::Cancel: return "cancel";
    case Cause::Expire: return "expire";
    case Cause::Update: return "update";
    case Cause::Restart: return "restart";
    case Cause::Reschedule: return "reschedule";
    case Cause::Logout: return "logout";
    case Cause::AgentChange: return "agent";
    case Cause::Age: return "age";
    case Cause::Reload: return "reload";
    case Cause::Assign: return "assign";
    case Cause::Requeue: return "requeue";
    case Cause::Override: return "override";
  }
  return "?";
}

}  // namespace iwd::runtime
