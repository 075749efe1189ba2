#include "runtime/state_frame.h"

#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <new>

#include "runtime/frame_pages.h"

namespace iwd::runtime {
namespace {

constexpr std::size_t kUnit = std::size_t{1} << 20;  // mappings in whole MiB

std::size_t rounded(std::size_t n) { return (n + kUnit - 1) / kUnit * kUnit; }

}  // namespace

namespace frame_pages {

std::size_t page_bytes() {
  static const std::size_t bytes = static_cast<std::size_t>(::sysconf(_SC_PAGESIZE));  // Linux always answers it
  return bytes;
}

std::size_t touch(char* p, std::size_t n) {
  const std::size_t page = page_bytes();
  std::size_t written = 0;
  for (std::size_t at = 0; at < n; at += page, ++written) p[at] = 0;
  return written;
}

// Not in one call (MAP_POPULATE): that holds the process's mmap lock for the whole mapping
// (10-34 ms for 42 MB on the VM of bench/RESULTS.md), and a thread that maps or unmaps memory
// meanwhile waits for all of it (the engine's, when the snapshot store maps a frame ahead on
// its thread: a pass of 16 ms at that instant).
void populate(char* p, std::size_t n) {
#ifdef MADV_POPULATE_WRITE
  const int advice = MADV_POPULATE_WRITE;
#else
  const int advice = 23;  // MADV_POPULATE_WRITE (Linux 5.14), where the headers are older
#endif
  for (std::size_t at = 0; at < n; at += kUnit)
    if (madvise(p + at, std::min(kUnit, n - at), advice) != 0) touch(p + at, std::min(kUnit, n - at));  // before 5.14
}

}  // namespace frame_pages

FrameBuffer::~FrameBuffer() {
  if (data_) munmap(data_, capacity_);
}

FrameBuffer& FrameBuffer::operator=(FrameBuffer&& o) noexcept {
  if (this != &o) {
    if (data_) munmap(data_, capacity_);
    data_ = std::exchange(o.data_, nullptr);
    size_ = std::exchange(o.size_, 0);
    capacity_ = std::exchange(o.capacity_, 0);
  }
  return *this;
}

void FrameBuffer::reserve(std::size_t bytes) {
  if (bytes <= capacity_) return;
  const std::size_t capacity = rounded(bytes);
  // The first mapping is populated at once (a call a MiB, where touching each 4 KiB page would
  // fault on the engine thread); a growth is not (it is rare: the first one is sized).
  void* p = data_ ? mremap(data_, capacity_, capacity, MREMAP_MAYMOVE)
                  : mmap(nullptr, capacity, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (p == MAP_FAILED) throw std::bad_alloc();
  if (!data_) frame_pages::populate(static_cast<char*>(p), capacity);
  data_ = static_cast<char*>(p);
  capacity_ = capacity;
}

}  // namespace iwd::runtime
