#pragma once
// The one per-input problem type, from io to the sinks: which input, what kind, and why. A
// value, never thrown; never carries file contents.

#include <string>

namespace sluice::io {

struct Error {
  enum class Kind : unsigned char {
    kIncomplete,  // the input (or part of it) was not scanned: the scan is incomplete, exit 3
    kSkipped,     // skipped by design (a FIFO in a tree, a symlink not followed): counted, not an error
    kNote,        // scanned, with something worth saying (a repository's owner): neither
  };
  std::string path;    // the input, archive chains joined with '!'
  std::string reason;  // one line, naming no secret
  Kind kind = Kind::kIncomplete;

  [[nodiscard]] bool incomplete() const noexcept { return kind == Kind::kIncomplete; }
  [[nodiscard]] bool skipped() const noexcept { return kind == Kind::kSkipped; }
  [[nodiscard]] bool note() const noexcept { return kind == Kind::kNote; }
};

// "Permission denied" etc. for an errno value.
[[nodiscard]] std::string describe_errno(int error_number);

}  // namespace sluice::io
