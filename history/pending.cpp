#include "history/pending.h"

#include <fmt/format.h>

namespace iwd::history {

namespace {
constexpr char kFormat = 1;
constexpr std::uint8_t kHasDue = 1, kOverdue = 2;
}  // namespace

void PendingEncoder::begin(std::string* out, std::int64_t first_seq) {
  out_ = out;
  out_->clear();
  out_->push_back(kFormat);
  seq_ = first_seq - 1;
  at_ = 0;
}

void PendingEncoder::varint(std::uint64_t v) {
  while (v >= 0x80) {
    out_->push_back(static_cast<char>((v & 0x7f) | 0x80));
    v >>= 7;
  }
  out_->push_back(static_cast<char>(v));
}

void PendingEncoder::text(std::string_view s) {
  varint(s.size());
  out_->append(s);
}

void PendingEncoder::add(const Record& r, const Coded& c) {
  varint(static_cast<std::uint64_t>(r.seq - seq_));
  zigzag(r.at - at_);
  seq_ = r.seq;
  at_ = r.at;
  for (const std::int64_t id : c.names) varint(static_cast<std::uint64_t>(id));
  text(r.item);
  zigzag(r.priority);
  zigzag(r.previous_priority);
  zigzag(r.stage);
  out_->push_back(static_cast<char>((r.due ? kHasDue : 0) | (r.overdue ? kOverdue : 0)));
  if (r.due) zigzag(*r.due - r.at);
  varint(static_cast<std::uint64_t>(c.set));
  text(r.detail);
}

PendingDecoder::PendingDecoder(std::string_view blob, std::int64_t first_seq)
    : blob_(blob), seq_(first_seq - 1), first_seq_(first_seq) {
  if (blob_.empty()) fail("the format byte", "the blob is empty");
  else if (blob_[0] != kFormat) fail("the format byte", "an unknown format");
  else pos_ = 1;
}

bool PendingDecoder::fail(const char* what, const char* why) {
  if (error_.empty()) error_ = fmt::format("{} at byte {} of {}: {}", what, pos_, blob_.size(), why);
  pos_ = blob_.size();
  return false;
}

bool PendingDecoder::varint(std::uint64_t* v, const char* what) {
  *v = 0;
  for (int shift = 0; shift < 64; shift += 7) {
    if (pos_ >= blob_.size()) return fail(what, "the blob ends inside it");
    const auto byte = static_cast<std::uint8_t>(blob_[pos_++]);
    *v |= static_cast<std::uint64_t>(byte & 0x7f) << shift;
    if (!(byte & 0x80)) return true;
  }
  return fail(what, "a number longer than 64 bits");
}

bool PendingDecoder::zigzag(std::int64_t* v, const char* what) {
  std::uint64_t u = 0;
  if (!varint(&u, what)) return false;
  *v = static_cast<std::int64_t>((u >> 1) ^ (~(u & 1) + 1));
  return true;
}

bool PendingDecoder::text(std::string* s, const char* what) {
  std::uint64_t n = 0;
  if (!varint(&n, what)) return false;
  if (n > blob_.size() - pos_) return fail(what, "a text longer than the rest of the blob");
  s->assign(blob_.data() + pos_, n);
  pos_ += n;
  return true;
}

bool PendingDecoder::next(Record* r, Coded* c) {
  if (pos_ >= blob_.size()) return false;
  std::uint64_t step = 0;
  std::int64_t at_step = 0;
  if (!varint(&step, "a record's seq")) return false;
  if (step == 0 || step > static_cast<std::uint64_t>(INT64_MAX - seq_)) return fail("a record's seq", "it does not grow");
  if (!zigzag(&at_step, "a record's instant")) return false;
  std::int64_t at = 0;
  if ((at_step < 0 && seq_ != first_seq_ - 1) || __builtin_add_overflow(at_, at_step, &at))
    return fail("a record's instant", "it goes back or out of range");
  for (std::int64_t& id : c->names) {
    std::uint64_t v = 0;
    if (!varint(&v, "a record's name id")) return false;
    if (v > static_cast<std::uint64_t>(INT64_MAX)) return fail("a record's name id", "out of range");
    id = static_cast<std::int64_t>(v);
  }
  std::int64_t stage = 0;
  if (!text(&r->item, "a record's item") || !zigzag(&r->priority, "a record's priority") ||
      !zigzag(&r->previous_priority, "a record's previous priority") || !zigzag(&stage, "a record's stage"))
    return false;
  if (stage < INT32_MIN || stage > INT32_MAX) return fail("a record's stage", "out of range");
  if (pos_ >= blob_.size()) return fail("a record's flags", "the blob ends inside it");
  const auto flags = static_cast<std::uint8_t>(blob_[pos_++]);
  if (flags & ~(kHasDue | kOverdue)) return fail("a record's flags", "unknown flags");
  seq_ += static_cast<std::int64_t>(step);
  at_ = at;
  r->seq = seq_;
  r->at = at_;
  r->stage = static_cast<int>(stage);
  r->overdue = (flags & kOverdue) != 0;
  r->due.reset();
  if (flags & kHasDue) {
    std::int64_t due = 0;
    if (!zigzag(&due, "a record's due instant")) return false;
    std::int64_t instant = 0;
    if (__builtin_add_overflow(r->at, due, &instant)) return fail("a record's due instant", "out of range");
    r->due = instant;
  }
  std::uint64_t set = 0;
  if (!varint(&set, "a record's dimension set") || !text(&r->detail, "a record's detail")) return false;
  if (set > static_cast<std::uint64_t>(INT64_MAX)) return fail("a record's dimension set", "out of range");
  c->set = static_cast<std::int64_t>(set);
  return true;
}

}  // namespace iwd::history
