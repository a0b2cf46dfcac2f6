#include "pipeline/ignore_file.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstring>
#include <fstream>
#include <sstream>

namespace sluice::pipeline {
namespace {

std::string kind_of(mode_t mode) {
  if (S_ISLNK(mode)) return "a symbolic link (not followed)";
  if (S_ISFIFO(mode)) return "a FIFO, not a regular file";
  if (S_ISDIR(mode)) return "a directory, not a regular file";
  if (S_ISCHR(mode) || S_ISBLK(mode)) return "a device, not a regular file";
  if (S_ISSOCK(mode)) return "a socket, not a regular file";
  return "not a regular file";
}

class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  [[nodiscard]] int get() const noexcept { return fd_; }

 private:
  int fd_;
};

}  // namespace

DiscoveredFile read_discovered_file(const std::string& path, std::size_t max_bytes) {
  DiscoveredFile out;
  struct stat info {};
  if (::lstat(path.c_str(), &info) != 0) {
    if (errno != ENOENT && errno != ENOTDIR) {
      out.present = true;
      out.error = std::strerror(errno);
    }
    return out;
  }
  out.present = true;
  if (!S_ISREG(info.st_mode)) {
    out.error = kind_of(info.st_mode);
    return out;
  }
  // The file may be replaced between lstat and open: O_NOFOLLOW and O_NONBLOCK keep a symlink
  // or FIFO swapped in from being followed or blocking, and fstat checks what was opened.
  const Fd fd(::open(path.c_str(), O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC | O_NOCTTY));
  if (fd.get() < 0) {
    out.error = errno == ELOOP ? "a symbolic link (not followed)" : std::strerror(errno);
    return out;
  }
  if (::fstat(fd.get(), &info) != 0 || !S_ISREG(info.st_mode)) {
    out.error = kind_of(info.st_mode);
    return out;
  }
  const std::string too_big = fmt::format("bigger than {} bytes", max_bytes);
  if (static_cast<std::uint64_t>(info.st_size) > max_bytes) {
    out.error = too_big;
    return out;
  }
  std::string text(max_bytes + 1, '\0');
  std::size_t used = 0;
  while (used < text.size()) {
    const ssize_t got = ::read(fd.get(), text.data() + used, text.size() - used);
    if (got < 0 && errno == EINTR) continue;
    if (got < 0) {
      out.error = std::strerror(errno);
      return out;
    }
    if (got == 0) break;
    used += static_cast<std::size_t>(got);
  }
  if (used > max_bytes) {  // grew after fstat
    out.error = too_big;
    return out;
  }
  text.resize(used);
  out.text = std::move(text);
  return out;
}

std::vector<std::string> load_ignore_file(const std::string& path, Suppressions& suppressions, io::PathFilter& filter) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw SuppressionError(fmt::format("{}: cannot open ignore file", path));
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) throw SuppressionError(fmt::format("{}: cannot read ignore file", path));
  return parse_ignore_file(text.str(), path, suppressions, filter);
}

std::vector<std::string> parse_ignore_file(std::string_view text, const std::string& origin, Suppressions& suppressions,
                                           io::PathFilter& filter, std::size_t max_patterns, bool from_content) {
  std::vector<std::string> problems;
  std::size_t start = 0;
  std::size_t number = 0;
  std::size_t patterns = 0;
  while (start < text.size()) {
    std::size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(start, end - start);
    start = end + 1;
    ++number;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    const std::string where = fmt::format("{}:{}", origin, number);
    // A fingerprint, possibly with a trailing comment saying why it is accepted.
    std::string_view head = line.substr(0, line.find('#'));
    while (!head.empty() && (head.back() == ' ' || head.back() == '\t')) head.remove_suffix(1);
    while (!head.empty() && (head.front() == ' ' || head.front() == '\t')) head.remove_prefix(1);
    if (is_fingerprint(head)) {
      suppressions.add(std::string(head), where);
      continue;
    }
    const std::size_t before = filter.excludes().size();
    if (patterns == max_patterns) {
      io::PathFilter probe;  // is it a pattern at all (not blank, not a comment)?
      if (probe.add_exclude(line, where) && !probe.empty()) {
        problems.push_back(
            fmt::format("{}: more than {} path patterns; this one and the rest are ignored", where, max_patterns));
        ++patterns;
      }
      continue;
    }
    if (patterns > max_patterns) continue;
    if (!filter.add_exclude(line, where, from_content)) {
      problems.push_back(
          fmt::format("{}: pattern longer than {} bytes (or too complex); ignored", where, io::kMaxPatternLength));
    }
    if (filter.excludes().size() > before) ++patterns;
  }
  return problems;
}

}  // namespace sluice::pipeline
