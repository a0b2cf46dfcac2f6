// End-to-end: every finding carries a confidence in every format; --min-confidence (default
// medium) decides what is reported; a placeholder is a low-confidence finding with its
// reason, not silence; confidence is no part of a finding's identity (issue 16).

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

#include "support.hpp"

namespace sluice::e2e {
namespace {

using nlohmann::json;
using ::testing::HasSubstr;

struct Tree {
  TempDir dir;
  std::string key;          // a PostHog personal key: a prefix rule, high
  std::string datadog;      // a Datadog API key by its name: a context rule, medium
  std::string placeholder;  // a PostHog key made of x: low (placeholder)
  Tree() {
    KeyGen gen(1601);
    key = gen.personal_key();
    const char* hex = "0123456789abcdef";
    for (int i = 0; i < 32; ++i) datadog.push_back(hex[gen.below(16)]);
    placeholder = "phx_" + std::string(43, 'x');
    dir.write("tree/app.env", "POSTHOG_KEY=" + key + "\nDD_API_KEY=" + datadog + "\nSAMPLE_KEY=" + placeholder + "\n");
  }
};

// secret -> (confidence, confidence_reason) of a JSON Lines report.
std::map<std::string, std::pair<std::string, std::string>> by_secret(const std::string& out) {
  std::map<std::string, std::pair<std::string, std::string>> found;
  for (const Finding& f : parse_jsonl(out)) {
    found[f.secret] = {f.raw.value("confidence", ""), f.raw.value("confidence_reason", "")};
  }
  return found;
}

TEST(Confidence, DefaultReportsHighAndMediumAndSaysWhich) {
  Tree t;
  const RunResult result = sluice({"scan", t.dir.path("tree"), "-f", "jsonl"});
  ASSERT_TRUE(exited_with(result, kFindings)) << describe(result);
  const auto found = by_secret(result.out);
  ASSERT_EQ(found.size(), 2u) << result.out;
  EXPECT_EQ(found.at(t.key).first, "high");
  EXPECT_EQ(found.at(t.datadog).first, "medium");
  EXPECT_EQ(found.count(t.placeholder), 0u);
  const json summary = jsonl_summary(result.out);
  EXPECT_EQ(summary["findings_by_confidence"], json({{"high", 1}, {"medium", 1}})) << summary.dump();
}

TEST(Confidence, MinConfidenceLowAddsThePlaceholderWithItsReasonInEveryFormat) {
  Tree t;
  const RunResult jsonl = sluice({"scan", t.dir.path("tree"), "-f", "jsonl", "--min-confidence", "low"});
  ASSERT_TRUE(exited_with(jsonl, kFindings)) << describe(jsonl);
  const auto found = by_secret(jsonl.out);
  ASSERT_EQ(found.size(), 3u) << jsonl.out;
  EXPECT_EQ(found.at(t.placeholder), std::make_pair(std::string("low"), std::string("placeholder")));
  EXPECT_EQ(found.at(t.key).second, "");

  const RunResult doc = sluice({"scan", t.dir.path("tree"), "-f", "json", "--min-confidence", "low"});
  ASSERT_TRUE(exited_with(doc, kFindings)) << describe(doc);
  int low = 0;
  const json document = json::parse(doc.out);
  for (const json& f : document["findings"]) {
    ASSERT_TRUE(f.contains("confidence")) << f.dump();
    if (f["confidence"] == "low") {
      ++low;
      EXPECT_EQ(f["confidence_reason"], "placeholder");
    }
  }
  EXPECT_EQ(low, 1);

  const RunResult sarif = sluice({"scan", t.dir.path("tree"), "-f", "sarif", "--min-confidence", "low"});
  ASSERT_TRUE(exited_with(sarif, kFindings)) << describe(sarif);
  low = 0;
  const json log = json::parse(sarif.out);
  for (const json& r : log["runs"][0]["results"]) {
    ASSERT_TRUE(r["properties"].contains("confidence")) << r.dump();
    if (r["properties"]["confidence"] == "low") {
      ++low;
      EXPECT_EQ(r["properties"]["confidence_reason"], "placeholder");
    }
  }
  EXPECT_EQ(low, 1);

  const RunResult text = sluice({"scan", t.dir.path("tree"), "--min-confidence", "low"});
  ASSERT_TRUE(exited_with(text, kFindings)) << describe(text);
  EXPECT_THAT(text.out, HasSubstr("confidence:   low (placeholder)"));
  EXPECT_THAT(text.out, HasSubstr("confidence:   high\n"));
  EXPECT_THAT(text.out, HasSubstr("confidence:   medium\n"));
}

TEST(Confidence, MinConfidenceHighLeavesOnlyPrefixRules) {
  Tree t;
  const RunResult result = sluice({"scan", t.dir.path("tree"), "-f", "jsonl", "--min-confidence", "high"});
  ASSERT_TRUE(exited_with(result, kFindings)) << describe(result);
  const auto found = by_secret(result.out);
  ASSERT_EQ(found.size(), 1u) << result.out;
  EXPECT_EQ(found.count(t.key), 1u);

  const RunResult bad = sluice({"scan", t.dir.path("tree"), "--min-confidence", "sure"});
  EXPECT_TRUE(exited_with(bad, kFatal)) << describe(bad);
}

TEST(Confidence, IsNotPartOfIdentityForBaselines) {
  Tree t;
  // A baseline written with everything (low included) silences the default run entirely: the
  // same fingerprints, whatever the confidence.
  const std::string baseline = t.dir.path("baseline.json");
  const RunResult first = sluice({"scan", t.dir.path("tree"), "-f", "json", "-o", baseline, "--min-confidence", "low"});
  ASSERT_TRUE(exited_with(first, kFindings)) << describe(first);
  const RunResult again = sluice({"scan", t.dir.path("tree"), "-f", "jsonl", "--baseline", baseline});
  EXPECT_TRUE(exited_with(again, kClean)) << describe(again, true);
  EXPECT_TRUE(parse_jsonl(again.out).empty());
  // A baseline of the default run does not hold the placeholder: at low it is new.
  const std::string normal = t.dir.path("normal.json");
  ASSERT_TRUE(exited_with(sluice({"scan", t.dir.path("tree"), "-f", "json", "-o", normal}), kFindings));
  const RunResult wider =
      sluice({"scan", t.dir.path("tree"), "-f", "jsonl", "--baseline", normal, "--min-confidence", "low"});
  ASSERT_TRUE(exited_with(wider, kFindings)) << describe(wider);
  const auto found = by_secret(wider.out);
  ASSERT_EQ(found.size(), 1u) << wider.out;
  EXPECT_EQ(found.count(t.placeholder), 1u);
}

}  // namespace
}  // namespace sluice::e2e

namespace sluice::e2e {
namespace {

// A key seen only in test code, test data or documentation below the scan root is a finding at
// low confidence (reason "test-or-docs-path"), in plain files and in archive members; seen in the
// application as well, it keeps its confidence; pointed at directly, a test folder is reported
// (issue 17, item 5).
TEST(Confidence, TestAndDocsPathsAreLowConfidenceBelowTheRootOnly) {
  TempDir dir;
  KeyGen gen(1717);
  const std::string app = gen.personal_key();
  const std::string fixture = gen.personal_key();
  const std::string doc = gen.personal_key();
  const std::string member = gen.personal_key();
  const std::string shared = gen.personal_key();
  // The root itself sits in a folder named "tests": that must not matter.
  dir.write("tests/root/app/.env", "POSTHOG_KEY=" + app + "\nOTHER=" + shared + "\n");
  dir.write("tests/root/app/tests/fixtures/.env", "POSTHOG_KEY=" + fixture + "\nOTHER=" + shared + "\n");
  dir.write("tests/root/docs/setup.md", "export POSTHOG_KEY=" + doc + "\n");
  dir.write("tests/root/app/client_test.go", "const key = \"" + doc + "\"\n");
  dir.write("tests/root/app/bundle.tar.gz",
            make_archive("pax", {"gzip"}, {Member{"pkg/testdata/config.env", "KEY=" + member + "\n"}}));
  const std::string root = dir.path("tests/root");

  const RunResult plain = sluice({"scan", root, "-f", "jsonl"});
  ASSERT_TRUE(exited_with(plain, kFindings)) << describe(plain);
  auto found = by_secret(plain.out);
  ASSERT_EQ(found.size(), 2u) << plain.out;
  EXPECT_EQ(found.at(app).first, "high");
  EXPECT_EQ(found.at(shared).first, "high");  // also in the application
  // What is hidden is counted, in the report and on stderr.
  EXPECT_EQ(jsonl_summary(plain.out)["hidden_in_tests_or_docs"], 3) << plain.out;
  EXPECT_THAT(plain.err, HasSubstr("3 more findings only in test code, test data or docs, not shown"));

  const RunResult low = sluice({"scan", root, "-f", "jsonl", "--min-confidence", "low"});
  ASSERT_TRUE(exited_with(low, kFindings)) << describe(low);
  found = by_secret(low.out);
  ASSERT_EQ(found.size(), 5u) << low.out;
  for (const std::string& secret : {fixture, doc, member}) {
    EXPECT_EQ(found.at(secret), std::make_pair(std::string("low"), std::string("test-or-docs-path"))) << secret;
  }

  // Scanning the test folder itself: what is in it is what was asked for.
  const RunResult direct = sluice({"scan", dir.path("tests/root/app/tests/fixtures"), "-f", "jsonl"});
  ASSERT_TRUE(exited_with(direct, kFindings)) << describe(direct);
  found = by_secret(direct.out);
  EXPECT_EQ(found.at(fixture).first, "high");
}

}  // namespace
}  // namespace sluice::e2e
