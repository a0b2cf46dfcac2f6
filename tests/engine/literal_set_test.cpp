#include "engine/literal_set.hpp"

#include <gtest/gtest.h>

#include <algorithm>

namespace sluice::engine {
namespace {

using Spans = std::vector<std::pair<std::size_t, std::size_t>>;

Spans sorted(Spans spans) {
  std::sort(spans.begin(), spans.end());
  return spans;
}

TEST(LiteralSet, FindsEveryOccurrenceOfEveryLiteral) {
  const LiteralSet set({"s3cr3t", "cr3", ""});
  EXPECT_EQ(sorted(set.find("a s3cr3t and s3cr3t")), (Spans{{2, 8}, {4, 7}, {13, 19}, {15, 18}}));
  EXPECT_TRUE(set.find("nothing here").empty());
  EXPECT_TRUE(set.find("").empty());
}

TEST(LiteralSet, BytesAreMatchedExactlyNulAndHighBytesIncluded) {
  const std::string with_nul("a\0b\xff", 4);
  const LiteralSet set({with_nul});
  const std::string text = std::string("xx") + with_nul + "yy";
  EXPECT_EQ(set.find(text), (Spans{{2, 6}}));
  EXPECT_TRUE(set.find("a b\xff").empty());
}

TEST(LiteralSet, EmptySetFindsNothing) {
  const LiteralSet none;
  EXPECT_TRUE(none.empty());
  EXPECT_TRUE(none.find("anything").empty());
  const LiteralSet only_empty({""});
  EXPECT_TRUE(only_empty.empty());
}

TEST(LiteralSet, CountsEachLiteralCaselessWhenAsked) {
  const LiteralSet exact({"key", "", "token"});
  const LiteralSet caseless({"key", "", "token"}, true);
  std::vector<std::uint64_t> counts;
  exact.count("KEY key token Token", counts);
  EXPECT_EQ(counts, (std::vector<std::uint64_t>{1, 1}));  // the empty literal is left out
  counts.clear();
  caseless.count("KEY key token Token", counts);
  caseless.count("monkey", counts);
  EXPECT_EQ(counts, (std::vector<std::uint64_t>{3, 2}));
}

}  // namespace
}  // namespace sluice::engine
