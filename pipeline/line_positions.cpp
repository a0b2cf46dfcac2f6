#include "pipeline/line_positions.hpp"

#include <algorithm>
#include <cstring>

namespace sluice::pipeline {

void LineCursor::advance(std::string_view bytes) noexcept {
  const auto newlines = static_cast<std::uint64_t>(std::count(bytes.begin(), bytes.end(), '\n'));
  if (newlines > 0) {
    line += newlines;
    const auto* last = static_cast<const char*>(memrchr(bytes.data(), '\n', bytes.size()));
    line_start = offset + static_cast<std::uint64_t>(last - bytes.data()) + 1;
  }
  offset += bytes.size();
}

std::vector<PlacedMatch> place_matches(std::string_view bytes, std::vector<engine::Match> matches, LineCursor cursor) {
  std::sort(matches.begin(), matches.end(),
            [](const engine::Match& a, const engine::Match& b) { return a.secret_offset < b.secret_offset; });
  const std::uint64_t origin = cursor.offset;
  std::vector<PlacedMatch> placed;
  placed.reserve(matches.size());
  for (engine::Match& match : matches) {
    const std::uint64_t target = std::clamp<std::uint64_t>(match.secret_offset, origin, origin + bytes.size());
    if (target > cursor.offset) cursor.advance(bytes.substr(cursor.offset - origin, target - cursor.offset));
    const std::uint64_t column =
        match.secret_offset >= cursor.line_start ? match.secret_offset - cursor.line_start + 1 : 1;
    placed.push_back(PlacedMatch{match.rule, std::move(match.secret), match.secret_offset, cursor.line, column,
                                 match.confidence, match.confidence_reason});
  }
  return placed;
}

std::vector<PlacedMatch> place_matches(std::string_view bytes, std::vector<engine::Match> matches,
                                       const BlockLineCounts& counts) {
  if (counts.stride == 0 || counts.newlines.empty()) return place_matches(bytes, std::move(matches));
  std::vector<std::uint64_t> before(counts.newlines.size() + 1, 0);  // newlines before block k
  for (std::size_t k = 0; k < counts.newlines.size(); ++k) before[k + 1] = before[k] + counts.newlines[k];
  std::vector<PlacedMatch> placed;
  placed.reserve(matches.size());
  for (engine::Match& match : matches) {
    const std::uint64_t offset = std::min<std::uint64_t>(match.secret_offset, bytes.size());
    const std::size_t block = std::min<std::size_t>(offset / counts.stride, counts.newlines.size() - 1);
    const std::uint64_t block_start = block * counts.stride;
    const std::string_view head = bytes.substr(block_start, offset - block_start);
    const std::uint64_t line =
        1 + before[block] + static_cast<std::uint64_t>(std::count(head.begin(), head.end(), '\n'));
    const auto* newline = static_cast<const char*>(memrchr(bytes.data(), '\n', offset));
    const std::uint64_t line_start = newline == nullptr ? 0 : static_cast<std::uint64_t>(newline - bytes.data()) + 1;
    placed.push_back(PlacedMatch{match.rule, std::move(match.secret), match.secret_offset, line,
                                 match.secret_offset - line_start + 1, match.confidence, match.confidence_reason});
  }
  return placed;
}

}  // namespace sluice::pipeline
