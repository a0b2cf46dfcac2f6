#include "engine/rule_codec.hpp"

#include <gtest/gtest.h>

#include "engine/builtin_database.hpp"

namespace sluice::engine {
namespace {

// A rule with every field set away from its default.
Rule every_field(int k) {
  Rule rule;
  rule.id = "rule_" + std::to_string(k);
  rule.description = "a description";
  rule.regex = R"(\bkey_([a-z0-9]{32})\b)";
  rule.secret_group = 1;
  rule.entropy = 3.25;
  rule.keywords = {"key_", "KEY_"};
  rule.path = R"(\.env$)";
  rule.tags = {"tag"};
  Allowlist list;
  list.description = "tests";
  list.regexes = {"^key_0+$"};
  list.regex_target = Allowlist::Target::kLine;
  list.stopwords = {"example"};
  list.paths = {"^test/"};
  list.condition = Allowlist::Condition::kAnd;
  rule.allowlists = {list, Allowlist{}};
  rule.name = "Key";
  rule.vendor = "Vendor";
  rule.family = "family";
  rule.severity = Severity::kCritical;
  rule.security = {"impact"};
  rule.mitigation = {"revoke", "rotate"};
  rule.references = {"https://example.com/docs"};
  rule.examples = {RuleExample{"key = key_abc", "key_abc"}, RuleExample{"", ""}};
  rule.negative_examples = {"key = none", ""};
  rule.placeholder_filter = false;
  rule.prefilter = true;
  rule.fallback = true;
  rule.overrides = {"other"};
  rule.enabled = false;
  rule.checksum = "github-crc32";
  rule.confidence = Confidence::kLow;
  rule.no_anchor = "the format has no literal";
  rule.decode = "base64";
  rule.each_secret = true;
  if (k % 2 == 1) {
    ValidationSpec& spec = rule.validation.emplace();
    spec.url = "https://{region}.example.com/me?k={key}";
    spec.regions = {"us", "eu" + std::to_string(k)};
    spec.method = "POST";
    spec.headers = {"Authorization: Bearer {secret}", "X: y"};
    spec.user = "u";
    spec.password = "{secret}";
    spec.aws_sigv4 = "aws:amz:us-east-1:sts";
    spec.pair = "other";
    spec.body = "{}";
    spec.valid = {200, 204};
    spec.invalid = {401};
    spec.valid_body = "ok";
    spec.invalid_body = {"no", "bad"};
  }
  rule.origin = "test.toml";
  return rule;
}

TEST(RuleCodec, EveryFieldRoundTripsInAnyNumberOfParts) {
  RuleSet set;
  for (int k = 0; k < 7; ++k) set.rules.push_back(every_field(k));
  set.rules.push_back(Rule{});  // every field at its default
  set.rules[3].confidence = std::nullopt;
  set.rules[4].entropy = 0;
  Allowlist global;
  global.regexes = {"x"};
  set.global_allowlists = {global};
  set.extends_default = true;
  for (std::size_t per_part : {1u, 3u, 8u, 100u}) {
    const RuleSet back = decode_rules(encode_rules(set, per_part));
    EXPECT_EQ(back.rules, set.rules) << per_part;
    EXPECT_EQ(back.global_allowlists, set.global_allowlists) << per_part;
    EXPECT_TRUE(back.extends_default) << per_part;
  }
  EXPECT_TRUE(decode_rules(encode_rules(RuleSet{})).rules.empty());
}

TEST(RuleCodec, DamagedBytesAreRefused) {
  RuleSet set;
  set.rules = {every_field(1), every_field(2)};
  const std::string bytes = encode_rules(set, 1);
  EXPECT_THROW((void)decode_rules(bytes.substr(0, bytes.size() - 1)), RuleError);
  EXPECT_THROW((void)decode_rules(bytes.substr(0, 3)), RuleError);
  std::string flipped = bytes;
  flipped[5] = '\x03';  // inside the first part's array header
  EXPECT_THROW((void)decode_rules(flipped), RuleError);
  EXPECT_THROW((void)decode_rules(std::string(4, '\0') + "x"), RuleError);
}

TEST(BuiltinCatalog, TheEncodedFormIsTheParsedToml) {
  // The build encoded this very catalog: a scan decodes it rather than parsing the TOML.
  EXPECT_EQ(builtin_encoded_rules().key, builtin_rules_key());
  const RuleSet parsed = builtin_rules();
  const RuleSet decoded = builtin_catalog();
  ASSERT_EQ(decoded.rules.size(), parsed.rules.size());
  EXPECT_EQ(decoded.rules, parsed.rules);
  EXPECT_EQ(decoded.global_allowlists, parsed.global_allowlists);
  EXPECT_EQ(decoded.extends_default, parsed.extends_default);
  EXPECT_EQ(decode_rules(encode_rules(parsed)).rules, parsed.rules);
}

}  // namespace
}  // namespace sluice::engine
