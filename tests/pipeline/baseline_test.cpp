#include "pipeline/baseline.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <functional>
#include <thread>

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
                       "summary": {}})",
                    "r.json");
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
      {"ruleId": "rule_b", "partialFingerprints": {"sluiceFingerprint/v1": ")" +
                        kB + R"("}}]}]})",
                    "r.sarif");
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

std::string message_of(const std::function<void()>& action) {
  try {
    action();
  } catch (const SuppressionError& error) {
    return error.what();
  }
  return "(no error)";
}

class TempDirectory {
 public:
  TempDirectory() {
    std::string pattern = (std::filesystem::temp_directory_path() / "sluice-baseline-XXXXXX").string();
    root_ = ::mkdtemp(pattern.data());
  }
  ~TempDirectory() {
    std::error_code ignored;
    std::filesystem::remove_all(root_, ignored);
  }
  [[nodiscard]] std::string path(const std::string& name) const { return (root_ / name).string(); }

 private:
  std::filesystem::path root_;
};

TEST(Suppressions, RefusesDirectoriesAndDevicesNamingTheFile) {
  TempDirectory dir;
  Suppressions s;
  EXPECT_EQ(message_of([&] { s.add_report(dir.path("")); }), dir.path("") + ": is a directory, not a sluice report");
  // /dev/zero was read until the kernel killed the process.
  EXPECT_EQ(message_of([&] { s.add_report("/dev/zero"); }), "/dev/zero: is a device, not a sluice report");
  EXPECT_TRUE(s.empty());
}

TEST(Suppressions, ReadsAReportFileAsAStream) {
  TempDirectory dir;
  const std::string path = dir.path("big.jsonl");
  {
    std::ofstream out(path);
    // More than one read block, so records span the block boundaries.
    for (int i = 0; i < 20000; ++i) {
      out << R"({"rule_id": "r", "secret": "x", "fingerprint": ")" << (i % 2 ? kA : kB) << "\"}\n";
    }
  }
  Suppressions s;
  s.add_report(path);
  ASSERT_EQ(s.entries().size(), 2u) << "a fingerprint repeated in one report is one entry";
  auto findings = two_findings();
  EXPECT_EQ(s.apply(findings), 2u);
}

// A FIFO that never ends (`--baseline <(yes ...)`) must end at the byte cap with a clear error.
TEST(Suppressions, EndlessFifoStopsAtTheByteCap) {
  TempDirectory dir;
  const std::string fifo = dir.path("endless");
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  ::signal(SIGPIPE, SIG_IGN);  // the writer learns the reader left from EPIPE
  std::thread writer([&] {
    const int fd = ::open(fifo.c_str(), O_WRONLY);
    if (fd < 0) return;
    const std::string line = R"({"fingerprint": ")" + kA + "\"}\n";
    while (::write(fd, line.data(), line.size()) > 0) {
    }
    ::close(fd);
  });
  Suppressions s;
  const std::string message = message_of([&] { s.add_report(fifo, 1 << 20); });
  writer.join();
  EXPECT_EQ(message, fifo + ": larger than 1048576 bytes (--max-baseline-size): not read as a baseline");
}

TEST(Suppressions, RejectsTrailingContentAndDeepNestingWithoutEchoingContent) {
  Suppressions s;
  const std::string document = R"({"findings": [{"fingerprint": ")" + kA + R"("}]})";
  EXPECT_EQ(message_of([&] { s.add_report_text(document + "\nSECRETVALUE", "r.json"); }),
            "r.json:2: not a sluice report (expected the output of -f json, -f jsonl or -f sarif)");
  EXPECT_EQ(message_of([&] { s.add_report_text(std::string(100000, '[') + "SECRETVALUE", "deep.json"); }),
            "deep.json:1: nested deeper than 64 levels: not a sluice report");
  const std::string message = message_of([&] { s.add_report_text(R"({"fingerprint": "SECRETVALUE)", "cut.jsonl"); });
  EXPECT_EQ(message.find("SECRETVALUE"), std::string::npos) << message;
  EXPECT_EQ(message_of([&] { s.add_report_text(R"({"fingerprint": "SECRETVALUE"})", "bad.jsonl"); }),
            "bad.jsonl: line 1: not a sluice fingerprint");
}

TEST(Suppressions, SarifRepeatsAreOneEntryAndPartialFingerprintWins) {
  Suppressions s;
  s.add_report_text(R"({"runs": [{"results": [
      {"properties": {"fingerprint": ")" +
                        kB + R"("},
       "partialFingerprints": {"sluiceFingerprint/v1": ")" +
                        kA + R"("}},
      {"partialFingerprints": {"sluiceFingerprint/v1": ")" +
                        kA + R"("}}]}], "version": "2.1.0"})",
                    "r.sarif");
  ASSERT_EQ(s.entries().size(), 1u);
  EXPECT_EQ(s.entries()[0].fingerprint, kA);
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
