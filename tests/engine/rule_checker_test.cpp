#include "engine/rule_checker.hpp"

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
