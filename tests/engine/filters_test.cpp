#include "engine/filters.hpp"

#include <gtest/gtest.h>

#include <random>

#include "test_keys.hpp"

namespace sluice::engine {
namespace {

TEST(Filters, ShannonEntropy) {
  EXPECT_DOUBLE_EQ(shannon_entropy(""), 0.0);
  EXPECT_DOUBLE_EQ(shannon_entropy("aaaa"), 0.0);
  EXPECT_DOUBLE_EQ(shannon_entropy("abab"), 1.0);
  EXPECT_DOUBLE_EQ(shannon_entropy("abcd"), 2.0);
}

TEST(Filters, PlaceholdersAreRecognised) {
  for (const char* value : {"phx_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx", "AKIAIOSFODNN7EXAMPLE", "${POSTHOG_KEY}",
                            "{{ posthog_key }}", "<your-key-here>", "sk_live_****************", "your_api_key_here",
                            "phx_aaaaaaaaaaaa1234", "key_0123456789", "changeme123456"}) {
    EXPECT_TRUE(looks_like_placeholder(value)) << value;
  }
}

TEST(Filters, RandomKeysAreNotPlaceholders) {
  std::mt19937_64 rng(9);
  for (int i = 0; i < 2000; ++i) {
    const std::string key = testing::personal_key(rng, i % 3);
    EXPECT_FALSE(looks_like_placeholder(key)) << key;
  }
}

}  // namespace
}  // namespace sluice::engine
