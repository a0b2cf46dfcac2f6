// End-to-end: inputs built to hurt a scanner. Every run must end by itself (the watchdog
// kills a hang and fails the test), with the documented exit code, findings elsewhere intact,
// and output that stays well-formed. No test asserts a duration.

#include <fcntl.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <map>

#include "support.hpp"

namespace sluice::e2e {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
namespace fs = std::filesystem;

TEST(HostileInput, PathNamesWithNewlinesControlBytesAndInvalidUtf8StayOneLineAndValidJson) {
  TempDir dir;
  KeyGen gen(801);
  const std::vector<std::string> names{"a\nb.env",
                                       "tab\there.env",
                                       std::string("\xff\xfe-latin.env"),
                                       "esc\x1b[31mred.env",
                                       "cr\rreturn.env",
                                       "invoice\xe2\x80\xae"
                                       "fdp.env"};
  std::vector<std::string> keys;
  for (const std::string& name : names) {
    keys.push_back(gen.personal_key());
    dir.write("tree/" + name, "KEY=" + keys.back() + "\n");
  }
  // An unreadable one: its error message names it on one line.
  const std::string locked = dir.write("tree/locked\nfile.env", "KEY=" + gen.personal_key() + "\n");
  ::chmod(locked.c_str(), 0);
  RunOptions as_nobody;
  as_nobody.as_nobody = true;

  const RunResult text = sluice({"scan", dir.path("tree")}, as_nobody);
  ASSERT_TRUE(exited_with(text, kIncomplete)) << describe(text, true);
  EXPECT_THAT(text.out, HasSubstr("a\\nb.env:1:5\n"));
  EXPECT_THAT(text.out, HasSubstr("tab\\there.env:1:5\n"));
  EXPECT_THAT(text.out, HasSubstr("esc\\x1b[31mred.env:1:5\n"));
  EXPECT_THAT(text.out, HasSubstr("cr\\rreturn.env:1:5\n"));
  EXPECT_THAT(text.out, HasSubstr("\\xff\\xfe-latin.env:1:5\n"));
  // A right-to-left override would show this name as "invoicevne.pdf".
  EXPECT_THAT(text.out, HasSubstr("invoice\\u{202e}fdp.env:1:5\n"));
  EXPECT_EQ(text.out.find("\xe2\x80\xae"), std::string::npos);
  EXPECT_EQ(text.out.find('\x1b'), std::string::npos) << "no raw escape byte reaches a terminal";
  EXPECT_EQ(text.out.find('\r'), std::string::npos);
  // stderr: one line per message, the name escaped.
  EXPECT_THAT(text.err, HasSubstr("locked\\nfile.env: "));
  for (std::size_t at = text.err.find('\n'); at != std::string::npos; at = text.err.find('\n', at + 1)) {
    const std::size_t next = text.err.find('\n', at + 1);
    if (next == std::string::npos) break;
    EXPECT_EQ(text.err.compare(at + 1, 8, "sluice: "), 0) << "a message was split: " << text.err;
  }

  const RunResult json = sluice({"scan", dir.path("tree"), "-f", "json"}, as_nobody);
  ASSERT_TRUE(exited_with(json, kIncomplete));
  const std::vector<Finding> findings = parse_json_findings(json.out);
  EXPECT_EQ(findings.size(), names.size());
  std::vector<std::string> paths;
  for (const Finding& finding : findings) paths.push_back(finding.locations.at(0).path);
  EXPECT_THAT(paths, ::testing::Contains(dir.path("tree/a\nb.env")));  // JSON escapes, the string is exact
  EXPECT_THAT(paths, ::testing::Contains(dir.path("tree/\xef\xbf\xbd\xef\xbf\xbd-latin.env")));  // U+FFFD

  const RunResult lines = sluice({"scan", dir.path("tree"), "-f", "jsonl"}, as_nobody);
  ASSERT_TRUE(exited_with(lines, kIncomplete));
  EXPECT_EQ(parse_jsonl(lines.out).size(), names.size());
  EXPECT_EQ(static_cast<std::size_t>(std::count(lines.out.begin(), lines.out.end(), '\n')), names.size() + 1)
      << "one line per finding and the summary record: newlines in paths are escaped";
  EXPECT_TRUE(no_secret_on_stderr(text, keys));
}

// Long runs of what rules look for, where no rule may match: the scan stays linear and still
// finds the one real key placed after each run.
TEST(HostileInput, PathologicalRunsForTheMatcherFinishAndTheKeyAfterThemIsFound) {
  TempDir dir;
  KeyGen gen(802);
  const std::string key = gen.personal_key();
  const std::string alnum = "aB3dE5gH7jK9mN1pQ2rS4tU6vW8xY0zC";
  std::string base62;
  while (base62.size() < (std::size_t{8} << 20)) base62 += alnum;
  std::string base64;
  while (base64.size() < (std::size_t{8} << 20)) base64 += "QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVo+/w==";
  const std::map<std::string, std::string> inputs{
      {"a.txt", std::string(std::size_t{10} << 20, 'a')},      // 10 MB of one byte
      {"line.txt", std::string(std::size_t{100} << 20, 'x')},  // one 100 MB line
      {"phx.txt", "phx_" + base62},                            // a prefix, then the body alphabet for megabytes
      {"akia.txt", "AKIA" + std::string(std::size_t{4} << 20, 'Z')},
      {"ghp.txt", "ghp_" + base62},
      {"slack.txt", "xoxb-" + base62},
      {"pem.txt", "-----BEGIN RSA PRIVATE KEY-----\n" + base64},  // never closed
      {"many-prefixes.txt",
       [] {
         std::string s;
         while (s.size() < (std::size_t{8} << 20)) s += "phx_ AKIA ghp_ sk-ant- glpat- xoxb- ";
         return s;
       }()},
  };
  for (const auto& [name, body] : inputs) dir.write("runs/" + name, body + "\nkey = " + key + "\n");
  RunOptions patient;
  patient.timeout = std::chrono::seconds(300);
  const RunResult result = sluice({"scan", dir.path("runs"), "-f", "json"}, patient);
  ASSERT_TRUE(exited_with(result, kFindings)) << describe(result);
  const std::vector<Finding> findings = parse_json_findings(result.out);
  const std::vector<Finding> posthog = of_rule(findings, "posthog_personal_key");
  ASSERT_EQ(posthog.size(), 1u);
  EXPECT_EQ(posthog[0].occurrences, inputs.size()) << "the key after every run is found";
  EXPECT_EQ(findings.size(), 1u) << "nothing in the runs themselves is a finding\n" << describe(result, true);
}

TEST(HostileInput, TimeBudgetPerInputIsReportedAndTheScanGoesOn) {
  TempDir dir;
  KeyGen gen(806);
  const std::string key = gen.personal_key();
  const std::string big = dir.write("slow/big.txt", std::string(std::size_t{64} << 20, 'a'));
  dir.write("fast/key.env", "KEY=" + key + "\n");
  // A budget far below what 64 MB take: the big file is cut short; the small file is an
  // input with a budget of its own, scanned whole.
  const RunResult result =
      sluice({"scan", dir.path("slow"), dir.path("fast"), "--max-input-seconds", "0.001", "-f", "json", "-j", "1"});
  ASSERT_TRUE(exited_with(result, kIncomplete)) << describe(result, true);
  EXPECT_THAT(result.err, HasSubstr(big + ": time budget for this input exhausted (--max-input-seconds)"));
  EXPECT_EQ(parse_json_findings(result.out).size(), 1u);
  // The same bytes as a stream.
  RunOptions piped;
  piped.input = std::string(std::size_t{64} << 20, 'a');
  const RunResult stream = sluice({"scan", "-", "--max-input-seconds", "0.001"}, piped);
  ASSERT_TRUE(exited_with(stream, kIncomplete)) << describe(stream);
  EXPECT_THAT(stream.err, HasSubstr("time budget for this input exhausted"));
  // No limit: the whole file is scanned.
  const RunResult unlimited = sluice({"scan", big, "--max-input-seconds", "0"});
  EXPECT_TRUE(exited_with(unlimited, kClean)) << describe(unlimited);
}

TEST(HostileInput, ManyTinyFiles) {
  TempDir dir;
  KeyGen gen(803);
  const std::string key = gen.personal_key();
  constexpr int kDirs = 100;
  constexpr int kFiles = 400;  // 40,000 files
  for (int d = 0; d < kDirs; ++d) {
    const std::string folder = dir.mkdir("many/d" + std::to_string(d));
    for (int f = 0; f < kFiles; ++f) {
      const std::string path = folder + "/f" + std::to_string(f);
      const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
      ASSERT_GE(fd, 0);
      std::string body = std::to_string(d * kFiles + f);  // GCC 12 warns (-Wrestrict) on "x" + std::string
      body.insert(0, 1, 'x');
      body.push_back('\n');
      ASSERT_EQ(::write(fd, body.data(), body.size()), static_cast<ssize_t>(body.size()));
      ::close(fd);
    }
  }
  dir.write("many/d57/key.env", "KEY=" + key + "\n");
  RunOptions patient;
  patient.timeout = std::chrono::seconds(300);
  const RunResult result = sluice({"scan", dir.path("many"), "-f", "json"}, patient);
  ASSERT_TRUE(exited_with(result, kFindings)) << describe(result);
  const nlohmann::json report = nlohmann::json::parse(result.out);
  EXPECT_EQ(report["summary"]["files"], kDirs * kFiles + 1);
  EXPECT_EQ(report["findings"].size(), 1u);
}

TEST(HostileInput, DirectoryTreeDeeperThanPathMax) {
  TempDir dir;
  KeyGen gen(804);
  const std::string shallow_key = gen.personal_key();
  const std::string deep_key = gen.personal_key();
  // 2,500 nested directories "dd": paths pass PATH_MAX (4,096 bytes) about level 1,350.
  // Built with mkdirat/openat, since their full paths cannot be used.
  int fd = ::open(dir.mkdir("deep").c_str(), O_RDONLY | O_DIRECTORY);
  ASSERT_GE(fd, 0);
  for (int level = 1; level <= 2500; ++level) {
    ASSERT_EQ(::mkdirat(fd, "dd", 0755), 0) << level;
    const int next = ::openat(fd, "dd", O_RDONLY | O_DIRECTORY);
    ::close(fd);
    ASSERT_GE(next, 0);
    fd = next;
    auto plant = [&](const std::string& key) {
      const int file = ::openat(fd, "k.env", O_WRONLY | O_CREAT | O_TRUNC, 0644);
      const std::string body = "KEY=" + key + "\n";
      ASSERT_EQ(::write(file, body.data(), body.size()), static_cast<ssize_t>(body.size()));
      ::close(file);
    };
    if (level == 500) plant(shallow_key);
    if (level == 2400) plant(deep_key);
  }
  ::close(fd);
  const RunResult result = sluice({"scan", dir.path("deep"), "-f", "json"});
  // Past PATH_MAX the walk reports what it cannot open and goes on: exit 3, the shallow key
  // found, no crash.
  EXPECT_TRUE(exited_with(result, kIncomplete)) << describe(result);
  EXPECT_THAT(result.err, HasSubstr("File name too long"));
  const std::vector<Finding> findings = parse_json_findings(result.out);
  ASSERT_GE(findings.size(), 1u);
  EXPECT_EQ(findings[0].secret, shallow_key);
  // std::filesystem cannot remove what its paths cannot name; rm walks with openat.
  const RunResult removed = run({"rm", "-rf", dir.path("deep")});
  EXPECT_TRUE(exited_with(removed, 0));
}

// A scan reads; it writes nothing but its report: no temporary files, nothing in the working
// directory or the home directory, nothing in the scanned tree (repositories and archives
// included).
TEST(HostileInput, ScanWritesNothingButItsReport) {
  TempDir dir;
  KeyGen gen(805);
  const std::string key = gen.personal_key();
  dir.write("tree/plain.env", "KEY=" + key + "\n");
  const std::string repo = dir.mkdir("tree/repo");
  const RunResult init = run({"git", "-C", repo, "init", "-q"});
  ASSERT_TRUE(exited_with(init, 0));
  dir.write("tree/repo/config.env", "KEY=" + gen.personal_key() + "\n");
  ASSERT_TRUE(exited_with(run({"git", "-C", repo, "add", "-A"}), 0));
  ASSERT_TRUE(exited_with(
      run({"git", "-C", repo, "-c", "user.name=t", "-c", "user.email=t@example.invalid", "commit", "-q", "-m", "c"}),
      0));
  ASSERT_TRUE(
      exited_with(run({"tar", "-czf", dir.path("tree/bundle.tar.gz"), "-C", dir.path("tree"), "plain.env"}), 0));
  auto listing = [&](const std::string& root) {
    std::map<std::string, std::pair<std::uintmax_t, std::int64_t>> out;
    for (const auto& entry : fs::recursive_directory_iterator(root)) {
      struct stat info {};
      ::lstat(entry.path().c_str(), &info);
      out[entry.path().string()] = {static_cast<std::uintmax_t>(info.st_size),
                                    static_cast<std::int64_t>(info.st_mtim.tv_sec) * 1000000000 + info.st_mtim.tv_nsec};
    }
    return out;
  };
  const auto before = listing(dir.path("tree"));
  const std::string home = dir.mkdir("home");
  const std::string tmp = dir.mkdir("tmp");
  const std::string cwd = dir.mkdir("cwd");
  RunOptions options;
  options.cwd = cwd;
  const RunResult result = run({"env", "HOME=" + home, "TMPDIR=" + tmp, kSluiceBinary, "scan", dir.path("tree"), "-f",
                                "json", "-o", dir.path("report.json")},
                               options);
  ASSERT_TRUE(exited_with(result, kFindings)) << describe(result);
  EXPECT_TRUE(fs::is_empty(home));
  EXPECT_TRUE(fs::is_empty(tmp));
  EXPECT_TRUE(fs::is_empty(cwd));
  EXPECT_EQ(listing(dir.path("tree")), before) << "the scanned tree changed";
  EXPECT_FALSE(read_file(dir.path("report.json")).empty());
}

}  // namespace
}  // namespace sluice::e2e
