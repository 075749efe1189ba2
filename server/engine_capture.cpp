// The capture path's identity rules (docs/api.md, "Idempotency"; docs/lifecycle.md): an id is
// an open item's while it is open; a retried identical create within the idempotency window
// answers as the first did; a capture the rules reject keeps nothing, so the corrected body is
// a new capture of the same id; an ended item's id may be captured again, a new life. A
// rejection is still journaled: its history record (and its notification) is numbered by the
// replay of the journal, which must emit the same events; recovery keeps no mark for it.
#include <fmt/format.h>

#include "server/engine.h"
#include "stdlib/time.h"

namespace iwd::server {

using runtime::ItemState;

std::optional<Reply> Engine::capture_again(const std::string& id, std::uint64_t hash, std::int64_t now) {
  const auto known = pool_.find(id);
  const CaptureMark* mark = known ? captured_.find(*known) : nullptr;
  // A rejected mark comes from a journal written before rejections kept the id free.
  if (!mark || mark->ended == ItemState::Rejected) return std::nullopt;
  const bool within = window_.within(mark->at, now);
  if (within && mark->body_hash == hash) {  // a retry: the first answer, nothing stored
    if (auto first = window_.answer(*known, id, mark->at)) return Reply{201, {}, std::move(*first)};
    Change asked;
    asked.op = runtime::replay::Op::Capture;
    Reply again = outcome(asked, id);  // its first answer was not kept (restored from a snapshot of format 1 or 2)
    again.status = 201;
    return again;
  }
  if (mark->ended != ItemState::None) return std::nullopt;  // ended: a new life of the id
  if (within) return error_reply(409, "conflict", fmt::format("item `{}` was captured before with another body", id));
  return error_reply(409, "conflict", fmt::format("item `{}` is open (captured at {}, before the idempotency window); "
                                                  "it cannot be captured again until it ends",
                                                  id, stdlib::format_instant(stdlib::Instant{mark->at})));
}

Reply Engine::captured(const Change& c, const std::string& id, std::uint64_t hash, std::int64_t now) {
  if (auto why = rejection(id)) {
    Reply r = error_reply(422, "rejected", fmt::format("item `{}` is rejected: {}", id, *why));
    r.body["error"]["reason"] = *why;
    return r;
  }
  Reply r = outcome(c, id);
  const std::uint32_t interned = pool_.intern_item(id);  // the runtime's number: released once it is about nothing
  captured_.set(interned, CaptureMark{hash, ItemState::None, pool_.intern(requester_), now});
  window_.captured(interned, id, now, r.text.empty() ? r.body.dump() : r.text);
  return r;
}

// The first answer is a function of the capture and the state it met, and replaying the line
// rebuilds that state: rendered now, it is the answer the capture had (status and body), so a
// retry after a restart, kill -9 included, answers as the first did. Only within the window:
// older captures need no answer.
void Engine::remember_capture(const nlohmann::json& value, std::int64_t at, std::int64_t now, const std::string& by) {
  const std::string& id = value["id"].get_ref<const std::string&>();
  if (rejection(id)) return;
  std::string answer;
  if (window_.within(at, now)) {
    Change asked;
    asked.op = runtime::replay::Op::Capture;
    const Reply r = outcome(asked, id);  // before the mark, as captured() renders it
    answer = r.text.empty() ? r.body.dump() : r.text;
  }
  const std::uint32_t interned = pool_.intern_item(id);
  const std::uint32_t source = by.empty() ? CaptureMark::kSourceUnread : pool_.intern(by);  // else the history says
  captured_.set(interned, CaptureMark{body_hash(value, value.dump()), ItemState::None, source, at});
  window_.captured(interned, id, at, answer);
}

}  // namespace iwd::server
