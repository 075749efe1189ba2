#include "server/capture_window.h"

namespace iwd::server {

void CaptureWindow::captured(std::uint32_t id, std::int64_t at, std::string answer) {
  queue_.emplace_back(at, id);
  if (answer.empty()) answers_.erase(id);  // an earlier life's answer is not this one's
  else answers_[id] = {at, std::move(answer)};
}

void CaptureWindow::restored(CaptureIndex& index, std::int64_t at) {
  index.each_mutable([&](std::uint32_t id, CaptureMark& mark) {
    mark.at = at;
    queue_.emplace_back(at, id);
  });
}

const std::string* CaptureWindow::answer(std::uint32_t id, std::int64_t at) const {
  const auto it = answers_.find(id);
  return it != answers_.end() && it->second.first == at ? &it->second.second : nullptr;
}

std::size_t CaptureWindow::expire(std::int64_t now, CaptureIndex& index, std::size_t max) {
  std::size_t n = 0;
  while (n < max && !queue_.empty() && !within(queue_.front().first, now)) {
    const auto [at, id] = queue_.front();
    queue_.pop_front();
    ++n;
    // A later life of the id has its own entry further on: this one is about nothing now.
    if (const auto it = answers_.find(id); it != answers_.end() && it->second.first == at) answers_.erase(it);
    if (const CaptureMark* mark = index.find(id); mark && mark->at == at && mark->ended != runtime::ItemState::None)
      index.erase(id);
  }
  return n;
}

void CaptureWindow::ended(std::uint32_t id, std::int64_t now, CaptureIndex& index) const {
  if (const CaptureMark* mark = index.find(id); mark && !within(mark->at, now)) index.erase(id);
}

}  // namespace iwd::server
