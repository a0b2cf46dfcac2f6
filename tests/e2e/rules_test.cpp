// End-to-end: every built-in rule's examples and negative examples through the real binary,
// and the `sluice rules list|show|check` commands. Iterates whatever rules are built in.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <map>
#include <set>

#include "engine/rule_loader.hpp"
#include "support.hpp"

namespace sluice::e2e {
namespace {

using ::testing::HasSubstr;

const engine::RuleSet& builtin() {
  static const engine::RuleSet rules = engine::builtin_rules();
  return rules;
}

TEST(Rules, BuiltinCatalogIsNotEmpty) {
  std::set<std::string> ids;
  for (const engine::Rule& rule : builtin().rules) ids.insert(rule.id);
  EXPECT_EQ(ids.size(), builtin().rules.size()) << "rule ids must be unique";
  EXPECT_TRUE(ids.count("posthog_personal_key")) << "the PostHog rules are part of the catalog";
}

// One file per example and per negative example; a single scan of the whole tree.
TEST(Rules, EveryExampleIsFoundAndNoNegativeIsThroughTheBinary) {
  TempDir dir;
  struct Expectation {
    const engine::Rule* rule;
    std::string secret;  // empty for a negative example
    std::string path;
  };
  std::vector<Expectation> expectations;
  for (const engine::Rule& rule : builtin().rules) {
    if (rule.regex.empty()) continue;  // path-only rules have no text examples
    // Files are named "example" so that a rule with a path filter still applies (rules check
    // scans examples under that name too).
    for (std::size_t i = 0; i < rule.examples.size(); ++i) {
      const std::string relative = rule.id + "/positive_" + std::to_string(i + 1) + "/example";
      expectations.push_back({&rule, rule.examples[i].secret, dir.write(relative, rule.examples[i].text)});
    }
    for (std::size_t i = 0; i < rule.negative_examples.size(); ++i) {
      const std::string relative = rule.id + "/negative_" + std::to_string(i + 1) + "/example";
      expectations.push_back({&rule, "", dir.write(relative, rule.negative_examples[i])});
    }
  }
  ASSERT_FALSE(expectations.empty());

  // Rules that are off by default are turned on: their examples must work too.
  std::vector<std::string> args{"scan", dir.root().string(), "-f", "jsonl"};
  for (const engine::Rule& rule : builtin().rules) {
    if (!rule.enabled) args.insert(args.end(), {"--enable", rule.id});
  }
  const RunResult result = sluice(args);
  ASSERT_FALSE(result.timed_out) << describe(result);
  ASSERT_EQ(result.exit_code, 1) << "the examples hold findings\n" << describe(result);
  const std::vector<Finding> findings = parse_jsonl(result.out);

  // (rule id, path) -> secrets reported there.
  std::map<std::pair<std::string, std::string>, std::set<std::string>> reported;
  for (const Finding& finding : findings) {
    for (const Location& at : finding.locations) reported[{finding.rule_id, at.path}].insert(finding.secret);
  }
  std::vector<std::string> secrets;
  for (const Expectation& e : expectations) {
    const auto it = reported.find({e.rule->id, e.path});
    if (!e.secret.empty()) {
      secrets.push_back(e.secret);
      ASSERT_NE(it, reported.end()) << "rule " << e.rule->id << " (" << e.rule->origin
                                    << "): example not reported by the binary: " << e.path << "\n"
                                    << read_file(e.path);
      EXPECT_TRUE(it->second.count(e.secret))
          << "rule " << e.rule->id << ": example " << e.path << " reported with another secret than " << e.secret;
    } else {
      EXPECT_EQ(it, reported.end()) << "rule " << e.rule->id << " (" << e.rule->origin
                                    << "): negative example reported by the binary: " << e.path << "\n"
                                    << read_file(e.path);
    }
  }
  EXPECT_TRUE(no_secret_on_stderr(result, secrets));
}

TEST(Rules, CheckOfTheBuiltinCatalogPasses) {
  // Checking compiles every rule on its own (about 0.1 s a rule, more on a loaded machine): the
  // default 60 s watchdog is too short for a growing catalog.
  RunOptions slow;
  slow.timeout = std::chrono::seconds(600);
  const RunResult result = sluice({"rules", "check"}, slow);
  EXPECT_TRUE(exited_with(result, 0));
  EXPECT_THAT(result.out, HasSubstr("ok: " + std::to_string(builtin().rules.size()) + " rule"));
}

TEST(Rules, CheckOfARuleFileReportsProblems) {
  TempDir dir;
  const std::string posthog = copy_posthog_rules(dir);
  EXPECT_TRUE(exited_with(sluice({"rules", "check", posthog}), 0));
  const std::string bad = dir.write("bad.toml",
                                    "[[rules]]\nid = \"never_matches\"\nregex = '''\\b(zz_[0-9]{8})\\b'''\n"
                                    "[[rules.examples]]\ntext = 'token zz_1234'\nsecret = 'zz_1234'\n");
  const RunResult result = sluice({"rules", "check", bad});
  EXPECT_NE(result.exit_code, 0) << "an example that does not match is a problem\n" << describe(result);
  EXPECT_THAT(result.err, HasSubstr("never_matches"));
}

TEST(Rules, ListJsonHasEveryRuleWithItsCard) {
  const RunResult result = sluice({"rules", "list", "-f", "json"});
  ASSERT_TRUE(exited_with(result, 0));
  const nlohmann::json listed = nlohmann::json::parse(result.out, nullptr, false);
  ASSERT_TRUE(!listed.is_discarded() && listed.is_array()) << "rules list -f json is not a JSON array:\n" << result.out;
  std::map<std::string, nlohmann::json> by_id;
  for (const nlohmann::json& item : listed) by_id[item.value("id", "")] = item;
  EXPECT_EQ(listed.size(), builtin().rules.size());
  for (const engine::Rule& rule : builtin().rules) {
    const auto it = by_id.find(rule.id);
    ASSERT_NE(it, by_id.end()) << "rules list -f json lacks " << rule.id;
    const nlohmann::json& item = it->second;
    EXPECT_EQ(item.value("name", ""), rule.name) << rule.id;
    EXPECT_EQ(item.value("vendor", ""), rule.vendor) << rule.id;
    EXPECT_EQ(item.value("family", ""), rule.family) << rule.id;
    EXPECT_EQ(item.value("severity", ""), std::string(engine::to_string(rule.severity))) << rule.id;
    EXPECT_EQ(item.value("regex", ""), rule.regex) << rule.id;
    EXPECT_FALSE(rule.name.empty() || rule.vendor.empty()) << rule.id << ": built-in rules carry a name and vendor";
  }
}

TEST(Rules, ListTextNamesEveryRule) {
  const RunResult result = sluice({"rules", "list"});
  ASSERT_TRUE(exited_with(result, 0));
  for (const engine::Rule& rule : builtin().rules) EXPECT_THAT(result.out, HasSubstr(rule.id));
}

TEST(Rules, ListFiltersByVendorFamilyAndConfidence) {
  const RunResult datadog = sluice({"rules", "list", "-f", "json", "--vendor", "datadog"});
  ASSERT_TRUE(exited_with(datadog, 0)) << describe(datadog);
  const nlohmann::json rules = nlohmann::json::parse(datadog.out);
  std::size_t expected = 0;
  for (const engine::Rule& rule : builtin().rules) expected += rule.vendor == "Datadog" ? 1 : 0;
  ASSERT_GT(expected, 0u);
  EXPECT_EQ(rules.size(), expected);
  for (const nlohmann::json& rule : rules) {
    EXPECT_EQ(rule["vendor"], "Datadog");
    EXPECT_EQ(rule["confidence"], "medium") << rule["id"] << ": Datadog keys are found by their name";
  }

  const RunResult high = sluice({"rules", "list", "-f", "json", "--confidence", "high", "--family", "private key"});
  ASSERT_TRUE(exited_with(high, 0)) << describe(high);
  const nlohmann::json keys = nlohmann::json::parse(high.out);
  EXPECT_FALSE(keys.empty());
  for (const nlohmann::json& rule : keys) {
    EXPECT_EQ(rule["family"], "Private Key");
    EXPECT_EQ(rule["confidence"], "high");
  }
  EXPECT_TRUE(exited_with(sluice({"rules", "list", "--confidence", "certain"}), kFatal));
}

TEST(Rules, ListStatsCountsEveryRuleOncePerFamily) {
  const RunResult result = sluice({"rules", "list", "--stats", "-f", "json"});
  ASSERT_TRUE(exited_with(result, 0)) << describe(result);
  const nlohmann::json stats = nlohmann::json::parse(result.out);
  std::set<std::string> vendors;
  for (const engine::Rule& rule : builtin().rules) vendors.insert(rule.vendor);
  EXPECT_EQ(stats["total"]["rules"], builtin().rules.size());
  EXPECT_EQ(stats["total"]["vendors"], vendors.size());
  std::size_t sum = 0;
  for (const auto& [family, counts] : stats["families"].items()) {
    sum += counts["rules"].get<std::size_t>();
    EXPECT_EQ(counts["rules"], counts["high"].get<std::size_t>() + counts["medium"].get<std::size_t>() +
                                   counts["low"].get<std::size_t>())
        << family;
  }
  EXPECT_EQ(sum, builtin().rules.size());
  const RunResult text = sluice({"rules", "list", "--stats"});
  ASSERT_TRUE(exited_with(text, 0));
  EXPECT_THAT(text.out, HasSubstr("FAMILY"));
  EXPECT_THAT(text.out, HasSubstr("total"));
}

TEST(Rules, ShowPrintsTheDetectorCard) {
  const RunResult result = sluice({"rules", "show", "posthog_personal_key"});
  ASSERT_TRUE(exited_with(result, 0));
  EXPECT_THAT(result.out, HasSubstr("posthog_personal_key"));
  EXPECT_THAT(result.out, HasSubstr("severity:   high"));
  EXPECT_THAT(result.out, HasSubstr("confidence: high"));
  EXPECT_THAT(result.out, HasSubstr("PostHog"));
  const engine::Rule* rule = nullptr;
  for (const engine::Rule& r : builtin().rules) {
    if (r.id == "posthog_personal_key") rule = &r;
  }
  ASSERT_NE(rule, nullptr);
  ASSERT_FALSE(rule->mitigation.empty());
  for (const std::string& step : rule->mitigation) {
    EXPECT_THAT(result.out, HasSubstr(step)) << "rules show must print every mitigation step";
  }
}

TEST(Rules, ShowOfAnUnknownRuleExitsTwo) {
  const RunResult result = sluice({"rules", "show", "nope"});
  EXPECT_TRUE(exited_with(result, 2));
  EXPECT_THAT(result.err, HasSubstr("nope"));
}

TEST(Rules, EnableAndDisableSelectRulesByIdFamilyVendorOrTag) {
  TempDir dir;
  const std::string rules = dir.write("rules.toml", R"TOML(
[[rules]]
id = "acme_token"
vendor = "Acme"
family = "API Key"
regex = '''\b(acme_[a-z0-9]{16})\b'''

[[rules]]
id = "catchall_secret"
family = "Generic"
tags = ["generic"]
regex = '''secret\s*=\s*"([A-Za-z0-9]{20,40})"'''
fallback = true
enabled = false
)TOML");
  const std::string input =
      dir.write("in/app.env", "TOKEN=acme_q1w2e3r4t5y6u7i8\nsecret = \"Zx8Cv7Bn6Mq5Wl4Er3Ty2Ui\"\n");
  auto ids = [&](const std::vector<std::string>& extra) {
    std::vector<std::string> args{"scan", input, "-f", "jsonl", "--no-builtin-rules", "--rules", rules};
    args.insert(args.end(), extra.begin(), extra.end());
    const RunResult result = sluice(args);
    std::set<std::string> out;
    for (const Finding& finding : parse_jsonl(result.out)) out.insert(finding.rule_id);
    return out;
  };
  EXPECT_EQ(ids({}), (std::set<std::string>{"acme_token"}));  // the generic rule is off by default
  EXPECT_EQ(ids({"--enable", "generic"}), (std::set<std::string>{"acme_token", "catchall_secret"}));
  EXPECT_EQ(ids({"--enable", "Generic", "--disable", "acme"}), (std::set<std::string>{"catchall_secret"}));
  EXPECT_EQ(ids({"--disable", "api key", "--enable", "catchall_secret"}), (std::set<std::string>{"catchall_secret"}));
  // Each flag takes one value: a path after it is still a path to scan.
  const RunResult after =
      sluice({"scan", "--no-builtin-rules", "--rules", rules, "--enable", "generic", input, "-f", "jsonl"});
  EXPECT_EQ(parse_jsonl(after.out).size(), 2u) << describe(after, true);
  const RunResult unknown = sluice({"scan", input, "--no-builtin-rules", "--rules", rules, "--enable", "nope"});
  EXPECT_TRUE(exited_with(unknown, kFatal));
  EXPECT_THAT(unknown.err, HasSubstr("'nope' names no rule id, family, vendor or tag"));
}

}  // namespace
}  // namespace sluice::e2e

namespace sluice::e2e {
namespace {

// `rules profile` times each rule alone on a corpus: a rule whose regex ends in an open repeat
// reports a Hyperscan hit at every end position (many hits per match) and shows as such; one
// with a closing boundary has one hit per match (issue 16).
TEST(Rules, ProfileShowsHitsPerMatchOfEachRule) {
  TempDir dir;
  const std::string rules =
      dir.write("profile.toml",
                "[[rules]]\nid = \"open_tail\"\nregex = '''\\b(zq_[a-z]{10,200})'''\nkeywords = [\"zq_\"]\n"
                "[[rules]]\nid = \"closed_tail\"\nregex = '''\\b(zr_[a-z]{10,200})\\b'''\nkeywords = [\"zr_\"]\n"
                "[[rules]]\nid = \"never_hits\"\nregex = '''\\b(zs_[0-9]{12})\\b'''\nkeywords = [\"zs_\"]\n");
  const std::string tail(100, 'k');
  dir.write("corpus/a.txt", "token zq_" + tail + " and zr_" + tail + "\n");
  dir.write("corpus/sub/b.txt", "again zq_" + tail + " zr_" + tail + "\n");
  const RunResult result = sluice(
      {"rules", "profile", "--no-builtin-rules", "--rules", rules, "--corpus", dir.path("corpus"), "-f", "json"});
  ASSERT_TRUE(exited_with(result, 0)) << describe(result);
  const nlohmann::json profile = nlohmann::json::parse(result.out);
  EXPECT_EQ(profile["rules_profiled"], 3);
  EXPECT_EQ(profile["buffers"], 2);
  std::map<std::string, nlohmann::json> by_id;
  for (const nlohmann::json& rule : profile["rules"]) by_id[rule["id"]] = rule;
  ASSERT_EQ(by_id.size(), 3u) << result.out;
  EXPECT_EQ(by_id["open_tail"]["matches"], 2);
  EXPECT_GT(by_id["open_tail"]["hits"].get<int>(), 100);  // one per end position past 10 letters
  EXPECT_EQ(by_id["closed_tail"]["matches"], 2);
  EXPECT_EQ(by_id["closed_tail"]["hits"], 2);
  EXPECT_EQ(by_id["never_hits"]["hits"], 0);
  // Each rule's literal anchor, and how often it occurs in the corpus.
  EXPECT_EQ(by_id["open_tail"]["anchors"], nlohmann::json::array({"zq_"}));
  EXPECT_EQ(by_id["open_tail"]["anchor_hits"], 2);
  EXPECT_EQ(by_id["never_hits"]["anchor_hits"], 0);
  EXPECT_GE(profile["catalog"]["hits"].get<int>(), 4);

  const RunResult text = sluice(
      {"rules", "profile", "--no-builtin-rules", "--rules", rules, "--corpus", dir.path("corpus"), "--top", "2"});
  ASSERT_TRUE(exited_with(text, 0)) << describe(text);
  EXPECT_THAT(text.out, HasSubstr("3 rules over"));
  EXPECT_THAT(text.out, HasSubstr("hits/match"));
  EXPECT_THAT(text.out, HasSubstr("literal anchors (every match contains one; 3+ bytes): 3 of 3 rules"));

  const RunResult missing = sluice({"rules", "profile", "--corpus", dir.path("nowhere")});
  EXPECT_TRUE(exited_with(missing, 2)) << describe(missing);
  EXPECT_THAT(missing.err, HasSubstr("no such file or directory"));
}

}  // namespace
}  // namespace sluice::e2e
