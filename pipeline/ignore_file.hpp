#pragma once
// .sluiceignore: one entry a line. A line that is a finding fingerprint (32 hex digits,
// optionally followed by "# why") suppresses that finding wherever it is; any other line is a
// gitignore-style path pattern applied by the walk (blank lines and '#' comments ignored).
//
// A file discovered in scanned content (.sluiceignore, .sluice.toml in the first directory
// scanned) is untrusted input: it is read only when it is a regular file (not a symlink, FIFO
// or device) of at most kMaxDiscoveredFileBytes, and an ignore file found there contributes at
// most kMaxDiscoveredPatterns path patterns.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "io/path_filter.hpp"
#include "pipeline/baseline.hpp"

namespace sluice::pipeline {

inline constexpr const char* kIgnoreFileName = ".sluiceignore";
inline constexpr std::size_t kMaxDiscoveredFileBytes = std::size_t{1} << 20;
inline constexpr std::size_t kMaxDiscoveredPatterns = 1000;

// A file found in scanned content, read defensively.
struct DiscoveredFile {
  bool present = false;  // something is at the path (lstat)
  std::string text;      // the contents, when error is empty
  std::string error;     // why it was not read ("a symbolic link (not followed)", ...)
};
// lstat, then open with O_NOFOLLOW | O_NONBLOCK (a FIFO cannot block, a symlink is not
// followed), fstat, read at most `max_bytes` (more: an error). Never throws.
[[nodiscard]] DiscoveredFile read_discovered_file(const std::string& path,
                                                  std::size_t max_bytes = kMaxDiscoveredFileBytes);

// Throws SuppressionError when the file cannot be read. Returns one message per entry that was
// ignored ("FILE:LINE: reason"), for the caller to print.
std::vector<std::string> load_ignore_file(const std::string& path, Suppressions& suppressions, io::PathFilter& filter);
// `max_patterns`: path patterns past this many are ignored (one message says so);
// `from_content`: the file was found in the scanned tree (io::PathFilter::add_exclude).
std::vector<std::string> parse_ignore_file(std::string_view text, const std::string& origin, Suppressions& suppressions,
                                           io::PathFilter& filter, std::size_t max_patterns = SIZE_MAX,
                                           bool from_content = false);

}  // namespace sluice::pipeline
