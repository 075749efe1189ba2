// ItemRecord: a work item in the fixed layout derived from a Schema, read by compiled rules
// with no hash lookups. Slot i holds attribute i of the schema (Schema::attributes[i]).
//
// Exact layout of the contiguous block at data() (all words 8 bytes, little-endian host):
//
//   byte 0                : RecordHeader { uint32 slot_count; uint32 presence_words; }
//   byte 8 + 8*w          : presence word w, for w in [0, P), P = ceil(slot_count / 64)
//                           (at least 1): bit (i & 63) of word (i >> 6) is set when slot i
//                           holds a value; clear means absent (LANGUAGE.md section 4).
//   byte 8 + 8*P + 8*i    : slot i, 8 bytes:
//       Bool              int64 0 or 1
//       Int               int64
//       Number            IEEE-754 double (bit pattern stored in the word)
//       String            int64 = StringPool id (uint32) of the interned string
//       Time              int64 ms since the epoch (UTC)
//       Duration          int64 ms
//       Enum              int64 index of the value in its EnumSpec
//       *List             int64 index of the list in the record's list storage (internal;
//                         use iwd_rt_list_contains / ItemRecord::list)
//
// For the schemas of nearly all rulesets (<= 64 attributes) P = 1: presence at byte 8,
// slot i at byte 16 + 8*i. Generated code, given `const uint64_t* base = data()`, tests
// presence with one load, shift and mask: (base[1 + (i >> 6)] >> (i & 63)) & 1, and reads
// slot i as base[1 + P + i]. An absent slot holds 0.
#pragma once

#include <bit>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <span>
#include <vector>

#include "runtime/schema.h"

namespace iwd::runtime {

struct RecordHeader {
  std::uint32_t slot_count;
  std::uint32_t presence_words;
};

inline constexpr std::size_t kRecordHeaderBytes = 8;
inline constexpr std::size_t kPresenceOffsetBytes = 8;

constexpr std::uint32_t presence_words_for(std::uint32_t slot_count) {
  return slot_count == 0 ? 1 : (slot_count + 63) / 64;
}
// Byte offset of slot i from data().
constexpr std::size_t slot_offset_bytes(std::uint32_t slot_count, std::uint32_t i) {
  return kRecordHeaderBytes + 8 * std::size_t{presence_words_for(slot_count)} + 8 * std::size_t{i};
}

static_assert(sizeof(RecordHeader) == kRecordHeaderBytes);
static_assert(alignof(RecordHeader) <= alignof(std::uint64_t));
static_assert(sizeof(double) == 8 && sizeof(std::int64_t) == 8);
static_assert(std::numeric_limits<double>::is_iec559);
static_assert(std::endian::native == std::endian::little);
static_assert(slot_offset_bytes(1, 0) == 16 && slot_offset_bytes(64, 63) == 16 + 8 * 63);
static_assert(slot_offset_bytes(65, 0) == 24);

class ItemRecord {
 public:
  ItemRecord() : ItemRecord(0) {}
  explicit ItemRecord(std::uint32_t slot_count);
  explicit ItemRecord(const Schema& schema)
      : ItemRecord(static_cast<std::uint32_t>(schema.attributes.size())) {}

  // The block described above; valid until the record is destroyed or moved from.
  const std::uint64_t* data() const { return words_.data(); }
  std::uint32_t slot_count() const { return header().slot_count; }
  std::uint32_t presence_words() const { return header().presence_words; }

  bool present(std::uint32_t i) const {
    return (words_[1 + (i >> 6)] >> (i & 63)) & 1;
  }
  std::int64_t get_int(std::uint32_t i) const { return static_cast<std::int64_t>(slot(i)); }
  double get_number(std::uint32_t i) const { return std::bit_cast<double>(slot(i)); }
  std::uint32_t get_string(std::uint32_t i) const { return static_cast<std::uint32_t>(slot(i)); }
  bool get_bool(std::uint32_t i) const { return slot(i) != 0; }
  // The elements of a list slot (string ids, ints or enum indices); empty when absent.
  std::span<const std::int64_t> list(std::uint32_t i) const;

  void set_int(std::uint32_t i, std::int64_t v) { put(i, static_cast<std::uint64_t>(v)); }
  void set_bool(std::uint32_t i, bool v) { put(i, v ? 1 : 0); }
  void set_number(std::uint32_t i, double v) { put(i, std::bit_cast<std::uint64_t>(v)); }
  void set_string(std::uint32_t i, std::uint32_t id) { put(i, id); }
  void set_list(std::uint32_t i, std::vector<std::int64_t> values);
  // Makes slot i absent (its word becomes 0).
  void clear(std::uint32_t i);

  // Internal list storage, for the list helper.
  const std::vector<std::vector<std::int64_t>>& lists() const { return lists_; }

  bool operator==(const ItemRecord&) const = default;

 private:
  const RecordHeader& header() const { return *reinterpret_cast<const RecordHeader*>(words_.data()); }
  std::uint64_t slot(std::uint32_t i) const { return words_[1 + presence_words() + i]; }
  void put(std::uint32_t i, std::uint64_t bits) {
    words_[1 + presence_words() + i] = bits;
    words_[1 + (i >> 6)] |= std::uint64_t{1} << (i & 63);
  }

  std::vector<std::uint64_t> words_;
  std::vector<std::vector<std::int64_t>> lists_;
};

}  // namespace iwd::runtime

// The helper compiled code calls for `x in list`: whether the list in `slot` of the record
// holds `value` (an interned string id, an int or an enum index). False when the slot is
// absent or not a list slot index.
extern "C" bool iwd_rt_list_contains(const iwd::runtime::ItemRecord* record, std::uint32_t slot,
                                     std::int64_t value);
