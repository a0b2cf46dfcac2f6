#include "pipeline/line_positions.hpp"

#include <gtest/gtest.h>

#include <algorithm>

namespace sluice::pipeline {
namespace {

engine::Match at(std::uint64_t offset) {
  engine::Match m;
  m.secret_offset = offset;
  m.secret.push_back('s');  // not = "s": GCC 12 warns falsely (-Wrestrict) on that assignment here
  return m;
}

TEST(LinePositions, LinesAndColumnsAreOneBased) {
  const std::string text = "ab\ncde\n\nfg";
  auto placed = place_matches(text, {at(9), at(0), at(4), at(7)});
  ASSERT_EQ(placed.size(), 4u);
  EXPECT_EQ(placed[0].line, 1u);
  EXPECT_EQ(placed[0].column, 1u);
  EXPECT_EQ(placed[1].line, 2u);
  EXPECT_EQ(placed[1].column, 2u);
  EXPECT_EQ(placed[2].line, 3u);
  EXPECT_EQ(placed[2].column, 1u);
  EXPECT_EQ(placed[3].line, 4u);
  EXPECT_EQ(placed[3].column, 2u);
}

TEST(LinePositions, CursorContinuesAcrossChunks) {
  LineCursor cursor;
  cursor.advance("one\ntwo\nthr");
  EXPECT_EQ(cursor.offset, 11u);
  EXPECT_EQ(cursor.line, 3u);
  EXPECT_EQ(cursor.line_start, 8u);
  auto placed = place_matches("ee\nfour", {at(12), at(15)}, cursor);
  EXPECT_EQ(placed[0].line, 3u);
  EXPECT_EQ(placed[0].column, 5u);
  EXPECT_EQ(placed[1].line, 4u);
  EXPECT_EQ(placed[1].column, 2u);
}

}  // namespace
}  // namespace sluice::pipeline

namespace sluice::pipeline {
namespace {

TEST(LinePositions, BlockCountsGiveTheSameAnswerAsCountingFromTheStart) {
  std::string text;
  for (int i = 0; i < 5000; ++i) text += std::string(static_cast<std::size_t>(i % 97), 'x') + "\n";
  text += std::string(3000, 'y');  // a last line longer than a block
  for (std::size_t stride : {std::size_t{64}, std::size_t{1000}, std::size_t{4096}}) {
    BlockLineCounts counts;
    counts.stride = stride;
    for (std::size_t at = 0; at < text.size(); at += stride) {
      const std::string_view block = std::string_view(text).substr(at, stride);
      counts.newlines.push_back(static_cast<std::uint64_t>(std::count(block.begin(), block.end(), '\n')));
    }
    std::vector<engine::Match> matches;
    for (std::uint64_t offset : {0ul, 1ul, 63ul, 64ul, 65ul, 999ul, 1000ul, 123456ul, text.size() - 1}) {
      matches.push_back(at(offset));
    }
    const auto expected = place_matches(text, matches);
    const auto actual = place_matches(text, matches, counts);
    ASSERT_EQ(expected.size(), actual.size());
    for (std::size_t i = 0; i < expected.size(); ++i) {
      EXPECT_EQ(expected[i].line, actual[i].line) << "stride " << stride << " offset " << expected[i].offset;
      EXPECT_EQ(expected[i].column, actual[i].column) << "stride " << stride << " offset " << expected[i].offset;
    }
  }
}

}  // namespace
}  // namespace sluice::pipeline
