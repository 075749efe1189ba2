// The event history's aggregates' checkpoints on PostgreSQL, written on a connection of their
// own (Journal::open_side: the journal's workspace at its epoch, fenced by the database as the
// journal's writes are) by a thread of their own, beside the batches' transactions, which never
// wait for them (history/agg_checkpoint.h: what a checkpoint is, why it was the p99 of durable
// creates with the history on, and why writing it apart keeps its promise). The group committer
// hands each image over once the transaction that took it committed; one is written at a time.
// SQLite has one writer: its checkpoints stay in the transaction that reaches them.
#pragma once

#include <condition_variable>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "history/agg_checkpoint.h"
#include "server/journal.h"

namespace iwd::server {

class HistoryCheckpoints : public history::CheckpointDefer {
 public:
  // `journal` (PostgreSQL) outlives this; `where` names the history in messages.
  HistoryCheckpoints(const Journal& journal, std::string where);
  ~HistoryCheckpoints() override;  // writes the image handed over, then stops
  HistoryCheckpoints(const HistoryCheckpoints&) = delete;
  HistoryCheckpoints& operator=(const HistoryCheckpoints&) = delete;

  // An image whose transaction committed (at most one is being written: see writing()).
  void write(history::CheckpointImage image);
  bool writing() override;
  bool wait() override;

 private:
  void loop();
  bool store(const history::CheckpointImage& image, std::string* error);
  const Journal& journal_;
  std::string where_;
  std::unique_ptr<Journal> side_;                   // this thread's
  std::unique_ptr<history::CheckpointWriter> writer_;  // on side_'s connection
  std::mutex mu_;
  std::condition_variable wake_, idle_;
  std::optional<history::CheckpointImage> next_;
  bool busy_ = false;     // an image handed over and not written yet
  bool failed_ = false;   // one could not be written since wait() last said so
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace iwd::server
