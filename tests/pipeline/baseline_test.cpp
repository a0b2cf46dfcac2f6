#include "pipeline/baseline.hpp"

#include <gtest/gtest.h>

#include "pipeline/ignore_file.hpp"

namespace sluice::pipeline {
namespace {

const std::string kA = fingerprint("rule_a", "secret-one");
const std::string kB = fingerprint("rule_b", "secret-two");

std::vector<Finding> two_findings() {
  std::vector<Finding> findings(2);
  findings[0].fingerprint = kA;
  findings[1].fingerprint = kB;
  return findings;
}

TEST(Suppressions, ReadsJsonDocument) {
  Suppressions s;
  s.add_report_text(R"({"tool": {}, "findings": [{"fingerprint": ")" + kA + R"(", "secret": "x…[REDACTED]"}],
                       "summary": {}})", "r.json");
  auto findings = two_findings();
  EXPECT_EQ(s.apply(findings), 1u);
  ASSERT_EQ(findings.size(), 1u);
  EXPECT_EQ(findings[0].fingerprint, kB);
  EXPECT_EQ(s.entries()[0].hits, 1u);
}

TEST(Suppressions, ReadsJsonLinesIncludingEmptyAndSingleLine) {
  Suppressions s;
  s.add_report_text("", "empty.jsonl");
  EXPECT_TRUE(s.empty());
  s.add_report_text("{\"fingerprint\": \"" + kA + "\"}\n", "one.jsonl");
  s.add_report_text("{\"fingerprint\": \"" + kA + "\"}\n\n{\"fingerprint\": \"" + kB + "\"}\n", "two.jsonl");
  auto findings = two_findings();
  EXPECT_EQ(s.apply(findings), 2u);
}

TEST(Suppressions, ReadsSarifPartialFingerprints) {
  Suppressions s;
  s.add_report_text(R"({"version": "2.1.0", "runs": [{"results": [
      {"ruleId": "rule_b", "partialFingerprints": {"sluiceFingerprint/v1": ")" + kB + R"("}}]}]})", "r.sarif");
  auto findings = two_findings();
  EXPECT_EQ(s.apply(findings), 1u);
  EXPECT_EQ(findings[0].fingerprint, kA);
}

TEST(Suppressions, RejectsWhatIsNotAReport) {
  Suppressions s;
  EXPECT_THROW(s.add_report_text("hello\n", "x"), SuppressionError);
  EXPECT_THROW(s.add_report_text(R"({"findings": [{"rule_id": "no fingerprint"}]})", "x"), SuppressionError);
  EXPECT_THROW(s.add_report("/nonexistent/report.json"), SuppressionError);
}

TEST(IgnoreFile, FingerprintsAndPatterns) {
  Suppressions s;
  io::PathFilter filter;
  parse_ignore_file("# comment\n" + kA + "   # accepted: test key\n\ndocs/\n*.snap\r\n", ".sluiceignore", s, filter);
  ASSERT_EQ(s.entries().size(), 1u);
  EXPECT_EQ(s.entries()[0].origin, ".sluiceignore:2");
  ASSERT_EQ(filter.excludes().size(), 2u);
  EXPECT_EQ(filter.excludes()[0].origin, ".sluiceignore:4");
  EXPECT_TRUE(filter.excluded("a/b.snap", false));
}

}  // namespace
}  // namespace sluice::pipeline
