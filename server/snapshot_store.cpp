#include "server/snapshot_store.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <new>
#include <thread>
#include <utility>

#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <fmt/format.h>

namespace iwd::server {

bool snapshot_trace_on() {
  static const bool on = [] {
    const char* v = std::getenv("IWD_TRACE_SNAPSHOT");
    return v && *v && std::strcmp(v, "0") != 0;
  }();
  return on;
}

void snapshot_trace(const char* thread, const std::string& what) {
  static const auto first = std::chrono::steady_clock::now();
  const double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - first).count();
  std::fprintf(stderr, "iwd serve: trace %.1f ms %s: %s\n", ms, thread, what.c_str());
}

namespace {

double ms_since(std::chrono::steady_clock::time_point t) {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t).count();
}

// Bytes [from, from + n) of head + frame.
std::string slice(const std::string& head, std::string_view frame, std::size_t from, std::size_t n) {
  std::string out;
  if (from < head.size()) out.append(head, from, std::min(n, head.size() - from));
  const std::size_t in_frame = from + out.size() - head.size();
  if (out.size() < n && in_frame < frame.size()) out.append(frame.substr(in_frame, n - out.size()));
  return out;
}

using Run = std::function<bool(const GroupCommitter::Step&, std::string*)>;

// Steps 1 and 2: the image's parts (each run by `parts`), then the row (by `row`): each a
// transaction of its own, or all in one.
bool write(const Run& parts, const Run& row, const runtime::StringPool& pool, SnapshotJob& job, std::size_t part_bytes,
           std::string* error) {
  const bool trace = snapshot_trace_on();
  auto began = std::chrono::steady_clock::now();
  const std::size_t handed = job.state.answers.size();  // the window's (the engine's trace counts them)
  const std::string head = encode_image_head(job.state, pool);  // keeps those of the index's captures
  const std::string_view frame = job.state.frame.view();
  const std::size_t total = head.size() + frame.size();
  if (trace)
    snapshot_trace("snapshot", fmt::format("image head encoded in {:.1f} ms ({} bytes; frame {} bytes; {} of the {} answers "
                                           "handed over kept, those of the index's captures)",
                                           ms_since(began), head.size(), frame.size(), job.state.answers.size(), handed));
  std::int64_t id = 0;
  if (!parts(
          [&id](Journal& j, std::string* e) {
            const auto next = j.begin_snapshot(e);
            if (next) id = *next;
            return next.has_value();
          },
          error))
    return false;
  std::int64_t count = 0;
  for (std::size_t from = 0; from < total; from += part_bytes, ++count) {
    began = std::chrono::steady_clock::now();
    const std::string piece = slice(head, frame, from, part_bytes);
    if (!parts([&](Journal& j, std::string* e) { return j.add_snapshot_part(id, "image", count, piece, e); }, error))
      return false;
    if (trace) snapshot_trace("snapshot", fmt::format("part {} ({} bytes) stored in {:.1f} ms", count, piece.size(), ms_since(began)));
  }
  began = std::chrono::steady_clock::now();
  const bool ok = row(
      [&](Journal& j, std::string* e) {
        return j.add_snapshot_part(id, "captured", 0, "", e) &&
               j.publish_snapshot(id, job.covered_seq, job.at, job.rules_key, count, 1, e) &&
               (!job.published || job.published(id, e));
      },
      error);
  if (ok && trace) snapshot_trace("snapshot", fmt::format("row published in {:.1f} ms", ms_since(began)));
  return ok;
}

void answer(SnapshotJob& job, bool ok, const std::string& error) {
  for (auto& w : job.waiters) w(ok, error);
  job.waiters.clear();
}

template <typename T>
T env_number(const char* name, T fallback) {
  const char* v = std::getenv(name);
  if (!v || !*v) return fallback;
  char* end = nullptr;
  const long long n = std::strtoll(v, &end, 10);
  if (*end != '\0' || n < 1) {
    std::fprintf(stderr, "iwd serve: %s=%s is not a positive whole number: ignored (%lld used)\n", name, v,
                 static_cast<long long>(fallback));
    return fallback;
  }
  std::fprintf(stderr, "iwd serve: %s=%s (a test's setting)\n", name, v);
  return static_cast<T>(n);
}

}  // namespace

SnapshotStore::Steps SnapshotStore::Steps::from_environment() {
  Steps s;
  s.part_bytes = env_number("IWD_SNAPSHOT_PART_BYTES", s.part_bytes);
  s.prune_rows = env_number("IWD_SNAPSHOT_PRUNE_ROWS", s.prune_rows);
  if (const char* v = std::getenv("IWD_SNAPSHOT_PACE_PERCENT"); v && std::strcmp(v, "0") == 0) s.pace_percent = 0;
  else s.pace_percent = env_number("IWD_SNAPSHOT_PACE_PERCENT", s.pace_percent);
  return s;
}

SnapshotStore::SnapshotStore(GroupCommitter& committer, const runtime::StringPool& pool, OpenSide open_side, Steps steps)
    : committer_(committer), pool_(pool), open_side_(std::move(open_side)), steps_(steps), thread_([this] { loop(); }) {}

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

long SnapshotStore::thread_id() const {
  std::unique_lock<std::mutex> lock(mu_);
  idle_.wait(lock, [this] { return thread_id_ != 0; });
  return thread_id_;
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
  const long tid = ::syscall(SYS_gettid);
  // This thread's alone (Linux: a thread's nice value is its own): what fails leaves it as it was.
  if (::setpriority(PRIO_PROCESS, static_cast<id_t>(tid), 19) != 0 && snapshot_trace_on())
    snapshot_trace("snapshot", "the store's thread could not be given the lowest priority");
  {
    std::lock_guard<std::mutex> lock(mu_);
    thread_id_ = tid;
  }
  idle_.notify_all();
  for (;;) {
    std::shared_ptr<SnapshotJob> job;
    std::size_t frame = 0;
    {
      std::unique_lock<std::mutex> lock(mu_);
      wake_.wait(lock, [this] { return stopping_ || !queue_.empty() || frame_wanted_ > 0; });
      if (queue_.empty() && (stopping_ || frame_wanted_ == 0)) return;
      if (queue_.empty()) {
        frame = std::exchange(frame_wanted_, 0);
      } else {
        job = std::move(queue_.front());
        queue_.pop_front();
      }
    }
    if (!job) {
      prepare(frame);
      continue;
    }
    settle(job->state.frame.size());
    std::string error;
    const bool ok = store(*job, &error);
    answer(*job, ok, error);
    if (ok) prune();
    job.reset();  // its capture's memory, before the store says it is idle
    drop(nullptr);
  }
}

void SnapshotStore::prepare_frame(std::size_t bytes) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (bytes <= frame_bytes_ || bytes <= frame_wanted_) return;
    frame_wanted_ = bytes;
  }
  wake_.notify_all();
}

runtime::FrameBuffer SnapshotStore::take_frame(std::size_t* bytes) {
  std::lock_guard<std::mutex> lock(mu_);
  if (bytes) *bytes = frame_bytes_;
  frame_bytes_ = 0;
  return std::move(frame_);
}

void SnapshotStore::prepare(std::size_t bytes) {
  const auto began = std::chrono::steady_clock::now();
  runtime::FrameBuffer frame;
  try {
    frame.reserve(bytes);  // mapped and populated (runtime/state_frame.h)
  } catch (const std::bad_alloc&) {
    if (snapshot_trace_on()) snapshot_trace("snapshot", fmt::format("no frame of {} bytes could be mapped ahead", bytes));
    return;
  }
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (bytes > frame_bytes_) {
      std::swap(frame, frame_);  // the smaller one, if any, unmapped below (outside the lock)
      frame_bytes_ = bytes;
    }
  }
  if (snapshot_trace_on())
    snapshot_trace("snapshot", fmt::format("a frame of {} bytes mapped ahead in {:.1f} ms", bytes, ms_since(began)));
}

// Step 3; a step that fails leaves the rest for the next snapshot to delete.
void SnapshotStore::prune() {
  // As many bytes of older parts a step as of lines (a line and its index entry: some hundred bytes).
  const auto parts = std::max<std::int64_t>(1, steps_.prune_rows * 512 / static_cast<std::int64_t>(steps_.part_bytes));
  std::int64_t deleted = 0;
  std::string error;
  do {
    const auto began = std::chrono::steady_clock::now();
    if (!side_step(
            [this, parts, &deleted](Journal& j, std::string* e) {
              const auto n = j.prune(steps_.prune_rows, e, parts);
              deleted = n.value_or(0);
              return n.has_value();
            },
            &error))
      return;
    if (snapshot_trace_on())
      snapshot_trace("snapshot", fmt::format("prune step: {} rows deleted in {:.1f} ms", deleted, ms_since(began)));
  } while (deleted > 0);
}

bool SnapshotStore::side_step(const GroupCommitter::Step& step, std::string* error) {
  if (!side_ && open_side_) {
    side_ = open_side_(error);
    if (!side_ && !error->empty()) return *error = "its own connection could not be opened: " + *error, false;
    if (!side_) open_side_ = nullptr;  // SQLite: none, ever
    if (snapshot_trace_on())
      snapshot_trace("snapshot", side_ ? "steps 1 and 3 on a connection of their own" : "every step through the committer");
  }
  // SQLite: between the batches' transactions, one at a time (not paced: its time there is
  // mostly the wait for the batches before it).
  if (!side_) return committer_.run_step(step, error);
  // Nothing more once the journal failed: the service acknowledges nothing until restarted.
  if (std::string failure = committer_.failure(); !failure.empty()) return *error = failure, false;
  const auto began = std::chrono::steady_clock::now();
  bool ok = side_->begin(error) && step(*side_, error);
  if (ok) ok = side_->commit(error);
  else side_->rollback();
  if (!ok) side_.reset();  // a connection of its own again next time (the database may have restarted)
  if (ok) pace(std::chrono::steady_clock::now() - began);
  return ok;
}

void SnapshotStore::settle(std::size_t copied_bytes) {
  if (steps_.pace_percent == 0) return;
  const auto pause = std::min<std::chrono::nanoseconds>(
      std::chrono::nanoseconds(Steps::kSettlePerMiB) * static_cast<std::int64_t>(copied_bytes) / (1 << 20),
      Steps::kMaxSettle);
  if (pause.count() <= 0) return;
  if (snapshot_trace_on())
    snapshot_trace("snapshot", fmt::format("a pause of {:.1f} ms before the image is encoded", pause.count() / 1e6));
  if (steps_.pause) steps_.pause(pause);
  else std::this_thread::sleep_for(pause);
}

void SnapshotStore::pace(std::chrono::steady_clock::duration step) {
  if (steps_.pace_percent == 0) return;
  const auto pause = std::min<std::chrono::nanoseconds>(
      std::chrono::duration_cast<std::chrono::nanoseconds>(step) * steps_.pace_percent / 100, Steps::kMaxPause);
  if (steps_.pause) steps_.pause(pause);
  else std::this_thread::sleep_for(pause);
}

bool SnapshotStore::store(SnapshotJob& job, std::string* error) {
  const Run parts = [this](const GroupCommitter::Step& s, std::string* e) { return side_step(s, e); };
  const Run row = [this](const GroupCommitter::Step& s, std::string* e) { return committer_.run_step(s, e); };
  if (write(parts, row, pool_, job, steps_.part_bytes, error)) return true;
  *error = "the snapshot could not be stored: " + *error;
  return false;
}

bool SnapshotStore::store_now(Journal& journal, const runtime::StringPool& pool, SnapshotJob& job, std::string* error) {
  if (!journal.begin(error)) return false;
  const Run in_transaction = [&journal](const GroupCommitter::Step& s, std::string* e) { return s(journal, e); };
  bool ok = write(in_transaction, in_transaction, pool, job, 16 << 20, error);
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
