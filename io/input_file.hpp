#pragma once
// Opening one input for scanning: a regular file becomes a whole in-memory view (read into a
// buffer when small, memory-mapped when large); a pipe or standard input is read in chunks.

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "io/error.hpp"
#include "io/mapped_file.hpp"

namespace sluice::io {

// Owns a file descriptor.
class FileDescriptor {
 public:
  FileDescriptor() = default;
  explicit FileDescriptor(int fd) noexcept : fd_(fd) {}
  FileDescriptor(FileDescriptor&& other) noexcept : fd_(other.fd_) { other.fd_ = -1; }
  FileDescriptor& operator=(FileDescriptor&& other) noexcept;
  FileDescriptor(const FileDescriptor&) = delete;
  FileDescriptor& operator=(const FileDescriptor&) = delete;
  ~FileDescriptor();
  [[nodiscard]] int get() const noexcept { return fd_; }

 private:
  int fd_ = -1;
};

// Reusable memory for reading small files: one per worker, so reading a file costs no
// allocation once the buffer has grown to the largest small file.
class ReadBuffer {
 public:
  // At least `size` bytes; the first `keep` bytes survive a reallocation.
  [[nodiscard]] char* reserve(std::size_t size, std::size_t keep = 0);

 private:
  std::unique_ptr<char[]> data_;
  std::size_t capacity_ = 0;
};

// The whole content of a regular file, valid while this object lives (and, when it was read
// into a ReadBuffer, until that buffer is reused).
class FileView {
 public:
  [[nodiscard]] std::string_view bytes() const noexcept { return bytes_; }
  [[nodiscard]] bool mapped() const noexcept { return mapped_.has_value(); }
  // A mapped file shrank while we read it: some bytes were lost.
  [[nodiscard]] bool truncated() const noexcept { return mapped_ && mapped_->truncated(); }

 private:
  friend std::variant<FileView, Error> read_file(const std::string& path, std::size_t map_threshold,
                                                 ReadBuffer* buffer);
  std::unique_ptr<char[]> owned_;
  std::optional<MappedFile> mapped_;
  std::string_view bytes_;
};

// A file whose size cannot be trusted (st_size 0, or on procfs/sysfs) is read to its end, up
// to this many bytes; past it the file is an error, not a partial view.
inline constexpr std::size_t kMaxUnsizedRead = std::size_t{256} << 20;
inline constexpr std::size_t kUnsizedReadStep = std::size_t{64} << 10;

// Regular files at least `map_threshold` bytes long are mapped, smaller ones read (into
// `buffer` when given, else into memory the view owns). A file that reports size 0 or lives on
// procfs/sysfs (/proc/PID/environ) is read to its end instead of trusting st_size.
[[nodiscard]] std::variant<FileView, Error> read_file(const std::string& path, std::size_t map_threshold,
                                                      ReadBuffer* buffer = nullptr);

// A sequential source (standard input, a FIFO named on the command line).
// Reads up to `capacity` bytes into `buffer`: the count, 0 at the end, nullopt on error (with
// `error` set). What a content read in order offers (standard input, a FIFO).
using ReadSome = std::function<std::optional<std::size_t>(char* buffer, std::size_t capacity, std::string* error)>;

class SequentialReader {
 public:
  // "-" is standard input. When `stop` is given, a read waiting for input fails (EINTR)
  // within 0.1 s of `stop` becoming true; so does opening a FIFO that has no writer yet.
  [[nodiscard]] static std::variant<SequentialReader, Error> open(const std::string& path,
                                                                  const std::atomic<bool>* stop = nullptr);
  // Reads up to `capacity` bytes; 0 at end of input; nullopt on error (with `error` set).
  [[nodiscard]] std::optional<std::size_t> read(char* buffer, std::size_t capacity, std::string* error);

 private:
  int fd_ = -1;
  const std::atomic<bool>* stop_ = nullptr;
  FileDescriptor owned_;  // empty for standard input, which is not ours to close
};

}  // namespace sluice::io
