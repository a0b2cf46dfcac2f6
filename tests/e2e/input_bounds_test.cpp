// End-to-end: every input the user or the content controls has a bound, and inputs whose size
// the kernel misreports are read whole. Files that report size 0 (procfs), baselines that are
// no report or never end, rule catalogs past the caps.

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <string>
#include <vector>

#include "support.hpp"

namespace sluice::e2e {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

// A child process that waits (in `sleep`) with only `environment`; killed and reaped when this
// object goes.
class SleepingChild {
 public:
  explicit SleepingChild(std::vector<std::string> environment) : environment_(std::move(environment)) {
    std::vector<char*> envp;
    for (std::string& entry : environment_) envp.push_back(entry.data());
    envp.push_back(nullptr);
    std::string sleep_path = "/bin/sleep";
    std::string seconds = "600";
    char* argv[] = {sleep_path.data(), seconds.data(), nullptr};
    pid_ = ::fork();
    if (pid_ == 0) {
      ::execve(argv[0], argv, envp.data());
      ::_exit(127);
    }
  }
  ~SleepingChild() {
    if (pid_ > 0) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
    }
  }
  SleepingChild(const SleepingChild&) = delete;
  SleepingChild& operator=(const SleepingChild&) = delete;
  [[nodiscard]] pid_t pid() const noexcept { return pid_; }

 private:
  std::vector<std::string> environment_;
  pid_t pid_ = -1;
};

// /proc/PID/environ reports st_size 0: it used to be scanned as 0 bytes, exit 0.
TEST(InputBounds, ProcfsFileWithAKeyIsScannedWhole) {
  TempDir dir;
  KeyGen gen(1501);
  const std::string key = gen.personal_key();
  SleepingChild child({"HOME=/", "POSTHOG_KEY=" + key});
  ASSERT_GT(child.pid(), 0);
  const std::string environ_path = "/proc/" + std::to_string(child.pid()) + "/environ";
  // The environment is the child's once it has exec'd: wait for it rather than for a time.
  for (int i = 0; i < 6000 && read_file(environ_path).find(key) == std::string::npos; ++i) ::usleep(10000);
  ASSERT_NE(read_file(environ_path).find(key), std::string::npos);
  const RunResult result =
      sluice({"scan", environ_path, "--no-builtin-rules", "--rules", copy_posthog_rules(dir), "-f", "jsonl"});
  ASSERT_TRUE(exited_with(result, kFindings)) << describe(result);
  const std::vector<Finding> findings = parse_jsonl(result.out);
  ASSERT_EQ(findings.size(), 1u);
  EXPECT_EQ(findings[0].secret, key);
  EXPECT_TRUE(no_secret_on_stderr(result, {key}));
}

TEST(InputBounds, EmptyRegularFileIsStillCleanAndComplete) {
  TempDir dir;
  const std::string empty = dir.write("empty.txt", "");
  const RunResult result = sluice({"scan", empty, "-f", "json"});
  EXPECT_TRUE(exited_with(result, kClean)) << describe(result);
}

// ------------------------------------------------------------------------------------ baselines

// A directory was accepted silently and /dev/zero read until the kernel killed sluice.
TEST(InputBounds, BaselineThatIsNoFileIsAUsageError) {
  TempDir dir;
  dir.write("repo/a.txt", "nothing here\n");
  const std::string folder = dir.mkdir("not-a-report");
  RunResult result = sluice({"scan", dir.path("repo"), "--baseline", folder});
  EXPECT_TRUE(exited_with(result, kFatal)) << describe(result);
  EXPECT_EQ(result.err, "sluice: error: " + folder + ": is a directory, not a sluice report\n");
  result = sluice({"scan", dir.path("repo"), "--baseline", "/dev/zero"});
  EXPECT_TRUE(exited_with(result, kFatal)) << describe(result);
  EXPECT_EQ(result.err, "sluice: error: /dev/zero: is a device, not a sluice report\n");
}

TEST(InputBounds, BaselineLargerThanTheCapIsAUsageError) {
  TempDir dir;
  KeyGen gen(1502);
  const std::string key = gen.personal_key();
  dir.write("repo/a.env", "POSTHOG_KEY=" + key + "\n");
  const std::string rules = copy_posthog_rules(dir);
  const RunResult first = sluice(
      {"scan", dir.path("repo"), "--no-builtin-rules", "--rules", rules, "-f", "json", "-o", dir.path("b.json")});
  ASSERT_TRUE(exited_with(first, kFindings)) << describe(first);
  const std::string size = std::to_string(read_file(dir.path("b.json")).size());
  RunResult result = sluice({"scan", dir.path("repo"), "--no-builtin-rules", "--rules", rules, "--baseline",
                             dir.path("b.json"), "--max-baseline-size", size});
  EXPECT_TRUE(exited_with(result, kClean)) << describe(result);
  result = sluice({"scan", dir.path("repo"), "--no-builtin-rules", "--rules", rules, "--baseline", dir.path("b.json"),
                   "--max-baseline-size", "100"});
  EXPECT_TRUE(exited_with(result, kFatal)) << describe(result);
  EXPECT_EQ(result.err, "sluice: error: " + dir.path("b.json") +
                            ": larger than 100 bytes (--max-baseline-size): not read as a baseline\n");
}

// ---------------------------------------------------------------------------------------- rules

std::string generated_rules(std::size_t count) {
  std::string text;
  for (std::size_t i = 0; i < count; ++i) {
    const std::string n = std::to_string(i);
    text += "[[rules]]\nid = \"gen_" + n + "\"\nregex = '''gen" + n + "_[a-z0-9]{24}'''\n\n";
    text += "[[rules.examples]]\ntext = 'x'\nsecret = 'x'\n\n";
  }
  return text;
}

TEST(InputBounds, RuleCountAndRuleFileSizeAreCappedAndTheCapsCanBeRaised) {
  TempDir dir;
  const std::string empty = dir.write("empty.txt", "");
  const std::string rules = dir.write("rules.toml", generated_rules(20));
  RunResult result = sluice({"scan", empty, "--no-builtin-rules", "--rules", rules, "--max-rules", "19"});
  EXPECT_TRUE(exited_with(result, kFatal)) << describe(result);
  EXPECT_THAT(result.err, HasSubstr(rules + ": 20 rules, more than --max-rules 19 (raise it to load them)"));
  result = sluice({"scan", empty, "--rules", rules, "--max-rules", "50"});  // the built-in catalog counts too
  EXPECT_TRUE(exited_with(result, kFatal)) << describe(result);
  EXPECT_THAT(result.err, HasSubstr("more than --max-rules 50"));
  result = sluice({"scan", empty, "--no-builtin-rules", "--rules", rules, "--max-rules", "20"});
  EXPECT_TRUE(exited_with(result, kClean)) << describe(result);

  result = sluice({"scan", empty, "--no-builtin-rules", "--rules", rules, "--max-rule-file-size", "1000"});
  EXPECT_TRUE(exited_with(result, kFatal)) << describe(result);
  EXPECT_THAT(result.err, HasSubstr(rules + ": larger than --max-rule-file-size 1000 bytes"));
  result = sluice({"scan", empty, "--no-builtin-rules", "--rules", "/dev/zero"});
  EXPECT_TRUE(exited_with(result, kFatal)) << describe(result);
  EXPECT_THAT(result.err, HasSubstr("/dev/zero: is not a regular file, not a rule file"));
}

// RE2's own message quotes the pattern, which may hold a literal key.
TEST(InputBounds, RuleErrorsDoNotEchoTheRegex) {
  TempDir dir;
  KeyGen gen(1503);
  const std::string key = gen.personal_key();
  const std::string rules = dir.write("rules.toml", "[[rules]]\nid = \"broken\"\nregex = '''(" + key + "'''\n");
  const RunResult result = sluice({"scan", dir.write("empty.txt", ""), "--no-builtin-rules", "--rules", rules});
  EXPECT_TRUE(exited_with(result, kFatal)) << describe(result);
  EXPECT_THAT(result.err, HasSubstr("rule 'broken'"));
  EXPECT_TRUE(no_secret_on_stderr(result, {key}));
}

// A catalog big enough to take seconds to compile says so before compiling. (The last rule is
// broken, so the test stops right after RE2 and never waits for Hyperscan.)
TEST(InputBounds, BigCatalogIsNotedBeforeItIsCompiled) {
  TempDir dir;
  const std::string rules =
      dir.write("rules.toml", generated_rules(2000) + "[[rules]]\nid = \"broken\"\nregex = 'a(b)'\nsecretGroup = 5\n");
  const std::string empty = dir.write("empty.txt", "");
  RunResult result = sluice({"scan", empty, "--no-builtin-rules", "--rules", rules});
  EXPECT_TRUE(exited_with(result, kFatal)) << describe(result);
  EXPECT_THAT(result.err, HasSubstr("sluice: compiling 2001 rules (a catalog this big takes a while)\n"));
  result = sluice({"scan", empty, "--no-builtin-rules", "--rules", rules, "-q"});
  EXPECT_THAT(result.err, Not(HasSubstr("compiling")));
}

}  // namespace
}  // namespace sluice::e2e
