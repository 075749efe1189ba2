// A batch handed to a group committer in the store tests: its outcome, once stored or failed.
#pragma once

#include <future>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "history/record.h"
#include "server/group_commit.h"

namespace iwd::server {

// A batch of `lines` (and `history`) handed to `committer`: its outcome, once stored or failed.
inline std::future<std::pair<bool, std::string>> submitted(GroupCommitter& committer, std::vector<std::string> lines,
                                                           std::vector<history::Record> history = {}) {
  auto done = std::make_shared<std::promise<std::pair<bool, std::string>>>();
  CommitBatch b;
  b.lines = std::move(lines);
  b.history = std::move(history);
  b.done = [done](bool ok, const std::string& e) { done->set_value({ok, e}); };
  committer.submit(std::move(b));
  return done->get_future();
}

}  // namespace iwd::server
