#include "server/group_commit.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <thread>

#include <fmt/format.h>

#include "server/snapshot_store.h"

namespace iwd::server {

namespace {
// The outbox's rows are dated by the wall clock: their retries run on it (notify/sender.h).
std::int64_t wall_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

// PostgreSQL: the history's aggregates' checkpoints on a connection of their own.
std::unique_ptr<HistoryCheckpoints> deferred_checkpoints(Journal& journal, history::Store* history) {
  if (!history || journal.dialect() != sqlstore::Dialect::PostgreSQL) return nullptr;
  auto out = std::make_unique<HistoryCheckpoints>(journal, history->where());
  history->defer_checkpoints(out.get());
  return out;
}
}  // namespace

GroupCommitter::GroupCommitter(Journal& journal, history::Store* history, notify::Outbox* outbox)
    : journal_(journal),
      history_(history),
      outbox_(outbox),
      history_checkpoints_(deferred_checkpoints(journal, history)),
      thread_([this] { loop(); }),
      checkpointer_([this] { checkpoints(); }) {}

GroupCommitter::~GroupCommitter() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  wake_.notify_all();
  stop_checkpoints_.notify_all();
  thread_.join();
  checkpointer_.join();
  if (history_checkpoints_) {
    // The last image written; if it could not be, the history's close writes no checkpoint on
    // rows that lack it (its state forgotten: the next start counts the records after the last).
    if (!history_checkpoints_->wait()) history_->rolled_back();
    history_->defer_checkpoints(nullptr);
    history_checkpoints_.reset();
  }
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

std::string GroupCommitter::failure() const {
  std::lock_guard<std::mutex> lock(mu_);
  return failure_;
}

void GroupCommitter::loop() {
  for (;;) {
    std::deque<CommitBatch> batches;
    {
      std::unique_lock<std::mutex> lock(mu_);
      wake_.wait(lock, [this] { return stopping_ || !queue_.empty() || !steps_.empty(); });
      if (queue_.empty() && steps_.empty()) return;  // stopping, nothing left
      batches.swap(queue_);
    }
    if (batches.empty()) {
      run_one_step();
      continue;
    }
    std::size_t lines = 0, snapshots = 0;
    for (const auto& b : batches) {
      lines += b.lines.size();
      snapshots += b.snapshot ? 1 : 0;
    }
    std::string error;
    {
      std::lock_guard<std::mutex> lock(mu_);
      error = failure_;
    }
    bool ok = error.empty();
    std::vector<std::int64_t> covered(batches.size(), 0);
    const bool anything = lines > 0 || snapshots > 0 || std::any_of(batches.begin(), batches.end(), [](const CommitBatch& b) {
                            return !b.rulesets.empty() || !b.history.empty();
                          });
    const auto began = std::chrono::steady_clock::now();
    if (ok && anything) {
      ok = journal_.retry_until() ? store_retrying(batches, lines, &covered, &error) : store(batches, &covered, &error);
      if (!ok) {
        std::fprintf(stderr,
                     "iwd serve: the journal failed: %s (a transaction of %zu line(s) from %zu request batch(es) not "
                     "stored); every change and read is now answered 503 journal_failed and /healthz is unhealthy: fix the "
                     "cause and restart the service\n",
                     error.c_str(), lines, batches.size());
        std::lock_guard<std::mutex> lock(mu_);
        failure_ = error.empty() ? "unknown error" : error;
      }
    }
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (ok && lines > 0) {
        ++stats_.transactions;
        stats_.lines += lines;
      }
      if (ok) stats_.snapshots += snapshots;
    }
    if (snapshot_trace_on()) {
      const double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - began).count();
      if (ms > 10 || snapshots > 0)
        snapshot_trace("committer", fmt::format("transaction of {} batch(es), {} line(s){} in {:.1f} ms", batches.size(), lines,
                                                snapshots ? ", a snapshot's place" : "", ms));
    }
    for (std::size_t k = 0; k < batches.size(); ++k) {
      CommitBatch& b = batches[k];
      if (b.snapshot && b.snapshot->committed) b.snapshot->committed(ok, covered[k], error);
      if (b.done) b.done(ok, error);
    }
    run_one_step();
  }
}

// The batches in one transaction: true once it committed.
bool GroupCommitter::store(std::deque<CommitBatch>& batches, std::vector<std::int64_t>* covered, std::string* error) {
  // The history's and the outbox's statements run in the journal's transaction: their failure
  // is the journal's, Unavailable (a database restarting) tried again as the journal's own.
  const auto others_failed = [this] {
    journal_.failed_in_transaction();
    return false;
  };
  bool ok = journal_.begin(error);
  for (std::size_t k = 0; ok && k < batches.size(); ++k) {
    CommitBatch& b = batches[k];
    for (std::size_t r = 0; ok && r < b.rulesets.size(); ++r) ok = journal_.add_ruleset(b.rulesets[r].first, b.rulesets[r].second, error);
    const std::size_t split = b.snapshot ? std::min(b.snapshot->after_lines, b.lines.size()) : b.lines.size();
    for (std::size_t l = 0; ok && l < split; ++l) ok = journal_.add_line(b.lines[l], error);
    if (ok && b.snapshot) {  // the last line it covers
      const auto seq = journal_.last_seq(error);
      ok = seq.has_value();
      (*covered)[k] = seq.value_or(0);
    }
    for (std::size_t l = split; ok && l < b.lines.size(); ++l) ok = journal_.add_line(b.lines[l], error);
    if (ok && history_) ok = history_->append(b.history, error, /*flush=*/false) || others_failed();
    if (ok && outbox_) ok = outbox_->add(b.history, wall_ms(), error) || others_failed();
  }
  if (ok && history_) ok = history_->flush(error) || others_failed();  // the aggregates once per transaction
  if (ok) ok = journal_.commit(error);
  else journal_.rollback();
  if (ok && outbox_) outbox_->committed();
  if (!ok && history_) history_->rolled_back();
  // The aggregates' checkpoint this transaction reached, written beside the next ones.
  if (ok && history_checkpoints_)
    if (auto image = history_->take_checkpoint()) history_checkpoints_->write(std::move(*image));
  return ok;
}

// A store that can be Unavailable for a while (PostgreSQL restarting, a network blip): the
// transaction is tried again until the lease's deadline. A commit whose answer never came may
// have landed, so the journal's last seq is read back first: the lines after it are the
// batch's (landed: as many, the last written at this journal's epoch), or none are (stored
// again); anything else fails the batch (a node that took the workspace over wrote since: as
// many lines of its own are not the batch's).
bool GroupCommitter::store_retrying(std::deque<CommitBatch>& batches, std::size_t lines,
                                    std::vector<std::int64_t>* covered, std::string* error) {
  using namespace std::chrono_literals;
  const Journal::Deadline& until = journal_.retry_until();
  const auto wait = [&](std::string* why) {  // true: try again; false: past the deadline
    if (std::chrono::steady_clock::now() + 100ms >= until()) {
      *error = *why + "; tried again until the lease's deadline";
      return false;
    }
    std::this_thread::sleep_for(100ms);
    return true;
  };
  std::optional<std::int64_t> before;
  while (!(before = journal_.committed_seq(error)))
    if (journal_.failure_code() != sqlstore::Code::Unavailable || !wait(error)) return false;
  for (;;) {
    if (store(batches, covered, error)) return true;
    if (journal_.failure_code() != sqlstore::Code::Unavailable) return false;
    std::optional<std::int64_t> now;
    std::string read_error = *error;
    bool mine = true;
    do {
      if (!wait(&read_error)) return false;
    } while (!(now = journal_.committed_seq(&read_error, &mine)) &&
             journal_.failure_code() == sqlstore::Code::Unavailable);
    if (!now) return *error = read_error, false;
    if (*now == *before + static_cast<std::int64_t>(lines) && (mine || lines == 0)) {
      // Landed: the snapshots cover the lines before them, counted from where the batch began.
      std::int64_t seq = *before;
      for (std::size_t k = 0; k < batches.size(); ++k) {
        const CommitBatch& b = batches[k];
        if (b.snapshot) (*covered)[k] = seq + static_cast<std::int64_t>(std::min(b.snapshot->after_lines, b.lines.size()));
        seq += static_cast<std::int64_t>(b.lines.size());
      }
      return true;
    }
    if (*now != *before) {
      *error = fmt::format("{}; then the journal's last seq was {}{}, neither {} (before the batch) nor {} (after it)",
                           *error, *now, mine ? "" : " (written at another epoch: another node took the workspace over)",
                           *before, *before + static_cast<std::int64_t>(lines));
      return false;
    }
  }
}

bool GroupCommitter::run_step(const Step& step, std::string* error) {
  StepRequest request;
  request.step = &step;
  std::unique_lock<std::mutex> lock(mu_);
  if (stopping_) {
    *error = "the service is stopping";
    return false;
  }
  steps_.push_back(&request);
  wake_.notify_one();
  step_done_.wait(lock, [&request] { return request.done; });
  if (!request.ok) *error = request.error;
  return request.ok;
}

// The first step waiting, if any, in a transaction of its own. Its failure is its own: the
// journal rolls it back and goes on (no acknowledged change depends on it).
void GroupCommitter::run_one_step() {
  StepRequest* request = nullptr;
  std::string failure;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (steps_.empty()) return;
    request = steps_.front();
    steps_.pop_front();
    failure = failure_;
  }
  bool ok = failure.empty();
  std::string error = failure;
  const auto began = std::chrono::steady_clock::now();
  if (ok) {
    ok = journal_.begin(&error) && (*request->step)(journal_, &error);
    if (ok) ok = journal_.commit(&error);
    else journal_.rollback();
    if (!ok && history_) history_->rolled_back();  // e.g. a purge's checkpoint of the aggregates
  }
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (snapshot_trace_on()) {
      std::size_t waiting = 0;
      for (const CommitBatch& b : queue_) waiting += b.lines.size();
      snapshot_trace("committer", fmt::format("step in {:.1f} ms{}; then {} batch(es), {} line(s) waiting",
                                              std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - began).count(),
                                              ok ? "" : " (failed)", queue_.size(), waiting));
    }
    request->ok = ok;
    request->error = ok ? std::string() : (error.empty() ? "unknown error" : error);
    request->done = true;
  }
  step_done_.notify_all();
}

}  // namespace iwd::server
