#include "engine/rule_loader.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace sluice::engine {
namespace {

using ::testing::HasSubstr;

TEST(RuleLoader, ParsesADetectorCard) {
  const RuleSet set = parse_rules(R"(
[[rules]]
id = "demo_token"
name = "Demo Token"
vendor = "Demo"
family = "API Key"
severity = "critical"
description = "A demo."
regex = '''\b(dmo_[a-z0-9]{10})\b'''
keywords = ["DMO_"]
security = ["a", "b"]
mitigation = ["revoke"]
references = ["https://example.invalid"]
negative_examples = ["dmo_short"]
[[rules.examples]]
text = "k=dmo_a1b2c3d4e5"
secret = "dmo_a1b2c3d4e5"
)",
                                  "test.toml");
  ASSERT_EQ(set.rules.size(), 1u);
  const Rule& rule = set.rules[0];
  EXPECT_EQ(rule.id, "demo_token");
  EXPECT_EQ(rule.severity, Severity::kCritical);
  EXPECT_EQ(rule.keywords, std::vector<std::string>{"dmo_"});  // lower-cased like gitleaks
  ASSERT_EQ(rule.examples.size(), 1u);
  EXPECT_EQ(rule.examples[0].secret, "dmo_a1b2c3d4e5");
  EXPECT_EQ(rule.negative_examples.size(), 1u);
  EXPECT_TRUE(missing_card_fields(rule).empty());
  EXPECT_EQ(rule.origin, "test.toml");
}

TEST(RuleLoader, LoadsAGitleaksConfigUnchanged) {
  const RuleSet set = parse_rules(R"(
title = "team config"

[extend]
useDefault = true

[allowlist]
description = "global"
paths = ['''(^|/)vendor/''']

[[rules]]
id = "internal-api-token"
description = "Internal API token"
regex = '''(?i)internal[_-]?token\s*[:=]\s*['"]?([a-f0-9]{32})'''
secretGroup = 1
entropy = 3.2
keywords = ["internal"]
tags = ["internal", "token"]

  [[rules.allowlists]]
  description = "test values"
  regexTarget = "line"
  regexes = ['''fixture''']
  stopwords = ["deadbeef"]
  condition = "OR"

[[rules]]
id = "legacy-style"
regex = '''legacy_[0-9]{8}'''
path = '''\.cfg$'''
  [rules.allowlist]
  paths = ['''test/''']
)",
                                  ".gitleaks.toml");
  EXPECT_TRUE(set.extends_default);
  ASSERT_EQ(set.global_allowlists.size(), 1u);
  EXPECT_EQ(set.global_allowlists[0].paths.size(), 1u);
  ASSERT_EQ(set.rules.size(), 2u);
  const Rule& rule = set.rules[0];
  EXPECT_EQ(rule.secret_group, 1);
  EXPECT_DOUBLE_EQ(rule.entropy, 3.2);
  EXPECT_EQ(rule.family, "Custom");  // card fields default sensibly
  EXPECT_EQ(rule.name, "internal-api-token");
  ASSERT_EQ(rule.allowlists.size(), 1u);
  EXPECT_EQ(rule.allowlists[0].regex_target, Allowlist::Target::kLine);
  EXPECT_EQ(rule.allowlists[0].stopwords, std::vector<std::string>{"deadbeef"});
  EXPECT_EQ(set.rules[1].path, "\\.cfg$");
  EXPECT_EQ(set.rules[1].allowlists.size(), 1u);
}

TEST(RuleLoader, ErrorsNameTheFileAndRule) {
  try {
    (void)parse_rules("[[rules]]\nid = \"x\"\nregex = 'a'\nseverity = \"urgent\"\n", "mine.toml");
    FAIL() << "expected a RuleError";
  } catch (const RuleError& error) {
    EXPECT_THAT(error.what(), HasSubstr("mine.toml"));
    EXPECT_THAT(error.what(), HasSubstr("'x'"));
    EXPECT_THAT(error.what(), HasSubstr("urgent"));
  }
  EXPECT_THROW((void)parse_rules("[[rules]]\nregex = 'a'\n", "f.toml"), RuleError);  // no id
  EXPECT_THROW((void)parse_rules("[[rules]]\nid = 'a'\n", "f.toml"), RuleError);     // no regex
  EXPECT_THROW((void)parse_rules("[[rules]\nid = 'a'\n", "f.toml"), RuleError);      // bad TOML
  EXPECT_THROW((void)parse_rules("[[rules]]\nid='a'\nregex='b'\n[[rules]]\nid='a'\nregex='c'\n", "f.toml"),
               RuleError);  // duplicate id
  EXPECT_THROW((void)load_rule_file("/nonexistent/rules.toml"), RuleError);
}

TEST(RuleLoader, BuiltinCatalogHasThePosthogFamily) {
  const RuleSet set = builtin_rules();
  std::vector<std::string> ids;
  for (const Rule& rule : set.rules) ids.push_back(rule.id);
  EXPECT_THAT(
      ids, ::testing::IsSupersetOf({"posthog_personal_key", "posthog_project_key", "posthog_feature_flags_secure_key",
                                    "posthog_oauth_access_token", "posthog_oauth_refresh_token"}));
  for (const Rule& rule : set.rules) {
    EXPECT_THAT(rule.origin, HasSubstr("builtin:"));
  }
}

}  // namespace
}  // namespace sluice::engine

namespace sluice::engine {
namespace {

constexpr const char* kValidatingRule = R"(
[[rules]]
id = "demo_token"
regex = '''\b(dmo_[a-z0-9]{10})\b'''
[rules.validation]
url = "https://api.{region}.demo.example/v1/me?fields=id"
regions = ["us", "eu"]
headers = ["Authorization: Bearer {secret}"]
valid = [200]
invalid = [401, 403]
valid_body = '"id":'
)";

TEST(RuleLoader, ParsesAValidationSpec) {
  const RuleSet set = parse_rules(kValidatingRule, "test.toml");
  ASSERT_EQ(set.rules.size(), 1u);
  ASSERT_TRUE(set.rules[0].validation.has_value());
  const ValidationSpec& spec = *set.rules[0].validation;
  EXPECT_EQ(spec.url, "https://api.{region}.demo.example/v1/me?fields=id");
  EXPECT_EQ(spec.regions, (std::vector<std::string>{"us", "eu"}));
  EXPECT_EQ(spec.method, "GET");
  EXPECT_EQ(spec.valid, (std::vector<int>{200}));
  EXPECT_EQ(spec.invalid, (std::vector<int>{401, 403}));
  EXPECT_EQ(spec.valid_body, "\"id\":");
}

// The request may only go to the host the card spells out: each way of varying it is refused.
TEST(RuleLoader, RefusesAValidationThatCouldGoElsewhere) {
  const std::string base = kValidatingRule;
  const std::vector<std::pair<std::string, std::string>> edits = {
      {"https://api.{region}", "http://api.{region}"},                 // not TLS
      {"api.{region}.demo.example", "api.{secret}.demo.example"},      // the secret picks the host
      {"api.{region}.demo.example", "{key}.demo.example"},             // so would the pair
      {"api.{region}.demo.example", "api.demo.example@{region}.x.y"},  // userinfo trick
      {"regions = [\"us\", \"eu\"]", "regions = [\"us/../x\"]"},       // a region that is not a label
      {"regions = [\"us\", \"eu\"]\n", ""},                            // {region} with no regions
      {"valid = [200]", "valid = [200]\nmethod = \"DELETE\""},         // a method with side effects
      {"valid = [200]", "valid = [200]\nbody = \"x\""},                // a body on a GET
      {"valid = [200]", "valid = [200]\nfollow = true"},               // an unknown key
      {"valid = [200]", "valid = [99]"},                               // not an HTTP status
      {"invalid = [401, 403]", "invalid = [200]"},                     // both valid and invalid
      {"Bearer {secret}", "Bearer {token}"},                           // an unknown placeholder
      {"Bearer {secret}", "Bearer x\\r\\nHost: evil"},                 // a second header line
      {"api.{region}.demo.example", "169.254.{region}.254"},           // an address, not a name
      {"api.{region}.demo.example", "api.{region}.localhost"},         // a local name
      {"fields=id", "fields=id#{secret}"},                             // a fragment is never sent
      {"fields=id", "fields= id"},                                     // a blank
      {"{secret}\"]", "{secret}\", \"Host: evil.example\"]"},          // a header libcurl sets
      {"{secret}\"]", "{secret}\", \"Proxy-Authorization: x\"]"},
  };
  for (const auto& [from, to] : edits) {
    std::string text = base;
    const std::size_t at = text.find(from);
    ASSERT_NE(at, std::string::npos) << from;
    text.replace(at, from.size(), to);
    EXPECT_THROW((void)parse_rules(text, "test.toml"), RuleError) << to;
  }
}

}  // namespace
}  // namespace sluice::engine
