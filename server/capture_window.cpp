#include "server/capture_window.h"

#include <algorithm>

namespace iwd::server {

void CaptureWindow::captured(std::uint32_t id, std::int64_t at, std::string answer) {
  queue_.emplace_back(at, id);
  if (answer.empty()) answers_.erase(id);  // an earlier life's answer is not this one's
  else answers_[id] = {at, std::make_shared<const std::string>(std::move(answer))};
}

void CaptureWindow::restored(CaptureIndex& index, std::int64_t at, std::vector<std::pair<std::uint32_t, std::string>> answers) {
  std::vector<std::pair<std::int64_t, std::uint32_t>> restored;
  restored.reserve(index.size());
  index.each_mutable([&](std::uint32_t id, CaptureMark& mark) {
    if (mark.at == CaptureMark::kAtUnknown) mark.at = at;
    restored.emplace_back(mark.at, id);
  });
  std::sort(restored.begin(), restored.end());  // expiry walks the queue oldest first
  queue_.insert(queue_.begin(), restored.begin(), restored.end());
  for (auto& [id, body] : answers)
    if (const CaptureMark* mark = index.find(id)) answers_[id] = {mark->at, std::make_shared<const std::string>(std::move(body))};
}

const std::string* CaptureWindow::answer(std::uint32_t id, std::int64_t at) const {
  const auto it = answers_.find(id);
  return it != answers_.end() && it->second.first == at ? it->second.second.get() : nullptr;
}

std::vector<std::pair<std::uint32_t, std::shared_ptr<const std::string>>> CaptureWindow::answers_of(const CaptureIndex& index) const {
  std::vector<std::pair<std::uint32_t, std::shared_ptr<const std::string>>> out;
  out.reserve(answers_.size());
  for (const auto& [id, kept] : answers_)
    if (const CaptureMark* mark = index.find(id); mark && mark->at == kept.first) out.emplace_back(id, kept.second);
  return out;
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
