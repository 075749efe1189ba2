// Snapshots stored off the engine thread. The engine thread only copies the state
// (StateCapture, server/state_image.h) at the snapshot's place among a batch's lines; once
// that batch is durable, the group committer says which journal seq the snapshot covers, and
// this store's thread puts the image together (the strings looked up) and stores it in steps,
// each a transaction of its own:
//   1. the image in parts of 1 MiB, which nothing reads yet;
//   2. the snapshot's row, which makes it the latest: recovery starts from it; requests
//      waiting for it (POST /v1/admin/compact) are answered;
//   3. what it replaces deleted, 2,000 rows a step: older snapshots, and the journal lines it
//      covers.
// Step 2 runs on the committer, between the batches' transactions, on the journal's
// connection (with the event history's mark of the snapshot, fenced by the lease's epoch as
// every journal write is). Steps 1 and 3 touch nothing a batch writes or a reader reads, so on
// PostgreSQL they run on a connection of their own (Journal::open_side, at the same epoch,
// fenced by the database as the journal is) beside the batches' transactions: a commit never
// waits for them. (On the committer, a part of 4 MiB or a prune of 20,000 rows held every
// batch 50 to 400 ms each, 0.85 s in all for 100,000 open items: with the clients' connections
// all waiting, a 10,000/s load queued thousands of requests; bench/RESULTS.md.) SQLite has one
// writer: there every step goes through the committer, between batches (a commit waits for one
// step at most, never for a whole image), and steps are small for that.
// The snapshot takes a share of the machine, not all it can: this store's thread (the image's
// encoding, the parts' bytes) runs at the lowest priority (nice 19), below the engine, the
// committer and the HTTP threads; it begins once the requests queued during the engine's copy
// have had time to be answered (Steps::kSettlePerMiB of the copy); and on PostgreSQL, after
// each step of 1 and 3 on its own connection, it pauses as long as the step took
// (Steps::pace_percent), so the database's work for the image and the pruning (about 2.5 s of
// a backend's time for 100,000 open items) is spread over twice as long, beside the batches'
// commits rather than ahead of them. (At 10,000 creates/s on two cores the load leaves about
// half a core free: a snapshot that takes a whole core right after the engine's copy keeps the
// requests queued during the copy waiting: bench/RESULTS.md.) An automatic snapshot is not
// taken while one is stored (Engine: SnapshotStore::busy), so the pacing makes the next one
// later, never two at once.
// The engine's copy writes into a frame (runtime::FrameBuffer) this store's thread mapped and
// populated ahead (prepare_frame, half way to the next automatic snapshot; take_frame at the
// copy): the engine thread does not map and fault in tens of MB while every request waits
// (at 100,000 open items, 33 MB: 9 ms on a warm machine, 80 ms and more where the VM's host
// hands the pages over afresh: bench/RESULTS.md). The frame is held from then until its image
// is stored, as before from the copy on.
// A crash between steps loses nothing: until step 2 commits, the previous snapshot and every
// line after it are in place (parts left from an unfinished snapshot are deleted by the next
// one's first step); lines left after step 2 are never read (recovery reads after the
// snapshot's seq). A snapshot that cannot be stored (the journal failed) is given up: the
// lines it would have replaced stay, and recovery replays them.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "server/group_commit.h"
#include "server/journal.h"
#include "server/state_image.h"

namespace iwd::server {

// IWD_TRACE_SNAPSHOT set (to anything but "" or "0"): where a snapshot's time goes, said on
// stderr as it happens, each line "iwd serve: trace T ms THREAD: WHAT" (T: since the first
// line): the engine's copy of the state, the image's encoding, each step on the committer
// (with the batches that waited behind it) and each batch's transaction or engine pass that
// took longer than 10 ms.
bool snapshot_trace_on();
void snapshot_trace(const char* thread, const std::string& what);

struct SnapshotJob {
  std::int64_t at = 0;
  std::string rules_key;
  StateCapture state;
  std::int64_t covered_seq = 0;  // the last journal line it covers, once its batch is durable
  // Run in the transaction that publishes its row, with the row's seq: the event history's
  // mark of it (docs/reporting.md, "Recovery"). May be empty.
  std::function<bool(std::int64_t snapshot, std::string* error)> published;
  // Each called once, on the store's thread: stored (true), or not (false and why).
  std::vector<std::function<void(bool ok, const std::string& error)>> waiters;
};

class SnapshotStore {
 public:
  // The sizes of steps 1 and 3. Tests set them through the environment (IWD_SNAPSHOT_PART_BYTES,
  // IWD_SNAPSHOT_PRUNE_ROWS), to reach a place between two steps with a small state.
  struct Steps {
    std::size_t part_bytes = 1 << 20;  // the image's parts (each a step)
    std::int64_t prune_rows = 2'000;   // journal lines deleted a step (and a part of an older snapshot)
    // After each step of 1 or 3 on the connection of their own, a pause of this share of the
    // step's time (at most kMaxPause); 0: none (and no settling pause either).
    // IWD_SNAPSHOT_PACE_PERCENT sets it (benches).
    unsigned pace_percent = 100;
    static constexpr std::chrono::milliseconds kMaxPause{500};
    // Before the image is encoded, a pause of this much a MiB of the engine's copy (about 10
    // times what the copy took the engine thread: 1.0-1.4 ms a MiB on a quiet machine), at most
    // kMaxSettle: the requests queued while the engine copied are answered before the
    // snapshot's own work takes its share. Under pace_percent (none when it is 0).
    static constexpr std::chrono::microseconds kSettlePerMiB{12'000};
    static constexpr std::chrono::milliseconds kMaxSettle{2'000};
    // How a pause is taken: a sleep on the store's thread (tests record them instead).
    std::function<void(std::chrono::nanoseconds)> pause;
    static Steps from_environment();
  };
  // Opens the connection of steps 1 and 3 (Journal::open_side), at the first snapshot and again
  // after one of its steps failed; null with *error empty: none (SQLite), every step goes
  // through the committer.
  using OpenSide = std::function<std::unique_ptr<Journal>(std::string* error)>;
  SnapshotStore(GroupCommitter& committer, const runtime::StringPool& pool, OpenSide open_side = {},
                Steps steps = Steps::from_environment());
  ~SnapshotStore();  // finish(), then stops
  SnapshotStore(const SnapshotStore&) = delete;
  SnapshotStore& operator=(const SnapshotStore&) = delete;

  // A job taken on the engine thread, whose batch is not committed yet. Its batch's
  // SnapshotRecord calls committed().
  void expect(const std::shared_ptr<SnapshotJob>& job);
  // Its batch committed (covered_seq: the seq of the last line before it) or failed.
  void committed(const std::shared_ptr<SnapshotJob>& job, bool ok, std::int64_t covered_seq, const std::string& error);
  // A job replaced, before its batch was handed over, by a later one of the same batch (which
  // took its waiters).
  void drop(const std::shared_ptr<SnapshotJob>& job);
  // Whether a snapshot waits for its batch or is being stored.
  bool busy() const;
  // The store's thread's id (Linux: gettid), once it runs: its priority can be looked at.
  long thread_id() const;
  // Waits until every job expected is stored or given up.
  void finish();

  // A frame of at least `bytes` for a later copy, mapped and populated on this store's thread
  // (after the job it is storing, if any); returns at once. A frame prepared already that is
  // large enough stays; a smaller one is replaced.
  void prepare_frame(std::size_t bytes);
  // The frame prepared (empty: none yet, or none asked): the engine's copy writes into it.
  // `*bytes`: its size as asked (0: none).
  runtime::FrameBuffer take_frame(std::size_t* bytes = nullptr);

  // The three steps on the calling thread, in one transaction of `journal` (at start, before
  // a committer runs). False and *error when it could not (nothing stored).
  static bool store_now(Journal& journal, const runtime::StringPool& pool, SnapshotJob& job, std::string* error);

 private:
  void loop();
  bool store(SnapshotJob& job, std::string* error);
  void prune();
  // A step of 1 or 3, in a transaction of its own: on the side connection, or the committer's.
  bool side_step(const GroupCommitter::Step& step, std::string* error);
  void prepare(std::size_t bytes);                        // on this store's thread
  void pace(std::chrono::steady_clock::duration step);  // the pause after a step of that length
  void settle(std::size_t copied_bytes);                 // the pause before a copy's image is encoded
  GroupCommitter& committer_;
  const runtime::StringPool& pool_;
  OpenSide open_side_;
  std::unique_ptr<Journal> side_;  // used on this store's thread only
  Steps steps_;
  mutable std::mutex mu_;
  std::condition_variable wake_;
  mutable std::condition_variable idle_;  // also: the thread_id_ set
  std::deque<std::shared_ptr<SnapshotJob>> queue_;
  std::size_t frame_wanted_ = 0;  // prepare_frame's, until this thread has prepared it
  runtime::FrameBuffer frame_;    // prepared for the next copy, of frame_bytes_ (0: none)
  std::size_t frame_bytes_ = 0;
  std::size_t expected_ = 0;  // jobs expected and not yet stored or given up
  long thread_id_ = 0;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace iwd::server
