#include "server/snapshot_store.h"

#include <algorithm>
#include <limits>

namespace iwd::server {
namespace {

// Journal lines (or older snapshots' parts) deleted a step, once a snapshot is stored.
constexpr std::int64_t kPruneRows = 20'000;

// Bytes [from, from + n) of head + frame.
std::string slice(const std::string& head, std::string_view frame, std::size_t from, std::size_t n) {
  std::string out;
  if (from < head.size()) out.append(head, from, std::min(n, head.size() - from));
  const std::size_t in_frame = from + out.size() - head.size();
  if (out.size() < n && in_frame < frame.size()) out.append(frame.substr(in_frame, n - out.size()));
  return out;
}

// Steps 1 and 2: the image's parts, then the row. `run` runs each (a transaction of its own, or
// all in one).
bool write(const std::function<bool(const std::function<bool(Journal&, std::string*)>&, std::string*)>& run,
           const runtime::StringPool& pool, SnapshotJob& job, std::size_t part_bytes, std::string* error) {
  const std::string head = encode_image_head(job.state, pool);
  const std::string_view frame = job.state.frame.view();
  const std::size_t total = head.size() + frame.size();
  std::int64_t id = 0;
  if (!run(
          [&id](Journal& j, std::string* e) {
            const auto next = j.begin_snapshot(e);
            if (next) id = *next;
            return next.has_value();
          },
          error))
    return false;
  std::int64_t parts = 0;
  for (std::size_t from = 0; from < total; from += part_bytes, ++parts) {
    const std::string piece = slice(head, frame, from, part_bytes);
    if (!run([&](Journal& j, std::string* e) { return j.add_snapshot_part(id, "image", parts, piece, e); }, error)) return false;
  }
  return run(
      [&](Journal& j, std::string* e) {
        return j.add_snapshot_part(id, "captured", 0, "", e) &&
               j.publish_snapshot(id, job.covered_seq, job.at, job.rules_key, parts, 1, e) &&
               (!job.published || job.published(id, e));
      },
      error);
}

void answer(SnapshotJob& job, bool ok, const std::string& error) {
  for (auto& w : job.waiters) w(ok, error);
  job.waiters.clear();
}

}  // namespace

SnapshotStore::SnapshotStore(GroupCommitter& committer, const runtime::StringPool& pool, std::size_t part_bytes)
    : committer_(committer), pool_(pool), part_bytes_(std::max<std::size_t>(part_bytes, 1)), thread_([this] { loop(); }) {}

SnapshotStore::~SnapshotStore() {
  finish();
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  wake_.notify_all();
  thread_.join();
}

void SnapshotStore::expect(const std::shared_ptr<SnapshotJob>&) {
  std::lock_guard<std::mutex> lock(mu_);
  ++expected_;
}

void SnapshotStore::committed(const std::shared_ptr<SnapshotJob>& job, bool ok, std::int64_t covered_seq,
                              const std::string& error) {
  if (!ok) {
    answer(*job, false, error);
    drop(job);
    return;
  }
  job->covered_seq = covered_seq;
  {
    std::lock_guard<std::mutex> lock(mu_);
    queue_.push_back(job);
  }
  wake_.notify_all();
}

void SnapshotStore::drop(const std::shared_ptr<SnapshotJob>&) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    --expected_;
  }
  idle_.notify_all();
}

bool SnapshotStore::busy() const {
  std::lock_guard<std::mutex> lock(mu_);
  return expected_ > 0;
}

void SnapshotStore::finish() {
  std::unique_lock<std::mutex> lock(mu_);
  idle_.wait(lock, [this] { return expected_ == 0; });
}

void SnapshotStore::loop() {
  for (;;) {
    std::shared_ptr<SnapshotJob> job;
    {
      std::unique_lock<std::mutex> lock(mu_);
      wake_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
      if (queue_.empty()) return;
      job = std::move(queue_.front());
      queue_.pop_front();
    }
    std::string error;
    const bool ok = store(*job, &error);
    answer(*job, ok, error);
    if (ok) {  // step 3
      std::int64_t deleted = 0;
      do {
        if (!committer_.run_step(
                [&deleted](Journal& j, std::string* e) {
                  const auto n = j.prune(kPruneRows, e);
                  deleted = n.value_or(0);
                  return n.has_value();
                },
                &error))
          break;  // left for the next snapshot to delete
      } while (deleted > 0);
    }
    job.reset();  // its capture's memory, before the store says it is idle
    drop(nullptr);
  }
}

bool SnapshotStore::store(SnapshotJob& job, std::string* error) {
  const auto step = [this](const std::function<bool(Journal&, std::string*)>& s, std::string* e) {
    return committer_.run_step(s, e);
  };
  if (write(step, pool_, job, part_bytes_, error)) return true;
  *error = "the snapshot could not be stored: " + *error;
  return false;
}

bool SnapshotStore::store_now(Journal& journal, const runtime::StringPool& pool, SnapshotJob& job, std::string* error) {
  if (!journal.begin(error)) return false;
  const auto in_transaction = [&journal](const std::function<bool(Journal&, std::string*)>& s, std::string* e) {
    return s(journal, e);
  };
  bool ok = write(in_transaction, pool, job, 16 << 20, error);
  while (ok) {
    const auto n = journal.prune(std::numeric_limits<std::int64_t>::max(), error);
    ok = n.has_value();
    if (!ok || *n == 0) break;
  }
  if (!ok) {
    journal.rollback();
    return false;
  }
  return journal.commit(error);
}

}  // namespace iwd::server
