// End-to-end: reports are honest and --redact holds everywhere (issue 15). A closed or failing
// stderr, a file-size limit, a kill mid-scan or an output that is also an input never leave a
// report that looks complete when it is not; every format marks an incomplete or interrupted
// scan; a secret found anywhere is masked in every field and message under --redact; paths are
// unambiguous; a report holding raw secrets is created 0600.

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <algorithm>
#include <filesystem>
#include <set>
#include <string>
#include <vector>

#include "support.hpp"

namespace sluice::e2e {
namespace {

using nlohmann::json;
using ::testing::HasSubstr;
using ::testing::Not;

// The names in `dir`, sorted: what a run left behind.
std::vector<std::string> entries(const std::string& dir) {
  std::vector<std::string> out;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) out.push_back(entry.path().filename().string());
  std::sort(out.begin(), out.end());
  return out;
}

TEST(ReportIntegrity, ClosedOrFullStderrNeitherCrashesNorLosesTheReport) {
  TempDir dir;
  KeyGen gen(1501);
  const std::string key = gen.personal_key();
  dir.write("tree/app.env", "POSTHOG_KEY=" + key + "\n");
  const std::string missing = dir.path("tree/does-not-exist");
  for (const std::string& redirect : {std::string("2>&-"), std::string("2>/dev/full")}) {
    const RunResult result = run({"bash", "-c",
                                  shell_quoted(kSluiceBinary) + " scan " + shell_quoted(dir.path("tree")) + " " +
                                      shell_quoted(missing) + " -f jsonl " + redirect});
    EXPECT_TRUE(exited_with(result, kIncomplete)) << redirect << " " << describe(result);
    const std::vector<Finding> findings = parse_jsonl(result.out);
    ASSERT_EQ(findings.size(), 1u) << redirect;
    EXPECT_EQ(findings[0].secret, key);
    EXPECT_EQ(jsonl_summary(result.out).value("complete", true), false);
  }
}

TEST(ReportIntegrity, ReportFileNeverGetsTheMessagesWhenStderrIsClosed) {
  TempDir dir;
  KeyGen gen(1502);
  dir.write("tree/app.env", "POSTHOG_KEY=" + gen.personal_key() + "\n");
  const std::string report = dir.path("r.json");
  const RunResult result =
      run({"bash", "-c",
           shell_quoted(kSluiceBinary) + " scan " + shell_quoted(dir.path("tree")) + " " +
               shell_quoted(dir.path("tree/missing")) + " -f json -o " + shell_quoted(report) + " 2>&-"});
  EXPECT_TRUE(exited_with(result, kIncomplete)) << describe(result);
  const json document = json::parse(read_file(report), nullptr, false);
  ASSERT_FALSE(document.is_discarded()) << "error lines landed in the report:\n" << read_file(report);
  EXPECT_EQ(document["findings"].size(), 1u);
  EXPECT_EQ(document["summary"]["complete"], false);
}

TEST(ReportIntegrity, FileSizeLimitGivesExitTwoAndNoPartialReportEvenWithoutIgnoringSigxfsz) {
  TempDir dir;
  KeyGen gen(1503);
  std::string many;
  for (int i = 0; i < 400; ++i) {
    many += "k=";
    many += gen.personal_key();
    many += '\n';
  }
  dir.write("tree/keys.env", many);
  const std::string out_dir = dir.mkdir("out");
  for (const char* format : {"text", "json", "jsonl", "sarif"}) {
    const std::string report = out_dir + "/report." + format;
    dir.write(std::string("out/report.") + format, "the previous report\n");
    // No `trap '' XFSZ`: sluice itself must turn the limit into a write error.
    const RunResult result =
        run({"bash", "-c",
             "ulimit -f 16; " + shell_quoted(kSluiceBinary) + " scan " + shell_quoted(dir.path("tree")) + " -f " +
                 format + " -o " + shell_quoted(report)});
    EXPECT_TRUE(exited_with(result, kFatal)) << format << " " << describe(result);
    EXPECT_THAT(result.err, HasSubstr("writing the report to " + report + " failed (File too large)"));
    EXPECT_EQ(read_file(report), "the previous report\n") << "the target is replaced only by a whole report";
  }
  EXPECT_EQ(entries(out_dir), (std::vector<std::string>{"report.json", "report.jsonl", "report.sarif", "report.text"}))
      << "no temporary file is left behind";
}

TEST(ReportIntegrity, OutputThatIsAnInputIsRefused) {
  TempDir dir;
  KeyGen gen(1504);
  const std::string content = "API_KEY = '" + gen.personal_key() + "'\n";
  const std::string config = dir.write("config.py", content);
  RunResult result = sluice({"scan", config, "-o", config});
  EXPECT_TRUE(exited_with(result, kFatal)) << describe(result);
  EXPECT_THAT(result.err, HasSubstr("is also an input of the scan"));
  EXPECT_EQ(read_file(config), content) << "the input was not touched";
  // The same file by another name.
  std::filesystem::create_symlink(config, dir.path("alias.py"));
  result = sluice({"scan", dir.path("alias.py"), "-o", config});
  EXPECT_TRUE(exited_with(result, kFatal)) << describe(result);
  EXPECT_EQ(read_file(config), content);
}

// A file inside a scanned directory is content too: `scan . -o config.py` must not replace it;
// an earlier report there (any format) or an empty file may be replaced.
// Regression: `sluice scan . -o report.jsonl` run twice scanned the first report (it holds the
// secrets) and reported every finding again at report.jsonl. The report being replaced is
// passed over, and said so; another earlier report is still content.
TEST(ReportIntegrity, TheReportBeingReplacedIsNotScanned) {
  TempDir dir;
  KeyGen gen(1507);
  const std::string key = gen.personal_key();
  const std::string config = dir.write("tree/app/config.py", "API_KEY = '" + key + "'\n");
  for (const std::string format : {"text", "jsonl"}) {
    const std::string report = dir.path("tree/report." + format);
    ASSERT_TRUE(exited_with(sluice({"scan", dir.path("tree"), "-f", format, "-o", report}), kFindings));
    ASSERT_THAT(read_file(report), HasSubstr(key)) << "the report holds the secret";
    const RunResult again = sluice({"scan", dir.path("tree"), "-f", format, "-o", report});
    EXPECT_TRUE(exited_with(again, kFindings)) << describe(again);
    EXPECT_THAT(again.err, HasSubstr("sluice: skipped: " + report + ": the earlier report that -o replaces"));
    EXPECT_THAT(read_file(report), Not(HasSubstr("report." + format + ":"))) << read_file(report);
  }
  // Written to standard output, the text report in the tree is content like any file.
  const RunResult other = sluice({"scan", dir.path("tree"), "-f", "jsonl"});
  EXPECT_THAT(other.out, HasSubstr(dir.path("tree/report.text")));
}

TEST(ReportIntegrity, OutputInsideAScannedDirectoryReplacesOnlyAnEarlierReport) {
  TempDir dir;
  KeyGen gen(1506);
  const std::string content = "API_KEY = '" + gen.personal_key() + "'\n";
  const std::string config = dir.write("tree/app/config.py", content);
  RunResult result = sluice({"scan", dir.path("tree"), "-o", config});
  EXPECT_TRUE(exited_with(result, kFatal)) << describe(result);
  EXPECT_THAT(result.err, HasSubstr("is a file inside the scanned directory"));
  EXPECT_EQ(read_file(config), content) << "the file was not touched";
  for (const std::string format : {"text", "json", "jsonl", "sarif"}) {
    const std::string report = dir.path("tree/report." + format);
    ASSERT_TRUE(exited_with(sluice({"scan", dir.path("tree/app"), "-f", format, "-o", report}), kFindings));
    // Run again over the whole tree: the earlier report is replaced.
    result = sluice({"scan", dir.path("tree"), "-f", format, "-o", report});
    EXPECT_TRUE(exited_with(result, kFindings)) << format << " " << describe(result);
  }
  dir.write("tree/empty.json", "");
  EXPECT_TRUE(exited_with(sluice({"scan", dir.path("tree"), "-o", dir.path("tree/empty.json")}), kFindings));
  // A file whose end only looks like a report is still content.
  const std::string mimic = dir.write("tree/app/notes.py", "x = 1\n# sluice: 0 findings; scan complete\n");
  EXPECT_TRUE(exited_with(sluice({"scan", dir.path("tree"), "-o", mimic}), kFatal))
      << "a comment is not a report's end";
  EXPECT_EQ(read_file(mimic), "x = 1\n# sluice: 0 findings; scan complete\n");
  const std::string package =
      dir.write("tree/app/package.json", "{\n  \"name\": \"sluice\",\n  \"version\": \"1.0.0\"\n}\n");
  result = sluice({"scan", dir.path("tree"), "-o", package});
  EXPECT_TRUE(exited_with(result, kFatal)) << describe(result);
  EXPECT_EQ(read_file(package), "{\n  \"name\": \"sluice\",\n  \"version\": \"1.0.0\"\n}\n");
  // A link in the tree would choose where the report goes: a file outside, or a linked folder.
  const std::string victim = dir.write("victim.txt", "victim\n");
  std::filesystem::create_symlink(victim, dir.path("tree/report.link.json"));
  std::filesystem::create_directory(dir.path("outside"));
  std::filesystem::create_directory_symlink(dir.path("outside"), dir.path("tree/linked"));
  for (const std::string target : {"tree/report.link.json", "tree/linked/new.json"}) {
    result = sluice({"scan", dir.path("tree"), "-f", "json", "-o", dir.path(target)});
    EXPECT_TRUE(exited_with(result, kFatal)) << target << " " << describe(result);
    EXPECT_THAT(result.err, HasSubstr("goes through a symbolic link inside the scanned directory")) << target;
  }
  EXPECT_EQ(read_file(victim), "victim\n");
  EXPECT_FALSE(std::filesystem::exists(dir.path("outside/new.json")));
  // A FIFO nobody reads: refused at once, not a hang.
  ASSERT_EQ(::mkfifo(dir.path("tree/fifo").c_str(), 0600), 0);
  result = sluice({"scan", dir.path("tree/app"), "-o", dir.path("tree/fifo")});
  EXPECT_TRUE(exited_with(result, kFatal)) << describe(result);
  EXPECT_THAT(result.err, HasSubstr("a FIFO with no reader"));
  // Outside every scanned directory, -o is the user's choice.
  const std::string elsewhere = dir.write("notes.txt", "anything\n");
  EXPECT_TRUE(exited_with(sluice({"scan", dir.path("tree/app"), "-o", elsewhere}), kFindings));
}

TEST(ReportIntegrity, KilledScanLeavesThePreviousReportWhole) {
  TempDir dir;
  const std::string report = dir.write("out/report.json", "{\"previous\": true}\n");
  // Standard input never ends (a FIFO the shell holds open): the scan is killed while it waits,
  // once its temporary report file exists.
  const std::string fifo = dir.path("input");
  const RunResult result =
      run({"bash", "-c",
           "mkfifo " + shell_quoted(fifo) + "; exec 3<>" + shell_quoted(fifo) + "; " + shell_quoted(kSluiceBinary) +
               " scan - -f json -o " + shell_quoted(report) + " <" + shell_quoted(fifo) +
               " & pid=$!; for i in $(seq 600); do ls -a " + shell_quoted(dir.path("out")) +
               " | grep -q sluice- && break; sleep 0.1; done; kill -9 $pid; wait $pid; echo $?"});
  EXPECT_EQ(result.out, "137\n") << describe(result);
  EXPECT_EQ(read_file(report), "{\"previous\": true}\n");
}

TEST(ReportIntegrity, ReportsWithRawSecretsAreCreatedOwnerOnly) {
  TempDir dir;
  KeyGen gen(1505);
  dir.write("tree/app.env", "POSTHOG_KEY=" + gen.personal_key() + "\n");
  const std::string raw = dir.path("raw.json");
  const std::string masked = dir.path("masked.json");
  EXPECT_TRUE(exited_with(sluice({"scan", dir.path("tree"), "-f", "json", "-o", raw}), kFindings));
  EXPECT_TRUE(exited_with(run({"bash", "-c",
                               "umask 022; " + shell_quoted(kSluiceBinary) + " scan " + shell_quoted(dir.path("tree")) +
                                   " -f json --redact -o " + shell_quoted(masked)}),
                          kFindings));
  struct stat info {};
  ASSERT_EQ(::stat(raw.c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 0777, 0600u);
  ASSERT_EQ(::stat(masked.c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 0777, 0644u) << "a redacted report follows the umask";
}

TEST(ReportIntegrity, EveryFormatMarksAnIncompleteScan) {
  TempDir dir;
  KeyGen gen(1506);
  dir.write("tree/app.env", "POSTHOG_KEY=" + gen.personal_key() + "\n");
  const std::string missing = dir.path("missing");
  RunResult text = sluice({"scan", dir.path("tree"), missing});
  EXPECT_TRUE(exited_with(text, kIncomplete));
  EXPECT_THAT(text.out, HasSubstr("SCAN INCOMPLETE: 1 input not completely scanned"));
  const RunResult complete = sluice({"scan", dir.path("tree")});
  EXPECT_THAT(complete.out, HasSubstr("sluice: 1 finding; scan complete"));

  const RunResult jsonl = sluice({"scan", dir.path("tree"), missing, "-f", "jsonl"});
  EXPECT_EQ(jsonl_summary(jsonl.out).value("complete", true), false);
  EXPECT_EQ(jsonl_summary(jsonl.out)["issues"].size(), 1u);

  const RunResult sarif = sluice({"scan", dir.path("tree"), missing, "-f", "sarif"});
  const json document = json::parse(sarif.out, nullptr, false);
  ASSERT_FALSE(document.is_discarded());
  EXPECT_EQ(document["runs"][0]["invocations"][0]["executionSuccessful"], false);
  EXPECT_EQ(document["runs"][0]["invocations"][0]["toolExecutionNotifications"].size(), 1u);
}

// --redact: a secret found anywhere is masked in every field and message.
class Redaction : public ::testing::TestWithParam<std::string> {};

TEST_P(Redaction, SecretInCommitMessageFileNameAndMemberNameIsMaskedEverywhere) {
  const std::string format = GetParam();
  TempDir dir;
  KeyGen gen(1507);
  const std::string key = gen.personal_key();
  const std::string repo = dir.mkdir("tree/repo");
  const auto git = [&](std::vector<std::string> args) {
    std::vector<std::string> argv{"git",
                                  "-C",
                                  repo,
                                  "-c",
                                  "user.name=T",
                                  "-c",
                                  "user.email=t@example.invalid",
                                  "-c",
                                  "init.defaultBranch=main",
                                  "-c",
                                  "commit.gpgsign=false"};
    argv.insert(argv.end(), args.begin(), args.end());
    ASSERT_TRUE(exited_with(run(argv), 0));
  };
  git({"init", "-q"});
  dir.write("tree/repo/settings.py", "TOKEN = '" + key + "'\n");
  git({"add", "-A"});
  git({"commit", "-q", "-m", "add the key " + key + " for now"});
  // The key in a file name (holding it too), in an archive member's name, and in the name of a
  // broken link (an error message names it).
  dir.write("tree/notes-" + key + ".txt", "the key: " + key + "\n");
  dir.write("tree/bundle.zip", make_archive("zip", {}, {{"keys/" + key + ".env", "K=" + key + "\n"}}));
  std::filesystem::create_symlink(dir.path("nowhere"), dir.path("tree/link-" + key));
  // Glued to a word, no rule matches the key in the name: only the secrets the scan found mask
  // it, so the lines about inputs wait for the end of the scan.
  std::filesystem::create_symlink(dir.path("nowhere"), dir.path("tree/link_" + key));
  const RunResult result = sluice({"scan", dir.path("tree"), "-L", "--redact", "-f", format});
  EXPECT_TRUE(exited_with(result, kIncomplete)) << describe(result);
  EXPECT_THAT(result.out, Not(HasSubstr(key))) << "the report holds the key:\n" << result.out;
  EXPECT_THAT(result.err, Not(HasSubstr(key))) << "stderr holds the key:\n" << result.err;
  EXPECT_THAT(result.out + result.err, HasSubstr("[REDACTED]"));
  // Without --redact, the same scan does show it (the test can fail).
  const RunResult plain = sluice({"scan", dir.path("tree"), "-L", "-f", format});
  EXPECT_THAT(plain.out, HasSubstr(key));
}

INSTANTIATE_TEST_SUITE_P(EveryFormat, Redaction, ::testing::Values("text", "json", "jsonl", "sarif"));

TEST(ReportIntegrity, PathsAreUnambiguous) {
  TempDir dir;
  KeyGen gen(1508);
  const std::string key = gen.personal_key();
  // A file literally named "a.zip!inner.txt" and the member inner.txt of a.zip.
  dir.write("tree/a.zip!inner.txt", "K=" + key + "\n");
  dir.write("tree/a.zip", make_archive("zip", {}, {{"inner.txt", "K=" + key + "\n"}}));
  // A backslash-n in a name versus a real newline.
  dir.write("tree/new\\nline.py", "K=" + key + "\n");
  dir.write("tree/new\nline.py", "K=" + key + "\n");
  // Two names that are not UTF-8 and differ only in their invalid byte.
  dir.write("tree/bad\xff.txt", "K=" + key + "\n");
  dir.write("tree/bad\xfe.txt", "K=" + key + "\n");
  const RunResult text = sluice({"scan", dir.path("tree"), "--no-dedup"});
  EXPECT_THAT(text.out, HasSubstr("a.zip\\!inner.txt:1:3"));
  EXPECT_THAT(text.out, HasSubstr("a.zip!inner.txt:1:3"));
  EXPECT_THAT(text.out, HasSubstr("new\\\\nline.py:1:3"));
  EXPECT_THAT(text.out, HasSubstr("new\\nline.py:1:3"));

  const RunResult result = sluice({"scan", dir.path("tree"), "--no-dedup", "-f", "json"});
  const std::vector<Finding> findings = parse_json_findings(result.out);
  ASSERT_EQ(findings.size(), 1u);
  std::set<json> chains;
  std::set<std::string> encoded;
  for (const json& location : findings[0].raw["locations"]) {
    ASSERT_TRUE(location.contains("archive_chain")) << location.dump();
    if (location.contains("path_percent_encoded")) {
      encoded.insert(location["path_percent_encoded"]);
    } else {
      chains.insert(location["archive_chain"]);
    }
  }
  EXPECT_EQ(chains.size(), 4u) << "every location has a chain of its own";
  EXPECT_EQ(encoded.size(), 2u) << "both non-UTF-8 names are recoverable and distinct";
  std::set<std::string> names;
  for (const std::string& path : encoded) names.insert(path.substr(path.rfind('/') + 1));
  EXPECT_EQ(names, (std::set<std::string>{"bad%FE.txt", "bad%FF.txt"}));
}

}  // namespace
}  // namespace sluice::e2e
