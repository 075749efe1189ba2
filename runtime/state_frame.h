// A runtime's exact state as flat bytes (Runtime::save_state and load_state): the body of a
// snapshot (server/state_image.h). Numbers are little-endian, of fixed width. Strings are not
// copied: they are written as the ids of the pool the runtime ran on, and the writer marks
// each id it writes, so that the snapshot can store just those strings; the reader maps each
// id to the id of the same string in the pool it loads into (a table the snapshot builds).
//
// The bytes are written while the engine thread waits for them, so their memory is mapped for
// them (FrameBuffer): sized ahead and populated in one call (not a page fault per 4 KiB), and
// grown, if ever, without copying (mremap).
#pragma once

#include <cstdint>
#include <algorithm>
#include <cstring>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "runtime/abi.h"

namespace iwd::runtime {

class FrameBuffer {
 public:
  FrameBuffer() = default;
  ~FrameBuffer();
  FrameBuffer(FrameBuffer&& o) noexcept { *this = std::move(o); }
  FrameBuffer& operator=(FrameBuffer&& o) noexcept;
  FrameBuffer(const FrameBuffer&) = delete;
  FrameBuffer& operator=(const FrameBuffer&) = delete;

  void reserve(std::size_t bytes);
  // `n` bytes more at the end, to be written.
  char* extend(std::size_t n) {
    if (capacity_ - size_ < n) reserve(std::max(2 * capacity_, size_ + n));
    char* at = data_ + size_;
    size_ += n;
    return at;
  }
  const char* data() const { return data_; }
  std::size_t size() const { return size_; }
  std::string_view view() const { return {data_, size_}; }

 private:
  char* data_ = nullptr;
  std::size_t size_ = 0, capacity_ = 0;
};

class FrameWriter {
 public:
  // `pool_size`: the pool's size now (every id written is below it).
  explicit FrameWriter(std::uint32_t pool_size) : marks_((std::size_t{pool_size} + 63) / 64, 0) {}

  void reserve(std::size_t bytes) { bytes_.reserve(bytes); }
  void u8(std::uint8_t v) { *bytes_.extend(1) = static_cast<char>(v); }
  void u32(std::uint32_t v) { put(&v, sizeof v); }
  void i32(std::int32_t v) { put(&v, sizeof v); }
  void u64(std::uint64_t v) { put(&v, sizeof v); }
  void i64(std::int64_t v) { put(&v, sizeof v); }
  void raw(const void* p, std::size_t n) { put(p, n); }
  // An interned id (kNoId for none), marked as used.
  void id(std::uint32_t v) {
    if (v / 64 < marks_.size()) marks_[v / 64] |= std::uint64_t{1} << (v % 64);
    u32(v);
  }

  FrameBuffer& bytes() { return bytes_; }
  // Bit `id % 64` of word `id / 64`: the ids written.
  std::vector<std::uint64_t>& marks() { return marks_; }

 private:
  void put(const void* p, std::size_t n) { std::memcpy(bytes_.extend(n), p, n); }
  FrameBuffer bytes_;
  std::vector<std::uint64_t> marks_;
};

// Reads what a FrameWriter wrote; throws FrameError at the end of the bytes or at an id the
// table does not map.
struct FrameError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

class FrameReader {
 public:
  // `ids`: the id in the loading pool of each id of the saving one (kNoId: unknown).
  FrameReader(std::string_view bytes, const std::vector<std::uint32_t>& ids) : bytes_(bytes), ids_(ids) {}

  std::uint8_t u8() { return get<std::uint8_t>(); }
  std::uint32_t u32() { return get<std::uint32_t>(); }
  std::int32_t i32() { return get<std::int32_t>(); }
  std::uint64_t u64() { return get<std::uint64_t>(); }
  std::int64_t i64() { return get<std::int64_t>(); }
  void raw(void* p, std::size_t n) {
    need(n);
    std::memcpy(p, bytes_.data() + at_, n);
    at_ += n;
  }
  // An id written by FrameWriter::id, in the loading pool's terms (kNoId stays kNoId).
  std::uint32_t id() { return map(u32()); }
  std::uint32_t map(std::uint32_t v) const {
    if (v == 0xffffffffu) return v;
    if (v >= ids_.size() || ids_[v] == 0xffffffffu) throw FrameError("a string it names is not among its strings");
    return ids_[v];
  }
  // A count of things each at least `min_bytes` long: more than the bytes left is damage (and
  // would otherwise reserve memory for nothing).
  std::uint32_t count(std::size_t min_bytes) {
    const std::uint32_t n = u32();
    if (min_bytes > 0 && n > (bytes_.size() - at_) / min_bytes) throw FrameError("a count runs past its end");
    return n;
  }
  bool done() const { return at_ == bytes_.size(); }

 private:
  void need(std::size_t n) const {
    if (bytes_.size() - at_ < n) throw FrameError("it ends early");
  }
  template <typename T>
  T get() {
    T v;
    raw(&v, sizeof v);
    return v;
  }
  std::string_view bytes_;
  const std::vector<std::uint32_t>& ids_;
  std::size_t at_ = 0;
};

}  // namespace iwd::runtime
