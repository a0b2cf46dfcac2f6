#include "pipeline/scanner.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "../engine/test_keys.hpp"
#include "../io/temp_tree.hpp"
#include "engine/rule_loader.hpp"

namespace sluice::pipeline {
namespace {

std::shared_ptr<const engine::CompiledRules> catalog() {
  static const auto rules = engine::CompiledRules::compile(engine::builtin_rules());
  return rules;
}

// (rule id, secret, path, offset, line, column) for exact comparisons.
std::vector<std::string> flatten(const ScanReport& report) {
  std::vector<std::string> out;
  for (const Finding& f : report.findings) {
    for (const Location& at : f.locations) {
      out.push_back(catalog()->rules()[f.rule].id + " " + f.secret + " " + at.path + " " + std::to_string(at.offset) +
                    ":" + std::to_string(at.line) + ":" + std::to_string(at.column));
    }
  }
  std::sort(out.begin(), out.end());
  return out;
}

TEST(Scanner, SegmentParallelScanEqualsSerialScan) {
  testing::TempTree tree;
  std::mt19937_64 rng(11);
  std::string text;
  std::size_t planted = 0;
  while (text.size() < 6'000'000) {
    text += "line " + std::to_string(text.size()) + " of filler text, some_identifier = value;\n";
    if (rng() % 400 == 0) {
      text += "POSTHOG_KEY=" + sluice::testing::personal_key(rng, static_cast<int>(planted % 3)) + "\n";
      ++planted;
    }
  }
  const std::string path = tree.write("big.txt", text);
  ScanOptions serial;
  serial.roots = {path};
  serial.threads = 1;
  ScanOptions parallel = serial;
  parallel.threads = 2;
  parallel.segment_size = 256 * 1024;  // ~23 segments
  const ScanReport a = run_scan(catalog(), serial);
  const ScanReport b = run_scan(catalog(), parallel);
  EXPECT_EQ(flatten(a).size(), planted);
  EXPECT_EQ(flatten(a), flatten(b));
  EXPECT_FALSE(b.incomplete());
}

TEST(Scanner, IdenticalFilesAreScannedOnceAndReportedAtEveryPath) {
  testing::TempTree tree;
  std::mt19937_64 rng(12);
  const std::string content = "key: " + sluice::testing::personal_key(rng, 1) + "\n";
  tree.write("a/one.yaml", content);
  tree.write("b/two.yaml", content);
  tree.write("c/three.yaml", content);
  ScanOptions options;
  options.roots = {tree.root().string()};
  const ScanReport report = run_scan(catalog(), options);
  ASSERT_EQ(report.findings.size(), 1u);
  EXPECT_EQ(report.findings[0].locations.size(), 3u);
  EXPECT_EQ(report.stats.duplicates, 2u);
  EXPECT_EQ(report.stats.files, 3u);  // read, one of them scanned
  EXPECT_EQ(report.stats.bytes, content.size());
  options.dedup_content = false;
  const ScanReport all = run_scan(catalog(), options);
  EXPECT_EQ(all.stats.files, 3u);
  EXPECT_EQ(all.stats.duplicates, 0u);
  EXPECT_EQ(all.stats.bytes, 3 * content.size());
  EXPECT_EQ(flatten(all), flatten(report));
}

TEST(Scanner, MissingInputMakesTheScanIncompleteButKeepsFindings) {
  testing::TempTree tree;
  std::mt19937_64 rng(13);
  const std::string key = sluice::testing::personal_key(rng, 2);
  tree.write("ok.env", "K=" + key + "\n");
  ScanOptions options;
  options.roots = {tree.path("ok.env"), tree.path("gone")};
  const ScanReport report = run_scan(catalog(), options);
  EXPECT_TRUE(report.incomplete());
  ASSERT_EQ(report.issues.size(), 1u);
  EXPECT_EQ(report.issues[0].path, tree.path("gone"));
  ASSERT_EQ(report.findings.size(), 1u);
  EXPECT_EQ(report.findings[0].secret, key);
}

}  // namespace
}  // namespace sluice::pipeline
