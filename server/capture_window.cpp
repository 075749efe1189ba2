#include "server/capture_window.h"

#include <algorithm>

namespace iwd::server {

void CaptureWindow::named(std::uint32_t id) {
  if (id >= entries_of_.size()) entries_of_.resize(std::size_t{id} + 1, 0);
  ++entries_of_[id];
}

void CaptureWindow::append(std::uint32_t id, std::string_view id_text, std::int64_t at, std::string_view answer) {
  named(id);
  log_.append(id, id_text, at, answer);
}

void CaptureWindow::captured(std::uint32_t id, std::string_view id_text, std::int64_t at, std::string_view answer) {
  // (An earlier life's answer is not this one's: answer() asks for this capture's instant.)
  append(id, id_text, at, answer);
}

void CaptureWindow::restored(CaptureIndex& index, std::int64_t at, std::vector<LoadedAnswer> answers,
                             const runtime::StringPool& pool) {
  std::vector<std::pair<std::int64_t, std::uint32_t>> restored;
  restored.reserve(index.size());
  index.each_mutable([&](std::uint32_t id, CaptureMark& mark) {
    if (mark.at == CaptureMark::kAtUnknown) mark.at = at;
    restored.emplace_back(mark.at, id);
  });
  std::sort(restored.begin(), restored.end());  // expiry walks the log oldest first
  std::stable_sort(answers.begin(), answers.end(), [](const LoadedAnswer& a, const LoadedAnswer& b) { return a.id < b.id; });
  for (const auto& [when, id] : restored) {
    const auto it = std::lower_bound(answers.begin(), answers.end(), id, [](const LoadedAnswer& a, std::uint32_t k) { return a.id < k; });
    if (it == answers.end() || it->id != id) {
      append(id, pool.view(id), when, "");
    } else if (it->kept) {
      named(id);
      log_.append_kept(id, when, it->bytes, it->raw);
    } else {
      append(id, pool.view(id), when, it->bytes);
    }
  }
}

AnswerLog::View CaptureWindow::answers_of(const CaptureIndex& index) const {
  return log_.view([&index](const AnswerLog::Entry& e) { return answer_of_marked_capture(index, e); });
}

std::size_t CaptureWindow::expire(std::int64_t now, CaptureIndex& index, std::size_t max) {
  std::size_t n = 0;
  while (n < max && !log_.empty() && !within(log_.front().at, now)) {
    const std::int64_t at = log_.front().at;
    const std::uint32_t id = log_.front().id;
    log_.pop_front();  // its answer with it
    ++n;
    // A later life of the id has its own entry further on: this one is about nothing now.
    if (const CaptureMark* mark = index.find(id); mark && mark->at == at && mark->ended != runtime::ItemState::None)
      index.erase(id);
    if (--entries_of_[id] == 0 && !index.find(id)) unnamed_.push_back(id);
  }
  return n;
}

void CaptureWindow::ended(std::uint32_t id, std::int64_t now, CaptureIndex& index) {
  const CaptureMark* mark = index.find(id);
  if (!mark || within(mark->at, now)) return;
  index.erase(id);
  if (!names(id)) unnamed_.push_back(id);
}

}  // namespace iwd::server
