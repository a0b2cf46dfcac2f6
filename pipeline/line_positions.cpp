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
    const std::uint64_t column = match.secret_offset >= cursor.line_start ? match.secret_offset - cursor.line_start + 1 : 1;
    placed.push_back(PlacedMatch{match.rule, std::move(match.secret), match.secret_offset, cursor.line, column});
  }
  return placed;
}

}  // namespace sluice::pipeline
