#include "engine/line_positions.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <string>
#include <vector>

namespace sluice::engine {
namespace {

// Line and column by counting from the start: what every segmentation must agree with.
TextPosition naive(std::string_view text, std::uint64_t offset) {
  TextPosition position;
  std::uint64_t line_start = 0;
  for (std::uint64_t k = 0; k < offset; ++k) {
    if (text[k] == '\n') {
      ++position.line;
      line_start = k + 1;
    }
  }
  position.column = offset - line_start + 1;
  return position;
}

TEST(LinePositions, LinesAndColumnsAreOneBased) {
  const std::string text = "ab\ncde\n\nfg";
  const std::vector<std::uint64_t> offsets{9, 0, 4, 7};
  const auto placed = positions_in(text, offsets);
  ASSERT_EQ(placed.size(), 4u);
  EXPECT_EQ(placed[0].line, 4u);
  EXPECT_EQ(placed[0].column, 2u);
  EXPECT_EQ(placed[1].line, 1u);
  EXPECT_EQ(placed[1].column, 1u);
  EXPECT_EQ(placed[2].line, 2u);
  EXPECT_EQ(placed[2].column, 2u);
  EXPECT_EQ(placed[3].line, 3u);
  EXPECT_EQ(placed[3].column, 1u);
}

// Text with long and short lines, a last line longer than any segment.
std::string sample_text() {
  std::string text;
  std::mt19937 random(7);
  for (int i = 0; i < 3000; ++i) {
    text.append(random() % 5 == 0 ? random() % 700 : random() % 40, 'x');
    text.push_back('\n');
  }
  text.append(5000, 'y');
  return text;
}

std::vector<std::uint64_t> sample_offsets(std::uint64_t size) {
  std::vector<std::uint64_t> offsets{0, 1, 63, 64, 65, 999, 1000, size / 2, size - 1};
  std::mt19937 random(11);
  for (int i = 0; i < 200; ++i) offsets.push_back(random() % size);
  std::sort(offsets.begin(), offsets.end());
  return offsets;
}

TEST(LinePositions, AWholeInputPlacesEveryOffsetInAnyOrder) {
  const std::string text = sample_text();
  std::vector<std::uint64_t> offsets = sample_offsets(text.size());
  for (bool ascending : {true, false}) {
    if (!ascending) std::reverse(offsets.begin(), offsets.end());  // each one restarts the cursor
    const auto placed = positions_in(text, offsets);
    ASSERT_EQ(placed.size(), offsets.size());
    for (std::size_t k = 0; k < offsets.size(); ++k) {
      const TextPosition expected = naive(text, offsets[k]);
      EXPECT_EQ(placed[k].line, expected.line) << "offset " << offsets[k];
      EXPECT_EQ(placed[k].column, expected.column) << "offset " << offsets[k];
    }
  }
}

// Segments of `size` bytes owning [begin, end), each buffer reaching `overlap` bytes back (the
// shape of a file split across cores and of a big archive member); each offset is located in
// the segment that owns it, or in the next when it lies in that one's overlap.
void expect_segments_agree(const std::string& text, std::uint64_t size, std::uint64_t overlap, bool blockwise) {
  const std::vector<std::uint64_t> offsets = sample_offsets(text.size());
  LinePlacer placer;
  std::size_t next = 0;
  for (std::uint64_t begin = 0; begin < text.size(); begin += size) {
    const std::uint64_t end = std::min<std::uint64_t>(text.size(), begin + size);
    const std::uint64_t from = begin > overlap ? begin - overlap : 0;
    const std::uint64_t next_from = end == text.size() ? end : std::max(from, end - overlap);
    SegmentLines segment(SegmentSpan{from, begin, end, next_from, false});
    const std::string_view buffer = std::string_view(text).substr(from, end - from);
    if (blockwise) {
      for (std::uint64_t at = begin; at < end; at += 100)
        segment.count(text.substr(at, std::min<std::uint64_t>(100, end - at)));
    }
    std::vector<std::uint64_t> mine;
    // Offsets in [from, end): some before `begin` (a secret that started in the overlap).
    while (next < offsets.size() && offsets[next] < end) mine.push_back(offsets[next++]);
    segment.locate(buffer, mine);
    const auto placed = placer.place(segment);
    ASSERT_EQ(placed.size(), mine.size());
    for (std::size_t k = 0; k < mine.size(); ++k) {
      const TextPosition expected = naive(text, mine[k]);
      EXPECT_EQ(placed[k].line, expected.line) << "offset " << mine[k] << " segment " << size;
      EXPECT_EQ(placed[k].column, expected.column) << "offset " << mine[k] << " segment " << size;
    }
  }
}

TEST(LinePositions, EverySegmentationGivesWhatCountingFromTheStartGives) {
  const std::string text = sample_text();
  for (std::uint64_t size : {64u, 1000u, 4096u, 100000u}) {
    for (std::uint64_t overlap : {0u, 16u, 300u}) {
      expect_segments_agree(text, size, overlap, false);
      expect_segments_agree(text, size, overlap, true);
    }
  }
}

// A stream: chunks of any size, each buffer the last `keep` bytes before the chunk and the
// chunk itself (a chunk smaller than `keep` leaves the next buffer starting before it).
TEST(LinePositions, StreamChunksOfAnySizeGiveTheSamePositions) {
  const std::string text = sample_text();
  const std::vector<std::uint64_t> offsets = sample_offsets(text.size());
  for (std::uint64_t keep : {0u, 50u, 2000u}) {
    std::mt19937 random(static_cast<unsigned>(keep) + 3);
    LinePlacer placer;
    std::size_t next = 0;
    for (std::uint64_t begin = 0; begin < text.size();) {
      const std::uint64_t end = std::min<std::uint64_t>(text.size(), begin + 1 + random() % 3000);
      const std::uint64_t from = begin > keep ? begin - keep : 0;
      const std::uint64_t next_from = end > keep ? end - keep : 0;
      SegmentLines segment(SegmentSpan{from, begin, end, next_from, false});
      std::vector<std::uint64_t> mine;
      while (next < offsets.size() && offsets[next] < end) mine.push_back(offsets[next++]);
      // Matches confirmed a chunk late: their offsets are still inside the kept bytes.
      mine.erase(std::remove_if(mine.begin(), mine.end(), [&](std::uint64_t o) { return o < from; }), mine.end());
      segment.locate(std::string_view(text).substr(from, end - from), mine);
      const auto placed = placer.place(segment);
      for (std::size_t k = 0; k < mine.size(); ++k) {
        const TextPosition expected = naive(text, mine[k]);
        EXPECT_EQ(placed[k].line, expected.line) << "offset " << mine[k] << " keep " << keep;
        EXPECT_EQ(placed[k].column, expected.column) << "offset " << mine[k] << " keep " << keep;
      }
      begin = end;
    }
  }
}

}  // namespace
}  // namespace sluice::engine
