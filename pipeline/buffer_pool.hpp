#pragma once
// Member buffers are recycled: fresh multi-megabyte allocations would cost the decompressing
// thread a page fault per 4 KiB, more than the copy itself. Thread-safe.

#include <cstddef>
#include <mutex>
#include <string>
#include <vector>

namespace sluice::pipeline {

class BufferPool {
 public:
  // An empty buffer with at least `capacity` reserved: the smallest kept one that is big
  // enough, else the biggest (grown in powers of two from 4 KiB, so that it fits later members).
  [[nodiscard]] std::string take(std::size_t capacity);
  // Keeps `buffer` for a later take() (up to 64 buffers of at most 16 MiB, 32 MiB in all).
  void give(std::string buffer);

 private:
  static constexpr std::size_t kSmallest = std::size_t{4} << 10;
  static constexpr std::size_t kLargest = std::size_t{16} << 20;
  static constexpr std::size_t kKept = 64;
  static constexpr std::size_t kKeptBytes = std::size_t{32} << 20;
  std::mutex mutex_;
  std::size_t kept_bytes_ = 0;  // capacity of the buffers in free_
  std::vector<std::string> free_;
};

}  // namespace sluice::pipeline
