// End-to-end: one finding per (rule, secret) with every location; byte-identical files are
// scanned once but reported at every path; --no-dedup changes the work, not the findings.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <set>

#include "support.hpp"

namespace sluice::e2e {
namespace {

nlohmann::json findings_of(const RunResult& result) {
  const nlohmann::json document = nlohmann::json::parse(result.out, nullptr, false);
  if (document.is_discarded() || !document.contains("findings")) {
    ADD_FAILURE() << "not a JSON report\n" << describe(result, true);
    return nlohmann::json::array();
  }
  return document["findings"];
}

nlohmann::json summary_of(const RunResult& result) {
  const nlohmann::json document = nlohmann::json::parse(result.out, nullptr, false);
  if (document.is_discarded() || !document.contains("summary")) return nlohmann::json::object();
  return document["summary"];
}

TEST(Dedup, SameKeyInThreeFilesIsOneFindingWithThreeOccurrences) {
  TempDir dir;
  KeyGen gen(21);
  const std::string key = gen.personal_key();
  std::vector<Hit> expected;
  for (int i = 0; i < 3; ++i) {
    const std::string text =
        gen.filler(100 + 500 * static_cast<std::size_t>(i)) + "\nkey = \"" + key + "\"\n" + gen.filler(50);
    const std::string path = dir.write("dir" + std::to_string(i) + "/config_" + std::to_string(i) + ".py", text);
    const std::uint64_t offset = text.find(key);
    const Position position = position_of(text, offset);
    expected.push_back(Hit{path, "posthog_personal_key", key, offset, position.line, position.column});
  }
  std::sort(expected.begin(), expected.end());
  for (const char* threads : {"1", "2"}) {
    const RunResult result = sluice({"scan", dir.root().string(), "-f", "jsonl", "-j", threads});
    ASSERT_TRUE(exited_with(result, 1));
    const std::vector<Finding> findings = parse_jsonl(result.out);
    ASSERT_EQ(findings.size(), 1u) << "one finding per (rule, secret)\n" << describe(result, true);
    EXPECT_EQ(findings[0].occurrences, 3u);
    EXPECT_EQ(flatten(findings), expected);
  }
}

TEST(Dedup, SameKeyTwiceInOneFileIsOneFindingWithTwoLocations) {
  TempDir dir;
  KeyGen gen(22);
  const std::string key = gen.personal_key();
  const std::string text = "a=" + key + "\n" + gen.filler(2000) + "\nb=" + key + "\n";
  const std::string path = dir.write("twice.env", text);
  const RunResult result = sluice({"scan", path, "-f", "jsonl"});
  ASSERT_TRUE(exited_with(result, 1));
  const std::vector<Finding> findings = parse_jsonl(result.out);
  ASSERT_EQ(findings.size(), 1u) << describe(result, true);
  EXPECT_EQ(findings[0].occurrences, 2u);
  ASSERT_EQ(findings[0].locations.size(), 2u);
  EXPECT_EQ(findings[0].locations[0].offset, 2u);
  EXPECT_EQ(findings[0].locations[1].offset, text.rfind(key));
}

TEST(Dedup, IdenticalFilesAreReportedAtEveryPath) {
  TempDir dir;
  KeyGen gen(23);
  const std::string key_a = gen.personal_key();
  const std::string key_b = gen.personal_key();
  const std::string text = gen.filler(3000) + "\nA=" + key_a + "\n" + gen.filler(1000) + "\nB='" + key_b + "'\n";
  constexpr int kCopies = 12;
  std::set<std::string> paths;
  for (int i = 0; i < kCopies; ++i) {
    paths.insert(dir.write("copies/" + std::to_string(i % 3) + "/copy_" + std::to_string(i) + ".txt", text));
  }
  const Position position_a = position_of(text, text.find(key_a));
  for (const char* threads : {"1", "2"}) {
    const RunResult result = sluice({"scan", dir.root().string(), "-f", "json", "-j", threads});
    ASSERT_TRUE(exited_with(result, 1));
    const std::vector<Finding> findings = parse_json_findings(result.out);
    ASSERT_EQ(findings.size(), 2u) << describe(result, true);
    for (const Finding& finding : findings) {
      EXPECT_EQ(finding.occurrences, static_cast<std::uint64_t>(kCopies)) << "-j " << threads;
      std::set<std::string> reported;
      for (const Location& at : finding.locations) {
        reported.insert(at.path);
        EXPECT_EQ(at.offset, text.find(finding.secret)) << at.path;
        if (finding.secret == key_a) {
          EXPECT_EQ(at.line, position_a.line);
          EXPECT_EQ(at.column, position_a.column);
        }
      }
      EXPECT_EQ(reported, paths) << "every copy must be reported (-j " << threads << ")";
    }
    const nlohmann::json summary = summary_of(result);
    EXPECT_EQ(summary.value("duplicates", -1), kCopies - 1) << summary.dump();
    // Every copy is read (counted in files), one is scanned (its bytes), the others are duplicates.
    EXPECT_EQ(summary.value("files", -1), kCopies) << summary.dump();
    EXPECT_EQ(summary.value("bytes", std::uint64_t{0}), text.size())
        << "bytes scanned count one copy: " << summary.dump();
  }
}

TEST(Dedup, NoDedupGivesTheSameFindings) {
  TempDir dir;
  KeyGen gen(24);
  const std::string shared = gen.personal_key();
  const std::string copy_text = "K=" + shared + "\n" + gen.filler(500);
  for (int i = 0; i < 5; ++i) dir.write("same/" + std::to_string(i) + ".env", copy_text);
  for (int i = 0; i < 5; ++i) {
    dir.write("other/" + std::to_string(i) + ".env",
              gen.filler(200 * static_cast<std::size_t>(i + 1)) + " " + shared + " " + gen.personal_key() + "\n");
  }
  dir.write("empty_a.txt", "");
  dir.write("empty_b.txt", "");
  for (const char* threads : {"1", "2"}) {
    const RunResult dedup = sluice({"scan", dir.root().string(), "-f", "json", "-j", threads});
    const RunResult no_dedup = sluice({"scan", dir.root().string(), "-f", "json", "--no-dedup", "-j", threads});
    ASSERT_TRUE(exited_with(dedup, 1));
    ASSERT_TRUE(exited_with(no_dedup, 1));
    EXPECT_EQ(findings_of(dedup), findings_of(no_dedup))
        << "--no-dedup must not change the findings (-j " << threads << ")";
    EXPECT_EQ(summary_of(no_dedup).value("duplicates", -1), 0) << summary_of(no_dedup).dump();
    EXPECT_EQ(summary_of(no_dedup).value("files", -1), 12) << summary_of(no_dedup).dump();
    EXPECT_EQ(summary_of(dedup).value("duplicates", -1), 5) << summary_of(dedup).dump();
  }
}

}  // namespace
}  // namespace sluice::e2e
