// engine::confirm on hand-made hit windows: the secret and its absolute offsets, nothing when
// the window does not end at a match, and each filter that drops a hit (keyword, path, stopword,
// line allowlist seen through the following bytes, inline marker, global allowlist) or makes it
// low (placeholder) — one at a time, against a window that is otherwise confirmed.

#include "engine/confirmer.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <tuple>
#include <vector>

#include "engine/rule_loader.hpp"
#include "engine/stream_scanner.hpp"

namespace sluice::engine {
namespace {

std::shared_ptr<const CompiledRules> compile_toml(const std::string& toml) {
  return CompiledRules::compile(parse_rules(toml, "confirmer_test.toml"));
}

const std::string kHex = "3f9a1c7e52b80d46e1a9c3f7b2d0845e";

const std::shared_ptr<const CompiledRules>& filtered_rules() {
  static const auto rules = compile_toml(R"(
[allowlist]
paths = ['''(^|/)third_party/''']

[[rules]]
id = "internal"
regex = '''token\s*=\s*([a-f0-9]{32})'''
keywords = ["internal"]
path = '''\.cfg$'''
  [[rules.allowlists]]
  stopwords = ["deadbeef"]
  [[rules.allowlists]]
  regexTarget = "line"
  regexes = ['''fixture''']
)");
  return rules;
}

std::optional<Match> confirm_internal(const std::string& bytes, const std::string& path = "app/x.cfg",
                                      const std::string& following = "\n") {
  return confirm(*filtered_rules(), 0, HitWindow{bytes, 5000, path, following});
}

TEST(Confirmer, ExtractsTheSecretAndItsAbsoluteOffsets) {
  const auto rules = compile_toml("[[rules]]\nid = 'dmo'\nregex = '''\\b(dmo_[a-z0-9]{10})\\b'''\n");
  const std::string bytes = "# settings\nkey=dmo_a1b2c3d4e5";
  const auto match = confirm(*rules, 0, HitWindow{bytes, 1000, "app.env", "\nnext line\n"});
  ASSERT_TRUE(match);
  EXPECT_EQ(match->secret, "dmo_a1b2c3d4e5");
  EXPECT_EQ(match->secret_offset, 1000u + 15u);
  EXPECT_EQ(match->match_start, 1000u + 15u);
  EXPECT_EQ(match->match_end, 1000u + bytes.size());
  EXPECT_EQ(match->confidence, Confidence::kHigh);
}

TEST(Confirmer, NothingWhenTheWindowDoesNotEndWhereAMatchEnds) {
  const auto rules = compile_toml("[[rules]]\nid = 'dmo'\nregex = '''\\b(dmo_[a-z0-9]{10})\\b'''\n");
  EXPECT_FALSE(confirm(*rules, 0, HitWindow{"key=dmo_a1b2c", 0, "a", ""}));        // cut inside it
  EXPECT_FALSE(confirm(*rules, 0, HitWindow{"key=dmo_a1b2c3d4e5 ", 0, "a", ""}));  // a byte past it
  EXPECT_FALSE(confirm(*rules, 0, HitWindow{"key=xdmo_a1b2c3d4e5", 0, "a", ""}));  // no word boundary
}

TEST(Confirmer, EachFilterDropsTheHitOnItsOwn) {
  const std::string line = "internal token = " + kHex;
  ASSERT_TRUE(confirm_internal(line)) << "the reference window is confirmed";
  EXPECT_EQ(confirm_internal(line)->secret, kHex);
  EXPECT_FALSE(confirm_internal("other token = " + kHex)) << "keyword";
  EXPECT_FALSE(confirm_internal(line, "app/x.txt")) << "path";
  EXPECT_FALSE(confirm_internal("internal token = 3f9a1c7e52b80d46e1a9c3f7deadbeef")) << "stopword";
  EXPECT_FALSE(confirm_internal(line, "app/x.cfg", "  # fixture\n")) << "line allowlist, after the hit";
  EXPECT_FALSE(confirm_internal(line, "app/x.cfg", " # sluice:allow\n")) << "inline marker";
  EXPECT_FALSE(confirm_internal(line, "third_party/x.cfg")) << "global allowlist";
  // The following bytes count only up to the end of the line.
  EXPECT_TRUE(confirm_internal(line, "app/x.cfg", "\n# fixture\n"));
}

TEST(Confirmer, PlaceholdersAreLowAndDroppedBelowTheMinimum) {
  const auto rules = compile_toml("[[rules]]\nid = 'dmo'\nregex = '''\\b(dmo_[a-z0-9]{10})\\b'''\n");
  const HitWindow window{"key=dmo_xxxxxxxxxx", 0, "a", "\n"};
  EXPECT_FALSE(confirm(*rules, 0, window, Confidence::kMedium));
  const auto low = confirm(*rules, 0, window, Confidence::kLow);
  ASSERT_TRUE(low);
  EXPECT_EQ(low->confidence, Confidence::kLow);
  EXPECT_EQ(low->confidence_reason, "placeholder");
}

// A rule's `decode = "base64"` reports the secret decoded when it is text (else as it stands);
// its `key` group is reported beside it and never taken as the secret; `each_secret` reports
// every value a longer match ends on, not only the last.
const char* const kNamedRules = R"(
[[rules]]
id = "pairs"
decode = "base64"
each_secret = true
regex = '''begin:\n(?:[a-z]+=[A-Za-z0-9+/=]*\n){0,5}(?P<key>[a-z]+)=([A-Za-z0-9+/=]{8,})\n'''

[[rules]]
id = "pairs_once"
regex = '''begin:\n(?:[a-z]+=[A-Za-z0-9+/=]*\n){0,5}(?P<key>[a-z]+)=([A-Za-z0-9+/=]{8,})\n'''
)";

TEST(Confirmer, DecodesByNameReportsTheKeyAndEachSecret) {
  const auto rules = compile_toml(kNamedRules);
  EXPECT_EQ(rules->compiled(0).key_group(), 1);
  // "user:p4ssw0rd-9x", "changeme-please!" and 12 bytes that are not text.
  const std::string text =
      "begin:\nfirst=dXNlcjpwNHNzdzByZC05eA==\nsecond=Y2hhbmdlbWUtcGxlYXNlIQ==\nthird=/wABAgMEBQYHCAkK\n";
  ScanContext context(rules);
  context.set_min_confidence(Confidence::kLow);
  std::vector<Match> found;
  ASSERT_TRUE(scan_buffer(context, text, "t", found, 100));
  using Row = std::tuple<std::uint32_t, std::string, std::string, std::uint64_t, bool>;
  std::vector<Row> got;
  for (const Match& m : found) got.emplace_back(m.rule, m.key, m.secret, m.secret_offset, m.rule_decoded);
  std::sort(got.begin(), got.end());
  const std::vector<Row> expected{
      {0, "first", "user:p4ssw0rd-9x", 100 + text.find("dXNl"), true},
      {0, "second", "changeme-please!", 100 + text.find("Y2hh"), true},
      {0, "third", "/wABAgMEBQYHCAkK", 100 + text.find("/wAB"), false},
      // Without each_secret, matches of a rule do not overlap: the longest one is kept.
      {1, "third", "/wABAgMEBQYHCAkK", 100 + text.find("/wAB"), false},
  };
  EXPECT_EQ(got, expected);
  for (const Match& m : found) {
    EXPECT_EQ(m.decodings.depth, m.rule_decoded ? 1 : 0);
    // The placeholder filter reads the decoded value.
    EXPECT_EQ(m.confidence_reason, m.key == "second" && m.rule == 0 ? "placeholder" : "");
  }
  // The key group cannot be the secret; a decoding must be known.
  EXPECT_THROW((void)compile_toml("[[rules]]\nid='k'\nregex='''(?P<key>[a-z]+)=x'''\n"), RuleError);
  EXPECT_THROW((void)compile_toml("[[rules]]\nid='k'\nsecretGroup=1\nregex='''(?P<key>[a-z]+)=([a-z]+)'''\n"),
               RuleError);
  EXPECT_THROW((void)compile_toml("[[rules]]\nid='k'\ndecode='hex'\nregex='''x'''\n"), RuleError);
}

// A token-shaped piece of a base64 blob (random data, a key file) is low, "in-base64"; the same
// token after '=' or in a path of short names is not.
TEST(Confirmer, APieceOfABase64BlobIsLow) {
  const auto rules = compile_toml("[[rules]]\nid = 'dmo'\nregex = '''\\b(dmo_[A-Za-z0-9]{20})\\b'''\n");
  ScanContext context(rules);
  context.set_min_confidence(Confidence::kLow);
  const std::string token = "dmo_Q2xh8Zr0Pk3Lw9Ty6Vb1";
  const auto reason_of = [&](const std::string& text) -> std::string {
    std::vector<Match> found;
    EXPECT_TRUE(scan_buffer(context, text, "t", found));
    if (found.size() != 1) return "found " + std::to_string(found.size());
    return std::string(found[0].confidence_reason);
  };
  EXPECT_EQ(reason_of("Zm9vYmFyYmF6cXV4cXV1eA+" + token + "/aGVsbG8gd29ybGQgYWdhaW4K\n"), "in-base64");
  EXPECT_EQ(reason_of("QmFzZTY0IGJsb2IgbGluZQ/" + token + "+Zm9vYmFyYmF6cXV4cXV1eA"), "in-base64");
  EXPECT_EQ(reason_of("DMO_TOKEN=" + token + "\n"), "");
  EXPECT_EQ(reason_of("https://api.example.net/v1/keys/" + token + "/rotate\n"), "");
  // Long names around it, but no '+' or '/' next to it.
  EXPECT_EQ(reason_of("abcdefghijklmnopqrstuvwxyz " + token + " abcdefghijklmnopqrstuvwxyz\n"), "");
  // Too little blob after it.
  EXPECT_EQ(reason_of("Zm9vYmFyYmF6cXV4cXV1eA+" + token + "/aGVs\n"), "");
}

}  // namespace
}  // namespace sluice::engine
