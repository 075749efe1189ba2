// A vector that grows by whole chunks of default-constructed elements: elements never move,
// and growing never copies the ones already there. The runtime's item table is one: a
// std::vector of work items paused the engine for its copy at every doubling (8 ms at 65,536
// items, 30 ms at 262,144). Indexing costs one more load than a vector's.
#pragma once

#include <cstddef>
#include <iterator>
#include <memory>
#include <vector>

namespace iwd::runtime {

template <typename T, unsigned kChunkBits = 12>
class ChunkedVector {
 public:
  static constexpr std::size_t kChunk = std::size_t{1} << kChunkBits;

  std::size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  T& operator[](std::size_t i) { return chunks_[i >> kChunkBits][i & (kChunk - 1)]; }
  const T& operator[](std::size_t i) const { return chunks_[i >> kChunkBits][i & (kChunk - 1)]; }
  // The next element, as a default-constructed T.
  T& emplace_back() {
    if (size_ == chunks_.size() * kChunk) chunks_.push_back(std::make_unique<T[]>(kChunk));
    return (*this)[size_++];
  }

  template <typename V, typename Owner>
  class Iterator {
   public:
    using iterator_category = std::forward_iterator_tag;
    using value_type = T;
    using difference_type = std::ptrdiff_t;
    using pointer = V*;
    using reference = V&;
    Iterator(Owner* owner, std::size_t i) : owner_(owner), i_(i) {}
    V& operator*() const { return (*owner_)[i_]; }
    V* operator->() const { return &(*owner_)[i_]; }
    Iterator& operator++() {
      ++i_;
      return *this;
    }
    bool operator==(const Iterator& o) const { return i_ == o.i_; }
    bool operator!=(const Iterator& o) const { return i_ != o.i_; }

   private:
    Owner* owner_;
    std::size_t i_;
  };
  using iterator = Iterator<T, ChunkedVector>;
  using const_iterator = Iterator<const T, const ChunkedVector>;
  iterator begin() { return {this, 0}; }
  iterator end() { return {this, size_}; }
  const_iterator begin() const { return {this, 0}; }
  const_iterator end() const { return {this, size_}; }

 private:
  std::vector<std::unique_ptr<T[]>> chunks_;
  std::size_t size_ = 0;
};

}  // namespace iwd::runtime
