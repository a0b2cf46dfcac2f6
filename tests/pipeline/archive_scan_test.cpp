// The expansion budgets of an archive scan at limits small enough for fixtures of a few MB:
// a member over the limit costs only itself, and the input as a whole stops at its budget of
// scanned bytes (every reader) or of bytes passed over unscanned (compressed streams), with
// the members over the limit counted. The same at full size, as a user runs it, is in
// tests/e2e/archives_test.cpp (BadArchives.*).

#include "pipeline/archive_scan.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>

#include "../engine/test_keys.hpp"
#include "../engine/test_rules.hpp"
#include "../io/temp_tree.hpp"
#include "../support/archive_writer.hpp"
#include "engine/rule_loader.hpp"
#include "pipeline/scanner.hpp"

namespace sluice::pipeline {
namespace {

using ::testing::HasSubstr;
using testing::Member;

std::shared_ptr<const engine::CompiledRules> posthog_only() {
  static const auto rules = sluice::testing::builtin_subset({"posthog_personal_key"});
  return rules;
}

constexpr std::size_t kMiB = std::size_t{1} << 20;

struct Budgets : ::testing::Test {
  testing::TempTree tree;
  std::mt19937_64 rng{181};
  std::string key = sluice::testing::personal_key(rng, 1);

  // Scans `archive` (written as `name`) with a member limit of 1 MiB (the allowance; these
  // fixtures are a few KB, and --max-ratio is 1).
  ScanReport scan(const std::string& name, const std::string& archive, std::size_t threads = 1) {
    ScanOptions options;
    options.roots = {tree.write(name, archive)};
    options.threads = threads;
    options.archives.ratio_allowance = kMiB;
    options.archives.max_ratio = 1;
    return run_scan(posthog_only(), options);
  }

  // `bombs` members of `size` zeros, then one with the key.
  std::vector<Member> bombs_then_key(int bombs, std::size_t size = 3 * kMiB) const {
    const std::string zeros(size, '\0');
    std::vector<Member> members;
    for (int k = 0; k < bombs; ++k) members.push_back(Member{"zeros" + std::to_string(k) + ".bin", zeros});
    members.push_back(Member{"ok.env", "POSTHOG_KEY=" + key + "\n"});
    return members;
  }

  bool found_key(const ScanReport& report) const {
    return std::any_of(report.findings.begin(), report.findings.end(),
                       [&](const Finding& f) { return f.secret == key; });
  }
};

std::string issues(const ScanReport& report) {
  std::string text;
  for (const InputIssue& issue : report.issues) text += issue.path + ": " + issue.reason + "\n";
  return text;
}

std::size_t count_of(const std::string& text, const std::string& what) {
  std::size_t n = 0;
  for (std::size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

TEST_F(Budgets, StreamedBombMembersArePassedOverAndTheMemberAfterThemIsScanned) {
  for (std::size_t threads : {1, 2}) {
    const ScanReport report = scan("few.tar.gz", testing::make_archive("pax", {"gzip"}, bombs_then_key(3)), threads);
    EXPECT_TRUE(report.incomplete());
    EXPECT_TRUE(found_key(report)) << issues(report);
    const std::string text = issues(report);
    EXPECT_EQ(count_of(text, "member over the expansion limit: its first 1.0 MiB were scanned"), 3u) << text;
    EXPECT_THAT(text, Not(HasSubstr("the rest of this input was not scanned")));
  }
}

// Passing over costs decompression: past 16 times the limit the input stops, and says how
// many members were cut; the key after them is not reached.
TEST_F(Budgets, StreamedInputStopsWhenThePassedOverBudgetIsSpent) {
  // Each bomb passes over 9 MiB: the second goes past 16 MiB (the scanned bytes, 1 MiB each,
  // stay within their budget of 4 MiB).
  const ScanReport report = scan("many.tar.gz", testing::make_archive("pax", {"gzip"}, bombs_then_key(3, 10 * kMiB)));
  EXPECT_TRUE(report.incomplete());
  EXPECT_FALSE(found_key(report));
  EXPECT_THAT(issues(report), HasSubstr("many.tar.gz: expansion limit: more than 16.0 MiB of members over the limit "
                                        "decompressed unscanned to reach the next member"));
  EXPECT_THAT(issues(report), HasSubstr("; 2 members cut at the limit; the rest of this input was not scanned"));
}

// A zip passes over the rest of a member for free: only scanned bytes count, 4 times the limit.
TEST_F(Budgets, ZipStopsWhenTheScannedBudgetIsSpent) {
  const ScanReport few = scan("few.zip", testing::make_archive("zip", {}, bombs_then_key(3)));
  EXPECT_TRUE(found_key(few)) << issues(few);
  EXPECT_THAT(issues(few), Not(HasSubstr("the rest of this input was not scanned")));
  const ScanReport many = scan("many.zip", testing::make_archive("zip", {}, bombs_then_key(6)));
  EXPECT_FALSE(found_key(many));
  EXPECT_THAT(issues(many), HasSubstr("many.zip: expansion limit: more than 4.0 MiB decompressed from "));
}

// One level nested (a tar.gz in a zip) and inside a gzip'd image layer: the same.
TEST_F(Budgets, NestedStreamedBombCostsOnlyItself) {
  const std::string inner = testing::make_archive("pax", {"gzip"}, bombs_then_key(2));
  const ScanReport report =
      scan("outer.zip", testing::make_archive("zip", {}, {Member{"lib/inner.tgz", inner}, Member{"z.txt", "end\n"}}));
  EXPECT_TRUE(report.incomplete());
  EXPECT_TRUE(found_key(report)) << issues(report);
  EXPECT_THAT(issues(report), HasSubstr("outer.zip!lib/inner.tgz!zeros1.bin: member over the expansion limit"));
}

// A compressed file has no next member: past the limit it stops, nothing is passed over.
TEST_F(Budgets, CompressedFileStopsAtTheLimit) {
  const ScanReport report = scan("zeros.bin.gz", testing::compress("gzip", std::string(40 * kMiB, '\0')));
  EXPECT_TRUE(report.incomplete());
  EXPECT_THAT(issues(report), HasSubstr("zeros.bin.gz!zeros.bin: member over the expansion limit: its first 1.0 MiB"));
  EXPECT_THAT(issues(report), Not(HasSubstr("expansion limit: more than")));
}

}  // namespace
}  // namespace sluice::pipeline
