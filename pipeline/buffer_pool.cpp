#include "pipeline/buffer_pool.hpp"

#include <algorithm>
#include <bit>

namespace sluice::pipeline {

std::string BufferPool::take(std::size_t capacity) {
  std::string buffer;
  {
    // The smallest kept buffer that is big enough; else the biggest, to be grown.
    std::lock_guard lock(mutex_);
    std::size_t best = free_.size();
    for (std::size_t k = 0; k < free_.size(); ++k) {
      const std::size_t have = free_[k].capacity();
      if (best == free_.size() ||
          (have >= capacity && (free_[best].capacity() < capacity || have < free_[best].capacity())) ||
          (have < capacity && free_[best].capacity() < have)) {
        best = k;
      }
    }
    if (best < free_.size()) {
      kept_bytes_ -= free_[best].capacity();
      buffer = std::move(free_[best]);
      free_[best] = std::move(free_.back());
      free_.pop_back();
    }
  }
  buffer.clear();
  if (buffer.capacity() < capacity) buffer.reserve(std::max(kSmallest, std::bit_ceil(capacity)));
  return buffer;
}

void BufferPool::give(std::string buffer) {
  if (buffer.capacity() > kLargest) return;
  std::lock_guard lock(mutex_);
  if (free_.size() < kKept && kept_bytes_ + buffer.capacity() <= kKeptBytes) {
    kept_bytes_ += buffer.capacity();
    free_.push_back(std::move(buffer));
  }
}

}  // namespace sluice::pipeline
