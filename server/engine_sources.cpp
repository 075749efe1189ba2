// Which source an item is (docs/api.md, "Authentication"): the actor of its capture, the
// source token's name. A capture applied by this service marks its item with it, and so does
// recovery, from the capture's journal line (`"by"`) or the snapshot's index (format 4), so
// that neither retention nor compaction forgets it. Only an item an older iwd wrote (a line
// without `by`, a snapshot of format 3 or before) is looked up once in the history's capture
// record, which was committed with the capture's journal line. A source token's change to an
// item another source captured is refused (403) before anything is applied.
#include <fmt/format.h>

#include "server/engine.h"

namespace iwd::server {

std::uint32_t Engine::source_of(CaptureMark& mark, const std::string& id) {
  if (mark.source != CaptureMark::kSourceUnread) return mark.source;
  if (!history_) return mark.source = CaptureMark::kSourceNone;
  std::string error;
  if (!source_reader_) source_reader_ = open_history_reader(&error);
  std::string source;
  // The last capture: an id captured again after it ended is the new life's source's.
  if (!source_reader_ || !source_reader_->read_item(id, [&](const history::Record& r) {
        if (r.reason == "capture") source = r.actor;
        return true;
      }, &error)) {
    std::fprintf(stderr, "iwd serve: the history could not say which source captured `%s`: %s\n", id.c_str(), error.c_str());
    source_reader_.reset();
    return CaptureMark::kSourceUnread;  // asked again next time
  }
  // "journal": a capture replayed without its record (a journal older than its history).
  mark.source = source.empty() || source == "journal" ? CaptureMark::kSourceNone : pool_.intern(source);
  return mark.source;
}

std::optional<Reply> Engine::forbid_other_source(const Change& c, const std::string& id) {
  if (c.source.empty() || id.empty()) return std::nullopt;
  const auto known = pool_.find(id);
  CaptureMark* mark = known ? captured_.find(*known) : nullptr;
  if (!mark) return std::nullopt;  // never captured: the change answers for itself
  const std::uint32_t source = source_of(*mark, id);
  if (source == CaptureMark::kSourceUnread)
    return error_reply(503, "history_unavailable", fmt::format("cannot tell which source captured `{}`; try again", id));
  if (source == CaptureMark::kSourceNone || pool_.view(source) == c.source) return std::nullopt;
  return error_reply(403, "forbidden", fmt::format("item `{}` is not source `{}`'s", id, c.source));
}

std::string Engine::item_source(const std::string& id) {
  const auto known = pool_.find(id);
  CaptureMark* mark = known ? captured_.find(*known) : nullptr;
  if (!mark) return {};
  const std::uint32_t source = source_of(*mark, id);
  return source >= CaptureMark::kSourceNone ? std::string() : std::string(pool_.view(source));
}

}  // namespace iwd::server
