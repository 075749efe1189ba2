#include "server/history_retention.h"

#include <cstdio>

namespace iwd::server {

HistoryRetention::HistoryRetention(GroupCommitter& committer, history::Store& store, const runtime::Clock& clock,
                                   std::int64_t days, std::chrono::milliseconds interval)
    : committer_(committer), store_(store), clock_(clock), days_(days), interval_(interval) {
  if (interval_.count() > 0) thread_ = std::thread([this] { loop(); });
}

HistoryRetention::~HistoryRetention() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void HistoryRetention::loop() {
  std::unique_lock<std::mutex> lock(mu_);
  for (bool logged = false; !stopping_;) {
    lock.unlock();
    std::string error;
    const bool ok = purge(&error).has_value();
    if (!ok && !logged)  // said once: a failed step loses nothing, the records wait for the next pass
      std::fprintf(stderr, "iwd serve: the history's retention could not delete old records: %s (tried again every pass)\n",
                   error.c_str());
    logged = logged || !ok;
    lock.lock();
    wake_.wait_for(lock, interval_, [this] { return stopping_; });
  }
}

std::optional<std::int64_t> HistoryRetention::purge(std::string* error) {
  const std::int64_t before = clock_.now().ms_since_epoch - days_ * 86'400'000;
  std::int64_t total = 0;
  for (;;) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (stopping_ && interval_.count() > 0) return total;
    }
    std::int64_t n = 0;
    const bool ok = committer_.run_step(
        [&](Journal&, std::string* e) {
          const auto deleted = store_.purge(before, kRows, e);
          n = deleted.value_or(0);
          return deleted.has_value();
        },
        error);
    if (!ok) return std::nullopt;
    total += n;
    if (n < kRows) return total;
  }
}

}  // namespace iwd::server
