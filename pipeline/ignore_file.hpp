#pragma once
// .sluiceignore: one entry a line. A line that is a finding fingerprint (32 hex digits,
// optionally followed by "# why") suppresses that finding wherever it is; any other line is a
// gitignore-style path pattern applied by the walk (blank lines and '#' comments ignored).

#include <string>
#include <string_view>

#include "io/path_filter.hpp"
#include "pipeline/baseline.hpp"

namespace sluice::pipeline {

inline constexpr const char* kIgnoreFileName = ".sluiceignore";

// Throws SuppressionError when the file cannot be read.
void load_ignore_file(const std::string& path, Suppressions& suppressions, io::PathFilter& filter);
void parse_ignore_file(std::string_view text, const std::string& origin, Suppressions& suppressions,
                       io::PathFilter& filter);

}  // namespace sluice::pipeline
