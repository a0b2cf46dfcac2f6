#include "io/input_file.hpp"

#include <fcntl.h>
#include <linux/magic.h>
#include <poll.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <optional>
#include <string>
#include <utility>

namespace sluice::io {
namespace {

std::optional<std::size_t> read_some(int fd, char* buffer, std::size_t capacity, int* error_number,
                                     const std::atomic<bool>* stop = nullptr) {
  for (;;) {
    if (stop != nullptr) {
      // An idle pipe may never deliver another byte: wait in slices, so that a request to
      // stop (a signal, caught on whatever thread) is seen within a fraction of a second.
      pollfd waiting{fd, POLLIN, 0};
      const int ready = ::poll(&waiting, 1, 100);
      if (stop->load(std::memory_order_relaxed)) {
        *error_number = EINTR;
        return std::nullopt;
      }
      if (ready == 0 || (ready < 0 && errno == EINTR)) continue;
    }
    const ssize_t n = ::read(fd, buffer, capacity);
    if (n >= 0) return static_cast<std::size_t>(n);
    if (errno == EINTR) continue;
    *error_number = errno;
    return std::nullopt;
  }
}

// procfs and sysfs make a file's content when it is read: st_size is 0 (procfs) or a page
// (sysfs) whatever the content, so only reading to the end says how long it is.
// A device is one mounted filesystem: asked once per device and thread (an fstatfs per file
// was 1% of a scan of a tree of small files).
bool size_is_unreliable(int fd, dev_t device) {
  thread_local std::optional<std::pair<dev_t, bool>> last;
  if (last && last->first == device) return last->second;
  struct statfs fs {};
  if (::fstatfs(fd, &fs) != 0) return false;
  const bool unreliable = fs.f_type == PROC_SUPER_MAGIC || fs.f_type == SYSFS_MAGIC;
  last.emplace(device, unreliable);
  return unreliable;
}

// Waits until a FIFO opened with O_NONBLOCK has data or a writer that came and went (then
// read() gives the data or the end), in slices that see `stop`. False when stopped.
bool wait_for_writer(int fd, const std::atomic<bool>* stop) {
  for (;;) {
    if (stop != nullptr && stop->load(std::memory_order_relaxed)) return false;
    pollfd waiting{fd, POLLIN, 0};
    const int ready = ::poll(&waiting, 1, stop != nullptr ? 100 : -1);
    if (ready > 0) return true;
  }
}

}  // namespace

FileDescriptor& FileDescriptor::operator=(FileDescriptor&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = other.fd_;
    other.fd_ = -1;
  }
  return *this;
}

FileDescriptor::~FileDescriptor() {
  if (fd_ >= 0) ::close(fd_);
}

char* ReadBuffer::reserve(std::size_t size, std::size_t keep) {
  if (size > capacity_) {
    const std::size_t capacity = std::max(size, capacity_ * 2);
    auto data = std::make_unique_for_overwrite<char[]>(capacity);
    if (keep > 0) std::memcpy(data.get(), data_.get(), std::min(keep, capacity_));
    data_ = std::move(data);
    capacity_ = capacity;
  }
  return data_.get();
}

std::variant<FileView, Error> read_file(const std::string& path, std::size_t map_threshold, ReadBuffer* buffer) {
  // O_NONBLOCK: if the path was swapped for a FIFO after the walk saw a file, open must not block.
  FileDescriptor fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK));
  if (fd.get() < 0) {
    const int e = errno;
    return Error{path, e == ENOENT ? std::string("vanished before it could be read") : describe_errno(e)};
  }
  struct stat info {};
  if (::fstat(fd.get(), &info) != 0) return Error{path, describe_errno(errno)};
  if (!S_ISREG(info.st_mode)) return Error{path, "is no longer a regular file"};
  const auto size = static_cast<std::size_t>(info.st_size);

  FileView view;
  if (size == 0 || size_is_unreliable(fd.get(), info.st_dev)) {
    // Read to the end whatever st_size says (one read() that returns 0 for a really empty
    // file), within a cap: such a file may never end.
    ReadBuffer own;
    ReadBuffer& into = buffer != nullptr ? *buffer : own;
    std::size_t filled = 0;
    std::size_t capacity = kUnsizedReadStep;
    char* data = into.reserve(capacity);
    int error_number = 0;
    for (;;) {
      if (filled == capacity) {
        if (capacity >= kMaxUnsizedRead) {
          return Error{path, "its size is unknown (procfs, sysfs or size 0) and it goes on past " +
                                 std::to_string(kMaxUnsizedRead >> 20) + " MiB: not scanned"};
        }
        capacity = std::min(capacity * 2, kMaxUnsizedRead);
        data = into.reserve(capacity, filled);
      }
      auto n = read_some(fd.get(), data + filled, capacity - filled, &error_number);
      if (!n) return Error{path, describe_errno(error_number)};
      if (*n == 0) break;
      filled += *n;
    }
    if (buffer == nullptr) {
      view.owned_ = std::make_unique_for_overwrite<char[]>(std::max<std::size_t>(filled, 1));
      std::memcpy(view.owned_.get(), data, filled);
      data = view.owned_.get();
    }
    view.bytes_ = std::string_view(data, filled);
    return view;
  }
  if (size >= map_threshold) {
    std::string map_error;
    if (auto mapped = MappedFile::map(fd.get(), size, &map_error)) {
      view.bytes_ = mapped->view();
      view.mapped_ = std::move(*mapped);
      return view;
    }
    // Fall through to read() when mapping is not possible.
  }
  char* data = nullptr;
  if (buffer != nullptr) {
    data = buffer->reserve(size);
  } else {
    view.owned_ = std::make_unique_for_overwrite<char[]>(std::max<std::size_t>(size, 1));
    data = view.owned_.get();
  }
  std::size_t filled = 0;
  int error_number = 0;
  while (filled < size) {
    auto n = read_some(fd.get(), data + filled, size - filled, &error_number);
    if (!n) return Error{path, describe_errno(error_number)};
    if (*n == 0) break;  // shrank since fstat: scan what is there now
    filled += *n;
  }
  view.bytes_ = std::string_view(data, filled);
  return view;
}

std::variant<SequentialReader, Error> SequentialReader::open(const std::string& path, const std::atomic<bool>* stop) {
  SequentialReader reader;
  reader.stop_ = stop;
  if (path == "-") {
    reader.fd_ = STDIN_FILENO;
    return reader;
  }
  // O_NONBLOCK: a blocking open of a FIFO waits for a writer in the kernel, where no stop
  // request reaches it. Wait in poll() instead, then read blocking as usual.
  FileDescriptor fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK));
  if (fd.get() < 0) return Error{path, describe_errno(errno)};
  if (!wait_for_writer(fd.get(), stop)) return Error{path, describe_errno(EINTR)};
  const int flags = ::fcntl(fd.get(), F_GETFL);
  if (flags < 0 || ::fcntl(fd.get(), F_SETFL, flags & ~O_NONBLOCK) != 0) return Error{path, describe_errno(errno)};
  reader.fd_ = fd.get();
  reader.owned_ = std::move(fd);
  return reader;
}

std::optional<std::size_t> SequentialReader::read(char* buffer, std::size_t capacity, std::string* error) {
  int error_number = 0;
  auto n = read_some(fd_, buffer, capacity, &error_number, stop_);
  if (!n && error) *error = describe_errno(error_number);
  return n;
}

}  // namespace sluice::io
