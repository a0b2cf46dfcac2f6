#include "pipeline/finding_set.hpp"

#include <gtest/gtest.h>

namespace sluice::pipeline {
namespace {

FindingSet make_set() {
  return FindingSet([](std::uint32_t rule) { return "rule" + std::to_string(rule); });
}

PlacedMatch match(std::uint32_t rule, std::string secret, std::uint64_t offset) {
  return PlacedMatch{rule, std::move(secret), offset, 1, offset + 1};
}

using Chain = std::vector<std::string>;

std::vector<std::string> paths_of(const Finding& finding) {
  std::vector<std::string> paths;
  for (const Location& at : finding.locations) paths.push_back(at.path);
  return paths;
}

TEST(FindingSet, OneFindingPerRuleAndSecretWithEveryLocation) {
  FindingSet set = make_set();
  set.add({"a"}, {match(0, "s1", 5), match(0, "s1", 50), match(1, "s1", 5)});
  set.add({"b"}, {match(0, "s1", 7)});
  set.add({"a"}, {match(0, "s1", 5)});  // same place twice: one location
  std::vector<Finding> findings = set.take();
  ASSERT_EQ(findings.size(), 2u);
  EXPECT_EQ(findings[0].rule, 0u);
  EXPECT_EQ(findings[0].locations.size(), 3u);
  EXPECT_EQ(findings[0].locations[0].path, "a");
  EXPECT_EQ(findings[0].locations[0].chain, std::vector<std::string>{"a"});  // a plain file: one part
  EXPECT_EQ(findings[0].fingerprint, fingerprint("rule0", "s1"));
  EXPECT_NE(findings[0].fingerprint, findings[1].fingerprint);
}

TEST(FindingSet, DuplicateContentGetsTheSameLocationsInEitherOrder) {
  const ContentId id{1, 2};
  const ContentId clean{3, 4};
  FindingSet set = make_set();
  set.add_root({"early-copy"}, id);  // arrives before the scan result
  set.add_content(ContentRecord{id, {match(0, "k", 10)}, {}, {}});
  set.add_root({"original"}, id);
  set.add_root({"late-copy"}, id);
  set.add_content(ContentRecord{clean, {}, {}, {}});
  set.add_root({"clean"}, clean);
  set.add_root({"clean-copy"}, clean);
  std::vector<Finding> findings = set.take();
  ASSERT_EQ(findings.size(), 1u);
  EXPECT_EQ(paths_of(findings[0]), (std::vector<std::string>{"early-copy", "late-copy", "original"}));
  EXPECT_EQ(findings[0].locations[0].offset, 10u);
}

TEST(FindingSet, NestedContentIsReportedAtEveryChainItAppearsIn) {
  // outer.tar holds inner.zip (twice, under two names) which holds a file with a secret;
  // a copy of inner.zip also lies on disk.
  const ContentId outer{1, 1}, inner{2, 2}, leaf{3, 3};
  FindingSet set = make_set();
  set.add_content(ContentRecord{leaf, {match(0, "k", 4)}, {}, {}});
  set.add_content(ContentRecord{inner, {}, {ChildRef{"conf/app.env", leaf}}, {}});
  set.add_content(ContentRecord{outer, {}, {ChildRef{"lib/inner.zip", inner}, ChildRef{"copy.zip", inner}}, {}});
  set.add_root({"outer.tar"}, outer);
  set.add_root({"inner.zip"}, inner);
  std::vector<Finding> findings = set.take();
  ASSERT_EQ(findings.size(), 1u);
  EXPECT_EQ(paths_of(findings[0]),
            (std::vector<std::string>{"inner.zip!conf/app.env", "outer.tar!copy.zip!conf/app.env",
                                      "outer.tar!lib/inner.zip!conf/app.env"}));
  EXPECT_EQ(findings[0].locations[2].chain, (Chain{"outer.tar", "lib/inner.zip", "conf/app.env"}));
}

TEST(FindingSet, ArchiveThatContainsItselfEndsTheRecursion) {
  const ContentId quine{9, 9};
  FindingSet set = make_set();
  set.add_content(ContentRecord{quine, {match(0, "k", 1)}, {ChildRef{"r.zip", quine}}, {}});
  set.add_root({"r.zip"}, quine);
  std::vector<Finding> findings = set.take();
  ASSERT_EQ(findings.size(), 1u);
  EXPECT_EQ(paths_of(findings[0]), (std::vector<std::string>{"r.zip"}));
}

TEST(FindingSet, SharedLayerIsReportedOncePerImageAndWhiteoutsMarkDeletedFiles) {
  const ContentId tar{1, 0}, base{2, 0}, top{3, 0}, secret_file{4, 0}, config{5, 0};
  FindingSet set = make_set();
  set.add_content(ContentRecord{secret_file, {match(0, "k", 0)}, {}, {}});
  set.add_content(ContentRecord{config, {match(1, "env", 3)}, {}, {}});
  set.add_content(ContentRecord{base, {}, {ChildRef{"etc/app.env", secret_file}}, {}});
  set.add_content(ContentRecord{top, {}, {}, {"etc/.wh.app.env"}});
  set.add_content(ContentRecord{
      tar, {}, {ChildRef{"blobs/base", base}, ChildRef{"blobs/top", top}, ChildRef{"blobs/cfg", config}}, {}});
  set.add_root({"images.tar"}, tar);
  ImageRecord one{"one:1",
                  ImageRecord::Blob{"sha256:cfg", {"images.tar", "blobs/cfg"}, config},
                  {ImageRecord::Blob{"sha256:base", {"images.tar", "blobs/base"}, base}}};
  ImageRecord two{"two:2",
                  std::nullopt,
                  {ImageRecord::Blob{"sha256:base", {"images.tar", "blobs/base"}, base},
                   ImageRecord::Blob{"sha256:top", {"images.tar", "blobs/top"}, top}}};
  set.add_image(one);
  set.add_image(two);
  std::vector<Finding> findings = set.take();
  ASSERT_EQ(findings.size(), 2u);
  const Finding& layer_finding = findings[0];
  ASSERT_EQ(layer_finding.locations.size(), 2u);  // once per image, never as a plain member
  for (const Location& at : layer_finding.locations) {
    EXPECT_EQ(at.path, "images.tar!blobs/base!etc/app.env");
    ASSERT_TRUE(at.image.has_value());
    EXPECT_EQ(at.image->layer, "sha256:base");
  }
  EXPECT_EQ(layer_finding.locations[0].image->image, "one:1");
  EXPECT_EQ(layer_finding.locations[0].image->deleted_in_layer, "");
  EXPECT_EQ(layer_finding.locations[1].image->image, "two:2");
  EXPECT_EQ(layer_finding.locations[1].image->deleted_in_layer, "sha256:top");
  ASSERT_EQ(findings[1].locations.size(), 1u);
  ASSERT_TRUE(findings[1].locations[0].image.has_value());
  EXPECT_TRUE(findings[1].locations[0].image->layer.empty());  // the image config
}

TEST(Finding, FingerprintIsStableAndRedactionHidesTheSecret) {
  EXPECT_EQ(fingerprint("posthog_personal_key", "phx_abc"), fingerprint("posthog_personal_key", "phx_abc"));
  EXPECT_NE(fingerprint("a", "bc"), fingerprint("ab", "c"));
  EXPECT_EQ(fingerprint("a", "b").size(), 32u);
  const std::string secret = "phx_Q7f2Lp9Zx3MbQ7f2Lp9Zx3MbQ7f2Lp9Zx3Mb";
  const std::string shown = redact(secret);
  EXPECT_EQ(shown.find(secret.substr(4)), std::string::npos);
  EXPECT_EQ(shown.rfind("phx_", 0), 0u);
  EXPECT_EQ(redact("hunter2").find("hunter"), std::string::npos);
}

}  // namespace
}  // namespace sluice::pipeline

namespace sluice::pipeline {
namespace {

TEST(FindingSet, GenericMatchYieldsToAnOverlappingVendorMatch) {
  // Rule 1 yields to rule 0 (a generic rule and a vendor rule).
  FindingSet set([](std::uint32_t rule) { return "rule" + std::to_string(rule); },
                 [](std::uint32_t loser, std::uint32_t winner) { return loser == 1 && winner == 0; });
  set.add_content(ContentRecord{ContentId{1, 1},
                                {PlacedMatch{1, "api_key=vnd_abc", 10, 1, 11}, PlacedMatch{0, "vnd_abc", 18, 1, 19},
                                 PlacedMatch{1, "password=hunter22", 40, 2, 1}},
                                {},
                                {}});
  set.add_root({"config.env"}, ContentId{1, 1});
  const std::vector<Finding> findings = set.take();
  ASSERT_EQ(findings.size(), 2u);
  EXPECT_EQ(findings[0].rule, 0u);
  EXPECT_EQ(findings[1].secret, "password=hunter22");  // no vendor match overlaps it
}

TEST(FindingSet, MatchesThatYieldToNothingAreKeptIntact) {
  // Regression: compacting the kept matches moved each onto itself, emptying the secrets.
  FindingSet set([](std::uint32_t rule) { return "rule" + std::to_string(rule); },
                 [](std::uint32_t, std::uint32_t) { return false; });
  set.add({"a"}, {PlacedMatch{0, "first-secret", 0, 1, 1}, PlacedMatch{0, "second-secret", 50, 2, 1}});
  const std::vector<Finding> findings = set.take();
  ASSERT_EQ(findings.size(), 2u);
  EXPECT_EQ(findings[0].secret, "first-secret");
  EXPECT_EQ(findings[1].secret, "second-secret");
}

}  // namespace
}  // namespace sluice::pipeline
