#include "server/history_checkpoints.h"

#include <chrono>
#include <cstdio>

#include <fmt/format.h>

#include "server/snapshot_store.h"

namespace iwd::server {

HistoryCheckpoints::HistoryCheckpoints(const Journal& journal, std::string where)
    : journal_(journal), where_(std::move(where)), thread_([this] { loop(); }) {}

HistoryCheckpoints::~HistoryCheckpoints() {
  {
    std::unique_lock<std::mutex> lock(mu_);
    idle_.wait(lock, [this] { return !busy_; });
    stopping_ = true;
  }
  wake_.notify_all();
  thread_.join();
}

void HistoryCheckpoints::write(history::CheckpointImage image) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    next_ = std::move(image);
    busy_ = true;
  }
  wake_.notify_all();
}

bool HistoryCheckpoints::writing() {
  std::lock_guard<std::mutex> lock(mu_);
  return busy_;
}

bool HistoryCheckpoints::wait() {
  std::unique_lock<std::mutex> lock(mu_);
  idle_.wait(lock, [this] { return !busy_; });
  const bool ok = !failed_;
  failed_ = false;
  return ok;
}

void HistoryCheckpoints::loop() {
  for (;;) {
    history::CheckpointImage image;
    {
      std::unique_lock<std::mutex> lock(mu_);
      wake_.wait(lock, [this] { return stopping_ || next_.has_value(); });
      if (!next_) return;
      image = std::move(*next_);
      next_.reset();
    }
    const auto began = std::chrono::steady_clock::now();
    std::string error;
    const bool ok = store(image, &error);
    if (!ok)  // the writer reads its state again (history/agg_checkpoint.h): nothing is lost
      std::fprintf(stderr,
                   "iwd serve: %s: the history aggregates' checkpoint (%zu items) could not be written: %s (the items' "
                   "state is read again from the last one)\n",
                   where_.c_str(), image.items.size(), error.c_str());
    if (snapshot_trace_on())
      snapshot_trace("history", fmt::format("aggregates' checkpoint of {} item(s) ({} replaced, {} gone) {} in {:.1f} ms "
                                            "on its own connection",
                                            image.items.size(), image.rewritten, image.gone.size(),
                                            ok ? "written" : "failed",
                                            std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - began)
                                                .count()));
    {
      std::lock_guard<std::mutex> lock(mu_);
      busy_ = false;
      failed_ = failed_ || !ok;
    }
    idle_.notify_all();
  }
}

bool HistoryCheckpoints::store(const history::CheckpointImage& image, std::string* error) {
  if (!side_) {
    side_ = journal_.open_side(error);
    if (!side_) {
      if (error->empty()) *error = "no connection of its own (not PostgreSQL)";
      return false;
    }
    writer_ = std::make_unique<history::CheckpointWriter>(side_->store(), where_);
  }
  bool ok = side_->begin(error) && writer_->write(image, error);
  if (ok) ok = side_->commit(error);
  else side_->rollback();
  if (!ok) {  // a connection of its own again next time (the database may have restarted)
    writer_.reset();
    side_.reset();
  }
  return ok;
}

}  // namespace iwd::server
