#pragma once
// Line and column of match offsets, computed only for inputs that have matches.

#include <cstdint>
#include <string_view>
#include <vector>

#include "engine/confirmer.hpp"
#include "pipeline/finding_set.hpp"

namespace sluice::pipeline {

// Where a run of bytes starts in its input, in lines.
struct LineCursor {
  std::uint64_t offset = 0;      // absolute offset of the next byte to count
  std::uint64_t line = 1;        // 1-based line of that byte
  std::uint64_t line_start = 0;  // absolute offset where that line starts

  // Counts the newlines in `bytes`, which start at `offset`.
  void advance(std::string_view bytes) noexcept;
};

// Newline counts of fixed-size blocks of one input, gathered while each block is still hot
// in cache from the scan, so that placing a match near the end of a big input does not read
// the whole input again.
struct BlockLineCounts {
  std::size_t stride = 0;               // block size; 0: no counts
  std::vector<std::uint64_t> newlines;  // newlines in [k * stride, (k + 1) * stride)
};

// Like place_matches below, using the block counts of a whole input (offset 0 = bytes[0]).
[[nodiscard]] std::vector<PlacedMatch> place_matches(std::string_view bytes, std::vector<engine::Match> matches,
                                                     const BlockLineCounts& counts);

// Converts matches into placed matches with 1-based line and byte column. `bytes` starts at
// `cursor.offset` and contains every secret offset of `matches`.
[[nodiscard]] std::vector<PlacedMatch> place_matches(std::string_view bytes, std::vector<engine::Match> matches,
                                                     LineCursor cursor = {});

}  // namespace sluice::pipeline
