// The idempotency window (docs/api.md, "Idempotency"): what the engine remembers of a capture
// for `idempotency_window` after it, on the server's clock. Within the window a retried
// identical create answers as the first did (its status and body, kept here, and in snapshots;
// recovery renders them again as it replays the capture lines after the snapshot); after it the
// body is forgotten, and the id's mark in the index (server/state_image.h) is dropped once its
// item has ended, so the index holds the open items and the window's captures, not every id
// ever seen. The window also says which numbers it stopped naming (an ended item's, once its mark
// is erased and no capture of the window names it), so that the engine releases them from the
// pool (runtime/intern.h) and the index stays as small as the open items and the window's
// captures: an entry keeps its number until it expires, so a number given to another id never
// meets an earlier capture's entry or answer (with a window of 0 too). Expiry walks the captures in the order they were made (a queue by instant), a
// bounded number per engine batch, so no batch pays for a long quiet spell at once. The
// captures and their answers are one queue (server/answer_log.h): about 24 bytes a capture and
// its answer's bytes, shortened, rather than a heap node and a string each.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "server/answer_log.h"
#include "server/state_image.h"

namespace iwd::server {

class CaptureWindow {
 public:
  explicit CaptureWindow(std::int64_t window_ms = 86'400'000) : window_ms_(window_ms) {}
  void set_window(std::int64_t window_ms) { window_ms_ = window_ms; }
  std::int64_t window_ms() const { return window_ms_; }

  // Whether a capture made at `at` is still within the window at `now`.
  bool within(std::int64_t at, std::int64_t now) const { return now - at < window_ms_; }
  // A capture of `id` (`id_text`) at `at` (the mark's `at`, not before the last capture's),
  // with its first answer's body when known (empty: a capture replayed at recovery from
  // before the window, whose answer is not needed).
  void captured(std::uint32_t id, std::string_view id_text, std::int64_t at, std::string_view answer);
  // Every mark of `index` restored from a snapshot, with the first answers it kept (by id; as
  // the log keeps them from format 6 on: taken as they are), before any capture. A mark whose
  // capture instant the snapshot does not say (format 1 and 2 images) counts from `at` (the
  // snapshot's instant), so the window only lengthens.
  void restored(CaptureIndex& index, std::int64_t at, std::vector<LoadedAnswer> answers,
                const runtime::StringPool& pool);
  // The first answer's body of `id`'s capture made at `at`, if kept.
  std::optional<std::string> answer(std::uint32_t id, std::string_view id_text, std::int64_t at) const {
    return log_.find(id, id_text, at);
  }
  // The first answers kept of the captures `index` marks (this life's: answer_of_marked_capture,
  // server/state_image.h), sharing the log's bytes: what a snapshot handed answers() keeps of
  // them when its image is encoded (the same predicate). The engine hands answers() over, so
  // that the lookups are made off its thread; the tests pick with this.
  AnswerLog::View answers_of(const CaptureIndex& index) const;
  // Every first answer kept, for a snapshot, which keeps those of its index's captures when it
  // is encoded, off the engine thread (encode_image_head): a copy of 24 bytes an answer and no
  // lookup in the index here.
  AnswerLog::View answers() const {
    return log_.view([](const AnswerLog::Entry&) { return true; });
  }
  // Captures past the window at `now`, oldest first, at most `max`: their answers dropped,
  // and their marks erased from `index` when their items have ended (an item still open keeps
  // its mark: its source and that it is open). How many were looked at.
  std::size_t expire(std::int64_t now, CaptureIndex& index, std::size_t max);
  // Item `id` ended at `now`: its mark goes at once when its capture is past the window.
  void ended(std::uint32_t id, std::int64_t now, CaptureIndex& index);
  std::size_t pending() const { return log_.size(); }
  const AnswerLog& log() const { return log_; }
  // Whether a capture of the window names number `id`.
  bool names(std::uint32_t id) const { return id < entries_of_.size() && entries_of_[id] != 0; }
  // The numbers that neither the window nor the index named any more since the last call (each
  // once): free unless the runtime still has the item open.
  std::vector<std::uint32_t> take_unnamed() { return std::exchange(unnamed_, {}); }

 private:
  void append(std::uint32_t id, std::string_view id_text, std::int64_t at, std::string_view answer);
  void named(std::uint32_t id);  // one more entry of log_ names `id`
  std::int64_t window_ms_;
  AnswerLog log_;  // every capture of the window, oldest first
  std::vector<std::uint32_t> entries_of_;  // by number: how many of log_'s entries name it
  std::vector<std::uint32_t> unnamed_;
};

}  // namespace iwd::server
