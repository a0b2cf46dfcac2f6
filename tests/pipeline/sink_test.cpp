// Each sink on hand-made findings: the contract of sink.hpp (begin, accept in report order,
// finish), what each format holds (every location, archive chain, image, git), and --redact
// masking the secret in every format while the fingerprint stays.

#include "pipeline/sink.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <sstream>

#include "../engine/test_keys.hpp"
#include "../engine/test_rules.hpp"
#include "engine/rule_loader.hpp"
#include "pipeline/sarif_sink.hpp"

namespace sluice::pipeline {
namespace {

using nlohmann::json;
using ::testing::HasSubstr;
using ::testing::Not;

std::shared_ptr<const engine::CompiledRules> two_rules() {
  static const auto rules = sluice::testing::builtin_subset({"posthog_personal_key", "posthog_project_key"});
  return rules;
}

std::uint32_t rule_index(const std::string& id) {
  const auto& rules = two_rules()->rules();
  for (std::uint32_t k = 0; k < rules.size(); ++k) {
    if (rules[k].id == id) return k;
  }
  throw std::runtime_error("no rule " + id);
}

struct Sinks : ::testing::Test {
  std::mt19937_64 rng{77};
  std::string personal = sluice::testing::personal_key(rng, 1);
  std::string project = "phc_" + std::string(43, 'Q');
  std::vector<Finding> findings;
  std::vector<InputIssue> issues{InputIssue{"broken.tar.gz", "truncated gzip input"}};

  Sinks() {
    Finding a;
    a.rule = rule_index("posthog_personal_key");
    a.secret = personal;
    a.fingerprint = fingerprint("posthog_personal_key", personal);
    Location plain{"app/.env", {"app/.env"}, 12, 1, 13};
    Location member{"dist.tar.gz!etc/app.env", {"dist.tar.gz", "etc/app.env"}, 30, 2, 5};
    member.image = ImageRef{"registry.example/app:1", "sha256:" + std::string(64, 'a'), ""};
    Location history{"config/settings.py", {"config/settings.py"}, 40, 3, 27};
    history.git = GitRef{"repo",
                         std::string(40, 'c'),
                         "Dev <dev@example.invalid>",
                         "2026-01-02T03:04:05Z",
                         "Add settings",
                         std::string(40, 'b'),
                         false};
    a.locations = {plain, member, history};
    Finding b;
    b.rule = rule_index("posthog_project_key");
    b.secret = project;
    b.fingerprint = fingerprint("posthog_project_key", project);
    b.locations = {Location{"web/index.html", {"web/index.html"}, 100, 7, 3}};
    b.confidence = engine::Confidence::kMedium;
    findings = {a, b};
    sort_for_report(findings, *two_rules());
  }

  std::string render(const std::string& format, bool redact) {
    SinkOptions options{redact};
    options.issues = &issues;
    std::ostringstream out;
    std::unique_ptr<Sink> sink =
        format == "sarif" ? make_sarif_sink(out, *two_rules(), options, SarifOptions{{"."}, &issues})
        : format == "text"
            ? make_sink(OutputFormat::kText, out, *two_rules(), options)
            : make_sink(format == "json" ? OutputFormat::kJson : OutputFormat::kJsonl, out, *two_rules(), options);
    sink->begin();
    for (const Finding& finding : findings) sink->accept(finding);
    ScanStats stats;
    stats.files = 4;
    stats.errors = 1;
    sink->finish(stats);
    return out.str();
  }
};

TEST_F(Sinks, JsonHoldsEveryLocationWithItsChainImageAndCommitInReportOrder) {
  const json document = json::parse(render("json", false));
  ASSERT_EQ(document["findings"].size(), 2u);
  std::vector<std::string> order;
  for (const json& finding : document["findings"]) order.push_back(finding["rule_id"]);
  std::vector<std::string> expected;
  for (const Finding& finding : findings) expected.push_back(two_rules()->rules()[finding.rule].id);
  EXPECT_EQ(order, expected);
  const json* personal_finding = nullptr;
  for (const json& finding : document["findings"]) {
    if (finding["rule_id"] == "posthog_personal_key") personal_finding = &finding;
  }
  ASSERT_NE(personal_finding, nullptr);
  const json& locations = (*personal_finding)["locations"];
  ASSERT_EQ(locations.size(), 3u);
  EXPECT_EQ((*personal_finding)["secret"], personal);
  EXPECT_EQ((*personal_finding)["redacted"], false);
  bool chain = false, image = false, git = false;
  for (const json& at : locations) {
    chain = chain || at.value("archive_chain", json()) == json::array({"dist.tar.gz", "etc/app.env"});
    image = image || (at.contains("image") && at["image"]["name"] == "registry.example/app:1");
    git = git || at.value("summary", json()) == "Add settings";  // the commit fields sit in the location
  }
  EXPECT_TRUE(chain && image && git) << locations.dump(2);
  EXPECT_EQ(document["summary"]["errors"], 1);
}

TEST_F(Sinks, JsonlIsOneFindingPerLineThenTheSummary) {
  std::istringstream lines(render("jsonl", false));
  std::vector<json> parsed;
  for (std::string line; std::getline(lines, line);) parsed.push_back(json::parse(line));
  ASSERT_EQ(parsed.size(), 3u);
  EXPECT_TRUE(parsed[0].contains("rule_id"));
  EXPECT_TRUE(parsed[1].contains("rule_id"));
  EXPECT_TRUE(parsed[2].contains("summary"));
}

TEST_F(Sinks, SarifHasOneResultPerLocationAndTheIssueAsANotification) {
  const json document = json::parse(render("sarif", false));
  const json& run = document["runs"][0];
  EXPECT_EQ(run["results"].size(), 4u);  // 3 locations + 1
  EXPECT_EQ(run["tool"]["driver"]["rules"].size(), 2u);
  EXPECT_THAT(run.dump(), HasSubstr("truncated gzip input"));
}

TEST_F(Sinks, TextNamesEveryLocation) {
  const std::string text = render("text", false);
  for (const char* path : {"app/.env:1:13", "dist.tar.gz!etc/app.env:2:5", "web/index.html:7:3"}) {
    EXPECT_THAT(text, HasSubstr(path));
  }
  EXPECT_THAT(text, HasSubstr(personal));
}

// --redact: no format prints the secret; the fingerprint (what baselines match) is kept.
TEST_F(Sinks, RedactMasksTheSecretInEveryFormatAndKeepsTheFingerprint) {
  for (const char* format : {"text", "json", "jsonl", "sarif"}) {
    const std::string report = render(format, true);
    EXPECT_THAT(report, Not(HasSubstr(personal))) << format;
    EXPECT_THAT(report, Not(HasSubstr(project))) << format;
    EXPECT_THAT(report, HasSubstr(findings[0].fingerprint)) << format;
  }
}

}  // namespace
}  // namespace sluice::pipeline
