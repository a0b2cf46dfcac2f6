// libFuzzer harness: a glob pattern and a path from the input (FuzzedDataProvider: the pattern
// is a random-length string, the path the rest) through io::glob_match and io::PathFilter
// (exclude, anchored, directory-only, include). Matching must terminate quickly whatever the
// pattern (the harness's -timeout catches exponential time) and, on inputs small enough for
// the old backtracking matcher's worst case, agree with it.

#include <fuzzer/FuzzedDataProvider.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "io/path_filter.hpp"
#include "tests/io/glob_reference.hpp"

using namespace sluice;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  FuzzedDataProvider input(data, size);
  const std::string pattern = input.ConsumeRandomLengthString(io::kMaxPatternLength + 16);
  const std::string path = input.ConsumeRemainingBytesAsString();

  const bool matched = io::glob_match(pattern, path);
  // The reference backtracks: O(path^stars). Compare only where that stays small.
  if (pattern.size() <= 24 && path.size() <= 24 && std::count(pattern.begin(), pattern.end(), '*') <= 4) {
    if (matched != io::reference::glob_match(pattern, path)) std::abort();
  }

  io::PathFilter filter;
  const bool added = filter.add_exclude(pattern, "fuzz");
  if (pattern.size() > io::kMaxPatternLength && added && !filter.empty()) std::abort();
  (void)filter.excluded(path, false);
  (void)filter.excluded(path, true);
  io::PathFilter includes;
  if (includes.add_include(pattern)) (void)includes.excluded(path, false);
  return 0;
}
