#include "runtime/state_frame.h"

#include <sys/mman.h>

#include <new>

namespace iwd::runtime {
namespace {

constexpr std::size_t kUnit = std::size_t{1} << 20;  // mappings in whole MiB

std::size_t rounded(std::size_t n) { return (n + kUnit - 1) / kUnit * kUnit; }

}  // namespace

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
  // The first mapping is populated at once (one call, where touching each 4 KiB page would
  // fault on the engine thread); a growth is not (it is rare: the first one is sized).
  void* p = data_ ? mremap(data_, capacity_, capacity, MREMAP_MAYMOVE)
                  : mmap(nullptr, capacity, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
  if (p == MAP_FAILED) throw std::bad_alloc();
  data_ = static_cast<char*>(p);
  capacity_ = capacity;
}

}  // namespace iwd::runtime
