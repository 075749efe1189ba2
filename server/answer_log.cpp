#include "server/answer_log.h"

#include <algorithm>
#include <cassert>
#include <cstring>

#include "runtime/item_json.h"
#include "stdlib/time.h"

namespace iwd::server {
namespace {

constexpr char kId = '\x01', kAt = '\x02';

// The id as JSON writes it, as the item views do (server/views.cpp, runtime/item_json.cpp).
std::string quoted(std::string_view id) {
  std::string out;
  runtime::append_json_string(&out, id);
  return out;
}

// `in` with every `from` (left to right, not overlapping) as `to`, into *out.
void replace_all(std::string_view in, std::string_view from, std::string_view to, std::string* out) {
  out->clear();
  for (std::size_t k = 0;;) {
    const std::size_t hit = in.find(from, k);
    if (hit == std::string_view::npos) {
      out->append(in.substr(k));
      return;
    }
    out->append(in.substr(k, hit - k));
    out->append(to);
    k = hit + from.size();
  }
}

}  // namespace

std::string AnswerLog::expand(std::string_view kept, bool raw, std::string_view id_text, std::int64_t at) {
  if (raw) return std::string(kept);
  // The tokens the other way round (append: the id's first, then the instant's).
  std::string with_ids, out;
  replace_all(kept, std::string_view(&kId, 1), quoted(id_text), &with_ids);
  replace_all(with_ids, std::string_view(&kAt, 1), stdlib::format_instant(stdlib::Instant{at}), &out);
  return out;
}

void AnswerLog::append(std::uint32_t id, std::string_view id_text, std::int64_t at, std::string_view answer) {
  if (answer.empty()) return append_kept(id, at, {}, false);
  // Shortened: the id's JSON, then the instant (which holds no \x01), each as its byte.
  // (A loop: find_first_of calls memchr on its set for each byte.)
  const bool raw = std::any_of(answer.begin(), answer.end(), [](char c) { return c == kId || c == kAt; });
  std::string_view bytes = answer;
  if (!raw) {
    std::string with_ids;
    replace_all(answer, quoted(id_text), std::string_view(&kId, 1), &with_ids);
    replace_all(with_ids, stdlib::format_instant(stdlib::Instant{at}), std::string_view(&kAt, 1), &scratch_);
    bytes = scratch_;
  }
  append_kept(id, at, bytes, raw);
}

void AnswerLog::append_kept(std::uint32_t id, std::int64_t at, std::string_view bytes, bool raw) {
  assert(entries_.empty() || entries_.back().at <= at);  // find() searches by instant
  Entry e;
  e.at = at;
  e.id = id;
  // Entries name chunks in order (pop_front drops the chunks before the first entry's): one
  // without an answer names the last chunk (or the next, when there is none).
  e.chunk = first_chunk_ + static_cast<std::uint32_t>(chunks_.empty() ? 0 : chunks_.size() - 1);
  if (bytes.empty()) {
    entries_.push_back(e);
    return;
  }
  assert(bytes.size() < Entry::kRaw);
  e.length = static_cast<std::uint32_t>(bytes.size()) | (raw ? Entry::kRaw : 0);
  // The same as the last kept (always in the last chunk): shared.
  if (last_kept_.length == e.length && kept(last_kept_) == bytes) {
    e.chunk = last_kept_.chunk;
    e.offset = last_kept_.offset;
  } else {
    if (chunks_.empty() || chunks_.back().capacity - chunks_.back().used < bytes.size()) {
      const auto capacity = static_cast<std::uint32_t>(std::max(kChunkBytes, bytes.size()));
      chunks_.push_back(Chunk{std::shared_ptr<char[]>(new char[capacity]), capacity, 0});
    }
    Chunk& c = chunks_.back();
    std::memcpy(c.bytes.get() + c.used, bytes.data(), bytes.size());
    e.chunk = first_chunk_ + static_cast<std::uint32_t>(chunks_.size() - 1);
    e.offset = c.used;
    c.used += static_cast<std::uint32_t>(bytes.size());
    last_kept_ = e;
  }
  entries_.push_back(e);
}

std::string_view AnswerLog::kept(const Entry& e) const {
  return {chunks_[e.chunk - first_chunk_].bytes.get() + e.offset, e.bytes()};
}

std::optional<std::string> AnswerLog::find(std::uint32_t id, std::string_view id_text, std::int64_t at) const {
  auto it = std::lower_bound(entries_.begin(), entries_.end(), at, [](const Entry& e, std::int64_t t) { return e.at < t; });
  const Entry* found = nullptr;
  for (; it != entries_.end() && it->at == at; ++it)
    if (it->id == id) found = &*it;
  if (!found || found->length == 0) return std::nullopt;
  return expand(kept(*found), (found->length & Entry::kRaw) != 0, id_text, at);
}

void AnswerLog::pop_front() {
  entries_.pop_front();
  // Chunks before the first entry's are named by no entry (entries name chunks in order).
  const std::uint32_t first_needed = entries_.empty() ? first_chunk_ + static_cast<std::uint32_t>(chunks_.size())
                                                      : entries_.front().chunk;
  while (!chunks_.empty() && first_chunk_ < first_needed) {
    if (last_kept_.length != 0 && last_kept_.chunk == first_chunk_) last_kept_ = Entry{};
    chunks_.pop_front();
    ++first_chunk_;
  }
}

std::size_t AnswerLog::bytes_kept() const {
  std::size_t n = 0;
  for (const Chunk& c : chunks_) n += c.used;
  return n;
}

std::size_t AnswerLog::chunk_bytes() const {
  std::size_t n = 0;
  for (const Chunk& c : chunks_) n += c.capacity;
  return n;
}

std::string AnswerLog::View::answer(std::size_t k, std::string_view id_text) const {
  const Entry& e = entries_[k];
  if (e.length == 0) return {};
  return expand(kept(k), (e.length & Entry::kRaw) != 0, id_text, e.at);
}

std::string_view AnswerLog::View::kept(std::size_t k) const {
  const Entry& e = entries_[k];
  if (e.length == 0) return {};
  return {chunks_[e.chunk - first_].get() + e.offset, e.bytes()};
}

void AnswerLog::View::sort_by_id() {
  std::stable_sort(entries_.begin(), entries_.end(), [](const Entry& a, const Entry& b) { return a.id < b.id; });
}

}  // namespace iwd::server
