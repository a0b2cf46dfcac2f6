#pragma once
// A read-only memory map of a file region. A file truncated by another process while it
// is mapped would raise SIGBUS on access; a process-wide guard replaces the missing pages
// with zeros instead and marks the mapping, so the scan reports the file rather than dying.

#include <cstddef>
#include <optional>
#include <string_view>

#include "io/error.hpp"

namespace sluice::io {

class MappedFile {
 public:
  // Maps `size` bytes of the open descriptor `fd`. nullopt (with `error` set) on failure,
  // including when every guard slot is in use; callers then fall back to read().
  [[nodiscard]] static std::optional<MappedFile> map(int fd, std::size_t size, std::string* error);

  MappedFile(MappedFile&& other) noexcept;
  MappedFile& operator=(MappedFile&& other) noexcept;
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;
  ~MappedFile();

  [[nodiscard]] std::string_view view() const noexcept { return {data_, size_}; }
  // True if part of the file vanished while mapped (the missing bytes read as zeros).
  [[nodiscard]] bool truncated() const noexcept;

 private:
  MappedFile(const char* data, std::size_t size, int slot) noexcept : data_(data), size_(size), slot_(slot) {}
  void release() noexcept;

  const char* data_ = nullptr;
  std::size_t size_ = 0;
  int slot_ = -1;
};

}  // namespace sluice::io
