#include "engine/stream_scanner.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "engine/rule_loader.hpp"
#include "test_keys.hpp"

namespace sluice::engine {
namespace {

std::shared_ptr<const CompiledRules> posthog_rules() {
  static const auto rules = [] {
    RuleSet set;
    for (Rule& rule : builtin_rules().rules) {
      if (rule.vendor == "PostHog") set.rules.push_back(rule);
    }
    return CompiledRules::compile(std::move(set));
  }();
  return rules;
}

std::vector<Match> scan_in_chunks(std::string_view data, std::size_t chunk,
                                  const std::shared_ptr<const CompiledRules>& rules) {
  ScanContext context(rules);
  std::vector<Match> out;
  StreamScanner scanner(context, "test", out);
  for (std::size_t at = 0; at < data.size(); at += chunk) EXPECT_TRUE(scanner.feed(data.substr(at, chunk)));
  EXPECT_TRUE(scanner.finish());
  return out;
}

// Regression (found by fuzz_matcher): an inline allow marker after the secret was seen by a
// whole-buffer scan but not by a chunked one when the chunk ended between the two; hits now
// wait for the bytes after them, so every chunking gives the same result.
TEST(StreamScanner, InlineAllowMarkerAfterTheSecretIsSeenWhateverTheChunking) {
  const auto rules = posthog_rules();
  std::mt19937_64 rng(91);
  const std::string key = "phx_" + testing::random_body(rng, 43, testing::kBase62);
  const std::string allowed = "KEY=" + key + std::string(300, ' ') + "# sluice:allow\n";
  const std::string plain = "KEY=" + key + std::string(300, ' ') + "# nothing to see\n";
  for (std::size_t chunk :
       {std::size_t{1}, std::size_t{7}, std::size_t{13}, std::size_t{64}, std::size_t{100}, std::size_t{1} << 20}) {
    EXPECT_TRUE(scan_in_chunks(allowed, chunk, rules).empty()) << "chunk " << chunk;
    EXPECT_EQ(scan_in_chunks(plain, chunk, rules).size(), 1u) << "chunk " << chunk;
  }
}

TEST(StreamScanner, FindsEveryEraAndRejectsNearMisses) {
  std::mt19937_64 rng(1);
  const std::string era0 = testing::personal_key(rng, 0);
  const std::string era1 = testing::personal_key(rng, 1);
  const std::string era2 = testing::personal_key(rng, 2);
  const std::string len44 = "phx_" + testing::random_body(rng, 44, testing::kBase62);
  const std::string len50 = "phx_" + testing::random_body(rng, 50, testing::kBase62);
  const std::string text =
      "a=" + era0 + "\nb=\"" + era1 + "\"\nc='" + era2 + "'\nd=" + len44 + "\ne=" + len50 + "\nf=word_" + era1 + "\n";
  std::vector<std::string> secrets;
  for (const Match& m : scan_in_chunks(text, text.size(), posthog_rules())) secrets.push_back(m.secret);
  EXPECT_THAT(secrets, ::testing::ElementsAre(era0, era1, era2));
}

TEST(StreamScanner, KeyAcrossEveryChunkBoundaryIsFoundOnce) {
  std::mt19937_64 rng(2);
  const auto rules = posthog_rules();
  for (int era = 0; era < 3; ++era) {
    const std::string key = testing::personal_key(rng, era);
    for (std::size_t chunk : {1u, 7u, 64u, 100u}) {
      for (std::size_t position = 0; position < 130; ++position) {
        std::string text(position, ' ');
        text += key;
        text += "\n tail";
        const std::vector<Match> found = scan_in_chunks(text, chunk, rules);
        ASSERT_EQ(found.size(), 1u) << "era " << era << " chunk " << chunk << " position " << position;
        EXPECT_EQ(found[0].secret, key);
        EXPECT_EQ(found[0].secret_offset, position);
        EXPECT_EQ(found[0].match_end, position + key.size());
      }
    }
  }
}

TEST(StreamScanner, KeyAtEndOfStreamIsReportedAtClose) {
  std::mt19937_64 rng(3);
  const std::string key = testing::personal_key(rng, 1);
  const std::vector<Match> found = scan_in_chunks("KEY=" + key, 5, posthog_rules());
  ASSERT_EQ(found.size(), 1u);
  EXPECT_EQ(found[0].secret, key);
}

TEST(StreamScanner, OwnedRangeKeepsOnlyMatchesEndingInside) {
  std::mt19937_64 rng(4);
  const std::string key = testing::personal_key(rng, 1);
  const std::string text = "x " + key + " y " + key + "\n";
  const std::uint64_t first_end = 2 + key.size();
  ScanContext context(posthog_rules());
  std::vector<Match> first;
  ASSERT_TRUE(scan_buffer(context, text, "t", first, 0, OwnedRange{0, first_end}));
  std::vector<Match> second;
  ASSERT_TRUE(scan_buffer(context, text, "t", second, 0, OwnedRange{first_end, text.size()}));
  ASSERT_EQ(first.size(), 1u);
  ASSERT_EQ(second.size(), 1u);
  EXPECT_EQ(first[0].secret_offset, 2u);
  EXPECT_EQ(second[0].secret_offset, first_end + 3);
}

TEST(StreamScanner, BaseOffsetShiftsReportedOffsets) {
  std::mt19937_64 rng(5);
  const std::string key = testing::personal_key(rng, 0);
  ScanContext context(posthog_rules());
  std::vector<Match> found;
  ASSERT_TRUE(scan_buffer(context, " " + key + " ", "t", found, 1000));
  ASSERT_EQ(found.size(), 1u);
  EXPECT_EQ(found[0].secret_offset, 1001u);
}

TEST(StreamScanner, ContextIsReusableAfterAnAbandonedStream) {
  std::mt19937_64 rng(6);
  const std::string key = testing::personal_key(rng, 2);
  ScanContext context(posthog_rules());
  {
    std::vector<Match> ignored;
    StreamScanner abandoned(context, "a", ignored);
    ASSERT_TRUE(abandoned.feed("prefix phx_"));  // destroyed mid-token without finish()
  }
  std::vector<Match> found;
  ASSERT_TRUE(scan_buffer(context, key.substr(4) + " " + key, "b", found));
  ASSERT_EQ(found.size(), 1u);  // the abandoned "phx_" must not join the new stream
  EXPECT_EQ(found[0].secret, key);
}

TEST(StreamScanner, NonOverlappingMatchesPerRuleLikeFindAll) {
  RuleSet set = parse_rules(R"([[rules]]
id = "digits"
regex = '''([0-9]{4})'''
placeholder_filter = false
)",
                            "t");
  const auto rules = CompiledRules::compile(std::move(set));
  ScanContext context(rules);
  std::vector<Match> found;
  ASSERT_TRUE(scan_buffer(context, "a 12345678 b", "t", found));
  std::vector<std::string> secrets;
  for (const Match& m : found) secrets.push_back(m.secret);
  EXPECT_THAT(secrets, ::testing::ElementsAre("1234", "5678"));
}

// Regression: vectorscan 5.4.9 in streaming mode loses a match of a pattern that starts with
// a word alternation ((?i:facebook|fb)...) when a write boundary falls two bytes into the
// match (and at least 16 bytes precede it), whatever the chunk size. The scanner rescans the bytes around every
// boundary in a fresh stream, so every chunking finds the key exactly once. Checked at every split point of two writes,
// and with small chunks.
TEST(StreamScanner, LeadingAlternationAcrossEveryBoundaryIsFoundOnce) {
  RuleSet set = parse_rules(R"([[rules]]
id = "alternation"
regex = '''(?i:facebook|\bfb)[A-Za-z0-9_.:\s-]{0,24}(?i:secret)[A-Za-z_]{0,8}["']?\s{0,5}(?:=>|:=|[=:])\s{0,5}["']?([0-9a-f]{32})\b'''
placeholder_filter = false
)",
                            "t");
  const auto rules = CompiledRules::compile(std::move(set));
  const std::string key = "3f9a0c1d5e7b2a4c6d8e0f1a2b3c4d5e";
  for (const std::string prefix : {"FACEBOOK_APP_SECRET=", "fb_app_secret: \"", "x = FaceBook.AppSecret = '"}) {
    // The loss needs 16 bytes or more of the stream before the match.
    const std::string text = "# settings for the staging site\n" + prefix + key + "\"\nline three\n";
    for (std::size_t split = 1; split < text.size(); ++split) {
      ScanContext context(rules);
      std::vector<Match> out;
      StreamScanner scanner(context, "t", out);
      ASSERT_TRUE(scanner.feed(std::string_view(text).substr(0, split)));
      ASSERT_TRUE(scanner.feed(std::string_view(text).substr(split)));
      ASSERT_TRUE(scanner.finish());
      ASSERT_EQ(std::count_if(out.begin(), out.end(), [&](const Match& m) { return m.rule == 0; }), 1)
          << prefix << " split at " << split;
    }
    for (std::size_t chunk : {1u, 2u, 3u, 5u, 64u}) {
      const std::vector<Match> found = scan_in_chunks(text, chunk, rules);
      EXPECT_EQ(std::count_if(found.begin(), found.end(), [&](const Match& m) { return m.rule == 0; }), 1)
          << prefix << " chunk " << chunk;
    }
  }
}

}  // namespace
}  // namespace sluice::engine
