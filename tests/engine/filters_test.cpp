#include "engine/filters.hpp"

#include <gtest/gtest.h>
#include <zlib.h>

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

namespace sluice::engine {
namespace {

// GitHub token checksums, computed here (zlib's CRC32, base62 0-9A-Za-z, 6 characters).
std::string github_token(const std::string& prefix, const std::string& entropy) {
  static const std::string kDigits = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
  std::uint64_t crc = crc32(0L, reinterpret_cast<const Bytef*>(entropy.data()), static_cast<uInt>(entropy.size()));
  std::string checksum(6, '0');
  for (int i = 5; i >= 0 && crc > 0; --i, crc /= 62) checksum[static_cast<std::size_t>(i)] = kDigits[crc % 62];
  return prefix + entropy + checksum;
}

TEST(GithubChecksum, ValidTokensPassAndAnyChangedCharacterFails) {
  const std::string token = github_token("ghp_", "q8W2e4R6t8Y0u2I4o6P8a0S2d4F6g8");
  EXPECT_TRUE(github_checksum_ok(token));
  EXPECT_TRUE(github_checksum_ok(github_token("ghs_", "Zz9Yy8Xx7Ww6Vv5Uu4Tt3Ss2Rr1Qq0")));
  for (std::size_t i = 4; i < token.size(); ++i) {
    std::string changed = token;
    changed[i] = changed[i] == 'a' ? 'b' : 'a';
    EXPECT_FALSE(github_checksum_ok(changed)) << "position " << i;
  }
  EXPECT_FALSE(github_checksum_ok("ghp_short"));
  EXPECT_FALSE(github_checksum_ok(token.substr(0, token.size() - 1) + "!"));
}

TEST(Filters, InlineAllowMarkers) {
  EXPECT_TRUE(has_inline_allow("key = 'x'  # sluice:allow"));
  EXPECT_TRUE(has_inline_allow("key = 'x'  // gitleaks:allow"));
  EXPECT_TRUE(has_inline_allow("key = 'x'  # pragma: allowlist secret"));
  EXPECT_FALSE(has_inline_allow("key = 'x'  # sluice: allow"));
  EXPECT_FALSE(has_inline_allow("key = 'x'"));
}

}  // namespace
}  // namespace sluice::engine
