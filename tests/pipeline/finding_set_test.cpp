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

TEST(FindingSet, OneFindingPerRuleAndSecretWithEveryLocation) {
  FindingSet set = make_set();
  set.add("a", {match(0, "s1", 5), match(0, "s1", 50), match(1, "s1", 5)});
  set.add("b", {match(0, "s1", 7)});
  set.add("a", {match(0, "s1", 5)});  // same place twice: one location
  std::vector<Finding> findings = set.take();
  ASSERT_EQ(findings.size(), 2u);
  EXPECT_EQ(findings[0].rule, 0u);
  EXPECT_EQ(findings[0].locations.size(), 3u);
  EXPECT_EQ(findings[0].locations[0].path, "a");
  EXPECT_EQ(findings[0].fingerprint, fingerprint("rule0", "s1"));
  EXPECT_NE(findings[0].fingerprint, findings[1].fingerprint);
}

TEST(FindingSet, DuplicateContentGetsTheSameLocationsInEitherOrder) {
  const ContentId id{1, 2};
  const ContentId clean{3, 4};
  FindingSet set = make_set();
  set.add_duplicate(id, "early-copy");  // arrives before the scan result
  set.add_scanned(id, "original", {match(0, "k", 10)});
  set.add_duplicate(id, "late-copy");
  set.add_scanned(clean, "clean", {});
  set.add_duplicate(clean, "clean-copy");
  std::vector<Finding> findings = set.take();
  ASSERT_EQ(findings.size(), 1u);
  std::vector<std::string> paths;
  for (const Location& at : findings[0].locations) paths.push_back(at.path);
  EXPECT_EQ(paths, (std::vector<std::string>{"early-copy", "late-copy", "original"}));
  EXPECT_EQ(findings[0].locations[0].offset, 10u);
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
