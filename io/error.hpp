#pragma once
// A per-input failure as a value: which input, and why. Never carries file contents.

#include <string>

namespace sluice::io {

struct Error {
  std::string path;
  std::string reason;
};

// "Permission denied" etc. for an errno value.
[[nodiscard]] std::string describe_errno(int error_number);

}  // namespace sluice::io
