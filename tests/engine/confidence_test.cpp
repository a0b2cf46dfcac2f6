// Confidence (issue 16): every match carries one; a failed checksum, a placeholder or a
// low-entropy value makes a low-confidence match instead of no match; the default minimum
// (medium) drops those, so the default report is unchanged.

#include <gtest/gtest.h>

#include <random>

#include "engine/confirmer.hpp"
#include "engine/rule_loader.hpp"
#include "engine/stream_scanner.hpp"
#include "test_keys.hpp"

namespace sluice::engine {
namespace {

Rule rule_with(const std::string& regex) { return Rule{.id = "test-rule", .regex = regex}; }

TEST(Confidence, NamesRoundTrip) {
  for (Confidence c : {Confidence::kLow, Confidence::kMedium, Confidence::kHigh}) {
    EXPECT_EQ(parse_confidence(to_string(c)), c);
  }
  EXPECT_FALSE(parse_confidence("certain").has_value());
  EXPECT_LT(Confidence::kLow, Confidence::kMedium);
  EXPECT_LT(Confidence::kMedium, Confidence::kHigh);
}

TEST(Confidence, PrefixRulesAreHighAndContextRulesMedium) {
  EXPECT_EQ(base_confidence(rule_with(R"(\b(phx_[A-Za-z0-9]{43})\b)")), Confidence::kHigh);
  EXPECT_EQ(base_confidence(rule_with(R"((?:^|[^A-Za-z0-9])(AKIA[A-Z0-9]{16})\b)")), Confidence::kHigh);
  EXPECT_EQ(base_confidence(rule_with(R"(\b((?:AKIA|ASIA)[A-Z0-9]{16})\b)")), Confidence::kHigh);
  EXPECT_EQ(base_confidence(rule_with(R"((?i)\b(xoxb-[0-9]{10,13}))")), Confidence::kHigh);
  EXPECT_EQ(base_confidence(rule_with(R"((https://hooks\.slack\.com/services/T[A-Z0-9]{8}))")), Confidence::kHigh);
  EXPECT_EQ(base_confidence(rule_with(R"(\bsk_live_[0-9a-zA-Z]{24}\b)")), Confidence::kHigh);  // no group

  EXPECT_EQ(base_confidence(rule_with(R"((?i:datadog)[_.-]?api[_.-]?key\s*[=:]\s*([a-f0-9]{32})\b)")),
            Confidence::kMedium);
  EXPECT_EQ(base_confidence(rule_with(R"(AccountKey=([A-Za-z0-9+/=]{88}))")), Confidence::kMedium);
  EXPECT_EQ(base_confidence(rule_with(R"(\bmachine\s+\S+\s+login\s+\S+\s+password\s+(\S+))")), Confidence::kMedium);
  EXPECT_EQ(base_confidence(rule_with(R"(\x41KIA([A-Z0-9]{16}))")), Confidence::kMedium);
  EXPECT_EQ(base_confidence(rule_with(R"(password=([^\s]{8,}))")), Confidence::kMedium);

  Rule checksum = rule_with(R"((?i:token)\s*=\s*(ghp_[A-Za-z0-9]{36}))");
  checksum.checksum = "github-crc32";
  EXPECT_EQ(base_confidence(checksum), Confidence::kHigh);
  Rule fallback = rule_with(R"(\b([A-Za-z0-9]{32})\b)");
  fallback.fallback = true;
  EXPECT_EQ(base_confidence(fallback), Confidence::kMedium);
  Rule set = rule_with(R"(\b(phx_[A-Za-z0-9]{43})\b)");
  set.confidence = Confidence::kLow;
  EXPECT_EQ(base_confidence(set), Confidence::kLow);
}

TEST(Confidence, CardFieldIsParsedAndCheckedByTheLoader) {
  RuleSet set = parse_rules(R"([[rules]]
id = "a"
regex = '''\b(phx_[A-Za-z0-9]{43})\b'''
confidence = "medium"
)",
                            "t.toml");
  ASSERT_EQ(set.rules.size(), 1u);
  EXPECT_EQ(set.rules[0].confidence, Confidence::kMedium);
  EXPECT_THROW((void)parse_rules("[[rules]]\nid = \"b\"\nregex = 'x'\nconfidence = \"sure\"\n", "t.toml"), RuleError);
}

TEST(Confidence, TheBuiltinCatalogHasBothClasses) {
  const RuleSet catalog = builtin_rules();
  auto of = [&](std::string_view id) {
    for (const Rule& rule : catalog.rules) {
      if (rule.id == id) return base_confidence(rule);
    }
    ADD_FAILURE() << "no rule " << id;
    return Confidence::kLow;
  };
  EXPECT_EQ(of("posthog_personal_key"), Confidence::kHigh);
  EXPECT_EQ(of("github_classic_pat"), Confidence::kHigh);
  EXPECT_EQ(of("aws_access_key_id"), Confidence::kHigh);
  EXPECT_EQ(of("datadog_api_key"), Confidence::kMedium);
  EXPECT_EQ(of("generic_password_assignment"), Confidence::kMedium);
}

// Scans `text` with the rules of `toml` at a minimum confidence.
std::vector<Match> scan(const std::string& toml, const std::string& text, Confidence min) {
  const auto rules = CompiledRules::compile(parse_rules(toml, "t.toml"));
  ScanContext context(rules);
  context.set_min_confidence(min);
  std::vector<Match> out;
  EXPECT_TRUE(scan_buffer(context, text, "t", out));
  return out;
}

TEST(Confidence, FilteredValuesAreLowMatchesWithTheirReason) {
  const std::string posthog = R"([[rules]]
id = "p"
regex = '''\b(phx_[A-Za-z0-9]{43})\b'''
entropy = 3.5
)";
  std::mt19937_64 rng(16);
  const std::string good = "phx_" + testing::random_body(rng, 43, testing::kBase62);
  const std::string placeholder = "phx_" + std::string(43, 'x');
  std::string flat = "phx_";  // two letters alternating: entropy 1 bit, no run, no marker
  for (int i = 0; i < 43; ++i) flat.push_back(i % 2 == 0 ? 'q' : 'Z');
  const std::string text = "a=" + good + "\nb=" + placeholder + "\nc=" + flat + "\n";

  const std::vector<Match> normal = scan(posthog, text, Confidence::kMedium);
  ASSERT_EQ(normal.size(), 1u);
  EXPECT_EQ(normal[0].secret, good);
  EXPECT_EQ(normal[0].confidence, Confidence::kHigh);
  EXPECT_TRUE(normal[0].confidence_reason.empty());

  const std::vector<Match> all = scan(posthog, text, Confidence::kLow);
  ASSERT_EQ(all.size(), 3u);
  EXPECT_EQ(all[1].secret, placeholder);
  EXPECT_EQ(all[1].confidence, Confidence::kLow);
  EXPECT_EQ(all[1].confidence_reason, "placeholder");
  EXPECT_EQ(all[2].secret, flat);
  EXPECT_EQ(all[2].confidence_reason, "low-entropy");

  EXPECT_TRUE(scan(posthog, "b=" + placeholder + "\n", Confidence::kMedium).empty());
  ASSERT_EQ(scan(posthog, text, Confidence::kHigh).size(), 1u);
}

TEST(Confidence, AFailedChecksumIsALowMatch) {
  const std::string github = R"([[rules]]
id = "g"
regex = '''\b(ghp_[A-Za-z0-9]{36})\b'''
checksum = "github-crc32"
)";
  std::mt19937_64 rng(17);
  const std::string token = "ghp_" + testing::random_body(rng, 36, testing::kBase62);  // CRC32 not computed
  EXPECT_TRUE(scan(github, "t=" + token + "\n", Confidence::kMedium).empty());
  const std::vector<Match> low = scan(github, "t=" + token + "\n", Confidence::kLow);
  ASSERT_EQ(low.size(), 1u);
  EXPECT_EQ(low[0].confidence_reason, "checksum");
}

TEST(Confidence, ContextRulesAreMediumAndDroppedAtHigh) {
  const std::string datadog = R"([[rules]]
id = "d"
regex = '''(?i:dd_api_key)\s*=\s*([a-f0-9]{32})\b'''
)";
  const std::string text = "DD_API_KEY=e2dc18e86eec2b4ce9ce4780b46b4c33\n";
  const std::vector<Match> found = scan(datadog, text, Confidence::kMedium);
  ASSERT_EQ(found.size(), 1u);
  EXPECT_EQ(found[0].confidence, Confidence::kMedium);
  EXPECT_TRUE(scan(datadog, text, Confidence::kHigh).empty());
}

}  // namespace
}  // namespace sluice::engine
