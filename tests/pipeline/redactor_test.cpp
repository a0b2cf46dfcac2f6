#include "pipeline/redactor.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <random>

#include "engine/builtin_rules.hpp"
#include "tests/engine/test_keys.hpp"

namespace sluice::pipeline {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

std::shared_ptr<const engine::CompiledRules> builtin() {
  static const auto rules = engine::CompiledRules::compile(engine::builtin_rules());
  return rules;
}

TEST(Redactor, MasksWhatARuleMatchesInAnyText) {
  std::mt19937_64 rng(91);
  const std::string key = testing::personal_key(rng, 1);
  const Redactor redactor(builtin());
  const std::string masked = redactor.mask("/srv/app/" + key + ".env: Permission denied");
  EXPECT_THAT(masked, Not(HasSubstr(key)));
  EXPECT_THAT(masked, HasSubstr("/srv/app/phx_…[REDACTED].env: Permission denied"));
  EXPECT_EQ(redactor.mask("nothing secret here"), "nothing secret here");
}

TEST(Redactor, MasksFoundSecretsEvenWhereNoRuleWouldMatchThem) {
  std::mt19937_64 rng(92);
  const std::string key = testing::personal_key(rng, 1);
  Redactor redactor(builtin());
  Finding finding;
  finding.secret = key;
  redactor.add_found({finding});
  // Glued to word characters on both sides: the rule's \b would not match here.
  const std::string masked = redactor.mask("commit: add x" + key + "y and more");
  EXPECT_THAT(masked, Not(HasSubstr(key)));
  EXPECT_THAT(masked, HasSubstr("and more"));
}

// A key glued to a word by a separator ("notes_phx_…", "ref-AKIA…") defeats a rule's leading
// \b: the suffixes after separators are matched too, so the key is masked though the scan did
// not find it anywhere else.
TEST(Redactor, MasksRuleMatchesGluedAfterASeparator) {
  std::mt19937_64 rng(93);
  const std::string key = testing::personal_key(rng, 1);
  const Redactor redactor(builtin());
  for (const std::string glue : {"_", "-", ".", "="}) {
    const std::string masked = redactor.mask("refs/heads/m" + glue + key + " -> 0123abcd");
    EXPECT_THAT(masked, Not(HasSubstr(key))) << glue;
    EXPECT_THAT(masked, HasSubstr("refs/heads/m" + glue + "phx_")) << glue;
  }
  EXPECT_EQ(redactor.mask("a_b-c.d=e+f"), "a_b-c.d=e+f");
}

TEST(Redactor, AppliesToEveryFreeTextFieldOfLocationsAndIssues) {
  std::mt19937_64 rng(93);
  const std::string key = testing::personal_key(rng, 2);
  Redactor redactor(builtin());
  Finding finding;
  finding.secret = key;
  Location at;
  at.path = "a.zip!" + key + ".txt";
  at.chain = {"a.zip", key + ".txt"};
  at.git = GitRef{"repo-" + key, "c0ffee", "Dev <" + key + "@example.invalid>", "2026-01-01", "add " + key, "b", false};
  at.image = ImageRef{"img:" + key, "sha256:1", ""};
  finding.locations.push_back(at);
  std::vector<Finding> findings{finding};
  std::vector<InputIssue> issues{InputIssue{"dir/" + key, "cannot read " + key}};
  redactor.add_found(findings);
  redactor.apply(findings, issues);
  const Location& out = findings[0].locations[0];
  for (const std::string& text : {out.path, out.chain[1], out.git->repository, out.git->author, out.git->summary,
                                  out.image->image, issues[0].path, issues[0].reason}) {
    EXPECT_THAT(text, Not(HasSubstr(key)));
    EXPECT_THAT(text, HasSubstr("[REDACTED]"));
  }
  EXPECT_EQ(findings[0].secret, key) << "the secret itself is masked by the sinks, which also print its fingerprint";
}

}  // namespace
}  // namespace sluice::pipeline
