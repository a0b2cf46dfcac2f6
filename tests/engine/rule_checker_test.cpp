#include "engine/rule_checker.hpp"

#include "engine/compiled_rules.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace sluice::engine {
namespace {

using ::testing::HasSubstr;

std::vector<std::string> messages(const std::vector<RuleProblem>& problems) {
  std::vector<std::string> out;
  for (const RuleProblem& p : problems) out.push_back(p.rule_id + ": " + p.message);
  return out;
}

TEST(RuleChecker, BuiltinCatalogPassesWithCompleteCards) {
  const std::vector<RuleProblem> problems = check_rules(builtin_rules(), CheckOptions{true});
  EXPECT_TRUE(problems.empty()) << ::testing::PrintToString(messages(problems));
}

TEST(RuleChecker, ReportsEachKindOfProblem) {
  const RuleSet set = parse_rules(R"(
[[rules]]
id = "wrong_secret"
regex = '''\b(tok_[a-z0-9]{8})\b'''
negative_examples = ["tok_q1w2e3r4"]
[[rules.examples]]
text = "tok_z9y8x7w6"
secret = "tok_a1b2c3d4"
[[rules.examples]]
text = "nothing here"
secret = "tok_a1b2c3d4"

[[rules]]
id = "two_groups"
regex = '''(a+)(b+)'''

[[rules]]
id = "no_hyperscan"
regex = '''(?P<x>q)\pN'''
)",
                                  "bad.toml");
  const std::vector<std::string> found = messages(check_rules(set, CheckOptions{true}));
  const std::string all = ::testing::PrintToString(found);
  EXPECT_THAT(all, HasSubstr("wrong_secret: example 1 yields a different secret"));
  EXPECT_THAT(all, HasSubstr("wrong_secret: example 2 does not match"));
  EXPECT_THAT(all, HasSubstr("wrong_secret: negative example 1 matches"));
  EXPECT_THAT(all, HasSubstr("wrong_secret: card field 'vendor' is missing"));
  EXPECT_THAT(all, HasSubstr("two_groups: regex has 2 capture groups"));
}

}  // namespace
}  // namespace sluice::engine

namespace sluice::engine {
namespace {

// A vendor rule and a generic one that both report the same token.
constexpr const char* kOverlapping = R"(
[[rules]]
id = "vendor_token"
regex = '''\b(vnd_[a-z0-9]{12})\b'''
[[rules.examples]]
text = "api_key = vnd_q8w7e6r5t4y3"
secret = "vnd_q8w7e6r5t4y3"

[[rules]]
id = "generic_api_key"
regex = '''api_key\s*=\s*([a-z0-9_]{12,40})'''
%s
[[rules.examples]]
text = "api_key = x9c8v7b6n5m4"
secret = "x9c8v7b6n5m4"
)";

std::string with(const char* extra) {
  // Built from the two halves around "%s" (GCC 12 warns, -Wrestrict, on string::replace here).
  const std::string_view whole(kOverlapping);
  const std::size_t at = whole.find("%s");
  std::string text(whole.substr(0, at));
  text.append(extra);
  text.append(whole.substr(at + 2));
  return text;
}

TEST(RuleChecker, OverlappingRulesMustSayWhichIsMoreSpecific) {
  const std::vector<RuleProblem> problems = check_rules(parse_rules(with(""), "overlap.toml"));
  ASSERT_EQ(problems.size(), 1u) << ::testing::PrintToString(messages(problems));
  EXPECT_EQ(problems[0].rule_id, "vendor_token");
  EXPECT_THAT(problems[0].message, HasSubstr("also reported by rule 'generic_api_key'"));
  // Either mark settles it.
  EXPECT_TRUE(check_rules(parse_rules(with("fallback = true"), "overlap.toml")).empty());
  std::string overrides = with("");
  overrides.insert(overrides.find("[[rules.examples]]"), "overrides = [\"generic_api_key\"]\n");
  EXPECT_TRUE(check_rules(parse_rules(overrides, "overlap.toml")).empty())
      << ::testing::PrintToString(messages(check_rules(parse_rules(overrides, "overlap.toml"))));
}

TEST(CompiledRulesPrecedence, FallbackAndOverridesDecideWhoYields) {
  std::string text = with("fallback = true");
  text += R"(
[[rules]]
id = "vendor_token_v2"
regex = '''\b(vnd_[a-z0-9]{12})\b'''
overrides = ["vendor_token"]
)";
  const auto rules = CompiledRules::compile(parse_rules(text, "precedence.toml"));
  EXPECT_TRUE(rules->yields(1, 0));  // generic yields to the vendor rule
  EXPECT_FALSE(rules->yields(0, 1));
  EXPECT_TRUE(rules->yields(0, 2));  // vendor_token_v2 overrides vendor_token
  EXPECT_FALSE(rules->yields(2, 0));
  EXPECT_FALSE(rules->yields(2, 2));
}

}  // namespace
}  // namespace sluice::engine

namespace sluice::engine {
namespace {

TEST(RuleChecker, PatternsMustNotStartWithAnUnboundedClass) {
  auto problems_of = [](const std::string& regex) {
    RuleSet set;
    Rule rule;
    rule.id = "r";
    rule.regex = regex;
    set.rules.push_back(rule);
    std::vector<std::string> out;
    for (const RuleProblem& p : check_rules(set)) {
      if (p.message.find("unbounded repeat") != std::string::npos) out.push_back(p.message);
    }
    return out.size();
  };
  EXPECT_EQ(problems_of(R"([a-z0-9]+_token=([a-z]{8}))"), 1u);
  EXPECT_EQ(problems_of(R"(\b(?:\w*secret)=([a-z]{8}))"), 1u);
  EXPECT_EQ(problems_of(R"((?i)(.{2,}key)=([a-z]{8}))"), 1u);
  EXPECT_EQ(problems_of(R"(\b([a-f0-9]{32})\b)"), 0u);  // bounded
  EXPECT_EQ(problems_of(R"(\b(tok_[a-z]+)\b)"), 0u);    // literal first
  EXPECT_EQ(problems_of(R"((?i:acme)[a-z_]{0,8}=([a-z]{8}))"), 0u);
}

// A built-in card needs a literal anchor of 3+ bytes in every match, or a note saying why its
// format has none; rule files of users are not held to it.
TEST(RuleChecker, ACardWithoutAnAnchorMustSayWhy) {
  auto anchor_problems = [](const std::string& regex, const std::string& note, bool card) {
    RuleSet set;
    Rule rule;
    rule.id = "r";
    rule.regex = regex;
    rule.no_anchor = note;
    set.rules.push_back(rule);
    std::size_t out = 0;
    for (const RuleProblem& p : check_rules(set, CheckOptions{card})) {
      if (p.message.find("no literal anchor") != std::string::npos) ++out;
    }
    return out;
  };
  EXPECT_EQ(anchor_problems(R"(\b(SK[0-9a-f]{32})\b)", "", true), 1u);
  EXPECT_EQ(anchor_problems(R"(\b(SK[0-9a-f]{32})\b)", "two letters only", true), 0u);
  EXPECT_EQ(anchor_problems(R"(\b(SK[0-9a-f]{32})\b)", "", false), 0u);
  EXPECT_EQ(anchor_problems(R"(\b(skey_[0-9a-f]{32})\b)", "", true), 0u);
}

}  // namespace
}  // namespace sluice::engine
