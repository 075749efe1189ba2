// The captures of the idempotency window in the order they were made, each with its first
// answer's body when kept (server/capture_window.h). The window expires in that order, so
// the log is a queue: entries of 24 bytes in a deque, and the answers' bytes appended to
// chunks of 64 KiB, dropped from the front once no entry names them. No answer is a heap
// node of its own.
//
// An answer is kept smaller than its text, and given back byte for byte:
// - its item's id, as JSON writes it (`"C1"`, quotes included), and the capture's instant
//   (`2026-11-24T09:00:00Z`, `captured_at`'s) are known from the entry: each is kept as one
//   byte, \x01 and \x02 (JSON text has no raw control character; an answer that has one
//   anyway is kept as it is);
// - an answer the same as the one kept last (captures of one batch met the same state, and
//   differ by their ids) is not kept again: its entry names the same bytes.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace iwd::server {

class AnswerLog {
 public:
  struct Entry {
    std::int64_t at = 0;       // the capture's instant
    std::uint32_t id = 0;      // the item's interned id
    std::uint32_t length = 0;  // the kept bytes (kRaw: not shortened); 0: no answer kept
    std::uint32_t chunk = 0;   // which chunk (counted from the log's first), and where in it
    std::uint32_t offset = 0;
    static constexpr std::uint32_t kRaw = 0x80000000u;
    std::uint32_t bytes() const { return length & ~kRaw; }
  };
  static constexpr std::size_t kChunkBytes = 64 << 10;

  // `id` (`id_text` its text) captured at `at`, not before the last capture, with its answer
  // ("": none kept).
  void append(std::uint32_t id, std::string_view id_text, std::int64_t at, std::string_view answer);
  // The same with the answer as the log keeps it (`kept`, as View::kept gives it: shortened
  // unless `raw`), as a snapshot of format 6 carries it: nothing to shorten again.
  void append_kept(std::uint32_t id, std::int64_t at, std::string_view kept, bool raw);
  // The answer of `id`'s capture at `at` (the last such capture's: an id captured, ended and
  // captured again within one millisecond has two), if kept.
  std::optional<std::string> find(std::uint32_t id, std::string_view id_text, std::int64_t at) const;
  bool empty() const { return entries_.empty(); }
  std::size_t size() const { return entries_.size(); }
  const Entry& front() const { return entries_.front(); }
  void pop_front();
  // The bytes the answers take in their chunks, and the chunks' (allocated), for tests and benches.
  std::size_t bytes_kept() const;
  std::size_t chunk_bytes() const;

  // Some entries' answers, sharing the log's bytes (the log may go on meanwhile): what a
  // snapshot takes on the engine thread (a copy of 24 bytes an answer) and expands off it.
  class View {
   public:
    std::size_t size() const { return entries_.size(); }
    const Entry& entry(std::size_t k) const { return entries_[k]; }
    // Entry k's answer, as it was given.
    std::string answer(std::size_t k, std::string_view id_text) const;
    // Entry k's answer as the log keeps it (AnswerLog::expand gives it back); entries of
    // captures that met the same state name the same bytes (the same data()).
    std::string_view kept(std::size_t k) const;
    // The entries by id (a snapshot writes them beside the index's marks, in its order).
    void sort_by_id();
    // Only the entries `keep` says yes to, in their order.
    template <typename F>
    void retain(F keep) {
      std::size_t n = 0;
      for (const Entry& e : entries_)
        if (keep(e)) entries_[n++] = e;
      entries_.resize(n);
    }

   private:
    friend class AnswerLog;
    std::vector<Entry> entries_;
    std::vector<std::shared_ptr<const char[]>> chunks_;  // entries' chunk: counted from first_
    std::uint32_t first_ = 0;
  };
  // The entries `keep` says yes to (called with each entry that has an answer).
  template <typename F>
  View view(F keep) const {
    View v;
    v.entries_.reserve(entries_.size());
    for (const Entry& e : entries_)
      if (e.length != 0 && keep(e)) v.entries_.push_back(e);
    for (const Chunk& c : chunks_) v.chunks_.push_back(c.bytes);
    v.first_ = first_chunk_;
    return v;
  }

  // The answer `kept` (the bytes an entry names) given back for `id_text` and `at`.
  static std::string expand(std::string_view kept, bool raw, std::string_view id_text, std::int64_t at);

 private:
  // Bytes written once each: views read a chunk from other threads (below what was written
  // when they were taken) while the engine appends past it.
  struct Chunk {
    std::shared_ptr<char[]> bytes;
    std::uint32_t capacity = 0, used = 0;
  };
  std::string_view kept(const Entry& e) const;
  std::deque<Entry> entries_;
  std::deque<Chunk> chunks_;
  std::uint32_t first_chunk_ = 0;  // the number of chunks_.front()
  std::string scratch_;            // the answer being shortened
  Entry last_kept_;                // the bytes kept last (length 0: none, or dropped)
};

}  // namespace iwd::server
