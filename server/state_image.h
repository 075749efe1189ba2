// The state of a runtime as plain data: every agent (in login order) and every open item (in
// the order they are to be adopted), in terms that do not depend on a ruleset's indices
// (skills, media and attributes by name). Restoring an image into a fresh runtime goes through
// Runtime::agent and Runtime::adopt, so the same image restored at the same instant gives the
// same state, whatever runtime it came from. Two uses:
// - hot reload: the image of the running runtime restored into one on the new rules;
// - snapshots (compaction), format 1 (JSON): the image stored in the journal, restored at
//   recovery instead of replaying the lines before it. Still read; no longer written.
//
// Snapshots are written in binary (format 6, formats 2 to 5 still read; the second half of
// this header; 3 adds the idempotency index's capture instants and first answers, 4 each mark's
// source, so that whose an open item is survives a restart without the history, 5 which strings
// are items' ids alone, so that a restart still releases them when their items end, 6 the first
// answers as the answer log keeps them, each distinct one once: 5 wrote each answer in full,
// about 270 of 644 bytes an open item after batches of creates): the runtime's
// exact state (Runtime::save_state), so that the running runtime is already the one recovery
// builds and nothing is rebuilt when a snapshot is taken. The engine thread only copies
// (capture_state: the runtime as flat bytes with interned ids, and the idempotency index);
// the strings are looked up and the image put together off it (encode_image_head), and
// loading one restores the runtime without calling the rules' classification (load_image).
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <limits>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "runtime/runtime.h"
#include "server/answer_log.h"

namespace iwd::server {

struct AgentImage {
  std::string id;
  std::vector<std::pair<std::string, std::int32_t>> skills;  // name, level
  std::vector<std::string> groups;
  std::vector<std::pair<std::string, std::string>> attributes;
  std::vector<std::pair<std::string, std::int32_t>> media_limits;  // media name, limit
  std::int32_t other_media = 0, total = runtime::kUnlimited;
  runtime::AgentState state = runtime::AgentState::LoggedOut;
  std::optional<std::string> reason;
};

struct ItemImage {
  std::string attributes;  // encode_item's JSON object (captured_at included)
  runtime::ItemState state = runtime::ItemState::Queued;
  std::optional<std::string> agent;  // offered, assigned: the agent; parked: the workbin's owner
  std::int64_t state_deadline = runtime::abi::kNone;
  // A supervisor's priority override in force, carried through a hot reload (not written in
  // the JSON images of format 1: binary snapshots keep it in the runtime's state).
  std::optional<runtime::PriorityOverride> priority_override;
};

struct StateImage {
  std::vector<AgentImage> agents;
  std::vector<ItemImage> items;
};

struct RestoreReport {
  std::size_t agents = 0, items = 0;
  std::set<std::string> dropped_attributes;
  std::vector<std::string> problems;  // at most kMaxProblems; `more_problems` counts the rest
  std::size_t more_problems = 0;
  static constexpr std::size_t kMaxProblems = 20;
  bool ok() const { return problems.empty(); }
};

// Assigned, parked, done and held items first, then offered ones, then deferred and queued
// ones in the order they entered distribution.
StateImage image_of(const runtime::Runtime& rt);
// Into a fresh runtime (no agents, no items), its clock at the instant of the image. Skills and
// attributes `to`'s rules do not declare are dropped (attributes reported); an item the schema
// cannot decode or the rules reject is a problem.
RestoreReport restore(const StateImage& image, runtime::Runtime& to);

nlohmann::json image_json(const StateImage& image);
// Null and *error when the JSON is not an image.
std::optional<StateImage> image_from_json(const nlohmann::json& j, std::string* error);

// --- Format 2.

// The idempotency index: each captured id's body, as a hash of its canonical JSON, and, once
// it ended, how; kept while the item is open and for the idempotency window after its capture
// (server/capture_window.h), then erased. By interned id. Ids are dense, so a vector: growing
// it moves 24 bytes an id, where a hash map's rehash relinks every node (a 20 ms pause at
// 170,000 ids).
struct CaptureMark {
  std::uint64_t body_hash = 0;
  runtime::ItemState ended = runtime::ItemState::None;  // None while open
  // The source that captured it (the actor's interned name), or one of these: not looked up yet
  // (a snapshot of format 2 or 3, a journal line without `by`: the history's capture record
  // says it), or not known.
  static constexpr std::uint32_t kSourceUnread = 0xffffffffu, kSourceNone = 0xfffffffeu;
  std::uint32_t source = kSourceUnread;
  // When it was captured (this life), on the server's clock: the idempotency window counts
  // from it. Snapshots keep it from format 3 on; older ones do not say (kAtUnknown), and their
  // marks count from the snapshot's instant.
  static constexpr std::int64_t kAtUnknown = std::numeric_limits<std::int64_t>::min();
  std::int64_t at = kAtUnknown;
};
class CaptureIndex {
 public:
  CaptureMark* find(std::uint32_t id) { return id < marks_.size() && known_[id] ? &marks_[id] : nullptr; }
  const CaptureMark* find(std::uint32_t id) const { return id < marks_.size() && known_[id] ? &marks_[id] : nullptr; }
  void set(std::uint32_t id, CaptureMark m) {
    if (id >= marks_.size()) {
      marks_.resize(std::size_t{id} + 1);
      known_.resize(std::size_t{id} + 1);
    }
    count_ += known_[id] ? 0 : 1;
    known_[id] = true;
    marks_[id] = m;
  }
  void erase(std::uint32_t id) {
    if (id >= marks_.size() || !known_[id]) return;
    known_[id] = false;
    --count_;
  }
  std::size_t size() const { return count_; }
  template <typename F>
  void each(F f) const {
    for (std::uint32_t id = 0; id < marks_.size(); ++id)
      if (known_[id]) f(id, marks_[id]);
  }
  template <typename F>
  void each_mutable(F f) {
    for (std::uint32_t id = 0; id < marks_.size(); ++id)
      if (known_[id]) f(id, marks_[id]);
  }

 private:
  std::vector<CaptureMark> marks_;
  std::vector<bool> known_;
  std::size_t count_ = 0;
};
// Whether the answer log's entry `e` is the first answer of a capture `index` marks: the id is
// marked, at the entry's instant (of two captures of an id, the mark's: this life's). What a
// snapshot keeps of the answers handed to it (encode_image_head), and so what
// CaptureWindow::answers_of picks.
inline bool answer_of_marked_capture(const CaptureIndex& index, const AnswerLog::Entry& e) {
  const CaptureMark* mark = index.find(e.id);
  return mark && mark->at == e.at;
}

// What a snapshot copies on the engine thread: no string is looked up.
struct StateCapture {
  runtime::FrameBuffer frame;        // Runtime::save_state
  std::vector<std::uint64_t> marks;  // the ids the frame names (runtime::FrameWriter::marks)
  CaptureIndex captured;             // a copy of the idempotency index
  // The first answers of the index's captures still in the window (server/capture_window.h),
  // or of more captures: encode_image_head keeps those the index marks at their instant.
  AnswerLog::View answers;
  std::uint32_t pool_size = 0;       // every id above is below it
  std::size_t agents = 0, items = 0;
  // Held from the copy until encode_image_head has read the strings (off the engine thread):
  // the numbers of ids the engine releases meanwhile are not given to other strings.
  std::unique_ptr<runtime::StringPool::Reader> reader;
  // Where the copy's time went (ms; IWD_TRACE_SNAPSHOT): the runtime's state into the frame,
  // the index copied.
  double frame_ms = 0, index_ms = 0;
};
// `frame`: one to write into (SnapshotStore::take_frame: mapped ahead, nothing written in it
// yet), or none (mapped by the copy). The bytes are the same either way.
StateCapture capture_state(const runtime::Runtime& rt, const CaptureIndex& captured, AnswerLog::View answers = {},
                           runtime::FrameBuffer frame = {});

// The image of a capture, in two pieces to be stored one after the other: this head, then
// `capture.frame` as it is. The head: "IWDSNAP2", the format (6), the strings the capture
// names (by their ids in `pool`, which may grow meanwhile: views are lock-free; each with
// whether it is an item's id alone, which a restart may release), the distinct first answers
// as the answer log keeps them (AnswerLog::View::kept, each with whether it is raw), the
// idempotency index (each mark with its capture instant, its source and the number of its
// first answer, if kept), the frame's size. Marks the index's ids and sources in
// `capture.marks`; ends the capture's Reader. (Format 2, still read, had neither instant,
// source nor answer; format 3 no source; formats 2 to 4 pin every string they name; formats 3
// to 5 write each mark's answer in full beside it.) `format` 5: as a server before format 6
// wrote it (tests and benches of what a newer server reads).
constexpr std::uint32_t kImageFormat = 6;
std::string encode_image_head(StateCapture& capture, const runtime::StringPool& pool, std::uint32_t format = kImageFormat);
// Whether a stored image is binary, of format 2 to 6 (else: format 1, JSON).
bool is_binary_image(std::string_view image);
// A first answer an image kept: its capture's id (here) and its bytes, in the image (valid as
// long as the image is): as the answer log keeps them (format 6: AnswerLog::append_kept takes
// them, AnswerLog::expand gives the answer back) or the answer in full (formats 3 to 5).
struct LoadedAnswer {
  std::uint32_t id = 0;
  std::string_view bytes;
  bool kept = false;  // as the log keeps it
  bool raw = false;   // kept as given (AnswerLog::Entry::kRaw)
  // The answer as it was given to `id_text`'s capture at `at`.
  std::string text(std::string_view id_text, std::int64_t at) const {
    return kept ? AnswerLog::expand(bytes, raw, id_text, at) : std::string(bytes);
  }
};
// Loads a binary image into a fresh runtime on the image's rules whose clock is at the image's
// instant, its idempotency index into `captured` (empty) and, when given, the first answers it
// kept into `answers` (by the ids here, pointing into `image`): "" or the problem.
std::string load_image(std::string_view image, runtime::Runtime& into, CaptureIndex* captured,
                       std::vector<LoadedAnswer>* answers = nullptr);

}  // namespace iwd::server
