#include "server/group_commit.h"

#include <chrono>

namespace iwd::server {

GroupCommitter::GroupCommitter(Journal& journal)
    : journal_(journal), thread_([this] { loop(); }), checkpointer_([this] { checkpoints(); }) {}

GroupCommitter::~GroupCommitter() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  wake_.notify_all();
  stop_checkpoints_.notify_all();
  thread_.join();
  checkpointer_.join();
}

void GroupCommitter::checkpoints() {
  std::unique_lock<std::mutex> lock(mu_);
  while (!stopping_) {
    stop_checkpoints_.wait_for(lock, std::chrono::seconds(5), [this] { return stopping_; });
    lock.unlock();
    std::string ignored;  // a failed checkpoint loses nothing: the log keeps every change
    journal_.checkpoint(&ignored);
    lock.lock();
  }
}

void GroupCommitter::submit(CommitBatch batch) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    queue_.push_back(std::move(batch));
  }
  wake_.notify_one();
}

CommitStats GroupCommitter::stats() const {
  std::lock_guard<std::mutex> lock(mu_);
  return stats_;
}

void GroupCommitter::loop() {
  for (;;) {
    std::deque<CommitBatch> batches;
    {
      std::unique_lock<std::mutex> lock(mu_);
      wake_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
      if (queue_.empty()) return;  // stopping, nothing left
      batches.swap(queue_);
    }
    std::vector<std::pair<std::string, std::string>> rulesets;
    std::vector<std::string> lines;
    for (auto& b : batches) {
      for (auto& r : b.rulesets) rulesets.push_back(std::move(r));
      for (auto& l : b.lines) lines.push_back(std::move(l));
    }
    std::string error;
    bool ok = failure_.empty();
    if (!ok) error = failure_;
    if (ok && !journal_.append(rulesets, lines, &error)) {
      ok = false;
      failure_ = error;
    }
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (ok && !lines.empty()) {
        ++stats_.transactions;
        stats_.lines += lines.size();
      }
    }
    for (auto& b : batches)
      if (b.done) b.done(ok, error);
  }
}

}  // namespace iwd::server
