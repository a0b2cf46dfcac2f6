#include "pipeline/line_positions.hpp"

#include <gtest/gtest.h>

namespace sluice::pipeline {
namespace {

engine::Match at(std::uint64_t offset) {
  engine::Match m;
  m.secret_offset = offset;
  m.secret = "s";
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
