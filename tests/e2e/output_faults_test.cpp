// End-to-end: the report cannot be delivered. A reader that goes away (`sluice scan | head`)
// ends sluice quietly, whether SIGPIPE kills it or is ignored; an output that cannot be written
// (/dev/full, a file-size limit standing in for a full disk) gives one clear line on stderr,
// exit 2, and never leaves a truncated report behind that could pass for a complete one.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>

#include "support.hpp"

namespace sluice::e2e {
namespace {

using ::testing::HasSubstr;

// A tree whose report is far larger than a pipe's buffer (so a reader that stops early is
// noticed): `count` distinct keys.
struct ManyKeys {
  TempDir dir;
  std::vector<std::string> keys;
  explicit ManyKeys(std::uint64_t seed, int count) {
    KeyGen gen(seed);
    std::string text;
    for (int i = 0; i < count; ++i) {
      keys.push_back(gen.personal_key());
      text += "POSTHOG_PERSONAL_API_KEY=" + keys.back() + "\n";
    }
    dir.write("app/keys.env", text);
  }
};

std::size_t lines(const std::string& text) {
  return static_cast<std::size_t>(std::count(text.begin(), text.end(), '\n'));
}

// Runs `sluice scan ROOT FORMAT | head -c 100` under bash and returns sluice's own exit
// status (printed by bash after the pipeline) in `out`; `default_sigpipe` restores SIGPIPE's
// default action for sluice (the test process ignores it, and children inherit that).
RunResult scan_into_head(const ManyKeys& tree, const std::string& format, bool default_sigpipe) {
  const std::string sluice_cmd = (default_sigpipe ? "env --default-signal=PIPE " : "") + shell_quoted(kSluiceBinary) +
                                 " scan " + shell_quoted(tree.dir.root().string()) + " -f " + format;
  return run({"bash", "-c", sluice_cmd + " | head -c 100 >/dev/null; echo \"${PIPESTATUS[0]}\""});
}

TEST(OutputFaults, ReaderGoneExitsQuietlyWithSigpipeDefault) {
  ManyKeys tree(71, 3000);
  for (const char* format : {"text", "json", "jsonl"}) {
    const RunResult result = scan_into_head(tree, format, true);
    ASSERT_TRUE(exited_with(result, 0)) << format;
    EXPECT_EQ(result.out, "141\n") << "killed by SIGPIPE (128 + 13), " << format;
    EXPECT_EQ(result.err, "") << format;
  }
}

TEST(OutputFaults, ReaderGoneExitsQuietlyWithSigpipeIgnored) {
  ManyKeys tree(72, 3000);
  for (const char* format : {"text", "json", "jsonl"}) {
    const RunResult result = scan_into_head(tree, format, false);
    ASSERT_TRUE(exited_with(result, 0)) << format;
    EXPECT_EQ(result.out, "2\n") << "the report was not delivered: exit 2, " << format;
    EXPECT_EQ(result.err, "") << "no message for a reader that went away, " << format;
  }
}

TEST(OutputFaults, FullDeviceGivesOneLineAndExitTwoInEveryFormat) {
  if (!std::filesystem::exists("/dev/full")) GTEST_SKIP() << "no /dev/full";
  ManyKeys small(73, 1);
  ManyKeys big(74, 500);
  TempDir clean;
  clean.write("notes.txt", "nothing here\n");
  for (const char* format : {"text", "json", "jsonl"}) {
    for (const std::string& root : {small.dir.root().string(), big.dir.root().string(), clean.root().string()}) {
      const RunResult result = sluice({"scan", root, "-f", format, "-o", "/dev/full"});
      EXPECT_TRUE(exited_with(result, kFatal)) << format << " " << root;
      EXPECT_THAT(result.err,
                  HasSubstr("sluice: error: writing the report to /dev/full failed (No space left on device)"));
      EXPECT_EQ(lines(result.err), 1u) << "one line, and no summary that looks like success:\n" << result.err;
      EXPECT_TRUE(no_secret_on_stderr(result, big.keys));
    }
  }
}

TEST(OutputFaults, StandardOutputOnFullDeviceFails) {
  if (!std::filesystem::exists("/dev/full")) GTEST_SKIP() << "no /dev/full";
  ManyKeys tree(75, 1);
  for (const char* format : {"text", "json", "jsonl"}) {
    const RunResult result = run({"bash", "-c",
                                  shell_quoted(kSluiceBinary) + " scan " + shell_quoted(tree.dir.root().string()) +
                                      " -f " + format + " >/dev/full"});
    EXPECT_TRUE(exited_with(result, kFatal)) << format;
    EXPECT_THAT(result.err, HasSubstr("sluice: error: writing the report to standard output failed"));
    EXPECT_EQ(lines(result.err), 1u) << result.err;
  }
}

TEST(OutputFaults, ReportCutShortByAFileSizeLimitIsRemoved) {
  // RLIMIT_FSIZE (with SIGXFSZ ignored, so the write fails with EFBIG) stands in for a disk
  // that fills up in the middle of the report.
  ManyKeys tree(76, 500);
  TempDir out_dir;
  for (const char* format : {"text", "json", "jsonl"}) {
    const std::string out = out_dir.path(std::string("report.") + format);
    const RunResult result =
        run({"bash", "-c",
             "trap '' XFSZ; ulimit -f 16; " + shell_quoted(kSluiceBinary) + " scan " +
                 shell_quoted(tree.dir.root().string()) + " -f " + format + " -o " + shell_quoted(out)});
    EXPECT_TRUE(exited_with(result, kFatal)) << format;
    EXPECT_THAT(result.err, HasSubstr("writing the report to " + out + " failed (File too large)"));
    EXPECT_THAT(result.err, HasSubstr("the incomplete report was removed"));
    EXPECT_EQ(lines(result.err), 1u) << result.err;
    EXPECT_FALSE(std::filesystem::exists(out)) << "a truncated " << format << " report was left behind";
  }
}

TEST(OutputFaults, UnopenableOutputNamesTheReason) {
  ManyKeys tree(77, 1);
  const RunResult result = sluice({"scan", tree.dir.root().string(), "-o", "/nonexistent/dir/out.json"});
  EXPECT_TRUE(exited_with(result, kFatal));
  EXPECT_THAT(result.err, HasSubstr("cannot open output file /nonexistent/dir/out.json: No such file or directory"));
  EXPECT_EQ(lines(result.err), 1u) << result.err;
}

}  // namespace
}  // namespace sluice::e2e
